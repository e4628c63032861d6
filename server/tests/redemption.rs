//! Redemption against the real server (DESIGN §3.2): home-realm discovery,
//! personal accounts, work accounts, e-mail passcodes, consent, and the rules
//! that keep a bearer link safe.

mod common;

use common::wire::{AppError, HomeRealm, InvitationView, Invited, MyAppsOverview};
use common::{app_error, session_cookie, spawn_app, ApiInvitation, ApiPage, TenantSetting};
use common::{TestApp, Ticket};
use reqwest::{Method, StatusCode};
use serde::Deserialize;

async fn info(app: &TestApp, ticket: &str, cookie: Option<&str>) -> reqwest::Response {
    app.call("redeem_info", &[("ticket", ticket)], cookie).await
}

/// What the redeem page shows for a live ticket.
async fn view(app: &TestApp, ticket: &Ticket, cookie: Option<&str>) -> InvitationView {
    app.fetch("redeem_info", &[("ticket", ticket.as_str())], cookie)
        .await
}

async fn accept(app: &TestApp, ticket: &Ticket, cookie: Option<&str>) -> reqwest::Response {
    app.call("accept_invitation", &[("ticket", ticket.as_str())], cookie)
        .await
}

/// The guest's state and home binding, as stored: no API shows the binding.
async fn guest_row(app: &TestApp, upn: &str) -> (String, Option<String>, Option<String>) {
    sqlx::query_as("SELECT external_user_state, home_kind, home_tenant_id FROM users WHERE user_principal_name = ?")
        .bind(upn)
        .fetch_one(app.state.pool.connections())
        .await
        .unwrap()
}

