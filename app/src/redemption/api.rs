//! Server functions of the redeem page. Each checks the ticket itself: a
//! ticket is a bearer secret, and every one of these is a public endpoint.

use leptos::prelude::*;

use super::{CodePurpose, InvitationView};
use crate::error::AppError;

/// What the invitation behind `ticket` offers, and who is signed in. Reading
/// it does not consume the invitation.
#[server(endpoint = "redeem_info")]
pub async fn redeem_info(ticket: String) -> Result<InvitationView, AppError> {
    use super::ssr::discover_home_realm;
    use crate::ssr::request::{respond, Request};

    let request = Request::current()?;
    let (invitation, realm) = {
        let mut conn = respond(request.state.pool.acquire().await.map_err(Into::into))?;
        let invitation = live_invitation(&mut conn, &ticket, request.state.now()).await?;
        let realm = respond(discover_home_realm(&mut conn, &invitation).await)?;
        (invitation, realm)
    };
    let principal = request.principal().await?;
    Ok(invitation_view(
        invitation,
        realm,
        principal.as_ref(),
        &request.state.config.public_url,
    ))
}

/// What the redeem and consent pages show of `invitation`, and of who is
/// signed in (`principal`).
#[cfg(feature = "ssr")]
fn invitation_view(
    invitation: super::ssr::PendingInvitation,
    realm: super::HomeRealm,
    principal: Option<&crate::auth::ssr::Principal>,
    public_url: &crate::ssr::config::PublicUrl,
) -> InvitationView {
    use super::ssr::may_redeem;
    use super::SignedInAs;

    InvitationView {
        signed_in: principal.map(|principal| SignedInAs {
            display_name: principal.identity.display_name().to_owned(),
            email: principal.identity.verified_email().to_owned(),
            may_redeem: may_redeem(&invitation, &principal.identity),
        }),
        privacy_url: invitation.tenant.privacy_statement(public_url),
        tenant_name: invitation.tenant.display_name,
        inviter_name: invitation.inviter_name,
        invited_email: invitation.invited_email.as_str().to_owned(),
        redirect_url: invitation.redirect_url.as_str().to_owned(),
        message: invitation
            .message
            .map(|message| message.as_str().to_owned()),
        realm,
    }
}

/// The live invitation behind `ticket`, or the one answer for every dead
/// or unknown ticket.
#[cfg(feature = "ssr")]
async fn live_invitation(
    conn: &mut crate::ssr::db::Conn,
    ticket: &str,
    now: crate::ssr::clock::UnixTime,
) -> Result<super::ssr::PendingInvitation, AppError> {
    use crate::ssr::request::{fail, respond};
    respond(super::ssr::find_live_invitation(conn, ticket, now).await)?
        .ok_or_else(|| fail(AppError::InvitationNotValid))
}

/// E-mails an 8-digit code to the invited address: to prove it before a
/// personal account is made (`SignUp`), or to sign in with it alone
/// (`OneTimePasscode`, when the inviting tenant allows it).
#[server(endpoint = "send_code")]
pub async fn send_code(ticket: String, purpose: CodePurpose) -> Result<(), AppError> {
    use super::ssr::{discover_home_realm, find_live_invitation, issue_code};
    use super::HomeRealm;
    use crate::mail::ssr::{code_mail, enqueue};
    use crate::ssr::db;
    use crate::ssr::request::{respond, Request};

    let request = Request::current()?;
    let state = &request.state;
    let now = state.now();
    let sent = db::write(&state.pool, async |tx| {
        let Some(invitation) = find_live_invitation(tx, &ticket, now).await? else {
            return Err(AppError::InvitationNotValid.into());
        };
        let realm = discover_home_realm(tx, &invitation).await?;
        let allowed = match (realm, purpose) {
            (HomeRealm::New { .. }, CodePurpose::SignUp) => true,
            (HomeRealm::New { email_otp }, CodePurpose::OneTimePasscode) => email_otp,
            _ => false,
        };
        if !allowed {
            return Err(AppError::Forbidden.into());
        }
        let email = &invitation.invited_email;
        let code = issue_code(tx, email, purpose, now).await?;
        let tenant = &invitation.tenant;
        let use_it_to = match purpose {
            CodePurpose::SignUp => {
                "confirm your address and create your personal account".to_owned()
            }
            CodePurpose::OneTimePasscode => format!(
                "sign in and accept your invitation to {}",
                tenant.display_name
            ),
        };
        let mail = code_mail(
            email,
            &code,
            &use_it_to,
            &tenant.display_name,
            Some(&tenant.id),
        );
        enqueue(tx, &state.secret_key, &mail, now).await?;
        Ok(())
    })
    .await;
    respond(sent)
}

/// Creates a personal account for the invited address (proven by the code),
/// signs it in, and comes back to the invitation for consent.
#[server(endpoint = "sign_up")]
pub async fn sign_up(
    ticket: String,
    display_name: String,
    password: String,
    code: String,
) -> Result<(), AppError> {
    use super::ssr::verify_code;
    use crate::auth::ssr::personal::{create_personal_account, find_personal_credentials};
    use crate::auth::ssr::Identity;
    use crate::domain::{DisplayName, NewPassword};
    use crate::ssr::db;
    use crate::ssr::request::{fail, respond, Request};

    let request = Request::current()?;
    let state = &request.state;
    let now = state.now();
    let display_name = DisplayName::parse(&display_name)
        .map_err(|e| fail(AppError::invalid("display_name", e)))?;
    let password =
        NewPassword::parse(password).map_err(|e| fail(AppError::invalid("password", e)))?;
    let invitation = {
        let mut conn = respond(state.pool.acquire().await.map_err(Into::into))?;
        let invitation = live_invitation(&mut conn, &ticket, now).await?;
        let email = invitation.invited_email.as_str();
        // Checked before the code is spent, so a taken address keeps it.
        if respond(find_personal_credentials(&mut conn, email).await)?.is_some() {
            return Err(fail(AppError::Conflict(format!(
                "A personal account for {email} exists already; sign in with it."
            ))));
        }
        invitation
    };
    let email = &invitation.invited_email;
    respond(verify_code(&state.pool, email, CodePurpose::SignUp, &code, now).await)?;
    let hash = respond(state.passwords.hash(password.into_inner().into()).await)?;
    let account = respond(
        db::write(&state.pool, async |tx| {
            create_personal_account(tx, email, &display_name, &hash, now).await
        })
        .await,
    )?;
    request.begin_session(Identity::Personal(account)).await?;
    leptos_axum::redirect(&format!("/redeem?ticket={ticket}&step=consent"));
    Ok(())
}

