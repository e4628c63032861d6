//! Conditional-access policies over HTTP (DESIGN §2 Policy, §3.3 step 4):
//! the Policies page's server functions and `/api/v1/policies` change what
//! `evaluate_for` — the authorize step's question — answers; the plan rule;
//! tenant isolation; bad input changes nothing.

mod common;

use app::domain::UserType;
use app::policies::ssr::{evaluate_for, Outcome};
use app::policies::{PoliciesView, PolicyState, PREMIUM_REQUIRED};
use common::wire::AppError;
use common::{api_error, app_error, json_reply, spawn_app, ApiPage, ApiUser, TestApp};
use reqwest::{Method, Response, StatusCode};
use serde_json::json;
use server::graph::{ConditionalAccessPolicy, Organization, Page};

/// Gatehouse with the demo data, less the demo's one policy (Foo's *Require
/// MFA*): these tests count the policies they write from none.
async fn spawn() -> TestApp {
    let app = spawn_app().await;
    sqlx::query("DELETE FROM policies")
        .execute(app.state.pool.connections())
        .await
        .expect("no policies");
    app
}

impl TestApp {
    async fn tenant_id(&self, slug: &str) -> String {
        let slug = app::domain::TenantSlug::parse(slug).expect("a slug");
        let mut conn = self.state.pool.acquire().await.expect("a connection");
        app::tenants::ssr::require_tenant(&mut conn, &slug)
            .await
            .expect("the tenant")
            .id
    }

    /// An application of the demo tenant `slug`. Written as SQL: the
    /// Applications feature is built beside this one.
    async fn add_application(&self, slug: &str, name: &str) -> String {
        let id = format!("app-{slug}-{}", name.to_lowercase().replace(' ', "-"));
        sqlx::query(
            "INSERT INTO applications (id, tenant_id, display_name, client_id, public_client, created_at)
             SELECT ?, id, ?, ?, 1, 0 FROM tenants WHERE slug = ?",
        )
        .bind(&id)
        .bind(name)
        .bind(format!("client-{id}"))
        .bind(slug)
        .execute(self.state.pool.connections())
        .await
        .expect("an application");
        id
    }

    /// The id of the user `upn`, as the REST API lists it.
    async fn user_id(&self, token: &str, upn: &str) -> String {
        let users: ApiPage<ApiUser> = self.api_get("/api/v1/users", token).await;
        users
            .value
            .into_iter()
            .find(|user| user.user_principal_name == upn)
            .unwrap_or_else(|| panic!("{upn} is listed"))
            .id
    }

    /// What the authorize step would be told.
    async fn evaluate(&self, slug: &str, user: &str, kind: UserType, app: &str) -> Outcome {
        let tenant = self.tenant_id(slug).await;
        let mut conn = self.state.pool.acquire().await.expect("a connection");
        evaluate_for(&mut conn, &tenant, user, kind, app)
            .await
            .expect("an outcome")
    }

    async fn overview(&self, slug: &str, cookie: &str) -> PoliciesView {
        self.fetch("policies_overview", &[("slug", slug)], Some(cookie))
            .await
    }

    async fn save_policy(&self, slug: &str, form: &[(&str, &str)], cookie: &str) -> Response {
        let mut all = vec![("slug", slug)];
        all.extend_from_slice(form);
        self.call("save_policy", &all, Some(cookie)).await
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: serde_json::Value,
    ) -> Response {
        self.api(method, path, token)
            .json(&body)
            .send()
            .await
            .expect("request")
    }

    async fn api_policies(&self, token: &str) -> Vec<ConditionalAccessPolicy> {
        let page: Page<ConditionalAccessPolicy> = self.api_get("/api/v1/policies", token).await;
        page.value
    }
}

/// The page's form for "guests must pass MFA for `app`", on.
fn guests_form(app: &str) -> Vec<(&str, &str)> {
    vec![
        ("name", "MFA for guests"),
        ("state", "on"),
        ("include", "guests"),
        ("applications", "listed"),
        ("application_ids[]", app),
        ("require_mfa", "on"),
    ]
}

fn graph_policy(state: &str, apps: &[&str]) -> serde_json::Value {
    json!({
        "displayName": "MFA for everyone",
        "state": state,
        "conditions": {
            "users": { "includeUsers": ["All"] },
            "applications": { "includeApplications": apps },
        },
        "grantControls": { "builtInControls": ["mfa"] },
    })
}

