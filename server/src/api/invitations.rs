//! `/api/v1/invitations`: Graph's invitation resource.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use app::domain::{DisplayName, Email, InvitationMessage, RedirectUrl};
use app::error::AppError;
use app::invitations::ssr::{self as service, NewInvitation};
use app::invitations::InvitationStatus;
use app::ssr::AppState;

use super::{invalid, page, parse_optional, ApiError, ApiJson, ApiQuery, Caller, PAGE};
use crate::graph::{Invitation, Page};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/invitations", post(create).get(list))
        .route("/invitations/{id}", get(show).delete(revoke))
        .route("/invitations/{id}/resend", post(resend))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CreateInvitation {
    invited_user_email_address: String,
    invited_user_display_name: Option<String>,
    invite_redirect_url: String,
    send_invitation_message: Option<bool>,
    invited_user_message_info: Option<MessageInfo>,
    invited_user_type: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MessageInfo {
    customized_message_body: Option<String>,
}

impl CreateInvitation {
    fn parse(self) -> Result<NewInvitation, ApiError> {
        if let Some(user_type) = self
            .invited_user_type
            .as_deref()
            .filter(|kind| *kind != "Guest")
        {
            return Err(ApiError(AppError::Invalid {
                field: "invitedUserType".into(),
                message: format!(
                    "invitedUserType '{user_type}' is not supported; invite as Guest."
                ),
            }));
        }
        let message = self
            .invited_user_message_info
            .and_then(|info| info.customized_message_body)
            .map(|body| InvitationMessage::parse(&body))
            .transpose()
            .map_err(invalid("customizedMessageBody"))?
            .flatten();
        Ok(NewInvitation {
            email: Email::parse(&self.invited_user_email_address)
                .map_err(invalid("invitedUserEmailAddress"))?,
            display_name: self
                .invited_user_display_name
                .filter(|name| !name.trim().is_empty())
                .map(|name| DisplayName::parse(&name))
                .transpose()
                .map_err(invalid("invitedUserDisplayName"))?,
            redirect_url: RedirectUrl::parse(&self.invite_redirect_url)
                .map_err(invalid("inviteRedirectUrl"))?,
            message,
            send_email: self.send_invitation_message.unwrap_or(false),
            allow_any_identity: false,
        })
    }
}

/// `POST /api/v1/invitations` → 201 with the redeem URL (shown only here).
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateInvitation>,
) -> Result<(StatusCode, Json<Invitation>), ApiError> {
    let new = body.parse()?;
    let issued = service::create_invitation(
        &state.pool,
        state.mail(),
        &caller.tenant,
        &new,
        &caller.actor,
        state.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Invitation::from(&issued))))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    status: Option<String>,
    cursor: Option<String>,
}

/// `GET /api/v1/invitations[?status=…][&cursor=…]`, newest first.
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Page<Invitation>>, ApiError> {
    let status = parse_optional(query.status.as_deref(), "status", InvitationStatus::parse)?;
    let mut conn = state.pool.acquire().await.map_err(app::ssr::Error::from)?;
    let rows = service::list_invitations(
        &mut conn,
        &caller.tenant,
        status,
        query.cursor.as_deref(),
        PAGE,
        state.now(),
    )
    .await?;
    Ok(Json(page(rows, |id| id)))
}

/// `GET /api/v1/invitations/{id}`.
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Invitation>, ApiError> {
    let mut conn = state.pool.acquire().await.map_err(app::ssr::Error::from)?;
    let invitation = service::find_invitation(&mut conn, &caller.tenant, &id, state.now()).await?;
    Ok(Json(Invitation::from(&invitation)))
}

/// `POST /api/v1/invitations/{id}/resend` → a new redeem URL; the old one dies.
async fn resend(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Invitation>, ApiError> {
    let issued = service::resend_invitation(
        &state.pool,
        state.mail(),
        &caller.tenant,
        &id,
        &caller.actor,
        state.now(),
    )
    .await?;
    Ok(Json(Invitation::from(&issued)))
}

/// `DELETE /api/v1/invitations/{id}` revokes it.
async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    service::revoke_invitation(&state.pool, &caller.tenant, &id, &caller.actor, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
