//! What the user page shows, read in one pooled connection.

use super::ManagedUser;
use crate::domain::HomeKind;
use crate::mfa::ssr::methods::list_methods;
use crate::mfa::ssr::recovery::count_unused;
use crate::security_info::MethodRow;
use crate::ssr::clock::UnixTime;
use crate::ssr::db::Conn;
use crate::ssr::{date, date_time, Actor, Result};
use crate::user_admin::{EventLine, InvitationLine, SessionLine, UserDetail};

/// How many audit events the page shows (the audit log has them all).
const RECENT_EVENTS: i64 = 20;

/// The user page for `user`, as `viewer` sees it at `now`.
pub async fn load_detail(
    conn: &mut Conn,
    user: &ManagedUser,
    viewer: &Actor,
    now: UnixTime,
) -> Result<UserDetail> {
    let home = describe_home(conn, user).await?;
    let methods = list_methods(conn, &user.user.id)
        .await?
        .into_iter()
        .map(|method| MethodRow {
            id: method.id,
            kind: method.kind,
            name: method.display_name,
            added: date(method.created_at),
            last_used: method.last_used_at.map(date_time),
        })
        .collect();
    let recovery_codes_left = count_unused(conn, &user.user.id).await?;
    let invitations = sqlx::query!(
        "SELECT invited_email, status, inviter_name, created_at, redeemed_at FROM invitations
         WHERE guest_user_id = $1 ORDER BY created_at DESC, id",
        user.user.id
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|row| InvitationLine {
        invited_email: row.invited_email,
        status: row.status,
        inviter: row.inviter_name,
        sent: date_time(row.created_at),
        redeemed: row.redeemed_at.map(date_time),
    })
    .collect();
    let sessions = sqlx::query!(
        "SELECT s.authenticated_at, s.expires_at, m.mfa_at AS \"mfa_at?\"
         FROM sessions s JOIN users u ON u.id = $1
         LEFT JOIN session_mfa m ON m.session_id_hash = s.id_hash AND m.tenant_id = u.tenant_id
         WHERE s.revoked_at IS NULL AND s.expires_at > $2
           AND (s.user_id = u.id
                OR (u.home_kind = 'work' AND s.user_id = u.home_ref)
                OR (u.home_kind = 'personal' AND s.personal_account_id = u.home_ref)
                OR (u.home_kind = 'email_otp' AND s.email = u.home_ref))
         ORDER BY s.authenticated_at DESC",
        user.user.id,
        now
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|row| SessionLine {
        signed_in: date_time(row.authenticated_at),
        expires: date_time(row.expires_at),
        mfa: row.mfa_at.map(date_time),
    })
    .collect();
    let upn = user.upn();
    let events = sqlx::query!(
        "SELECT at, action, actor, outcome FROM audit_events
         WHERE tenant_id = $1 AND (target = $2 OR actor = $2)
         ORDER BY id DESC LIMIT $3",
        user.user.tenant_id,
        upn,
        RECENT_EVENTS
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|row| EventLine {
        at: date_time(row.at),
        action: row.action,
        actor: row.actor.unwrap_or_default(),
        outcome: row.outcome,
    })
    .collect();
    Ok(UserDetail {
        id: user.user.id.clone(),
        upn: upn.to_owned(),
        display_name: user.user.display_name.clone(),
        mail: user.mail.clone(),
        user_type: user.user.user_type,
        external_user_state: user.user.external_user_state,
        is_admin: user.user.is_admin,
        account_enabled: user.account_enabled,
        created: date(user.created_at),
        home,
        invitations,
        methods,
        recovery_codes_left,
        sessions,
        events,
        is_self: viewer.user_id() == Some(user.user.id.as_str()),
    })
}

/// "Work account alice@contoso.test of Contoso", "Personal account
/// bob@outlook.test", "E-mail one-time passcode carol@example.test".
async fn describe_home(conn: &mut Conn, user: &ManagedUser) -> Result<Option<String>> {
    let Some((kind, reference)) = &user.home else {
        return Ok(None);
    };
    let described = match kind {
        HomeKind::Work => sqlx::query!(
            "SELECT u.user_principal_name, t.display_name FROM users u
             JOIN tenants t ON t.id = u.tenant_id WHERE u.id = $1",
            reference
        )
        .fetch_optional(&mut *conn)
        .await?
        .map(|row| {
            format!(
                "Work account {} of {}",
                row.user_principal_name, row.display_name
            )
        }),
        HomeKind::Personal => sqlx::query_scalar!(
            "SELECT email FROM personal_accounts WHERE id = $1",
            reference
        )
        .fetch_optional(&mut *conn)
        .await?
        .map(|email| format!("Personal account {email}")),
        HomeKind::EmailOtp => Some(format!("E-mail one-time passcode {reference}")),
    };
    Ok(described.or_else(|| Some("A home account that no longer exists".into())))
}

/// A user's set of recovery codes, as one entry of their methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecoveryCodeSet {
    pub unused: i64,
    pub created_at: UnixTime,
    pub last_used_at: Option<UnixTime>,
}

/// The user's recovery codes, if they have a set.
pub async fn find_recovery_code_set(
    conn: &mut Conn,
    user_id: &str,
) -> Result<Option<RecoveryCodeSet>> {
    let row = sqlx::query!(
        r#"SELECT COUNT(*) AS "total!: i64",
                  COALESCE(SUM(CASE WHEN used_at IS NULL THEN 1 ELSE 0 END), 0) AS "unused!: i64",
                  MIN(created_at) AS "created_at: i64",
                  MAX(used_at) AS "last_used_at: i64"
           FROM recovery_codes WHERE user_id = $1"#,
        user_id
    )
    .fetch_one(conn)
    .await?;
    Ok(match (row.total, row.created_at) {
        (1.., Some(created_at)) => Some(RecoveryCodeSet {
            unused: row.unused,
            created_at,
            last_used_at: row.last_used_at,
        }),
        _ => None,
    })
}
