//! The REST API's invitations and users (DESIGN §4), against the real server.

mod common;

use common::{api_error, json_reply, spawn_app, ApiInvitation, ApiPage, ApiUser, TestApp, Ticket};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn invite_body(email: &str) -> Value {
    json!({
        "invitedUserEmailAddress": email,
        "invitedUserDisplayName": "Bob Fabrikam",
        "inviteRedirectUrl": "https://foo.woodgrove.test/",
        "sendInvitationMessage": false,
    })
}

async fn invite(app: &TestApp, token: &str, email: &str) -> reqwest::Response {
    app.api(Method::POST, "/api/v1/invitations", token)
        .json(&invite_body(email))
        .send()
        .await
        .unwrap()
}

/// Invites `email`, which must succeed.
async fn invited(app: &TestApp, token: &str, email: &str) -> ApiInvitation {
    json_reply(invite(app, token, email).await, StatusCode::CREATED).await
}

async fn guests(app: &TestApp, token: &str) -> Vec<ApiUser> {
    let page: ApiPage<ApiUser> = app.api_get("/api/v1/users?userType=Guest", token).await;
    page.value
}

async fn invitations(app: &TestApp, token: &str, status: &str) -> Vec<ApiInvitation> {
    let path = format!("/api/v1/invitations?status={status}");
    let page: ApiPage<ApiInvitation> = app.api_get(&path, token).await;
    page.value
}

#[tokio::test]
async fn creating_an_invitation_creates_the_pending_guest_and_returns_the_redeem_url() {
    let app = spawn_app().await;
    let token = app.api_token("woodgrove").await;
    let body = invited(&app, &token, "Bob@Fabrikam.test").await;
    assert_eq!(body.status, "PendingAcceptance");
    assert_eq!(body.invited_user_email_address, "bob@fabrikam.test");
    assert_eq!(
        body.invited_user.user_principal_name,
        "bob_fabrikam.test#EXT#@woodgrove.test"
    );
    let redeem_url = body.invite_redeem_url.as_deref().unwrap();
    assert!(
        redeem_url.starts_with(&format!("{}/redeem?ticket=", app.base)),
        "{redeem_url}"
    );
    let ticket = body.ticket();
    assert_eq!(ticket.as_str().len(), 43, "256 bits in base64url");

    // Only the token's hash is stored.
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM invitations")
        .fetch_one(app.state.pool.connections())
        .await
        .unwrap();
    assert_eq!(stored, app::ssr::crypto::token_hash(ticket.as_str()));
    assert!(!stored.contains(ticket.as_str()));

    let guests = guests(&app, &token).await;
    assert_eq!(guests.len(), 1);
    let guest = &guests[0];
    assert_eq!(guest.id, body.invited_user.id);
    assert_eq!(guest.user_type, "Guest");
    assert_eq!(
        guest.external_user_state.as_deref(),
        Some("PendingAcceptance")
    );
    assert_eq!(guest.mail.as_deref(), Some("bob@fabrikam.test"));
    assert_eq!(app.audit_count("invitation.create", "success").await, 1);
}

