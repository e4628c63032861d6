//! The token endpoint (RFC 6749 §4.1.3, OIDC Core §3.1.3): a code for an ID
//! token and an access token.
//!
//! A code is used once: the request takes it with a conditional update
//! (`used_at IS NULL`), so of two requests with one code exactly one gets
//! tokens. A second use is taken as a stolen code (RFC 6749 §4.1.2): it is
//! refused and the access token the first use issued is revoked, in one
//! transaction that commits although the request fails. The code is bound
//! to its client, its redirect URI and its PKCE challenge, and lives 60
//! seconds.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::authorize::Authentication;
use super::client::{find_client, Client};
use super::issuer;
use super::keys::{signing_key, SigningKey, TOKEN_SECS};
use crate::ssr::audit::{self, Action, Event};
use crate::ssr::clock::UnixTime;
use crate::ssr::crypto::{random_token, token_hash};
use crate::ssr::db;
use crate::ssr::{Actor, AppState, Result};
use crate::tenants::ssr::Tenant;

/// How the client authenticated (RFC 6749 §2.3.1).
#[derive(Debug)]
pub enum ClientAuth {
    /// `Authorization: Basic` (`client_secret_basic`).
    Basic { id: String, secret: SecretString },
    /// `client_id` and `client_secret` in the body (`client_secret_post`).
    Post { id: String, secret: SecretString },
    /// `client_id` alone: a public client, proven by PKCE.
    None { id: String },
}

impl ClientAuth {
    fn id(&self) -> &str {
        match self {
            Self::Basic { id, .. } | Self::Post { id, .. } | Self::None { id } => id,
        }
    }

    fn secret(&self) -> Option<&SecretString> {
        match self {
            Self::Basic { secret, .. } | Self::Post { secret, .. } => Some(secret),
            Self::None { .. } => None,
        }
    }
}

/// A token request, as parsed from its form.
#[derive(Debug)]
pub struct TokenRequest {
    pub client: ClientAuth,
    pub grant_type: Option<String>,
    pub code: Option<SecretString>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<SecretString>,
}

/// An error answer (RFC 6749 §5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenError {
    pub error: &'static str,
    pub description: String,
}

impl TokenError {
    fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            error,
            description: description.into(),
        }
    }

    /// 401 for a client that failed to authenticate, else 400.
    pub fn status(&self) -> u16 {
        if self.error == "invalid_client" {
            401
        } else {
            400
        }
    }
}

/// The successful answer (RFC 6749 §5.1, OIDC Core §3.1.3.3).
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub id_token: String,
    pub scope: String,
}

/// The claims of an ID token (OIDC Core §2, with Entra's `tid`, `oid`,
/// `upn` and `idp`).
#[derive(Debug, Serialize)]
struct IdToken<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: UnixTime,
    iat: UnixTime,
    nbf: UnixTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    auth_time: UnixTime,
    tid: &'a str,
    oid: &'a str,
    upn: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    preferred_username: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    idp: Option<&'a str>,
    amr: &'a [String],
    acr: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    mfa_idp: Option<&'a str>,
}

/// What a code was issued for, as taken from its row.
struct Issued {
    application_id: String,
    user_id: String,
    redirect_uri: String,
    code_challenge: Option<String>,
    nonce: Option<String>,
    scope: String,
    claims: String,
    expires_at: UnixTime,
}

/// The profile claims of a user object.
pub(super) struct Profile {
    pub upn: String,
    pub display_name: String,
    pub mail: Option<String>,
}

pub(super) async fn find_profile(conn: &mut db::Conn, user_id: &str) -> Result<Profile> {
    let row = sqlx::query!(
        "SELECT user_principal_name, display_name, mail FROM users WHERE id = $1",
        user_id
    )
    .fetch_one(conn)
    .await?;
    Ok(Profile {
        upn: row.user_principal_name,
        display_name: row.display_name,
        mail: row.mail,
    })
}

