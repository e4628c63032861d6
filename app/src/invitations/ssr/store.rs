//! The `invitations` rows: read (joined with the guest's UPN) and decoded
//! into [`Invitation`]s once, here.

use super::Invitation;
use crate::domain::{Email, InvitationMessage, InvitationStatus, RedirectUrl, Upn};
use crate::error::AppError;
use crate::ssr::clock::UnixTime;
use crate::ssr::db::Conn;
use crate::ssr::page::{Page, PageSize};
use crate::ssr::{Result, Stored};
use crate::tenants::ssr::Tenant;

/// An `invitations` row joined with its guest's UPN, as the queries here
/// read it; [`InvitationRow::decode`] derives the status at a given time.
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
    fn decode(self, now: UnixTime) -> Result<Invitation> {
        let stored = InvitationStatus::parse(&self.status).stored("invitations.status")?;
        let status = match stored {
            InvitationStatus::PendingAcceptance if self.expires_at <= now => {
                InvitationStatus::Expired
            }
            status => status,
        };
        Ok(Invitation {
            status,
            guest_upn: Upn::parse(&self.guest_upn).stored("users.user_principal_name")?,
            invited_email: Email::parse(&self.invited_email).stored("invitations.invited_email")?,
            redirect_url: RedirectUrl::from_stored(&self.redirect_url)
                .stored("invitations.redirect_url")?,
            message: stored_message(self.message.as_deref())?,
            id: self.id,
            tenant_id: self.tenant_id,
            guest_user_id: self.guest_user_id,
            invited_name: self.invited_name,
            created_by: self.created_by,
            created_at: self.created_at,
            expires_at: self.expires_at,
            redeemed_at: self.redeemed_at,
            send_email: self.send_email,
        })
    }
}

/// An invitation's stored personal message, parsed.
pub(crate) fn stored_message(message: Option<&str>) -> Result<Option<InvitationMessage>> {
    let parsed = message.map(InvitationMessage::parse).transpose();
    Ok(parsed.stored("invitations.message")?.flatten())
}

/// The columns of [`InvitationRow`], joined with the guest's UPN; `$rest`
/// goes on from the join.
macro_rules! select_invitations {
    ($rest:tt, $($arg:expr),*) => {
        sqlx::query_as!(
            InvitationRow,
            r#"SELECT i.id, i.tenant_id, i.guest_user_id, u.user_principal_name AS guest_upn,
                      i.invited_email, i.invited_name, i.redirect_url, i.message, i.status,
                      i.created_by, i.created_at, i.expires_at, i.redeemed_at,
                      i.send_email AS "send_email: bool"
               FROM invitations i JOIN users u ON u.id = i.guest_user_id "# + $rest,
            $($arg),*
        )
    };
}

/// The invitation `id` of `tenant`; another tenant's is not found.
pub async fn find_invitation(
    conn: &mut Conn,
    tenant: &Tenant,
    id: &str,
    now: UnixTime,
) -> Result<Invitation> {
    let row = select_invitations!("WHERE i.id = $1 AND i.tenant_id = $2", id, tenant.id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| AppError::NotFound("The invitation".into()))?;
    row.decode(now)
}

/// A page of a tenant's invitations, newest first, optionally of one
/// status, continuing after the invitation `after` (keyset).
pub async fn list_invitations(
    conn: &mut Conn,
    tenant: &Tenant,
    status: Option<InvitationStatus>,
    after: Option<&str>,
    size: PageSize,
    now: UnixTime,
) -> Result<Page<Invitation, String>> {
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
                "SELECT created_at FROM invitations WHERE id = $1 AND tenant_id = $2",
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
    let limit = size.fetch_limit();
    let rows = select_invitations!(
        "WHERE i.tenant_id = $1
           AND ($2 IS NULL OR i.status = $2)
           AND ($3 = 0 OR ($3 = 1 AND i.expires_at > $4) OR ($3 = -1 AND i.expires_at <= $4))
           AND (i.created_at < $5 OR (i.created_at = $5 AND i.id < $6) OR $6 = '')
         ORDER BY i.created_at DESC, i.id DESC
         LIMIT $7",
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
    let invitations = rows
        .into_iter()
        .map(|row| row.decode(now))
        .collect::<Result<Vec<_>>>()?;
    Ok(size.cut(invitations, |last| last.id.clone()))
}