#[tokio::test]
async fn a_policy_saved_on_the_portal_decides_what_evaluation_answers() {
    let app = spawn().await;
    let admin = app.admin_session("admin@woodgrove.test").await;
    let token = app.api_token("woodgrove").await;
    let guest = app
        .api_invite(&token, "alice@contoso.test")
        .await
        .invited_user
        .id;
    let megan = app.user_id(&token, "megan@woodgrove.test").await;
    let foo = app.add_application("woodgrove", "Payroll").await;
    let bar = app.add_application("woodgrove", "Bar").await;

    let saved = app
        .save_policy("woodgrove", &guests_form(&foo), &admin)
        .await;
    let id: String = json_reply(saved, StatusCode::OK).await;
    let outcome = app
        .evaluate("woodgrove", &guest, UserType::Guest, &foo)
        .await;
    assert!(outcome.requires_mfa(), "{outcome:?}");
    assert!(!app
        .evaluate("woodgrove", &megan, UserType::Member, &foo)
        .await
        .requires_mfa());
    assert!(!app
        .evaluate("woodgrove", &guest, UserType::Guest, &bar)
        .await
        .requires_mfa());

    let overview = app.overview("woodgrove", &admin).await;
    assert!(overview.premium);
    assert_eq!(
        overview.applications.len(),
        3,
        "Bar, Payroll and the demo's Foo"
    );
    let listed = &overview.policies[0];
    assert_eq!(
        (listed.id.as_str(), listed.state),
        (id.as_str(), PolicyState::On)
    );
    assert_eq!(
        (listed.who(), listed.apps()),
        ("Guests".to_owned(), "Payroll".to_owned())
    );

    // Edited: report-only, for everyone on every app, passkeys within an hour.
    let form = [
        ("id", id.as_str()),
        ("name", "MFA for everyone"),
        ("state", "report_only"),
        ("include", "all"),
        ("excluded_users", "admin@woodgrove.test"),
        ("applications", "all"),
        ("require_mfa", "on"),
        ("phishing_resistant_only", "on"),
        ("mfa_freshness_minutes", "60"),
    ];
    let edited = app.save_policy("woodgrove", &form, &admin).await;
    assert_eq!(json_reply::<String>(edited, StatusCode::OK).await, id);
    let outcome = app
        .evaluate("woodgrove", &megan, UserType::Member, &bar)
        .await;
    assert_eq!(outcome.mfa, None, "report-only lets through");
    assert_eq!(outcome.report_only[0].name, "MFA for everyone");
    let admin_id = app.user_id(&token, "admin@woodgrove.test").await;
    let excluded = app
        .evaluate("woodgrove", &admin_id, UserType::Member, &bar)
        .await;
    assert_eq!(excluded, Outcome::default());
    let listed = app.overview("woodgrove", &admin).await.policies.remove(0);
    assert_eq!(listed.who(), "All users, except admin@woodgrove.test");
    assert_eq!(
        listed.grant(),
        "Require MFA (passkeys only), fresh for 60 min"
    );

    let deleted = app
        .call(
            "delete_policy",
            &[("slug", "woodgrove"), ("id", &id)],
            Some(&admin),
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::OK);
    assert_eq!(
        app.evaluate("woodgrove", &megan, UserType::Member, &bar)
            .await,
        Outcome::default()
    );
    assert!(app.overview("woodgrove", &admin).await.policies.is_empty());
    for action in ["policy.create", "policy.update", "policy.delete"] {
        // Not the demo seeding's Foo policy (made by `gatehouse cli`).
        let events: Vec<_> = app
            .audit_events(action)
            .await
            .into_iter()
            .filter(|event| event.actor.as_deref() != Some("gatehouse cli"))
            .collect();
        assert_eq!(events.len(), 1, "{action}");
        assert_eq!(events[0].tenant.as_deref(), Some("woodgrove"));
        assert_eq!(events[0].actor.as_deref(), Some("admin@woodgrove.test"));
    }
}

