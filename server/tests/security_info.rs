//! Security info over HTTP: a person manages their own methods with one of
//! their tenants and their own sessions, through the server functions the
//! page posts to. What is checked is what the person would see afterwards
//! — the methods listed, the codes that work, the sessions still signed in
//! — not only the status of the call.

mod common;

use app::mfa::ssr::step_up::STEP_UP_SECS;
use common::wire::{AppError, SecurityInfoView, TenantSecurity, UserType};
use common::{app_error, session_cookie, spawn_app, TestApp};
use reqwest::StatusCode;

impl TestApp {
    /// The page's data for `tenant` (or the default one).
    async fn security_info(&self, tenant: Option<&str>, cookie: &str) -> SecurityInfoView {
        let form: Vec<(&str, &str)> = tenant.map(|slug| ("tenant", slug)).into_iter().collect();
        self.fetch("security_info", &form, Some(cookie)).await
    }

    /// The person's methods with `tenant`, as the page lists them.
    async fn methods_in(&self, tenant: &str, cookie: &str) -> TenantSecurity {
        self.security_info(Some(tenant), cookie)
            .await
            .tenant
            .expect("a user object there")
    }

    async fn rename(&self, method_id: &str, name: &str, cookie: &str) -> reqwest::Response {
        let form = [
            ("tenant", "woodgrove"),
            ("method_id", method_id),
            ("name", name),
        ];
        self.call("rename_mfa_method", &form, Some(cookie)).await
    }

    async fn remove(&self, method_id: &str, cookie: &str) -> reqwest::Response {
        let form = [("tenant", "woodgrove"), ("method_id", method_id)];
        self.call("remove_mfa_method", &form, Some(cookie)).await
    }

    async fn new_codes(&self, cookie: &str) -> reqwest::Response {
        let form = [("tenant", "woodgrove")];
        self.call("new_recovery_codes", &form, Some(cookie)).await
    }

    /// Passes the challenge with a recovery code; the rotated session.
    async fn recover(&self, code: &str, cookie: &str) -> Result<String, AppError> {
        let form = [("tenant", "woodgrove"), ("code", code)];
        let response = self.call("mfa_recover", &form, Some(cookie)).await;
        if response.status() == StatusCode::OK {
            Ok(session_cookie(&response).expect("the session rotates"))
        } else {
            Err(app_error(response).await)
        }
    }
}

fn only_method(tenant: &TenantSecurity) -> String {
    assert_eq!(tenant.methods.len(), 1, "{tenant:?}");
    tenant.methods[0].id.clone()
}

