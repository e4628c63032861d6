//! *Disable* / *Enable* an account and *Revoke sessions*.
//!
//! What a user object can hold in a tenant is ended at once: a member's own
//! sessions are revoked; a guest signs in at home, so the sessions of its
//! home identity stay, but the MFA they passed with this tenant is cleared.
//! Either way the access tokens issued to the user object are revoked and
//! its codes not yet exchanged expire. A disabled user cannot sign in
//! (`find_credentials_by_upn`), act in a session (`find_active_session`),
//! be found as a guest (`find_user_for_identity`) — so no application
//! sign-in, no token — or redeem an invitation. Enabling restores access;
//! the methods are kept.

use super::{clear_session_mfa, is_self, lock_user, ManagedUser};
use crate::error::AppError;
use crate::ssr::audit::{self, Action, Event};
use crate::ssr::clock::UnixTime;
use crate::ssr::db::{self, Pool, Tx};
use crate::ssr::{Actor, Result};
use crate::tenants::ssr::Tenant;

/// What ending a user's access did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccessEnded {
    /// A member's sessions revoked.
    pub sessions: u64,
    /// Sessions whose MFA with the tenant was cleared.
    pub mfa_cleared: u64,
    /// Access tokens revoked.
    pub tokens: u64,
}

impl AccessEnded {
    fn detail(&self) -> serde_json::Value {
        serde_json::json!({
            "sessionsRevoked": self.sessions,
            "sessionsChallengedAgain": self.mfa_cleared,
            "accessTokensRevoked": self.tokens,
        })
    }
}

/// Ends what `user` holds in its tenant, inside the caller's transaction.
async fn end_access(tx: &mut Tx, user: &ManagedUser, now: UnixTime) -> Result<AccessEnded> {
    let mfa_cleared = clear_session_mfa(tx, user).await?;
    let sessions = sqlx::query!(
        "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        now,
        user.user.id
    )
    .execute(tx.conn())
    .await?
    .rows_affected();
    let tokens = sqlx::query!(
        "UPDATE access_tokens SET revoked_at = $1
         WHERE user_id = $2 AND revoked_at IS NULL AND expires_at > $1",
        now,
        user.user.id
    )
    .execute(tx.conn())
    .await?
    .rows_affected();
    sqlx::query!(
        "UPDATE authorization_codes SET expires_at = $1
         WHERE user_id = $2 AND used_at IS NULL AND expires_at > $1",
        now,
        user.user.id
    )
    .execute(tx.conn())
    .await?;
    Ok(AccessEnded {
        sessions,
        mfa_cleared,
        tokens,
    })
}

/// Disables or enables `user`. Disabling ends its access at once (see the
/// module); one's own account cannot be disabled (`refused`
/// `ownAccount`). Setting the state it has already changes nothing and
/// records nothing: answers whether it changed.
#[tracing::instrument(skip_all, fields(tenant = %tenant.slug.as_str(), user = %user.upn(), enabled))]
pub async fn set_account_enabled(
    pool: &Pool,
    tenant: &Tenant,
    user: &ManagedUser,
    enabled: bool,
    actor: &Actor,
    now: UnixTime,
) -> Result<bool> {
    if user.user.tenant_id != tenant.id {
        return Err(AppError::UserNotFound.into());
    }
    if !enabled && is_self(actor, user) {
        return Err(AppError::refused("ownAccount", "You cannot disable your own account.").into());
    }
    db::write(pool, async |tx| {
        lock_user(tx, user).await?;
        let changed = sqlx::query!(
            "UPDATE users SET account_enabled = $1, state_changed_at = $2
             WHERE id = $3 AND account_enabled <> $1",
            enabled,
            now,
            user.user.id
        )
        .execute(tx.conn())
        .await?
        .rows_affected()
            == 1;
        if !changed {
            return Ok(false);
        }
        let (action, detail) = if enabled {
            (Action::UserEnabled, serde_json::json!({}))
        } else {
            (
                Action::UserDisabled,
                end_access(tx, user, now).await?.detail(),
            )
        };
        let event = Event::success(action, now)
            .by(actor)
            .tenant(&tenant.id)
            .target(user.upn())
            .detail(detail);
        audit::record(tx, event).await?;
        Ok(true)
    })
    .await
}

/// Ends `user`'s sessions (a member's), the MFA its sessions passed with
/// the tenant, and its access tokens: the next sign-in starts afresh.
#[tracing::instrument(skip_all, fields(tenant = %tenant.slug.as_str(), user = %user.upn()))]
pub async fn revoke_sessions(
    pool: &Pool,
    tenant: &Tenant,
    user: &ManagedUser,
    actor: &Actor,
    now: UnixTime,
) -> Result<AccessEnded> {
    if user.user.tenant_id != tenant.id {
        return Err(AppError::UserNotFound.into());
    }
    db::write(pool, async |tx| {
        lock_user(tx, user).await?;
        let ended = end_access(tx, user, now).await?;
        let event = Event::success(Action::UserSessionsRevoked, now)
            .by(actor)
            .tenant(&tenant.id)
            .target(user.upn())
            .detail(ended.detail());
        audit::record(tx, event).await?;
        Ok(ended)
    })
    .await
}