#[tokio::test]
async fn the_rest_api_creates_changes_and_deletes_policies_in_graphs_shape() {
    let app = spawn().await;
    let token = app.api_token("woodgrove").await;
    let megan = app.user_id(&token, "megan@woodgrove.test").await;
    let foo = app.add_application("woodgrove", "Payroll").await;

    let body = json!({
        "displayName": "MFA for Megan on Payroll",
        "state": "enabled",
        "conditions": {
            "users": { "includeUsers": ["megan@woodgrove.test"] },
            "applications": { "includeApplications": [foo] },
        },
        "grantControls": {
            "builtInControls": ["mfa"],
            "authenticationStrength": { "phishingResistantOnly": true },
        },
        "sessionControls": { "signInFrequency": { "value": 1, "type": "days" } },
    });
    let created = app
        .send(Method::POST, "/api/v1/policies", &token, body)
        .await;
    let created: ConditionalAccessPolicy = json_reply(created, StatusCode::CREATED).await;
    assert_eq!(created.state, "enabled");
    assert_eq!(created.conditions.users.include_users, vec![megan.clone()]);
    assert_eq!(
        created.conditions.applications.include_applications,
        vec![foo.clone()]
    );
    assert_eq!(created.grant_controls.built_in_controls, vec!["mfa"]);
    let strength = created.grant_controls.authentication_strength.as_ref();
    assert!(strength.is_some_and(|strength| strength.phishing_resistant_only));
    let frequency = &created
        .session_controls
        .as_ref()
        .expect("a window")
        .sign_in_frequency;
    assert_eq!(
        (frequency.value, frequency.kind.as_str()),
        (1440, "minutes")
    );
    let required = app
        .evaluate("woodgrove", &megan, UserType::Member, &foo)
        .await
        .mfa;
    let required = required.expect("MFA for Megan");
    assert!(required.phishing_resistant_only);
    assert_eq!(required.freshness.map(|f| f.minutes()), Some(1440));

    let path = format!("/api/v1/policies/{}", created.id);
    assert_eq!(
        app.api_get::<ConditionalAccessPolicy>(&path, &token).await,
        created
    );
    assert_eq!(app.api_policies(&token).await, vec![created.clone()]);

    let patch = json!({
        "state": "enabledForReportingButNotEnforced",
        "sessionControls": null,
    });
    let changed = app.send(Method::PATCH, &path, &token, patch).await;
    let changed: ConditionalAccessPolicy = json_reply(changed, StatusCode::OK).await;
    assert_eq!(changed.state, "enabledForReportingButNotEnforced");
    assert_eq!(changed.session_controls, None);
    assert_eq!(changed.display_name, created.display_name, "kept");
    assert_eq!(changed.conditions, created.conditions, "kept");
    let outcome = app
        .evaluate("woodgrove", &megan, UserType::Member, &foo)
        .await;
    assert_eq!((outcome.mfa, outcome.report_only.len()), (None, 1));

    let deleted = app
        .api(Method::DELETE, &path, &token)
        .send()
        .await
        .expect("request");
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = app
        .api(Method::GET, &path, &token)
        .send()
        .await
        .expect("request");
    assert_eq!(
        api_error(gone, StatusCode::NOT_FOUND).await.code,
        "notFound"
    );
    assert_eq!(
        app.evaluate("woodgrove", &megan, UserType::Member, &foo)
            .await,
        Outcome::default()
    );
}

