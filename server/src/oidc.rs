//! The OpenID Connect provider's HTTP endpoints, per tenant, in the shape of
//! Entra's (DESIGN §4). Handlers parse, call `app::oidc::ssr`, and answer
//! in the protocol's shapes: redirects for the authorization endpoint, JSON
//! errors of RFC 6749 §5.2 for the token endpoint, `WWW-Authenticate`
//! (RFC 6750 §3) for userinfo. An unknown tenant is a 404 everywhere.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Query, RawQuery, State};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, PRAGMA, SET_COOKIE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use headers::authorization::Bearer;
use headers::{Authorization, HeaderMapExt};
use secrecy::SecretString;
use serde::Deserialize;

use app::auth::ssr::session::clear_cookie;
use app::domain::TenantSlug;
use app::oidc::ssr::authorize::{authorize, Next};
use app::oidc::ssr::logout::{return_to, LogoutRequest};
use app::oidc::ssr::token::{exchange, ClientAuth, TokenError, TokenRequest};
use app::oidc::ssr::{discovery, issuer, keys, userinfo};
use app::ssr::AppState;
use app::tenants::ssr::{find_tenant_by_slug, Tenant};

/// The paths that authenticate their caller themselves (client credentials,
/// PKCE, a bearer token) and carry no cookie: they take requests from other
/// origins, which the CSRF guard would refuse.
pub fn is_cross_origin_endpoint(path: &str) -> bool {
    path.ends_with("/oauth2/v2.0/token") || path.ends_with("/oidc/userinfo")
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/{slug}/v2.0/.well-known/openid-configuration",
            get(configuration),
        )
        .route("/{slug}/discovery/v2.0/keys", get(key_set))
        .route("/{slug}/oauth2/v2.0/authorize", get(authorization))
        .route("/{slug}/oauth2/v2.0/token", axum::routing::post(token))
        .route("/{slug}/oidc/userinfo", get(user_info).post(user_info))
        .route("/{slug}/oauth2/v2.0/logout", get(logout))
}

/// An answer the handler gives itself; internal faults are logged.
enum Failure {
    NotFound,
    Internal(app::ssr::Error),
}

impl From<app::ssr::Error> for Failure {
    fn from(error: app::ssr::Error) -> Self {
        Self::Internal(error)
    }
}

impl From<sqlx::Error> for Failure {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(error.into())
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Self::NotFound => (StatusCode::NOT_FOUND, "No such tenant.").into_response(),
            Self::Internal(error) => {
                tracing::error!(error = %app::ssr::Chain(&error), "OpenID Connect endpoint failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong.").into_response()
            }
        }
    }
}

async fn tenant(state: &AppState, slug: &str) -> Result<Tenant, Failure> {
    let slug = TenantSlug::parse(slug).map_err(|_| Failure::NotFound)?;
    let mut conn = state.pool.acquire().await?;
    find_tenant_by_slug(&mut conn, &slug)
        .await?
        .ok_or(Failure::NotFound)
}

/// The client's address, when the server knows it (it does unless a test
/// drives the router without a socket).
struct ClientIp(Option<String>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(address)| address.ip().to_string()),
        ))
    }
}

