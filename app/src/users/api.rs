//! The Users page's server function (admins of the tenant only).

use leptos::prelude::*;

use super::UserPage;
use crate::error::AppError;

/// A page of the tenant's users ordered by UPN, continuing after `after`.
#[server(endpoint = "list_users")]
pub async fn list_users(slug: String, after: Option<String>) -> Result<UserPage, AppError> {
    use super::ssr::{list_users_page, UserFilter};
    use super::UserRow;
    use crate::admin::PAGE_ROWS;
    use crate::domain::Upn;
    use crate::ssr::page::PageSize;
    use crate::ssr::request::{fail, respond, Request};

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    let after = match after.as_deref().filter(|after| !after.is_empty()) {
        Some(after) => Some(Upn::parse(after).map_err(|e| fail(AppError::invalid("after", e)))?),
        None => None,
    };
    let mut conn = respond(request.state.pool.acquire().await.map_err(Into::into))?;
    let page = respond(
        list_users_page(
            &mut conn,
            &admin.tenant.id,
            UserFilter::default(),
            after.as_ref(),
            PageSize::new(PAGE_ROWS),
        )
        .await,
    )?;
    Ok(UserPage {
        next: page.next.map(|upn| upn.as_str().to_owned()),
        users: page
            .items
            .into_iter()
            .map(|row| UserRow {
                id: row.id,
                upn: row.upn.as_str().to_owned(),
                display_name: row.display_name,
                user_type: row.user_type,
                external_user_state: row.external_user_state,
                is_admin: row.is_admin,
            })
            .collect(),
    })
}
