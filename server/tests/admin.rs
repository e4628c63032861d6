//! The admin portal's Users page and its server functions: who may see what
//! (tenant isolation, DESIGN §5) and keyset pagination.

mod common;

use common::wire::{AppError, UserPage};
use common::{app_error, spawn_app};
use reqwest::StatusCode;

#[tokio::test]
async fn a_tenant_admin_sees_their_users_page() {
    let app = spawn_app().await;
    let cookie = app.admin_session("admin@woodgrove.test").await;
    let response = app.page("/t/woodgrove/admin/users", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("megan@woodgrove.test"), "{html}");
    assert!(html.contains("Woodgrove"));
    assert!(
        !html.contains("alice@contoso.test"),
        "another tenant's user leaked"
    );
}

#[tokio::test]
async fn an_admin_of_another_tenant_gets_403_on_page_and_server_functions() {
    let app = spawn_app().await;
    let cookie = app.admin_session("admin@woodgrove.test").await;
    let page = app.page("/t/contoso/admin/users", Some(&cookie)).await;
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    let html = page.text().await.unwrap();
    assert!(html.contains("Access denied"));
    assert!(!html.contains("alice@contoso.test"));
    for function in ["list_users", "admin_context"] {
        let response = app
            .call(function, &[("slug", "contoso")], Some(&cookie))
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{function}");
        assert_eq!(app_error(response).await, AppError::Forbidden, "{function}");
    }
}

#[tokio::test]
async fn a_member_who_is_not_admin_gets_403() {
    let app = spawn_app().await;
    let cookie = app.signed_in("megan@woodgrove.test").await;
    let page = app.page("/t/woodgrove/admin/users", Some(&cookie)).await;
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    let response = app
        .call("list_users", &[("slug", "woodgrove")], Some(&cookie))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn without_a_session_the_page_redirects_to_sign_in_and_the_function_says_401() {
    let app = spawn_app().await;
    let page = app.page("/t/woodgrove/admin/users", None).await;
    assert_eq!(page.status(), StatusCode::FOUND);
    assert_eq!(
        page.headers()["location"],
        "/signin?next=%2Ft%2Fwoodgrove%2Fadmin%2Fusers"
    );
    let response = app.call("list_users", &[("slug", "woodgrove")], None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_unknown_tenant_or_page_is_404() {
    let app = spawn_app().await;
    let cookie = app.admin_session("admin@woodgrove.test").await;
    for path in [
        "/t/fabrikam/admin/users",
        "/t/NOT_A_SLUG/admin/users",
        "/no/such/page",
    ] {
        let page = app.page(path, Some(&cookie)).await;
        assert_eq!(page.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(page.text().await.unwrap().contains("Not found"), "{path}");
    }
    let response = app
        .call("list_users", &[("slug", "fabrikam")], Some(&cookie))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn users_come_50_a_page_ordered_by_display_name_with_a_cursor() {
    let app = spawn_app().await;
    app.set_seats("woodgrove", 24).await;
    let token = app.api_token("woodgrove").await;
    for i in 0..118 {
        app.api_invite(&token, &format!("user{i:03}@fabrikam.test"))
            .await;
    }
    let cookie = app.admin_session("admin@woodgrove.test").await;
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut form = vec![("slug", "woodgrove")];
        if let Some(after) = &after {
            form.push(("after", after));
        }
        let page: UserPage = app.fetch("list_users", &form, Some(&cookie)).await;
        assert!(page.users.len() <= 50);
        seen.extend(
            page.users
                .into_iter()
                .map(|user| (user.display_name.to_lowercase(), user.upn)),
        );
        pages += 1;
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 120, "118 guests, the admin and Megan");
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(
        seen, sorted,
        "ordered by display name, then UPN; no repeats across pages"
    );
    sorted.dedup();
    assert_eq!(sorted.len(), 120);
}

#[tokio::test]
async fn a_malformed_cursor_is_a_clear_400() {
    let app = spawn_app().await;
    let cookie = app.admin_session("admin@woodgrove.test").await;
    let response = app
        .call(
            "list_users",
            &[("slug", "woodgrove"), ("after", "not a upn")],
            Some(&cookie),
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(app_error(response).await.for_field("after").is_some());
}

#[tokio::test]
async fn an_admin_without_mfa_is_sent_to_verify_and_every_admin_function_says_mfa_required() {
    let app = spawn_app().await;
    let cookie = app.signed_in("admin@woodgrove.test").await;
    let page = app.page("/t/woodgrove/admin/users", Some(&cookie)).await;
    assert_eq!(page.status(), StatusCode::FOUND);
    assert_eq!(
        page.headers()["location"],
        "/mfa/verify?tenant=woodgrove&next=%2Ft%2Fwoodgrove%2Fadmin%2Fusers"
    );
    let calls: &[(&str, &[(&str, &str)])] = &[
        ("admin_context", &[]),
        ("list_users", &[]),
        ("list_invitations", &[]),
        ("licensing", &[]),
        ("list_api_tokens", &[]),
        ("create_api_token", &[("name", "x")]),
        ("revoke_api_token", &[("id", "x")]),
        ("resend_invitation", &[("id", "x")]),
        ("revoke_invitation", &[("id", "x")]),
        ("reset_redemption", &[("id", "x")]),
        ("bulk_invite", &[("csv", "email\nbob@fabrikam.test\n")]),
        ("invite_guest", &[("email", "bob@fabrikam.test")]),
        ("tenant_settings", &[]),
        (
            "save_tenant_settings",
            &[("invitation_ttl_days", "7"), ("privacy_url", "")],
        ),
    ];
    for (function, arguments) in calls {
        let mut form = vec![("slug", "woodgrove")];
        form.extend_from_slice(arguments);
        let response = app.call(function, &form, Some(&cookie)).await;
        assert_eq!(
            app_error(response).await,
            AppError::MfaRequired,
            "{function}"
        );
    }
    // A member inviting (the tenant lets members invite) needs no MFA.
    let megan = app.signed_in("megan@woodgrove.test").await;
    let form = [("slug", "woodgrove"), ("email", "bob@fabrikam.test")];
    let response = app.call("invite_guest", &form, Some(&megan)).await;
    assert_eq!(response.status(), StatusCode::OK);
    // Passing MFA opens the portal.
    let admin = app.admin_session("admin@woodgrove.test").await;
    let page = app.page("/t/woodgrove/admin/users", Some(&admin)).await;
    assert_eq!(page.status(), StatusCode::OK);
}

/// Every admin page renders to its end under concurrent load. The frame's
/// access check and the page load their data side by side: a page whose
/// resources were made inside the frame's `Suspense` left a few of these
/// renderings hanging for good (islands mode).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn admin_pages_render_to_the_end_under_concurrent_load() {
    const PAGES: [&str; 3] = ["users", "licensing", "tokens"];
    let app = spawn_app().await;
    let cookie = app.admin_session("admin@woodgrove.test").await;
    let loads = (0..240).map(|n| {
        let (app, cookie) = (&app, &cookie);
        async move {
            let path = format!("/t/woodgrove/admin/{}", PAGES[n % PAGES.len()]);
            let response = app.page(&path, Some(cookie)).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            (path, response.text().await.expect("the whole page"))
        }
    });
    let pages = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        futures::future::join_all(loads),
    )
    .await
    .expect("every page rendered to its end");
    for (path, html) in pages {
        assert!(html.contains("</html>"), "{path}: {html}");
        assert!(html.contains("class=\"admin-nav\""), "{path}: no frame");
    }
}
