//! Step-up: what changes a user's sign-in methods — adding another method,
//! renaming or removing one, new recovery codes — needs an MFA with the
//! tenant in this session within the last ten minutes. Otherwise a stolen
//! password could add the thief's own authenticator to the account.

use crate::auth::ssr::session::{find_tenant_mfa, Session};
use crate::error::AppError;
use crate::ssr::clock::UnixTime;
use crate::ssr::db::Conn;
use crate::ssr::Result;

/// How recent the MFA must be.
pub const STEP_UP_SECS: i64 = 10 * 60;

/// Whether `session` passed MFA with `tenant_id` within [`STEP_UP_SECS`].
pub async fn has_recent_mfa(
    conn: &mut Conn,
    session: &Session,
    tenant_id: &str,
    now: UnixTime,
) -> Result<bool> {
    let mfa = find_tenant_mfa(conn, &session.id_hash, tenant_id).await?;
    Ok(mfa.is_some_and(|mfa| now - mfa.at <= STEP_UP_SECS))
}

/// `Ok` when [`has_recent_mfa`], else `MfaRequired` (the pages send the
/// browser through the challenge and back).
pub async fn require_recent_mfa(
    conn: &mut Conn,
    session: &Session,
    tenant_id: &str,
    now: UnixTime,
) -> Result<()> {
    if has_recent_mfa(conn, session, tenant_id, now).await? {
        Ok(())
    } else {
        Err(AppError::MfaRequired.into())
    }
}
