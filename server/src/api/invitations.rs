//! `/api/v1/invitations`: Graph's invitation resource.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::{json, Value};

use app::domain::{DisplayName, Email, InvitationMessage, RedirectUrl};
use app::error::AppError;
use app::invitations::ssr::{
    self as service, Invitation, Inviter, IssuedInvitation, MailContext, NewInvitation,
};
use app::invitations::InvitationStatus;
use app::ssr::AppState;

use super::{date_time, ApiError, ApiJson, ApiQuery, Caller};

const PAGE_SIZE: i64 = 100;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateInvitation {
    invited_user_email_address: String,
    invited_user_display_name: Option<String>,
    invite_redirect_url: String,
    send_invitation_message: Option<bool>,
    invited_user_message_info: Option<MessageInfo>,
    invited_user_type: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageInfo {
    customized_message_body: Option<String>,
}

fn invalid(field: &str) -> impl FnOnce(app::domain::ParseError) -> ApiError + '_ {
    move |error| ApiError(AppError::invalid(field, error))
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

fn mail_context(state: &AppState) -> MailContext<'_> {
    MailContext {
        public_url: &state.config.public_url,
        key: &state.secret_key,
    }
}

fn inviter(caller: &Caller) -> Inviter {
    Inviter::ApiToken {
        id: caller.0.token_id.clone(),
        name: caller.0.token_name.clone(),
    }
}

fn invitation_json(invitation: &Invitation) -> Value {
    json!({
        "id": invitation.id,
        "invitedUserEmailAddress": invitation.invited_email,
        "invitedUserDisplayName": invitation.invited_name,
        "inviteRedirectUrl": invitation.redirect_url,
        "status": invitation.status.as_str(),
        "createdDateTime": date_time(invitation.created_at),
        "expiresDateTime": date_time(invitation.expires_at),
        "redeemedDateTime": invitation.redeemed_at.map(date_time),
        "invitedUser": { "id": invitation.guest_user_id, "userPrincipalName": invitation.guest_upn },
    })
}

fn issued_json(issued: &IssuedInvitation) -> Value {
    let mut body = invitation_json(&issued.invitation);
    body["inviteRedeemUrl"] = Value::from(issued.redeem_url.expose_secret());
    body
}

/// `POST /api/v1/invitations` → 201 with the redeem URL (shown only here).
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateInvitation>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let new = body.parse()?;
    let issued = service::create_invitation(
        &state.pool,
        mail_context(&state),
        &caller.0.tenant,
        &new,
        &inviter(&caller),
        state.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(issued_json(&issued))))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    status: Option<String>,
    cursor: Option<String>,
}

/// `GET /api/v1/invitations[?status=…][&cursor=…]`, newest first.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let status = query
        .status
        .as_deref()
        .map(InvitationStatus::parse)
        .transpose()
        .map_err(invalid("status"))?;
    let mut conn = state.pool.acquire().await.map_err(app::ssr::Error::from)?;
    let mut page = service::list_invitations(
        &mut conn,
        &caller.0.tenant,
        status,
        query.cursor.as_deref(),
        PAGE_SIZE + 1,
        state.now(),
    )
    .await?;
    let more = page.len() > PAGE_SIZE as usize;
    page.truncate(PAGE_SIZE as usize);
    let next = if more {
        page.last().map(|invitation| invitation.id.clone())
    } else {
        None
    };
    Ok(Json(
        json!({ "value": page.iter().map(invitation_json).collect::<Vec<_>>(), "next": next }),
    ))
}

/// `GET /api/v1/invitations/{id}`.
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.pool.acquire().await.map_err(app::ssr::Error::from)?;
    let invitation =
        service::find_invitation(&mut conn, &caller.0.tenant, &id, state.now()).await?;
    Ok(Json(invitation_json(&invitation)))
}

/// `POST /api/v1/invitations/{id}/resend` → a new redeem URL; the old one dies.
pub async fn resend(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let issued = service::resend_invitation(
        &state.pool,
        mail_context(&state),
        &caller.0.tenant,
        &id,
        &inviter(&caller),
        state.now(),
    )
    .await?;
    Ok(Json(issued_json(&issued)))
}

/// `DELETE /api/v1/invitations/{id}` revokes it.
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let actor = inviter(&caller).actor();
    service::revoke_invitation(&state.pool, &caller.0.tenant, &id, &actor, state.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
