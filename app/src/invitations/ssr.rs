//! The invitation lifecycle: create (with the guest object), resend, revoke,
//! reset redemption, list. Every change is one `BEGIN IMMEDIATE` transaction
//! with its audit event, so a crash leaves all of it or none.

use secrecy::{ExposeSecret, SecretString};
use sqlx::{SqliteConnection, SqlitePool};

use super::InvitationStatus;
use crate::domain::{
    DisplayName, Email, InvitationMessage, RedirectUrl, Upn, UserType, GUESTS_PER_SEAT,
};
use crate::error::AppError;
use crate::mail::ssr::{enqueue, invitation_mail, InvitationMail};
use crate::ssr::audit::{self, Event, Outcome};
use crate::ssr::clock::UnixTime;
use crate::ssr::config::PublicUrl;
use crate::ssr::crypto::{random_token, token_hash};
use crate::ssr::db::begin_write;
use crate::ssr::state::SecretKey;
use crate::ssr::Result;
use crate::tenants::ssr::{count_guests, Tenant};

const DAY_SECS: i64 = 24 * 60 * 60;

/// Who invites: recorded on the invitation and in the audit trail.
#[derive(Debug, Clone)]
pub enum Inviter {
    /// A signed-in user of the tenant (an admin, or a member when allowed).
    User {
        id: String,
        upn: String,
        display_name: String,
    },
    /// A REST API bearer token.
    ApiToken { id: String, name: String },
    /// The operator's command line.
    Cli,
}

impl Inviter {
    /// How the audit trail names this inviter.
    pub fn actor(&self) -> String {
        match self {
            Self::User { upn, .. } => upn.clone(),
            Self::ApiToken { id, name } => format!("api-token:{id} ({name})"),
            Self::Cli => "gatehouse cli".to_owned(),
        }
    }

    fn user_id(&self) -> Option<&str> {
        match self {
            Self::User { id, .. } => Some(id),
            _ => None,
        }
    }
}

impl Inviter {
    /// How the invitation mail names the inviter: a person by name, anything
    /// else as the tenant itself.
    fn mail_name<'a>(&'a self, tenant: &'a Tenant) -> (&'a str, Option<&'a str>) {
        match self {
            Self::User {
                display_name, upn, ..
            } => (display_name, Some(upn)),
            _ => (&tenant.display_name, None),
        }
    }
}

/// What every invitation change needs besides the database: where links
/// point, and the key that seals the outgoing mail.
#[derive(Clone, Copy)]
pub struct MailContext<'a> {
    pub public_url: &'a PublicUrl,
    pub key: &'a SecretKey,
}

/// Queues the invitation mail for `invitation` with its fresh link.
async fn queue_invitation_mail(
    conn: &mut SqliteConnection,
    mail: MailContext<'_>,
    tenant: &Tenant,
    invitation: &Invitation,
    inviter: &Inviter,
    redeem_url: &SecretString,
    now: UnixTime,
) -> Result<()> {
    let to = Email::parse(&invitation.invited_email).map_err(|e| crate::ssr::Error::Other(e.0))?;
    let (inviter_name, inviter_email) = inviter.mail_name(tenant);
    let outgoing = invitation_mail(&InvitationMail {
        tenant_id: &tenant.id,
        tenant_name: &tenant.display_name,
        inviter_name,
        inviter_email,
        to: &to,
        message: invitation.message.as_deref(),
        redeem_url,
        redirect_url: &invitation.redirect_url,
        public_url: mail.public_url,
    });
    enqueue(conn, mail.key, &outgoing, now).await?;
    Ok(())
}

/// What it takes to invite someone, already parsed.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub email: Email,
    pub display_name: Option<DisplayName>,
    pub redirect_url: RedirectUrl,
    pub message: Option<InvitationMessage>,
    pub send_email: bool,
    /// Let any identity redeem, not only the invited address's owner.
    pub allow_any_identity: bool,
}

/// An invitation as stored (no token: only its hash is kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: String,
    pub tenant_id: String,
    pub guest_user_id: String,
    pub guest_upn: String,
    pub invited_email: String,
    pub invited_name: Option<String>,
    pub redirect_url: String,
    pub message: Option<String>,
    pub status: InvitationStatus,
    pub created_by: String,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
    pub redeemed_at: Option<UnixTime>,
    /// Whether its link goes by e-mail (else the inviter hands it over).
    pub send_email: bool,
}

