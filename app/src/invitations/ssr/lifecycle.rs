//! Creating, re-sending and revoking invitations. Each is one transaction;
//! the state changes are conditional updates and unique constraints, so two
//! requests racing past a check end in one success and one conflict.

use secrecy::{ExposeSecret, SecretString};

use super::{find_invitation, redeem_url, Invitation, IssuedInvitation, NewInvitation};
use crate::domain::{
    DisplayName, ExternalUserState, InvitationStatus, Upn, UserType, GUESTS_PER_SEAT,
};
use crate::error::AppError;
use crate::mail::ssr::{enqueue, invitation_mail, InvitationMail, MailContext};
use crate::ssr::audit::{self, Action, Event};
use crate::ssr::clock::UnixTime;
use crate::ssr::crypto::{random_token, token_hash};
use crate::ssr::db::{self, Pool, Tx};
use crate::ssr::{Actor, Result, Stored};
use crate::tenants::ssr::Tenant;

const DAY_SECS: i64 = 24 * 60 * 60;

/// Invites `new.email` into `tenant`: creates the guest user object at once
/// (`PendingAcceptance`) and an invitation whose link is returned once.
///
/// Refused: a member address of this tenant (400); someone already a guest,
/// or with a live invitation (409); a premium tenant at its guest capacity
/// (422 `licenseCapacityExceeded`). A pending guest whose invitation expired
/// or was revoked gets a new one on the same object.
#[tracing::instrument(skip_all, fields(tenant = %tenant.slug.as_str()))]
pub async fn create_invitation(
    pool: &Pool,
    mail: MailContext<'_>,
    tenant: &Tenant,
    new: &NewInvitation,
    actor: &Actor,
    now: UnixTime,
) -> Result<IssuedInvitation> {
    db::write(pool, async |tx| {
        create_invitation_in(tx, mail, tenant, new, actor, now).await
    })
    .await
}

/// [`create_invitation`] inside the caller's write transaction.
pub(super) async fn create_invitation_in(
    tx: &mut Tx,
    mail: MailContext<'_>,
    tenant: &Tenant,
    new: &NewInvitation,
    actor: &Actor,
    now: UnixTime,
) -> Result<IssuedInvitation> {
    if new.email.domain() == tenant.domain.as_str() {
        return Err(AppError::Invalid {
            field: "email".into(),
            message: format!(
                "{} is an address of {} itself: members are not invited.",
                new.email.as_str(),
                tenant.display_name
            ),
        }
        .into());
    }
    let upn = Upn::for_guest(&new.email, &tenant.domain);
    let guest_user_id = find_or_create_guest(tx, tenant, new, &upn, actor, now).await?;

    let token = random_token::<32>();
    let invitation = Invitation {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: tenant.id.clone(),
        guest_user_id,
        guest_upn: upn,
        invited_email: new.email.clone(),
        invited_name: new
            .display_name
            .as_ref()
            .map(|name| name.as_str().to_owned()),
        redirect_url: new.redirect_url.clone(),
        message: new.message.clone(),
        status: InvitationStatus::PendingAcceptance,
        created_by: actor.audit_name(),
        created_at: now,
        expires_at: now + tenant.invitation_ttl_days * DAY_SECS,
        redeemed_at: None,
        send_email: new.send_email,
    };
    let hash = token_hash(token.expose_secret());
    let inviter_name = actor.mail_name(&tenant.display_name).0;
    let (email, redirect, message) = (
        invitation.invited_email.as_str(),
        invitation.redirect_url.as_str(),
        invitation.message.as_ref().map(|message| message.as_str()),
    );
    // At most one pending invitation per guest: a unique index, so a
    // concurrent invite of the same person is a conflict.
    sqlx::query!(
        "INSERT INTO invitations (id, tenant_id, guest_user_id, invited_email, invited_name, redirect_url,
                                  message, allow_any_identity, token_hash, status, created_by, created_at,
                                  expires_at, send_email, inviter_name)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'PendingAcceptance', $10, $11, $12, $13, $14)",
        invitation.id,
        invitation.tenant_id,
        invitation.guest_user_id,
        email,
        invitation.invited_name,
        redirect,
        message,
        new.allow_any_identity,
        hash,
        invitation.created_by,
        invitation.created_at,
        invitation.expires_at,
        new.send_email,
        inviter_name,
    )
    .execute(tx.conn())
    .await?;
    let event =
        event(Action::InvitationCreated, now, actor, &invitation).detail(serde_json::json!({
            "invitationId": invitation.id,
            "sendEmail": new.send_email,
            "allowAnyIdentity": new.allow_any_identity,
        }));
    audit::record(tx, event).await?;
    let redeem_url = redeem_url(mail.public_url, &token);
    if new.send_email {
        queue_invitation_mail(tx, mail, tenant, &invitation, actor, &redeem_url, now).await?;
    }
    Ok(IssuedInvitation {
        redeem_url,
        invitation,
    })
}

