//! The REST API's invitations and users (DESIGN §4), against the real server.

mod common;

use common::spawn_app;
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

async fn invite(app: &common::TestApp, token: &str, email: &str) -> reqwest::Response {
    app.api(Method::POST, "/api/v1/invitations", token)
        .json(&invite_body(email))
        .send()
        .await
        .unwrap()
}

async fn error_code(response: reqwest::Response) -> String {
    let body: Value = response.json().await.unwrap();
    body["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn creating_an_invitation_creates_the_pending_guest_and_returns_the_redeem_url() {
    let app = spawn_app().await;
    let token = app.api_token("woodgrove").await;
    let response = invite(&app, &token, "Bob@Fabrikam.test").await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "PendingAcceptance");
    assert_eq!(body["invitedUserEmailAddress"], "bob@fabrikam.test");
    assert_eq!(
        body["invitedUser"]["userPrincipalName"],
        "bob_fabrikam.test#EXT#@woodgrove.test"
    );
    let redeem_url = body["inviteRedeemUrl"].as_str().unwrap();
    let ticket = redeem_url
        .strip_prefix(&format!("{}/redeem?ticket=", app.base))
        .expect(redeem_url);
    assert_eq!(ticket.len(), 43, "256 bits in base64url");

    // Only the token's hash is stored.
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM invitations")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(stored, app::ssr::crypto::token_hash(ticket));
    assert!(!stored.contains(ticket));

    let guests: Value = app
        .api(Method::GET, "/api/v1/users?userType=Guest", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let guest = &guests["value"][0];
    assert_eq!(guest["id"], body["invitedUser"]["id"]);
    assert_eq!(guest["userType"], "Guest");
    assert_eq!(guest["externalUserState"], "PendingAcceptance");
    assert_eq!(guest["mail"], "bob@fabrikam.test");
    assert_eq!(guests["value"].as_array().unwrap().len(), 1);
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
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], "invalidInput", "{body}");
        assert!(!error["error"]["message"].as_str().unwrap().is_empty());
    }
    let not_json = app
        .api(Method::POST, "/api/v1/invitations", &token)
        .body("email=bob")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
    let invitations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM invitations")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    let guests: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE user_type = 'Guest'")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!((invitations, guests), (0, 0));
}

#[tokio::test]
async fn a_second_live_invitation_for_the_same_address_is_a_409() {
    let app = spawn_app().await;
    let token = app.api_token("woodgrove").await;
    assert_eq!(
        invite(&app, &token, "bob@fabrikam.test").await.status(),
        StatusCode::CREATED
    );
    let again = invite(&app, &token, "BOB@fabrikam.test").await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(again).await, "conflict");
}

#[tokio::test]
async fn a_premium_tenant_refuses_guests_beyond_five_per_seat() {
    let app = spawn_app().await;
    let slug = app::domain::TenantSlug::parse("woodgrove").unwrap();
    let one_seat = app::domain::Licence::parse(app::domain::Plan::Premium, Some(1)).unwrap();
    app::tenants::ssr::set_plan(&app.state.pool, &slug, one_seat, "tests", common::T0)
        .await
        .unwrap();
    let token = app.api_token("woodgrove").await;
    for i in 0..5 {
        assert_eq!(
            invite(&app, &token, &format!("guest{i}@fabrikam.test"))
                .await
                .status(),
            StatusCode::CREATED
        );
    }
    let over = invite(&app, &token, "guest5@fabrikam.test").await;
    assert_eq!(over.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = over.json().await.unwrap();
    assert_eq!(body["error"]["code"], "licenseCapacityExceeded");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("5 guests"),
        "{body}"
    );
    let guests: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE user_type = 'Guest'")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(guests, 5, "the refused invitation created no guest");
}

#[tokio::test]
async fn a_free_tenant_may_invite() {
    let app = spawn_app().await;
    let token = app.api_token("contoso").await;
    let response = invite(&app, &token, "bob@fabrikam.test").await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["invitedUser"]["userPrincipalName"],
        "bob_fabrikam.test#EXT#@contoso.test"
    );
}

