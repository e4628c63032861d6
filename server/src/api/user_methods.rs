//! One user of the caller's tenant, named by object id or UPN (a guest's
//! `#EXT#` percent-encoded, `%23EXT%23`): its authentication methods, the
//! removal of one, *Reset MFA*, and `accountEnabled` (DESIGN §4). A user of
//! another tenant is `404 userNotFound`, like an unknown one. The portal's
//! user page and `gatehouse mfa reset` call the same services.

use axum::extract::{Path, State};
use axum::routing::{delete, get, patch, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use app::error::AppError;
use app::mfa::ssr::manage::remove_method;
use app::mfa::ssr::methods::list_methods;
use app::ssr::AppState;
use app::user_admin::ssr::account::set_account_enabled;
use app::user_admin::ssr::detail::find_recovery_code_set;
use app::user_admin::ssr::reset::reset_mfa;
use app::user_admin::ssr::{require_managed_user, ManagedUser, UserKey};

use super::{ApiError, ApiJson, Caller};
use crate::graph::date_time;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users/{user}", patch(change))
        .route("/users/{user}/authentication/methods", get(methods))
        .route("/users/{user}/authentication/methods/reset", post(reset))
        .route(
            "/users/{user}/authentication/methods/{method}",
            delete(remove),
        )
}

/// The user `key` names in the caller's tenant.
async fn find(state: &AppState, caller: &Caller, key: &str) -> Result<ManagedUser, ApiError> {
    let key = UserKey::parse(key).map_err(|_| ApiError(AppError::UserNotFound))?;
    let mut conn = state.pool.acquire().await.map_err(app::ssr::Error::from)?;
    Ok(require_managed_user(&mut conn, &caller.tenant.id, &key).await?)
}

/// One authentication method, Graph-like.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct MethodJson {
    id: String,
    /// `totp`, `webauthn` or `recoveryCodes`.
    #[serde(rename = "type")]
    kind: &'static str,
    display_name: String,
    created_date_time: String,
    last_used_date_time: Option<String>,
    /// Unused codes left, for `recoveryCodes`.
    #[serde(skip_serializing_if = "Option::is_none")]
    unused: Option<i64>,
}

#[derive(Debug, Serialize)]
struct Methods {
    value: Vec<MethodJson>,
}

/// The id of the recovery-code entry (one set per user).
const RECOVERY_CODES: &str = "recoveryCodes";

/// `GET /api/v1/users/{id-or-upn}/authentication/methods`: the active
/// methods, oldest first, then the recovery codes as one entry.
async fn methods(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> Result<Json<Methods>, ApiError> {
    let user = find(&state, &caller, &key).await?;
    let mut conn = state.pool.acquire().await.map_err(app::ssr::Error::from)?;
    let mut value: Vec<MethodJson> = list_methods(&mut conn, &user.user.id)
        .await?
        .into_iter()
        .map(|method| MethodJson {
            id: method.id,
            kind: method.kind.as_str(),
            display_name: method.display_name,
            created_date_time: date_time(method.created_at),
            last_used_date_time: method.last_used_at.map(date_time),
            unused: None,
        })
        .collect();
    if let Some(codes) = find_recovery_code_set(&mut conn, &user.user.id).await? {
        value.push(MethodJson {
            id: RECOVERY_CODES.into(),
            kind: RECOVERY_CODES,
            display_name: "Recovery codes".into(),
            created_date_time: date_time(codes.created_at),
            last_used_date_time: codes.last_used_at.map(date_time),
            unused: Some(codes.unused),
        });
    }
    Ok(Json(Methods { value }))
}

/// `DELETE …/authentication/methods/{methodId}`: 204. The last method
/// stays while the tenant requires MFA of the user (422
/// `lastMethodRequired`: reset instead).
async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path((key, method)): Path<(String, String)>,
) -> Result<axum::http::StatusCode, ApiError> {
    let user = find(&state, &caller, &key).await?;
    remove_method(
        &state.pool,
        &caller.tenant,
        &user.user,
        &method,
        &caller.actor,
        state.now(),
    )
    .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize)]
struct Removed {
    removed: u64,
}

/// `POST …/authentication/methods/reset` → `{removed: N}`: every method
/// and the recovery codes go, the user's sessions are challenged again,
/// the user is e-mailed.
async fn reset(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> Result<Json<Removed>, ApiError> {
    let user = find(&state, &caller, &key).await?;
    let outcome = reset_mfa(
        &state.pool,
        state.mail(),
        &caller.tenant,
        &user,
        &caller.actor,
        state.now(),
    )
    .await?;
    Ok(Json(Removed {
        removed: outcome.removed(),
    }))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Patch {
    account_enabled: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Account {
    id: String,
    user_principal_name: String,
    account_enabled: bool,
}

/// `PATCH /api/v1/users/{id-or-upn}` with `{"accountEnabled": false}`
/// disables the account and ends its access at once; `true` enables it.
async fn change(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    ApiJson(patch): ApiJson<Patch>,
) -> Result<Json<Account>, ApiError> {
    let user = find(&state, &caller, &key).await?;
    set_account_enabled(
        &state.pool,
        &caller.tenant,
        &user,
        patch.account_enabled,
        &caller.actor,
        state.now(),
    )
    .await?;
    Ok(Json(Account {
        id: user.user.id.clone(),
        user_principal_name: user.upn().to_owned(),
        account_enabled: patch.account_enabled,
    }))
}
