//! `/api/v1/audit`: the token's tenant's audit events, newest first.
//!
//! `GET /api/v1/audit[?actor=…][&target=…][&action=…][&outcome=success|failure]
//! [&from=…][&to=…][&cursor=…]` answers a page (`{value, next}`); `from` and
//! `to` take Unix seconds, RFC 3339 or a date (UTC; `to` is inclusive, a
//! date to the end of its day). `format=csv` answers every matching event
//! as one CSV download instead (no cursor).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use app::audit_log::ssr::{list_audit_events, AuditCursor, AuditFilter};
use app::audit_log::AuditFilterInput;
use app::error::AppError;
use app::ssr::AppState;

use super::{page, ApiError, ApiQuery, Caller, PAGE};
use crate::graph::{AuditEvent, Page};

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(list))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    actor: Option<String>,
    target: Option<String>,
    action: Option<String>,
    outcome: Option<String>,
    from: Option<String>,
    to: Option<String>,
    cursor: Option<String>,
    /// `json` (the default) or `csv`.
    format: Option<String>,
}

/// What the answer is.
enum Format {
    Json,
    Csv,
}

fn invalid(field: &str, message: &str) -> ApiError {
    ApiError(AppError::Invalid {
        field: field.into(),
        message: message.into(),
    })
}

async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let format = match query.format.as_deref().map(str::trim) {
        None | Some("" | "json") => Format::Json,
        Some("csv") => Format::Csv,
        Some(_) => return Err(invalid("format", "The format is json or csv.")),
    };
    let filter = AuditFilter::parse(&AuditFilterInput {
        actor: query.actor,
        target: query.target,
        action: query.action,
        outcome: query.outcome,
        from: query.from,
        to: query.to,
    })?;
    let after = AuditCursor::parse_optional(query.cursor.as_deref())?;
    if let Format::Csv = format {
        if after.is_some() {
            return Err(invalid(
                "cursor",
                "A CSV export has every matching event: leave the cursor out.",
            ));
        }
        return Ok(crate::audit_export::csv_response(
            state,
            &caller.tenant,
            filter,
        ));
    }
    let mut conn = state.pool.acquire().await.map_err(app::ssr::Error::from)?;
    let events = list_audit_events(&mut conn, &caller.tenant.id, &filter, after, PAGE).await?;
    let body: Page<AuditEvent> = page(events, AuditCursor::encode);
    Ok(Json(body).into_response())
}
