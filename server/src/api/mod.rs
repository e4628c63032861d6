//! The REST API (DESIGN §4): JSON with Microsoft Graph's field names (the
//! shapes in [`crate::graph`]), the tenant taken from the bearer token, errors
//! as `{error:{code, message}}`. Each resource module gives its routes; this
//! one nests them under `/api/v1` and holds what they share: the caller, the
//! extractors whose faults answer in the error shape, paging.
//! Handlers parse, call one `app` service, and shape the answer.

mod applications;
mod audit;
mod invitations;
mod organization;
mod partners;
mod policies;
mod user_methods;
mod users;

use axum::body::Body;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use headers::authorization::Bearer;
use headers::{Authorization, HeaderMapExt};
use serde::de::DeserializeOwned;

use app::domain::ParseError;
use app::error::AppError;
use app::ssr::page::{Page as ServicePage, PageSize};
use app::ssr::AppState;
use std::net::SocketAddr;

use app::ssr::Actor;
use app::tenants::ssr::Tenant;
use app::tokens::ssr::{find_api_caller, ApiCaller};
use axum::extract::ConnectInfo;

use crate::graph::{ErrorBody, Page};

/// Where the API lives.
const PREFIX: &str = "/api/v1";

pub fn router() -> Router<AppState> {
    let v1 = invitations::router()
        .merge(applications::router())
        .merge(organization::router())
        .merge(users::router())
        .merge(user_methods::router())
        .merge(policies::router())
        .merge(partners::router())
        .merge(audit::router())
        .fallback(|| async { ApiError(AppError::NotFound("This API path".into())) });
    Router::new().nest(PREFIX, v1)
}

/// An error as the API answers it.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        Self(error)
    }
}

impl From<app::ssr::Error> for ApiError {
    fn from(error: app::ssr::Error) -> Self {
        Self(error.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = Json(ErrorBody::new(self.0.api_code(), self.0.to_string()));
        let mut response = (status, body).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

fn bad_request(message: String) -> ApiError {
    ApiError(AppError::Invalid {
        field: String::new(),
        message,
    })
}

/// The error for a value that does not parse, named by its API field.
fn invalid(field: &str) -> impl FnOnce(ParseError) -> ApiError + '_ {
    move |error| ApiError(AppError::invalid(field, error))
}

/// An optional parameter parsed into its domain type; a fault names `field`.
fn parse_optional<T>(
    value: Option<&str>,
    field: &str,
    parse: impl FnOnce(&str) -> Result<T, ParseError>,
) -> Result<Option<T>, ApiError> {
    value.map(parse).transpose().map_err(invalid(field))
}

/// The caller, from `Authorization: Bearer <token>`.
/// The caller of an API request: the token's tenant, and the token as the
/// actor of what the request does (with the client's address).
pub struct Caller {
    pub tenant: Tenant,
    pub actor: Actor,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer_token(&parts.headers).ok_or(ApiError(AppError::Unauthenticated))?;
        let caller: ApiCaller = find_api_caller(&state.pool, &token, state.now())
            .await?
            .ok_or(ApiError(AppError::Unauthenticated))?;
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string());
        Ok(Self {
            actor: caller.actor(ip),
            tenant: caller.tenant,
        })
    }
}

/// The token of `Authorization: Bearer <token>`, without the blanks around
/// it. The scheme matches in any case (RFC 7235 §2.1): `headers` decodes it so.
fn bearer_token(headers: &HeaderMap) -> Option<String> {
    headers
        .typed_get::<Authorization<Bearer>>()
        .map(|authorization| authorization.token().trim().to_owned())
}

/// A JSON body whose every fault is a 400 in the API's error shape.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection @ JsonRejection::MissingJsonContentType(_)) => Err(bad_request(format!(
                "{rejection}: send Content-Type: application/json"
            ))),
            Err(rejection) => Err(bad_request(rejection.body_text())),
        }
    }
}

/// Query parameters whose faults are 400s in the API's error shape.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Self(value))
            .map_err(|rejection: QueryRejection| bad_request(rejection.body_text()))
    }
}

