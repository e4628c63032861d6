//! `/api/v1/applications`: the caller's tenant's applications (OpenID
//! Connect clients) in Graph's shape, and their user assignments. The
//! Applications pages and `gatehouse app` call the same service; another
//! tenant's application is not found (404), like an unknown one.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;

use app::applications::ssr::{self as service, ApplicationChange, NewApplication, UserRef};
use app::domain::{ApplicationName, ClientType, RedirectUris};
use app::error::AppError;
use app::ssr::AppState;

use super::{invalid, ApiError, ApiJson, Caller};
use crate::graph::{AppRoleAssignment, Application, Page};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/applications", get(list).post(create))
        .route("/applications/{id}", get(show).patch(change).delete(remove))
        .route(
            "/applications/{id}/assignments",
            get(list_assignments).post(assign),
        )
        .route("/applications/{id}/assignments/{user}", delete(unassign))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CreateApplication {
    display_name: String,
    redirect_uris: Vec<String>,
    is_public_client: Option<bool>,
    app_role_assignment_required: Option<bool>,
}

impl CreateApplication {
    fn parse(self) -> Result<NewApplication, ApiError> {
        Ok(NewApplication {
            name: ApplicationName::parse(&self.display_name).map_err(invalid("displayName"))?,
            redirect_uris: RedirectUris::parse(&self.redirect_uris)
                .map_err(invalid("redirectUris"))?,
            client_type: ClientType::from_public(self.is_public_client.unwrap_or(false)),
            assignment_required: self.app_role_assignment_required.unwrap_or(false),
            require_mfa: false,
        })
    }
}

/// `GET /api/v1/applications`, by name.
async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Page<Application>>, ApiError> {
    let mut conn = state.pool.acquire().await.map_err(app::ssr::Error::from)?;
    let applications = service::list_applications(&mut conn, &caller.tenant).await?;
    Ok(Json(Page {
        next: None,
        value: applications.iter().map(Application::from).collect(),
    }))
}

/// `POST /api/v1/applications` → 201; a confidential client's
/// `clientSecret` is in this answer and nowhere else, ever.
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateApplication>,
) -> Result<(StatusCode, Json<Application>), ApiError> {
    let new = body.parse()?;
    let created = service::create_application(
        &state.pool,
        &caller.tenant,
        &new,
        &caller.actor,
        state.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Application::from(&created))))
}

/// `GET /api/v1/applications/{id}`.
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Application>, ApiError> {
    let mut conn = state.pool.acquire().await.map_err(app::ssr::Error::from)?;
    let application = service::require_application(&mut conn, &caller.tenant, &id).await?;
    Ok(Json(Application::from(&application)))
}

/// What `PATCH` may change; a field left out stays as it is. The client
/// type cannot change (register a new application instead).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Patch {
    display_name: Option<String>,
    /// Replaces all the redirect URIs.
    redirect_uris: Option<Vec<String>>,
    app_role_assignment_required: Option<bool>,
}

impl Patch {
    fn parse(self) -> Result<ApplicationChange, ApiError> {
        Ok(ApplicationChange {
            name: self
                .display_name
                .as_deref()
                .map(ApplicationName::parse)
                .transpose()
                .map_err(invalid("displayName"))?,
            redirect_uris: self
                .redirect_uris
                .as_deref()
                .map(RedirectUris::parse)
                .transpose()
                .map_err(invalid("redirectUris"))?,
            assignment_required: self.app_role_assignment_required,
        })
    }
}

/// `PATCH /api/v1/applications/{id}`: bad input changes nothing.
async fn change(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<Patch>,
) -> Result<Json<Application>, ApiError> {
    let change = patch.parse()?;
    let application = if change.is_empty() {
        let mut conn = state.pool.acquire().await.map_err(app::ssr::Error::from)?;
        service::require_application(&mut conn, &caller.tenant, &id).await?
    } else {
        service::update_application(
            &state.pool,
            &caller.tenant,
            &id,
            &change,
            &caller.actor,
            state.now(),
        )
        .await?
    };
    Ok(Json(Application::from(&application)))
}

/// `DELETE /api/v1/applications/{id}` → 204.
async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    service::delete_application(&state.pool, &caller.tenant, &id, &caller.actor, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/applications/{id}/assignments`, by UPN.
async fn list_assignments(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Page<AppRoleAssignment>>, ApiError> {
    let mut conn = state.pool.acquire().await.map_err(app::ssr::Error::from)?;
    let application = service::require_application(&mut conn, &caller.tenant, &id).await?;
    let users = service::list_assignments(&mut conn, &caller.tenant, &application.id).await?;
    Ok(Json(Page {
        next: None,
        value: users
            .iter()
            .map(|user| AppRoleAssignment::new(&application.id, user))
            .collect(),
    }))
}

/// The user to assign: by object id or by user principal name, one of them.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Assign {
    user_id: Option<String>,
    user_principal_name: Option<String>,
}

impl Assign {
    fn parse(self) -> Result<UserRef, ApiError> {
        match (self.user_id, self.user_principal_name) {
            (Some(id), None) => UserRef::parse(&id)
                .ok()
                .filter(|user| matches!(user, UserRef::Id(_)))
                .ok_or_else(|| {
                    ApiError(AppError::Invalid {
                        field: "userId".into(),
                        message: format!("'{id}' is not a user's object id."),
                    })
                }),
            (None, Some(upn)) => app::domain::Upn::parse(&upn)
                .map(UserRef::Upn)
                .map_err(invalid("userPrincipalName")),
            _ => Err(ApiError(AppError::Invalid {
                field: String::new(),
                message: "Name the user by userId or by userPrincipalName (one of them).".into(),
            })),
        }
    }
}

/// `POST /api/v1/applications/{id}/assignments` → 201. Only a user of the
/// caller's tenant can be assigned; assigning twice is no error.
async fn assign(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Assign>,
) -> Result<(StatusCode, Json<AppRoleAssignment>), ApiError> {
    let user = body.parse()?;
    let assigned = service::assign_user(
        &state.pool,
        &caller.tenant,
        &id,
        &user,
        &caller.actor,
        state.now(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(AppRoleAssignment::new(&id, &assigned)),
    ))
}

/// `DELETE /api/v1/applications/{id}/assignments/{userId}` → 204.
async fn unassign(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, user)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    service::unassign_user(
        &state.pool,
        &caller.tenant,
        &id,
        &UserRef::Id(user),
        &caller.actor,
        state.now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
