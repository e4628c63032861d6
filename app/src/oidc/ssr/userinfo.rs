//! The UserInfo endpoint (OIDC Core §5.3): the claims of the user an access
//! token was issued for, as the scopes allow. Access tokens are opaque;
//! only their SHA-256 is stored, with their expiry and revocation.

use serde_json::{json, Value};

use super::token::find_profile;
use crate::ssr::clock::UnixTime;
use crate::ssr::crypto::token_hash;
use crate::ssr::db::Conn;
use crate::ssr::Result;

/// The claims for `token`, if it is a live access token of `tenant_id`.
pub async fn userinfo(
    conn: &mut Conn,
    tenant_id: &str,
    token: &str,
    now: UnixTime,
) -> Result<Option<Value>> {
    let hash = token_hash(token);
    let Some(row) = sqlx::query!(
        "SELECT user_id, scope FROM access_tokens
         WHERE token_hash = $1 AND tenant_id = $2 AND revoked_at IS NULL AND expires_at > $3",
        hash,
        tenant_id,
        now
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let profile = find_profile(conn, &row.user_id).await?;
    let scopes: Vec<&str> = row.scope.split(' ').collect();
    let mut claims = json!({
        "sub": row.user_id,
        "oid": row.user_id,
        "tid": tenant_id,
        "upn": profile.upn,
    });
    if scopes.contains(&"profile") {
        claims["name"] = json!(profile.display_name);
        claims["preferred_username"] = json!(profile.upn);
    }
    if scopes.contains(&"email") {
        if let Some(mail) = profile.mail {
            claims["email"] = json!(mail);
        }
    }
    Ok(Some(claims))
}
