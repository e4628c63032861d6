//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): after the
//! session ends, the browser returns to the client's
//! `post_logout_redirect_uri` only when it is one of the redirect URIs
//! registered for that client — named by `client_id` or by the audience of
//! an `id_token_hint` this tenant signed. Anything else ends on our own
//! page: a logout link cannot be turned into an open redirect.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use super::client::find_client;
use super::keys::key_set;
use super::request::with_query;
use crate::ssr::clock::UnixTime;
use crate::ssr::db::Conn;
use crate::ssr::Result;

/// Where the browser lands when no client may be returned to.
pub const SIGNED_OUT: &str = "/signin?signed_out=1";

/// The parameters of a logout request.
#[derive(Debug, Default)]
pub struct LogoutRequest {
    pub client_id: Option<String>,
    pub id_token_hint: Option<String>,
    pub post_logout_redirect_uri: Option<String>,
    pub state: Option<String>,
}

/// Where to send the browser once the session has ended.
pub async fn return_to(
    conn: &mut Conn,
    tenant_id: &str,
    issuer: &str,
    request: &LogoutRequest,
    now: UnixTime,
) -> Result<String> {
    let Some(uri) = &request.post_logout_redirect_uri else {
        return Ok(SIGNED_OUT.to_owned());
    };
    let hinted = match &request.id_token_hint {
        Some(hint) => match audience(conn, tenant_id, issuer, hint, now).await? {
            Some(audience) => Some(audience),
            // A hint we did not sign names no client.
            None => return Ok(SIGNED_OUT.to_owned()),
        },
        None => None,
    };
    let client_id = match (&request.client_id, hinted) {
        (Some(named), Some(hinted)) if *named != hinted => return Ok(SIGNED_OUT.to_owned()),
        (Some(named), _) => named.clone(),
        (None, Some(hinted)) => hinted,
        (None, None) => return Ok(SIGNED_OUT.to_owned()),
    };
    let Some(client) = find_client(conn, tenant_id, &client_id).await? else {
        return Ok(SIGNED_OUT.to_owned());
    };
    if !client.has_redirect_uri(conn, uri).await? {
        return Ok(SIGNED_OUT.to_owned());
    }
    Ok(match &request.state {
        Some(state) => with_query(uri, &[("state", state)]),
        None => uri.clone(),
    })
}

/// The audience of an ID token this tenant signed (expired or not).
async fn audience(
    conn: &mut Conn,
    tenant_id: &str,
    issuer: &str,
    token: &str,
    now: UnixTime,
) -> Result<Option<String>> {
    #[derive(serde::Deserialize)]
    struct Claims {
        aud: String,
    }
    let Ok(header) = jsonwebtoken::decode_header(token) else {
        return Ok(None);
    };
    let keys = key_set(conn, tenant_id, now).await?;
    let Some(jwk) = header.kid.as_deref().and_then(|kid| keys.find(kid)) else {
        return Ok(None);
    };
    let Ok(key) = DecodingKey::from_jwk(jwk) else {
        return Ok(None);
    };
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[issuer]);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    Ok(jsonwebtoken::decode::<Claims>(token, &key, &validation)
        .ok()
        .map(|data| data.claims.aud))
}
