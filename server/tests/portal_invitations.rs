//! The portal's invitation server functions: who may invite, list, re-send
//! and revoke; the invitation e-mail; the Licensing summary.

mod common;

use common::wire::{
    BulkOutcome, ExternalUserState, InvitationList, InvitationStatus, InvitationView, Invited,
    LicenceSummary, Plan, TokenRow, UserPage,
};
use common::{app_error, spawn_app, TenantSetting, TestApp, Ticket};
use reqwest::StatusCode;

async fn invite(app: &TestApp, form: &[(&str, &str)], cookie: &str) -> Invited {
    app.fetch("invite_guest", form, Some(cookie)).await
}

/// Woodgrove's invitations, as its admin's Invitations page lists them.
async fn invitations(app: &TestApp, admin: &str, form: &[(&str, &str)]) -> InvitationList {
    app.fetch("list_invitations", form, Some(admin)).await
}

/// How `redeem_info` answers for the ticket: whether its link opens.
async fn opens(app: &TestApp, ticket: &Ticket) -> StatusCode {
    app.call("redeem_info", &[("ticket", ticket.as_str())], None)
        .await
        .status()
}

/// Woodgrove's admin signs in and invites `email`, link shown rather than
/// mailed: the admin's session and the invitation's id.
async fn admin_invites(app: &TestApp, email: &str) -> (String, String) {
    let admin = app.admin_session("admin@woodgrove.test").await;
    invite(app, &[("slug", "woodgrove"), ("email", email)], &admin).await;
    let id = newest_invitation(app, &admin).await;
    (admin, id)
}

/// The id of Woodgrove's newest invitation.
async fn newest_invitation(app: &TestApp, admin: &str) -> String {
    let list = invitations(app, admin, &[("slug", "woodgrove")]).await;
    list.rows[0].id.clone()
}