/// A new or re-sent invitation with its redeem link, which exists only now.
pub struct IssuedInvitation {
    pub invitation: Invitation,
    pub redeem_url: SecretString,
}

impl std::fmt::Debug for IssuedInvitation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedInvitation")
            .field("invitation", &self.invitation)
            .finish_non_exhaustive()
    }
}

fn redeem_url(public_url: &PublicUrl, token: &SecretString) -> SecretString {
    SecretString::from(format!(
        "{}/redeem?ticket={}",
        public_url.origin(),
        token.expose_secret()
    ))
}

fn status_at(stored: &str, expires_at: UnixTime, now: UnixTime) -> InvitationStatus {
    match stored {
        "Accepted" => InvitationStatus::Accepted,
        "Revoked" => InvitationStatus::Revoked,
        _ if expires_at <= now => InvitationStatus::Expired,
        _ => InvitationStatus::PendingAcceptance,
    }
}

/// Invites `new.email` into `tenant`: creates the guest user object at once
/// (`PendingAcceptance`) and an invitation whose link is returned once.
///
/// Refused: a member address of this tenant (400); someone already a guest,
/// or with a live invitation (409); a premium tenant at its guest capacity
/// (422 `licenseCapacityExceeded`). A pending guest whose invitation expired
/// or was revoked gets a new one on the same object.
pub async fn create_invitation(
    pool: &SqlitePool,
    mail: MailContext<'_>,
    tenant: &Tenant,
    new: &NewInvitation,
    inviter: &Inviter,
    now: UnixTime,
) -> Result<IssuedInvitation> {
    let mut tx = begin_write(pool).await?;
    let issued = create_invitation_in(&mut tx, mail, tenant, new, inviter, now).await?;
    tx.commit().await?;
    Ok(issued)
}

