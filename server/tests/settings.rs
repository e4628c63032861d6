//! A tenant's settings (DESIGN §1, §3.1): the Settings page's server
//! functions, `GET|PATCH /api/v1/organization`, and the tenant's own privacy
//! statement where guests meet it — the invitation mail and the consent page.

mod common;

use app::settings::SettingsView;
use common::wire::{AppError, InvitationView};
use common::{api_error, app_error, spawn_app, TestApp};
use reqwest::{Method, StatusCode};
use server::graph::Organization;

const WOODGROVE_PRIVACY: &str = "https://woodgrove.test/privacy";

impl TestApp {
    async fn settings(&self, cookie: &str) -> SettingsView {
        self.fetch("tenant_settings", &[("slug", "woodgrove")], Some(cookie))
            .await
    }

    async fn save_settings(&self, form: &[(&str, &str)], cookie: &str) -> reqwest::Response {
        let mut all = vec![("slug", "woodgrove")];
        all.extend_from_slice(form);
        self.call("save_tenant_settings", &all, Some(cookie)).await
    }

    async fn patch_organization(&self, token: &str, body: serde_json::Value) -> reqwest::Response {
        self.api(Method::PATCH, "/api/v1/organization", token)
            .json(&body)
            .send()
            .await
            .expect("request")
    }
}

#[tokio::test]
async fn an_admin_saves_the_settings_and_bad_input_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_session("admin@woodgrove.test").await;
    let before = app.settings(&admin).await;
    assert_eq!(
        (
            before.members_can_invite,
            before.email_otp_enabled,
            before.security_defaults
        ),
        (true, true, false)
    );
    assert_eq!(
        (before.invitation_ttl_days, before.privacy_url.as_str()),
        (30, "")
    );

    let form = [
        ("email_otp_enabled", "on"),
        ("security_defaults", "on"),
        ("invitation_ttl_days", "7"),
        ("privacy_url", WOODGROVE_PRIVACY),
    ];
    let saved = app.save_settings(&form, &admin).await;
    assert_eq!(saved.status(), StatusCode::OK);
    let after = app.settings(&admin).await;
    assert_eq!(
        (
            after.members_can_invite,
            after.email_otp_enabled,
            after.security_defaults
        ),
        (false, true, true),
        "an unticked box is off"
    );
    assert_eq!(
        (after.invitation_ttl_days, after.privacy_url.as_str()),
        (7, WOODGROVE_PRIVACY)
    );
    assert_eq!(
        app.audit_count("tenant.settings_changed", "success").await,
        1
    );

    for (field, value) in [
        ("invitation_ttl_days", "0"),
        ("invitation_ttl_days", "a week"),
        ("privacy_url", "http://woodgrove.test/privacy"),
        ("privacy_url", "javascript:alert(1)"),
    ] {
        let mut form = vec![("invitation_ttl_days", "30"), ("privacy_url", "")];
        form.retain(|(name, _)| *name != field);
        form.push((field, value));
        let refused = app.save_settings(&form, &admin).await;
        assert_eq!(
            refused.status(),
            StatusCode::BAD_REQUEST,
            "{field} = {value}"
        );
        let error = app_error(refused).await;
        let name = if field == "invitation_ttl_days" && value == "0" {
            "invitationTtlDays"
        } else {
            field
        };
        assert!(
            error.for_field(name).is_some(),
            "{field} = {value}: {error:?}"
        );
    }
    assert_eq!(app.settings(&admin).await, after, "nothing changed");
    assert_eq!(
        app.audit_count("tenant.settings_changed", "success").await,
        1
    );
}

#[tokio::test]
async fn only_the_tenants_admins_see_or_change_its_settings() {
    let app = spawn_app().await;
    let megan = app.signed_in("megan@woodgrove.test").await;
    let contoso = app.admin_session("admin@contoso.test").await;
    for cookie in [&megan, &contoso] {
        let seen = app
            .call("tenant_settings", &[("slug", "woodgrove")], Some(cookie))
            .await;
        assert_eq!(app_error(seen).await, AppError::Forbidden);
        let form = [
            ("security_defaults", "on"),
            ("invitation_ttl_days", "30"),
            ("privacy_url", ""),
        ];
        let changed = app.save_settings(&form, cookie).await;
        assert_eq!(app_error(changed).await, AppError::Forbidden);
    }
    let admin = app.admin_session("admin@woodgrove.test").await;
    assert!(!app.settings(&admin).await.security_defaults);
}

