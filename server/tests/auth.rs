//! Signing in and out against the real server: DESIGN §5's session and
//! password rules.

mod common;

use common::wire::AppError;
use common::{app_error, session_cookie, set_cookies, spawn_app, TestApp, DEMO_PASSWORD};
use reqwest::StatusCode;

/// Megan signs in: the reply and the `Set-Cookie` header of its session.
async fn megan_signs_in(app: &TestApp) -> (reqwest::Response, String) {
    let response = app
        .sign_in("megan@woodgrove.test", DEMO_PASSWORD, None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = set_cookies(&response)
        .into_iter()
        .find(|c| c.contains("gatehouse_session="))
        .expect("a session cookie");
    (response, cookie)
}

#[tokio::test]
async fn a_member_signs_in_with_a_fresh_http_only_lax_session_cookie() {
    let app = spawn_app().await;
    let (response, cookie) = megan_signs_in(&app).await;
    assert!(cookie.starts_with("gatehouse_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain http has no Secure cookies: {cookie}"
    );
    let value = session_cookie(&response).unwrap();
    // 128 random bits, base64url without padding.
    assert_eq!(value.trim_start_matches("gatehouse_session=").len(), 22);
    assert_eq!(
        app.current_upn(&value).await.as_deref(),
        Some("megan@woodgrove.test")
    );
    assert_eq!(app.audit_count("signin", "success").await, 1);
}

#[tokio::test]
async fn sign_in_sends_members_to_my_apps_and_admins_to_their_portal() {
    let app = spawn_app().await;
    let member = app
        .sign_in("megan@woodgrove.test", DEMO_PASSWORD, None)
        .await;
    assert_eq!(member.headers()["location"], "/myapps");
    let admin = app
        .sign_in("admin@woodgrove.test", DEMO_PASSWORD, None)
        .await;
    assert_eq!(admin.headers()["location"], "/t/woodgrove/admin/users");
    let next = app
        .call(
            "sign_in",
            &[
                ("upn", "admin@woodgrove.test"),
                ("password", DEMO_PASSWORD),
                ("next", "/myapps"),
            ],
            None,
        )
        .await;
    assert_eq!(next.headers()["location"], "/myapps");
}

#[tokio::test]
async fn a_next_that_leaves_the_site_is_ignored() {
    let app = spawn_app().await;
    for next in ["https://evil.test/", "//evil.test/x", "/\\evil.test"] {
        let response = app
            .call(
                "sign_in",
                &[
                    ("upn", "megan@woodgrove.test"),
                    ("password", DEMO_PASSWORD),
                    ("next", next),
                ],
                None,
            )
            .await;
        assert_eq!(response.headers()["location"], "/myapps", "next = {next}");
    }
}

#[tokio::test]
async fn unknown_user_and_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;
    let wrong = app
        .sign_in("megan@woodgrove.test", "not her password", None)
        .await;
    let unknown = app
        .sign_in("nobody@woodgrove.test", "not her password", None)
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert!(session_cookie(&wrong).is_none() && session_cookie(&unknown).is_none());
    let wrong = wrong.text().await.unwrap();
    assert_eq!(wrong, unknown.text().await.unwrap());
    let error: AppError = serde_json::from_str(&wrong).unwrap();
    assert_eq!(error, AppError::InvalidCredentials);
    assert_eq!(app.audit_count("signin", "failure").await, 2);
}

#[tokio::test]
async fn malformed_sign_in_fields_name_the_field_and_change_nothing() {
    let app = spawn_app().await;
    let response = app.sign_in("not a user name", DEMO_PASSWORD, None).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(app_error(response).await.for_field("upn").is_some());
    let response = app.sign_in("megan@woodgrove.test", "", None).await;
    assert!(app_error(response).await.for_field("password").is_some());
    let response = app
        .call("sign_in", &[("upn", "megan@woodgrove.test")], None)
        .await;
    assert_eq!(
        response.status(),
        StatusCode::BAD_REQUEST,
        "a missing field"
    );
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(app.state.pool.connections())
        .await
        .unwrap();
    assert_eq!(sessions, 0);
}

#[tokio::test]
async fn signing_in_again_rotates_the_session_id_and_kills_the_old_one() {
    let app = spawn_app().await;
    let first = app.signed_in("megan@woodgrove.test").await;
    let response = app
        .sign_in("admin@woodgrove.test", DEMO_PASSWORD, Some(&first))
        .await;
    let second = session_cookie(&response).expect("a new cookie");
    assert_ne!(first, second);
    assert_eq!(
        app.current_upn(&first).await,
        None,
        "the old id no longer works"
    );
    assert_eq!(
        app.current_upn(&second).await.as_deref(),
        Some("admin@woodgrove.test")
    );
}

#[tokio::test]
async fn signing_out_revokes_the_session_on_the_server() {
    let app = spawn_app().await;
    let cookie = app.signed_in("megan@woodgrove.test").await;
    let response = app.call("sign_out", &[], Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cleared = set_cookies(&response);
    assert!(
        cleared
            .iter()
            .any(|c| c.starts_with("gatehouse_session=;") && c.contains("Max-Age=0")),
        "{cleared:?}"
    );
    // Replaying the old cookie (as a stolen copy would) finds no session.
    assert_eq!(app.current_upn(&cookie).await, None);
    let revoked: Option<i64> = sqlx::query_scalar("SELECT revoked_at FROM sessions")
        .fetch_one(app.state.pool.connections())
        .await
        .unwrap();
    assert!(revoked.is_some());
}

#[tokio::test]
async fn a_session_ends_after_its_lifetime() {
    let app = spawn_app().await;
    let cookie = app.signed_in("megan@woodgrove.test").await;
    app.clock
        .advance(app::auth::ssr::session::SESSION_LIFETIME_SECS - 1);
    assert!(app.current_upn(&cookie).await.is_some());
    app.clock.advance(1);
    assert_eq!(app.current_upn(&cookie).await, None);
}

#[tokio::test]
async fn the_session_cookie_is_secure_when_the_public_url_is_https() {
    let app = TestApp::builder()
        .public_url("https://localhost:{port}")
        .start()
        .await;
    let (_, cookie) = megan_signs_in(&app).await;
    assert!(cookie.starts_with("__Host-gatehouse_session="), "{cookie}");
    let attributes: Vec<&str> = cookie.split("; ").skip(1).collect();
    for expected in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(attributes.contains(&expected), "{expected} in {cookie}");
    }
}

#[tokio::test]
async fn the_database_holds_only_a_hash_of_the_session_id() {
    let app = spawn_app().await;
    let cookie = app.signed_in("megan@woodgrove.test").await;
    let id = cookie.trim_start_matches("gatehouse_session=");
    let stored: String = sqlx::query_scalar("SELECT id_hash FROM sessions")
        .fetch_one(app.state.pool.connections())
        .await
        .unwrap();
    assert_ne!(stored, id);
    assert_eq!(stored, app::ssr::crypto::token_hash(id));
}

#[tokio::test]
async fn ten_wrong_passwords_lock_the_account_and_the_address_until_fifteen_minutes_pass() {
    let app = spawn_app().await;
    let refused = |response: reqwest::Response| async move {
        assert_eq!(app_error(response).await, AppError::InvalidCredentials);
    };
    for _ in 0..10 {
        // Past each delay, so that every attempt is counted.
        app.clock.advance(300);
        refused(
            app.sign_in("megan@woodgrove.test", "not her password", None)
                .await,
        )
        .await;
    }
    app.clock.advance(60);
    // The right password gets the same answer while locked, for this
    // account and for anyone else from the same address.
    refused(
        app.sign_in("megan@woodgrove.test", DEMO_PASSWORD, None)
            .await,
    )
    .await;
    refused(
        app.sign_in("admin@woodgrove.test", DEMO_PASSWORD, None)
            .await,
    )
    .await;
    #[derive(serde::Deserialize)]
    struct Refusal {
        reason: String,
    }
    let reasons: Vec<String> = app
        .audit_events("signin")
        .await
        .iter()
        .map(|event| event.detail::<Refusal>().reason)
        .collect();
    assert_eq!(
        reasons
            .iter()
            .filter(|reason| *reason == "throttled")
            .count(),
        2,
        "{reasons:?}"
    );
    app.clock.advance(15 * 60);
    let response = app
        .sign_in("megan@woodgrove.test", DEMO_PASSWORD, None)
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the lock lifts by itself"
    );
    assert!(session_cookie(&response).is_some());
}

