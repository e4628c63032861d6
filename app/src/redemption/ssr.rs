//! Redemption's server side: the live invitation behind a ticket, home-realm
//! discovery, e-mailed codes, and accepting.

use sqlx::{SqliteConnection, SqlitePool};

use super::{CodePurpose, HomeRealm};
use crate::auth::ssr::Identity;
use crate::domain::Email;
use crate::error::AppError;
use crate::ssr::audit::{self, Event, Outcome};
use crate::ssr::clock::UnixTime;
use crate::ssr::crypto::token_hash;
use crate::ssr::db::begin_write;
use crate::ssr::Result;
use crate::tenants::ssr::{find_tenant_by_domain, find_tenant_by_id, Tenant};

/// A code lives this long (DESIGN §3.2: 30 minutes).
pub const CODE_LIFETIME_SECS: i64 = 30 * 60;
/// Wrong guesses allowed on one code.
pub const CODE_ATTEMPTS: i64 = 5;
/// A new code for the same address and purpose waits this long after the
/// last, so a ticket cannot be used to flood someone's mailbox.
pub const CODE_RESEND_SECS: i64 = 60;

/// A pending, unexpired invitation found by its ticket.
#[derive(Debug, Clone)]
pub struct LiveInvitation {
    pub id: String,
    pub tenant: Tenant,
    pub guest_user_id: String,
    pub guest_upn: String,
    pub invited_email: String,
    pub redirect_url: String,
    pub message: Option<String>,
    pub allow_any_identity: bool,
    pub inviter_name: String,
}

