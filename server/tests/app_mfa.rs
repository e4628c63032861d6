//! MFA at application access (DESIGN §3.3, issue 8 items 3–6): the
//! resource tenant's policies send the user through its proof-up or
//! challenge on the way into an application, the ID token's `amr` says
//! what happened, report-only lets the user through, inbound trust accepts
//! a partner's MFA, and a pending invitee consents just in time.

mod common;

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use reqwest::{Response, StatusCode};
use serde_json::Value;

use app::mfa as wire;
use app::ssr::clock::Clock;
use app::ssr::crypto::token_hash;
use common::{location, next_of, session_cookie, spawn_app, TestApp};

const REDIRECT_URI: &str = "https://foo.test/callback";
const SECRET: &str = "the-client-secret-of-foo-0123456789abcdef";
const CLIENT_ID: &str = "client-bar";

/// Registers Bar in Woodgrove (the demo's Foo has its own policy); its *Require MFA* switch on when `require_mfa`.
async fn bar(app: &TestApp, require_mfa: bool) {
    sqlx::query(
        "INSERT INTO applications (id, tenant_id, display_name, client_id, client_secret_hash,
                                   public_client, created_at)
         SELECT 'app-bar', id, 'Bar', $1, $2, FALSE, 0 FROM tenants WHERE slug = 'woodgrove'",
    )
    .bind(CLIENT_ID)
    .bind(token_hash(SECRET))
    .execute(app.state.pool.connections())
    .await
    .expect("application");
    sqlx::query(
        "INSERT INTO application_redirect_uris (application_id, uri) VALUES ('app-bar', $1)",
    )
    .bind(REDIRECT_URI)
    .execute(app.state.pool.connections())
    .await
    .expect("redirect URI");
    if require_mfa {
        set_require_mfa(app, "woodgrove", true)
            .await
            .expect("switched on");
    }
}

/// The application page's *Require MFA* switch, as Woodgrove's admin.
async fn set_require_mfa(app: &TestApp, slug: &str, on: bool) -> Result<(), String> {
    let admin = app.admin_session(&format!("admin@{slug}.test")).await;
    let form = [
        ("slug", slug),
        ("application_id", "app-bar"),
        ("on", if on { "true" } else { "false" }),
    ];
    let response = app
        .call("set_application_requires_mfa", &form, Some(&admin))
        .await;
    if response.status() == StatusCode::OK {
        Ok(())
    } else {
        Err(response.text().await.expect("body"))
    }
}

fn authorize_path() -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", CLIENT_ID),
            ("redirect_uri", REDIRECT_URI),
            ("response_type", "code"),
            ("scope", "openid profile"),
            ("state", "s"),
            ("nonce", "n"),
        ])
        .finish();
    format!("/woodgrove/oauth2/v2.0/authorize?{query}")
}

/// Sets up an authenticator app with `tenant` for the session; the rotated
/// session and the app's secret.
async fn proof_up(
    app: &TestApp,
    tenant: &str,
    cookie: &str,
) -> (String, app::mfa::ssr::totp::TotpSecret) {
    let setup: wire::TotpSetupView = app
        .fetch(
            "totp_begin",
            &[("tenant", tenant), ("name", "Phone")],
            Some(cookie),
        )
        .await;
    let secret = app::mfa::ssr::totp::TotpSecret::from_base32(&setup.secret_text).expect("base32");
    let code = app::mfa::ssr::totp::code_at(&secret, app.clock.now());
    let form = [
        ("tenant", tenant),
        ("method_id", setup.method_id.as_str()),
        ("code", code.as_str()),
    ];
    let response = app.call("totp_confirm", &form, Some(cookie)).await;
    assert_eq!(response.status(), StatusCode::OK, "proof-up with {tenant}");
    (
        session_cookie(&response).expect("the session rotates"),
        secret,
    )
}