#[tokio::test]
async fn a_missing_or_malformed_address_is_a_400_and_creates_nothing() {
    let app = spawn_app().await;
    let token = app.api_token("woodgrove").await;
    for body in [
        json!({ "inviteRedirectUrl": "https://foo.woodgrove.test/" }),
        json!({ "invitedUserEmailAddress": "not-an-address", "inviteRedirectUrl": "https://foo.woodgrove.test/" }),
        json!({ "invitedUserEmailAddress": "bob@fabrikam.test", "inviteRedirectUrl": "javascript:alert(1)" }),
        json!({ "invitedUserEmailAddress": "bob@fabrikam.test", "inviteRedirectUrl": "https://x.test/", "surprise": 1 }),
        json!({ "invitedUserEmailAddress": "megan2@woodgrove.test", "inviteRedirectUrl": "https://x.test/" }),
        json!({ "invitedUserEmailAddress": "bob@fabrikam.test", "inviteRedirectUrl": "https://x.test/", "invitedUserType": "Member" }),
    ] {
        let response = app
            .api(Method::POST, "/api/v1/invitations", &token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let error = api_error(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(error.code, "invalidInput", "{body}");
        assert!(!error.message.is_empty());
    }
    let not_json = app
        .api(Method::POST, "/api/v1/invitations", &token)
        .body("email=bob")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
    let invitations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM invitations")
        .fetch_one(app.state.pool.connections())
        .await
        .unwrap();
    let guests: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE user_type = 'Guest'")
        .fetch_one(app.state.pool.connections())
        .await
        .unwrap();
    assert_eq!((invitations, guests), (0, 0));
}

#[tokio::test]
async fn a_second_live_invitation_for_the_same_address_is_a_409() {
    let app = spawn_app().await;
    let token = app.api_token("woodgrove").await;
    invited(&app, &token, "bob@fabrikam.test").await;
    let again = invite(&app, &token, "BOB@fabrikam.test").await;
    assert_eq!(
        api_error(again, StatusCode::CONFLICT).await.code,
        "conflict"
    );
}

#[tokio::test]
async fn a_premium_tenant_refuses_guests_beyond_five_per_seat() {
    let app = spawn_app().await;
    app.set_seats("woodgrove", 1).await;
    let token = app.api_token("woodgrove").await;
    for i in 0..5 {
        invited(&app, &token, &format!("guest{i}@fabrikam.test")).await;
    }
    let over = invite(&app, &token, "guest5@fabrikam.test").await;
    let error = api_error(over, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(error.code, "licenseCapacityExceeded");
    assert!(error.message.contains("5 guests"), "{error:?}");
    let guests: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE user_type = 'Guest'")
        .fetch_one(app.state.pool.connections())
        .await
        .unwrap();
    assert_eq!(guests, 5, "the refused invitation created no guest");
}

#[tokio::test]
async fn a_free_tenant_may_invite() {
    let app = spawn_app().await;
    let token = app.api_token("contoso").await;
    let body = invited(&app, &token, "bob@fabrikam.test").await;
    assert_eq!(
        body.invited_user.user_principal_name,
        "bob_fabrikam.test#EXT#@contoso.test"
    );
}

#[tokio::test]
async fn without_a_valid_token_the_api_says_401_and_another_tenant_sees_404() {
    let app = spawn_app().await;
    let woodgrove = app.api_token("woodgrove").await;
    let contoso = app.api_token("contoso").await;
    let created = invited(&app, &woodgrove, "bob@fabrikam.test").await;
    let path = format!("/api/v1/invitations/{}", created.id);

    let anonymous = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
    assert_eq!(
        api_error(anonymous, StatusCode::UNAUTHORIZED).await.code,
        "unauthenticated"
    );
    let forged = app
        .api(Method::GET, &path, "gh_forged")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);

    for (method, path) in [
        (Method::GET, path.clone()),
        (Method::POST, format!("{path}/resend")),
        (Method::DELETE, path.clone()),
    ] {
        let response = app
            .api(method.clone(), &path, &contoso)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method} {path}");
    }
    assert!(
        guests(&app, &contoso).await.is_empty(),
        "Contoso sees none of Woodgrove's guests"
    );
    let mine: ApiInvitation = app.api_get(&path, &woodgrove).await;
    assert_eq!(
        mine.status, "PendingAcceptance",
        "the other tenant changed nothing"
    );
}

#[tokio::test]
async fn resending_issues_a_new_link_and_kills_the_old_one() {
    let app = spawn_app().await;
    let token = app.api_token("woodgrove").await;
    let created = invited(&app, &token, "bob@fabrikam.test").await;
    let old_ticket = created.ticket();

    let response = app
        .api(
            Method::POST,
            &format!("/api/v1/invitations/{}/resend", created.id),
            &token,
        )
        .send()
        .await
        .unwrap();
    let resent: ApiInvitation = json_reply(response, StatusCode::OK).await;
    assert_eq!(resent.id, created.id, "the same invitation");
    let new_ticket = resent.ticket();
    assert_ne!(new_ticket, old_ticket);
    let hashes: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM invitations")
        .fetch_all(app.state.pool.connections())
        .await
        .unwrap();
    assert_eq!(
        hashes,
        vec![app::ssr::crypto::token_hash(new_ticket.as_str())],
        "the old link's hash is gone"
    );
    assert_eq!(app.audit_count("invitation.resend", "success").await, 1);
}

#[tokio::test]
async fn a_revoked_invitation_stays_revoked_and_cannot_be_resent() {
    let app = spawn_app().await;
    let token = app.api_token("woodgrove").await;
    let created = invited(&app, &token, "bob@fabrikam.test").await;
    let path = format!("/api/v1/invitations/{}", created.id);
    let revoke = || app.api(Method::DELETE, &path, &token).send();
    assert_eq!(revoke().await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(
        revoke().await.unwrap().status(),
        StatusCode::NO_CONTENT,
        "idempotent"
    );
    let shown: ApiInvitation = app.api_get(&path, &token).await;
    assert_eq!(shown.status, "Revoked");
    let resend = app
        .api(Method::POST, &format!("{path}/resend"), &token)
        .send()
        .await
        .unwrap();
    assert_eq!(resend.status(), StatusCode::CONFLICT);
    // The guest can be invited afresh, on the same user object.
    let again = invited(&app, &token, "bob@fabrikam.test").await;
    assert_eq!(again.invited_user.id, created.invited_user.id);
    assert_eq!(invitations(&app, &token, "Revoked").await.len(), 1);
}

#[tokio::test]
async fn an_invitation_expires_after_the_tenants_ttl_and_can_be_renewed() {
    let app = spawn_app().await;
    let token = app.api_token("woodgrove").await;
    let created = invited(&app, &token, "bob@fabrikam.test").await;
    let path = format!("/api/v1/invitations/{}", created.id);

    app.clock.advance(30 * 24 * 60 * 60 - 1);
    let shown: ApiInvitation = app.api_get(&path, &token).await;
    assert_eq!(shown.status, "PendingAcceptance");
    app.clock.advance(1);
    let shown: ApiInvitation = app.api_get(&path, &token).await;
    assert_eq!(shown.status, "Expired");
    assert_eq!(invitations(&app, &token, "Expired").await.len(), 1);
    assert!(invitations(&app, &token, "PendingAcceptance")
        .await
        .is_empty());

    let response = app
        .api(Method::POST, &format!("{path}/resend"), &token)
        .send()
        .await
        .unwrap();
    let resent: ApiInvitation = json_reply(response, StatusCode::OK).await;
    assert_eq!(resent.status, "PendingAcceptance");
    let bad = app
        .api(Method::GET, "/api/v1/invitations?status=Whatever", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn reset_redemption_keeps_the_object_id_and_issues_a_new_invitation() {
    let app = spawn_app().await;
    let token = app.api_token("woodgrove").await;
    let created = invited(&app, &token, "bob@fabrikam.test").await;
    let guest_id = created.invited_user.id.clone();
    // Bob redeems with an e-mail passcode.
    let ticket = created.ticket();
    let bob = app.passcode_session(&ticket, "bob@fabrikam.test").await;
    let accepted = app
        .call(
            "accept_invitation",
            &[("ticket", ticket.as_str())],
            Some(&bob),
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);

    // The admin resets it on the portal (no API or command does yet).
    let admin = app.admin_session("admin@woodgrove.test").await;
    let reset = app
        .call(
            "reset_redemption",
            &[("slug", "woodgrove"), ("id", &created.id)],
            Some(&admin),
        )
        .await;
    assert_eq!(reset.status(), StatusCode::OK);

    let pending = invitations(&app, &token, "PendingAcceptance").await;
    assert_eq!(pending.len(), 1, "a new invitation");
    assert_ne!(pending[0].id, created.id);
    assert_eq!(pending[0].invited_user.id, guest_id, "same object");
    assert_eq!(
        pending[0].invited_user.user_principal_name,
        "bob_fabrikam.test#EXT#@woodgrove.test"
    );
    let row: (String, Option<String>) =
        sqlx::query_as("SELECT external_user_state, home_kind FROM users WHERE id = ?")
            .bind(&guest_id)
            .fetch_one(app.state.pool.connections())
            .await
            .unwrap();
    assert_eq!(row, ("PendingAcceptance".to_owned(), None));
    assert_eq!(
        app.audit_count("guest.reset_redemption", "success").await,
        1
    );
    let mails = app.mails_to("bob@fabrikam.test").await;
    let new_ticket = Ticket::in_mail(&mails[0].text);
    assert_ne!(new_ticket, ticket);
    assert_eq!(
        app.call("redeem_info", &[("ticket", new_ticket.as_str())], None)
            .await
            .status(),
        StatusCode::OK,
        "the new link is mailed and works"
    );
}

#[tokio::test]
async fn the_users_list_pages_with_an_opaque_cursor_and_refuses_bad_filters() {
    let app = spawn_app().await;
    app.set_seats("woodgrove", 30).await;
    let token = app.api_token("woodgrove").await;
    for i in 0..105 {
        invited(&app, &token, &format!("g{i:03}@fabrikam.test")).await;
    }
    let first: ApiPage<ApiUser> = app.api_get("/api/v1/users?userType=Guest", &token).await;
    assert_eq!(first.value.len(), 100);
    let next = first.next.expect("a next page");
    let second: ApiPage<ApiUser> = app
        .api_get(
            &format!("/api/v1/users?userType=Guest&cursor={next}"),
            &token,
        )
        .await;
    assert_eq!(second.value.len(), 5);
    assert_eq!(second.next, None);
    let members: ApiPage<ApiUser> = app.api_get("/api/v1/users?userType=Member", &token).await;
    assert_eq!(members.value.len(), 2);
    for bad in [
        "/api/v1/users?userType=Robot",
        "/api/v1/users?cursor=%%%",
        "/api/v1/users?hasMethods=maybe",
    ] {
        let response = app.api(Method::GET, bad, &token).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    let unknown = app
        .api(Method::GET, "/api/v1/nothing-here", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        api_error(unknown, StatusCode::NOT_FOUND).await.code,
        "notFound"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_invitations_of_one_address_make_one_guest_and_answer_the_other_409() {
    let app = spawn_app().await;
    let token = app.api_token("woodgrove").await;
    let addresses: Vec<String> = (0..8).map(|i| format!("race{i}@fabrikam.test")).collect();
    // Every address twice, all requests in flight at once.
    let requests = addresses
        .iter()
        .flat_map(|email| [email, email])
        .map(|email| invite(&app, &token, email));
    let responses = futures::future::join_all(requests).await;

    let mut answers = Vec::new();
    for response in responses {
        let status = response.status();
        answers.push((status, response.text().await.unwrap()));
    }
    for (email, pair) in addresses.iter().zip(answers.chunks(2)) {
        let mut statuses = [pair[0].0, pair[1].0];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::CREATED, StatusCode::CONFLICT],
            "{email}: {pair:?}"
        );
        let refusal = pair
            .iter()
            .find(|(status, _)| *status == StatusCode::CONFLICT);
        let refusal: common::ApiError = serde_json::from_str(&refusal.unwrap().1).unwrap();
        assert_eq!(refusal.error.code, "conflict", "{email}");
    }

    let mut guests: Vec<String> = guests(&app, &token)
        .await
        .into_iter()
        .map(|guest| guest.mail.unwrap_or_default())
        .collect();
    let mut pending: Vec<String> = invitations(&app, &token, "PendingAcceptance")
        .await
        .into_iter()
        .map(|invitation| invitation.invited_user_email_address)
        .collect();
    guests.sort();
    pending.sort();
    assert_eq!(guests, addresses, "one guest object an address");
    assert_eq!(pending, addresses, "one pending invitation an address");
}

#[tokio::test]
async fn the_users_list_tells_who_has_an_mfa_method() {
    use app::domain::{DisplayName, TotpCode, Upn};
    use app::mfa::ssr::methods::{begin_totp, confirm_totp};
    use app::mfa::ssr::totp::{code_at, TotpSecret};
    use app::ssr::clock::Clock as _;
    use app::ssr::Actor;
    use secrecy::ExposeSecret;

    let app = spawn_app().await;
    let token = app.api_token("woodgrove").await;
    // No page sets up methods yet: the MFA services do, as the pages will.
    let state = &app.state;
    let now = app.clock.now();
    let megan = {
        let mut conn = state.pool.acquire().await.unwrap();
        let upn = Upn::parse("megan@woodgrove.test").unwrap();
        app::users::ssr::find_credentials_by_upn(&mut conn, &upn)
            .await
            .unwrap()
            .expect("the demo member")
            .0
    };
    let tenant = {
        let mut conn = state.pool.acquire().await.unwrap();
        app::tenants::ssr::find_tenant_by_id(&mut conn, &megan.tenant_id)
            .await
            .unwrap()
            .unwrap()
    };
    let name = DisplayName::parse("Phone").unwrap();
    let enrolment = begin_totp(&state.pool, &state.secret_key, &tenant, &megan, &name, now)
        .await
        .unwrap();
    let secret = TotpSecret::from_base32(enrolment.secret_text.expose_secret()).unwrap();
    let code = TotpCode::parse(&code_at(&secret, now)).unwrap();
    let actor = Actor::cli();
    confirm_totp(
        &state.pool,
        &state.secret_key,
        &megan,
        &enrolment.method_id,
        &code,
        &actor,
        now,
    )
    .await
    .unwrap();

    let with: ApiPage<ApiUser> = app.api_get("/api/v1/users?hasMethods=true", &token).await;
    let upns = |page: &ApiPage<ApiUser>| -> Vec<String> {
        page.value
            .iter()
            .map(|user| user.user_principal_name.clone())
            .collect()
    };
    // The admin set up an app to pass the portal's MFA (making the token).
    // By display name: Megan Bowen, Woodgrove Admin.
    assert_eq!(
        upns(&with),
        ["megan@woodgrove.test", "admin@woodgrove.test"]
    );
    app.invite("woodgrove", "bob@fabrikam.test").await;
    let without: ApiPage<ApiUser> = app.api_get("/api/v1/users?hasMethods=false", &token).await;
    assert_eq!(upns(&without), ["bob_fabrikam.test#EXT#@woodgrove.test"]);
}