/// [`create_invitation`] inside the caller's write transaction.
async fn create_invitation_in(
    tx: &mut SqliteConnection,
    mail: MailContext<'_>,
    tenant: &Tenant,
    new: &NewInvitation,
    inviter: &Inviter,
    now: UnixTime,
) -> Result<IssuedInvitation> {
    if new.email.domain() == tenant.domain {
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
    let domain = crate::domain::DomainName::parse(&tenant.domain)
        .map_err(|e| crate::ssr::Error::Other(e.0))?;
    let upn = Upn::for_guest(&new.email, &domain);
    let (upn_text, email, invited_by) = (upn.as_str(), new.email.as_str(), inviter.user_id());

    let existing = sqlx::query!(
        r#"SELECT u.id, u.user_type, u.external_user_state,
                  (SELECT i.expires_at FROM invitations i
                    WHERE i.guest_user_id = u.id AND i.status = 'PendingAcceptance') AS "pending_expires_at?: i64"
           FROM users u WHERE u.user_principal_name = ? AND u.tenant_id = ?"#,
        upn_text,
        tenant.id
    )
    .fetch_optional(&mut *tx)
    .await?;

    let guest_user_id = match existing {
        Some(user) if user.user_type != UserType::Guest.as_str() => {
            return Err(
                AppError::Conflict(format!("{} is taken by a member.", upn.as_str())).into(),
            );
        }
        Some(user) if user.external_user_state.as_deref() == Some("Accepted") => {
            return Err(AppError::Conflict(format!(
                "{} is already a guest of {}.",
                new.email.as_str(),
                tenant.display_name
            ))
            .into());
        }
        Some(user) => match user.pending_expires_at {
            Some(expires_at) if expires_at > now => {
                return Err(AppError::Conflict(format!(
                    "{} already has a pending invitation; resend it instead.",
                    new.email.as_str()
                ))
                .into());
            }
            Some(_) => {
                // Expired: it stays in the history as revoked, replaced by the new one.
                sqlx::query!(
                    "UPDATE invitations SET status = 'Revoked'
                     WHERE guest_user_id = ? AND status = 'PendingAcceptance'",
                    user.id
                )
                .execute(&mut *tx)
                .await?;
                user.id
            }
            None => user.id,
        },
        None => {
            if let Some(capacity) = tenant.licence().guest_capacity() {
                let guests = count_guests(&mut *tx, &tenant.id).await?;
                if guests >= capacity {
                    return Err(AppError::refused(
                        "licenseCapacityExceeded",
                        format!(
                            "{} has {guests} guests, all that its {} premium seats cover \
                             ({GUESTS_PER_SEAT} guests per seat). Add seats to invite more.",
                            tenant.display_name, tenant.premium_seats
                        ),
                    )
                    .into());
                }
            }
            let id = uuid::Uuid::new_v4().to_string();
            let display_name = new
                .display_name
                .as_ref()
                .map_or(new.email.as_str(), DisplayName::as_str);
            sqlx::query!(
                "INSERT INTO users (id, tenant_id, user_principal_name, display_name, mail, user_type,
                                    external_user_state, state_changed_at, invited_by, created_at)
                 VALUES (?, ?, ?, ?, ?, 'Guest', 'PendingAcceptance', ?, ?, ?)",
                id,
                tenant.id,
                upn_text,
                display_name,
                email,
                now,
                invited_by,
                now,
            )
            .execute(&mut *tx)
            .await?;
            id
        }
    };

    let token = random_token::<32>();
    let invitation = Invitation {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: tenant.id.clone(),
        guest_user_id,
        guest_upn: upn.as_str().to_owned(),
        invited_email: new.email.as_str().to_owned(),
        invited_name: new
            .display_name
            .as_ref()
            .map(|name| name.as_str().to_owned()),
        redirect_url: new.redirect_url.as_str().to_owned(),
        message: new
            .message
            .as_ref()
            .map(|message| message.as_str().to_owned()),
        status: InvitationStatus::PendingAcceptance,
        created_by: inviter.actor(),
        created_at: now,
        expires_at: now + tenant.invitation_ttl_days * DAY_SECS,
        redeemed_at: None,
        send_email: new.send_email,
    };
    let hash = token_hash(token.expose_secret());
    let inviter_name = inviter.mail_name(tenant).0;
    sqlx::query!(
        "INSERT INTO invitations (id, tenant_id, guest_user_id, invited_email, invited_name, redirect_url,
                                  message, allow_any_identity, token_hash, status, created_by, created_at,
                                  expires_at, send_email, inviter_name)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'PendingAcceptance', ?, ?, ?, ?, ?)",
        invitation.id,
        invitation.tenant_id,
        invitation.guest_user_id,
        invitation.invited_email,
        invitation.invited_name,
        invitation.redirect_url,
        invitation.message,
        new.allow_any_identity,
        hash,
        invitation.created_by,
        invitation.created_at,
        invitation.expires_at,
        new.send_email,
        inviter_name,
    )
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        Event {
            at: now,
            tenant_id: Some(&tenant.id),
            actor: Some(&invitation.created_by),
            action: "invitation.create",
            target: Some(&invitation.guest_upn),
            outcome: Outcome::Success,
            ip: None,
            detail: serde_json::json!({
                "invitationId": invitation.id,
                "sendEmail": new.send_email,
                "allowAnyIdentity": new.allow_any_identity,
            }),
        },
    )
    .await?;
    let redeem_url = redeem_url(mail.public_url, &token);
    if new.send_email {
        queue_invitation_mail(tx, mail, tenant, &invitation, inviter, &redeem_url, now).await?;
    }
    Ok(IssuedInvitation {
        redeem_url,
        invitation,
    })
}

/// The invitation `id` of `tenant`; another tenant's is not found.
pub async fn find_invitation(
    conn: &mut SqliteConnection,
    tenant: &Tenant,
    id: &str,
    now: UnixTime,
) -> Result<Invitation> {
    let row = sqlx::query_as!(
        InvitationRow,
        r#"SELECT i.id, i.tenant_id, i.guest_user_id, u.user_principal_name AS guest_upn, i.invited_email,
                  i.invited_name, i.redirect_url, i.message, i.status, i.created_by, i.created_at,
                  i.expires_at, i.redeemed_at, i.send_email AS "send_email: bool"
           FROM invitations i JOIN users u ON u.id = i.guest_user_id
           WHERE i.id = ? AND i.tenant_id = ?"#,
        id,
        tenant.id
    )
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| AppError::NotFound("The invitation".into()))?;
    Ok(row.at(now))
}

/// An `invitations` row joined with its guest's UPN, as the queries here
/// read it; [`InvitationRow::at`] derives the status at a given time.
struct InvitationRow {
    id: String,
    tenant_id: String,
    guest_user_id: String,
    guest_upn: String,
    invited_email: String,
    invited_name: Option<String>,
    redirect_url: String,
    message: Option<String>,
    status: String,
    created_by: String,
    created_at: i64,
    expires_at: i64,
    redeemed_at: Option<i64>,
    send_email: bool,
}

