//! An admin's actions on one user (issue 9, DESIGN §3.4): *Reset MFA*
//! through the REST API, the portal's server functions and the CLI, what it
//! does to the user's sessions and ceremonies, the step-up it needs in the
//! portal, *Disable* / *Enable*, and a user of another tenant answered as
//! unknown through every surface.

mod common;

use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

use app::mfa::ssr::softkey::SoftKey;
use app::mfa::PasskeyCreation;
use app::ssr::clock::Clock;
use common::wire::AppError;
use common::{api_error, app_error, location, session_cookie, TestApp};

const ALICE: &str = "alice_contoso.test#EXT#@woodgrove.test";
const ALICE_IN_PATH: &str = "alice_contoso.test%23EXT%23@woodgrove.test";
const BAR_CALLBACK: &str = "https://bar.test/callback";

async fn spawn() -> TestApp {
    TestApp::builder()
        .public_url("http://localhost:{port}")
        .start()
        .await
}

/// Foo's authorization request, as `/demo/foo` starts it (Foo requires MFA).
async fn foo_authorize(app: &TestApp) -> String {
    location(&app.page("/demo/foo", None).await)
}

/// Where Woodgrove sends `cookie`'s holder on the way into Foo.
async fn step_into_foo(app: &TestApp, cookie: &str) -> String {
    location(&app.page(&foo_authorize(app).await, Some(cookie)).await)
}

/// Alice of Contoso, a redeemed guest of Woodgrove who set up an
/// authenticator app with Woodgrove on her way into Foo. Her session.
async fn alice_with_an_app(app: &TestApp) -> String {
    let ticket = app.invite("woodgrove", "alice@contoso.test").await;
    let alice = app.signed_in("alice@contoso.test").await;
    let accepted = app
        .call(
            "accept_invitation",
            &[("ticket", ticket.as_str())],
            Some(&alice),
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);
    assert!(step_into_foo(app, &alice)
        .await
        .starts_with("/mfa/setup?tenant=woodgrove"));
    let alice = add_app(app, &alice, "Phone").await;
    let into_foo = step_into_foo(app, &alice).await;
    assert!(into_foo.contains("/demo/foo/callback?code="), "{into_foo}");
    alice
}

async fn methods(app: &TestApp, token: &str, user: &str) -> Vec<Value> {
    let path = format!("/api/v1/users/{user}/authentication/methods");
    let body: Value = app.api_get(&path, token).await;
    body["value"].as_array().expect("value").clone()
}

fn types(methods: &[Value]) -> Vec<&str> {
    methods
        .iter()
        .map(|m| m["type"].as_str().expect("type"))
        .collect()
}

#[tokio::test]
async fn a_reset_through_the_api_sends_a_guest_back_to_proof_up_and_tells_them() {
    let app = spawn().await;
    let alice = alice_with_an_app(&app).await;
    let token = app.api_token("woodgrove").await;
    assert_eq!(
        types(&methods(&app, &token, ALICE_IN_PATH).await),
        ["totp", "recoveryCodes"]
    );

    let reset = app
        .api(
            Method::POST,
            &format!("/api/v1/users/{ALICE_IN_PATH}/authentication/methods/reset"),
            &token,
        )
        .send()
        .await
        .expect("reset");
    assert_eq!(reset.status(), StatusCode::OK);
    let removed: Value = reset.json().await.expect("JSON");
    assert_eq!(removed, json!({ "removed": 2 }));

    assert!(methods(&app, &token, ALICE_IN_PATH).await.is_empty());
    // Her session, which had passed Woodgrove's MFA, must set up a method again.
    let step = step_into_foo(&app, &alice).await;
    assert!(step.starts_with("/mfa/setup?tenant=woodgrove"), "{step}");
    let events = app.audit_events("mfa.reset").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].target.as_deref(), Some(ALICE));
    let mails = app.mails_to("alice@contoso.test").await;
    let mail = mails
        .iter()
        .find(|mail| mail.subject == "Your sign-in methods with Woodgrove were reset")
        .expect("Alice is told");
    assert!(
        mail.text
            .contains("reset the sign-in methods of your account"),
        "{}",
        mail.text
    );
}

