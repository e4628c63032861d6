//! MFA with a tenant over HTTP: proof-up with an authenticator app, the
//! challenge, its replay guard and lock, recovery codes — driven through the
//! server functions the /mfa pages post to. The test computes codes from the
//! secret the setup step shows, as the person's app would.

mod common;

use app::mfa::ssr::totp::{code_at, TotpSecret};
use app::ssr::clock::Clock as _;
use common::wire::{AppError, MfaContext, ProofUpDone, TotpSetupView};
use common::{app_error, session_cookie, spawn_app, TestApp};
use reqwest::StatusCode;

const REFUSED: &str = app::mfa::ssr::methods::CODE_REFUSED;

/// An authenticator app set up for the one who holds `cookie`.
struct App {
    secret: TotpSecret,
    cookie: String,
    done: ProofUpDone,
}

impl TestApp {
    fn now(&self) -> i64 {
        self.clock.now()
    }

    fn code(&self, secret: &TotpSecret) -> String {
        code_at(secret, self.now())
    }

    /// Sets up an authenticator app in `tenant` for the session `cookie`;
    /// answers the secret, the rotated session and the proof-up's result.
    async fn proof_up(&self, tenant: &str, cookie: &str) -> App {
        let setup: TotpSetupView = self
            .fetch(
                "totp_begin",
                &[("tenant", tenant), ("name", "Phone")],
                Some(cookie),
            )
            .await;
        assert!(setup.qr_svg.contains("<svg"));
        let secret = TotpSecret::from_base32(&setup.secret_text).expect("a base32 secret");
        let code = self.code(&secret);
        let response = self
            .call(
                "totp_confirm",
                &[
                    ("tenant", tenant),
                    ("method_id", &setup.method_id),
                    ("code", &code),
                    ("next", "/t/woodgrove/admin/users"),
                ],
                Some(cookie),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let rotated = session_cookie(&response).expect("the session rotates");
        let done: ProofUpDone = response.json().await.expect("a reply");
        App {
            secret,
            cookie: rotated,
            done,
        }
    }

    async fn verify(&self, tenant: &str, code: &str, cookie: &str) -> reqwest::Response {
        self.call(
            "mfa_verify",
            &[("tenant", tenant), ("code", code), ("next", "/myapps")],
            Some(cookie),
        )
        .await
    }

    async fn mfa_for(&self, tenant: &str, cookie: &str) -> MfaContext {
        self.fetch("mfa_for_tenant", &[("tenant", tenant)], Some(cookie))
            .await
    }
}

async fn refused_message(response: reqwest::Response) -> String {
    match app_error(response).await {
        AppError::Invalid { message, .. } => message,
        other => panic!("refused with {other:?}"),
    }
}

#[tokio::test]
async fn an_admin_proofs_up_with_an_app_gets_recovery_codes_and_a_rotated_session() {
    let app = spawn_app().await;
    let cookie = app.signed_in("admin@woodgrove.test").await;
    let before = app.mfa_for("woodgrove", &cookie).await;
    assert!(!before.has_methods);
    assert_eq!(before.upn, "admin@woodgrove.test");

    let proofed = app.proof_up("woodgrove", &cookie).await;
    assert_eq!(proofed.done.recovery_codes.len(), 10);
    assert_eq!(proofed.done.next, "/t/woodgrove/admin/users");
    assert_ne!(proofed.cookie, cookie);
    assert_eq!(app.current_upn(&cookie).await, None, "the old id is dead");
    assert_eq!(
        app.current_upn(&proofed.cookie).await.as_deref(),
        Some("admin@woodgrove.test")
    );
    assert!(app.mfa_for("woodgrove", &proofed.cookie).await.has_methods);
    assert_eq!(app.audit_count("mfa.method_added", "success").await, 1);
}

#[tokio::test]
async fn the_challenge_takes_a_fresh_code_once_and_refuses_wrong_and_replayed_alike() {
    let app = spawn_app().await;
    let cookie = app.signed_in("admin@woodgrove.test").await;
    let proofed = app.proof_up("woodgrove", &cookie).await;
    app.clock.advance(30);
    let session = app.signed_in("admin@woodgrove.test").await;

    for bad in ["12345", "1234567", "abcdef"] {
        let response = app.verify("woodgrove", bad, &session).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    let code = app.code(&proofed.secret);
    let passed = app.verify("woodgrove", &code, &session).await;
    assert_eq!(passed.status(), StatusCode::OK);
    let rotated = session_cookie(&passed).expect("the session rotates");
    assert_eq!(
        app.current_upn(&rotated).await.as_deref(),
        Some("admin@woodgrove.test")
    );

    let replayed = app.verify("woodgrove", &code, &rotated).await;
    let replay_message = refused_message(replayed).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let wrong_message = refused_message(app.verify("woodgrove", wrong, &rotated).await).await;
    assert_eq!(replay_message, REFUSED);
    assert_eq!(wrong_message, REFUSED);
    assert_eq!(app.audit_count("mfa.challenge_failed", "failure").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_parallel_submissions_of_one_valid_code_give_exactly_one_success() {
    let app = spawn_app().await;
    let cookie = app.signed_in("admin@woodgrove.test").await;
    let proofed = app.proof_up("woodgrove", &cookie).await;
    app.clock.advance(30);
    let code = app.code(&proofed.secret);
    let mut sessions = Vec::new();
    for _ in 0..20 {
        sessions.push(app.signed_in("admin@woodgrove.test").await);
    }
    let submissions = sessions
        .iter()
        .map(|session| app.verify("woodgrove", &code, session));
    let statuses: Vec<StatusCode> = futures::future::join_all(submissions)
        .await
        .into_iter()
        .map(|response| response.status())
        .collect();
    let passed = statuses.iter().filter(|status| status.is_success()).count();
    assert_eq!(passed, 1, "{statuses:?}");
    assert!(statuses
        .iter()
        .all(|status| status.is_success() || *status == StatusCode::BAD_REQUEST));
}

#[tokio::test]
async fn ten_failures_lock_the_challenge_until_fifteen_minutes_pass_on_the_clock() {
    let app = spawn_app().await;
    let cookie = app.signed_in("admin@woodgrove.test").await;
    let proofed = app.proof_up("woodgrove", &cookie).await;
    let session = proofed.cookie;
    for _ in 0..10 {
        app.clock.advance(300);
        let wrong = if app.code(&proofed.secret) == "000000" {
            "111111"
        } else {
            "000000"
        };
        let response = app.verify("woodgrove", wrong, &session).await;
        assert_eq!(refused_message(response).await, REFUSED);
    }
    assert_eq!(app.audit_count("mfa.locked", "failure").await, 1);
    app.clock.advance(60);
    let locked = app
        .verify("woodgrove", &app.code(&proofed.secret), &session)
        .await;
    assert_eq!(refused_message(locked).await, REFUSED, "right, but locked");
    app.clock.advance(15 * 60);
    let unlocked = app
        .verify("woodgrove", &app.code(&proofed.secret), &session)
        .await;
    assert_eq!(unlocked.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_recovery_code_gets_in_once() {
    let app = spawn_app().await;
    let cookie = app.signed_in("admin@woodgrove.test").await;
    let proofed = app.proof_up("woodgrove", &cookie).await;
    let code = proofed.done.recovery_codes[0].clone();
    let form = [
        ("tenant", "woodgrove"),
        ("code", code.as_str()),
        ("next", "/myapps"),
    ];
    let first = app.call("mfa_recover", &form, Some(&proofed.cookie)).await;
    assert_eq!(first.status(), StatusCode::OK);
    let rotated = session_cookie(&first).expect("the session rotates");
    let again = app.call("mfa_recover", &form, Some(&rotated)).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn mfa_steps_need_a_session_and_a_user_object_in_that_tenant() {
    let app = spawn_app().await;
    let anonymous = app
        .call("mfa_for_tenant", &[("tenant", "woodgrove")], None)
        .await;
    assert_eq!(app_error(anonymous).await, AppError::Unauthenticated);

    // Contoso's admin has no user object in Woodgrove: nothing to set up or
    // check there, and an unknown tenant answers the same.
    let contoso = app.signed_in("admin@contoso.test").await;
    for tenant in ["woodgrove", "nowhere"] {
        for function in [
            "mfa_for_tenant",
            "totp_begin",
            "mfa_verify",
            "passkey_register_begin",
            "passkey_verify_begin",
        ] {
            let form = [("tenant", tenant), ("name", "Phone"), ("code", "123456")];
            let response = app.call(function, &form, Some(&contoso)).await;
            assert!(
                matches!(app_error(response).await, AppError::NotFound(_)),
                "{function} in {tenant}"
            );
        }
    }
}

#[tokio::test]
async fn a_method_being_set_up_by_someone_else_cannot_be_confirmed() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin@woodgrove.test").await;
    let megan = app.signed_in("megan@woodgrove.test").await;
    let setup: TotpSetupView = app
        .fetch(
            "totp_begin",
            &[("tenant", "woodgrove"), ("name", "Phone")],
            Some(&admin),
        )
        .await;
    let secret = TotpSecret::from_base32(&setup.secret_text).unwrap();
    let code = app.code(&secret);
    let form = [
        ("tenant", "woodgrove"),
        ("method_id", setup.method_id.as_str()),
        ("code", code.as_str()),
    ];
    let response = app.call("totp_confirm", &form, Some(&megan)).await;
    assert!(matches!(app_error(response).await, AppError::NotFound(_)));
    assert!(!app.mfa_for("woodgrove", &admin).await.has_methods);
}

#[tokio::test]
async fn a_further_method_needs_a_recent_mfa_so_a_password_alone_cannot_add_one() {
    let app = spawn_app().await;
    let cookie = app.signed_in("admin@woodgrove.test").await;
    let first = app.mfa_for("woodgrove", &cookie).await;
    assert!(first.may_add, "the first method is proof-up");
    let proofed = app.proof_up("woodgrove", &cookie).await;
    assert!(app.mfa_for("woodgrove", &proofed.cookie).await.may_add);

    // A new sign-in with the password only: no adding.
    let password_only = app.signed_in("admin@woodgrove.test").await;
    assert!(!app.mfa_for("woodgrove", &password_only).await.may_add);
    let form = [("tenant", "woodgrove"), ("name", "Thief's phone")];
    let refused = app.call("totp_begin", &form, Some(&password_only)).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app_error(refused).await, AppError::MfaRequired);

    // Ten minutes after the MFA, the proof-up session needs a step-up too.
    app.clock.advance(app::mfa::ssr::step_up::STEP_UP_SECS + 1);
    assert!(!app.mfa_for("woodgrove", &proofed.cookie).await.may_add);
    let stale = app.call("totp_begin", &form, Some(&proofed.cookie)).await;
    assert_eq!(app_error(stale).await, AppError::MfaRequired);

    // After the challenge, adding works again.
    let code = app.code(&proofed.secret);
    let passed = app.verify("woodgrove", &code, &proofed.cookie).await;
    let stepped_up = session_cookie(&passed).expect("the session rotates");
    let setup: TotpSetupView = app.fetch("totp_begin", &form, Some(&stepped_up)).await;
    assert!(setup.qr_svg.contains("<svg"));
}

/// A passkey's answer as a browser would send it (its content does not
/// matter: the ceremony is checked first).
fn passkey_answer(tenant: &str, ceremony_id: &str) -> serde_json::Value {
    let response = serde_json::json!({
        "id": "AAAA", "rawId": "AAAA", "type": "public-key", "extensions": {},
        "response": {
            "authenticatorData": "AAAA", "clientDataJSON": "AAAA", "signature": "AAAA",
            "attestationObject": "AAAA", "userHandle": null
        }
    });
    serde_json::json!({
        "tenant": tenant, "ceremony_id": ceremony_id, "response": response, "next": null
    })
}

#[tokio::test]
async fn passkey_steps_answer_only_their_own_user_and_session() {
    // WebAuthn wants a host name as RP ID, as in the browser tests.
    let app = TestApp::builder()
        .public_url("http://localhost:{port}")
        .start()
        .await;
    let anonymous = app
        .call_json(
            "passkey_verify_finish",
            &passkey_answer("woodgrove", "x"),
            None,
        )
        .await;
    assert_eq!(app_error(anonymous).await, AppError::Unauthenticated);
    let contoso = app.signed_in("admin@contoso.test").await;
    for function in ["passkey_register_finish", "passkey_verify_finish"] {
        let body = passkey_answer("woodgrove", "x");
        let response = app.call_json(function, &body, Some(&contoso)).await;
        assert!(
            matches!(app_error(response).await, AppError::NotFound(_)),
            "{function}"
        );
    }

    // Megan starts a registration; the ceremony is hers and this session's.
    let megan = app.signed_in("megan@woodgrove.test").await;
    let form = [("tenant", "woodgrove"), ("name", "YubiKey")];
    let creation: serde_json::Value = app
        .fetch("passkey_register_begin", &form, Some(&megan))
        .await;
    let ceremony_id = creation["ceremony_id"].as_str().expect("a ceremony id");
    assert_eq!(
        creation["options"]["publicKey"]["rp"]["name"],
        "Gatehouse — Woodgrove"
    );
    let rp_id = &creation["options"]["publicKey"]["rp"]["id"];
    assert_eq!(rp_id, "localhost", "the public URL's host");
    assert_eq!(
        creation["options"]["publicKey"]["authenticatorSelection"]["userVerification"],
        "required"
    );
    let other_session = app.signed_in("megan@woodgrove.test").await;
    let body = passkey_answer("woodgrove", ceremony_id);
    let refused = app
        .call_json("passkey_register_finish", &body, Some(&other_session))
        .await;
    match app_error(refused).await {
        AppError::Invalid { message, .. } => {
            assert_eq!(message, app::mfa::ssr::webauthn::CEREMONY_GONE)
        }
        other => panic!("{other:?}"),
    }
    assert!(!app.mfa_for("woodgrove", &megan).await.has_methods);
}

#[tokio::test]
async fn before_the_wasm_loads_a_wrong_code_comes_back_beside_the_code_field() {
    let app = spawn_app().await;
    let first = app.signed_in("admin@woodgrove.test").await;
    app.proof_up("woodgrove", &first).await;
    let again = app.signed_in("admin@woodgrove.test").await;
    let page = "/mfa/verify?tenant=woodgrove&next=%2Fmyapps";

    let response = app
        .post_before_wasm(
            "mfa_verify",
            &[
                ("tenant", "woodgrove"),
                ("code", "000000"),
                ("next", "/myapps"),
            ],
            Some(&again),
            page,
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let html = app.follow_back(&response, Some(&again)).await;
    let shown = html_escape::encode_text(REFUSED).into_owned();
    assert_eq!(
        html.matches(&shown).count(),
        1,
        "beside the code field, not the recovery code's: {html}"
    );
}