impl InvitationRow {
    fn at(self, now: UnixTime) -> Invitation {
        Invitation {
            status: status_at(&self.status, self.expires_at, now),
            id: self.id,
            tenant_id: self.tenant_id,
            guest_user_id: self.guest_user_id,
            guest_upn: self.guest_upn,
            invited_email: self.invited_email,
            invited_name: self.invited_name,
            redirect_url: self.redirect_url,
            message: self.message,
            created_by: self.created_by,
            created_at: self.created_at,
            expires_at: self.expires_at,
            redeemed_at: self.redeemed_at,
            send_email: self.send_email,
        }
    }
}

/// Issues a new link for a pending (or expired) invitation: a new token and a
/// new expiry; the old link stops working at once. It is e-mailed when the
/// invitation's link goes by e-mail; otherwise the caller hands it over.
pub async fn resend_invitation(
    pool: &SqlitePool,
    mail: MailContext<'_>,
    tenant: &Tenant,
    id: &str,
    inviter: &Inviter,
    now: UnixTime,
) -> Result<IssuedInvitation> {
    let actor = inviter.actor();
    let actor = actor.as_str();
    let mut tx = begin_write(pool).await?;
    let mut invitation = find_invitation(&mut tx, tenant, id, now).await?;
    match invitation.status {
        InvitationStatus::Accepted => {
            return Err(AppError::Conflict("The invitation was accepted already.".into()).into())
        }
        InvitationStatus::Revoked => {
            return Err(AppError::Conflict(
                "The invitation was revoked; invite the person again.".into(),
            )
            .into())
        }
        InvitationStatus::PendingAcceptance | InvitationStatus::Expired => {}
    }
    let token = random_token::<32>();
    let hash = token_hash(token.expose_secret());
    invitation.expires_at = now + tenant.invitation_ttl_days * DAY_SECS;
    invitation.status = InvitationStatus::PendingAcceptance;
    // The person re-sending now vouches for the invitation: mail and redeem
    // page name them.
    let inviter_name = inviter.mail_name(tenant).0;
    sqlx::query!(
        "UPDATE invitations SET token_hash = ?, expires_at = ?, inviter_name = ?
         WHERE id = ? AND status = 'PendingAcceptance'",
        hash,
        invitation.expires_at,
        inviter_name,
        invitation.id
    )
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        Event {
            at: now,
            tenant_id: Some(&tenant.id),
            actor: Some(actor),
            action: "invitation.resend",
            target: Some(&invitation.guest_upn),
            outcome: Outcome::Success,
            ip: None,
            detail: serde_json::json!({ "invitationId": invitation.id }),
        },
    )
    .await?;
    let redeem_url = redeem_url(mail.public_url, &token);
    if invitation.send_email {
        queue_invitation_mail(
            &mut tx,
            mail,
            tenant,
            &invitation,
            inviter,
            &redeem_url,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(IssuedInvitation {
        redeem_url,
        invitation,
    })
}

/// Revokes a pending invitation: its link stops working; the guest object
/// stays (pending) for a later invitation. Revoking twice is no error.
pub async fn revoke_invitation(
    pool: &SqlitePool,
    tenant: &Tenant,
    id: &str,
    actor: &str,
    now: UnixTime,
) -> Result<Invitation> {
    let mut tx = begin_write(pool).await?;
    let mut invitation = find_invitation(&mut tx, tenant, id, now).await?;
    match invitation.status {
        InvitationStatus::Accepted => {
            return Err(AppError::Conflict("The invitation was accepted already.".into()).into())
        }
        InvitationStatus::Revoked => return Ok(invitation),
        InvitationStatus::PendingAcceptance | InvitationStatus::Expired => {}
    }
    sqlx::query!(
        "UPDATE invitations SET status = 'Revoked' WHERE id = ?",
        invitation.id
    )
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        Event {
            at: now,
            tenant_id: Some(&tenant.id),
            actor: Some(actor),
            action: "invitation.revoke",
            target: Some(&invitation.guest_upn),
            outcome: Outcome::Success,
            ip: None,
            detail: serde_json::json!({ "invitationId": invitation.id }),
        },
    )
    .await?;
    tx.commit().await?;
    invitation.status = InvitationStatus::Revoked;
    Ok(invitation)
}