#[tokio::test]
async fn a_user_of_another_tenant_is_not_found_through_every_surface() {
    let app = spawn().await;
    alice_with_an_app(&app).await;
    let contoso = app.api_token("contoso").await;
    let woodgrove = app.api_token("woodgrove").await;
    let alice_id = methods_owner_id(&app, ALICE).await;

    for (method, path) in [
        (
            Method::GET,
            format!("/api/v1/users/{ALICE_IN_PATH}/authentication/methods"),
        ),
        (
            Method::POST,
            format!("/api/v1/users/{alice_id}/authentication/methods/reset"),
        ),
        (
            Method::DELETE,
            format!("/api/v1/users/{alice_id}/authentication/methods/m1"),
        ),
    ] {
        let response = app
            .api(method.clone(), &path, &contoso)
            .send()
            .await
            .expect("request");
        let error = api_error(response, StatusCode::NOT_FOUND).await;
        assert_eq!(error.code, "userNotFound", "{method} {path}");
    }
    let patch = app
        .api(
            Method::PATCH,
            &format!("/api/v1/users/{alice_id}"),
            &contoso,
        )
        .json(&json!({ "accountEnabled": false }))
        .send()
        .await
        .expect("patch");
    assert_eq!(
        api_error(patch, StatusCode::NOT_FOUND).await.code,
        "userNotFound"
    );
    let unknown = app
        .api(
            Method::GET,
            "/api/v1/users/nobody@woodgrove.test/authentication/methods",
            &woodgrove,
        )
        .send()
        .await
        .expect("request");
    assert_eq!(
        api_error(unknown, StatusCode::NOT_FOUND).await.code,
        "userNotFound"
    );

    // Contoso's admin, in the portal: the page and the server function.
    let admin = app.admin_session("admin@contoso.test").await;
    let page = app
        .page(&format!("/t/contoso/admin/users/{alice_id}"), Some(&admin))
        .await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let form = [("slug", "contoso"), ("id", alice_id.as_str())];
    let refused = app.call("reset_user_mfa", &form, Some(&admin)).await;
    assert_eq!(app_error(refused).await, AppError::UserNotFound);

    assert_eq!(
        types(&methods(&app, &woodgrove, ALICE_IN_PATH).await),
        ["totp", "recoveryCodes"]
    );
    assert!(app.audit_events("mfa.reset").await.is_empty());
}

async fn methods_owner_id(app: &TestApp, upn: &str) -> String {
    sqlx::query_scalar("SELECT id FROM users WHERE user_principal_name = $1")
        .bind(upn)
        .fetch_one(app.state.pool.connections())
        .await
        .expect("the user")
}

#[tokio::test]
async fn the_portal_resets_only_after_a_fresh_mfa_of_the_admin() {
    let app = spawn().await;
    alice_with_an_app(&app).await;
    let alice_id = methods_owner_id(&app, ALICE).await;
    let admin = app.admin_session("admin@woodgrove.test").await;
    let form = [("slug", "woodgrove"), ("id", alice_id.as_str())];
    let page = app
        .page(
            &format!("/t/woodgrove/admin/users/{alice_id}"),
            Some(&admin),
        )
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("HTML");
    for shown in [
        ALICE,
        "Work account alice@contoso.test of Contoso",
        "Authenticator app",
        "Reset MFA for",
    ] {
        assert!(html.contains(shown), "the user page shows {shown}");
    }

    app.clock.advance(11 * 60);
    let stale = app.call("reset_user_mfa", &form, Some(&admin)).await;
    assert_eq!(app_error(stale).await, AppError::MfaRequired);
    let token = app.api_token("woodgrove").await;
    assert_eq!(
        methods(&app, &token, &alice_id).await.len(),
        2,
        "nothing changed"
    );

    let admin = app.admin_session("admin@woodgrove.test").await;
    let reset = app.call("reset_user_mfa", &form, Some(&admin)).await;
    assert_eq!(reset.status(), StatusCode::OK);
    let summary: app::user_admin::ResetSummary = reset.json().await.expect("JSON");
    assert_eq!((summary.methods, summary.recovery_codes), (1, 10));
    assert!(methods(&app, &token, &alice_id).await.is_empty());

    // Nor can an admin reset their own methods there.
    let own_id = methods_owner_id(&app, "admin@woodgrove.test").await;
    let own = [("slug", "woodgrove"), ("id", own_id.as_str())];
    let refused = app.call("reset_user_mfa", &own, Some(&admin)).await;
    assert!(
        matches!(app_error(refused).await, AppError::Refused { code, .. } if code == "ownMethods")
    );
}