/// Rows per page of a list.
const PAGE: PageSize = PageSize::new(100);

/// A service's page in the API's shape: `cursor` makes the opaque `next`
/// from the key to continue after.
fn page<R, K, T>(page: ServicePage<R, K>, cursor: impl FnOnce(K) -> String) -> Page<T>
where
    T: for<'a> From<&'a R>,
{
    Page {
        next: page.next.map(cursor),
        value: page.items.iter().map(T::from).collect(),
    }
}

/// Gives the answers axum makes itself on an API path (405 for a method a
/// route lacks, 413 for a body over the limit, 400 for a path that does not
/// decode) the API's error shape, keeping their status and headers (`Allow`).
/// Answers already in JSON, and every answer outside the API, pass as they
/// are. Layered outside the body limits so that their 413s pass through it.
pub async fn shape_plain_errors(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let is_api = path == PREFIX
        || path
            .strip_prefix(PREFIX)
            .is_some_and(|rest| rest.starts_with('/'));
    let method = request.method().clone();
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|kind| kind.as_bytes().starts_with(b"application/json"));
    if !is_api
        || method == Method::HEAD
        || is_json
        || !(status.is_client_error() || status.is_server_error())
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 1024)
        .await
        .ok()
        .and_then(|bytes| String::from_utf8(bytes.to_vec()).ok())
        .unwrap_or_default();
    let (code, message) = plain_error(status, &method, text.trim());
    let body = serde_json::to_vec(&ErrorBody::new(code, message)).unwrap_or_default();
    parts.headers.remove(CONTENT_LENGTH);
    parts
        .headers
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Response::from_parts(parts, Body::from(body))
}

/// The code and message for an answer axum gave as plain text (or none):
/// the codes `AppError` uses where one fits, otherwise the status's reason
/// in lower camel case (`methodNotAllowed`, `payloadTooLarge`).
fn plain_error(status: StatusCode, method: &Method, text: &str) -> (String, String) {
    let reason = status.canonical_reason().unwrap_or("Error");
    let code = match status.as_u16() {
        400 => AppError::Invalid {
            field: String::new(),
            message: String::new(),
        }
        .code()
        .to_owned(),
        401 => AppError::Unauthenticated.code().to_owned(),
        403 => AppError::Forbidden.code().to_owned(),
        404 => AppError::NotFound(String::new()).code().to_owned(),
        500.. => AppError::Internal.code().to_owned(),
        _ => lower_camel(reason),
    };
    let message = match status {
        StatusCode::METHOD_NOT_ALLOWED => format!("{method} is not allowed on this path."),
        StatusCode::PAYLOAD_TOO_LARGE => "The request body is too large.".to_owned(),
        _ if status.is_server_error() => AppError::Internal.to_string(),
        _ if !text.is_empty() => text.to_owned(),
        _ => format!("{reason}."),
    };
    (code, message)
}

/// `Payload Too Large` → `payloadTooLarge`, `URI Too Long` → `uriTooLong`.
fn lower_camel(words: &str) -> String {
    let mut code = String::new();
    for word in words
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
    {
        let word = word.to_ascii_lowercase();
        if code.is_empty() {
            code.push_str(&word);
        } else {
            code.push_str(&word[..1].to_ascii_uppercase());
            code.push_str(&word[1..]);
        }
    }
    code
}

#[cfg(test)]
mod tests {
    use axum::routing::{get, post};
    use tower::ServiceExt as _;

    use super::*;

