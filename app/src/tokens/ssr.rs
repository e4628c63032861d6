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

/// A token as an admin sees it (never the secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenInfo {
    pub id: String,
    pub name: String,
    pub created_by: String,
    pub created_at: UnixTime,
    pub last_used_at: Option<UnixTime>,
    pub revoked_at: Option<UnixTime>,
}

/// The tenant's tokens, newest first.
pub async fn list_api_tokens(pool: &SqlitePool, tenant: &Tenant) -> Result<Vec<ApiTokenInfo>> {
    let rows = sqlx::query!(
        "SELECT id, name, created_by, created_at, last_used_at, revoked_at FROM api_tokens
         WHERE tenant_id = ? ORDER BY created_at DESC, id",
        tenant.id
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| ApiTokenInfo {
            id: row.id,
            name: row.name,
            created_by: row.created_by,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
        })
        .collect())
}

/// Revokes one of the tenant's tokens; it stops working at once. Another
/// tenant's token is not found.
pub async fn revoke_api_token(
    pool: &SqlitePool,
    tenant: &Tenant,
    id: &str,
    actor: &str,
    now: UnixTime,
) -> Result<()> {
    let mut tx = begin_write(pool).await?;
    let done = sqlx::query!(
        "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND tenant_id = ?",
        now,
        id,
        tenant.id
    )
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(crate::error::AppError::NotFound("The API token".into()).into());
    }
    audit::record(
        &mut tx,
        Event {
            at: now,
            tenant_id: Some(&tenant.id),
            actor: Some(actor),
            action: "api_token.revoke",
            target: Some(id),
            outcome: Outcome::Success,
            ip: None,
            detail: serde_json::json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
