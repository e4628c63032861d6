//! The provider's services: the request check, the authorization decision,
//! codes and tokens, keys, and the metadata that names them.

pub mod authorize;
pub mod client;
pub mod keys;
pub mod logout;
pub mod request;
pub mod token;
pub mod userinfo;

use serde_json::{json, Value};

/// The issuer of a tenant's tokens: `{public URL}/{slug}/v2.0`.
pub fn issuer(public_url: &str, slug: &str) -> String {
    format!("{public_url}/{slug}/v2.0")
}

/// The authorization endpoint's path for a tenant.
pub fn authorize_path(slug: &str) -> String {
    format!("/{slug}/oauth2/v2.0/authorize")
}

/// The provider metadata (OpenID Connect Discovery 1.0 §3).
pub fn discovery(public_url: &str, slug: &str) -> Value {
    let base = format!("{public_url}/{slug}");
    json!({
        "issuer": issuer(public_url, slug),
        "authorization_endpoint": format!("{public_url}{}", authorize_path(slug)),
        "token_endpoint": format!("{base}/oauth2/v2.0/token"),
        "userinfo_endpoint": format!("{base}/oidc/userinfo"),
        "end_session_endpoint": format!("{base}/oauth2/v2.0/logout"),
        "jwks_uri": format!("{base}/discovery/v2.0/keys"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "profile", "email"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "prompt_values_supported": ["none", "login"],
        "acr_values_supported": ["1", "2"],
        "claims_supported": [
            "iss", "sub", "aud", "exp", "iat", "nbf", "nonce", "auth_time", "tid", "oid", "upn",
            "email", "name", "preferred_username", "idp", "amr", "acr", "mfa_idp"
        ],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "authorization_response_iss_parameter_supported": true,
    })
}