/// The ID token's claims for the code in a redirect back to Bar (its
/// signature is checked in `oidc.rs`).
async fn claims_from(app: &TestApp, back: &Response) -> Value {
    let location = location(back);
    let query: HashMap<String, String> = url::form_urlencoded::parse(
        location
            .strip_prefix(&format!("{REDIRECT_URI}?"))
            .unwrap_or_else(|| panic!("back at Bar, not {location}"))
            .as_bytes(),
    )
    .into_owned()
    .collect();
    let code = query
        .get("code")
        .unwrap_or_else(|| panic!("a code, not {query:?}"));
    let tokens: Value = app
        .client
        .post(app.url("/woodgrove/oauth2/v2.0/token"))
        .basic_auth(CLIENT_ID, Some(SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("tokens");
    let id_token = tokens["id_token"].as_str().expect("id_token");
    let payload = id_token.split('.').nth(1).expect("a JWS payload");
    let payload = URL_SAFE_NO_PAD.decode(payload).expect("base64url");
    serde_json::from_slice(&payload).expect("claims")
}

async fn last_signin_detail(app: &TestApp) -> Value {
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM audit_events WHERE action = 'application.signin' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(app.state.pool.connections())
    .await
    .expect("an application sign-in was audited");
    serde_json::from_str(&detail).expect("JSON")
}

#[tokio::test]
async fn require_mfa_sends_a_member_through_proof_up_then_a_challenge_and_amr_says_so() {
    let app = spawn_app().await;
    bar(&app, true).await;
    let megan = app.signed_in("megan@woodgrove.test").await;

    let response = app.page(&authorize_path(), Some(&megan)).await;
    let setup = location(&response);
    assert!(
        setup.starts_with("/mfa/setup?tenant=woodgrove&next="),
        "{setup}"
    );
    let back_to = next_of(&setup);
    assert!(
        back_to.starts_with("/woodgrove/oauth2/v2.0/authorize?"),
        "{back_to}"
    );
    assert!(back_to.contains("client_id=client-bar"), "{back_to}");
    let (megan, secret) = proof_up(&app, "woodgrove", &megan).await;
    let back = app.page(&next_of(&setup), Some(&megan)).await;
    let claims = claims_from(&app, &back).await;
    assert_eq!(claims["amr"], serde_json::json!(["pwd", "mfa", "otp"]));
    assert_eq!(claims["acr"], "2");
    assert_eq!(last_signin_detail(&app).await["mfa"], "thisTenant");

    // The next sign-in, with a method in place, is challenged.
    app.clock.advance(60);
    let again = app.signed_in("megan@woodgrove.test").await;
    let response = app.page(&authorize_path(), Some(&again)).await;
    let verify = location(&response);
    assert!(
        verify.starts_with("/mfa/verify?tenant=woodgrove&next="),
        "{verify}"
    );
    let code = app::mfa::ssr::totp::code_at(&secret, app.clock.now());
    let passed = app
        .call(
            "mfa_verify",
            &[("tenant", "woodgrove"), ("code", code.as_str())],
            Some(&again),
        )
        .await;
    assert_eq!(passed.status(), StatusCode::OK);
    let again = session_cookie(&passed).expect("the session rotates");
    let back = app.page(&next_of(&verify), Some(&again)).await;
    assert_eq!(
        claims_from(&app, &back).await["amr"],
        serde_json::json!(["pwd", "mfa", "otp"])
    );

    // With the switch off, a password is enough again.
    set_require_mfa(&app, "woodgrove", false)
        .await
        .expect("switched off");
    let plain = app.signed_in("megan@woodgrove.test").await;
    let back = app.page(&authorize_path(), Some(&plain)).await;
    assert_eq!(
        claims_from(&app, &back).await["amr"],
        serde_json::json!(["pwd"])
    );
}

#[tokio::test]
async fn prompt_none_answers_interaction_required_when_mfa_is_owed() {
    let app = spawn_app().await;
    bar(&app, true).await;
    let megan = app.signed_in("megan@woodgrove.test").await;
    let response = app
        .page(&format!("{}&prompt=none", authorize_path()), Some(&megan))
        .await;
    let back = location(&response);
    assert!(
        back.starts_with(&format!("{REDIRECT_URI}?error=interaction_required")),
        "{back}"
    );
}

#[tokio::test]
async fn a_report_only_policy_lets_the_user_through_and_records_what_it_would_have_done() {
    let app = spawn_app().await;
    bar(&app, false).await;
    let admin = app.admin_session("admin@woodgrove.test").await;
    let created = app
        .call(
            "save_policy",
            &[
                ("slug", "woodgrove"),
                ("name", "Trial: MFA for everyone"),
                ("state", "report_only"),
                ("include", "all"),
                ("applications", "all"),
                ("require_mfa", "on"),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(
        created.status(),
        StatusCode::OK,
        "{}",
        created.text().await.unwrap_or_default()
    );
    let megan = app.signed_in("megan@woodgrove.test").await;
    let back = app.page(&authorize_path(), Some(&megan)).await;
    assert_eq!(
        claims_from(&app, &back).await["amr"],
        serde_json::json!(["pwd"])
    );
    let detail = last_signin_detail(&app).await;
    assert_eq!(detail["mfa"], "notRequired");
    assert_eq!(
        detail["policies"]["reportOnly"],
        serde_json::json!(["Trial: MFA for everyone"])
    );
}

#[tokio::test]
async fn a_free_tenant_cannot_require_mfa_for_an_application() {
    let app = spawn_app().await;
    bar(&app, false).await;
    sqlx::query(
        "UPDATE applications SET tenant_id = (SELECT id FROM tenants WHERE slug = 'contoso')",
    )
    .execute(app.state.pool.connections())
    .await
    .expect("Bar moves to Contoso");
    let refused = set_require_mfa(&app, "contoso", true)
        .await
        .expect_err("refused");
    assert!(refused.contains("premium"), "{refused}");
    let policies: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM policies WHERE name = 'Require MFA for Bar'")
            .fetch_one(app.state.pool.connections())
            .await
            .expect("count");
    assert_eq!(policies, 0, "nothing written");
}

/// Alice of Contoso: Contoso has security defaults on and she has passed
/// its MFA; she is Woodgrove's guest. Her session cookie.
async fn alice_with_home_mfa(app: &TestApp) -> String {
    let change = app::tenants::ssr::SettingsChange {
        security_defaults: Some(true),
        ..Default::default()
    };
    let contoso = app::domain::TenantSlug::parse("contoso").expect("slug");
    app::tenants::ssr::update_settings(
        &app.state.pool,
        &contoso,
        change,
        &app::ssr::Actor::cli(),
        app.clock.now(),
    )
    .await
    .expect("security defaults");
    let ticket = app.invite("woodgrove", "alice@contoso.test").await;
    let alice = app.signed_in("alice@contoso.test").await;
    let (alice, _) = proof_up(app, "contoso", &alice).await;
    let accepted = app
        .call(
            "accept_invitation",
            &[("ticket", ticket.as_str())],
            Some(&alice),
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);
    alice
}

/// Woodgrove accepts the MFA Contoso's members did at home (its Partners
/// page or `PUT /api/v1/partners/contoso` would).
async fn woodgrove_trusts_contoso(app: &TestApp) {
    let woodgrove = {
        let mut conn = app.state.pool.acquire().await.expect("connection");
        let slug = app::domain::TenantSlug::parse("woodgrove").expect("slug");
        app::tenants::ssr::find_tenant_by_slug(&mut conn, &slug)
            .await
            .expect("query")
            .expect("Woodgrove")
    };
    let (actor, now) = (app::ssr::Actor::cli(), app.clock.now());
    app::partners::ssr::set_partner_trust(
        &app.state.pool,
        &woodgrove,
        "contoso",
        true,
        &actor,
        now,
    )
    .await
    .expect("trust");
}

#[tokio::test]
async fn woodgrove_challenges_a_guest_who_did_mfa_at_home_unless_it_trusts_the_home_tenant() {
    let app = spawn_app().await;
    bar(&app, true).await;
    let alice = alice_with_home_mfa(&app).await;

    let response = app.page(&authorize_path(), Some(&alice)).await;
    let setup = location(&response);
    assert!(
        setup.starts_with("/mfa/setup?tenant=woodgrove"),
        "without trust Woodgrove asks its own: {setup}"
    );

    woodgrove_trusts_contoso(&app).await;
    let back = app.page(&authorize_path(), Some(&alice)).await;
    let claims = claims_from(&app, &back).await;
    assert_eq!(claims["amr"], serde_json::json!(["pwd", "mfa", "otp"]));
    assert_eq!(claims["acr"], "2");
    let contoso_issuer = format!("{}/contoso/v2.0", app.base);
    assert_eq!(claims["idp"], contoso_issuer);
    assert_eq!(claims["mfa_idp"], contoso_issuer);
    assert_eq!(claims["upn"], "alice_contoso.test#EXT#@woodgrove.test");
    let detail = last_signin_detail(&app).await;
    assert_eq!(detail["mfa"], "trustedHomeTenant");
    assert_eq!(detail["mfaIdp"], contoso_issuer);
}

#[tokio::test]
async fn trust_does_not_count_a_home_sign_in_without_mfa() {
    let app = spawn_app().await;
    bar(&app, true).await;
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
    woodgrove_trusts_contoso(&app).await;
    let response = app.page(&authorize_path(), Some(&alice)).await;
    assert!(location(&response).starts_with("/mfa/setup?tenant=woodgrove"));
}

#[tokio::test]
async fn a_pending_invitee_consents_on_the_way_in_and_arrives_as_the_guest() {
    let app = spawn_app().await;
    bar(&app, false).await;
    app.invite("woodgrove", "alice@contoso.test").await;
    let alice = app.signed_in("alice@contoso.test").await;

    let response = app.page(&authorize_path(), Some(&alice)).await;
    let consent = location(&response);
    assert!(
        consent.starts_with("/redeem/consent?tenant=woodgrove&next="),
        "{consent}"
    );
    let accepted = app
        .call(
            "accept_pending_invitation",
            &[
                ("tenant", "woodgrove"),
                ("next", next_of(&consent).as_str()),
            ],
            Some(&alice),
        )
        .await;
    assert!(accepted.status().is_success(), "{}", accepted.status());
    let back = app.page(&next_of(&consent), Some(&alice)).await;
    let claims = claims_from(&app, &back).await;
    assert_eq!(claims["upn"], "alice_contoso.test#EXT#@woodgrove.test");
    assert_eq!(claims["idp"], format!("{}/contoso/v2.0", app.base));
}

#[tokio::test]
async fn an_authenticator_app_does_not_meet_a_phishing_resistant_only_policy() {
    let app = spawn_app().await;
    bar(&app, false).await;
    let admin = app.admin_session("admin@woodgrove.test").await;
    let created = app
        .call(
            "save_policy",
            &[
                ("slug", "woodgrove"),
                ("name", "Passkeys for everything"),
                ("state", "on"),
                ("include", "all"),
                ("applications", "all"),
                ("require_mfa", "on"),
                ("phishing_resistant_only", "on"),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(
        created.status(),
        StatusCode::OK,
        "{}",
        created.text().await.unwrap_or_default()
    );
    let megan = app.signed_in("megan@woodgrove.test").await;
    let (megan, _) = proof_up(&app, "woodgrove", &megan).await;

    // A fresh MFA with an app code: still not in, but on to add a passkey.
    let response = app.page(&authorize_path(), Some(&megan)).await;
    let step = location(&response);
    assert!(step.starts_with("/mfa/setup?tenant=woodgrove"), "{step}");
    let silent = app
        .page(&format!("{}&prompt=none", authorize_path()), Some(&megan))
        .await;
    assert!(location(&silent).starts_with(&format!("{REDIRECT_URI}?error=interaction_required")));
}
