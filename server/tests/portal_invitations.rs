//! The portal's invitation server functions: who may invite, list, re-send
//! and revoke; the invitation e-mail; the Licensing summary.

mod common;

use common::{spawn_app, TestApp};
use reqwest::StatusCode;
use serde_json::Value;

async fn outbox_to(app: &TestApp, email: &str) -> Vec<app::mail::ssr::OutboxEntry> {
    let mails = app::mail::ssr::list_outbox(&app.state.pool, &app.state.secret_key, 100)
        .await
        .unwrap();
    mails.into_iter().filter(|mail| mail.to == email).collect()
}

#[tokio::test]
async fn an_admin_invites_in_the_portal_and_the_mail_carries_the_link() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin@woodgrove.test").await;
    let form = [
        ("slug", "woodgrove"),
        ("email", "bob@fabrikam.test"),
        ("display_name", "Bob"),
        ("message", "<b>Welcome</b> aboard"),
        ("send_email", "on"),
    ];
    let response = app.call("invite_guest", &form, Some(&admin)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let invited: Value = response.json().await.unwrap();
    assert_eq!(
        invited["guest_upn"],
        "bob_fabrikam.test#EXT#@woodgrove.test"
    );
    assert_eq!(
        invited["redeem_url"],
        Value::Null,
        "an e-mailed link is not shown"
    );

    let mails = outbox_to(&app, "bob@fabrikam.test").await;
    assert_eq!(mails.len(), 1);
    assert_eq!(
        mails[0].subject,
        "Woodgrove Admin invited you to access applications within Woodgrove"
    );
    let body = mails[0].body.as_ref().unwrap();
    assert!(body.text.contains(&format!("{}/redeem?ticket=", app.base)));
    assert!(
        body.html.contains("&lt;b&gt;Welcome&lt;/b&gt;"),
        "the message is text, escaped in HTML"
    );
    let stored: Vec<u8> = sqlx::query_scalar("SELECT sealed_body FROM outbox")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&stored).contains("redeem?ticket="),
        "the link is sealed at rest"
    );
}