#[tokio::test]
async fn the_page_lists_a_members_methods_with_the_home_tenant_by_default() {
    let app = spawn_app().await;
    let megan = app.admin_session("megan@woodgrove.test").await;
    let info = app.security_info(None, &megan).await;
    assert_eq!(info.tenants.len(), 1);
    assert_eq!(info.tenants[0].user_type, UserType::Member);
    let tenant = info.tenant.expect("the home tenant");
    assert_eq!(
        (tenant.slug.as_str(), tenant.upn.as_str()),
        ("woodgrove", "megan@woodgrove.test")
    );
    assert_eq!(tenant.methods[0].name, "Phone");
    assert_eq!(tenant.recovery_codes_left, 10);
    assert!(
        !tenant.mfa_required,
        "a plain member without security defaults"
    );
    assert_eq!(info.sessions.len(), 1);
    assert!(info.sessions[0].current);

    let page = app.page("/security-info", Some(&megan)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("a page");
    assert!(html.contains(r#"<tr data-method="Phone">"#), "{html}");

    // No user object in Contoso: the same answer as no such tenant.
    for tenant in ["contoso", "nowhere"] {
        let form = [("tenant", tenant)];
        let response = app.call("security_info", &form, Some(&megan)).await;
        assert!(
            matches!(app_error(response).await, AppError::NotFound(_)),
            "{tenant}"
        );
    }
}

#[tokio::test]
async fn another_users_method_id_is_not_found_and_nothing_changes() {
    let app = spawn_app().await;
    let admin = app.admin_session("admin@woodgrove.test").await;
    let megan = app.admin_session("megan@woodgrove.test").await;
    let admins = only_method(&app.methods_in("woodgrove", &admin).await);

    let renamed = app.rename(&admins, "Megan's now", &megan).await;
    let removed = app.remove(&admins, &megan).await;
    let unknown = app.remove("no-such-method", &megan).await;
    let (renamed, removed, unknown) = (
        app_error(renamed).await,
        app_error(removed).await,
        app_error(unknown).await,
    );
    assert!(matches!(renamed, AppError::NotFound(_)), "{renamed:?}");
    assert_eq!(removed, unknown, "the same answer as an unknown id");

    let after = app.methods_in("woodgrove", &admin).await;
    assert_eq!(only_method(&after), admins);
    assert_eq!(after.methods[0].name, "Phone");
    assert_eq!(app.audit_count("mfa.method_renamed", "success").await, 0);
    assert_eq!(app.audit_count("mfa.method_removed", "success").await, 0);
}

#[tokio::test]
async fn a_stale_mfa_is_asked_for_again_and_nothing_changes_until_it_is_fresh() {
    let app = spawn_app().await;
    let admin = app.admin_session("admin@woodgrove.test").await;
    let codes = codes_of(&app, &admin).await;
    let before = app.methods_in("woodgrove", &admin).await;
    let method = only_method(&before);

    app.clock.advance(STEP_UP_SECS + 1);
    let renamed = app.rename(&method, "Work phone", &admin).await;
    assert_eq!(renamed.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app_error(renamed).await, AppError::MfaRequired);
    assert_eq!(
        app_error(app.remove(&method, &admin).await).await,
        AppError::MfaRequired
    );
    assert_eq!(
        app_error(app.new_codes(&admin).await).await,
        AppError::MfaRequired
    );
    let after = app.methods_in("woodgrove", &admin).await;
    assert_eq!(after, before, "the same methods, names and codes");

    // A password alone (a new sign-in) is no better.
    let password_only = app.signed_in("admin@woodgrove.test").await;
    let refused = app.rename(&method, "Work phone", &password_only).await;
    assert_eq!(app_error(refused).await, AppError::MfaRequired);

    // Through the challenge, as the page sends the browser: then it works.
    let verified = app
        .recover(&codes[0], &password_only)
        .await
        .expect("a recovery code passes");
    let renamed = app.rename(&method, "Work phone", &verified).await;
    assert_eq!(renamed.status(), StatusCode::OK);
    let after = app.methods_in("woodgrove", &verified).await;
    assert_eq!(after.methods[0].name, "Work phone");
}

/// New recovery codes for the session `cookie` (fresh MFA needed).
async fn codes_of(app: &TestApp, cookie: &str) -> Vec<String> {
    let codes: Vec<String> = app
        .fetch(
            "new_recovery_codes",
            &[("tenant", "woodgrove")],
            Some(cookie),
        )
        .await;
    assert_eq!(codes.len(), 10);
    codes
}

#[tokio::test]
async fn new_recovery_codes_replace_the_old_set_which_stops_working() {
    let app = spawn_app().await;
    let admin = app.admin_session("admin@woodgrove.test").await;
    let old = codes_of(&app, &admin).await;
    let new = codes_of(&app, &admin).await;
    assert!(old.iter().all(|code| !new.contains(code)));
    assert_eq!(
        app.methods_in("woodgrove", &admin)
            .await
            .recovery_codes_left,
        10
    );

    let session = app.signed_in("admin@woodgrove.test").await;
    let refused = app.recover(&old[0], &session).await;
    assert!(
        matches!(refused, Err(AppError::Invalid { .. })),
        "{refused:?}"
    );
    let passed = app.recover(&new[0], &session).await.expect("a new code");
    assert_eq!(
        app.methods_in("woodgrove", &passed)
            .await
            .recovery_codes_left,
        9
    );
    assert_eq!(
        app.audit_count("mfa.recovery_codes_regenerated", "success")
            .await,
        2
    );
}

#[tokio::test]
async fn an_admins_last_method_stays_and_a_plain_members_goes_with_its_codes() {
    let app = spawn_app().await;
    let admin = app.admin_session("admin@woodgrove.test").await;
    let tenant = app.methods_in("woodgrove", &admin).await;
    assert!(tenant.mfa_required, "the admin portal requires MFA");
    let refused = app.remove(&only_method(&tenant), &admin).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    match app_error(refused).await {
        AppError::Refused { code, message } => {
            assert_eq!(code, "lastMethodRequired");
            assert!(message.contains("Woodgrove requires MFA"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(app.methods_in("woodgrove", &admin).await, tenant);

    let megan = app.admin_session("megan@woodgrove.test").await;
    let hers = only_method(&app.methods_in("woodgrove", &megan).await);
    let removed = app.remove(&hers, &megan).await;
    assert_eq!(removed.status(), StatusCode::OK);
    let after = app.methods_in("woodgrove", &megan).await;
    assert!(after.methods.is_empty());
    assert_eq!(after.recovery_codes_left, 0, "the codes went with it");
    let events = app.audit_events("mfa.method_removed").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].target.as_deref(), Some("megan@woodgrove.test"));
}

#[tokio::test]
async fn ending_another_own_session_signs_its_cookie_out_and_nothing_else() {
    let app = spawn_app().await;
    let laptop = app.signed_in("megan@woodgrove.test").await;
    app.clock.advance(60);
    let phone = app.signed_in("megan@woodgrove.test").await;
    let admin = app.signed_in("admin@woodgrove.test").await;

    let sessions = app.security_info(None, &laptop).await.sessions;
    assert_eq!(sessions.len(), 2, "Megan's own, not the admin's");
    let (current, other): (Vec<_>, Vec<_>) = sessions.into_iter().partition(|s| s.current);
    let (current, other) = (&current[0], &other[0]);

    // Another person's session, and one's own current one, stay.
    let admins = app.security_info(None, &admin).await.sessions;
    let form = [("session", admins[0].handle.as_str())];
    let response = app.call("end_other_session", &form, Some(&laptop)).await;
    assert!(matches!(app_error(response).await, AppError::NotFound(_)));
    let form = [("session", current.handle.as_str())];
    let response = app.call("end_other_session", &form, Some(&laptop)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.current_upn(&admin).await.as_deref(),
        Some("admin@woodgrove.test")
    );

    let form = [("session", other.handle.as_str())];
    let response = app.call("end_other_session", &form, Some(&laptop)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        app.current_upn(&phone).await,
        None,
        "the phone is signed out"
    );
    assert_eq!(
        app.current_upn(&laptop).await.as_deref(),
        Some("megan@woodgrove.test")
    );
    assert_eq!(app.security_info(None, &laptop).await.sessions.len(), 1);
    let events = app.audit_events("session.revoke").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].actor.as_deref(), Some("megan@woodgrove.test"));
}

#[tokio::test]
async fn security_info_needs_a_session() {
    let app = spawn_app().await;
    let response = app.call("security_info", &[], None).await;
    assert_eq!(app_error(response).await, AppError::Unauthenticated);
    let response = app
        .call("end_other_session", &[("session", "x")], None)
        .await;
    assert_eq!(app_error(response).await, AppError::Unauthenticated);
}

#[tokio::test]
async fn removing_the_last_method_before_the_wasm_loads_comes_back_to_the_page_saying_why() {
    let app = spawn_app().await;
    let admin = app.admin_session("admin@woodgrove.test").await;
    let method = only_method(&app.methods_in("woodgrove", &admin).await);
    let response = app
        .post_before_wasm(
            "remove_mfa_method",
            &[("tenant", "woodgrove"), ("method_id", method.as_str())],
            Some(&admin),
            "/security-info?tenant=woodgrove",
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let html = app.follow_back(&response, Some(&admin)).await;
    assert!(
        html.contains(
            "This is your only sign-in method and Woodgrove requires MFA for you. \
             Add another method before you remove this one."
        ),
        "the refusal is on the page: {html}"
    );
    assert_eq!(
        only_method(&app.methods_in("woodgrove", &admin).await),
        method
    );
}
