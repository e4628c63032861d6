//! The admin's actions on a user, over a real SQLite file.

use super::account::{revoke_sessions, set_account_enabled};
use super::reset::{reset_mfa, ResetOutcome};
use super::{find_managed_user, ManagedUser, UserKey};
use crate::auth::ssr::session::{find_active_session, find_tenant_mfa, Session};
use crate::domain::{DisplayName, DomainName, Licence, Plan, TenantSlug, TotpCode, Upn};
use crate::error::AppError;
use crate::mail::ssr::{list_outbox, MailContext};
use crate::mfa::ssr::fixture::{fixture, Fixture, T0};
use crate::mfa::ssr::methods::{begin_totp, confirm_totp, list_methods};
use crate::mfa::ssr::recovery::count_unused;
use crate::mfa::ssr::totp;
use crate::ssr::config::PublicUrl;
use crate::ssr::{Actor, Error};
use crate::tenants::ssr::{create_tenant, NewTenant};
use crate::users::ssr::{find_credentials_by_upn, User};
use secrecy::ExposeSecret;

fn public_url() -> PublicUrl {
    PublicUrl::parse("http://localhost:3000").unwrap()
}

/// The fixture's tenant admin, acting in the portal.
async fn admin(f: &Fixture) -> (User, Actor) {
    let admin = f.user("megan", true).await;
    let actor = Actor {
        kind: crate::ssr::actor::ActorKind::User {
            id: admin.id.clone(),
            tenant_id: admin.tenant_id.clone(),
            upn: admin.upn.as_str().to_owned(),
            display_name: "Megan Bowen".into(),
        },
        ip: None,
    };
    (admin, actor)
}

async fn managed(f: &Fixture, user: &User) -> ManagedUser {
    let mut conn = f.pool.acquire().await.unwrap();
    find_managed_user(&mut conn, &f.tenant.id, &UserKey::Id(user.id.clone()))
        .await
        .unwrap()
        .expect("the user")
}

/// Records that `session` passed MFA with `tenant_id` at `at`.
async fn pass_mfa(f: &Fixture, session: &Session, tenant_id: &str, at: i64) {
    sqlx::query!(
        "INSERT INTO session_mfa (session_id_hash, tenant_id, mfa_at, amr)
         VALUES ($1, $2, $3, '[\"mfa\",\"otp\"]')",
        session.id_hash,
        tenant_id,
        at
    )
    .execute(f.pool.connections())
    .await
    .unwrap();
}

async fn has_mfa(f: &Fixture, session: &Session, tenant_id: &str) -> bool {
    let mut conn = f.pool.acquire().await.unwrap();
    find_tenant_mfa(&mut conn, &session.id_hash, tenant_id)
        .await
        .unwrap()
        .is_some()
}

#[tokio::test]
async fn a_user_is_named_by_object_id_or_upn_and_never_found_in_another_tenant() {
    let f = fixture().await;
    let alice = f.member("alice").await;
    let mut conn = f.pool.acquire().await.unwrap();
    let by_upn = UserKey::parse(" alice@fabrikam.test ").unwrap();
    assert_eq!(
        by_upn,
        UserKey::Upn(Upn::parse("alice@fabrikam.test").unwrap())
    );
    let found = find_managed_user(&mut conn, &f.tenant.id, &by_upn)
        .await
        .unwrap();
    assert_eq!(found.map(|user| user.user.id), Some(alice.id.clone()));
    assert_eq!(
        UserKey::parse(&alice.id).unwrap(),
        UserKey::Id(alice.id.clone())
    );
    assert!(UserKey::parse("  ").is_err());

    let new = NewTenant {
        slug: TenantSlug::parse("woodgrove").unwrap(),
        display_name: DisplayName::parse("Woodgrove").unwrap(),
        domain: DomainName::parse("woodgrove.test").unwrap(),
        licence: Licence::parse(Plan::Free, None).unwrap(),
    };
    let woodgrove = create_tenant(&f.pool, &new, &f.actor, T0).await.unwrap();
    for key in [by_upn, UserKey::Id(alice.id.clone())] {
        let found = find_managed_user(&mut conn, &woodgrove.id, &key)
            .await
            .unwrap();
        assert_eq!(found, None, "{key:?} from another tenant");
    }
}