/// Exchanges a code for tokens.
pub async fn exchange(
    state: &AppState,
    tenant: &Tenant,
    request: TokenRequest,
    ip: Option<String>,
) -> Result<std::result::Result<TokenResponse, TokenError>> {
    if request.grant_type.as_deref() != Some("authorization_code") {
        let error = match request.grant_type {
            None => TokenError::new("invalid_request", "grant_type is missing."),
            Some(_) => TokenError::new(
                "unsupported_grant_type",
                "Only grant_type=authorization_code is supported.",
            ),
        };
        return Ok(Err(error));
    }
    let now = state.now();
    // Everything read before the write is read on one connection: each
    // query and each connection's return to the pool is a round trip to
    // sqlx's per-connection thread, and those thread switches cost the
    // exchange more CPU than any of the statements.
    let mut conn = state.pool.acquire().await?;
    let Some(client) = find_client(&mut conn, &tenant.id, request.client.id()).await? else {
        return Ok(Err(TokenError::new("invalid_client", "Unknown client.")));
    };
    if let Err(error) = authenticate(&client, &request.client) {
        return Ok(Err(error));
    }
    let (Some(code), Some(redirect_uri)) = (&request.code, &request.redirect_uri) else {
        return Ok(Err(TokenError::new(
            "invalid_request",
            "code and redirect_uri are required.",
        )));
    };
    let key = signing_key(
        &mut conn,
        &state.secret_key,
        &state.signing_keys,
        &tenant.id,
        now,
    )
    .await?;
    let issuer = issuer(state.config.public_url.origin(), tenant.slug.as_str());
    let code_hash = token_hash(code.expose_secret());
    let actor = Actor::client(&client.client_id, ip);
    let expires_at = now + TOKEN_SECS;
    let verifier = request.code_verifier.as_ref();
    let unused = find_unused(&mut conn, tenant, &code_hash).await?;
    drop(conn);
    // The ID token is signed before the write: RSA signing takes a core for
    // a moment, and inside the transaction it held the writers' lock that
    // long, so exchanges queued one signature at a time. A code that is
    // unused and passes the checks is read and its token signed here; the
    // transaction then takes the code as before and hands out that token.
    let signed = match unused {
        Some((issued, profile))
            if check_code(&issued, &client, redirect_uri, verifier, now).is_ok() =>
        {
            Some(sign_id_token(
                tenant, &key, &issuer, &client, &issued, &profile, now,
            )?)
        }
        _ => None,
    };
    db::write(&state.pool, async |tx| {
        let taken = sqlx::query_as!(
            Issued,
            "UPDATE authorization_codes SET used_at = $1
             WHERE code_hash = $2 AND tenant_id = $3 AND used_at IS NULL
             RETURNING application_id, user_id, redirect_uri, code_challenge, nonce, scope,
                       claims, expires_at",
            now,
            code_hash,
            tenant.id
        )
        .fetch_optional(tx.conn())
        .await?;
        let Some(issued) = taken else {
            return refuse_replay(tx, tenant, &code_hash, &actor, now).await;
        };
        if let Err(error) = check_code(&issued, &client, redirect_uri, verifier, now) {
            return Ok(Err(error));
        }
        // The row taken passed the checks when it was read: besides used_at
        // (never cleared) only expires_at ever changes, and only earlier
        // (disabling the user expires its codes), and the checks just ran
        // again on the row taken — so its token is signed.
        let Some(id_token) = &signed else {
            return Err(crate::ssr::Error::Signing {
                what: "an ID token",
                source: "the code was taken unused but had not been read unused".into(),
            });
        };
        let access_token = random_token::<32>();
        let access_hash = token_hash(access_token.expose_secret());
        sqlx::query!(
            "INSERT INTO access_tokens
                 (token_hash, code_hash, tenant_id, application_id, user_id, scope,
                  created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            access_hash,
            code_hash,
            tenant.id,
            issued.application_id,
            issued.user_id,
            issued.scope,
            now,
            expires_at
        )
        .execute(tx.conn())
        .await?;
        Ok(Ok(TokenResponse {
            access_token: access_token.expose_secret().to_owned(),
            token_type: "Bearer",
            expires_in: TOKEN_SECS,
            id_token: id_token.clone(),
            scope: issued.scope,
        }))
    })
    .await
}

/// The code's row while it is unused, with the profile of its user.
async fn find_unused(
    conn: &mut db::Conn,
    tenant: &Tenant,
    code_hash: &str,
) -> Result<Option<(Issued, Profile)>> {
    let row = sqlx::query!(
        "SELECT c.application_id, c.user_id, c.redirect_uri, c.code_challenge, c.nonce,
                c.scope, c.claims, c.expires_at,
                u.user_principal_name, u.display_name, u.mail
         FROM authorization_codes c JOIN users u ON u.id = c.user_id
         WHERE c.code_hash = $1 AND c.tenant_id = $2 AND c.used_at IS NULL",
        code_hash,
        tenant.id
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|row| {
        let issued = Issued {
            application_id: row.application_id,
            user_id: row.user_id,
            redirect_uri: row.redirect_uri,
            code_challenge: row.code_challenge,
            nonce: row.nonce,
            scope: row.scope,
            claims: row.claims,
            expires_at: row.expires_at,
        };
        let profile = Profile {
            upn: row.user_principal_name,
            display_name: row.display_name,
            mail: row.mail,
        };
        (issued, profile)
    }))
}