#[tokio::test]
async fn a_passkey_registration_begun_before_a_reset_cannot_finish_after_it() {
    let app = spawn().await;
    let megan = app.signed_in("megan@woodgrove.test").await;
    let creation: PasskeyCreation = app
        .fetch(
            "passkey_register_begin",
            &[("tenant", "woodgrove"), ("name", "YubiKey")],
            Some(&megan),
        )
        .await;
    let token = app.api_token("woodgrove").await;
    let reset = app
        .api(
            Method::POST,
            "/api/v1/users/megan@woodgrove.test/authentication/methods/reset",
            &token,
        )
        .send()
        .await
        .expect("reset");
    assert_eq!(reset.status(), StatusCode::OK);

    let origin = app.state.config.public_url.origin().to_owned();
    let response = SoftKey::new(1).register(&creation.options, &origin);
    let body = json!({
        "tenant": "woodgrove", "ceremony_id": creation.ceremony_id,
        "response": response, "next": "/myapps",
    });
    let finished = app
        .call_json("passkey_register_finish", &body, Some(&megan))
        .await;
    assert_ne!(finished.status(), StatusCode::OK);
    assert!(methods(&app, &token, "megan@woodgrove.test")
        .await
        .is_empty());
}

/// Registers Bar (no MFA required) through the API: its client id and secret.
async fn bar(app: &TestApp, token: &str) -> (String, String) {
    let created: Value = app
        .api(Method::POST, "/api/v1/applications", token)
        .json(&json!({ "displayName": "Bar", "redirectUris": [BAR_CALLBACK] }))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("JSON");
    (
        created["appId"].as_str().expect("appId").to_owned(),
        created["clientSecret"]
            .as_str()
            .expect("clientSecret")
            .to_owned(),
    )
}

/// A code for Bar, for the holder of `cookie`.
async fn bar_code(app: &TestApp, client_id: &str, cookie: &str) -> Option<String> {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", client_id),
            ("redirect_uri", BAR_CALLBACK),
            ("response_type", "code"),
            ("scope", "openid"),
            ("state", "s"),
        ])
        .finish();
    let response = app
        .page(
            &format!("/woodgrove/oauth2/v2.0/authorize?{query}"),
            Some(cookie),
        )
        .await;
    let back = location(&response);
    let query = back.strip_prefix(&format!("{BAR_CALLBACK}?"))?;
    let query: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    query.get("code").cloned()
}

async fn exchange(app: &TestApp, client: &(String, String), code: &str) -> Response {
    app.client
        .post(app.url("/woodgrove/oauth2/v2.0/token"))
        .basic_auth(&client.0, Some(&client.1))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", BAR_CALLBACK),
        ])
        .send()
        .await
        .expect("token")
}

