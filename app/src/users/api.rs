//! The Users page's server function (admins of the tenant only).

use leptos::prelude::*;

use super::UserPage;
use crate::error::AppError;

/// A page of the tenant's users with their methods, in the list's order
/// (display name, then UPN), continuing after the opaque cursor `after`.
/// Filters, each optional (blank: none): `user_type` `Guest` or `Member`,
/// `has_methods` `true` or `false`, `search` a prefix of a UPN, display name
/// or e-mail address.
#[server(endpoint = "list_users")]
pub async fn list_users(
    slug: String,
    after: Option<String>,
    user_type: Option<String>,
    has_methods: Option<String>,
    search: Option<String>,
) -> Result<UserPage, AppError> {
    use super::ssr::{list_users_page, UserCursor, UserFilter, UserSearch};
    use super::{MethodCell, UserRow};
    use crate::admin::PAGE_ROWS;
    use crate::domain::{ParseError, UserType};
    use crate::ssr::date;
    use crate::ssr::page::PageSize;
    use crate::ssr::request::{fail, respond, Request};

    fn given(value: Option<&str>) -> Option<&str> {
        value.map(str::trim).filter(|value| !value.is_empty())
    }
    let invalid = |field: &'static str| move |e: ParseError| fail(AppError::invalid(field, e));

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    let after = given(after.as_deref())
        .map(UserCursor::decode)
        .transpose()
        .map_err(invalid("after"))?;
    let filter = UserFilter {
        user_type: given(user_type.as_deref())
            .map(UserType::parse)
            .transpose()
            .map_err(invalid("user_type"))?,
        has_methods: given(has_methods.as_deref())
            .map(|value| match value {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(ParseError("Has methods is 'true' or 'false'.".into())),
            })
            .transpose()
            .map_err(invalid("has_methods"))?,
        search: UserSearch::parse(search.as_deref().unwrap_or_default())
            .map_err(invalid("search"))?,
    };
    let mut conn = respond(request.state.pool.acquire().await.map_err(Into::into))?;
    let page = respond(
        list_users_page(
            &mut conn,
            &admin.tenant.id,
            &filter,
            after.as_ref(),
            PageSize::new(PAGE_ROWS),
        )
        .await,
    )?;
    Ok(UserPage {
        next: page.next.map(|cursor| cursor.encode()),
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
                account_enabled: row.account_enabled,
                methods: row
                    .methods
                    .iter()
                    .map(|summary| MethodCell {
                        method: summary.method,
                        count: summary.count,
                        last_used: summary.last_used_at.map(date),
                    })
                    .collect(),
            })
            .collect(),
    })
}