#[tokio::test]
async fn without_e_mail_the_portal_shows_the_redeem_link_once() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin@woodgrove.test").await;
    let form = [("slug", "woodgrove"), ("email", "bob@fabrikam.test")];
    let invited: Value = app
        .call("invite_guest", &form, Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert!(invited["redeem_url"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{}/redeem?ticket=", app.base)));
    assert!(outbox_to(&app, "bob@fabrikam.test").await.is_empty());
    let bad = app
        .call(
            "invite_guest",
            &[("slug", "woodgrove"), ("email", "nope")],
            Some(&admin),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["Invalid"]["field"], "email");
}

#[tokio::test]
async fn members_invite_only_when_the_tenant_lets_them() {
    let app = spawn_app().await;
    let megan = app.signed_in("megan@woodgrove.test").await;
    let form = [("slug", "woodgrove"), ("email", "bob@fabrikam.test")];
    assert_eq!(
        app.call("invite_guest", &form, Some(&megan)).await.status(),
        StatusCode::OK
    );
    let page = app.page("/t/woodgrove/invite", Some(&megan)).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Invite a guest"));
    // Members may invite, but not administer invitations.
    let list = app
        .call("list_invitations", &[("slug", "woodgrove")], Some(&megan))
        .await;
    assert_eq!(list.status(), StatusCode::FORBIDDEN);

    sqlx::query("UPDATE tenants SET members_can_invite = 0 WHERE slug = 'woodgrove'")
        .execute(&app.state.pool)
        .await
        .unwrap();
    let form = [("slug", "woodgrove"), ("email", "carol@fabrikam.test")];
    assert_eq!(
        app.call("invite_guest", &form, Some(&megan)).await.status(),
        StatusCode::FORBIDDEN
    );
    let admin = app.signed_in("admin@woodgrove.test").await;
    assert_eq!(
        app.call("invite_guest", &form, Some(&admin)).await.status(),
        StatusCode::OK,
        "admins always may"
    );
}

#[tokio::test]
async fn another_tenants_admin_cannot_touch_these_invitations() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin@woodgrove.test").await;
    app.call(
        "invite_guest",
        &[("slug", "woodgrove"), ("email", "bob@fabrikam.test")],
        Some(&admin),
    )
    .await;
    let list: Value = app
        .call("list_invitations", &[("slug", "woodgrove")], Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    let id = list["rows"][0]["id"].as_str().unwrap().to_owned();

    let contoso = app.signed_in("admin@contoso.test").await;
    for (function, form) in [
        (
            "invite_guest",
            vec![("slug", "woodgrove"), ("email", "eve@fabrikam.test")],
        ),
        ("list_invitations", vec![("slug", "woodgrove")]),
        (
            "resend_invitation",
            vec![("slug", "woodgrove"), ("id", id.as_str())],
        ),
        (
            "revoke_invitation",
            vec![("slug", "woodgrove"), ("id", id.as_str())],
        ),
        ("licensing", vec![("slug", "woodgrove")]),
    ] {
        let response = app.call(function, &form, Some(&contoso)).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{function}");
    }
    // Their own slug does not reach Woodgrove's invitation either.
    let response = app
        .call(
            "revoke_invitation",
            &[("slug", "contoso"), ("id", &id)],
            Some(&contoso),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let status: String = sqlx::query_scalar("SELECT status FROM invitations")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(status, "PendingAcceptance");
}

#[tokio::test]
async fn resend_mails_a_new_link_and_revoke_kills_it() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin@woodgrove.test").await;
    let form = [
        ("slug", "woodgrove"),
        ("email", "bob@fabrikam.test"),
        ("send_email", "on"),
    ];
    app.call("invite_guest", &form, Some(&admin)).await;
    let list: Value = app
        .call("list_invitations", &[("slug", "woodgrove")], Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    let id = list["rows"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(list["rows"][0]["status"], "PendingAcceptance");

    let resent = app
        .call(
            "resend_invitation",
            &[("slug", "woodgrove"), ("id", &id)],
            Some(&admin),
        )
        .await;
    assert_eq!(resent.status(), StatusCode::OK);
    let mails = outbox_to(&app, "bob@fabrikam.test").await;
    assert_eq!(mails.len(), 2);
    let link = |mail: &app::mail::ssr::OutboxEntry| {
        let text = &mail.body.as_ref().unwrap().text;
        let at = text.find("ticket=").unwrap() + "ticket=".len();
        text[at..at + 43].to_owned()
    };
    let (newest, oldest) = (link(&mails[0]), link(&mails[1]));
    assert_ne!(newest, oldest);
    assert_eq!(
        app.call("redeem_info", &[("ticket", &oldest)], None)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call("redeem_info", &[("ticket", &newest)], None)
            .await
            .status(),
        StatusCode::OK
    );

    let revoked = app
        .call(
            "revoke_invitation",
            &[("slug", "woodgrove"), ("id", &id)],
            Some(&admin),
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    assert_eq!(
        app.call("redeem_info", &[("ticket", &newest)], None)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let filtered: Value = app
        .call(
            "list_invitations",
            &[("slug", "woodgrove"), ("status", "Revoked")],
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(filtered["rows"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn licensing_shows_plan_seats_guests_and_capacity() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin@woodgrove.test").await;
    app.call(
        "invite_guest",
        &[("slug", "woodgrove"), ("email", "bob@fabrikam.test")],
        Some(&admin),
    )
    .await;
    let summary: Value = app
        .call("licensing", &[("slug", "woodgrove")], Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        summary,
        serde_json::json!({ "plan": "Premium", "seats": 10, "guests": 1, "capacity": 50 })
    );
    let contoso = app.signed_in("admin@contoso.test").await;
    let free: Value = app
        .call("licensing", &[("slug", "contoso")], Some(&contoso))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(free["capacity"], Value::Null);
    let page = app.page("/t/woodgrove/admin/licensing", Some(&admin)).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("1 of 50 guests"));
}
