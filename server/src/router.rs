//! The HTTP surface: the Leptos pages and server functions, static files,
//! `/healthz`, the REST API, and the layers every request passes (trace
//! span, the REST API's error shape, body limit, CSRF guard, the guard on the
//! outcome of a form posted before the WASM, carried in a page's address).

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{middleware, Router};
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use app::ssr::AppState;
use app::{shell, App};

/// The largest request body accepted; larger ones get 413. Forms and JSON
/// here are small.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// The bulk-invite upload's limit (1000 CSV rows fit well within it).
pub const MAX_BULK_BODY_BYTES: usize = 1024 * 1024;
/// The one route that takes the larger limit.
const BULK_PATH: &str = "/api/bulk_invite";

pub fn router(state: AppState) -> Router {
    let routes = route_list();
    let options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(healthz))
        .merge(crate::api::router())
        .merge(crate::audit_export::router())
        .merge(crate::oidc::router())
        .merge(crate::demo_rp::router())
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::csrf::check_origin,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::form_outcome::guard,
        ))
        .layer(middleware::from_fn(limit_body_by_route))
        // The hard cap, also for bodies that do not declare their length.
        .layer(RequestBodyLimitLayer::new(MAX_BULK_BODY_BYTES))
        // Outside the limits, so that their 413s on API paths are shaped too.
        .layer(middleware::from_fn(crate::api::shape_plain_errors))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}

/// The app's routes, generated once per process. Generating them renders
/// the app with every resource's loading suppressed through a flag that is
/// global to the process (leptos_server's `SuppressResourceLoad`, leptos
/// issue #4773): a page rendered by another server in the same process at
/// that moment — one test starting its server while another renders — would
/// wait forever for a resource that never loads.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// A span per request, named by the route it matched. The raw URI is not
/// recorded: query strings can carry tickets and codes.
fn request_span(request: &Request) -> tracing::Span {
    let route = request.extensions().get::<MatchedPath>().map_or_else(
        || request.uri().path().to_owned(),
        |path| path.as_str().to_owned(),
    );
    tracing::info_span!("request", method = %request.method(), route)
}

/// Refuses, with 413, a body declared larger than its route allows.
async fn limit_body_by_route(request: Request, next: middleware::Next) -> axum::response::Response {
    use axum::response::IntoResponse;
    let limit = if request.uri().path() == BULK_PATH {
        MAX_BULK_BODY_BYTES
    } else {
        MAX_BODY_BYTES
    };
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    next.run(request).await
}

/// Liveness and readiness: the process answers and the database too.
async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match sqlx::query_scalar::<_, i64>("SELECT 1")
        .fetch_one(state.pool.connections())
        .await
    {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(error) => {
            tracing::error!(%error, "health check: database unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
