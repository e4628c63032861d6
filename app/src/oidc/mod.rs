//! The OpenID Connect provider of each tenant (DESIGN §4), in the shape of
//! Entra's endpoints: `/{slug}/v2.0/.well-known/openid-configuration`,
//! `/{slug}/oauth2/v2.0/{authorize,token,logout}`, `/{slug}/discovery/v2.0/keys`
//! and `/{slug}/oidc/userinfo`. The HTTP handlers are in the server crate;
//! the decisions are here, in `ssr`.

#[cfg(feature = "ssr")]
pub mod ssr;
