//! Creating and checking API tokens.

use secrecy::{ExposeSecret, SecretString};

use crate::domain::DisplayName;
use crate::error::AppError;
use crate::ssr::audit::{self, Action, Event};
use crate::ssr::clock::UnixTime;
use crate::ssr::crypto::{random_token, token_hash};
use crate::ssr::db::{self, Pool};
use crate::ssr::{Actor, Result};
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

impl ApiCaller {
    /// The token as the actor of a request from `ip`.
    pub fn actor(&self, ip: Option<String>) -> Actor {
        Actor::api_token(&self.token_id, &self.token_name, &self.tenant.id, ip)
    }
}

/// Makes a token for `tenant`; the returned secret is the only copy.
#[tracing::instrument(skip_all, fields(tenant = %tenant.slug.as_str()))]
pub async fn create_api_token(
    pool: &Pool,
    tenant: &Tenant,
    name: &DisplayName,
    actor: &Actor,
    now: UnixTime,
) -> Result<(String, SecretString)> {
    let token = SecretString::from(format!(
        "{TOKEN_PREFIX}{}",
        random_token::<32>().expose_secret()
    ));
    let id = uuid::Uuid::new_v4().to_string();
    let hash = token_hash(token.expose_secret());
    let (name, created_by) = (name.as_str(), actor.audit_name());
    db::write(pool, async |tx| {
        sqlx::query!(
            "INSERT INTO api_tokens (id, tenant_id, name, token_hash, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
            id,
            tenant.id,
            name,
            hash,
            created_by,
            now
        )
        .execute(tx.conn())
        .await?;
        let event = Event::success(Action::ApiTokenCreated, now)
            .by(actor)
            .tenant(&tenant.id)
            .target(&id)
            .detail(serde_json::json!({ "name": name }));
        audit::record(tx, event).await?;
        Ok(())
    })
    .await?;
    Ok((id, token))
}

/// The caller a bearer token stands for, unless unknown or revoked.
pub async fn find_api_caller(pool: &Pool, token: &str, now: UnixTime) -> Result<Option<ApiCaller>> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 128 {
        return Ok(None);
    }
    let hash = token_hash(token);
    let mut conn = pool.acquire().await?;
    let Some(row) = sqlx::query!(
        "SELECT id, tenant_id, name, last_used_at FROM api_tokens
         WHERE token_hash = $1 AND revoked_at IS NULL",
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
            "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2",
            now,
            row.id
        )
        .execute(pool.connections())
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
pub async fn list_api_tokens(pool: &Pool, tenant: &Tenant) -> Result<Vec<ApiTokenInfo>> {
    let rows = sqlx::query!(
        "SELECT id, name, created_by, created_at, last_used_at, revoked_at FROM api_tokens
         WHERE tenant_id = $1 ORDER BY created_at DESC, id",
        tenant.id
    )
    .fetch_all(pool.connections())
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
/// tenant's token is not found; revoking twice is no error.
#[tracing::instrument(skip_all, fields(tenant = %tenant.slug.as_str(), token = id))]
pub async fn revoke_api_token(
    pool: &Pool,
    tenant: &Tenant,
    id: &str,
    actor: &Actor,
    now: UnixTime,
) -> Result<()> {
    db::write(pool, async |tx| {
        let done = sqlx::query!(
            "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1)
             WHERE id = $2 AND tenant_id = $3",
            now,
            id,
            tenant.id
        )
        .execute(tx.conn())
        .await?;
        if done.rows_affected() == 0 {
            return Err(AppError::NotFound("The API token".into()).into());
        }
        let event = Event::success(Action::ApiTokenRevoked, now)
            .by(actor)
            .tenant(&tenant.id)
            .target(id);
        audit::record(tx, event).await?;
        Ok(())
    })
    .await
}
