//! `/api/v1/users`: the tenant's users, Graph-shaped.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::Deserialize;

use app::domain::{Upn, UserType};
use app::error::AppError;
use app::ssr::AppState;
use app::users::ssr::{list_users_page, UserFilter};

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
    /// Only users with (`true`) or without (`false`) an MFA method.
    has_methods: Option<bool>,
}

fn bad_cursor() -> ApiError {
    ApiError(AppError::Invalid {
        field: "cursor".into(),
        message: "The cursor is not valid.".into(),
    })
}

/// `GET /api/v1/users[?userType=Guest|Member][&cursor=…]`, ordered by UPN.
/// The cursor is opaque: pass back the `next` of the previous page.
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Page<User>>, ApiError> {
    let user_type = parse_optional(query.user_type.as_deref(), "userType", UserType::parse)?;
    let after = match query.cursor.as_deref() {
        Some(cursor) => {
            let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad_cursor())?;
            let upn = String::from_utf8(bytes).map_err(|_| bad_cursor())?;
            Some(Upn::parse(&upn).map_err(|_| bad_cursor())?)
        }
        None => None,
    };
    let mut conn = state.pool.acquire().await.map_err(app::ssr::Error::from)?;
    let rows = list_users_page(
        &mut conn,
        &caller.tenant.id,
        UserFilter {
            user_type,
            has_methods: query.has_methods,
        },
        after.as_ref(),
        PAGE,
    )
    .await?;
    Ok(Json(page(rows, |upn| URL_SAFE_NO_PAD.encode(upn.as_str()))))
}