/// The ID token for the code `issued` to the user `profile`, signed with
/// `key`.
fn sign_id_token(
    tenant: &Tenant,
    key: &SigningKey,
    issuer: &str,
    client: &Client,
    issued: &Issued,
    profile: &Profile,
    now: UnixTime,
) -> Result<String> {
    let authentication: Authentication =
        serde_json::from_str(&issued.claims).map_err(|source| crate::ssr::Error::Serialise {
            what: "authorization_codes.claims",
            source,
        })?;
    let scopes: Vec<&str> = issued.scope.split(' ').collect();
    let claims = IdToken {
        iss: issuer,
        sub: &issued.user_id,
        aud: &client.client_id,
        exp: now + TOKEN_SECS,
        iat: now,
        nbf: now,
        nonce: issued.nonce.as_deref(),
        auth_time: authentication.auth_time,
        tid: &tenant.id,
        oid: &issued.user_id,
        upn: &profile.upn,
        email: profile
            .mail
            .as_deref()
            .filter(|_| scopes.contains(&"email")),
        name: Some(profile.display_name.as_str()).filter(|_| scopes.contains(&"profile")),
        preferred_username: Some(profile.upn.as_str()).filter(|_| scopes.contains(&"profile")),
        idp: authentication.idp.as_deref(),
        amr: &authentication.amr,
        acr: &authentication.acr,
        mfa_idp: authentication.mfa_idp.as_deref(),
    };
    key.sign(&claims)
}

/// The client proved who it is: a confidential client with its secret
/// (never without), a public client with nothing (PKCE proves it).
fn authenticate(client: &Client, auth: &ClientAuth) -> std::result::Result<(), TokenError> {
    let refused = || TokenError::new("invalid_client", "Client authentication failed.");
    match (client.public, auth.secret()) {
        (true, None) => Ok(()),
        (true, Some(_)) => Err(refused()),
        (false, Some(secret)) if client.is_secret(secret.expose_secret()) => Ok(()),
        (false, _) => Err(refused()),
    }
}

/// The code belongs to this client, this redirect URI and this verifier,
/// and has not expired.
fn check_code(
    issued: &Issued,
    client: &Client,
    redirect_uri: &str,
    verifier: Option<&SecretString>,
    now: UnixTime,
) -> std::result::Result<(), TokenError> {
    let invalid = |description: &str| Err(TokenError::new("invalid_grant", description));
    if issued.application_id != client.application_id {
        return invalid("The code was issued to another client.");
    }
    if issued.expires_at <= now {
        return invalid("The code has expired.");
    }
    if issued.redirect_uri != redirect_uri {
        return invalid("redirect_uri differs from the authorization request's.");
    }
    match (&issued.code_challenge, verifier) {
        (Some(challenge), Some(verifier)) if s256(verifier.expose_secret()) == *challenge => Ok(()),
        (Some(_), _) => invalid("The PKCE code_verifier does not match the code_challenge."),
        // A verifier for a code issued without a challenge is a downgrade.
        (None, Some(_)) => invalid("The authorization request had no code_challenge."),
        (None, None) => Ok(()),
    }
}

/// `BASE64URL(SHA256(verifier))` (RFC 7636 §4.6).
fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A code that is unknown or already used. If it was used, what it issued
/// is revoked and the replay audited; the transaction commits either way.
async fn refuse_replay(
    tx: &mut db::Tx,
    tenant: &Tenant,
    code_hash: &str,
    actor: &Actor,
    now: UnixTime,
) -> Result<std::result::Result<TokenResponse, TokenError>> {
    let used = sqlx::query_scalar!(
        "SELECT user_id FROM authorization_codes
         WHERE code_hash = $1 AND tenant_id = $2 AND used_at IS NOT NULL",
        code_hash,
        tenant.id
    )
    .fetch_optional(tx.conn())
    .await?;
    if let Some(user_id) = used {
        let revoked = sqlx::query!(
            "UPDATE access_tokens SET revoked_at = $1
             WHERE code_hash = $2 AND revoked_at IS NULL",
            now,
            code_hash
        )
        .execute(tx.conn())
        .await?
        .rows_affected();
        let event = Event::failure(Action::AuthorizationCodeReplayed, now)
            .by(actor)
            .tenant(&tenant.id)
            .target(&user_id)
            .detail(serde_json::json!({ "revokedAccessTokens": revoked }));
        audit::record(tx, event).await?;
    }
    Ok(Err(TokenError::new(
        "invalid_grant",
        "The code is invalid, expired or already used.",
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_s256_transform_is_rfc_7636s() {
        // RFC 7636 Appendix B.
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
