//! The REST API (DESIGN §4): JSON with Microsoft Graph's field names, the
//! tenant taken from the bearer token, errors as `{error:{code, message}}`.
//! Handlers parse, call one `app` service, and shape the answer.

mod invitations;
mod users;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde_json::json;

use app::error::AppError;
use app::ssr::AppState;
use app::tokens::ssr::{find_api_caller, ApiCaller};

pub fn router() -> Router<AppState> {
    let v1 = Router::new()
        .route(
            "/invitations",
            post(invitations::create).get(invitations::list),
        )
        .route(
            "/invitations/{id}",
            get(invitations::show).delete(invitations::revoke),
        )
        .route("/invitations/{id}/resend", post(invitations::resend))
        .route("/users", get(users::list))
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
        let body =
            Json(json!({ "error": { "code": self.0.api_code(), "message": self.0.to_string() } }));
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

/// The caller, from `Authorization: Bearer <token>`.
pub struct Caller(pub ApiCaller);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(ApiError(AppError::Unauthenticated))?;
        let caller = find_api_caller(&state.pool, token, state.now()).await?;
        caller
            .map(Caller)
            .ok_or(ApiError(AppError::Unauthenticated))
    }
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

/// RFC 3339 for the API's `…DateTime` fields.
pub fn date_time(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|at| {
            at.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}
