//! Passkeys and security keys over HTTP: the ceremonies through the server
//! functions the browser calls, with a software authenticator playing the
//! browser and the key (Playwright does the same with Chromium's virtual
//! authenticator). The public URL is `http://localhost:PORT`, as WebAuthn
//! wants a host name for its RP ID.

mod common;

use app::mfa::ssr::softkey::SoftKey;
use app::mfa::ssr::webauthn::{CEREMONY_GONE, CEREMONY_SECS, KEY_REFUSED};
use app::mfa::{PasskeyCreation, PasskeyRequest};
use common::wire::{AppError, MfaContext, ProofUpDone};
use common::{app_error, session_cookie, TestApp};
use reqwest::{Response, StatusCode};

const MEGAN: &str = "megan@woodgrove.test";

async fn spawn() -> TestApp {
    TestApp::builder()
        .public_url("http://localhost:{port}")
        .start()
        .await
}

impl TestApp {
    fn origin(&self) -> String {
        self.state.config.public_url.origin().to_owned()
    }

    async fn begin_registration(&self, tenant: &str, cookie: &str) -> PasskeyCreation {
        let form = [("tenant", tenant), ("name", "YubiKey")];
        self.fetch("passkey_register_begin", &form, Some(cookie))
            .await
    }

    async fn finish_registration(
        &self,
        tenant: &str,
        creation: &PasskeyCreation,
        key: &SoftKey,
        cookie: &str,
    ) -> Response {
        let response = key.clone().register(&creation.options, &self.origin());
        let body = serde_json::json!({
            "tenant": tenant, "ceremony_id": creation.ceremony_id,
            "response": response, "next": "/myapps",
        });
        self.call_json("passkey_register_finish", &body, Some(cookie))
            .await
    }

    /// Proof-up with `key`; answers the rotated session.
    async fn register(&self, tenant: &str, key: &SoftKey, cookie: &str) -> String {
        let creation = self.begin_registration(tenant, cookie).await;
        let finished = self
            .finish_registration(tenant, &creation, key, cookie)
            .await;
        assert_eq!(finished.status(), StatusCode::OK);
        session_cookie(&finished).expect("the session rotates")
    }

    /// The challenge with `key` in a new sign-in of `upn`.
    async fn challenge(&self, upn: &str, tenant: &str, key: &mut SoftKey) -> Response {
        let cookie = self.signed_in(upn).await;
        let form = [("tenant", tenant)];
        let request: PasskeyRequest = self
            .fetch("passkey_verify_begin", &form, Some(&cookie))
            .await;
        let response = key.authenticate(&request.options, &self.origin());
        let body = serde_json::json!({
            "tenant": tenant, "ceremony_id": request.ceremony_id,
            "response": response, "next": "/myapps",
        });
        self.call_json("passkey_verify_finish", &body, Some(&cookie))
            .await
    }

    async fn has_methods(&self, tenant: &str, cookie: &str) -> bool {
        let context: MfaContext = self
            .fetch("mfa_for_tenant", &[("tenant", tenant)], Some(cookie))
            .await;
        context.has_methods
    }
}

async fn refusal(response: Response) -> String {
    match app_error(response).await {
        AppError::Invalid { message, .. } => message,
        other => panic!("refused with {other:?}"),
    }
}

#[tokio::test]
async fn a_passkey_proofs_up_and_then_passes_the_challenge() {
    let app = spawn().await;
    let cookie = app.signed_in(MEGAN).await;
    let mut key = SoftKey::new(1);
    let creation = app.begin_registration("woodgrove", &cookie).await;
    let finished = app
        .finish_registration("woodgrove", &creation, &key, &cookie)
        .await;
    assert_eq!(finished.status(), StatusCode::OK);
    let rotated = session_cookie(&finished).expect("the session rotates");
    let done: ProofUpDone = finished.json().await.expect("a reply");
    assert_eq!(done.recovery_codes.len(), 10);
    assert!(app.has_methods("woodgrove", &rotated).await);

    let passed = app.challenge(MEGAN, "woodgrove", &mut key).await;
    assert_eq!(passed.status(), StatusCode::OK);
    assert!(session_cookie(&passed).is_some(), "the session rotates");
    let next: String = passed.json().await.expect("where to go");
    assert_eq!(next, "/myapps");
    assert_eq!(app.audit_count("mfa.challenge_passed", "success").await, 1);
}