#[tokio::test]
async fn the_invitation_mail_and_the_consent_page_link_the_tenants_privacy_statement() {
    let app = spawn_app().await;
    let ticket = app.invite("woodgrove", "bob@fabrikam.test").await;
    let view: InvitationView = app
        .fetch("redeem_info", &[("ticket", ticket.as_str())], None)
        .await;
    assert_eq!(
        view.privacy_url,
        app.url("/privacy"),
        "Gatehouse's, by default"
    );

    let token = app.api_token("woodgrove").await;
    let body = serde_json::json!({ "privacyProfile": { "statementUrl": WOODGROVE_PRIVACY } });
    let patched = app.patch_organization(&token, body).await;
    assert_eq!(patched.status(), StatusCode::OK);
    let body = serde_json::json!({
        "invitedUserEmailAddress": "carol@fabrikam.test",
        "inviteRedirectUrl": app.url("/myapps"),
        "sendInvitationMessage": true,
    });
    let sent = app
        .api(Method::POST, "/api/v1/invitations", &token)
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(sent.status(), StatusCode::CREATED);
    let ticket = app.invite("woodgrove", "dave@fabrikam.test").await;
    let view: InvitationView = app
        .fetch("redeem_info", &[("ticket", ticket.as_str())], None)
        .await;
    assert_eq!(view.privacy_url, WOODGROVE_PRIVACY);
    let mail = app.mails_to("carol@fabrikam.test").await;
    assert_eq!(mail.len(), 1);
    assert!(mail[0].text.contains(WOODGROVE_PRIVACY), "{}", mail[0].text);
}

#[tokio::test]
async fn the_rest_api_reads_and_patches_the_callers_organization() {
    let app = spawn_app().await;
    let token = app.api_token("woodgrove").await;
    let org: Organization = app.api_get("/api/v1/organization", &token).await;
    assert_eq!(
        (org.display_name.as_str(), org.security_defaults_enabled),
        ("Woodgrove", false)
    );
    assert_eq!(org.verified_domains[0].name, "woodgrove.test");
    assert_eq!(org.privacy_profile.statement_url, None);

    let body = serde_json::json!({
        "securityDefaultsEnabled": true,
        "invitationTtlDays": 14,
        "privacyProfile": { "statementUrl": WOODGROVE_PRIVACY },
    });
    let patched: Organization = app
        .patch_organization(&token, body)
        .await
        .json()
        .await
        .expect("the organization");
    assert!(patched.security_defaults_enabled);
    assert_eq!(patched.invitation_ttl_days, 14);
    assert!(patched.members_can_invite, "left out, kept");
    assert_eq!(
        patched.privacy_profile.statement_url.as_deref(),
        Some(WOODGROVE_PRIVACY)
    );

    for (body, field) in [
        (
            serde_json::json!({ "invitationTtlDays": 0 }),
            "invitationTtlDays",
        ),
        (
            serde_json::json!({ "privacyProfile": { "statementUrl": "ftp://x.test/" } }),
            "privacyProfile.statementUrl",
        ),
        (serde_json::json!({ "planet": "earth" }), "unknown field"),
        (
            serde_json::json!({ "securityDefaultsEnabled": "yes" }),
            "invalid type",
        ),
    ] {
        let refused = api_error(
            app.patch_organization(&token, body).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert!(
            refused.message.contains(field) || refused.code == "invalidInput",
            "{field}: {refused:?}"
        );
    }
    let unchanged: Organization = app.api_get("/api/v1/organization", &token).await;
    assert_eq!(unchanged, patched, "bad input changes nothing");

    let cleared = serde_json::json!({ "privacyProfile": { "statementUrl": null } });
    let cleared: Organization = app
        .patch_organization(&token, cleared)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cleared.privacy_profile.statement_url, None);
    let contoso = app.api_token("contoso").await;
    let theirs: Organization = app.api_get("/api/v1/organization", &contoso).await;
    assert_eq!(
        (
            theirs.display_name.as_str(),
            theirs.security_defaults_enabled
        ),
        ("Contoso", false)
    );
}

#[tokio::test]
async fn a_save_posted_before_the_wasm_loads_comes_back_saying_saved_once() {
    let app = spawn_app().await;
    let admin = app.admin_session("admin@woodgrove.test").await;
    let page = "/t/woodgrove/admin/settings";
    let form = [
        ("slug", "woodgrove"),
        ("members_can_invite", "on"),
        ("email_otp_enabled", "on"),
        ("invitation_ttl_days", "14"),
        ("privacy_url", WOODGROVE_PRIVACY),
    ];
    let response = app
        .post_before_wasm("save_tenant_settings", &form, Some(&admin), page)
        .await;
    assert!(response.status().is_redirection());
    let html = app.follow_back(&response, Some(&admin)).await;
    assert!(html.contains(r#"id="settings-saved""#), "{html}");
    assert_eq!(app.settings(&admin).await.invitation_ttl_days, 14);

    // The notice is the browser's that posted: a reload, or the address in
    // another browser, shows the page without it.
    let again = app
        .page(
            &common::location(&response).replace(&app.url(""), ""),
            Some(&admin),
        )
        .await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(common::location(&again), app.url(page));
}
