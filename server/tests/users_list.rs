//! The Users list with MFA methods (DESIGN §3.4, §4; issue 9) through the
//! REST API and the portal: who `hasMethods`, `userType` and `search` let
//! through, the `methods` of each user, and bad values refused with a 400.

mod common;

use app::domain::{DisplayName, TotpCode, Upn};
use app::mfa::ssr::methods::{begin_totp, confirm_totp};
use app::mfa::ssr::totp::{code_at, TotpSecret};
use app::ssr::clock::Clock as _;
use app::ssr::Actor;
use app::users::ssr::User as StoredUser;
use common::wire::UserPage;
use common::{api_error, spawn_app, TestApp};
use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret;
use server::graph::{Page, User, UserMethods};

/// The user `upn` as the services see it.
async fn stored(app: &TestApp, upn: &str) -> StoredUser {
    let mut conn = app.state.pool.acquire().await.unwrap();
    let upn = Upn::parse(upn).unwrap();
    app::users::ssr::find_credentials_by_upn(&mut conn, &upn)
        .await
        .unwrap()
        .expect("an enabled user")
        .0
}

/// Starts setting up an authenticator app for `user`; finishes it (the app's
/// first code) when `confirm`. No page sets up another user's methods: the
/// MFA services do, as proof-up does.
async fn authenticator_app(app: &TestApp, user: &StoredUser, confirm: bool) {
    let state = &app.state;
    let now = app.clock.now();
    let tenant = {
        let mut conn = state.pool.acquire().await.unwrap();
        app::tenants::ssr::find_tenant_by_id(&mut conn, &user.tenant_id)
            .await
            .unwrap()
            .unwrap()
    };
    let name = DisplayName::parse("Phone").unwrap();
    let enrolment = begin_totp(&state.pool, &state.secret_key, &tenant, user, &name, now)
        .await
        .unwrap();
    if !confirm {
        return;
    }
    let secret = TotpSecret::from_base32(enrolment.secret_text.expose_secret()).unwrap();
    let code = TotpCode::parse(&code_at(&secret, now)).unwrap();
    confirm_totp(
        &state.pool,
        &state.secret_key,
        user,
        &enrolment.method_id,
        &code,
        &Actor::cli(),
        now,
    )
    .await
    .unwrap();
}

fn upns(page: &Page<User>) -> Vec<&str> {
    page.value
        .iter()
        .map(|user| user.user_principal_name.as_str())
        .collect()
}

#[tokio::test]
async fn has_methods_lists_who_has_an_active_method_and_each_users_methods() {
    let app = spawn_app().await;
    // The admin proofs up with an authenticator app to make the token.
    let token = app.api_token("woodgrove").await;
    let megan = stored(&app, "megan@woodgrove.test").await;
    authenticator_app(&app, &megan, true).await;
    app.invite("woodgrove", "bob@fabrikam.test").await;
    let bob = stored(&app, "bob_fabrikam.test#EXT#@woodgrove.test").await;
    // Bob starts an app and never types its first code: no method yet.
    authenticator_app(&app, &bob, false).await;

    let with: Page<User> = app.api_get("/api/v1/users?hasMethods=true", &token).await;
    assert_eq!(
        upns(&with),
        ["megan@woodgrove.test", "admin@woodgrove.test"],
        "by display name: Megan Bowen, Woodgrove Admin"
    );
    let at = server::graph::date_time(app.clock.now());
    assert_eq!(with.value[0].methods, ["totp", "recoveryCodes"]);
    assert_eq!(
        with.value[0].method_details,
        [
            UserMethods {
                count: 1,
                last_used_date_time: Some(at),
                kind: "totp".into(),
            },
            UserMethods {
                count: 10,
                last_used_date_time: None,
                kind: "recoveryCodes".into(),
            },
        ]
    );
    assert_eq!(with.next, None);

    let without: Page<User> = app.api_get("/api/v1/users?hasMethods=false", &token).await;
    assert_eq!(upns(&without), ["bob_fabrikam.test#EXT#@woodgrove.test"]);
    assert!(without.value[0].methods.is_empty());
    assert!(without.value[0].method_details.is_empty());

    let guests_with: Page<User> = app
        .api_get("/api/v1/users?hasMethods=true&userType=Guest", &token)
        .await;
    assert_eq!(upns(&guests_with), Vec::<&str>::new());
    let members_with: Page<User> = app
        .api_get("/api/v1/users?userType=Member&hasMethods=true", &token)
        .await;
    assert_eq!(upns(&members_with), upns(&with));

    // Bob finishes setting up an app: now he has one.
    authenticator_app(&app, &bob, true).await;
    let guests_with: Page<User> = app
        .api_get("/api/v1/users?hasMethods=true&userType=Guest", &token)
        .await;
    assert_eq!(
        upns(&guests_with),
        ["bob_fabrikam.test#EXT#@woodgrove.test"]
    );
}