/// Whether `ticket` could be a redeem token at all (43 base64url characters).
fn is_ticket_shaped(ticket: &str) -> bool {
    ticket.len() == 43
        && ticket
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The live invitation behind `ticket`; unknown, expired, revoked and used
/// tickets all answer `None`.
pub async fn find_live_invitation(
    conn: &mut SqliteConnection,
    ticket: &str,
    now: UnixTime,
) -> Result<Option<LiveInvitation>> {
    if !is_ticket_shaped(ticket) {
        return Ok(None);
    }
    let hash = token_hash(ticket);
    let Some(row) = sqlx::query!(
        r#"SELECT i.id, i.tenant_id, i.guest_user_id, g.user_principal_name AS guest_upn, i.invited_email,
                  i.redirect_url, i.message, i.allow_any_identity AS "allow_any_identity: bool",
                  i.inviter_name
           FROM invitations i JOIN users g ON g.id = i.guest_user_id
           WHERE i.token_hash = ? AND i.status = 'PendingAcceptance' AND i.expires_at > ?"#,
        hash,
        now
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let Some(tenant) = find_tenant_by_id(conn, &row.tenant_id).await? else {
        return Ok(None);
    };
    Ok(Some(LiveInvitation {
        id: row.id,
        inviter_name: row.inviter_name,
        tenant,
        guest_user_id: row.guest_user_id,
        guest_upn: row.guest_upn,
        invited_email: row.invited_email,
        redirect_url: row.redirect_url,
        message: row.message,
        allow_any_identity: row.allow_any_identity,
    }))
}

/// Home-realm discovery on the invited address (DESIGN §3.2).
pub async fn discover_home_realm(
    conn: &mut SqliteConnection,
    invitation: &LiveInvitation,
) -> Result<HomeRealm> {
    let email = invitation.invited_email.as_str();
    let domain = email.rsplit_once('@').map_or("", |(_, domain)| domain);
    if let Some(home) = find_tenant_by_domain(conn, domain).await? {
        return Ok(HomeRealm::Work {
            tenant_name: home.display_name,
        });
    }
    let personal = sqlx::query_scalar!("SELECT id FROM personal_accounts WHERE email = ?", email)
        .fetch_optional(&mut *conn)
        .await?;
    if personal.is_some() {
        return Ok(HomeRealm::Personal);
    }
    Ok(HomeRealm::New {
        email_otp: invitation.tenant.email_otp_enabled,
    })
}

/// Whether `identity` may redeem: it owns the invited address, or the
/// invitation was made for any identity.
pub fn may_redeem(invitation: &LiveInvitation, identity: &Identity) -> bool {
    invitation.allow_any_identity
        || identity
            .verified_email()
            .eq_ignore_ascii_case(&invitation.invited_email)
}

/// Issues a new 8-digit code for `email`, replacing any live one, and
/// returns it (for the caller to e-mail). Only its digest is stored. Within
/// [`CODE_RESEND_SECS`] of the last code: `TooManyAttempts`.
pub async fn issue_code(
    conn: &mut SqliteConnection,
    email: &Email,
    purpose: CodePurpose,
    now: UnixTime,
) -> Result<String> {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let (email, purpose) = (email.as_str(), purpose.as_str());
    let recent = now - CODE_RESEND_SECS;
    let too_soon = sqlx::query_scalar!(
        "SELECT id FROM email_codes
         WHERE email = ? AND purpose = ? AND consumed_at IS NULL AND created_at > ?",
        email,
        purpose,
        recent
    )
    .fetch_optional(&mut *conn)
    .await?;
    if too_soon.is_some() {
        return Err(AppError::TooManyAttempts.into());
    }
    sqlx::query!(
        "DELETE FROM email_codes WHERE email = ? AND purpose = ? AND consumed_at IS NULL",
        email,
        purpose
    )
    .execute(&mut *conn)
    .await?;
    let code = format!("{:08}", OsRng.next_u64() % 100_000_000);
    let id = uuid::Uuid::new_v4().to_string();
    let hash = token_hash(&format!("{id}:{code}"));
    let expires_at = now + CODE_LIFETIME_SECS;
    sqlx::query!(
        "INSERT INTO email_codes (id, email, purpose, code_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        id,
        email,
        purpose,
        hash,
        now,
        expires_at
    )
    .execute(conn)
    .await?;
    Ok(code)
}

/// Checks a code for `email` and uses it up. A wrong code counts against the
/// code's 5 attempts — recorded even though the call fails — and after
/// those, or after 30 minutes, the code is dead.
pub async fn verify_code(
    pool: &SqlitePool,
    email: &Email,
    purpose: CodePurpose,
    code: &str,
    now: UnixTime,
) -> Result<()> {
    let code = code.trim();
    if code.len() != 8 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::Invalid {
            field: "code".into(),
            message: "The code has 8 digits.".into(),
        }
        .into());
    }
    let (email, purpose) = (email.as_str(), purpose.as_str());
    let mut tx = begin_write(pool).await?;
    let Some(row) = sqlx::query!(
        "SELECT id, code_hash, attempts, expires_at FROM email_codes
         WHERE email = ? AND purpose = ? AND consumed_at IS NULL",
        email,
        purpose
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Err(AppError::Invalid {
            field: "code".into(),
            message: "Ask for a code first.".into(),
        }
        .into());
    };
    if row.expires_at <= now {
        return Err(AppError::Invalid {
            field: "code".into(),
            message: "The code has expired; ask for a new one.".into(),
        }
        .into());
    }
    if row.attempts >= CODE_ATTEMPTS {
        return Err(AppError::TooManyAttempts.into());
    }
    if token_hash(&format!("{}:{code}", row.id)) != row.code_hash {
        sqlx::query!(
            "UPDATE email_codes SET attempts = attempts + 1 WHERE id = ?",
            row.id
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        return Err(AppError::Invalid {
            field: "code".into(),
            message: "That code is not right.".into(),
        }
        .into());
    }
    sqlx::query!(
        "UPDATE email_codes SET consumed_at = ? WHERE id = ?",
        now,
        row.id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Redeems the invitation behind `ticket` for `identity`, in one
/// transaction: the invitation becomes `Accepted`, the guest object is bound
/// to the home identity and `Accepted`, and the audit event is written —
/// all or nothing. Concurrent redemptions serialise on the write lock; only
/// the first finds the invitation pending. Returns where to go next.
pub async fn accept_invitation(
    pool: &SqlitePool,
    ticket: &str,
    identity: &Identity,
    ip: Option<&str>,
    now: UnixTime,
) -> Result<String> {
    let mut tx = begin_write(pool).await?;
    let actor = identity.sign_in_name();
    let failure = |tenant_id, reason| redeem_failure(now, actor, ip, tenant_id, reason);
    let Some(invitation) = find_live_invitation(&mut tx, ticket, now).await? else {
        audit::record(&mut tx, failure(None, "invalidTicket")).await?;
        tx.commit().await?;
        return Err(AppError::InvitationNotValid.into());
    };
    let tenant_id = invitation.tenant.id.clone();
    let refuse = |reason| redeem_failure(now, actor, ip, Some(&tenant_id), reason);
    if !may_redeem(&invitation, identity) {
        audit::record(&mut tx, refuse("identityMismatch")).await?;
        tx.commit().await?;
        return Err(AppError::Forbidden.into());
    }
    if matches!(identity, Identity::Email(_)) && !invitation.tenant.email_otp_enabled {
        audit::record(&mut tx, refuse("emailOtpDisabled")).await?;
        tx.commit().await?;
        return Err(AppError::Forbidden.into());
    }
    let (home_kind, home_ref, home_tenant_id) = identity.home();
    if home_tenant_id == Some(invitation.tenant.id.as_str()) {
        audit::record(&mut tx, refuse("memberOfInvitingTenant")).await?;
        tx.commit().await?;
        return Err(AppError::Conflict(format!(
            "You are a member of {} already; sign in with your own account.",
            invitation.tenant.display_name
        ))
        .into());
    }
    let bound_elsewhere = sqlx::query_scalar!(
        "SELECT user_principal_name FROM users WHERE tenant_id = ? AND home_kind = ? AND home_ref = ? AND id <> ?",
        invitation.tenant.id,
        home_kind,
        home_ref,
        invitation.guest_user_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(upn) = bound_elsewhere {
        audit::record(&mut tx, refuse("alreadyGuest")).await?;
        tx.commit().await?;
        return Err(AppError::Conflict(format!(
            "You are a guest of {} already, as {upn}.",
            invitation.tenant.display_name
        ))
        .into());
    }

    let accepted = sqlx::query!(
        "UPDATE invitations SET status = 'Accepted', redeemed_at = ? WHERE id = ? AND status = 'PendingAcceptance'",
        now,
        invitation.id
    )
    .execute(&mut *tx)
    .await?;
    let bound = sqlx::query!(
        "UPDATE users SET home_kind = ?, home_ref = ?, home_tenant_id = ?,
                          external_user_state = 'Accepted', state_changed_at = ?
         WHERE id = ? AND external_user_state = 'PendingAcceptance' AND home_kind IS NULL",
        home_kind,
        home_ref,
        home_tenant_id,
        now,
        invitation.guest_user_id
    )
    .execute(&mut *tx)
    .await?;
    if accepted.rows_affected() != 1 || bound.rows_affected() != 1 {
        // Dropping the transaction rolls both back.
        return Err(AppError::InvitationNotValid.into());
    }
    audit::record(
        &mut tx,
        Event {
            at: now,
            tenant_id: Some(&invitation.tenant.id),
            actor: Some(actor),
            action: "invitation.redeem",
            target: Some(&invitation.guest_upn),
            outcome: Outcome::Success,
            ip,
            detail: serde_json::json!({ "invitationId": invitation.id, "homeKind": home_kind }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(invitation.redirect_url)
}

fn redeem_failure<'e>(
    now: UnixTime,
    actor: &'e str,
    ip: Option<&'e str>,
    tenant_id: Option<&'e str>,
    reason: &'static str,
) -> Event<'e> {
    Event {
        at: now,
        tenant_id,
        actor: Some(actor),
        action: "invitation.redeem",
        target: None,
        outcome: Outcome::Failure,
        ip,
        detail: serde_json::json!({ "reason": reason }),
    }
}