/// The guest object for `upn`: the existing pending one (its expired
/// invitation revoked), or a new one when the licence has room.
async fn find_or_create_guest(
    tx: &mut Tx,
    tenant: &Tenant,
    new: &NewInvitation,
    upn: &Upn,
    actor: &Actor,
    now: UnixTime,
) -> Result<String> {
    let upn_text = upn.as_str();
    let existing = sqlx::query!(
        r#"SELECT u.id, u.user_type, u.external_user_state,
                  (SELECT i.expires_at FROM invitations i
                    WHERE i.guest_user_id = u.id AND i.status = 'PendingAcceptance') AS "pending_expires_at?: i64"
           FROM users u WHERE u.user_principal_name = $1 AND u.tenant_id = $2"#,
        upn_text,
        tenant.id
    )
    .fetch_optional(tx.conn())
    .await?;
    let Some(user) = existing else {
        return create_guest(tx, tenant, new, upn, actor, now).await;
    };
    if UserType::parse(&user.user_type).stored("users.user_type")? != UserType::Guest {
        return Err(AppError::Conflict(format!("{upn_text} is taken by a member.")).into());
    }
    let state = user
        .external_user_state
        .as_deref()
        .map(ExternalUserState::parse)
        .transpose()
        .stored("users.external_user_state")?;
    if state == Some(ExternalUserState::Accepted) {
        return Err(AppError::Conflict(format!(
            "{} is already a guest of {}.",
            new.email.as_str(),
            tenant.display_name
        ))
        .into());
    }
    match user.pending_expires_at {
        Some(expires_at) if expires_at > now => Err(AppError::Conflict(format!(
            "{} already has a pending invitation; resend it instead.",
            new.email.as_str()
        ))
        .into()),
        Some(_) => {
            // Expired: it stays in the history as revoked, replaced by the new one.
            sqlx::query!(
                "UPDATE invitations SET status = 'Revoked'
                 WHERE guest_user_id = $1 AND status = 'PendingAcceptance' AND expires_at <= $2",
                user.id,
                now
            )
            .execute(tx.conn())
            .await?;
            Ok(user.id)
        }
        None => Ok(user.id),
    }
}

/// Inserts a new pending guest object — in one statement that also checks
/// the premium licence's guest capacity, so no count read earlier can be
/// stale by the time the row is written.
async fn create_guest(
    tx: &mut Tx,
    tenant: &Tenant,
    new: &NewInvitation,
    upn: &Upn,
    actor: &Actor,
    now: UnixTime,
) -> Result<String> {
    let id = uuid::Uuid::new_v4().to_string();
    let display_name = new
        .display_name
        .as_ref()
        .map_or(new.email.as_str(), DisplayName::as_str);
    let capacity = tenant.licence()?.guest_capacity();
    let (upn, email, invited_by) = (upn.as_str(), new.email.as_str(), actor.user_id());
    let inserted = sqlx::query!(
        "INSERT INTO users (id, tenant_id, user_principal_name, display_name, mail, user_type,
                            external_user_state, state_changed_at, invited_by, created_at)
         SELECT $1, $2, $3, $4, $5, 'Guest', 'PendingAcceptance', $6, $7, $6
         WHERE $8 IS NULL
            OR (SELECT COUNT(*) FROM users WHERE tenant_id = $2 AND user_type = 'Guest') < $8",
        id,
        tenant.id,
        upn,
        display_name,
        email,
        now,
        invited_by,
        capacity,
    )
    .execute(tx.conn())
    .await?;
    if inserted.rows_affected() == 0 {
        let seats = tenant.premium_seats;
        let guests = capacity.unwrap_or_default();
        return Err(AppError::refused(
            "licenseCapacityExceeded",
            format!(
                "{} has {guests} guests, all that its {seats} premium seats cover \
                 ({GUESTS_PER_SEAT} guests per seat). Add seats to invite more.",
                tenant.display_name
            ),
        )
        .into());
    }
    Ok(id)
}

