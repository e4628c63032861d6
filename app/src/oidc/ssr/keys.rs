//! A tenant's signing keys (DESIGN §4, §5): RSA 2048, RS256, one `kid` each.
//!
//! A tenant's first token makes its key. The private key is kept as PKCS#1
//! DER sealed with the secret key, bound to its `kid` (like a TOTP seed), and
//! the public half as a JWK. Exactly one key signs (a unique index); a
//! rotation retires it, and a retired key stays in the JWKS for as long as
//! a token it signed can live, so relying parties keep verifying them.
//! Generating a key takes a core for a moment: it runs on the blocking pool,
//! outside the write transaction.

use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey;
use secrecy::{ExposeSecret, SecretSlice};
use serde::Serialize;

use crate::ssr::audit::{self, Action, Event};
use crate::ssr::clock::UnixTime;
use crate::ssr::db::{self, Conn, Pool};
use crate::ssr::seal::{open_in_context, seal_in_context};
use crate::ssr::state::SecretKey;
use crate::ssr::{Actor, Error, Result};

/// How long an ID token lives; a retired key stays published that long.
pub const TOKEN_SECS: i64 = 60 * 60;
const RSA_BITS: usize = 2048;

/// The key that signs a tenant's tokens now.
pub struct SigningKey {
    kid: String,
    key: EncodingKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish()
    }
}

impl SigningKey {
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// A compact JWS (RS256) of `claims`, with this key's `kid`.
    pub fn sign(&self, claims: &impl Serialize) -> Result<String> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.key).map_err(signing("signing a token"))
    }
}

fn signing<E: std::error::Error + Send + Sync + 'static>(
    what: &'static str,
) -> impl FnOnce(E) -> Error {
    move |source| Error::Signing {
        what,
        source: Box::new(source),
    }
}

/// A new key pair: its private key (PKCS#1 DER) and public JWK.
struct NewKey {
    kid: String,
    der: SecretSlice<u8>,
    jwk: String,
}

async fn generate() -> Result<NewKey> {
    tokio::task::spawn_blocking(|| {
        let private =
            rsa::RsaPrivateKey::new(&mut argon2::password_hash::rand_core::OsRng, RSA_BITS)
                .map_err(signing("generating an RSA key"))?;
        let der = private
            .to_pkcs1_der()
            .map_err(signing("encoding an RSA key"))?;
        let der: SecretSlice<u8> = der.as_bytes().to_vec().into();
        let kid = uuid::Uuid::new_v4().simple().to_string();
        let key = EncodingKey::from_rsa_der(der.expose_secret());
        let mut jwk = Jwk::from_encoding_key(&key, Algorithm::RS256)
            .map_err(signing("the public key as a JWK"))?;
        jwk.common.key_id = Some(kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        let jwk = serde_json::to_string(&jwk).map_err(|source| Error::Serialise {
            what: "a JWK",
            source,
        })?;
        Ok(NewKey { kid, der, jwk })
    })
    .await?
}

fn context(kid: &str) -> Vec<u8> {
    format!("signing_keys:{kid}").into_bytes()
}

/// Stores `new` as the tenant's signing key unless one signs already (a
/// concurrent first token): the unique index decides, and nothing fails.
async fn insert_key(
    conn: &mut Conn,
    secret_key: &SecretKey,
    tenant_id: &str,
    new: &NewKey,
    now: UnixTime,
) -> Result<bool> {
    let sealed = seal_in_context(secret_key, new.der.expose_secret(), &context(&new.kid));
    let inserted = sqlx::query!(
        "INSERT INTO signing_keys (kid, tenant_id, sealed_key, public_jwk, created_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id) WHERE retired_at IS NULL DO NOTHING",
        new.kid,
        tenant_id,
        sealed,
        new.jwk,
        now
    )
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

async fn find_active_key(
    conn: &mut Conn,
    secret_key: &SecretKey,
    tenant_id: &str,
) -> Result<Option<SigningKey>> {
    let row = sqlx::query!(
        "SELECT kid, sealed_key FROM signing_keys
         WHERE tenant_id = $1 AND retired_at IS NULL",
        tenant_id
    )
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let der =
        open_in_context(secret_key, &row.sealed_key, &context(&row.kid)).map_err(|source| {
            Error::Unseal {
                what: "signing_keys.sealed_key",
                source,
            }
        })?;
    Ok(Some(SigningKey {
        key: EncodingKey::from_rsa_der(&der),
        kid: row.kid,
    }))
}

/// The key that signs the tenant's tokens, made on first use.
pub async fn signing_key(
    pool: &Pool,
    secret_key: &SecretKey,
    tenant_id: &str,
    now: UnixTime,
) -> Result<SigningKey> {
    let mut conn = pool.acquire().await?;
    if let Some(key) = find_active_key(&mut conn, secret_key, tenant_id).await? {
        return Ok(key);
    }
    drop(conn);
    let new = generate().await?;
    let mut conn = pool.acquire().await?;
    insert_key(&mut conn, secret_key, tenant_id, &new, now).await?;
    find_active_key(&mut conn, secret_key, tenant_id)
        .await?
        .ok_or_else(|| Error::Signing {
            what: "the key just stored",
            source: "no active signing key after inserting one".into(),
        })
}

/// The tenant's published keys: the one that signs and those retired less
/// than a token's lifetime ago. Empty before the tenant's first token.
pub async fn key_set(conn: &mut Conn, tenant_id: &str, now: UnixTime) -> Result<JwkSet> {
    let since = now - TOKEN_SECS;
    let rows = sqlx::query_scalar!(
        "SELECT public_jwk FROM signing_keys
         WHERE tenant_id = $1 AND (retired_at IS NULL OR retired_at > $2)
         ORDER BY created_at DESC",
        tenant_id,
        since
    )
    .fetch_all(conn)
    .await?;
    let keys = rows
        .iter()
        .map(|jwk| serde_json::from_str::<Jwk>(jwk))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| Error::Serialise {
            what: "signing_keys.public_jwk",
            source,
        })?;
    Ok(JwkSet { keys })
}

/// Replaces the tenant's signing key with a new one; the old one stays
/// published for [`TOKEN_SECS`]. Returns the new `kid`.
pub async fn rotate(
    pool: &Pool,
    secret_key: &SecretKey,
    tenant_id: &str,
    actor: &Actor,
    now: UnixTime,
) -> Result<String> {
    let new = generate().await?;
    db::write(pool, async |tx| {
        let retired = sqlx::query_scalar!(
            "UPDATE signing_keys SET retired_at = $1
             WHERE tenant_id = $2 AND retired_at IS NULL
             RETURNING kid",
            now,
            tenant_id
        )
        .fetch_optional(tx.conn())
        .await?;
        insert_key(tx.conn(), secret_key, tenant_id, &new, now).await?;
        let event = Event::success(Action::SigningKeyRotated, now)
            .by(actor)
            .tenant(tenant_id)
            .target(&new.kid)
            .detail(serde_json::json!({ "retired": retired }));
        audit::record(tx, event).await?;
        Ok(new.kid.clone())
    })
    .await
}