#[tokio::test]
async fn a_disabled_user_loses_access_at_once_and_gets_it_back_with_the_methods() {
    let app = spawn().await;
    let token = app.api_token("woodgrove").await;
    let client = bar(&app, &token).await;
    let megan = app.signed_in("megan@woodgrove.test").await;
    let code = bar_code(&app, &client.0, &megan).await.expect("a code");
    let disable = |enabled: bool| {
        app.api(Method::PATCH, "/api/v1/users/megan@woodgrove.test", &token)
            .json(&json!({ "accountEnabled": enabled }))
            .send()
    };

    let disabled = disable(false).await.expect("patch");
    assert_eq!(disabled.status(), StatusCode::OK);
    let body: Value = disabled.json().await.expect("JSON");
    assert_eq!(body["accountEnabled"], false);
    assert_eq!(app.current_upn(&megan).await, None, "her session ended");
    let refused = exchange(&app, &client, &code).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let error: Value = refused.json().await.expect("JSON");
    assert_eq!(error["error"], "invalid_grant");
    let sign_in = app
        .sign_in("megan@woodgrove.test", common::DEMO_PASSWORD, None)
        .await;
    assert_eq!(app_error(sign_in).await, AppError::InvalidCredentials);
    assert_eq!(app.audit_count("user.disable", "success").await, 1);

    let enabled = disable(true).await.expect("patch");
    assert_eq!(enabled.status(), StatusCode::OK);
    let megan = app.signed_in("megan@woodgrove.test").await;
    let code = bar_code(&app, &client.0, &megan)
        .await
        .expect("a code again");
    assert_eq!(
        exchange(&app, &client, &code).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_disabled_guest_cannot_redeem_or_sign_in_to_an_application() {
    let app = spawn().await;
    let token = app.api_token("woodgrove").await;
    let client = bar(&app, &token).await;
    let ticket = app.invite("woodgrove", "alice@contoso.test").await;
    let disabled = app
        .api(
            Method::PATCH,
            &format!("/api/v1/users/{ALICE_IN_PATH}"),
            &token,
        )
        .json(&json!({ "accountEnabled": false }))
        .send()
        .await
        .expect("patch");
    assert_eq!(disabled.status(), StatusCode::OK);

    let alice = app.signed_in("alice@contoso.test").await;
    let refused = app
        .call(
            "accept_invitation",
            &[("ticket", ticket.as_str())],
            Some(&alice),
        )
        .await;
    assert!(
        matches!(app_error(refused).await, AppError::Refused { code, .. } if code == "accountDisabled")
    );
    assert_eq!(
        bar_code(&app, &client.0, &alice).await,
        None,
        "no code for Bar"
    );
}

/// `gatehouse ARGS` on the test's database, its output once it has ended.
fn gatehouse(app: &TestApp, args: &[&str]) -> std::process::Output {
    cli(app, env!("CARGO_BIN_EXE_gatehouse"), args)
        .stdin(Stdio::null())
        .output()
        .expect("run gatehouse")
}

/// `gatehouse ARGS` on a terminal of its own (util-linux `script` gives it
/// one), `answer` typed into it. What the terminal showed — the question,
/// the echoed answer and whatever the command wrote — comes back as stdout.
fn gatehouse_on_a_terminal(app: &TestApp, args: &[&str], answer: &str) -> std::process::Output {
    let line = std::iter::once(env!("CARGO_BIN_EXE_gatehouse"))
        .chain(args.iter().copied())
        .map(|word| format!("'{}'", word.replace('\'', r"'\''")))
        .collect::<Vec<_>>()
        .join(" ");
    let mut child = cli(
        app,
        "script",
        &["--quiet", "--return", "--command", &line, "/dev/null"],
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .spawn()
    .expect("run script");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(answer.as_bytes())
        .expect("type the answer");
    child.wait_with_output().expect("wait for script")
}

fn cli(app: &TestApp, program: &str, args: &[&str]) -> Command {
    let mut command = Command::new(program);
    command
        .args(args)
        .env("GATEHOUSE_DATABASE_URL", &app.database_url)
        .env(
            "GATEHOUSE_SECRET_KEY_FILE",
            app.dir.path().join("secret.key"),
        )
        .env_remove("GATEHOUSE_SECRET_KEY")
        .env_remove("RUST_LOG");
    command
}

#[tokio::test]
async fn the_cli_resets_by_upn_only_when_told_to_and_says_what_it_removed() {
    let app = spawn().await;
    alice_with_an_app(&app).await;
    let token = app.api_token("woodgrove").await;

    let unasked = gatehouse(
        &app,
        &["mfa", "reset", "--tenant", "woodgrove", "--upn", ALICE],
    );
    assert_eq!(unasked.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unasked.stderr).contains("add --yes"));
    let unknown_tenant = gatehouse(
        &app,
        &[
            "mfa", "reset", "--tenant", "nowhere", "--upn", ALICE, "--yes",
        ],
    );
    assert_eq!(unknown_tenant.status.code(), Some(1));
    let unknown_user = gatehouse(
        &app,
        &[
            "mfa", "reset", "--tenant", "contoso", "--upn", ALICE, "--yes",
        ],
    );
    assert_eq!(unknown_user.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&unknown_user.stderr)
            .trim()
            .lines()
            .count(),
        1,
        "one line"
    );
    assert!(String::from_utf8_lossy(&unknown_user.stderr).contains("contoso has no user"));
    assert_eq!(
        methods(&app, &token, ALICE_IN_PATH).await.len(),
        2,
        "nothing changed yet"
    );

    let done = gatehouse(
        &app,
        &[
            "mfa",
            "reset",
            "--tenant",
            "woodgrove",
            "--upn",
            ALICE,
            "--yes",
        ],
    );
    assert_eq!(
        done.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&done.stdout).trim(),
        format!("reset MFA for {ALICE}: removed 1 method and 10 recovery codes; 1 session must pass MFA again")
    );
    assert!(methods(&app, &token, ALICE_IN_PATH).await.is_empty());
    let events = app.audit_events("mfa.reset").await;
    assert_eq!(events[0].actor.as_deref(), Some("gatehouse cli"));
}

