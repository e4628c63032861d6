//! The audit log page's server functions: admins of the tenant with a fresh
//! MFA only, like every admin page; each authorises on its own.

// The filters are one argument each, as the form posts them; the macro
// spreads them over code an item attribute would not reach.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use super::AuditLog;
use crate::error::AppError;

/// A page of the tenant's audit events matching the filters (see
/// [`super::AuditFilterInput`]), newest first, continuing after `cursor`.
/// A bad filter or cursor is refused (400) naming its field.
#[server(endpoint = "list_audit_events")]
pub async fn list_audit_events(
    slug: String,
    actor: Option<String>,
    target: Option<String>,
    action: Option<String>,
    outcome: Option<String>,
    from: Option<String>,
    to: Option<String>,
    cursor: Option<String>,
) -> Result<AuditLog, AppError> {
    use super::ssr::{AuditCursor, AuditFilter};
    use super::AuditFilterInput;
    use crate::admin::PAGE_ROWS;
    use crate::ssr::page::PageSize;
    use crate::ssr::request::{fail, respond, Request};

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    let input = AuditFilterInput {
        actor,
        target,
        action,
        outcome,
        from,
        to,
    };
    let filter = AuditFilter::parse(&input).map_err(fail)?;
    let after = AuditCursor::parse_optional(cursor.as_deref()).map_err(fail)?;
    let mut conn = respond(request.state.pool.acquire().await.map_err(Into::into))?;
    let page = respond(
        super::ssr::list_audit_events(
            &mut conn,
            &admin.tenant.id,
            &filter,
            after,
            PageSize::new(PAGE_ROWS),
        )
        .await,
    )?;
    Ok(AuditLog {
        rows: page.items.iter().map(super::ssr::AuditEvent::row).collect(),
        next: page.next.map(AuditCursor::encode),
    })
}

/// The audit names of the actions an admin can filter by, in the order the
/// filter lists them.
#[server(endpoint = "audit_action_names")]
pub async fn audit_action_names(slug: String) -> Result<Vec<String>, AppError> {
    use crate::ssr::audit::Action;
    use crate::ssr::request::Request;

    let request = Request::current()?;
    request.admin(&slug).await?;
    Ok(Action::ALL
        .iter()
        .map(|action| action.as_str().to_owned())
        .collect())
}
