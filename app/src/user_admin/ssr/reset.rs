//! *Reset MFA* (DESIGN §3.4, the seed's `Reset-MsolStrongAuthenticationMethodByUpn`):
//! the user must proof up again. One transaction deletes every method of the
//! user object — set up or half set up — its recovery codes and its pending
//! passkey ceremonies, clears the MFA its sessions passed with the tenant,
//! records the reset and queues a mail that tells the user who did it.
//!
//! A proof-up that was under way cannot finish afterwards: an authenticator
//! app is confirmed by a conditional update of its (now deleted) row, and a
//! passkey registration takes its (now deleted) ceremony in the same
//! transaction that stores the key.

use super::{clear_session_mfa, is_self, lock_user, ManagedUser};
use crate::domain::Email;
use crate::error::AppError;
use crate::mail::ssr::{compose::methods_reset_mail, enqueue, MailContext};
use crate::ssr::audit::{self, Action, Event};
use crate::ssr::clock::UnixTime;
use crate::ssr::db::{self, Pool, Tx};
use crate::ssr::{Actor, Result};
use crate::tenants::ssr::Tenant;

/// What a reset removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResetOutcome {
    /// Methods that were set up (authenticator apps, passkeys).
    pub methods: u64,
    /// Recovery codes that were still unused.
    pub recovery_codes: u64,
    /// Sessions whose MFA with the tenant was cleared.
    pub sessions: u64,
}

impl ResetOutcome {
    /// The entries of the user's method list that are gone: each method,
    /// and the recovery codes as one entry (as `GET …/authentication/methods`
    /// lists them).
    pub fn removed(&self) -> u64 {
        self.methods + u64::from(self.recovery_codes > 0)
    }
}

/// Resets `user`'s MFA with `tenant`. An admin cannot reset their own
/// methods this way (`refused` `ownMethods`). Resetting a user without
/// methods is allowed and removes nothing.
#[tracing::instrument(skip_all, fields(tenant = %tenant.slug.as_str(), user = %user.upn()))]
pub async fn reset_mfa(
    pool: &Pool,
    mail: MailContext<'_>,
    tenant: &Tenant,
    user: &ManagedUser,
    actor: &Actor,
    now: UnixTime,
) -> Result<ResetOutcome> {
    db::write(pool, async |tx| {
        reset_mfa_in(tx, mail, tenant, user, actor, now).await
    })
    .await
}

/// [`reset_mfa`] inside the caller's transaction (*Reset redemption* with
/// "also clear methods" does both in one).
pub async fn reset_mfa_in(
    tx: &mut Tx,
    mail: MailContext<'_>,
    tenant: &Tenant,
    user: &ManagedUser,
    actor: &Actor,
    now: UnixTime,
) -> Result<ResetOutcome> {
    if user.user.tenant_id != tenant.id {
        return Err(AppError::UserNotFound.into());
    }
    if is_self(actor, user) {
        return Err(AppError::refused(
            "ownMethods",
            "You cannot reset your own sign-in methods here: change them at Security info.",
        )
        .into());
    }
    lock_user(tx, user).await?;
    let methods = sqlx::query_scalar!(
        "DELETE FROM auth_methods WHERE user_id = $1 RETURNING activated_at",
        user.user.id
    )
    .fetch_all(tx.conn())
    .await?;
    let codes = sqlx::query_scalar!(
        "DELETE FROM recovery_codes WHERE user_id = $1 RETURNING used_at",
        user.user.id
    )
    .fetch_all(tx.conn())
    .await?;
    sqlx::query!(
        "DELETE FROM webauthn_ceremonies WHERE user_id = $1",
        user.user.id
    )
    .execute(tx.conn())
    .await?;
    let outcome = ResetOutcome {
        methods: count(methods.iter().filter(|at| at.is_some())),
        recovery_codes: count(codes.iter().filter(|used| used.is_none())),
        sessions: clear_session_mfa(tx, user).await?,
    };
    let event = Event::success(Action::MfaReset, now)
        .by(actor)
        .tenant(&tenant.id)
        .target(user.upn())
        .detail(serde_json::json!({
            "userId": user.user.id,
            "methodsRemoved": outcome.methods,
            "recoveryCodesRemoved": outcome.recovery_codes,
            "sessionsChallengedAgain": outcome.sessions,
        }));
    audit::record(tx, event).await?;
    if let Some(to) = user
        .mail
        .as_deref()
        .and_then(|mail| Email::parse(mail).ok())
    {
        let (by, by_address) = actor.mail_name(&tenant.display_name);
        let message = methods_reset_mail(
            &to,
            &tenant.display_name,
            &tenant.id,
            user.upn(),
            by,
            by_address,
        );
        enqueue(tx.conn(), mail.key, &message, now).await?;
    }
    Ok(outcome)
}

fn count<T>(items: impl Iterator<Item = T>) -> u64 {
    u64::try_from(items.count()).unwrap_or(u64::MAX)
}
