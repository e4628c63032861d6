//! `/demo/foo`: the demo application Foo's relying party (DESIGN §7), in
//! demo mode only, so that a newcomer can walk the story in a browser.
//!
//! It speaks the protocol as a client: an authorization request with
//! `state`, `nonce` and PKCE (kept in a short-lived cookie of its own), the
//! code exchanged with Foo's secret, the ID token checked against Woodgrove's
//! published keys, issuer, audience and nonce. The exchange runs in-process
//! (the token endpoint's own service), as the server has no HTTP client;
//! the tests' relying party (`end2end/rp`, openid-client) is the one that
//! goes over HTTP.

use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use cookie::{Cookie, SameSite};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use app::demo::{FOO_CALLBACK_PATH, FOO_CLIENT_ID, FOO_TENANT};
use app::domain::TenantSlug;
use app::oidc::ssr::token::{exchange, ClientAuth, TokenRequest};
use app::oidc::ssr::{authorize_path, issuer, keys};
use app::ssr::crypto::random_token;
use app::ssr::request::cookie_value;
use app::ssr::AppState;
use app::tenants::ssr::find_tenant_by_slug;

/// The cookie that carries a sign-in in progress: state, nonce, verifier.
const PENDING: &str = "demo_foo_pending";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/demo/foo", get(start))
        .route(FOO_CALLBACK_PATH, get(callback))
}

fn callback_uri(state: &AppState) -> String {
    format!("{}{FOO_CALLBACK_PATH}", state.config.public_url.origin())
}

fn page(status: StatusCode, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Foo · demo application</title>\
         <link rel=\"stylesheet\" href=\"/pkg/gatehouse.css\"></head>\
         <body><main><section class=\"card\"><h1>Foo</h1>\
         <p class=\"muted\">A demo application of Woodgrove that signs you in through Gatehouse.</p>\
         {body}</section></main></body></html>"
    );
    (status, Html(html)).into_response()
}

fn not_demo() -> Response {
    (StatusCode::NOT_FOUND, "Not found").into_response()
}

/// Starts a sign-in to Foo: to Woodgrove's authorization endpoint.
async fn start(State(state): State<AppState>) -> Response {
    if !state.config.demo {
        return not_demo();
    }
    let pending = [
        random_token::<16>(),
        random_token::<16>(),
        random_token::<32>(),
    ];
    let [csrf, nonce, verifier] = pending.each_ref().map(|value| value.expose_secret());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", FOO_CLIENT_ID),
            ("redirect_uri", callback_uri(&state).as_str()),
            ("response_type", "code"),
            ("scope", "openid profile email"),
            ("state", csrf),
            ("nonce", nonce),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ])
        .finish();
    let cookie = Cookie::build((PENDING, format!("{csrf}.{nonce}.{verifier}")))
        .path("/demo/foo")
        .http_only(true)
        .secure(state.config.public_url.is_https())
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::minutes(10))
        .build();
    let mut response =
        Redirect::to(&format!("{}?{query}", authorize_path(FOO_TENANT))).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        response.headers_mut().insert(SET_COOKIE, value);
    }
    response
}

#[derive(Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

fn pending(headers: &HeaderMap) -> Option<(String, String, String)> {
    let value = cookie_value(headers, PENDING)?;
    let mut parts = value.splitn(3, '.').map(str::to_owned);
    Some((parts.next()?, parts.next()?, parts.next()?))
}

/// The end of the sign-in (or of the sign-out): the claims, shown.
async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<Callback>,
) -> Response {
    if !state.config.demo {
        return not_demo();
    }
    let again = "<p><a id=\"foo-sign-in\" href=\"/demo/foo\">Sign in to Foo</a></p>";
    if let Some(error) = query.error {
        let description = query.error_description.unwrap_or_default();
        let body = format!(
            "<p class=\"alert\" id=\"foo-error\">{}: {}</p>{again}",
            html_escape::encode_text(&error),
            html_escape::encode_text(&description)
        );
        return page(StatusCode::BAD_REQUEST, &body);
    }
    let Some(code) = query.code else {
        return page(
            StatusCode::OK,
            &format!("<p id=\"foo-signed-out\">You have signed out of Foo.</p>{again}"),
        );
    };
    let refused = |why: &str| {
        page(
            StatusCode::BAD_REQUEST,
            &format!("<p class=\"alert\" id=\"foo-error\">{why}</p>{again}"),
        )
    };
    let Some((csrf, nonce, verifier)) = pending(&headers) else {
        return refused("This sign-in was not started here (no pending sign-in).");
    };
    if query.state.as_deref() != Some(csrf.as_str()) {
        return refused("The answer's state is not this sign-in's.");
    }
    let mut response = match claims(&state, code, verifier, &nonce).await {
        Ok(claims) => page(StatusCode::OK, &signed_in(&state, &claims)),
        Err(why) => refused(&why),
    };
    // The sign-in in progress is over, whichever way it ended.
    let spent = Cookie::build((PENDING, ""))
        .path("/demo/foo")
        .max_age(cookie::time::Duration::ZERO)
        .build();
    if let Ok(value) = HeaderValue::from_str(&spent.to_string()) {
        response.headers_mut().insert(SET_COOKIE, value);
    }
    response
}

