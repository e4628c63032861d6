//! Request-level rules: CSRF origin check, body limit, health, key file.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::wire::AppError;
use common::{app_error, spawn_app, DEMO_PASSWORD};
use reqwest::header::ORIGIN;
use reqwest::StatusCode;

#[tokio::test]
async fn a_state_changing_request_from_another_origin_is_refused() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/sign_in"))
        .header(ORIGIN, "https://evil.test")
        .form(&[("upn", "megan@woodgrove.test"), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(common::session_cookie(&response).is_none());
    assert_eq!(app_error(response).await, AppError::CrossOrigin);
    assert_eq!(
        app.audit_count("signin", "success").await,
        0,
        "nothing happened"
    );
}

#[tokio::test]
async fn a_browser_cross_site_request_without_origin_is_refused() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/sign_out"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_oversized_body_gets_413_and_changes_nothing() {
    let app = spawn_app().await;
    let password = "x".repeat(server::router::MAX_BODY_BYTES + 1);
    let response = app.sign_in("megan@woodgrove.test", &password, None).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.audit_count("signin", "failure").await, 0);
}

#[tokio::test]
async fn a_password_longer_than_any_real_one_is_refused_before_hashing() {
    let app = spawn_app().await;
    let password = "x".repeat(app::domain::MAX_PASSWORD_LEN + 1);
    let response = app.sign_in("megan@woodgrove.test", &password, None).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn healthz_answers_when_the_database_does() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn the_secret_key_file_is_created_readable_by_its_owner_only() {
    let app = spawn_app().await;
    let mode = std::fs::metadata(app.dir.path().join("secret.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[tokio::test]
async fn the_landing_page_shows_the_demo_sign_ins_in_demo_mode() {
    let app = spawn_app().await;
    let html = app.page("/", None).await.text().await.unwrap();
    assert!(html.contains("admin@woodgrove.test"));
    assert!(html.contains(DEMO_PASSWORD));
}

#[tokio::test]
async fn the_database_runs_in_wal_mode_with_foreign_keys() {
    let app = spawn_app().await;
    let mut conn = app.state.pool.acquire().await.unwrap();
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(journal, "wal");
    assert_eq!(foreign_keys, 1);
    assert!(busy >= 1000);
}

#[tokio::test]
async fn the_audit_trail_cannot_be_rewritten() {
    let app = spawn_app().await;
    app.signed_in("megan@woodgrove.test").await;
    let update = sqlx::query("UPDATE audit_events SET outcome = 'failure'")
        .execute(app.state.pool.connections())
        .await;
    assert!(update.is_err());
    let delete = sqlx::query("DELETE FROM audit_events")
        .execute(app.state.pool.connections())
        .await;
    assert!(delete.is_err());
}

#[tokio::test]
async fn password_length_counts_characters_on_every_path() {
    let app = spawn_app().await;
    // 1000 two-byte characters: within the 1024-character limit.
    let password = "é".repeat(1000);
    let response = app.sign_in("megan@woodgrove.test", &password, None).await;
    assert_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "checked, not refused as too long"
    );
}

/// What a link would carry to make a page show a message of its writer's.
fn forged_refusal(message: &str) -> String {
    use base64::Engine as _;
    let error = AppError::Invalid {
        field: String::new(),
        message: message.to_owned(),
    };
    let json = serde_json::to_vec(&error).expect("json");
    base64::engine::general_purpose::URL_SAFE.encode(json)
}

#[tokio::test]
async fn a_refusal_written_into_a_link_is_never_shown() {
    let app = spawn_app().await;
    let lure = "Your password has expired. Reset it at https://evil.test";
    let err = forged_refusal(lure);
    let response = app
        .page(
            &format!("/signin?next=%2Fmyapps&__path=%2Fapi%2Fsign_in&__err={err}"),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = common::location(&response);
    assert_eq!(location, app.url("/signin?next=%2Fmyapps"));
    let page = app.page("/signin?next=%2Fmyapps", None).await;
    assert!(!page.text().await.expect("a page").contains("evil.test"));

    // Nor does a success written into a link.
    let response = app
        .page("/signin?next=%2Fmyapps&__done=%2Fapi%2Fsign_in", None)
        .await;
    assert_eq!(
        common::location(&response),
        app.url("/signin?next=%2Fmyapps")
    );

    // A path that looks like another host stays a path on this one.
    let response = app.page(&format!("//evil.test/?__err={err}"), None).await;
    assert_eq!(common::location(&response), app.url("//evil.test/"));
}

#[tokio::test]
async fn a_refusal_is_shown_once_to_the_browser_that_posted_the_form() {
    use reqwest::header::{ACCEPT, COOKIE};

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
    let back = common::location(&response);
    let vouching = common::set_cookies(&response)
        .into_iter()
        .find(|cookie| cookie.starts_with("gatehouse_outcome="))
        .expect("a cookie vouching for the refusal");
    assert!(vouching.contains("HttpOnly"), "{vouching}");
    let vouching = vouching.split(';').next().expect("name=value").to_owned();

    let shown = app
        .client
        .get(&back)
        .header(ACCEPT, "text/html")
        .header(COOKIE, &vouching)
        .send()
        .await
        .expect("request");
    assert_eq!(shown.status(), StatusCode::OK);
    assert!(
        common::set_cookies(&shown)
            .iter()
            .any(|cookie| cookie.starts_with("gatehouse_outcome=;") && cookie.contains("Max-Age=0")),
        "the cookie is spent"
    );
    let text = shown.text().await.expect("a page");
    assert!(
        text.contains("The user name or password is incorrect."),
        "the refusal is on the page"
    );

    // Another browser (no cookie) following the same address sees the page
    // without it.
    let elsewhere = app
        .client
        .get(&back)
        .header(ACCEPT, "text/html")
        .send()
        .await
        .expect("request");
    assert_eq!(common::location(&elsewhere), app.url(page));
}