#[tokio::test]
async fn the_right_password_clears_the_failures_counted_before_it() {
    let app = spawn_app().await;
    let wrong = async || {
        // Past any delay, so that every attempt is counted.
        app.clock.advance(300);
        let response = app
            .sign_in("megan@woodgrove.test", "not her password", None)
            .await;
        assert_eq!(app_error(response).await, AppError::InvalidCredentials);
    };
    for _ in 0..4 {
        wrong().await;
    }
    app.clock.advance(300);
    app.signed_in("megan@woodgrove.test").await;
    for _ in 0..4 {
        wrong().await;
    }
    // Four in a row hold nothing back. Had the first four not been
    // cleared, eight would: the right password would wait two minutes.
    let response = app
        .sign_in("megan@woodgrove.test", DEMO_PASSWORD, None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(session_cookie(&response).is_some());
}

#[tokio::test]
async fn a_refused_sign_in_posted_before_the_wasm_loads_comes_back_to_the_page_saying_why() {
    let app = spawn_app().await;
    let page = "/signin?next=%2Fmyapps";
    let response = app
        .post_before_wasm(
            "sign_in",
            &[("upn", "megan@woodgrove.test"), ("password", "not it")],
            None,
            page,
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(session_cookie(&response).is_none(), "not signed in");
    let html = app.follow_back(&response, None).await;
    assert!(
        html.contains("The user name or password is incorrect."),
        "the refusal is on the sign-in page: {html}"
    );
}
