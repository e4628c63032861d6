//! Security defaults (DESIGN §1): a tenant that turns them on makes its
//! members pass MFA with it when they sign in at home — proof-up the first
//! time, the challenge after — and the session records that MFA (`amr`
//! with `mfa`), which partner tenants may later choose to trust.

mod common;

use app::domain::TenantSlug;
use app::ssr::clock::Clock as _;
use app::ssr::Actor;
use app::tenants::ssr::{update_settings, SettingsChange};
use common::wire::{AppError, MfaContext, MyAppsOverview, ProofUpDone, TotpSetupView};
use common::{app_error, session_cookie, spawn_app, TestApp};
use reqwest::StatusCode;

const MEGAN: &str = "megan@woodgrove.test";

impl TestApp {
    /// `gatehouse tenant set --slug SLUG --security-defaults on`.
    async fn security_defaults_on(&self, slug: &str) {
        let slug = TenantSlug::parse(slug).expect("a slug");
        let change = SettingsChange {
            security_defaults: Some(true),
            ..SettingsChange::default()
        };
        let now = self.clock.now();
        update_settings(&self.state.pool, &slug, change, &Actor::cli(), now)
            .await
            .expect("the setting changes");
    }

    /// The `amr` of the MFA the newest session passed with `slug`.
    async fn newest_mfa_amr(&self, slug: &str) -> Option<String> {
        sqlx::query_scalar(
            "SELECT m.amr FROM session_mfa m JOIN tenants t ON t.id = m.tenant_id
             WHERE t.slug = $1 ORDER BY m.mfa_at DESC LIMIT 1",
        )
        .bind(slug)
        .fetch_optional(self.state.pool.connections())
        .await
        .expect("a query")
    }
}

#[tokio::test]
async fn a_member_signs_in_through_their_tenants_mfa_and_only_then_gets_in() {
    let app = spawn_app().await;
    app.security_defaults_on("woodgrove").await;

    let signed_in = app.sign_in(MEGAN, common::DEMO_PASSWORD, None).await;
    assert_eq!(
        signed_in.headers()["location"],
        "/mfa/verify?tenant=woodgrove&next=%2Fmyapps"
    );
    let cookie = session_cookie(&signed_in).expect("a session");
    let refused = app.call("my_apps", &[], Some(&cookie)).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app_error(refused).await, AppError::MfaRequired);
    let page = app.page("/myapps", Some(&cookie)).await;
    assert_eq!(
        page.headers()["location"],
        "/mfa/verify?tenant=&next=%2Fmyapps"
    );

    // The MFA steps answer, for her own tenant (also named by no slug).
    let context: MfaContext = app
        .fetch("mfa_for_tenant", &[("tenant", "")], Some(&cookie))
        .await;
    assert_eq!(
        (context.tenant_slug.as_str(), context.has_methods),
        ("woodgrove", false)
    );
    let form = [("tenant", "woodgrove"), ("name", "Phone")];
    let setup: TotpSetupView = app.fetch("totp_begin", &form, Some(&cookie)).await;
    let secret = app::mfa::ssr::totp::TotpSecret::from_base32(&setup.secret_text).unwrap();
    let code = app::mfa::ssr::totp::code_at(&secret, app.clock.now());
    let form = [
        ("tenant", "woodgrove"),
        ("method_id", setup.method_id.as_str()),
        ("code", code.as_str()),
    ];
    let confirmed = app.call("totp_confirm", &form, Some(&cookie)).await;
    let cookie = session_cookie(&confirmed).expect("the session rotates");
    let done: ProofUpDone = confirmed.json().await.expect("the codes");
    assert_eq!(done.recovery_codes.len(), 10);

    let apps: MyAppsOverview = app.fetch("my_apps", &[], Some(&cookie)).await;
    assert_eq!(apps.upn, MEGAN);
    let amr = app.newest_mfa_amr("woodgrove").await.expect("an MFA");
    assert_eq!(amr, r#"["otp","mfa"]"#, "the home session's MFA");

    // The next sign-in is challenged.
    app.clock.advance(30);
    let again = app.sign_in(MEGAN, common::DEMO_PASSWORD, None).await;
    assert_eq!(
        again.headers()["location"],
        "/mfa/verify?tenant=woodgrove&next=%2Fmyapps"
    );
    let cookie = session_cookie(&again).expect("a session");
    let code = app::mfa::ssr::totp::code_at(&secret, app.clock.now());
    let form = [
        ("tenant", "woodgrove"),
        ("code", code.as_str()),
        ("next", "/myapps"),
    ];
    let passed = app.call("mfa_verify", &form, Some(&cookie)).await;
    let cookie = session_cookie(&passed).expect("the session rotates");
    let apps: MyAppsOverview = app.fetch("my_apps", &[], Some(&cookie)).await;
    assert_eq!(apps.upn, MEGAN);
}

#[tokio::test]
async fn without_security_defaults_or_for_another_tenants_member_the_password_is_enough() {
    let app = spawn_app().await;
    app.security_defaults_on("contoso").await;
    let signed_in = app.sign_in(MEGAN, common::DEMO_PASSWORD, None).await;
    assert_eq!(signed_in.headers()["location"], "/myapps");
    let cookie = session_cookie(&signed_in).expect("a session");
    let apps: MyAppsOverview = app.fetch("my_apps", &[], Some(&cookie)).await;
    assert_eq!(apps.upn, MEGAN);
    assert_eq!(app.newest_mfa_amr("woodgrove").await, None);
}

#[tokio::test]
async fn a_member_who_owes_the_mfa_cannot_invite_yet() {
    let app = spawn_app().await;
    app.security_defaults_on("woodgrove").await;
    let cookie = app.signed_in(MEGAN).await;
    let form = [("slug", "woodgrove"), ("email", "someone@example.test")];
    let refused = app.call("invite_guest", &form, Some(&cookie)).await;
    assert_eq!(app_error(refused).await, AppError::MfaRequired);
    assert_eq!(app.audit_count("invitation.create", "success").await, 0);
}
