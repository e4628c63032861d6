//! A tenant's signing keys (DESIGN §4, §5): RSA 2048, RS256, one `kid` each.
//!
//! A tenant's first token makes its key. The private key is kept as PKCS#8
//! DER (keys made before 2026-11-29: PKCS#1) sealed with the secret key,
//! bound to its `kid` (like a TOTP seed), and the public half as a JWK.
//! Exactly one key signs (a unique index); a rotation retires it, and a
//! retired key stays in the JWKS for as long as a token it signed can live,
//! so relying parties keep verifying them. Generating a key takes a core for
//! a moment: it runs on the blocking pool, outside the write transaction.
//!
//! RSA is aws-lc's (through aws-lc-rs, as jsonwebtoken's backend), which
//! uses the CPU's AVX-512 RSA code where there is one. Parsing a key checks
//! it, and a parsed key keeps its Montgomery constants: together that was
//! more than the signature itself, so the process keeps each tenant's
//! parsed key in [`SigningKeys`] for as long as it is the one that signs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{KeyPair as _, RsaKeyPair, RSA_PKCS1_SHA256};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, Jwk, JwkSet, KeyAlgorithm, PublicKeyUse,
    RSAKeyParameters, RSAKeyType,
};
use jsonwebtoken::{Algorithm, Header};
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

/// The key that signs a tenant's tokens now.
pub struct SigningKey {
    kid: String,
    /// The JWS header with this key's `kid`, base64url-encoded.
    header: String,
    key: RsaKeyPair,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish()
    }
}

impl SigningKey {
    /// The key `kid`, from its private key as stored.
    fn parse(kid: String, der: &[u8]) -> Result<Self> {
        let key = RsaKeyPair::from_pkcs8(der)
            .or_else(|_| RsaKeyPair::from_der(der))
            .map_err(signing("reading an RSA key"))?;
        Self::new(kid, key)
    }

    fn new(kid: String, key: RsaKeyPair) -> Result<Self> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.clone());
        let header = URL_SAFE_NO_PAD.encode(to_json(&header, "a JWS header")?);
        Ok(Self { kid, header, key })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// A compact JWS (RS256) of `claims`, with this key's `kid`.
    pub fn sign(&self, claims: &impl Serialize) -> Result<String> {
        let mut jws = self.header.clone();
        jws.push('.');
        URL_SAFE_NO_PAD.encode_string(to_json(claims, "the claims of a token")?, &mut jws);
        let mut signature = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                jws.as_bytes(),
                &mut signature,
            )
            .map_err(signing("signing a token"))?;
        jws.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut jws);
        Ok(jws)
    }

    /// The public key as a JWK, for the key set.
    fn jwk(&self) -> Jwk {
        let public = PublicKeyComponents::<Vec<u8>>::from(self.key.public_key());
        Jwk {
            common: CommonParameters {
                public_key_use: Some(PublicKeyUse::Signature),
                key_algorithm: Some(KeyAlgorithm::RS256),
                key_id: Some(self.kid.clone()),
                ..CommonParameters::default()
            },
            algorithm: AlgorithmParameters::RSA(RSAKeyParameters {
                key_type: RSAKeyType::RSA,
                n: URL_SAFE_NO_PAD.encode(public.n),
                e: URL_SAFE_NO_PAD.encode(public.e),
            }),
        }
    }
}

fn to_json(value: &impl Serialize, what: &'static str) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|source| Error::Serialise { what, source })
}

/// The parsed key of each tenant, as the process last read it from the
/// database (`AppState::signing_keys`). The database decides which key
/// signs — `keys rotate` may run in another process — so every token still
/// reads the active `kid`; a `kid` that differs from the cached one
/// replaces it.
#[derive(Clone, Default)]
pub struct SigningKeys(Arc<Mutex<HashMap<String, Arc<SigningKey>>>>);

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKeys")
    }
}

impl SigningKeys {
    fn get(&self, tenant_id: &str, kid: &str) -> Option<Arc<SigningKey>> {
        let keys = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        keys.get(tenant_id).filter(|key| key.kid == kid).cloned()
    }

