//! `/api/v1/users`: the tenant's users with their sign-in methods,
//! Graph-shaped.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use app::domain::UserType;
use app::ssr::AppState;
use app::users::ssr::{list_users_page, UserCursor, UserFilter, UserSearch};

use super::{page, parse_optional, ApiError, ApiQuery, Caller, PAGE};
use crate::graph::{Page, User};

pub fn router() -> Router<AppState> {
    Router::new().route("/users", get(list))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ListQuery {
    user_type: Option<String>,
    cursor: Option<String>,
    /// Only users with (`true`) or without (`false`) an active MFA method.
    has_methods: Option<bool>,
    /// A prefix of the UPN, display name or e-mail address, any case.
    search: Option<String>,
}

/// `GET /api/v1/users[?userType=Guest|Member][&hasMethods=true|false]
/// [&search=…][&cursor=…]`, each user with its `methods`, ordered by display
/// name then UPN. The cursor is opaque: pass back the `next` of the previous
/// page with the same filters.
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Page<User>>, ApiError> {
    let filter = UserFilter {
        user_type: parse_optional(query.user_type.as_deref(), "userType", UserType::parse)?,
        has_methods: query.has_methods,
        search: parse_optional(query.search.as_deref(), "search", UserSearch::parse)?.flatten(),
    };
    let after = parse_optional(query.cursor.as_deref(), "cursor", UserCursor::decode)?;
    let mut conn = state.pool.acquire().await.map_err(app::ssr::Error::from)?;
    let rows = list_users_page(&mut conn, &caller.tenant.id, &filter, after.as_ref(), PAGE).await?;
    Ok(Json(page(rows, |cursor| cursor.encode())))
}
