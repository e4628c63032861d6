//! The REST API (DESIGN §4): JSON with Microsoft Graph's field names (the
//! shapes in [`crate::graph`]), the tenant taken from the bearer token, errors
//! as `{error:{code, message}}`. Each resource module gives its routes; this
//! one nests them under `/api/v1` and holds what they share: the caller, the
//! extractors whose faults answer in the error shape, paging.
//! Handlers parse, call one `app` service, and shape the answer.

mod invitations;
mod users;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::WWW_AUTHENTICATE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use headers::authorization::Bearer;
use headers::{Authorization, HeaderMapExt};
use serde::de::DeserializeOwned;

use app::domain::ParseError;
use app::error::AppError;
use app::ssr::AppState;
use app::tokens::ssr::{find_api_caller, ApiCaller};

use crate::graph::{ErrorBody, Page};

pub fn router() -> Router<AppState> {
    let v1 = invitations::router()
        .merge(users::router())
        .fallback(|| async { ApiError(AppError::NotFound("This API path".into())) });
    Router::new().nest("/api/v1", v1)
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
pub struct Caller(pub ApiCaller);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer_token(&parts.headers).ok_or(ApiError(AppError::Unauthenticated))?;
        let caller = find_api_caller(&state.pool, &token, state.now()).await?;
        caller
            .map(Caller)
            .ok_or(ApiError(AppError::Unauthenticated))
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
const PAGE_SIZE: usize = 100;
/// How many rows a list asks its service for: a page and one more, which
/// only tells whether another page follows.
const PAGE_FETCH: i64 = PAGE_SIZE as i64 + 1;

/// The page of `rows` (at most [`PAGE_FETCH`] of them, in order): `next` is
/// the cursor of its last row when more rows follow.
fn page<R, T>(mut rows: Vec<R>, cursor: impl FnOnce(&R) -> String) -> Page<T>
where
    T: for<'a> From<&'a R>,
{
    let more = rows.len() > PAGE_SIZE;
    rows.truncate(PAGE_SIZE);
    Page {
        next: rows.last().filter(|_| more).map(cursor),
        value: rows.iter().map(T::from).collect(),
    }
}

#[cfg(test)]
mod tests {
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
        let full: Page<String> = page((0..PAGE_FETCH as usize).map(Row).collect(), |row| {
            format!("after-{}", row.0)
        });
        assert_eq!(full.value.len(), PAGE_SIZE);
        assert_eq!(full.next.as_deref(), Some("after-99"));
        let last: Page<String> = page((0..PAGE_SIZE).map(Row).collect(), |row| {
            format!("after-{}", row.0)
        });
        assert_eq!(last.value.len(), PAGE_SIZE);
        assert_eq!(last.next, None);
    }
}
