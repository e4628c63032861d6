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

#[tokio::test]
async fn an_admin_makes_an_api_token_that_works_until_revoked() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin@woodgrove.test").await;
    let response = app
        .call(
            "create_api_token",
            &[("slug", "woodgrove"), ("name", "HR sync")],
            Some(&admin),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let token: String = response.json().await.unwrap();
    let users = app
        .api(reqwest::Method::GET, "/api/v1/users", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(users.status(), StatusCode::OK);

    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_all(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(
        stored,
        vec![app::ssr::crypto::token_hash(&token)],
        "only the hash is kept"
    );
    let list: Value = app
        .call("list_api_tokens", &[("slug", "woodgrove")], Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["name"], "HR sync");
    assert!(
        !list.to_string().contains(&token),
        "the list never shows the secret"
    );

    let megan = app.signed_in("megan@woodgrove.test").await;
    let contoso = app.signed_in("admin@contoso.test").await;
    for cookie in [&megan, &contoso] {
        let made = app
            .call(
                "create_api_token",
                &[("slug", "woodgrove"), ("name", "x")],
                Some(cookie),
            )
            .await;
        assert_eq!(made.status(), StatusCode::FORBIDDEN);
    }
    let id = list[0]["id"].as_str().unwrap().to_owned();
    let foreign = app
        .call(
            "revoke_api_token",
            &[("slug", "contoso"), ("id", &id)],
            Some(&contoso),
        )
        .await;
    assert_eq!(
        foreign.status(),
        StatusCode::NOT_FOUND,
        "another tenant's token is not found"
    );

    let revoked = app
        .call(
            "revoke_api_token",
            &[("slug", "woodgrove"), ("id", &id)],
            Some(&admin),
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    let users = app
        .api(reqwest::Method::GET, "/api/v1/users", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(users.status(), StatusCode::UNAUTHORIZED);
    let bad_name = app
        .call(
            "create_api_token",
            &[("slug", "woodgrove"), ("name", "  ")],
            Some(&admin),
        )
        .await;
    assert_eq!(bad_name.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn resetting_a_redemption_in_the_portal_reinvites_the_same_guest() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin@woodgrove.test").await;
    let invited: Value = app
        .call(
            "invite_guest",
            &[("slug", "woodgrove"), ("email", "alice@contoso.test")],
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    let ticket = invited["redeem_url"]
        .as_str()
        .unwrap()
        .rsplit_once("ticket=")
        .unwrap()
        .1
        .to_owned();
    let alice = app.signed_in("alice@contoso.test").await;
    assert_eq!(
        app.call("accept_invitation", &[("ticket", &ticket)], Some(&alice))
            .await
            .status(),
        StatusCode::OK
    );
    let guest_id: String = sqlx::query_scalar("SELECT id FROM users WHERE user_type = 'Guest'")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();

    let list: Value = app
        .call("list_invitations", &[("slug", "woodgrove")], Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    let id = list["rows"][0]["id"].as_str().unwrap().to_owned();
    let reset = app
        .call(
            "reset_redemption",
            &[("slug", "woodgrove"), ("id", &id)],
            Some(&admin),
        )
        .await;
    assert_eq!(reset.status(), StatusCode::OK);
    let row: (String, String, Option<String>) = sqlx::query_as(
        "SELECT id, external_user_state, home_kind FROM users WHERE user_type = 'Guest'",
    )
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(
        row,
        (guest_id, "PendingAcceptance".to_owned(), None),
        "same object, unbound"
    );
    assert_eq!(
        outbox_to(&app, "alice@contoso.test").await.len(),
        1,
        "invited again by e-mail"
    );
    let again = app
        .call(
            "reset_redemption",
            &[("slug", "woodgrove"), ("id", &id)],
            Some(&admin),
        )
        .await;
    assert_eq!(
        again.status(),
        StatusCode::CONFLICT,
        "the old invitation is no longer accepted"
    );
    let megan = app.signed_in("megan@woodgrove.test").await;
    let member = app
        .call(
            "reset_redemption",
            &[("slug", "woodgrove"), ("id", &id)],
            Some(&megan),
        )
        .await;
    assert_eq!(member.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_bulk_csv_invites_row_by_row_with_a_result_for_each() {
    let app = spawn_app().await;
    // Room for two more guests only: 1 seat = 5 guests, 3 taken below.
    let slug = app::domain::TenantSlug::parse("woodgrove").unwrap();
    let one_seat = app::domain::Licence::parse(app::domain::Plan::Premium, Some(1)).unwrap();
    app::tenants::ssr::set_plan(&app.state.pool, &slug, one_seat, "tests", common::T0)
        .await
        .unwrap();
    let admin = app.signed_in("admin@woodgrove.test").await;
    for email in ["g1@fabrikam.test", "g2@fabrikam.test", "dup@fabrikam.test"] {
        app.call(
            "invite_guest",
            &[("slug", "woodgrove"), ("email", email)],
            Some(&admin),
        )
        .await;
    }
    let csv = "email,display name\n\
               bob@fabrikam.test,Bob\n\
               not-an-address,Nobody\n\
               dup@fabrikam.test,Again\n\
               carol@fabrikam.test,Carol\n\
               dave@fabrikam.test,Dave\n";
    let response = app
        .call(
            "bulk_invite",
            &[("slug", "woodgrove"), ("csv", csv), ("send_email", "on")],
            Some(&admin),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let rows: Value = response.json().await.unwrap();
    let outcome = |i: usize| (rows[i]["line"].as_u64().unwrap(), rows[i]["result"].clone());
    assert_eq!(
        outcome(0),
        (
            2,
            serde_json::json!({ "Ok": "bob_fabrikam.test#EXT#@woodgrove.test" })
        )
    );
    assert_eq!(outcome(1).0, 3);
    assert!(
        rows[1]["result"]["Err"]
            .as_str()
            .unwrap()
            .contains("looks like"),
        "{rows}"
    );
    assert!(
        rows[2]["result"]["Err"]
            .as_str()
            .unwrap()
            .contains("pending invitation"),
        "{rows}"
    );
    assert_eq!(
        rows[3]["result"]["Ok"],
        "carol_fabrikam.test#EXT#@woodgrove.test"
    );
    assert!(
        rows[4]["result"]["Err"]
            .as_str()
            .unwrap()
            .contains("premium seats cover"),
        "{rows}"
    );
    assert_eq!(outcome(4).0, 6);
    assert_eq!(outbox_to(&app, "bob@fabrikam.test").await.len(), 1);

    // A file that is not usable is refused whole, before anyone is invited.
    for bad in ["name\nBob\n", "email\n", "\"unterminated\n"] {
        let response = app
            .call(
                "bulk_invite",
                &[("slug", "woodgrove"), ("csv", bad)],
                Some(&admin),
            )
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad:?}");
    }
    let megan = app.signed_in("megan@woodgrove.test").await;
    let member = app
        .call(
            "bulk_invite",
            &[("slug", "woodgrove"), ("csv", csv)],
            Some(&megan),
        )
        .await;
    assert_eq!(
        member.status(),
        StatusCode::FORBIDDEN,
        "bulk invite is for admins"
    );
}

#[tokio::test]
async fn a_bulk_upload_may_exceed_the_general_body_limit_but_not_its_own() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin@woodgrove.test").await;
    let mut csv = String::from("email,display name\n");
    for i in 0..1000 {
        csv.push_str(&format!(
            "a-rather-long-address-{i:04}@fabrikam-partners.test,Someone With A Long Name\n"
        ));
    }
    assert!(csv.len() > server::router::MAX_BODY_BYTES);
    let response = app
        .call(
            "bulk_invite",
            &[("slug", "woodgrove"), ("csv", &csv)],
            Some(&admin),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let rows: Value = response.json().await.unwrap();
    assert_eq!(
        rows.as_array().unwrap().len(),
        1000,
        "a result for every row"
    );

    let huge = "x".repeat(server::router::MAX_BULK_BODY_BYTES + 1);
    let response = app
        .call(
            "bulk_invite",
            &[("slug", "woodgrove"), ("csv", &huge)],
            Some(&admin),
        )
        .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let response = app
        .call(
            "invite_guest",
            &[("slug", "woodgrove"), ("email", &csv)],
            Some(&admin),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::PAYLOAD_TOO_LARGE,
        "other routes keep the small limit"
    );
}

#[tokio::test]
async fn resending_a_hand_delivered_invitation_shows_the_new_link_and_mails_nothing() {
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
    let resent: Value = app
        .call(
            "resend_invitation",
            &[("slug", "woodgrove"), ("id", &id)],
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    let link = resent["redeem_url"]
        .as_str()
        .expect("the new link, to hand over");
    let ticket = link.rsplit_once("ticket=").unwrap().1;
    assert_eq!(
        app.call("redeem_info", &[("ticket", ticket)], None)
            .await
            .status(),
        StatusCode::OK
    );
    assert!(
        outbox_to(&app, "bob@fabrikam.test").await.is_empty(),
        "the inviter chose not to e-mail"
    );
}

#[tokio::test]
async fn the_redeem_page_names_whoever_sent_the_current_link() {
    let app = spawn_app().await;
    let megan = app.signed_in("megan@woodgrove.test").await;
    app.call(
        "invite_guest",
        &[("slug", "woodgrove"), ("email", "bob@fabrikam.test")],
        Some(&megan),
    )
    .await;
    let admin = app.signed_in("admin@woodgrove.test").await;
    let list: Value = app
        .call("list_invitations", &[("slug", "woodgrove")], Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    let id = list["rows"][0]["id"].as_str().unwrap().to_owned();
    let resent: Value = app
        .call(
            "resend_invitation",
            &[("slug", "woodgrove"), ("id", &id)],
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    let ticket = resent["redeem_url"]
        .as_str()
        .unwrap()
        .rsplit_once("ticket=")
        .unwrap()
        .1
        .to_owned();
    let view: Value = app
        .call("redeem_info", &[("ticket", &ticket)], None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view["inviter_name"], "Woodgrove Admin");
    let privacy = app.page("/privacy", None).await;
    assert_eq!(
        privacy.status(),
        StatusCode::OK,
        "the mail's and consent page's privacy link works"
    );
}
