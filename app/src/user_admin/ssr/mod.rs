//! The services behind an admin's actions on one user object: finding it by
//! id or UPN within the admin's tenant, and
//!
//! - [`reset`]: *Reset MFA* — every method and recovery code gone, the
//!   user's sessions challenged again (DESIGN §3.4);
//! - [`account`]: *Disable* / *Enable* and *Revoke sessions*;
//! - [`detail`]: what the user page shows.
//!
//! The portal's server functions, the REST API and the CLI call the same
//! functions with an [`crate::ssr::Actor`]; who may act is the caller's
//! decision (an admin of the tenant, a token of the tenant, the operator).
//! A user of another tenant is [`AppError::UserNotFound`], like an unknown
//! one.

pub mod account;
pub mod detail;
pub mod reset;

use crate::domain::{HomeKind, ParseError, Upn};
use crate::error::AppError;
use crate::ssr::clock::UnixTime;
use crate::ssr::db::{Conn, Tx};
use crate::ssr::{Result, Stored};
use crate::users::ssr::User;

/// How a caller names a user: its object id, or its UPN (a guest's
/// `…#EXT#@woodgrove.test` included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserKey {
    Id(String),
    Upn(Upn),
}

impl UserKey {
    /// A UPN has an `@`; anything else is taken as an object id.
    pub fn parse(input: &str) -> std::result::Result<Self, ParseError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(ParseError(
                "Name a user by object id or user principal name.".into(),
            ));
        }
        if input.contains('@') {
            Upn::parse(input).map(Self::Upn)
        } else {
            Ok(Self::Id(input.to_owned()))
        }
    }
}

/// A user object as its admin sees it, enabled or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedUser {
    pub user: User,
    pub mail: Option<String>,
    pub account_enabled: bool,
    /// A redeemed guest's home identity: its kind and reference.
    pub home: Option<(HomeKind, String)>,
    pub home_tenant_id: Option<String>,
    pub created_at: UnixTime,
}

impl ManagedUser {
    pub fn upn(&self) -> &str {
        self.user.upn.as_str()
    }
}

/// The user `key` names among `tenant_id`'s users; `None` for an unknown
/// user and for a user of another tenant alike.
pub async fn find_managed_user(
    conn: &mut Conn,
    tenant_id: &str,
    key: &UserKey,
) -> Result<Option<ManagedUser>> {
    let (id, upn) = match key {
        UserKey::Id(id) => (Some(id.as_str()), None),
        UserKey::Upn(upn) => (None, Some(upn.as_str())),
    };
    let Some(row) = sqlx::query!(
        r#"SELECT id, tenant_id, user_principal_name, display_name, mail, user_type,
                  external_user_state, is_admin AS "is_admin: bool",
                  account_enabled AS "account_enabled: bool", home_kind, home_ref,
                  home_tenant_id, created_at
           FROM users
           WHERE tenant_id = $1 AND (id = $2 OR user_principal_name = $3)"#,
        tenant_id,
        id,
        upn
    )
    .fetch_optional(conn)
    .await?
    else {
        return Ok(None);
    };
    let user_type = crate::domain::UserType::parse(&row.user_type).stored("users.user_type")?;
    let external_user_state = row
        .external_user_state
        .as_deref()
        .map(crate::domain::ExternalUserState::parse)
        .transpose()
        .stored("users.external_user_state")?;
    let home = match (row.home_kind, row.home_ref) {
        (Some(kind), Some(reference)) => {
            Some((HomeKind::parse(&kind).stored("users.home_kind")?, reference))
        }
        _ => None,
    };
    Ok(Some(ManagedUser {
        user: User {
            upn: Upn::parse(&row.user_principal_name).stored("users.user_principal_name")?,
            id: row.id,
            tenant_id: row.tenant_id,
            display_name: row.display_name,
            user_type,
            external_user_state,
            is_admin: row.is_admin,
        },
        mail: row.mail,
        account_enabled: row.account_enabled,
        home,
        home_tenant_id: row.home_tenant_id,
        created_at: row.created_at,
    }))
}

/// [`find_managed_user`], or [`AppError::UserNotFound`].
pub async fn require_managed_user(
    conn: &mut Conn,
    tenant_id: &str,
    key: &UserKey,
) -> Result<ManagedUser> {
    find_managed_user(conn, tenant_id, key)
        .await?
        .ok_or_else(|| AppError::UserNotFound.into())
}

/// Holds the user's row for the rest of the transaction (a write, which
/// PostgreSQL keeps locked until the commit; SQLite's `BEGIN IMMEDIATE`
/// serialises every writer anyway), so two actions on one user do not
/// interleave. A user gone meanwhile is `UserNotFound`.
async fn lock_user(tx: &mut Tx, user: &ManagedUser) -> Result<()> {
    let locked = sqlx::query!(
        "UPDATE users SET state_changed_at = state_changed_at WHERE id = $1 AND tenant_id = $2",
        user.user.id,
        user.user.tenant_id
    )
    .execute(tx.conn())
    .await?;
    if locked.rows_affected() == 1 {
        Ok(())
    } else {
        Err(AppError::UserNotFound.into())
    }
}

/// Clears the MFA that sessions acting as `user` passed with its tenant:
/// a member's own sessions, or the sessions of a guest's home identity
/// (which the guest signs in with). Their next step that needs MFA with
/// the tenant challenges them again. Answers how many sessions had it.
async fn clear_session_mfa(tx: &mut Tx, user: &ManagedUser) -> Result<u64> {
    let cleared = sqlx::query!(
        "DELETE FROM session_mfa
         WHERE tenant_id = $1 AND session_id_hash IN (
             SELECT s.id_hash FROM sessions s JOIN users u ON u.id = $2
             WHERE s.user_id = u.id
                OR (u.home_kind = 'work' AND s.user_id = u.home_ref)
                OR (u.home_kind = 'personal' AND s.personal_account_id = u.home_ref)
                OR (u.home_kind = 'email_otp' AND s.email = u.home_ref))",
        user.user.tenant_id,
        user.user.id
    )
    .execute(tx.conn())
    .await?;
    Ok(cleared.rows_affected())
}

/// Whether `actor` is `user` itself: the admin surfaces refuse to act on
/// one's own account (Security info is for one's own methods).
fn is_self(actor: &crate::ssr::Actor, user: &ManagedUser) -> bool {
    actor.user_id() == Some(user.user.id.as_str())
}

#[cfg(test)]
mod tests;
