//! What the MFA services' tests share: a tenant in a fresh database file,
//! its members, their sessions, an authenticator app set up for one, and
//! the audit rows counted.

use secrecy::ExposeSecret;

use super::methods::{begin_totp, confirm_totp, Activated};
use super::totp::{self, TotpSecret};
use crate::auth::ssr::password::Passwords;
use crate::auth::ssr::session::{create_session, find_active_session, Amr, Session, Subject};
use crate::domain::{
    DisplayName, DomainName, Licence, NewPassword, Plan, TenantSlug, TotpCode, Upn,
};
use crate::ssr::clock::UnixTime;
use crate::ssr::db::{open_for_test, Pool};
use crate::ssr::state::SecretKey;
use crate::ssr::Actor;
use crate::tenants::ssr::{create_tenant, NewTenant, Tenant};
use crate::users::ssr::{create_member, NewMember, User};

/// 2026-11-25T12:00:00Z.
pub const T0: UnixTime = 1_795_608_000;

pub struct Fixture {
    _dir: tempfile::TempDir,
    pub pool: Pool,
    pub key: SecretKey,
    pub tenant: Tenant,
    pub passwords: Passwords,
    /// Who the fixture's own actions are recorded as.
    pub actor: Actor,
}

pub async fn fixture() -> Fixture {
    let (dir, pool) = open_for_test().await;
    let new = NewTenant {
        slug: TenantSlug::parse("fabrikam").unwrap(),
        display_name: DisplayName::parse("Fabrikam").unwrap(),
        domain: DomainName::parse("fabrikam.test").unwrap(),
        licence: Licence::parse(Plan::Free, None).unwrap(),
    };
    let tenant = create_tenant(&pool, &new, &Actor::cli(), T0).await.unwrap();
    Fixture {
        _dir: dir,
        pool,
        key: SecretKey::new([7; 32]),
        tenant,
        passwords: Passwords::new().unwrap(),
        actor: Actor::cli(),
    }
}

impl Fixture {
    /// A member who is not an admin.
    pub async fn member(&self, name: &str) -> User {
        self.user(name, false).await
    }

    pub async fn user(&self, name: &str, is_admin: bool) -> User {
        let new = NewMember {
            upn: Upn::parse(&format!("{name}@fabrikam.test")).unwrap(),
            display_name: DisplayName::parse(name).unwrap(),
            password: NewPassword::parse("correct horse battery staple".into()).unwrap(),
            is_admin,
        };
        create_member(
            &self.pool,
            &self.passwords,
            &self.tenant,
            new,
            &Actor::cli(),
            T0,
        )
        .await
        .unwrap()
    }

    /// Sets up an app for `user` and answers its secret, as the app got it.
    pub async fn app(&self, user: &User) -> (TotpSecret, Activated) {
        self.app_named(user, "Phone").await
    }

    /// [`Self::app`], named `name`.
    pub async fn app_named(&self, user: &User, name: &str) -> (TotpSecret, Activated) {
        let name = DisplayName::parse(name).unwrap();
        let enrolment = begin_totp(&self.pool, &self.key, &self.tenant, user, &name, T0)
            .await
            .unwrap();
        let secret = TotpSecret::from_base32(enrolment.secret_text.expose_secret()).unwrap();
        let code = TotpCode::parse(&totp::code_at(&secret, T0)).unwrap();
        let actor = Actor::cli();
        let activated = confirm_totp(
            &self.pool,
            &self.key,
            user,
            &enrolment.method_id,
            &code,
            &actor,
            T0,
        )
        .await
        .unwrap();
        (secret, activated)
    }

    pub async fn count(&self, action: &str) -> i64 {
        sqlx::query_scalar!(
            "SELECT COUNT(*) FROM audit_events WHERE action = $1",
            action
        )
        .fetch_one(self.pool.connections())
        .await
        .unwrap()
    }

    /// A session of `user`'s, signed in with a password at `now`.
    pub async fn session(&self, user: &User, now: UnixTime) -> Session {
        let mut conn = self.pool.acquire().await.unwrap();
        let subject = Subject::User(user.id.clone());
        let token = create_session(&mut conn, &subject, &[Amr::Pwd], now)
            .await
            .unwrap();
        find_active_session(&mut conn, &token.id_hash(), now)
            .await
            .unwrap()
            .expect("the session just made")
    }
}