async fn configuration(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<serde_json::Value>, Failure> {
    let tenant = tenant(&state, &slug).await?;
    Ok(Json(discovery(
        state.config.public_url.origin(),
        tenant.slug.as_str(),
    )))
}

async fn key_set(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<jsonwebtoken::jwk::JwkSet>, Failure> {
    let tenant = tenant(&state, &slug).await?;
    let mut conn = state.pool.acquire().await?;
    Ok(Json(
        keys::key_set(&mut conn, &tenant.id, state.now()).await?,
    ))
}

async fn authorization(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, Failure> {
    let tenant = tenant(&state, &slug).await?;
    let pairs = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect();
    let next = authorize(&state, &headers, ip, &tenant, pairs).await?;
    Ok(match next {
        Next::Redirect(location) => Redirect::to(&location).into_response(),
        Next::Page(message) => error_page(StatusCode::BAD_REQUEST, &message),
    })
}

/// A page of ours for a request that cannot go back to its client.
fn error_page(status: StatusCode, message: &str) -> Response {
    let message = html_escape::encode_text(message);
    let body = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Sign-in error · Gatehouse</title>\
         <link rel=\"stylesheet\" href=\"/pkg/gatehouse.css\"></head>\
         <body><main><section class=\"card narrow\"><h1>Sign-in error</h1>\
         <p class=\"error\" id=\"oidc-error\">{message}</p>\
         <p>Go back to the application and try again, or tell its owner.</p>\
         </section></main></body></html>"
    );
    (status, Html(body)).into_response()
}

/// The token request's form (RFC 6749 §4.1.3, §2.3.1).
#[derive(Deserialize)]
struct TokenForm {
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

async fn token(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, Failure> {
    let tenant = tenant(&state, &slug).await?;
    let Ok(Form(form)) = form else {
        return Ok(token_error(TokenError {
            error: "invalid_request",
            description: "The body must be application/x-www-form-urlencoded.".into(),
        }));
    };
    let secret = form.client_secret.map(SecretString::from);
    let client = match client_auth(&headers, form.client_id, secret) {
        Ok(client) => client,
        Err(error) => return Ok(token_error(error)),
    };
    let request = TokenRequest {
        client,
        grant_type: form.grant_type,
        code: form.code.map(SecretString::from),
        redirect_uri: form.redirect_uri,
        code_verifier: form.code_verifier.map(SecretString::from),
    };
    Ok(match exchange(&state, &tenant, request, ip).await? {
        Ok(response) => no_store((StatusCode::OK, Json(response)).into_response()),
        Err(error) => token_error(error),
    })
}

/// The client's credentials: `Authorization: Basic` or the form, never
/// both (RFC 6749 §2.3).
fn client_auth(
    headers: &HeaderMap,
    client_id: Option<String>,
    client_secret: Option<SecretString>,
) -> Result<ClientAuth, TokenError> {
    let invalid = |description: &str| TokenError {
        error: "invalid_request",
        description: description.into(),
    };
    let unauthenticated = || TokenError {
        error: "invalid_client",
        description: "Client authentication failed.".into(),
    };
    match headers.get(AUTHORIZATION) {
        Some(value) => {
            if client_secret.is_some() {
                return Err(invalid("Use one client authentication method, not two."));
            }
            let (id, secret) = basic_credentials(value).ok_or_else(unauthenticated)?;
            if client_id.as_ref().is_some_and(|named| *named != id) {
                return Err(unauthenticated());
            }
            Ok(ClientAuth::Basic { id, secret })
        }
        None => match (client_id, client_secret) {
            (Some(id), Some(secret)) => Ok(ClientAuth::Post { id, secret }),
            (Some(id), None) => Ok(ClientAuth::None { id }),
            (None, _) => Err(unauthenticated()),
        },
    }
}

/// `Basic base64(urlencode(id) ":" urlencode(secret))` (RFC 6749 §2.3.1).
fn basic_credentials(value: &HeaderValue) -> Option<(String, SecretString)> {
    let encoded = value.to_str().ok()?;
    let (scheme, encoded) = encoded.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let decode = |part: &str| {
        percent_encoding::percent_decode_str(&part.replace('+', " "))
            .decode_utf8()
            .ok()
            .map(|text| text.into_owned())
    };
    Some((decode(id)?, SecretString::from(decode(secret)?)))
}

fn token_error(error: TokenError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body = serde_json::json!({
        "error": error.error,
        "error_description": error.description,
    });
    let mut response = no_store((status, Json(body)).into_response());
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Basic"));
    }
    response
}

/// Token answers are never cached (RFC 6749 §5.1).
fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

async fn user_info(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let tenant = tenant(&state, &slug).await?;
    let refused = |error: &str| {
        let challenge = format!("Bearer error=\"{error}\"");
        let mut response = StatusCode::UNAUTHORIZED.into_response();
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            response.headers_mut().insert(WWW_AUTHENTICATE, value);
        }
        response
    };
    let Some(Authorization(bearer)) = headers.typed_get::<Authorization<Bearer>>() else {
        return Ok(refused("invalid_request"));
    };
    let mut conn = state.pool.acquire().await?;
    Ok(
        match userinfo::userinfo(&mut conn, &tenant.id, bearer.token().trim(), state.now()).await? {
            Some(claims) => no_store(Json(claims).into_response()),
            None => refused("invalid_token"),
        },
    )
}

#[derive(Deserialize)]
struct LogoutQuery {
    client_id: Option<String>,
    id_token_hint: Option<String>,
    post_logout_redirect_uri: Option<String>,
    state: Option<String>,
}

async fn logout(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Query(query): Query<LogoutQuery>,
) -> Result<Response, Failure> {
    let tenant = tenant(&state, &slug).await?;
    app::auth::ssr::sign_out(&state, &headers, ip).await?;
    let request = LogoutRequest {
        client_id: query.client_id,
        id_token_hint: query.id_token_hint,
        post_logout_redirect_uri: query.post_logout_redirect_uri,
        state: query.state,
    };
    let issuer = issuer(state.config.public_url.origin(), tenant.slug.as_str());
    let mut conn = state.pool.acquire().await?;
    let target = return_to(&mut conn, &tenant.id, &issuer, &request, state.now()).await?;
    let mut response = Redirect::to(&target).into_response();
    response
        .headers_mut()
        .insert(SET_COOKIE, clear_cookie(&state.config.public_url));
    Ok(response)
}
