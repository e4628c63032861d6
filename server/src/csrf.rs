//! Cross-site request forgery guard (DESIGN §5): a request that changes state
//! must come from Gatehouse's own origin. Browsers send `Origin` on every
//! POST; a request without it (curl, the CLI, an API client with a bearer
//! token) carries no ambient browser credentials to abuse, unless the
//! browser says it is cross-site (`Sec-Fetch-Site`).

use axum::extract::{Request, State};
use axum::http::{header::ORIGIN, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;

use app::error::AppError;
use app::ssr::AppState;

pub async fn check_origin(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) || crate::oidc::is_cross_origin_endpoint(request.uri().path())
    {
        return next.run(request).await;
    }
    let headers = request.headers();
    let allowed = match headers.get(ORIGIN) {
        Some(origin) => origin.as_bytes() == state.config.public_url.origin().as_bytes(),
        None => headers
            .get("sec-fetch-site")
            .is_none_or(|site| site.as_bytes() != b"cross-site"),
    };
    if allowed {
        next.run(request).await
    } else {
        tracing::warn!(
            origin = ?headers.get(ORIGIN),
            expected = state.config.public_url.origin(),
            "refused a cross-origin request"
        );
        (StatusCode::FORBIDDEN, Json(AppError::CrossOrigin)).into_response()
    }
}
