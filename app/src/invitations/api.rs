//! Server functions behind the Invitations pages. Each authorises on its
//! own: listing, re-sending and revoking need an admin of the tenant;
//! inviting needs an admin, or a member when the tenant lets members invite.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::InvitationStatus;
use crate::error::AppError;

/// One row of the Invitations table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationRow {
    pub id: String,
    pub email: String,
    pub guest_upn: String,
    pub status: InvitationStatus,
    pub created: String,
    pub expires: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationList {
    pub rows: Vec<InvitationRow>,
    /// The id to continue after, when there are more.
    pub next: Option<String>,
}

/// The outcome of inviting: the guest's UPN and — only when no e-mail was
/// sent — the redeem link to hand over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invited {
    pub email: String,
    pub guest_upn: String,
    pub redeem_url: Option<String>,
}

/// The outcome of an invitation change, as the pages show it.
#[cfg(feature = "ssr")]
fn invited(issued: super::ssr::IssuedInvitation) -> Invited {
    use secrecy::ExposeSecret;
    let invitation = issued.invitation;
    Invited {
        redeem_url: (!invitation.send_email).then(|| issued.redeem_url.expose_secret().to_owned()),
        email: invitation.invited_email.as_str().to_owned(),
        guest_upn: invitation.guest_upn.as_str().to_owned(),
    }
}

/// The tenant's invitations, newest first, 50 a page, optionally of one status.
#[server(endpoint = "list_invitations")]
pub async fn list_invitations(
    slug: String,
    status: Option<String>,
    after: Option<String>,
) -> Result<InvitationList, AppError> {
    use crate::admin::PAGE_ROWS;
    use crate::ssr::page::PageSize;
    use crate::ssr::request::{fail, respond, Request};

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    let status = match status.as_deref().filter(|status| !status.is_empty()) {
        Some(status) => Some(
            InvitationStatus::parse(status).map_err(|e| fail(AppError::invalid("status", e)))?,
        ),
        None => None,
    };
    let after = after.filter(|after| !after.is_empty());
    let state = &request.state;
    let mut conn = respond(state.pool.acquire().await.map_err(Into::into))?;
    let page = respond(
        super::ssr::list_invitations(
            &mut conn,
            &admin.tenant,
            status,
            after.as_deref(),
            PageSize::new(PAGE_ROWS),
            state.now(),
        )
        .await,
    )?;
    Ok(InvitationList {
        next: page.next,
        rows: page
            .items
            .into_iter()
            .map(|invitation| InvitationRow {
                created: crate::ssr::date(invitation.created_at),
                expires: crate::ssr::date(invitation.expires_at),
                id: invitation.id,
                email: invitation.invited_email.as_str().to_owned(),
                guest_upn: invitation.guest_upn.as_str().to_owned(),
                status: invitation.status,
            })
            .collect(),
    })
}

/// Invites a guest into `slug` (DESIGN §3.1). Without `send_email` the redeem
/// link comes back to hand over; with it, the link goes only by e-mail.
/// `allow_any_identity` lets whoever holds the link redeem it, not only the
/// owner of the invited address (an admin's explicit choice).
#[server(endpoint = "invite_guest")]
pub async fn invite_guest(
    slug: String,
    email: String,
    display_name: Option<String>,
    redirect_url: Option<String>,
    message: Option<String>,
    send_email: Option<String>,
    allow_any_identity: Option<String>,
) -> Result<Invited, AppError> {
    use super::ssr::{create_invitation, NewInvitation};
    use crate::domain::{DisplayName, Email, InvitationMessage, RedirectUrl};
    use crate::ssr::request::{fail, respond, Request};

    let request = Request::current()?;
    let inviter = request.inviter(&slug).await?;
    let is_admin = inviter
        .principal
        .identity
        .member()
        .is_some_and(|user| user.is_admin);
    if allow_any_identity.is_some() && !is_admin {
        return Err(fail(AppError::Forbidden));
    }
    let state = &request.state;
    let invalid = |field: &'static str| move |e| fail(AppError::invalid(field, e));
    let redirect = redirect_url
        .filter(|url| !url.trim().is_empty())
        .unwrap_or_else(|| format!("{}/myapps", state.config.public_url.origin()));
    let new = NewInvitation {
        email: Email::parse(&email).map_err(invalid("email"))?,
        display_name: display_name
            .filter(|name| !name.trim().is_empty())
            .map(|name| DisplayName::parse(&name))
            .transpose()
            .map_err(invalid("display_name"))?,
        redirect_url: RedirectUrl::parse(&redirect).map_err(invalid("redirect_url"))?,
        message: InvitationMessage::parse(message.as_deref().unwrap_or(""))
            .map_err(invalid("message"))?,
        send_email: send_email.is_some(),
        allow_any_identity: allow_any_identity.is_some(),
    };
    let issued = respond(
        create_invitation(
            &state.pool,
            state.mail(),
            &inviter.tenant,
            &new,
            &inviter.actor,
            state.now(),
        )
        .await,
    )?;
    Ok(invited(issued))
}

