//! Creating and checking API tokens.

use secrecy::{ExposeSecret, SecretString};
use sqlx::SqlitePool;

use crate::domain::DisplayName;
use crate::ssr::audit::{self, Event, Outcome};
use crate::ssr::clock::UnixTime;
use crate::ssr::crypto::{random_token, token_hash};
use crate::ssr::db::begin_write;
use crate::ssr::Result;
use crate::tenants::ssr::{find_tenant_by_id, Tenant};

/// Tokens start with this, so a leaked one is easy to recognise (and scan for).
pub const TOKEN_PREFIX: &str = "gh_";

/// A token as its holder is identified.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    pub token_id: String,
    pub token_name: String,
    pub tenant: Tenant,
}

/// Makes a token for `tenant`; the returned secret is the only copy.
pub async fn create_api_token(
    pool: &SqlitePool,
    tenant: &Tenant,
    name: &DisplayName,
    actor: &str,
    now: UnixTime,
) -> Result<(String, SecretString)> {
    let token = SecretString::from(format!(
        "{TOKEN_PREFIX}{}",
        random_token::<32>().expose_secret()
    ));
    let id = uuid::Uuid::new_v4().to_string();
    let hash = token_hash(token.expose_secret());
    let name = name.as_str();
    let mut tx = begin_write(pool).await?;
    sqlx::query!(
        "INSERT INTO api_tokens (id, tenant_id, name, token_hash, created_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?)",
        id,
        tenant.id,
        name,
        hash,
        actor,
        now
    )
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        Event {
            at: now,
            tenant_id: Some(&tenant.id),
            actor: Some(actor),
            action: "api_token.create",
            target: Some(&id),
            outcome: Outcome::Success,
            ip: None,
            detail: serde_json::json!({ "name": name }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((id, token))
}

/// The caller a bearer token stands for, unless unknown or revoked.
pub async fn find_api_caller(
    pool: &SqlitePool,
    token: &str,
    now: UnixTime,
) -> Result<Option<ApiCaller>> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 128 {
        return Ok(None);
    }
    let hash = token_hash(token);
    let mut conn = pool.acquire().await?;
    let Some(row) = sqlx::query!(
        "SELECT id, tenant_id, name, last_used_at FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL",
        hash
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let Some(tenant) = find_tenant_by_id(&mut conn, &row.tenant_id).await? else {
        return Ok(None);
    };
    drop(conn);
    // Last use is kept to the minute: no write on every call.
    if row.last_used_at.is_none_or(|used| used < now - 60) {
        sqlx::query!(
            "UPDATE api_tokens SET last_used_at = ? WHERE id = ?",
            now,
            row.id
        )
        .execute(pool)
        .await?;
    }
    Ok(Some(ApiCaller {
        token_id: row.id,
        token_name: row.name,
        tenant,
    }))
}