#[tokio::test]
async fn on_a_terminal_the_cli_asks_first_naming_the_user_and_what_goes() {
    let app = spawn().await;
    alice_with_an_app(&app).await;
    let token = app.api_token("woodgrove").await;
    let args = ["mfa", "reset", "--tenant", "woodgrove", "--upn", ALICE];

    let declined = gatehouse_on_a_terminal(&app, &args, "n\n");
    let shown = String::from_utf8_lossy(&declined.stdout);
    assert!(
        shown.contains(&format!(
            "Reset MFA for alice@contoso.test ({ALICE}) in Woodgrove? Their 1 method and 10 recovery codes stop working. [y/N]"
        )),
        "{shown}"
    );
    assert_eq!(declined.status.code(), Some(1), "{shown}");
    assert!(shown.contains("nothing was reset"), "{shown}");
    assert_eq!(methods(&app, &token, ALICE_IN_PATH).await.len(), 2, "kept");
    assert!(app.audit_events("mfa.reset").await.is_empty());

    let confirmed = gatehouse_on_a_terminal(&app, &args, "yes\n");
    let shown = String::from_utf8_lossy(&confirmed.stdout);
    assert_eq!(confirmed.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains(&format!(
            "reset MFA for {ALICE}: removed 1 method and 10 recovery codes"
        )),
        "{shown}"
    );
    assert!(methods(&app, &token, ALICE_IN_PATH).await.is_empty());
    assert_eq!(app.audit_events("mfa.reset").await.len(), 1);
}

/// The rows of `session_mfa` for Woodgrove held by the session `cookie`.
async fn woodgrove_mfa_of(app: &TestApp, cookie: &str) -> i64 {
    let value = cookie.split_once('=').map_or(cookie, |(_, value)| value);
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM session_mfa m JOIN tenants t ON t.id = m.tenant_id
         WHERE m.session_id_hash = $1 AND t.slug = 'woodgrove'",
    )
    .bind(app::ssr::crypto::token_hash(value))
    .fetch_one(app.state.pool.connections())
    .await
    .expect("count")
}

#[tokio::test]
async fn resetting_a_redemption_with_the_methods_clears_them_and_the_guests_mfa_here() {
    let app = spawn().await;
    let alice = alice_with_an_app(&app).await;
    assert_eq!(woodgrove_mfa_of(&app, &alice).await, 1);
    let alice_id = methods_owner_id(&app, ALICE).await;
    let admin = app.admin_session("admin@woodgrove.test").await;

    let form = [
        ("slug", "woodgrove"),
        ("id", alice_id.as_str()),
        ("clear_methods", "on"),
    ];
    let reset = app.call("reset_user_redemption", &form, Some(&admin)).await;
    assert_eq!(reset.status(), StatusCode::OK);

    let token = app.api_token("woodgrove").await;
    assert!(methods(&app, &token, &alice_id).await.is_empty());
    assert_eq!(woodgrove_mfa_of(&app, &alice).await, 0);
    let subjects: Vec<String> = app
        .mails_to("alice@contoso.test")
        .await
        .into_iter()
        .map(|mail| mail.subject)
        .collect();
    assert!(
        subjects
            .iter()
            .any(|subject| subject.contains("were reset")),
        "{subjects:?}"
    );
    assert_eq!(
        app.audit_events("guest.reset_redemption").await.len(),
        1,
        "and the redemption is reset"
    );
}