#[tokio::test]
async fn a_free_tenant_is_refused_an_mfa_policy_and_nothing_is_stored() {
    let app = spawn().await;
    let admin = app.admin_session("admin@contoso.test").await;
    let token = app.api_token("contoso").await;

    let on = [
        ("name", "MFA for all"),
        ("state", "on"),
        ("include", "all"),
        ("applications", "all"),
        ("require_mfa", "on"),
    ];
    let refused = app.save_policy("contoso", &on, &admin).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error = app_error(refused).await;
    assert_eq!(error.api_code(), PREMIUM_REQUIRED);
    assert!(error.to_string().contains("premium plan"), "{error}");

    let refused = app
        .send(
            Method::POST,
            "/api/v1/policies",
            &token,
            graph_policy("enabledForReportingButNotEnforced", &["All"]),
        )
        .await;
    let error = api_error(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(error.code, PREMIUM_REQUIRED);
    assert!(app.api_policies(&token).await.is_empty(), "nothing stored");
    // One: the demo seeding's Foo policy.
    assert_eq!(app.audit_count("policy.create", "success").await, 1);

    // The page says so before anyone tries.
    let page = app.page("/t/contoso/admin/policies", Some(&admin)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("the page");
    assert!(html.contains("id=\"premium-required\""), "{html}");
    assert!(
        html.contains("MFA policies need the premium plan"),
        "{html}"
    );
    let woodgrove = app.admin_session("admin@woodgrove.test").await;
    let html = app
        .page("/t/woodgrove/admin/policies", Some(&woodgrove))
        .await
        .text()
        .await
        .expect("the page");
    assert!(!html.contains("premium-required"), "premium: no notice");
}

/// `gatehouse` run against the test server's database.
fn gatehouse(app: &TestApp, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(args)
        .env("GATEHOUSE_DATABASE_URL", &app.database_url)
        .env("GATEHOUSE_SECRET_KEY_FILE", app.dir.path().join("cli.key"))
        .env_remove("RUST_LOG")
        .env_remove("GATEHOUSE_DEMO")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run gatehouse")
}

#[tokio::test]
async fn set_plan_to_free_is_refused_while_an_mfa_policy_is_on_or_report_only() {
    let app = spawn().await;
    let token = app.api_token("woodgrove").await;
    let created = app
        .send(
            Method::POST,
            "/api/v1/policies",
            &token,
            graph_policy("enabled", &["All"]),
        )
        .await;
    let created: ConditionalAccessPolicy = json_reply(created, StatusCode::CREATED).await;
    let to_free = [
        "tenant",
        "set-plan",
        "--slug",
        "woodgrove",
        "--plan",
        "free",
    ];
    let plan = async || {
        let organization: Organization = app.api_get("/api/v1/organization", &token).await;
        organization.plan
    };

    let refused = gatehouse(&app, &to_free);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("MFA for everyone") && stderr.contains("premium"),
        "{stderr}"
    );
    assert_eq!(plan().await, "premium");

    let path = format!("/api/v1/policies/{}", created.id);
    let report_only = json!({ "state": "enabledForReportingButNotEnforced" });
    let changed = app.send(Method::PATCH, &path, &token, report_only).await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(gatehouse(&app, &to_free).status.code(), Some(1));
    assert_eq!(plan().await, "premium");

    let off = app
        .send(Method::PATCH, &path, &token, json!({ "state": "disabled" }))
        .await;
    assert_eq!(off.status(), StatusCode::OK);
    let done = gatehouse(&app, &to_free);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert_eq!(plan().await, "free");

    // And now the policy cannot come back on.
    let on = app
        .send(Method::PATCH, &path, &token, json!({ "state": "enabled" }))
        .await;
    assert_eq!(
        api_error(on, StatusCode::UNPROCESSABLE_ENTITY).await.code,
        PREMIUM_REQUIRED
    );
}

#[tokio::test]
async fn contosos_admin_cannot_read_or_change_woodgroves_policies() {
    let app = spawn().await;
    let woodgrove = app.admin_session("admin@woodgrove.test").await;
    let foo = app.add_application("woodgrove", "Payroll").await;
    let saved = app
        .save_policy("woodgrove", &guests_form(&foo), &woodgrove)
        .await;
    let id: String = json_reply(saved, StatusCode::OK).await;
    let before = app.overview("woodgrove", &woodgrove).await;

    let contoso = app.admin_session("admin@contoso.test").await;
    let seen = app
        .call(
            "policies_overview",
            &[("slug", "woodgrove")],
            Some(&contoso),
        )
        .await;
    assert_eq!(app_error(seen).await, AppError::Forbidden);
    let form = [
        ("id", id.as_str()),
        ("name", "Mine now"),
        ("state", "off"),
        ("include", "all"),
        ("applications", "all"),
    ];
    let changed = app.save_policy("woodgrove", &form, &contoso).await;
    assert_eq!(app_error(changed).await, AppError::Forbidden);
    // Through Contoso's own slug, Woodgrove's policy does not exist.
    let changed = app.save_policy("contoso", &form, &contoso).await;
    assert!(matches!(app_error(changed).await, AppError::NotFound(_)));
    let deleted = app
        .call(
            "delete_policy",
            &[("slug", "contoso"), ("id", &id)],
            Some(&contoso),
        )
        .await;
    assert!(matches!(app_error(deleted).await, AppError::NotFound(_)));
    let switched = app
        .call(
            "set_application_requires_mfa",
            &[
                ("slug", "contoso"),
                ("application_id", &foo),
                ("on", "false"),
            ],
            Some(&contoso),
        )
        .await;
    assert!(matches!(app_error(switched).await, AppError::NotFound(_)));

    let token = app.api_token("contoso").await;
    let path = format!("/api/v1/policies/{id}");
    for method in [Method::GET, Method::DELETE] {
        let response = app
            .api(method.clone(), &path, &token)
            .send()
            .await
            .expect("request");
        assert_eq!(
            api_error(response, StatusCode::NOT_FOUND).await.code,
            "notFound",
            "{method}"
        );
    }
    let patched = app
        .send(Method::PATCH, &path, &token, json!({ "state": "disabled" }))
        .await;
    api_error(patched, StatusCode::NOT_FOUND).await;
    assert!(
        app.api_policies(&token).await.is_empty(),
        "Contoso sees its own only"
    );

    let woodgrove = app.admin_session("admin@woodgrove.test").await;
    assert_eq!(
        app.overview("woodgrove", &woodgrove).await,
        before,
        "unchanged"
    );
}

#[tokio::test]
async fn bad_input_is_refused_naming_its_field_and_changes_nothing() {
    let app = spawn().await;
    let admin = app.admin_session("admin@woodgrove.test").await;
    let token = app.api_token("woodgrove").await;
    let foo = app.add_application("woodgrove", "Payroll").await;
    let contoso_app = app.add_application("contoso", "Contoso app").await;
    let contoso_token = app.api_token("contoso").await;
    let alice = app.user_id(&contoso_token, "alice@contoso.test").await;

    let saved = app
        .save_policy("woodgrove", &guests_form(&foo), &admin)
        .await;
    let id: String = json_reply(saved, StatusCode::OK).await;
    let before = app.api_policies(&token).await;

    let forms: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![
                ("name", " "),
                ("state", "on"),
                ("include", "all"),
                ("applications", "all"),
            ],
            "displayName",
        ),
        (
            vec![
                ("name", "x"),
                ("state", "enabled"),
                ("include", "all"),
                ("applications", "all"),
            ],
            "state",
        ),
        (
            vec![
                ("name", "x"),
                ("state", "on"),
                ("include", "everyone"),
                ("applications", "all"),
            ],
            "includeUsers",
        ),
        (
            vec![
                ("name", "x"),
                ("state", "on"),
                ("include", "listed"),
                ("applications", "all"),
            ],
            "includeUsers",
        ),
        (
            vec![
                ("name", "x"),
                ("state", "on"),
                ("include", "listed"),
                ("included_users", "nobody@woodgrove.test"),
                ("applications", "all"),
            ],
            "includeUsers",
        ),
        (
            vec![
                ("name", "x"),
                ("state", "on"),
                ("include", "all"),
                ("excluded_users", "alice@contoso.test"),
                ("applications", "all"),
            ],
            "excludeUsers",
        ),
        (
            vec![
                ("name", "x"),
                ("state", "on"),
                ("include", "all"),
                ("applications", "listed"),
            ],
            "includeApplications",
        ),
        (
            vec![
                ("name", "x"),
                ("state", "on"),
                ("include", "all"),
                ("applications", "listed"),
                ("application_ids[]", contoso_app.as_str()),
            ],
            "includeApplications",
        ),
        (
            vec![
                ("name", "x"),
                ("state", "on"),
                ("include", "all"),
                ("applications", "all"),
                ("phishing_resistant_only", "on"),
            ],
            "grantControls",
        ),
        (
            vec![
                ("name", "x"),
                ("state", "on"),
                ("include", "all"),
                ("applications", "all"),
                ("require_mfa", "on"),
                ("mfa_freshness_minutes", "0"),
            ],
            "signInFrequency",
        ),
        (
            vec![
                ("id", id.as_str()),
                ("name", "x"),
                ("state", "on"),
                ("include", "all"),
                ("applications", "all"),
                ("mfa_freshness_minutes", "soon"),
            ],
            "signInFrequency",
        ),
    ];
    for (form, field) in forms {
        let refused = app.save_policy("woodgrove", &form, &admin).await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{form:?}");
        let error = app_error(refused).await;
        assert!(error.for_field(field).is_some(), "{form:?}: {error:?}");
    }

    let path = format!("/api/v1/policies/{id}");
    let bodies = [
        json!({ "displayName": "x", "colour": "red" }),
        json!({ "state": "on" }),
        json!({ "conditions": { "users": { "includeUsers": [alice] } } }),
        json!({ "conditions": { "users": { "includeUsers": ["All", "GuestsOrExternalUsers"] } } }),
        json!({ "conditions": { "applications": { "includeApplications": [contoso_app] } } }),
        json!({ "grantControls": { "builtInControls": ["mfa", "compliantDevice"] } }),
        json!({ "sessionControls": { "signInFrequency": { "value": 0, "type": "hours" } } }),
        json!({ "state": "disabled", "sessionControls": { "signInFrequency": { "value": "1" } } }),
    ];
    for body in bodies {
        let refused = app.send(Method::PATCH, &path, &token, body.clone()).await;
        let error = api_error(refused, StatusCode::BAD_REQUEST).await;
        assert_eq!(error.code, "invalidInput", "{body}");
    }
    let missing = app
        .send(
            Method::POST,
            "/api/v1/policies",
            &token,
            json!({ "displayName": "x", "state": "enabled" }),
        )
        .await;
    api_error(missing, StatusCode::BAD_REQUEST).await;
    let taken = app
        .send(Method::POST, "/api/v1/policies", &token, json!({
            "displayName": "MFA for guests", "state": "disabled",
            "conditions": { "users": { "includeUsers": ["All"] }, "applications": { "includeApplications": ["All"] } },
        }))
        .await;
    api_error(taken, StatusCode::CONFLICT).await;

    assert_eq!(app.api_policies(&token).await, before, "nothing changed");
    // The demo seeding's Foo policy, and the one this test made.
    assert_eq!(app.audit_count("policy.create", "success").await, 2);
    assert_eq!(app.audit_count("policy.update", "success").await, 0);
}

