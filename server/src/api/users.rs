//! `/api/v1/users`: the tenant's users, Graph-shaped.

use axum::extract::State;
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{json, Value};

use app::domain::{Upn, UserType};
use app::error::AppError;
use app::ssr::AppState;
use app::users::ssr::list_users_page;

use super::{ApiError, ApiQuery, Caller};

const PAGE_SIZE: i64 = 100;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListQuery {
    user_type: Option<String>,
    cursor: Option<String>,
    /// Only users with MFA methods (DESIGN §4). No method can be registered
    /// yet, so `true` answers an empty page.
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
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let user_type = query
        .user_type
        .as_deref()
        .map(UserType::parse)
        .transpose()
        .map_err(|error| ApiError(AppError::invalid("userType", error)))?;
    let after = match query.cursor.as_deref() {
        Some(cursor) => {
            let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad_cursor())?;
            let upn = String::from_utf8(bytes).map_err(|_| bad_cursor())?;
            Some(Upn::parse(&upn).map_err(|_| bad_cursor())?)
        }
        None => None,
    };
    if query.has_methods == Some(true) {
        return Ok(Json(json!({ "value": [], "next": null })));
    }
    let mut conn = state.pool.acquire().await.map_err(app::ssr::Error::from)?;
    let mut users = list_users_page(
        &mut conn,
        &caller.0.tenant.id,
        user_type,
        after.as_ref(),
        PAGE_SIZE + 1,
    )
    .await?;
    let more = users.len() > PAGE_SIZE as usize;
    users.truncate(PAGE_SIZE as usize);
    let next = if more {
        users.last().map(|user| URL_SAFE_NO_PAD.encode(&user.upn))
    } else {
        None
    };
    let value: Vec<Value> = users
        .into_iter()
        .map(|user| {
            json!({
                "id": user.id,
                "userPrincipalName": user.upn,
                "displayName": user.display_name,
                "mail": user.mail,
                "userType": user.user_type.as_str(),
                "externalUserState": user.external_user_state.map(|state| state.as_str()),
            })
        })
        .collect();
    Ok(Json(json!({ "value": value, "next": next })))
}
