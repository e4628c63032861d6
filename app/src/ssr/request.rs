//! What a server function knows about its request: the state, the headers,
//! the caller's address and session — and how to answer with a status code
//! and a cookie. Server functions start with [`Request::current`], then
//! authorise through it once.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use http::request::Parts;
use leptos::prelude::use_context;

use super::state::AppState;
use super::Actor;
use crate::auth::ssr::session::{id_hash_from_headers, set_cookie, SessionToken};
use crate::auth::ssr::{self, AdminContext, Identity, Principal, Role, SignedIn};
use crate::error::AppError;

/// The request a server function is answering.
pub struct Request {
    pub state: AppState,
    pub parts: Parts,
}

impl Request {
    /// The state and request parts, provided by `leptos_routes_with_context`.
    pub fn current() -> Result<Self, AppError> {
        let state = use_context::<AppState>().ok_or_else(|| {
            tracing::error!("AppState missing from the server function's context");
            fail(AppError::Internal)
        })?;
        let parts = use_context::<Parts>().ok_or_else(|| {
            tracing::error!("request parts missing from the server function's context");
            fail(AppError::Internal)
        })?;
        Ok(Self { state, parts })
    }

    /// The peer's IP address, for the audit trail.
    pub fn ip(&self) -> Option<String> {
        self.parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string())
    }

    /// The caller, if signed in.
    pub async fn principal(&self) -> Result<Option<Principal>, AppError> {
        respond(ssr::find_principal(&self.state, &self.parts.headers).await)
    }

    /// The caller, or `Unauthenticated`.
    pub async fn require_principal(&self) -> Result<Principal, AppError> {
        respond(ssr::require_principal(&self.state, &self.parts.headers).await)
    }

    /// The caller as the actor of what follows, or `Unauthenticated` (or
    /// `MfaRequired` while security defaults' home MFA is due).
    pub async fn require_actor(&self) -> Result<(Principal, Actor), AppError> {
        let principal = self.require_principal().await?;
        let actor = Actor::identity(&principal.identity, self.ip());
        Ok((principal, actor))
    }

    /// Like [`Self::require_actor`], but also a member who still owes their
    /// home tenant's MFA: for the MFA steps, which are how they pay it.
    pub async fn require_actor_for_mfa(&self) -> Result<(Principal, Actor), AppError> {
        let principal = respond(ssr::require_signed_in(&self.state, &self.parts.headers).await)?;
        let actor = Actor::identity(&principal.identity, self.ip());
        Ok((principal, actor))
    }

    /// An admin of the tenant `slug`, or the error that says why not.
    pub async fn admin(&self, slug: &str) -> Result<AdminContext, AppError> {
        self.tenant_role(slug, Role::Admin).await
    }

    /// Someone who may invite into the tenant `slug`: an admin, or a member
    /// when the tenant lets members invite.
    pub async fn inviter(&self, slug: &str) -> Result<AdminContext, AppError> {
        self.tenant_role(slug, Role::Inviter).await
    }

    async fn tenant_role(&self, slug: &str, role: Role) -> Result<AdminContext, AppError> {
        respond(
            ssr::require_tenant_role(&self.state, &self.parts.headers, self.ip(), slug, role).await,
        )
    }

    /// Starts a session for an identity that has just proven itself — the
    /// request's previous session is revoked — and hands its cookie to the
    /// browser.
    pub async fn begin_session(&self, identity: Identity) -> Result<SignedIn, AppError> {
        let signed_in = respond(
            ssr::start_session(
                &self.state,
                identity,
                self.session_hash().as_deref(),
                self.ip(),
            )
            .await,
        )?;
        self.set_session_cookie(&signed_in.token)?;
        Ok(signed_in)
    }

    /// Hands a new session's cookie to the browser.
    pub fn set_session_cookie(&self, token: &SessionToken) -> Result<(), AppError> {
        add_set_cookie(set_cookie(&self.state.config.public_url, token))
    }

    /// The hash of the session id the request carries, if any.
    pub fn session_hash(&self) -> Option<String> {
        id_hash_from_headers(&self.state.config.public_url, &self.parts.headers)
    }
}

/// Sets the response status to the error's and hands the error back, so a
/// server function (and a page rendered through it) answers with the right
/// HTTP status rather than 500.
pub fn fail(error: impl Into<AppError>) -> AppError {
    let error = error.into();
    crate::components::set_status(error.status());
    if error == AppError::Busy {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.insert_header(
                http::header::RETRY_AFTER,
                http::HeaderValue::from_static(RETRY_AFTER_SECS),
            );
        }
    }
    error
}

/// How long a client is asked to wait when the server is busy.
const RETRY_AFTER_SECS: &str = "1";

/// Maps a service result for a server function: internal errors are logged
/// and hidden, and the status follows the error.
pub fn respond<T>(result: super::Result<T>) -> Result<T, AppError> {
    result.map_err(fail)
}

/// Adds a `Set-Cookie` header to the server function's response.
pub fn add_set_cookie(value: http::HeaderValue) -> Result<(), AppError> {
    let response =
        use_context::<leptos_axum::ResponseOptions>().ok_or_else(|| fail(AppError::Internal))?;
    response.append_header(http::header::SET_COOKIE, value);
    Ok(())
}

/// The value of the request's cookie `name`, if it sent one that is not
/// empty (an emptied cookie is a removed one).
pub fn cookie_value(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(std::result::Result::ok)
        .find(|cookie| cookie.name() == name && !cookie.value().is_empty())
        .map(|cookie| cookie.value().to_owned())
}

/// A cookie of Gatehouse's own, with the attributes they all have:
/// HttpOnly, SameSite=Lax, `Path=/`, and `Secure` whenever the public URL is
/// https. A `max_age` of 0 removes it.
pub fn own_cookie(
    public_url: &super::config::PublicUrl,
    name: &'static str,
    value: String,
    max_age_secs: i64,
) -> cookie::Cookie<'static> {
    cookie::Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(cookie::SameSite::Lax)
        .secure(public_url.is_https())
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .build()
}