    fn authorization(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            axum::http::header::AUTHORIZATION,
            HeaderValue::from_static(value),
        );
        headers
    }

    #[test]
    fn the_bearer_scheme_is_matched_in_any_case() {
        for value in ["Bearer gh_x", "bearer gh_x", "BEARER gh_x", "bEaReR gh_x"] {
            assert_eq!(
                bearer_token(&authorization(value)).as_deref(),
                Some("gh_x"),
                "{value}"
            );
        }
    }

    #[test]
    fn blanks_around_the_bearer_token_are_ignored() {
        assert_eq!(
            bearer_token(&authorization("Bearer   gh_x  ")).as_deref(),
            Some("gh_x")
        );
    }

    #[test]
    fn other_schemes_and_missing_tokens_give_no_bearer_token() {
        for value in ["Basic dXNlcjpwYXNz", "Bearergh_x", "Bearer", "gh_x", ""] {
            assert_eq!(bearer_token(&authorization(value)), None, "{value:?}");
        }
        assert_eq!(bearer_token(&HeaderMap::new()), None);
    }

    #[test]
    fn a_page_cuts_the_extra_row_and_names_the_last_one_shown_as_next() {
        struct Row(usize);
        impl From<&Row> for String {
            fn from(row: &Row) -> Self {
                row.0.to_string()
            }
        }
        let rows = |n: usize| (0..n).map(Row).collect::<Vec<_>>();
        let full: Page<String> = page(PAGE.cut(rows(101), |row| row.0), |key| {
            format!("after-{key}")
        });
        assert_eq!(full.value.len(), 100);
        assert_eq!(full.next.as_deref(), Some("after-99"));
        let last: Page<String> = page(PAGE.cut(rows(100), |row| row.0), |key| {
            format!("after-{key}")
        });
        assert_eq!(last.value.len(), 100);
        assert_eq!(last.next, None);
    }

    #[test]
    fn a_status_reason_becomes_a_lower_camel_code() {
        assert_eq!(lower_camel("Method Not Allowed"), "methodNotAllowed");
        assert_eq!(lower_camel("Payload Too Large"), "payloadTooLarge");
        assert_eq!(lower_camel("URI Too Long"), "uriTooLong");
    }

    fn app() -> Router {
        Router::new()
            .route("/api/v1/things", post(|| async { "made" }))
            .route(
                "/api/v1/plain",
                get(|| async { (StatusCode::UNSUPPORTED_MEDIA_TYPE, "Send JSON.") }),
            )
            .route(
                "/api/v1/refused",
                get(|| async { ApiError(AppError::Forbidden) }),
            )
            .route("/elsewhere", post(|| async { "made" }))
            .layer(axum::middleware::from_fn(shape_plain_errors))
    }

    async fn call(method: Method, path: &str) -> (StatusCode, HeaderMap, String) {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .body(Body::empty())
            .unwrap();
        let response = app().oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        (
            parts.status,
            parts.headers,
            String::from_utf8(body.to_vec()).unwrap(),
        )
    }

    #[tokio::test]
    async fn a_method_an_api_route_lacks_answers_405_in_the_error_shape() {
        let (status, headers, body) = call(Method::GET, "/api/v1/things").await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(headers[CONTENT_TYPE], "application/json");
        assert!(headers.contains_key(axum::http::header::ALLOW));
        let body: ErrorBody = serde_json::from_str(&body).unwrap();
        assert_eq!(
            body,
            ErrorBody::new("methodNotAllowed", "GET is not allowed on this path.")
        );
    }

    #[tokio::test]
    async fn a_plain_text_api_error_keeps_its_text_as_the_message() {
        let (status, _, body) = call(Method::GET, "/api/v1/plain").await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let body: ErrorBody = serde_json::from_str(&body).unwrap();
        assert_eq!(body, ErrorBody::new("unsupportedMediaType", "Send JSON."));
    }

    #[tokio::test]
    async fn json_errors_and_answers_outside_the_api_pass_unchanged() {
        let (status, _, body) = call(Method::GET, "/api/v1/refused").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let body: ErrorBody = serde_json::from_str(&body).unwrap();
        assert_eq!(body.error.code, "forbidden");
        let (status, headers, body) = call(Method::GET, "/elsewhere").await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert!(!headers.contains_key(CONTENT_TYPE));
        assert_eq!(body, "");
        let (status, _, body) = call(Method::POST, "/api/v1/things").await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "made"));
    }
}
