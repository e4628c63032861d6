//! `/demo/foo`, the demo application's relying party (DESIGN §7): a
//! newcomer signs in to Foo through Woodgrove, passing Woodgrove's MFA
//! (Foo requires it), and sees the ID token's claims.

mod common;

use reqwest::header::COOKIE;
use reqwest::{Response, StatusCode};

use app::ssr::clock::Clock;
use common::{location, next_of, session_cookie, set_cookies, spawn_app, TestApp};

/// GETs `path` with these cookies.
async fn get(app: &TestApp, path: &str, cookies: &[&str]) -> Response {
    app.client
        .get(app.url(path))
        .header(COOKIE, cookies.join("; "))
        .send()
        .await
        .expect("request")
}

/// Starts a sign-in to Foo: the authorization request and Foo's cookie.
async fn start(app: &TestApp) -> (String, String) {
    let response = get(app, "/demo/foo", &[]).await;
    let authorize = location(&response);
    assert!(
        authorize.starts_with("/woodgrove/oauth2/v2.0/authorize?"),
        "{authorize}"
    );
    let pending = set_cookies(&response)
        .into_iter()
        .find(|cookie| cookie.starts_with("demo_foo_pending="))
        .and_then(|cookie| cookie.split(';').next().map(str::to_owned))
        .expect("Foo keeps its sign-in in a cookie");
    (authorize, pending)
}

#[tokio::test]
async fn a_newcomer_signs_in_to_foo_through_woodgroves_mfa_and_sees_the_claims() {
    let app = spawn_app().await;
    let (authorize, pending) = start(&app).await;
    let megan = app.signed_in("megan@woodgrove.test").await;
    let setup = location(&get(&app, &authorize, &[&megan]).await);
    assert!(
        setup.starts_with("/mfa/setup?tenant=woodgrove"),
        "Foo requires MFA: {setup}"
    );

    let view: app::mfa::TotpSetupView = app
        .fetch(
            "totp_begin",
            &[("tenant", "woodgrove"), ("name", "Phone")],
            Some(&megan),
        )
        .await;
    let secret = app::mfa::ssr::totp::TotpSecret::from_base32(&view.secret_text).expect("base32");
    let code = app::mfa::ssr::totp::code_at(&secret, app.clock.now());
    let form = [
        ("tenant", "woodgrove"),
        ("method_id", view.method_id.as_str()),
        ("code", code.as_str()),
    ];
    let confirmed = app.call("totp_confirm", &form, Some(&megan)).await;
    let megan = session_cookie(&confirmed).expect("the session rotates");

    let callback = location(&get(&app, &next_of(&setup), &[&megan]).await);
    let callback = callback
        .strip_prefix(app.base.as_str())
        .unwrap_or_else(|| panic!("back at Foo: {callback}"))
        .to_owned();
    assert!(
        callback.starts_with("/demo/foo/callback?code="),
        "{callback}"
    );

    let without_cookie = get(&app, &callback, &[]).await;
    assert_eq!(without_cookie.status(), StatusCode::BAD_REQUEST);
    let page = get(&app, &callback, &[&pending]).await;
    let status = page.status();
    let html = page.text().await.expect("page");
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains(r#"<span id="foo-upn">megan@woodgrove.test</span>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<code id="foo-amr">["pwd","mfa","otp"]</code>"#),
        "{html}"
    );

    // The code was used: the same answer again is refused.
    let again = get(&app, &callback, &[&pending]).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn an_answer_for_another_sign_in_is_refused() {
    let app = spawn_app().await;
    let (_, pending) = start(&app).await;
    let forged = get(
        &app,
        "/demo/foo/callback?code=abc&state=not-mine",
        &[&pending],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::BAD_REQUEST);
    assert!(forged
        .text()
        .await
        .expect("page")
        .contains("not this sign-in"));
}

#[tokio::test]
async fn foo_exists_in_demo_mode_only() {
    let app = TestApp::builder().demo(false).start().await;
    assert_eq!(
        get(&app, "/demo/foo", &[]).await.status(),
        StatusCode::NOT_FOUND
    );
}