/// Invitations of a tenant, newest first, optionally of one status, at most
/// `limit`, continuing after the invitation `after` (keyset).
pub async fn list_invitations(
    conn: &mut SqliteConnection,
    tenant: &Tenant,
    status: Option<InvitationStatus>,
    after: Option<&str>,
    limit: i64,
    now: UnixTime,
) -> Result<Vec<Invitation>> {
    // Expired is a pending invitation past its expiry; the filter says so in SQL.
    let (stored, expiry) = match status {
        None => (None, 0),
        Some(InvitationStatus::PendingAcceptance) => (Some("PendingAcceptance"), 1),
        Some(InvitationStatus::Expired) => (Some("PendingAcceptance"), -1),
        Some(InvitationStatus::Accepted) => (Some("Accepted"), 0),
        Some(InvitationStatus::Revoked) => (Some("Revoked"), 0),
    };
    let (after_created, after_id) = match after {
        Some(id) => {
            let created = sqlx::query_scalar!(
                "SELECT created_at FROM invitations WHERE id = ? AND tenant_id = ?",
                id,
                tenant.id
            )
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| AppError::Invalid {
                field: "cursor".into(),
                message: "The cursor is not valid.".into(),
            })?;
            (created, id.to_owned())
        }
        None => (i64::MAX, String::new()),
    };
    let rows = sqlx::query_as!(
        InvitationRow,
        r#"SELECT i.id, i.tenant_id, i.guest_user_id, u.user_principal_name AS guest_upn, i.invited_email,
                  i.invited_name, i.redirect_url, i.message, i.status, i.created_by, i.created_at,
                  i.expires_at, i.redeemed_at, i.send_email AS "send_email: bool"
           FROM invitations i JOIN users u ON u.id = i.guest_user_id
           WHERE i.tenant_id = ?1
             AND (?2 IS NULL OR i.status = ?2)
             AND (?3 = 0 OR (?3 = 1 AND i.expires_at > ?4) OR (?3 = -1 AND i.expires_at <= ?4))
             AND (i.created_at < ?5 OR (i.created_at = ?5 AND i.id < ?6) OR ?6 = '')
           ORDER BY i.created_at DESC, i.id DESC
           LIMIT ?7"#,
        tenant.id,
        stored,
        expiry,
        now,
        after_created,
        after_id,
        limit
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|row| row.at(now)).collect())
}

/// Resets a redeemed guest's redemption (DESIGN §2): unbinds its home
/// identity, sets it back to `PendingAcceptance` and e-mails a new
/// invitation to its address. The object id, UPN and assignments are kept.
/// A guest that has not redeemed is refused (resend its invitation instead).
pub async fn reset_redemption(
    pool: &SqlitePool,
    mail: MailContext<'_>,
    tenant: &Tenant,
    guest_user_id: &str,
    redirect_url: &RedirectUrl,
    inviter: &Inviter,
    now: UnixTime,
) -> Result<IssuedInvitation> {
    let mut tx = begin_write(pool).await?;
    let guest = sqlx::query!(
        "SELECT user_principal_name, mail, display_name, external_user_state FROM users
         WHERE id = ? AND tenant_id = ? AND user_type = 'Guest'",
        guest_user_id,
        tenant.id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::NotFound("The guest".into()))?;
    if guest.external_user_state.as_deref() != Some("Accepted") {
        return Err(AppError::Conflict(format!(
            "{} has not redeemed an invitation; resend it instead.",
            guest.user_principal_name
        ))
        .into());
    }
    let address = guest
        .mail
        .ok_or_else(|| crate::ssr::Error::Other(format!("guest {guest_user_id} has no mail")))?;
    sqlx::query!(
        "UPDATE users SET home_kind = NULL, home_ref = NULL, home_tenant_id = NULL,
                          external_user_state = 'PendingAcceptance', state_changed_at = ?
         WHERE id = ?",
        now,
        guest_user_id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE invitations SET status = 'Revoked' WHERE guest_user_id = ? AND status = 'PendingAcceptance'",
        guest_user_id
    )
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        Event {
            at: now,
            tenant_id: Some(&tenant.id),
            actor: Some(&inviter.actor()),
            action: "guest.reset_redemption",
            target: Some(&guest.user_principal_name),
            outcome: Outcome::Success,
            ip: None,
            detail: serde_json::json!({ "userId": guest_user_id }),
        },
    )
    .await?;
    let new = NewInvitation {
        email: Email::parse(&address).map_err(|e| crate::ssr::Error::Other(e.0))?,
        display_name: DisplayName::parse(&guest.display_name).ok(),
        redirect_url: redirect_url.clone(),
        message: None,
        send_email: true,
        allow_any_identity: false,
    };
    let issued = create_invitation_in(&mut tx, mail, tenant, &new, inviter, now).await?;
    tx.commit().await?;
    Ok(issued)
}
