//! Just-in-time redemption over HTTP (DESIGN §3.3 step 2): someone invited
//! who signs in to an application without having followed the link is
//! shown the consent page, accepts, and goes back to the sign-in as a guest
//! — the same one transaction as the redeem link's, for the owner of the
//! invited address only.

mod common;

use app::components::encode_query_value;
use common::wire::AppError;
use common::{app_error, spawn_app, ApiInvitation, ApiPage, TestApp};
use reqwest::header::{HeaderMap, COOKIE, LOCATION};
use reqwest::{Response, StatusCode};
use serde::Deserialize;

/// Where the consent page sends the browser back to: the application's
/// sign-in, decided again from the start.
const NEXT: &str = "/woodgrove/oauth2/v2.0/authorize?client_id=foo&state=s1";
const GUEST: &str = "alice_contoso.test#EXT#@woodgrove.test";

fn consent_page() -> String {
    consent_page_to(NEXT)
}

/// The consent page whose form goes on to `next`.
fn consent_page_to(next: &str) -> String {
    format!(
        "/redeem/consent?tenant=woodgrove&next={}",
        encode_query_value(next)
    )
}

/// Woodgrove invites Alice of Contoso (pending); the app and Woodgrove's
/// REST API token.
async fn alice_invited() -> (TestApp, String) {
    let app = spawn_app().await;
    let token = app.api_token("woodgrove").await;
    app.api_invite(&token, "alice@contoso.test").await;
    (app, token)
}

/// Accept in Woodgrove, as the page's own client calls it.
async fn accept(app: &TestApp, next: &str, cookie: Option<&str>) -> Response {
    accept_in(app, "woodgrove", next, cookie).await
}

async fn accept_in(app: &TestApp, tenant: &str, next: &str, cookie: Option<&str>) -> Response {
    let form = [("tenant", tenant), ("next", next)];
    app.call("accept_pending_invitation", &form, cookie).await
}

/// Accept, as a browser posts the form of the consent page that goes on to
/// `next` before the WASM has loaded.
async fn accept_by_plain_form(app: &TestApp, next: &str, cookie: &str) -> Response {
    let form = [("tenant", "woodgrove"), ("next", next)];
    app.post_before_wasm(
        "accept_pending_invitation",
        &form,
        Some(cookie),
        &consent_page_to(next),
    )
    .await
}

/// The user object an application's sign-in to Woodgrove finds for the
/// session `cookie`, as the authorization endpoint looks it up: its UPN.
async fn woodgrove_user(app: &TestApp, cookie: &str) -> Option<String> {
    let mut headers = HeaderMap::new();
    headers.insert(COOKIE, cookie.parse().expect("a cookie"));
    let principal = app::auth::ssr::find_principal(&app.state, &headers)
        .await
        .expect("the session")
        .expect("signed in");
    let mut conn = app.state.pool.acquire().await.expect("a connection");
    let woodgrove: String = sqlx::query_scalar("SELECT id FROM tenants WHERE slug = 'woodgrove'")
        .fetch_one(&mut *conn)
        .await
        .expect("Woodgrove");
    app::users::ssr::find_user_for_identity(&mut conn, &woodgrove, &principal.identity)
        .await
        .expect("the look-up")
        .map(|user| user.upn.as_str().to_owned())
}

/// The state of Woodgrove's invitation and of its guest, as its REST API
/// shows them.
async fn woodgrove_sees(app: &TestApp, token: &str) -> (String, Option<String>) {
    let invitations: ApiPage<ApiInvitation> = app.api_get("/api/v1/invitations", token).await;
    assert_eq!(invitations.value.len(), 1, "{:?}", invitations.value);
    let guest = app.api_guest("woodgrove", GUEST).await;
    (
        invitations.value[0].status.clone(),
        guest.external_user_state,
    )
}

fn pending() -> (String, Option<String>) {
    ("PendingAcceptance".into(), Some("PendingAcceptance".into()))
}

/// The `detail` of a redemption's audit event.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Redeemed {
    just_in_time: bool,
    home_kind: String,
}

