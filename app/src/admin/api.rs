//! Server functions of the admin portal. Each one checks on its own that the
//! caller is an admin of the tenant in its arguments.

use leptos::prelude::*;

use super::{AdminFrame, UserPage};
use crate::error::AppError;

/// The portal frame's data; fails for anyone but an admin of `slug`.
#[server(endpoint = "admin_context")]
pub async fn admin_context(slug: String) -> Result<AdminFrame, AppError> {
    use crate::auth::ssr::require_tenant_admin;
    use crate::ssr::request::{parts, respond, state};

    let state = state()?;
    let (principal, tenant) =
        respond(require_tenant_admin(&state, &parts()?.headers, &slug).await)?;
    Ok(AdminFrame {
        tenant_slug: tenant.slug,
        tenant_name: tenant.display_name,
        admin_upn: principal.identity.sign_in_name().to_owned(),
    })
}

/// A page of the tenant's users ordered by UPN, continuing after `after`.
#[server(endpoint = "list_users")]
pub async fn list_users(slug: String, after: Option<String>) -> Result<UserPage, AppError> {
    use super::{UserRow, PAGE_SIZE};
    use crate::auth::ssr::require_tenant_admin;
    use crate::domain::Upn;
    use crate::ssr::request::{fail, parts, respond, state};
    use crate::users::ssr::list_users_page;

    let state = state()?;
    let (_, tenant) = respond(require_tenant_admin(&state, &parts()?.headers, &slug).await)?;
    let after = match after.as_deref().filter(|after| !after.is_empty()) {
        Some(after) => Some(Upn::parse(after).map_err(|e| fail(AppError::invalid("after", e)))?),
        None => None,
    };
    let mut conn = respond(state.pool.acquire().await.map_err(Into::into))?;
    let mut rows =
        respond(list_users_page(&mut conn, &tenant.id, None, after.as_ref(), PAGE_SIZE + 1).await)?;
    let more = rows.len() > PAGE_SIZE as usize;
    rows.truncate(PAGE_SIZE as usize);
    let next = if more {
        rows.last().map(|row| row.upn.clone())
    } else {
        None
    };
    Ok(UserPage {
        users: rows
            .into_iter()
            .map(|row| UserRow {
                id: row.id,
                upn: row.upn,
                display_name: row.display_name,
                user_type: row.user_type,
                external_user_state: row.external_user_state,
                is_admin: row.is_admin,
            })
            .collect(),
        next,
    })
}