#[tokio::test]
async fn a_reset_removes_every_method_and_code_and_challenges_every_session_again() {
    let f = fixture().await;
    let (_, actor) = admin(&f).await;
    let alice = f.member("alice").await;
    f.app(&alice).await;
    f.app_named(&alice, "Tablet").await;
    // A third app half set up, and a session with MFA here and elsewhere.
    let name = DisplayName::parse("Spare").unwrap();
    begin_totp(&f.pool, &f.key, &f.tenant, &alice, &name, T0)
        .await
        .unwrap();
    let session = f.session(&alice, T0).await;
    pass_mfa(&f, &session, &f.tenant.id, T0).await;
    let other = f.session(&alice, T0).await;
    pass_mfa(&f, &other, &f.tenant.id, T0).await;
    let public_url = public_url();
    let mail = MailContext::new(&public_url, &f.key);

    let outcome = reset_mfa(
        &f.pool,
        mail,
        &f.tenant,
        &managed(&f, &alice).await,
        &actor,
        T0 + 60,
    )
    .await
    .unwrap();

    assert_eq!(
        outcome,
        ResetOutcome {
            methods: 2,
            recovery_codes: 10,
            sessions: 2
        }
    );
    assert_eq!(
        outcome.removed(),
        3,
        "two apps and the set of recovery codes"
    );
    let mut conn = f.pool.acquire().await.unwrap();
    assert!(list_methods(&mut conn, &alice.id).await.unwrap().is_empty());
    assert_eq!(count_unused(&mut conn, &alice.id).await.unwrap(), 0);
    let left = sqlx::query_scalar!(
        "SELECT COUNT(*) FROM auth_methods WHERE user_id = $1",
        alice.id
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(left, 0, "the half-set-up app went too");
    assert!(!has_mfa(&f, &session, &f.tenant.id).await);
    assert!(!has_mfa(&f, &other, &f.tenant.id).await);
    assert!(
        find_active_session(&mut conn, &session.id_hash, T0 + 60)
            .await
            .unwrap()
            .is_some(),
        "the session itself lives on: only its MFA is gone"
    );
    let detail = sqlx::query_scalar!(
        "SELECT detail FROM audit_events WHERE action = 'mfa.reset' AND target = $1 AND actor = $2",
        "alice@fabrikam.test",
        "megan@fabrikam.test"
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    let detail: serde_json::Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(detail["methodsRemoved"], 2);
    let outbox = list_outbox(&f.pool, &f.key, 10).await.unwrap();
    let sent = outbox
        .iter()
        .find(|mail| mail.to == "alice@fabrikam.test")
        .expect("a mail to Alice");
    assert_eq!(
        sent.subject,
        "Your sign-in methods with Fabrikam were reset"
    );
    let text = &sent.body.as_ref().unwrap().text;
    assert!(
        text.starts_with("Megan Bowen (megan@fabrikam.test) reset"),
        "{text}"
    );
}

#[tokio::test]
async fn an_app_set_up_before_a_reset_cannot_be_confirmed_after_it() {
    let f = fixture().await;
    let (_, actor) = admin(&f).await;
    let alice = f.member("alice").await;
    let name = DisplayName::parse("Phone").unwrap();
    let enrolment = begin_totp(&f.pool, &f.key, &f.tenant, &alice, &name, T0)
        .await
        .unwrap();
    let public_url = public_url();
    let mail = MailContext::new(&public_url, &f.key);
    reset_mfa(
        &f.pool,
        mail,
        &f.tenant,
        &managed(&f, &alice).await,
        &actor,
        T0,
    )
    .await
    .unwrap();

    let secret = totp::TotpSecret::from_base32(enrolment.secret_text.expose_secret()).unwrap();
    let code = TotpCode::parse(&totp::code_at(&secret, T0 + 30)).unwrap();
    let confirmed = confirm_totp(
        &f.pool,
        &f.key,
        &alice,
        &enrolment.method_id,
        &code,
        &f.actor,
        T0 + 30,
    )
    .await;
    assert!(confirmed.is_err(), "{confirmed:?}");
    let mut conn = f.pool.acquire().await.unwrap();
    assert!(list_methods(&mut conn, &alice.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_admin_cannot_reset_their_own_methods_here() {
    let f = fixture().await;
    let (megan, actor) = admin(&f).await;
    f.app(&megan).await;
    let public_url = public_url();
    let mail = MailContext::new(&public_url, &f.key);
    let refused = reset_mfa(
        &f.pool,
        mail,
        &f.tenant,
        &managed(&f, &megan).await,
        &actor,
        T0,
    )
    .await;
    match refused {
        Err(Error::Public(AppError::Refused { code, .. })) => assert_eq!(code, "ownMethods"),
        other => panic!("{other:?}"),
    }
    let mut conn = f.pool.acquire().await.unwrap();
    assert_eq!(list_methods(&mut conn, &megan.id).await.unwrap().len(), 1);
    assert_eq!(f.count("mfa.reset").await, 0);
}

#[tokio::test]
async fn disabling_ends_access_at_once_and_enabling_restores_it_with_the_methods() {
    let f = fixture().await;
    let (_, actor) = admin(&f).await;
    let alice = f.member("alice").await;
    f.app(&alice).await;
    let session = f.session(&alice, T0).await;
    let upn = Upn::parse("alice@fabrikam.test").unwrap();

    let changed = set_account_enabled(
        &f.pool,
        &f.tenant,
        &managed(&f, &alice).await,
        false,
        &actor,
        T0,
    )
    .await
    .unwrap();
    assert!(changed);
    let mut conn = f.pool.acquire().await.unwrap();
    assert!(find_active_session(&mut conn, &session.id_hash, T0)
        .await
        .unwrap()
        .is_none());
    assert!(
        find_credentials_by_upn(&mut conn, &upn)
            .await
            .unwrap()
            .is_none(),
        "no sign-in"
    );
    let again = set_account_enabled(
        &f.pool,
        &f.tenant,
        &managed(&f, &alice).await,
        false,
        &actor,
        T0,
    )
    .await
    .unwrap();
    assert!(!again, "disabling twice changes nothing");
    assert_eq!(f.count("user.disable").await, 1);

    set_account_enabled(
        &f.pool,
        &f.tenant,
        &managed(&f, &alice).await,
        true,
        &actor,
        T0 + 1,
    )
    .await
    .unwrap();
    assert!(find_credentials_by_upn(&mut conn, &upn)
        .await
        .unwrap()
        .is_some());
    assert!(
        find_active_session(&mut conn, &session.id_hash, T0 + 1)
            .await
            .unwrap()
            .is_none(),
        "an ended session stays ended"
    );
    assert_eq!(
        list_methods(&mut conn, &alice.id).await.unwrap().len(),
        1,
        "methods kept"
    );
    assert_eq!(f.count("user.enable").await, 1);
}

#[tokio::test]
async fn an_admin_cannot_disable_their_own_account() {
    let f = fixture().await;
    let (megan, actor) = admin(&f).await;
    let refused = set_account_enabled(
        &f.pool,
        &f.tenant,
        &managed(&f, &megan).await,
        false,
        &actor,
        T0,
    )
    .await;
    assert!(
        matches!(refused, Err(Error::Public(AppError::Refused { .. }))),
        "{refused:?}"
    );
    assert!(managed(&f, &megan).await.account_enabled);
}

#[tokio::test]
async fn revoking_sessions_ends_a_members_sessions_and_is_audited() {
    let f = fixture().await;
    let (_, actor) = admin(&f).await;
    let alice = f.member("alice").await;
    let one = f.session(&alice, T0).await;
    let two = f.session(&alice, T0).await;
    pass_mfa(&f, &two, &f.tenant.id, T0).await;

    let ended = revoke_sessions(&f.pool, &f.tenant, &managed(&f, &alice).await, &actor, T0)
        .await
        .unwrap();

    assert_eq!((ended.sessions, ended.mfa_cleared), (2, 1));
    let mut conn = f.pool.acquire().await.unwrap();
    for session in [one, two] {
        assert!(find_active_session(&mut conn, &session.id_hash, T0)
            .await
            .unwrap()
            .is_none());
    }
    assert_eq!(f.count("user.revoke_sessions").await, 1);
    assert!(
        managed(&f, &alice).await.account_enabled,
        "the account stays enabled"
    );
}
