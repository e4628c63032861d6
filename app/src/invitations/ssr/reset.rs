//! Resetting a redeemed guest's redemption (DESIGN §2): the guest is
//! unbound from its home identity and invited again, keeping its object id,
//! UPN and assignments.

use super::lifecycle::create_invitation_in;
use super::{IssuedInvitation, NewInvitation};
use crate::domain::{DisplayName, Email, RedirectUrl};
use crate::error::AppError;
use crate::mail::ssr::MailContext;
use crate::ssr::audit::{self, Action, Event};
use crate::ssr::clock::UnixTime;
use crate::ssr::db::{self, Pool, Tx};
use crate::ssr::{Actor, Result, Stored};
use crate::tenants::ssr::Tenant;

/// Unbinds a redeemed guest's home identity, sets it back to
/// `PendingAcceptance` and e-mails a new invitation to its address, in one
/// transaction. A guest that has not redeemed is refused (resend its
/// invitation instead).
#[tracing::instrument(skip_all, fields(tenant = %tenant.slug.as_str(), guest = guest_user_id))]
pub async fn reset_redemption(
    pool: &Pool,
    mail: MailContext<'_>,
    tenant: &Tenant,
    guest_user_id: &str,
    redirect_url: &RedirectUrl,
    actor: &Actor,
    now: UnixTime,
) -> Result<IssuedInvitation> {
    db::write(pool, async |tx| {
        reset_redemption_in(tx, mail, tenant, guest_user_id, redirect_url, actor, now).await
    })
    .await
}

/// [`reset_redemption`] inside the caller's transaction (the user page
/// resets the methods in the same one when asked to).
pub async fn reset_redemption_in(
    tx: &mut Tx,
    mail: MailContext<'_>,
    tenant: &Tenant,
    guest_user_id: &str,
    redirect_url: &RedirectUrl,
    actor: &Actor,
    now: UnixTime,
) -> Result<IssuedInvitation> {
    let guest = sqlx::query!(
        "SELECT user_principal_name, mail, display_name FROM users
             WHERE id = $1 AND tenant_id = $2 AND user_type = 'Guest'",
        guest_user_id,
        tenant.id
    )
    .fetch_optional(tx.conn())
    .await?
    .ok_or_else(|| AppError::NotFound("The guest".into()))?;
    let unbound = sqlx::query!(
        "UPDATE users SET home_kind = NULL, home_ref = NULL, home_tenant_id = NULL,
                              external_user_state = 'PendingAcceptance', state_changed_at = $1
             WHERE id = $2 AND external_user_state = 'Accepted'",
        now,
        guest_user_id
    )
    .execute(tx.conn())
    .await?;
    if unbound.rows_affected() != 1 {
        return Err(AppError::Conflict(format!(
            "{} has not redeemed an invitation; resend it instead.",
            guest.user_principal_name
        ))
        .into());
    }
    sqlx::query!(
        "UPDATE invitations SET status = 'Revoked'
             WHERE guest_user_id = $1 AND status = 'PendingAcceptance'",
        guest_user_id
    )
    .execute(tx.conn())
    .await?;
    let event = Event::success(Action::GuestRedemptionReset, now)
        .by(actor)
        .tenant(&tenant.id)
        .target(&guest.user_principal_name)
        .detail(serde_json::json!({ "userId": guest_user_id }));
    audit::record(tx, event).await?;
    let address = guest.mail.as_deref().map(Email::parse).transpose();
    let email = address
        .stored("users.mail")?
        .ok_or_else(|| crate::ssr::Error::Corrupt {
            what: "users.mail",
            source: crate::domain::ParseError("a guest without an address".into()),
        })?;
    let new = NewInvitation {
        email,
        display_name: DisplayName::parse(&guest.display_name).ok(),
        redirect_url: redirect_url.clone(),
        message: None,
        send_email: true,
        allow_any_identity: false,
    };
    create_invitation_in(tx, mail, tenant, &new, actor, now).await
}