#[tokio::test]
async fn an_admin_invites_in_the_portal_and_the_mail_carries_the_link() {
    let app = spawn_app().await;
    let admin = app.admin_session("admin@woodgrove.test").await;
    let form = [
        ("slug", "woodgrove"),
        ("email", "bob@fabrikam.test"),
        ("display_name", "Bob"),
        ("message", "<b>Welcome</b> aboard"),
        ("send_email", "on"),
    ];
    let invited = invite(&app, &form, &admin).await;
    assert_eq!(invited.guest_upn, "bob_fabrikam.test#EXT#@woodgrove.test");
    assert_eq!(invited.redeem_url, None, "an e-mailed link is not shown");

    let mails = app.mails_to("bob@fabrikam.test").await;
    assert_eq!(mails.len(), 1);
    assert_eq!(
        mails[0].subject,
        "Woodgrove Admin invited you to access applications within Woodgrove"
    );
    assert!(mails[0]
        .text
        .contains(&format!("{}/redeem?ticket=", app.base)));
    assert!(
        mails[0].html.contains("&lt;b&gt;Welcome&lt;/b&gt;"),
        "the message is text, escaped in HTML"
    );
    let stored: Vec<u8> = sqlx::query_scalar("SELECT sealed_body FROM outbox")
        .fetch_one(app.state.pool.connections())
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
    let admin = app.admin_session("admin@woodgrove.test").await;
    let form = [("slug", "woodgrove"), ("email", "bob@fabrikam.test")];
    let invited = invite(&app, &form, &admin).await;
    assert!(invited
        .redeem_url
        .expect("the link")
        .starts_with(&format!("{}/redeem?ticket=", app.base)));
    assert!(app.mails_to("bob@fabrikam.test").await.is_empty());
    let bad = app
        .call(
            "invite_guest",
            &[("slug", "woodgrove"), ("email", "nope")],
            Some(&admin),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(app_error(bad).await.for_field("email").is_some());
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

    app.turn_off("woodgrove", TenantSetting::MembersCanInvite)
        .await;
    let form = [("slug", "woodgrove"), ("email", "carol@fabrikam.test")];
    assert_eq!(
        app.call("invite_guest", &form, Some(&megan)).await.status(),
        StatusCode::FORBIDDEN
    );
    let admin = app.admin_session("admin@woodgrove.test").await;
    assert_eq!(
        app.call("invite_guest", &form, Some(&admin)).await.status(),
        StatusCode::OK,
        "admins always may"
    );
}

#[tokio::test]
async fn another_tenants_admin_cannot_touch_these_invitations() {
    let app = spawn_app().await;
    let (admin, id) = admin_invites(&app, "bob@fabrikam.test").await;

    let contoso = app.admin_session("admin@contoso.test").await;
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
    let list = invitations(&app, &admin, &[("slug", "woodgrove")]).await;
    assert_eq!(list.rows.len(), 1);
    assert_eq!(list.rows[0].status, InvitationStatus::PendingAcceptance);
}

#[tokio::test]
async fn resend_mails_a_new_link_and_revoke_kills_it() {
    let app = spawn_app().await;
    let admin = app.admin_session("admin@woodgrove.test").await;
    let form = [
        ("slug", "woodgrove"),
        ("email", "bob@fabrikam.test"),
        ("send_email", "on"),
    ];
    invite(&app, &form, &admin).await;
    let list = invitations(&app, &admin, &[("slug", "woodgrove")]).await;
    let id = list.rows[0].id.clone();
    assert_eq!(list.rows[0].status, InvitationStatus::PendingAcceptance);

    let resent = app
        .call(
            "resend_invitation",
            &[("slug", "woodgrove"), ("id", &id)],
            Some(&admin),
        )
        .await;
    assert_eq!(resent.status(), StatusCode::OK);
    let mails = app.mails_to("bob@fabrikam.test").await;
    assert_eq!(mails.len(), 2);
    let newest = Ticket::in_mail(&mails[0].text);
    let oldest = Ticket::in_mail(&mails[1].text);
    assert_ne!(newest, oldest);
    assert_eq!(opens(&app, &oldest).await, StatusCode::NOT_FOUND);
    assert_eq!(opens(&app, &newest).await, StatusCode::OK);

    let revoked = app
        .call(
            "revoke_invitation",
            &[("slug", "woodgrove"), ("id", &id)],
            Some(&admin),
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    assert_eq!(opens(&app, &newest).await, StatusCode::NOT_FOUND);
    let filtered = invitations(
        &app,
        &admin,
        &[("slug", "woodgrove"), ("status", "Revoked")],
    )
    .await;
    assert_eq!(filtered.rows.len(), 1);
}

#[tokio::test]
async fn licensing_shows_plan_seats_guests_and_capacity() {
    let app = spawn_app().await;
    let (admin, _) = admin_invites(&app, "bob@fabrikam.test").await;
    let summary: LicenceSummary = app
        .fetch("licensing", &[("slug", "woodgrove")], Some(&admin))
        .await;
    assert_eq!(
        summary,
        LicenceSummary {
            plan: Plan::Premium,
            seats: 10,
            guests: 1,
            capacity: Some(50)
        }
    );
    let contoso = app.admin_session("admin@contoso.test").await;
    let free: LicenceSummary = app
        .fetch("licensing", &[("slug", "contoso")], Some(&contoso))
        .await;
    assert_eq!(free.capacity, None);
    let page = app.page("/t/woodgrove/admin/licensing", Some(&admin)).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("1 of 50 guests"));
}

#[tokio::test]
async fn an_admin_makes_an_api_token_that_works_until_revoked() {
    let app = spawn_app().await;
    let admin = app.admin_session("admin@woodgrove.test").await;
    let token: String = app
        .fetch(
            "create_api_token",
            &[("slug", "woodgrove"), ("name", "HR sync")],
            Some(&admin),
        )
        .await;
    let users = app
        .api(reqwest::Method::GET, "/api/v1/users", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(users.status(), StatusCode::OK);

    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_all(app.state.pool.connections())
        .await
        .unwrap();
    assert_eq!(
        stored,
        vec![app::ssr::crypto::token_hash(&token)],
        "only the hash is kept"
    );
    let listed = app
        .call("list_api_tokens", &[("slug", "woodgrove")], Some(&admin))
        .await
        .text()
        .await
        .unwrap();
    assert!(!listed.contains(&token), "the list never shows the secret");
    let list: Vec<TokenRow> = serde_json::from_str(&listed).unwrap();
    assert_eq!(list[0].name, "HR sync");

    let megan = app.signed_in("megan@woodgrove.test").await;
    let contoso = app.admin_session("admin@contoso.test").await;
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
    let id = list[0].id.as_str();
    let foreign = app
        .call(
            "revoke_api_token",
            &[("slug", "contoso"), ("id", id)],
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
            &[("slug", "woodgrove"), ("id", id)],
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
    let admin = app.admin_session("admin@woodgrove.test").await;
    let invited = invite(
        &app,
        &[("slug", "woodgrove"), ("email", "alice@contoso.test")],
        &admin,
    )
    .await;
    let ticket = Ticket::from_redeem_url(&invited.redeem_url.expect("the link"));
    let alice = app.signed_in("alice@contoso.test").await;
    assert_eq!(
        app.call(
            "accept_invitation",
            &[("ticket", ticket.as_str())],
            Some(&alice)
        )
        .await
        .status(),
        StatusCode::OK
    );
    let guest = |page: UserPage| {
        page.users
            .into_iter()
            .find(|user| user.upn == invited.guest_upn)
            .expect("the guest is listed")
    };
    let users: UserPage = app
        .fetch("list_users", &[("slug", "woodgrove")], Some(&admin))
        .await;
    let guest_id = guest(users).id;

    let id = newest_invitation(&app, &admin).await;
    let reset = app
        .call(
            "reset_redemption",
            &[("slug", "woodgrove"), ("id", &id)],
            Some(&admin),
        )
        .await;
    assert_eq!(reset.status(), StatusCode::OK);
    let users: UserPage = app
        .fetch("list_users", &[("slug", "woodgrove")], Some(&admin))
        .await;
    let reset_guest = guest(users);
    assert_eq!(
        (reset_guest.id, reset_guest.external_user_state),
        (guest_id, Some(ExternalUserState::PendingAcceptance)),
        "same object, pending again"
    );
    let home_kind: Option<String> =
        sqlx::query_scalar("SELECT home_kind FROM users WHERE user_type = 'Guest'")
            .fetch_one(app.state.pool.connections())
            .await
            .unwrap();
    assert_eq!(home_kind, None, "unbound (no API shows the binding)");
    assert_eq!(
        app.mails_to("alice@contoso.test").await.len(),
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
    app.set_seats("woodgrove", 1).await;
    let admin = app.admin_session("admin@woodgrove.test").await;
    for email in ["g1@fabrikam.test", "g2@fabrikam.test", "dup@fabrikam.test"] {
        invite(&app, &[("slug", "woodgrove"), ("email", email)], &admin).await;
    }
    let csv = "email,display name\n\
               bob@fabrikam.test,Bob\n\
               not-an-address,Nobody\n\
               dup@fabrikam.test,Again\n\
               carol@fabrikam.test,Carol\n\
               dave@fabrikam.test,Dave\n";
    let rows: Vec<BulkOutcome> = app
        .fetch(
            "bulk_invite",
            &[("slug", "woodgrove"), ("csv", csv), ("send_email", "on")],
            Some(&admin),
        )
        .await;
    let lines: Vec<u64> = rows.iter().map(|row| row.line).collect();
    assert_eq!(lines, [2, 3, 4, 5, 6]);
    let refusal = |i: usize| rows[i].result.clone().expect_err("refused");
    assert_eq!(
        rows[0].result,
        Ok("bob_fabrikam.test#EXT#@woodgrove.test".to_owned())
    );
    assert!(refusal(1).contains("looks like"), "{rows:?}");
    assert!(refusal(2).contains("pending invitation"), "{rows:?}");
    assert_eq!(
        rows[3].result,
        Ok("carol_fabrikam.test#EXT#@woodgrove.test".to_owned())
    );
    assert!(refusal(4).contains("premium seats cover"), "{rows:?}");
    assert_eq!(app.mails_to("bob@fabrikam.test").await.len(), 1);

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
    let admin = app.admin_session("admin@woodgrove.test").await;
    let mut csv = String::from("email,display name\n");
    for i in 0..1000 {
        csv.push_str(&format!(
            "a-rather-long-address-{i:04}@fabrikam-partners.test,Someone With A Long Name\n"
        ));
    }
    assert!(csv.len() > server::router::MAX_BODY_BYTES);
    let rows: Vec<BulkOutcome> = app
        .fetch(
            "bulk_invite",
            &[("slug", "woodgrove"), ("csv", &csv)],
            Some(&admin),
        )
        .await;
    assert_eq!(rows.len(), 1000, "a result for every row");

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
    let (admin, id) = admin_invites(&app, "bob@fabrikam.test").await;
    let resent: Invited = app
        .fetch(
            "resend_invitation",
            &[("slug", "woodgrove"), ("id", &id)],
            Some(&admin),
        )
        .await;
    let link = resent.redeem_url.expect("the new link, to hand over");
    let ticket = Ticket::from_redeem_url(&link);
    assert_eq!(opens(&app, &ticket).await, StatusCode::OK);
    assert!(
        app.mails_to("bob@fabrikam.test").await.is_empty(),
        "the inviter chose not to e-mail"
    );
}

#[tokio::test]
async fn the_redeem_page_names_whoever_sent_the_current_link() {
    let app = spawn_app().await;
    let megan = app.signed_in("megan@woodgrove.test").await;
    invite(
        &app,
        &[("slug", "woodgrove"), ("email", "bob@fabrikam.test")],
        &megan,
    )
    .await;
    let admin = app.admin_session("admin@woodgrove.test").await;
    let id = newest_invitation(&app, &admin).await;
    let resent: Invited = app
        .fetch(
            "resend_invitation",
            &[("slug", "woodgrove"), ("id", &id)],
            Some(&admin),
        )
        .await;
    let ticket = Ticket::from_redeem_url(&resent.redeem_url.expect("the new link"));
    let view: InvitationView = app
        .fetch("redeem_info", &[("ticket", ticket.as_str())], None)
        .await;
    assert_eq!(view.inviter_name, "Woodgrove Admin");
    let privacy = app.page("/privacy", None).await;
    assert_eq!(
        privacy.status(),
        StatusCode::OK,
        "the mail's and consent page's privacy link works"
    );
}