#[tokio::test]
async fn without_a_valid_token_the_api_says_401_and_another_tenant_sees_404() {
    let app = spawn_app().await;
    let woodgrove = app.api_token("woodgrove").await;
    let contoso = app.api_token("contoso").await;
    let created: Value = invite(&app, &woodgrove, "bob@fabrikam.test")
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/invitations/{}", created["id"].as_str().unwrap());

    let anonymous = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
    assert_eq!(error_code(anonymous).await, "unauthenticated");
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
    let theirs: Value = app
        .api(Method::GET, "/api/v1/users?userType=Guest", &contoso)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        theirs["value"],
        json!([]),
        "Contoso sees none of Woodgrove's guests"
    );
    let mine: Value = app
        .api(Method::GET, &path, &woodgrove)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        mine["status"], "PendingAcceptance",
        "the other tenant changed nothing"
    );
}

#[tokio::test]
async fn resending_issues_a_new_link_and_kills_the_old_one() {
    let app = spawn_app().await;
    let token = app.api_token("woodgrove").await;
    let created: Value = invite(&app, &token, "bob@fabrikam.test")
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let old_ticket = created["inviteRedeemUrl"]
        .as_str()
        .unwrap()
        .rsplit_once('=')
        .unwrap()
        .1
        .to_owned();

    let response = app
        .api(
            Method::POST,
            &format!("/api/v1/invitations/{id}/resend"),
            &token,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let resent: Value = response.json().await.unwrap();
    assert_eq!(resent["id"], id, "the same invitation");
    let new_ticket = resent["inviteRedeemUrl"]
        .as_str()
        .unwrap()
        .rsplit_once('=')
        .unwrap()
        .1
        .to_owned();
    assert_ne!(new_ticket, old_ticket);
    let hashes: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM invitations")
        .fetch_all(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(
        hashes,
        vec![app::ssr::crypto::token_hash(&new_ticket)],
        "the old link's hash is gone"
    );
    assert_eq!(app.audit_count("invitation.resend", "success").await, 1);
}

#[tokio::test]
async fn a_revoked_invitation_stays_revoked_and_cannot_be_resent() {
    let app = spawn_app().await;
    let token = app.api_token("woodgrove").await;
    let created: Value = invite(&app, &token, "bob@fabrikam.test")
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/invitations/{}", created["id"].as_str().unwrap());
    assert_eq!(
        app.api(Method::DELETE, &path, &token)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.api(Method::DELETE, &path, &token)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT,
        "idempotent"
    );
    let shown: Value = app
        .api(Method::GET, &path, &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown["status"], "Revoked");
    let resend = app
        .api(Method::POST, &format!("{path}/resend"), &token)
        .send()
        .await
        .unwrap();
    assert_eq!(resend.status(), StatusCode::CONFLICT);
    // The guest can be invited afresh, on the same user object.
    let again: Value = invite(&app, &token, "bob@fabrikam.test")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["invitedUser"]["id"], created["invitedUser"]["id"]);
    let revoked: Value = app
        .api(Method::GET, "/api/v1/invitations?status=Revoked", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(revoked["value"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_invitation_expires_after_the_tenants_ttl_and_can_be_renewed() {
    let app = spawn_app().await;
    let token = app.api_token("woodgrove").await;
    let created: Value = invite(&app, &token, "bob@fabrikam.test")
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/invitations/{}", created["id"].as_str().unwrap());

    app.clock.advance(30 * 24 * 60 * 60 - 1);
    let shown: Value = app
        .api(Method::GET, &path, &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown["status"], "PendingAcceptance");
    app.clock.advance(1);
    let shown: Value = app
        .api(Method::GET, &path, &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown["status"], "Expired");
    let expired: Value = app
        .api(Method::GET, "/api/v1/invitations?status=Expired", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(expired["value"].as_array().unwrap().len(), 1);
    let pending: Value = app
        .api(
            Method::GET,
            "/api/v1/invitations?status=PendingAcceptance",
            &token,
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(pending["value"], json!([]));

    let resent: Value = app
        .api(Method::POST, &format!("{path}/resend"), &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(resent["status"], "PendingAcceptance");
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
    let created: Value = invite(&app, &token, "bob@fabrikam.test")
        .await
        .json()
        .await
        .unwrap();
    let guest_id = created["invitedUser"]["id"].as_str().unwrap().to_owned();
    // As if Bob had redeemed with an e-mail passcode.
    sqlx::query(
        "UPDATE users SET external_user_state = 'Accepted', home_kind = 'email_otp', home_ref = 'bob@fabrikam.test' WHERE id = ?",
    )
    .bind(&guest_id)
    .execute(&app.state.pool)
    .await
    .unwrap();
    sqlx::query("UPDATE invitations SET status = 'Accepted'")
        .execute(&app.state.pool)
        .await
        .unwrap();

    let mut conn = app.state.pool.acquire().await.unwrap();
    let tenant = app::tenants::ssr::require_tenant(
        &mut conn,
        &app::domain::TenantSlug::parse("woodgrove").unwrap(),
    )
    .await
    .unwrap();
    drop(conn);
    let redirect = app::domain::RedirectUrl::parse("https://foo.woodgrove.test/").unwrap();
    let mail = app::invitations::ssr::MailContext {
        public_url: &app.state.config.public_url,
        key: &app.state.secret_key,
    };
    let issued = app::invitations::ssr::reset_redemption(
        &app.state.pool,
        mail,
        &tenant,
        &guest_id,
        &redirect,
        &app::invitations::ssr::Inviter::Cli,
        common::T0,
    )
    .await
    .unwrap();
    assert_eq!(issued.invitation.guest_user_id, guest_id, "same object");
    assert_eq!(
        issued.invitation.guest_upn,
        "bob_fabrikam.test#EXT#@woodgrove.test"
    );
    let row: (String, Option<String>) =
        sqlx::query_as("SELECT external_user_state, home_kind FROM users WHERE id = ?")
            .bind(&guest_id)
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    assert_eq!(row, ("PendingAcceptance".to_owned(), None));
    assert_eq!(
        app.audit_count("guest.reset_redemption", "success").await,
        1
    );
}

#[tokio::test]
async fn the_users_list_pages_with_an_opaque_cursor_and_refuses_bad_filters() {
    let app = spawn_app().await;
    let slug = app::domain::TenantSlug::parse("woodgrove").unwrap();
    let seats = app::domain::Licence::parse(app::domain::Plan::Premium, Some(30)).unwrap();
    app::tenants::ssr::set_plan(&app.state.pool, &slug, seats, "tests", common::T0)
        .await
        .unwrap();
    let token = app.api_token("woodgrove").await;
    for i in 0..105 {
        assert_eq!(
            invite(&app, &token, &format!("g{i:03}@fabrikam.test"))
                .await
                .status(),
            StatusCode::CREATED,
            "{i}"
        );
    }
    let first: Value = app
        .api(Method::GET, "/api/v1/users?userType=Guest", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["value"].as_array().unwrap().len(), 100);
    let next = first["next"].as_str().unwrap();
    let second: Value = app
        .api(
            Method::GET,
            &format!("/api/v1/users?userType=Guest&cursor={next}"),
            &token,
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(second["value"].as_array().unwrap().len(), 5);
    assert_eq!(second["next"], Value::Null);
    let members: Value = app
        .api(Method::GET, "/api/v1/users?userType=Member", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(members["value"].as_array().unwrap().len(), 2);
    let with_methods: Value = app
        .api(
            Method::GET,
            "/api/v1/users?userType=Guest&hasMethods=true",
            &token,
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        with_methods["value"],
        json!([]),
        "nobody has MFA methods yet"
    );
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
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(unknown).await, "notFound");
}