#[tokio::test]
async fn search_finds_a_prefix_of_the_upn_name_or_mail_in_the_callers_tenant_only() {
    let app = spawn_app().await;
    let token = app.api_token("woodgrove").await;
    app.invite("woodgrove", "robert@fabrikam.test").await;
    let robert = "robert_fabrikam.test#EXT#@woodgrove.test";
    for (query, expected) in [
        ("search=MEG", vec!["megan@woodgrove.test"]),
        ("search=megan%20b", vec!["megan@woodgrove.test"]),
        ("search=robert%40fab", vec![robert]),
        ("search=Robert_Fabrikam.test%23EXT%23", vec![robert]),
        ("search=w&userType=Member", vec!["admin@woodgrove.test"]),
        ("search=bowen", vec![]),
        ("search=alice", vec![]),
        (
            "search=%20%20",
            vec!["megan@woodgrove.test", robert, "admin@woodgrove.test"],
        ),
    ] {
        let found: Page<User> = app.api_get(&format!("/api/v1/users?{query}"), &token).await;
        assert_eq!(upns(&found), expected, "{query}");
    }
    let contoso = app.api_token("contoso").await;
    let found: Page<User> = app.api_get("/api/v1/users?search=meg", &contoso).await;
    assert_eq!(upns(&found), Vec::<&str>::new(), "another tenant's user");
}

#[tokio::test]
async fn bad_query_values_are_a_400_in_the_error_shape() {
    let app = spawn_app().await;
    let token = app.api_token("woodgrove").await;
    let long = "x".repeat(257);
    for (query, says) in [
        ("hasMethods=maybe", "query string"),
        ("hasMethods=1", "query string"),
        ("hasMethods=", "query string"),
        ("userType=guest", "user type"),
        ("userType=Robot", "user type"),
        ("cursor=not-a-cursor", "cursor"),
        ("cursor=bWVnYW4", "cursor"),
        (&format!("search={long}"), "at most 256 characters"),
        ("search=bob%00", "control characters"),
        ("top=5", "top"),
    ] {
        let response = app
            .api(Method::GET, &format!("/api/v1/users?{query}"), &token)
            .send()
            .await
            .unwrap();
        let error = api_error(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(error.code, "invalidInput", "{query}");
        assert!(error.message.contains(says), "{query}: {}", error.message);
    }
}

#[tokio::test]
async fn the_users_page_shows_methods_keeps_its_filters_in_the_url_and_links_each_user() {
    let app = spawn_app().await;
    let cookie = app.admin_session("admin@woodgrove.test").await;
    let admin = stored(&app, "admin@woodgrove.test").await;

    let page = app
        .page("/t/woodgrove/admin/users?hasMethods=true", Some(&cookie))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(r#"data-upn="admin@woodgrove.test""#),
        "{html}"
    );
    assert!(
        !html.contains(r#"data-upn="megan@woodgrove.test""#),
        "{html}"
    );
    assert!(
        html.contains(&format!(r#"href="/t/woodgrove/admin/users/{}""#, admin.id)),
        "the UPN links to the user's page: {html}"
    );
    assert!(html.contains(r#"data-method="totp""#), "{html}");
    assert!(html.contains("Recovery codes: 10 left"), "{html}");
    // The other filters keep the current one.
    assert!(
        html.contains(r#"href="?userType=Guest&amp;hasMethods=true""#),
        "{html}"
    );

    let page = app
        .page("/t/woodgrove/admin/users?search=MEG", Some(&cookie))
        .await;
    let html = page.text().await.unwrap();
    assert!(
        html.contains(r#"data-upn="megan@woodgrove.test""#),
        "{html}"
    );
    assert!(
        !html.contains(r#"data-upn="admin@woodgrove.test""#),
        "{html}"
    );

    let page = app
        .page("/t/woodgrove/admin/users?hasMethods=maybe", Some(&cookie))
        .await;
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);

    // The server function the page calls, with the same filters.
    let form = [
        ("slug", "woodgrove"),
        ("user_type", "Member"),
        ("has_methods", "false"),
    ];
    let listed: UserPage = app.fetch("list_users", &form, Some(&cookie)).await;
    let upns: Vec<&str> = listed.users.iter().map(|user| user.upn.as_str()).collect();
    assert_eq!(upns, ["megan@woodgrove.test"]);
    assert_eq!(listed.users[0].methods, []);
}

#[tokio::test]
async fn a_disabled_user_is_marked_in_the_list_the_api_and_the_page() {
    let app = spawn_app().await;
    let token = app.api_token("woodgrove").await;
    let cookie = app.admin_session("admin@woodgrove.test").await;
    let disabled = app
        .api(Method::PATCH, "/api/v1/users/megan@woodgrove.test", &token)
        .json(&serde_json::json!({ "accountEnabled": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(disabled.status(), StatusCode::OK);

    let listed: Page<User> = app.api_get("/api/v1/users?userType=Member", &token).await;
    let enabled: Vec<(&str, bool)> = listed
        .value
        .iter()
        .map(|user| (user.user_principal_name.as_str(), user.account_enabled))
        .collect();
    assert_eq!(
        enabled,
        [
            ("megan@woodgrove.test", false),
            ("admin@woodgrove.test", true)
        ]
    );

    let form = [("slug", "woodgrove"), ("user_type", "Member")];
    let page: UserPage = app.fetch("list_users", &form, Some(&cookie)).await;
    let enabled: Vec<(&str, bool)> = page
        .users
        .iter()
        .map(|user| (user.upn.as_str(), user.account_enabled))
        .collect();
    assert_eq!(
        enabled,
        [
            ("megan@woodgrove.test", false),
            ("admin@woodgrove.test", true)
        ]
    );
    let html = app
        .page("/t/woodgrove/admin/users?userType=Member", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    let row = |upn: &str| {
        let start = html.find(&format!(r#"data-upn="{upn}""#)).expect("a row");
        html[start..]
            .split("</tr>")
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        row("megan@woodgrove.test").contains(r#"<td class="state">Disabled<"#),
        "{html}"
    );
    assert!(
        row("admin@woodgrove.test").contains(r#"<td class="state">—<"#),
        "{html}"
    );
}