/// Sets up an authenticator app named `name` for the holder of `cookie`
/// with Woodgrove; the rotated session.
async fn add_app(app: &TestApp, cookie: &str, name: &str) -> String {
    let setup: app::mfa::TotpSetupView = app
        .fetch(
            "totp_begin",
            &[("tenant", "woodgrove"), ("name", name)],
            Some(cookie),
        )
        .await;
    let secret = app::mfa::ssr::totp::TotpSecret::from_base32(&setup.secret_text).expect("base32");
    let code = app::mfa::ssr::totp::code_at(&secret, app.clock.now());
    let form = [
        ("tenant", "woodgrove"),
        ("method_id", setup.method_id.as_str()),
        ("code", code.as_str()),
    ];
    let confirmed = app.call("totp_confirm", &form, Some(cookie)).await;
    assert_eq!(confirmed.status(), StatusCode::OK, "{name}");
    app.clock.advance(30);
    session_cookie(&confirmed).expect("the session rotates")
}

/// The user page's *Disable* / *Enable* button, as it posts.
async fn set_enabled(app: &TestApp, admin: &str, id: &str, enabled: &str) -> Response {
    let form = [("slug", "woodgrove"), ("id", id), ("enabled", enabled)];
    app.call("set_user_enabled", &form, Some(admin)).await
}

#[tokio::test]
async fn the_user_pages_actions_remove_methods_revoke_sessions_and_disable() {
    let app = spawn().await;
    let token = app.api_token("woodgrove").await;
    let megan = app.signed_in("megan@woodgrove.test").await;
    let megan = add_app(&app, &megan, "Phone").await;
    let megan = add_app(&app, &megan, "Tablet").await;
    let megan_id = methods_owner_id(&app, "megan@woodgrove.test").await;
    let before = methods(&app, &token, &megan_id).await;
    assert_eq!(types(&before), ["totp", "totp", "recoveryCodes"]);

    // One method through the API, the other on the user page.
    let first = before[0]["id"].as_str().expect("id");
    let path = format!("/api/v1/users/{megan_id}/authentication/methods/{first}");
    let removed = app
        .api(Method::DELETE, &path, &token)
        .send()
        .await
        .expect("delete");
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let left = methods(&app, &token, &megan_id).await;
    assert_eq!(types(&left), ["totp", "recoveryCodes"]);
    let admin = app.admin_session("admin@woodgrove.test").await;
    let second = left[0]["id"].as_str().expect("id");
    let form = [
        ("slug", "woodgrove"),
        ("id", megan_id.as_str()),
        ("method_id", second),
    ];
    let removed = app.call("remove_user_method", &form, Some(&admin)).await;
    assert_eq!(removed.status(), StatusCode::OK);
    assert!(
        methods(&app, &token, &megan_id).await.is_empty(),
        "the codes went with the last method"
    );

    // Revoke sessions: her cookie stops working; she can sign in again.
    let form = [("slug", "woodgrove"), ("id", megan_id.as_str())];
    let revoked = app.call("revoke_user_sessions", &form, Some(&admin)).await;
    assert_eq!(revoked.status(), StatusCode::OK);
    assert_eq!(app.current_upn(&megan).await, None);
    let megan = app.signed_in("megan@woodgrove.test").await;

    // Disable and enable.
    let refused = set_enabled(&app, &admin, &megan_id, "maybe").await;
    assert!(
        matches!(app_error(refused).await, AppError::Invalid { field, .. } if field == "enabled")
    );
    assert_eq!(
        set_enabled(&app, &admin, &megan_id, "false").await.status(),
        StatusCode::OK
    );
    assert_eq!(app.current_upn(&megan).await, None);
    let sign_in = app
        .sign_in("megan@woodgrove.test", common::DEMO_PASSWORD, None)
        .await;
    assert_eq!(app_error(sign_in).await, AppError::InvalidCredentials);
    assert_eq!(
        set_enabled(&app, &admin, &megan_id, "true").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.current_upn(&app.signed_in("megan@woodgrove.test").await)
            .await
            .as_deref(),
        Some("megan@woodgrove.test")
    );
}