/// Issues a new link for a pending (or expired) invitation: a new token and a
/// new expiry; the old link stops working at once. It is e-mailed when the
/// invitation's link goes by e-mail; otherwise the caller hands it over.
#[tracing::instrument(skip_all, fields(tenant = %tenant.slug.as_str(), invitation = id))]
pub async fn resend_invitation(
    pool: &Pool,
    mail: MailContext<'_>,
    tenant: &Tenant,
    id: &str,
    actor: &Actor,
    now: UnixTime,
) -> Result<IssuedInvitation> {
    db::write(pool, async |tx| {
        let mut invitation = find_invitation(tx, tenant, id, now).await?;
        refuse_unless_pending(invitation.status)?;
        let token = random_token::<32>();
        let hash = token_hash(token.expose_secret());
        invitation.expires_at = now + tenant.invitation_ttl_days * DAY_SECS;
        invitation.status = InvitationStatus::PendingAcceptance;
        // The person re-sending now vouches for the invitation: mail and
        // redeem page name them.
        let inviter_name = actor.mail_name(&tenant.display_name).0;
        let updated = sqlx::query!(
            "UPDATE invitations SET token_hash = $1, expires_at = $2, inviter_name = $3
             WHERE id = $4 AND status = 'PendingAcceptance'",
            hash,
            invitation.expires_at,
            inviter_name,
            invitation.id
        )
        .execute(tx.conn())
        .await?;
        if updated.rows_affected() != 1 {
            return Err(changed_meanwhile());
        }
        audit::record(tx, event(Action::InvitationResent, now, actor, &invitation)).await?;
        let redeem_url = redeem_url(mail.public_url, &token);
        if invitation.send_email {
            queue_invitation_mail(tx, mail, tenant, &invitation, actor, &redeem_url, now).await?;
        }
        Ok(IssuedInvitation {
            redeem_url,
            invitation,
        })
    })
    .await
}

/// Revokes a pending invitation: its link stops working; the guest object
/// stays (pending) for a later invitation. Revoking twice is no error.
#[tracing::instrument(skip_all, fields(tenant = %tenant.slug.as_str(), invitation = id))]
pub async fn revoke_invitation(
    pool: &Pool,
    tenant: &Tenant,
    id: &str,
    actor: &Actor,
    now: UnixTime,
) -> Result<Invitation> {
    db::write(pool, async |tx| {
        let mut invitation = find_invitation(tx, tenant, id, now).await?;
        if invitation.status == InvitationStatus::Revoked {
            return Ok(invitation);
        }
        refuse_unless_pending(invitation.status)?;
        let revoked = sqlx::query!(
            "UPDATE invitations SET status = 'Revoked' WHERE id = $1 AND status = 'PendingAcceptance'",
            invitation.id
        )
        .execute(tx.conn())
        .await?;
        if revoked.rows_affected() != 1 {
            return Err(changed_meanwhile());
        }
        audit::record(tx, event(Action::InvitationRevoked, now, actor, &invitation)).await?;
        invitation.status = InvitationStatus::Revoked;
        Ok(invitation)
    })
    .await
}

/// The audit event of a change to `invitation`.
fn event(action: Action, now: UnixTime, actor: &Actor, invitation: &Invitation) -> Event {
    Event::success(action, now)
        .by(actor)
        .tenant(&invitation.tenant_id)
        .target(invitation.guest_upn.as_str())
        .detail(serde_json::json!({ "invitationId": invitation.id }))
}

/// Resend and revoke work on pending (or expired) invitations only.
fn refuse_unless_pending(status: InvitationStatus) -> Result<()> {
    match status {
        InvitationStatus::PendingAcceptance | InvitationStatus::Expired => Ok(()),
        InvitationStatus::Accepted => {
            Err(AppError::Conflict("The invitation was accepted already.".into()).into())
        }
        InvitationStatus::Revoked => Err(AppError::Conflict(
            "The invitation was revoked; invite the person again.".into(),
        )
        .into()),
    }
}

/// A conditional update found the invitation no longer pending: someone
/// redeemed or revoked it between our read and our write.
fn changed_meanwhile() -> crate::ssr::Error {
    AppError::Conflict("The invitation changed meanwhile; reload and try again.".into()).into()
}

/// Queues the invitation mail for `invitation` with its fresh link.
async fn queue_invitation_mail(
    tx: &mut Tx,
    mail: MailContext<'_>,
    tenant: &Tenant,
    invitation: &Invitation,
    actor: &Actor,
    redeem_url: &SecretString,
    now: UnixTime,
) -> Result<()> {
    let (inviter_name, inviter_email) = actor.mail_name(&tenant.display_name);
    let privacy_url = tenant.privacy_statement(mail.public_url);
    let outgoing = invitation_mail(&InvitationMail {
        tenant_id: &tenant.id,
        tenant_name: &tenant.display_name,
        inviter_name,
        inviter_email,
        to: &invitation.invited_email,
        message: invitation.message.as_ref().map(|message| message.as_str()),
        redeem_url,
        redirect_url: invitation.redirect_url.as_str(),
        privacy_url: &privacy_url,
    });
    enqueue(tx, mail.key, &outgoing, now).await?;
    Ok(())
}