#[tokio::test]
async fn the_require_mfa_switch_of_an_application_writes_its_policy() {
    let app = spawn().await;
    let admin = app.admin_session("admin@woodgrove.test").await;
    let token = app.api_token("woodgrove").await;
    let megan = app.user_id(&token, "megan@woodgrove.test").await;
    let foo = app.add_application("woodgrove", "Payroll").await;
    let switch = async |on: &str| -> bool {
        let form = [
            ("slug", "woodgrove"),
            ("application_id", foo.as_str()),
            ("on", on),
        ];
        app.fetch("set_application_requires_mfa", &form, Some(&admin))
            .await
    };
    let requires = async || -> bool {
        let form = [("slug", "woodgrove"), ("application_id", foo.as_str())];
        app.fetch("application_requires_mfa", &form, Some(&admin))
            .await
    };
    assert!(!requires().await);
    assert!(switch("true").await);
    assert!(switch("true").await, "idempotent");
    assert!(requires().await);
    assert!(app
        .evaluate("woodgrove", &megan, UserType::Member, &foo)
        .await
        .requires_mfa());
    let policies = app.api_policies(&token).await;
    assert_eq!(policies.len(), 1);
    assert_eq!(policies[0].display_name, "Require MFA for Payroll");

    assert!(!switch("false").await);
    assert!(!requires().await);
    assert!(!app
        .evaluate("woodgrove", &megan, UserType::Member, &foo)
        .await
        .requires_mfa());
    assert_eq!(
        app.api_policies(&token).await[0].state,
        "disabled",
        "kept, off"
    );
}

#[tokio::test]
async fn an_mfa_policy_turned_on_before_the_wasm_loads_on_a_free_plan_comes_back_saying_why() {
    let app = spawn().await;
    let admin = app.admin_session("admin@contoso.test").await;
    let response = app
        .post_before_wasm(
            "save_policy",
            &[
                ("slug", "contoso"),
                ("id", ""),
                ("name", "MFA for all"),
                ("state", "on"),
                ("include", "all"),
                ("included_users", ""),
                ("excluded_users", ""),
                ("applications", "all"),
                ("require_mfa", "on"),
                ("mfa_freshness_minutes", ""),
            ],
            Some(&admin),
            "/t/contoso/admin/policies",
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let html = app.follow_back(&response, Some(&admin)).await;
    // The refusal's own words: the page's standing notice on a free plan
    // says much the same, so a looser match would pass without the refusal.
    assert!(
        html.contains(
            "MFA policies need the premium plan, and Contoso is on the free plan: \
             a policy that requires MFA can only be off."
        ),
        "the refusal is on the page: {html}"
    );
    assert!(app.overview("contoso", &admin).await.policies.is_empty());
}