#[tokio::test]
async fn an_invited_member_of_another_tenant_consents_and_goes_back_to_the_sign_in_as_a_guest() {
    let (app, token) = alice_invited().await;
    let alice = app.signed_in("alice@contoso.test").await;
    assert_eq!(woodgrove_user(&app, &alice).await, None, "not yet a guest");

    let page = app.page(&consent_page(), Some(&alice)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("the page");
    for shown in [
        "invited you to access applications within Woodgrove",
        "Review permissions",
        "Signed in as Alice Wood (alice@contoso.test).",
        "Woodgrove will be able to see:",
        "your name and e-mail address",
        r#"id="privacy-statement""#,
        r#"name="next""#,
        r#"href="/myapps""#,
    ] {
        assert!(html.contains(shown), "{shown} in {html}");
    }
    assert!(
        html.contains(&NEXT.replace('&', "&amp;")),
        "the way back is in the form: {html}"
    );
    assert_eq!(
        woodgrove_sees(&app, &token).await,
        pending(),
        "opening it changes nothing"
    );

    let accepted = accept_by_plain_form(&app, NEXT, &alice).await;
    assert_eq!(accepted.status(), StatusCode::FOUND);
    assert_eq!(accepted.headers()[LOCATION], NEXT);
    assert_eq!(
        woodgrove_sees(&app, &token).await,
        ("Accepted".into(), Some("Accepted".into()))
    );
    assert_eq!(
        woodgrove_user(&app, &alice).await.as_deref(),
        Some(GUEST),
        "the sign-in now finds the guest: no second sign-in"
    );
    let events = app.audit_events("invitation.redeem").await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].outcome, "success");
    assert_eq!(events[0].actor.as_deref(), Some("alice@contoso.test"));
    let detail: Redeemed = events[0].detail();
    assert!(detail.just_in_time);
    assert_eq!(detail.home_kind, "work");

    // Done once: a second accept is refused, and the page has nothing to offer.
    let again = accept(&app, NEXT, Some(&alice)).await;
    assert!(matches!(app_error(again).await, AppError::NotFound(_)));
    assert_eq!(app.audit_count("invitation.redeem", "success").await, 1);
    assert_eq!(woodgrove_user(&app, &alice).await.as_deref(), Some(GUEST));
    let page = app.page(&consent_page(), Some(&alice)).await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn no_one_but_the_owner_of_the_invited_address_accepts_and_only_to_a_local_path() {
    let (app, token) = alice_invited().await;

    let other = app.signed_in("admin@contoso.test").await;
    let refused = accept(&app, NEXT, Some(&other)).await;
    assert!(matches!(app_error(refused).await, AppError::NotFound(_)));
    let page = app.page(&consent_page(), Some(&other)).await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert_eq!(woodgrove_user(&app, &other).await, None);

    let anonymous = accept(&app, NEXT, None).await;
    assert_eq!(app_error(anonymous).await, AppError::Unauthenticated);
    let page = app.page(&consent_page(), None).await;
    assert!(page.status().is_redirection());
    let to_sign_in = format!("/signin?next={}", encode_query_value(&consent_page()));
    assert_eq!(page.headers()[LOCATION], to_sign_in.as_str());

    let alice = app.signed_in("alice@contoso.test").await;
    for elsewhere in ["https://evil.test/", "//evil.test/", ""] {
        let refused = accept(&app, elsewhere, Some(&alice)).await;
        assert!(
            matches!(app_error(refused).await, AppError::Invalid { field, .. } if field == "next"),
            "{elsewhere}"
        );
    }
    let unknown = accept_in(&app, "nowhere", NEXT, Some(&alice)).await;
    assert!(matches!(app_error(unknown).await, AppError::NotFound(_)));
    assert_eq!(
        woodgrove_sees(&app, &token).await,
        pending(),
        "nothing changed"
    );
    assert_eq!(app.audit_count("invitation.redeem", "failure").await, 1);

    // The page's own client is told where to go in the answer's header.
    let accepted = accept(&app, NEXT, Some(&alice)).await;
    assert_eq!(accepted.status(), StatusCode::OK);
    assert_eq!(accepted.headers()[LOCATION], NEXT);
    assert_eq!(woodgrove_user(&app, &alice).await.as_deref(), Some(GUEST));
}

#[tokio::test]
async fn a_consent_refused_before_the_wasm_loads_comes_back_to_the_page_saying_why() {
    let (app, token) = alice_invited().await;
    let alice = app.signed_in("alice@contoso.test").await;
    // Alice's own page, opened from a link whose way on leaves the site:
    // anyone else's post comes back to a page that is not found for them,
    // with no form to show a refusal beside.
    let refused = accept_by_plain_form(&app, "https://evil.test/", &alice).await;
    assert_eq!(refused.status(), StatusCode::SEE_OTHER);
    let html = app.follow_back(&refused, Some(&alice)).await;
    assert!(
        html.contains("Where to go next must be a path on this site."),
        "the refusal is on the consent page: {html}"
    );
    assert_eq!(woodgrove_sees(&app, &token).await, pending());
    assert_eq!(woodgrove_user(&app, &alice).await, None, "not a guest");
}