#[tokio::test]
async fn a_registration_finished_from_another_session_late_or_twice_is_refused() {
    let app = spawn().await;
    let (cookie, other) = (app.signed_in(MEGAN).await, app.signed_in(MEGAN).await);
    let key = SoftKey::new(1);

    let creation = app.begin_registration("woodgrove", &cookie).await;
    let elsewhere = app
        .finish_registration("woodgrove", &creation, &key, &other)
        .await;
    assert_eq!(refusal(elsewhere).await, CEREMONY_GONE, "another session");
    app.clock.advance(CEREMONY_SECS);
    let late = app
        .finish_registration("woodgrove", &creation, &key, &cookie)
        .await;
    assert_eq!(refusal(late).await, CEREMONY_GONE, "after five minutes");
    assert!(!app.has_methods("woodgrove", &cookie).await);

    let creation = app.begin_registration("woodgrove", &cookie).await;
    let first = app
        .finish_registration("woodgrove", &creation, &key, &cookie)
        .await;
    let rotated = session_cookie(&first).expect("registered");
    let again = app
        .finish_registration("woodgrove", &creation, &key, &rotated)
        .await;
    assert_eq!(refusal(again).await, CEREMONY_GONE, "twice");
    assert_eq!(app.audit_count("mfa.method_added", "success").await, 1);
}

#[tokio::test]
async fn a_credential_registered_by_one_user_is_refused_for_another() {
    let app = spawn().await;
    let key = SoftKey::new(1);
    let megan = app.signed_in(MEGAN).await;
    app.register("woodgrove", &key, &megan).await;

    let admin = app.signed_in("admin@woodgrove.test").await;
    let creation = app.begin_registration("woodgrove", &admin).await;
    let stolen = app
        .finish_registration("woodgrove", &creation, &key, &admin)
        .await;
    assert_eq!(stolen.status(), StatusCode::CONFLICT);
    assert!(!app.has_methods("woodgrove", &admin).await);
}

#[tokio::test]
async fn a_cloned_key_whose_counter_went_back_is_refused_and_audited() {
    let app = spawn().await;
    let mut key = SoftKey::new(1);
    let cookie = app.signed_in(MEGAN).await;
    app.register("woodgrove", &key, &cookie).await;
    for _ in 0..2 {
        let passed = app.challenge(MEGAN, "woodgrove", &mut key).await;
        assert_eq!(passed.status(), StatusCode::OK);
    }

    key.set_counter(1);
    let cloned = app.challenge(MEGAN, "woodgrove", &mut key).await;
    assert_eq!(refusal(cloned).await, KEY_REFUSED);
    let failures = app.audit_events("mfa.challenge_failed").await;
    let reasons: Vec<String> = failures
        .iter()
        .map(|event| event.detail::<serde_json::Value>()["reason"].to_string())
        .collect();
    assert_eq!(reasons, [r#""counterRegression""#]);
}

#[tokio::test]
async fn a_guests_passkey_belongs_to_the_resource_tenant_only() {
    let app = spawn().await;
    let ticket = app.invite("woodgrove", "alice@contoso.test").await;
    let cookie = app.signed_in("alice@contoso.test").await;
    let accepted = app
        .call(
            "accept_invitation",
            &[("ticket", ticket.as_str())],
            Some(&cookie),
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let mut key = SoftKey::new(1);
    let cookie = app.register("woodgrove", &key, &cookie).await;

    assert!(app.has_methods("woodgrove", &cookie).await);
    assert!(!app.has_methods("contoso", &cookie).await, "not at home");
    let at_home = app
        .call(
            "passkey_verify_begin",
            &[("tenant", "contoso")],
            Some(&cookie),
        )
        .await;
    assert!(matches!(app_error(at_home).await, AppError::NotFound(_)));
    let passed = app
        .challenge("alice@contoso.test", "woodgrove", &mut key)
        .await;
    assert_eq!(passed.status(), StatusCode::OK);
}