    fn put(&self, tenant_id: &str, key: Arc<SigningKey>) {
        let mut keys = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        keys.insert(tenant_id.to_owned(), key);
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

/// A new key pair: its private key (PKCS#8 DER) and public JWK.
struct NewKey {
    kid: String,
    der: SecretSlice<u8>,
    jwk: String,
}

async fn generate() -> Result<NewKey> {
    tokio::task::spawn_blocking(|| {
        let private =
            RsaKeyPair::generate(KeySize::Rsa2048).map_err(signing("generating an RSA key"))?;
        let der: Pkcs8V1Der = private.as_der().map_err(signing("encoding an RSA key"))?;
        let der: SecretSlice<u8> = der.as_ref().to_vec().into();
        let kid = uuid::Uuid::new_v4().simple().to_string();
        let jwk = SigningKey::new(kid.clone(), private)?.jwk();
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
    cache: &SigningKeys,
    tenant_id: &str,
) -> Result<Option<Arc<SigningKey>>> {
    let row = sqlx::query!(
        "SELECT kid, sealed_key FROM signing_keys
         WHERE tenant_id = $1 AND retired_at IS NULL",
        tenant_id
    )
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    if let Some(key) = cache.get(tenant_id, &row.kid) {
        return Ok(Some(key));
    }
    let der =
        open_in_context(secret_key, &row.sealed_key, &context(&row.kid)).map_err(|source| {
            Error::Unseal {
                what: "signing_keys.sealed_key",
                source,
            }
        })?;
    let key = Arc::new(SigningKey::parse(row.kid, &der)?);
    cache.put(tenant_id, key.clone());
    Ok(Some(key))
}

/// The key that signs the tenant's tokens, made on first use.
pub async fn signing_key(
    conn: &mut Conn,
    secret_key: &SecretKey,
    cache: &SigningKeys,
    tenant_id: &str,
    now: UnixTime,
) -> Result<Arc<SigningKey>> {
    if let Some(key) = find_active_key(conn, secret_key, cache, tenant_id).await? {
        return Ok(key);
    }
    let new = generate().await?;
    insert_key(conn, secret_key, tenant_id, &new, now).await?;
    find_active_key(conn, secret_key, cache, tenant_id)
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

#[cfg(test)]
mod tests {
    use jsonwebtoken::{DecodingKey, Validation};

    use super::*;

    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    struct Claims {
        iss: String,
        aud: String,
        exp: i64,
    }

    fn claims() -> Claims {
        Claims {
            iss: "https://gatehouse.test/woodgrove/v2.0".to_owned(),
            aud: "foo".to_owned(),
            exp: 4_102_444_800,
        }
    }

    /// The claims of `token` if it verifies against `jwk` (what a relying
    /// party does with the JWKS).
    fn verify(token: &str, jwk: &str) -> jsonwebtoken::errors::Result<Claims> {
        let jwk: Jwk = serde_json::from_str(jwk).expect("a JWK");
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&["foo"]);
        Ok(jsonwebtoken::decode(token, &DecodingKey::from_jwk(&jwk)?, &validation)?.claims)
    }

    /// The RSAPrivateKey (PKCS#1) inside a PKCS#8 PrivateKeyInfo: SEQUENCE {
    /// INTEGER 0, AlgorithmIdentifier (15 bytes), OCTET STRING { it } }.
    fn pkcs1_of(pkcs8: &[u8]) -> &[u8] {
        let octets = &pkcs8[4 + 3 + 15..];
        assert_eq!(octets[..2], [0x04, 0x82], "an OCTET STRING");
        let len = usize::from(u16::from_be_bytes([octets[2], octets[3]]));
        assert_eq!(octets.len(), 4 + len, "the last field");
        &octets[4..]
    }

    #[tokio::test]
    async fn a_new_key_signs_tokens_its_published_jwk_verifies() {
        let new = generate().await.expect("a key");
        let key = SigningKey::parse(new.kid.clone(), new.der.expose_secret()).expect("parsed");
        let token = key.sign(&claims()).expect("signed");

        assert_eq!(verify(&token, &new.jwk).expect("verifies"), claims());
        let header = jsonwebtoken::decode_header(&token).expect("a header");
        assert_eq!(header.kid.as_deref(), Some(new.kid.as_str()));
        assert_eq!(header.typ.as_deref(), Some("JWT"));
        let other = generate().await.expect("another key");
        assert!(verify(&token, &other.jwk).is_err(), "another key's JWK");
    }

    #[tokio::test]
    async fn a_key_stored_as_pkcs1_before_aws_lc_signs_the_same_tokens() {
        let new = generate().await.expect("a key");
        let pkcs8 = SigningKey::parse(new.kid.clone(), new.der.expose_secret()).expect("PKCS#8");
        let pkcs1 =
            SigningKey::parse(new.kid.clone(), pkcs1_of(new.der.expose_secret())).expect("PKCS#1");

        // RS256 (PKCS#1 v1.5) is deterministic: the same key, the same token.
        let token = pkcs1.sign(&claims()).expect("signed");
        assert_eq!(token, pkcs8.sign(&claims()).expect("signed"));
        assert_eq!(verify(&token, &new.jwk).expect("verifies"), claims());
        assert!(SigningKey::parse(new.kid, b"not a key").is_err());
    }
}