/// Signs up with a personal account for the invited address (code from the outbox).
async fn sign_up(app: &TestApp, ticket: &Ticket, email: &str) -> String {
    let sent = app
        .call(
            "send_code",
            &[("ticket", ticket.as_str()), ("purpose", "SignUp")],
            None,
        )
        .await;
    assert_eq!(
        sent.status(),
        StatusCode::OK,
        "{}",
        sent.text().await.unwrap()
    );
    let code = app.latest_code(email).await;
    let response = app
        .call(
            "sign_up",
            &[
                ("ticket", ticket.as_str()),
                ("display_name", "Bob Fabrikam"),
                ("password", "a long enough password"),
                ("code", &code),
            ],
            None,
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
    session_cookie(&response).expect("a session")
}

async fn sign_in_with_code(app: &TestApp, ticket: &Ticket, code: &str) -> reqwest::Response {
    app.call(
        "sign_in_with_code",
        &[("ticket", ticket.as_str()), ("code", code)],
        None,
    )
    .await
}

/// Woodgrove's admin invites `email` on the portal, for whoever holds the
/// link (an admin's explicit choice).
async fn invite_any_identity(app: &TestApp, email: &str) -> Ticket {
    let admin = app.admin_session("admin@woodgrove.test").await;
    let form = [
        ("slug", "woodgrove"),
        ("email", email),
        ("allow_any_identity", "on"),
    ];
    let invited: Invited = app.fetch("invite_guest", &form, Some(&admin)).await;
    Ticket::from_redeem_url(&invited.redeem_url.expect("the link, not mailed"))
}

#[tokio::test]
async fn a_new_guest_creates_a_personal_account_consents_and_is_accepted() {
    let app = spawn_app().await;
    let ticket = app.invite("woodgrove", "bob@fabrikam.test").await;

    let shown = view(&app, &ticket, None).await;
    assert_eq!(shown.tenant_name, "Woodgrove");
    assert_eq!(shown.invited_email, "bob@fabrikam.test");
    assert_eq!(shown.realm, HomeRealm::New { email_otp: true });
    assert_eq!(shown.signed_in, None);

    let cookie = sign_up(&app, &ticket, "bob@fabrikam.test").await;
    let shown = view(&app, &ticket, Some(&cookie)).await;
    assert!(shown.signed_in.expect("signed in").may_redeem);
    assert_eq!(
        guest_row(&app, "bob_fabrikam.test#EXT#@woodgrove.test")
            .await
            .0,
        "PendingAcceptance",
        "not yet"
    );

    let accepted = accept(&app, &ticket, Some(&cookie)).await;
    assert_eq!(accepted.status(), StatusCode::OK);
    assert_eq!(
        accepted.headers()["location"],
        format!("{}/myapps", app.base).as_str()
    );
    let (state, home_kind, _) = guest_row(&app, "bob_fabrikam.test#EXT#@woodgrove.test").await;
    assert_eq!(
        (state.as_str(), home_kind.as_deref()),
        ("Accepted", Some("personal"))
    );
    assert_eq!(app.audit_count("invitation.redeem", "success").await, 1);

    // The link is single-use.
    assert_eq!(
        info(&app, ticket.as_str(), Some(&cookie)).await.status(),
        StatusCode::NOT_FOUND
    );
    // My Apps lists Woodgrove as a guest tenant.
    let apps: MyAppsOverview = app.fetch("my_apps", &[], Some(&cookie)).await;
    assert_eq!(apps.memberships[0].tenant_name, "Woodgrove");
    assert_eq!(apps.memberships[0].user_type, common::wire::UserType::Guest);
    // The personal account signs in with its password later.
    let again = app
        .sign_in("bob@fabrikam.test", "a long enough password", None)
        .await;
    assert_eq!(again.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_work_account_of_another_tenant_redeems_after_signing_in_at_home() {
    let app = spawn_app().await;
    let ticket = app.invite("woodgrove", "alice@contoso.test").await;
    assert_eq!(
        view(&app, &ticket, None).await.realm,
        HomeRealm::Work {
            tenant_name: "Contoso".into()
        }
    );
    let cookie = app.signed_in("alice@contoso.test").await;
    let accepted = accept(&app, &ticket, Some(&cookie)).await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let (state, home_kind, home_tenant) =
        guest_row(&app, "alice_contoso.test#EXT#@woodgrove.test").await;
    let contoso: String = sqlx::query_scalar("SELECT id FROM tenants WHERE slug = 'contoso'")
        .fetch_one(app.state.pool.connections())
        .await
        .unwrap();
    assert_eq!(
        (state.as_str(), home_kind.as_deref(), home_tenant),
        ("Accepted", Some("work"), Some(contoso))
    );
    let apps: MyAppsOverview = app.fetch("my_apps", &[], Some(&cookie)).await;
    let names: Vec<&str> = apps
        .memberships
        .iter()
        .map(|m| m.tenant_name.as_str())
        .collect();
    assert_eq!(
        names,
        ["Contoso", "Woodgrove"],
        "home tenant, then guest tenants"
    );
}

#[tokio::test]
async fn an_e_mail_passcode_redeems_when_the_tenant_allows_it() {
    let app = spawn_app().await;
    let ticket = app.invite("woodgrove", "carol@fabrikam.test").await;
    let cookie = app.passcode_session(&ticket, "carol@fabrikam.test").await;
    let accepted = accept(&app, &ticket, Some(&cookie)).await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let (state, home_kind, _) = guest_row(&app, "carol_fabrikam.test#EXT#@woodgrove.test").await;
    assert_eq!(
        (state.as_str(), home_kind.as_deref()),
        ("Accepted", Some("email_otp"))
    );

    // With the tenant's passcodes off, no code is sent.
    app.turn_off("woodgrove", TenantSetting::EmailOtp).await;
    let ticket = app.invite("woodgrove", "dave@fabrikam.test").await;
    assert_eq!(
        view(&app, &ticket, None).await.realm,
        HomeRealm::New { email_otp: false }
    );
    let refused = app
        .call(
            "send_code",
            &[("ticket", ticket.as_str()), ("purpose", "OneTimePasscode")],
            None,
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn opening_the_link_does_not_consume_it_and_cancel_changes_nothing() {
    let app = spawn_app().await;
    let ticket = app.invite("woodgrove", "bob@fabrikam.test").await;
    for _ in 0..3 {
        assert_eq!(
            info(&app, ticket.as_str(), None).await.status(),
            StatusCode::OK
        );
    }
    let page = app.page(&format!("/redeem?ticket={ticket}"), None).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("invited you to access applications within Woodgrove"),
        "{html}"
    );
    assert!(
        html.contains(r#"<meta name="referrer" content="same-origin""#),
        "the ticket never leaks to another site as Referer"
    );
    let status: String = sqlx::query_scalar("SELECT status FROM invitations")
        .fetch_one(app.state.pool.connections())
        .await
        .unwrap();
    assert_eq!(status, "PendingAcceptance");
}

#[tokio::test]
async fn unknown_expired_revoked_and_used_links_get_the_same_answer() {
    let app = spawn_app().await;
    let token = app.api_token("woodgrove").await;
    let used = app.invite("woodgrove", "used@fabrikam.test").await;
    let cookie = app.passcode_session(&used, "used@fabrikam.test").await;
    assert_eq!(
        accept(&app, &used, Some(&cookie)).await.status(),
        StatusCode::OK
    );
    let revoked = app.invite("woodgrove", "revoked@fabrikam.test").await;
    let pending: ApiPage<ApiInvitation> = app
        .api_get("/api/v1/invitations?status=PendingAcceptance", &token)
        .await;
    let id = &pending.value[0].id;
    let revoke = app
        .api(Method::DELETE, &format!("/api/v1/invitations/{id}"), &token)
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
    let expired = app.invite("woodgrove", "expired@fabrikam.test").await;
    app.clock.advance(31 * 24 * 60 * 60);

    let mut answers = Vec::new();
    for ticket in [
        used.as_str(),
        revoked.as_str(),
        expired.as_str(),
        "A".repeat(43).as_str(),
        "short",
        "",
    ] {
        let response = info(&app, ticket, None).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{ticket}");
        answers.push(response.text().await.unwrap());
        let page = app.page(&format!("/redeem?ticket={ticket}"), None).await;
        assert_eq!(page.status(), StatusCode::NOT_FOUND);
        assert!(page.text().await.unwrap().contains("Invitation not valid"));
    }
    answers.dedup();
    assert_eq!(
        answers.len(),
        1,
        "one answer for every dead link: {answers:?}"
    );
}

#[tokio::test]
async fn a_forwarded_link_redeemed_by_another_identity_is_refused() {
    let app = spawn_app().await;
    let ticket = app.invite("woodgrove", "bob@fabrikam.test").await;
    let alice = app.signed_in("alice@contoso.test").await;
    let shown = view(&app, &ticket, Some(&alice)).await;
    assert!(!shown.signed_in.expect("signed in").may_redeem);
    let refused = accept(&app, &ticket, Some(&alice)).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let (state, home_kind, _) = guest_row(&app, "bob_fabrikam.test#EXT#@woodgrove.test").await;
    assert_eq!(
        (state.as_str(), home_kind),
        ("PendingAcceptance", None),
        "nothing changed"
    );
    assert_eq!(app.audit_count("invitation.redeem", "failure").await, 1);
    // Nor can a passcode be had for someone else's address through this link:
    // codes always go to the invited address.
    let anonymous = accept(&app, &ticket, None).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_code_allows_five_wrong_tries_and_dies_after_thirty_minutes() {
    let app = spawn_app().await;
    let ticket = app.invite("woodgrove", "carol@fabrikam.test").await;
    let before = sessions(&app).await;
    let form = [("ticket", ticket.as_str()), ("purpose", "OneTimePasscode")];
    let send = || app.call("send_code", &form, None);
    assert_eq!(send().await.status(), StatusCode::OK);
    let code = app.latest_code("carol@fabrikam.test").await;
    let wrong = if code == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    for _ in 0..5 {
        assert_eq!(
            sign_in_with_code(&app, &ticket, wrong).await.status(),
            StatusCode::BAD_REQUEST
        );
    }
    assert_eq!(
        sign_in_with_code(&app, &ticket, &code).await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right code, after five wrong ones"
    );

    app.clock.advance(59);
    assert_eq!(
        send().await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "one code a minute"
    );
    app.clock.advance(1);
    assert_eq!(send().await.status(), StatusCode::OK);
    let code = app.latest_code("carol@fabrikam.test").await;
    app.clock.advance(30 * 60);
    assert_eq!(
        sign_in_with_code(&app, &ticket, &code).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        sign_in_with_code(&app, &ticket, "12ab").await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(sessions(&app).await, before, "no code signed anyone in");
}

async fn sessions(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(app.state.pool.connections())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_simultaneous_redemptions_bind_exactly_one_guest() {
    let app = spawn_app().await;
    let ticket = app.invite("woodgrove", "bob@fabrikam.test").await;
    let cookie = sign_up(&app, &ticket, "bob@fabrikam.test").await;
    let attempts = (0..20).map(|_| accept(&app, &ticket, Some(&cookie)));
    let statuses: Vec<StatusCode> = futures::future::join_all(attempts)
        .await
        .into_iter()
        .map(|r| r.status())
        .collect();
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::NOT_FOUND)
        .count();
    assert_eq!((ok, refused), (1, 19), "{statuses:?}");
    let bound: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE home_kind IS NOT NULL")
        .fetch_one(app.state.pool.connections())
        .await
        .unwrap();
    let accepted: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM invitations WHERE status = 'Accepted'")
            .fetch_one(app.state.pool.connections())
            .await
            .unwrap();
    assert_eq!((bound, accepted), (1, 1));
    assert_eq!(app.audit_count("invitation.redeem", "success").await, 1);
}

/// The `detail` of a refused redemption's audit event.
#[derive(Debug, Deserialize)]
struct Refusal {
    reason: String,
}

/// A redemption refused with 409 changed nothing: the guest `upn` is still
/// pending, its link still opens, and the refusal is in the audit trail with
/// its reason.
async fn assert_refused_and_audited(
    app: &TestApp,
    refused: reqwest::Response,
    ticket: &Ticket,
    upn: &str,
    actor: &str,
    reason: &str,
) {
    assert!(
        matches!(app_error(refused).await, AppError::Conflict(_)),
        "a 409 conflict"
    );
    let guest = app.api_guest("woodgrove", upn).await;
    assert_eq!(
        guest.external_user_state.as_deref(),
        Some("PendingAcceptance"),
        "the guest is still pending"
    );
    assert_eq!(
        info(app, ticket.as_str(), None).await.status(),
        StatusCode::OK,
        "the link is not used up"
    );
    let failures: Vec<_> = app
        .audit_events("invitation.redeem")
        .await
        .into_iter()
        .filter(|event| event.outcome == "failure")
        .collect();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].tenant.as_deref(), Some("woodgrove"));
    assert_eq!(failures[0].actor.as_deref(), Some(actor));
    assert_eq!(failures[0].detail::<Refusal>().reason, reason);
}

#[tokio::test]
async fn a_member_of_the_inviting_tenant_cannot_become_its_guest() {
    let app = spawn_app().await;
    // An invitation for any identity, forwarded to a Woodgrove member.
    let ticket = invite_any_identity(&app, "bob@fabrikam.test").await;
    let megan = app.signed_in("megan@woodgrove.test").await;
    let refused = accept(&app, &ticket, Some(&megan)).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert_refused_and_audited(
        &app,
        refused,
        &ticket,
        "bob_fabrikam.test#EXT#@woodgrove.test",
        "megan@woodgrove.test",
        "memberOfInvitingTenant",
    )
    .await;
}

#[tokio::test]
async fn an_identity_already_a_guest_is_refused_a_second_guest_object_and_the_refusal_is_audited() {
    let app = spawn_app().await;
    let first = app.invite("woodgrove", "alice@contoso.test").await;
    let alice = app.signed_in("alice@contoso.test").await;
    assert_eq!(
        accept(&app, &first, Some(&alice)).await.status(),
        StatusCode::OK
    );
    // A second invitation, for any identity, reaches Alice too.
    let second = invite_any_identity(&app, "team@fabrikam.test").await;
    let refused = accept(&app, &second, Some(&alice)).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert_refused_and_audited(
        &app,
        refused,
        &second,
        "team_fabrikam.test#EXT#@woodgrove.test",
        "alice@contoso.test",
        "alreadyGuest",
    )
    .await;
    let alice_guest = app
        .api_guest("woodgrove", "alice_contoso.test#EXT#@woodgrove.test")
        .await;
    assert_eq!(
        alice_guest.external_user_state.as_deref(),
        Some("Accepted"),
        "her first guest object is kept"
    );
}

#[tokio::test]
async fn an_admin_may_let_any_identity_redeem_and_members_may_not() {
    let app = spawn_app().await;
    let megan = app.signed_in("megan@woodgrove.test").await;
    let form = [
        ("slug", "woodgrove"),
        ("email", "team@fabrikam.test"),
        ("allow_any_identity", "on"),
    ];
    assert_eq!(
        app.call("invite_guest", &form, Some(&megan)).await.status(),
        StatusCode::FORBIDDEN
    );

    let ticket = invite_any_identity(&app, "team@fabrikam.test").await;
    let alice = app.signed_in("alice@contoso.test").await;
    let shown = view(&app, &ticket, Some(&alice)).await;
    assert!(shown.signed_in.expect("signed in").may_redeem);
    assert_eq!(
        accept(&app, &ticket, Some(&alice)).await.status(),
        StatusCode::OK
    );
    let (state, home_kind, _) = guest_row(&app, "team_fabrikam.test#EXT#@woodgrove.test").await;
    assert_eq!(
        (state.as_str(), home_kind.as_deref()),
        ("Accepted", Some("work"))
    );
}

#[tokio::test]
async fn a_passcode_identity_cannot_redeem_where_passcodes_are_off() {
    let app = spawn_app().await;
    let ticket = app.invite("woodgrove", "carol@fabrikam.test").await;
    let cookie = app.passcode_session(&ticket, "carol@fabrikam.test").await;

    // Contoso, which allows no passcodes, invites the same address.
    app.turn_off("contoso", TenantSetting::EmailOtp).await;
    let contoso_ticket = app.invite("contoso", "carol@fabrikam.test").await;
    let refused = accept(&app, &contoso_ticket, Some(&cookie)).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn signing_up_for_a_taken_address_keeps_the_code_unspent() {
    let app = spawn_app().await;
    let ticket = app.invite("woodgrove", "bob@fabrikam.test").await;
    sign_up(&app, &ticket, "bob@fabrikam.test").await;
    let second = app.invite("contoso", "bob@fabrikam.test").await;
    // Bob's address now has a personal account: the page says sign in.
    assert_eq!(view(&app, &second, None).await.realm, HomeRealm::Personal);
    let refused = app
        .call(
            "sign_up",
            &[
                ("ticket", second.as_str()),
                ("display_name", "Bob"),
                ("password", "another long password"),
                ("code", "12345678"),
            ],
            None,
        )
        .await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
}