/// Sends a pending (or expired) invitation again with a new link: by e-mail
/// when it goes by e-mail, else the link comes back to hand over.
#[server(endpoint = "resend_invitation")]
pub async fn resend_invitation(slug: String, id: String) -> Result<Invited, AppError> {
    use crate::ssr::request::{respond, Request};

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    let state = &request.state;
    let issued = respond(
        super::ssr::resend_invitation(
            &state.pool,
            state.mail(),
            &admin.tenant,
            &id,
            &admin.actor,
            state.now(),
        )
        .await,
    )?;
    Ok(invited(issued))
}

/// Revokes a pending invitation; its link stops working.
#[server(endpoint = "revoke_invitation")]
pub async fn revoke_invitation(slug: String, id: String) -> Result<(), AppError> {
    use crate::ssr::request::{respond, Request};

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    let state = &request.state;
    respond(
        super::ssr::revoke_invitation(&state.pool, &admin.tenant, &id, &admin.actor, state.now())
            .await,
    )?;
    Ok(())
}

/// Resets the redemption of an accepted invitation's guest: the guest is
/// unbound from its home identity and invited again by e-mail, keeping its
/// object id and UPN (DESIGN §2).
#[server(endpoint = "reset_redemption")]
pub async fn reset_redemption(slug: String, id: String) -> Result<(), AppError> {
    use super::ssr::find_invitation;
    use crate::ssr::request::{fail, respond, Request};

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    let state = &request.state;
    let invitation = {
        let mut conn = respond(state.pool.acquire().await.map_err(Into::into))?;
        respond(find_invitation(&mut conn, &admin.tenant, &id, state.now()).await)?
    };
    if invitation.status != InvitationStatus::Accepted {
        return Err(fail(AppError::Conflict(
            "Only an accepted invitation's guest can be reset.".into(),
        )));
    }
    respond(
        super::ssr::reset_redemption(
            &state.pool,
            state.mail(),
            &admin.tenant,
            &invitation.guest_user_id,
            &invitation.redirect_url,
            &admin.actor,
            state.now(),
        )
        .await,
    )?;
    Ok(())
}

/// Invites every row of a CSV file (see `bulk`); returns a result per row.
#[server(endpoint = "bulk_invite")]
pub async fn bulk_invite(
    slug: String,
    csv: String,
    send_email: Option<String>,
) -> Result<Vec<super::BulkOutcome>, AppError> {
    use crate::domain::RedirectUrl;
    use crate::ssr::request::{fail, respond, Request};

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    let state = &request.state;
    let default_redirect =
        RedirectUrl::parse(&format!("{}/myapps", state.config.public_url.origin()))
            .map_err(|e| fail(AppError::invalid("redirect_url", e)))?;
    respond(
        super::bulk::bulk_invite(
            state,
            &admin.tenant,
            &csv,
            &default_redirect,
            send_email.is_some(),
            &admin.actor,
        )
        .await,
    )
}
