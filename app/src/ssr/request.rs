//! What a server function knows about its request: the state, the headers,
//! the caller's address, and how to answer with a status code.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use http::request::Parts;
use leptos::prelude::use_context;

use super::state::AppState;
use crate::error::AppError;

/// The shared state, provided by `leptos_routes_with_context`.
pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the server function's context");
        AppError::Internal
    })
}

/// The request's method, URI and headers.
pub fn parts() -> Result<Parts, AppError> {
    use_context::<Parts>().ok_or_else(|| {
        tracing::error!("request parts missing from the server function's context");
        AppError::Internal
    })
}

/// The peer's IP address, for the audit trail.
pub fn client_ip(parts: &Parts) -> Option<String> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
}

/// Sets the response status to the error's and hands the error back, so a
/// server function (and a page rendered through it) answers with the right
/// HTTP status rather than 500.
pub fn fail(error: impl Into<AppError>) -> AppError {
    let error = error.into();
    crate::components::set_status(error.status());
    error
}

/// Maps a service result for a server function: internal errors are logged
/// and hidden, and the status follows the error.
pub fn respond<T>(result: super::Result<T>) -> Result<T, AppError> {
    result.map_err(fail)
}

/// Adds a `Set-Cookie` header to the server function's response.
pub fn set_cookie(value: http::HeaderValue) -> Result<(), AppError> {
    let response =
        use_context::<leptos_axum::ResponseOptions>().ok_or_else(|| fail(AppError::Internal))?;
    response.append_header(http::header::SET_COOKIE, value);
    Ok(())
}