/// Signs in with the one-time passcode e-mailed to the invited address and
/// comes back to the invitation for consent.
#[server(endpoint = "sign_in_with_code")]
pub async fn sign_in_with_code(ticket: String, code: String) -> Result<(), AppError> {
    use super::ssr::verify_code;
    use crate::auth::ssr::Identity;
    use crate::ssr::request::{fail, respond, Request};

    let request = Request::current()?;
    let state = &request.state;
    let now = state.now();
    let invitation = {
        let mut conn = respond(state.pool.acquire().await.map_err(Into::into))?;
        live_invitation(&mut conn, &ticket, now).await?
    };
    if !invitation.tenant.email_otp_enabled {
        return Err(fail(AppError::Forbidden));
    }
    let email = invitation.invited_email;
    respond(
        verify_code(
            &state.pool,
            &email,
            CodePurpose::OneTimePasscode,
            &code,
            now,
        )
        .await,
    )?;
    request.begin_session(Identity::Email(email)).await?;
    leptos_axum::redirect(&format!("/redeem?ticket={ticket}&step=consent"));
    Ok(())
}

/// Consent given: redeems the invitation for the signed-in identity (one
/// transaction) and sends the guest on to the invitation's target.
#[server(endpoint = "accept_invitation")]
pub async fn accept_invitation(ticket: String) -> Result<(), AppError> {
    use crate::ssr::request::{respond, Request};

    let request = Request::current()?;
    let (principal, actor) = request.require_actor().await?;
    let state = &request.state;
    let target = respond(
        super::ssr::accept_invitation(
            &state.pool,
            &ticket,
            &principal.identity,
            &actor,
            state.now(),
        )
        .await,
    )?;
    leptos_axum::redirect(target.as_str());
    Ok(())
}

/// Just-in-time redemption (DESIGN §3.3 step 2), for the consent page: the
/// invitation of the tenant `tenant` (a slug) pending for the signed-in
/// person's own address. An unknown tenant and no such invitation are one
/// answer, `NotFound`.
#[server(endpoint = "pending_invitation_info")]
pub async fn pending_invitation_info(tenant: String) -> Result<InvitationView, AppError> {
    use super::ssr::{discover_home_realm, find_pending_for, no_pending_invitation};
    use crate::ssr::request::{fail, respond, Request};

    let request = Request::current()?;
    let principal = request.require_principal().await?;
    let state = &request.state;
    let mut conn = respond(state.pool.acquire().await.map_err(Into::into))?;
    let tenant = tenant_by_slug(&mut conn, &tenant).await?;
    let identity = &principal.identity;
    let invitation = respond(find_pending_for(&mut conn, &tenant.id, identity, state.now()).await)?
        .ok_or_else(|| fail(no_pending_invitation()))?;
    let realm = respond(discover_home_realm(&mut conn, &invitation).await)?;
    Ok(invitation_view(
        invitation,
        realm,
        Some(&principal),
        &state.config.public_url,
    ))
}

/// Consent given on the consent page: redeems the invitation of the tenant
/// `tenant` (a slug) pending for the signed-in person's own address, in the
/// same one transaction as [`accept_invitation`], and goes on to `next`, a
/// local path — the application's sign-in, which now finds the guest.
#[server(endpoint = "accept_pending_invitation")]
pub async fn accept_pending_invitation(tenant: String, next: String) -> Result<(), AppError> {
    use crate::ssr::request::{fail, respond, Request};

    let request = Request::current()?;
    let (principal, actor) = request.require_actor().await?;
    if !crate::domain::is_local_path(&next) {
        return Err(fail(AppError::Invalid {
            field: "next".into(),
            message: "Where to go next must be a path on this site.".into(),
        }));
    }
    let state = &request.state;
    let tenant = {
        let mut conn = respond(state.pool.acquire().await.map_err(Into::into))?;
        tenant_by_slug(&mut conn, &tenant).await?
    };
    respond(
        super::ssr::accept_pending_invitation(
            &state.pool,
            &tenant.id,
            &principal.identity,
            &actor,
            state.now(),
        )
        .await,
    )?;
    leptos_axum::redirect(&next);
    Ok(())
}

/// The tenant `slug`; an unknown one answers as no pending invitation does.
#[cfg(feature = "ssr")]
async fn tenant_by_slug(
    conn: &mut crate::ssr::db::Conn,
    slug: &str,
) -> Result<crate::tenants::ssr::Tenant, AppError> {
    use super::ssr::no_pending_invitation;
    use crate::domain::TenantSlug;
    use crate::ssr::request::{fail, respond};

    let slug = TenantSlug::parse(slug).map_err(|_| fail(no_pending_invitation()))?;
    respond(crate::tenants::ssr::find_tenant_by_slug(conn, &slug).await)?
        .ok_or_else(|| fail(no_pending_invitation()))
}