/// Exchanges the code and checks the ID token; its claims.
async fn claims(
    state: &AppState,
    code: String,
    verifier: String,
    nonce: &str,
) -> Result<serde_json::Value, String> {
    let internal = |error: app::ssr::Error| {
        tracing::error!(%error, "the demo relying party failed");
        "Something went wrong.".to_owned()
    };
    let slug = TenantSlug::parse(FOO_TENANT).map_err(|e| e.0)?;
    let mut conn = state.pool.acquire().await.map_err(|e| internal(e.into()))?;
    let tenant = find_tenant_by_slug(&mut conn, &slug)
        .await
        .map_err(internal)?
        .ok_or("Woodgrove is not here.")?;
    drop(conn);
    let request = TokenRequest {
        client: ClientAuth::Basic {
            id: FOO_CLIENT_ID.to_owned(),
            secret: app::demo::ssr::demo_foo_client_secret(&state.secret_key),
        },
        grant_type: Some("authorization_code".to_owned()),
        code: Some(SecretString::from(code)),
        redirect_uri: Some(callback_uri(state)),
        code_verifier: Some(SecretString::from(verifier)),
    };
    let tokens = exchange(state, &tenant, request, None)
        .await
        .map_err(internal)?
        .map_err(|error| format!("{}: {}", error.error, error.description))?;
    let issuer = issuer(state.config.public_url.origin(), FOO_TENANT);
    let header = jsonwebtoken::decode_header(&tokens.id_token).map_err(|e| e.to_string())?;
    let mut conn = state.pool.acquire().await.map_err(|e| internal(e.into()))?;
    let keys = keys::key_set(&mut conn, &tenant.id, state.now())
        .await
        .map_err(internal)?;
    let jwk = header
        .kid
        .as_deref()
        .and_then(|kid| keys.find(kid))
        .ok_or("The ID token's key is not published.")?;
    let key = DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[FOO_CLIENT_ID]);
    // Its times are checked against the deployment's clock, which issued it.
    validation.validate_exp = false;
    let claims = jsonwebtoken::decode::<serde_json::Value>(&tokens.id_token, &key, &validation)
        .map_err(|e| format!("The ID token does not verify: {e}"))?
        .claims;
    let now = state.now();
    if claims["exp"].as_i64().is_none_or(|exp| exp <= now) {
        return Err("The ID token has expired.".to_owned());
    }
    if claims["nonce"].as_str() != Some(nonce) {
        return Err("The ID token's nonce is not this sign-in's.".to_owned());
    }
    Ok(claims)
}

fn signed_in(state: &AppState, claims: &serde_json::Value) -> String {
    let text =
        |name: &str| html_escape::encode_text(claims[name].as_str().unwrap_or("")).into_owned();
    let rows: String = claims
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, value)| {
            format!(
                "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
                html_escape::encode_text(name),
                html_escape::encode_text(&value.to_string())
            )
        })
        .collect();
    let logout = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", FOO_CLIENT_ID),
            ("post_logout_redirect_uri", callback_uri(state).as_str()),
        ])
        .finish();
    format!(
        "<p id=\"foo-signed-in\">Signed in as <strong>{}</strong> (<span id=\"foo-upn\">{}</span>), \
         amr <code id=\"foo-amr\">{}</code>.</p>\
         <table class=\"facts\"><caption>The ID token's claims</caption>{rows}</table>\
         <p><a id=\"foo-sign-out\" href=\"/{FOO_TENANT}/oauth2/v2.0/logout?{logout}\">Sign out</a></p>",
        text("name"),
        text("upn"),
        html_escape::encode_text(&claims["amr"].to_string()),
    )
}
