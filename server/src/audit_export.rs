//! The audit log as CSV: every event the filters match, not one page.
//!
//! - `GET /t/{slug}/admin/audit/export.csv?actor=…&action=…` is the portal's
//!   *Export CSV* link: the browser's session authorises it as it does every
//!   admin page (an admin of that tenant, MFA fresh); a browser without one
//!   is sent to sign in or to the MFA challenge and back.
//! - `GET /api/v1/audit?format=csv` answers with the same body
//!   ([`csv_response`]).
//!
//! The body streams: the events are read a page at a time (keyset, newest
//! first), each page on a connection taken for that read only, so a slow
//! download holds no connection. Events recorded while it runs are newer
//! than its first page and stay out of it.

use std::net::SocketAddr;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, LOCATION};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use app::audit_log::ssr::{csv_lines, list_audit_events, AuditCursor, AuditFilter, EXPORT_PAGE};
use app::audit_log::AuditFilterInput;
use app::auth::ssr::{require_tenant_role, Role};
use app::components::encode_query_value;
use app::error::AppError;
use app::ssr::AppState;
use app::tenants::ssr::Tenant;

pub fn router() -> Router<AppState> {
    Router::new().route("/t/{slug}/admin/audit/export.csv", get(download))
}

/// The export link's query: the page's filters (no cursor: an export has
/// every matching event).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportQuery {
    actor: Option<String>,
    target: Option<String>,
    action: Option<String>,
    outcome: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// The portal's download, for an admin of `slug` with a fresh MFA.
async fn download(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    parts: Parts,
) -> Response {
    let here = parts.uri.path_and_query().map_or_else(
        || parts.uri.path().to_owned(),
        |whole| whole.as_str().to_owned(),
    );
    let ip = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string());
    let admin = match require_tenant_role(&state, &parts.headers, ip, &slug, Role::Admin).await {
        Ok(admin) => admin,
        Err(error) => return refusal(AppError::from(error), &slug, &here),
    };
    let query = match Query::<ExportQuery>::try_from_uri(&parts.uri) {
        Ok(Query(query)) => query,
        Err(rejection) => return (StatusCode::BAD_REQUEST, rejection.body_text()).into_response(),
    };
    let input = AuditFilterInput {
        actor: query.actor,
        target: query.target,
        action: query.action,
        outcome: query.outcome,
        from: query.from,
        to: query.to,
    };
    match AuditFilter::parse(&input) {
        Ok(filter) => csv_response(state, &admin.tenant, filter),
        Err(error) => refusal(error, &slug, &here),
    }
}

/// Why the download is refused: a browser that is not signed in, or whose
/// MFA is stale, goes to do that and comes back; anything else is the
/// error's status and message, as plain text.
fn refusal(error: AppError, slug: &str, here: &str) -> Response {
    let redirect = match error {
        AppError::Unauthenticated => format!("/signin?next={}", encode_query_value(here)),
        AppError::MfaRequired => app::mfa::verify_path(slug, here),
        error => {
            let status =
                StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return (status, error.to_string()).into_response();
        }
    };
    (StatusCode::SEE_OTHER, [(LOCATION, redirect)]).into_response()
}

/// Where an export has got to.
enum Step {
    /// The next page to read: below `after`, with the header line first
    /// on the first page.
    Page {
        after: Option<AuditCursor>,
        header: bool,
    },
    Done,
}

/// `200 text/csv`, an attachment named after the tenant and the day, whose
/// body is the header line and every event of `tenant` that `filter`
/// matches, newest first (see `app::audit_log::ssr::csv_lines`). A read
/// that fails part-way is logged and ends the body early, which the client
/// sees as a failed download.
pub fn csv_response(state: AppState, tenant: &Tenant, filter: AuditFilter) -> Response {
    let file = format!(
        "audit-{}-{}.csv",
        tenant.slug.as_str(),
        app::ssr::date(state.now())
    );
    let tenant_id = tenant.id.clone();
    let first = Step::Page {
        after: None,
        header: true,
    };
    let pages = futures::stream::try_unfold(first, move |step| {
        let (state, tenant_id, filter) = (state.clone(), tenant_id.clone(), filter.clone());
        async move {
            let Step::Page { after, header } = step else {
                return Ok(None);
            };
            let (lines, next) = export_page(&state, &tenant_id, &filter, after, header)
                .await
                .map_err(|error| {
                    // Logs an internal cause with its chain.
                    let public = AppError::from(error);
                    tracing::error!(%public, "the audit export stopped part-way");
                    std::io::Error::other(public.to_string())
                })?;
            let step = match next {
                Some(after) => Step::Page {
                    after: Some(after),
                    header: false,
                },
                None => Step::Done,
            };
            Ok::<_, std::io::Error>(Some((Bytes::from(lines), step)))
        }
    });
    (
        StatusCode::OK,
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
            (CACHE_CONTROL, "no-store".to_owned()),
        ],
        Body::from_stream(pages),
    )
        .into_response()
}

/// One page of an export as CSV lines, and the cursor of the next page.
async fn export_page(
    state: &AppState,
    tenant_id: &str,
    filter: &AuditFilter,
    after: Option<AuditCursor>,
    header: bool,
) -> app::ssr::Result<(Vec<u8>, Option<AuditCursor>)> {
    let page = {
        let mut conn = state.pool.acquire().await?;
        list_audit_events(&mut conn, tenant_id, filter, after, EXPORT_PAGE).await?
    };
    Ok((csv_lines(&page.items, header)?, page.next))
}
