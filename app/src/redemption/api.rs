//! Server functions of the redeem page. Each checks the ticket itself: a
//! ticket is a bearer secret, and every one of these is a public endpoint.

use leptos::prelude::*;

use super::{CodePurpose, InvitationView};
use crate::error::AppError;

/// What the invitation behind `ticket` offers, and who is signed in. Reading
/// it does not consume the invitation.
#[server(endpoint = "redeem_info")]
pub async fn redeem_info(ticket: String) -> Result<InvitationView, AppError> {
    use super::ssr::{discover_home_realm, find_live_invitation, may_redeem};
    use super::SignedInAs;
    use crate::auth::ssr::find_principal;
    use crate::ssr::request::{fail, parts, respond, state};

    let state = state()?;
    let mut conn = respond(state.pool.acquire().await.map_err(Into::into))?;
    let invitation = respond(find_live_invitation(&mut conn, &ticket, state.now()).await)?
        .ok_or_else(|| fail(AppError::InvitationNotValid))?;
    let realm = respond(discover_home_realm(&mut conn, &invitation).await)?;
    drop(conn);
    let principal = respond(find_principal(&state, &parts()?.headers).await)?;
    Ok(InvitationView {
        signed_in: principal.map(|principal| SignedInAs {
            display_name: principal.identity.display_name().to_owned(),
            email: principal.identity.verified_email().to_owned(),
            may_redeem: may_redeem(&invitation, &principal.identity),
        }),
        tenant_name: invitation.tenant.display_name,
        inviter_name: invitation.inviter_name,
        invited_email: invitation.invited_email,
        redirect_url: invitation.redirect_url,
        message: invitation.message,
        realm,
    })
}

/// E-mails an 8-digit code to the invited address: to prove it before a
/// personal account is made (`SignUp`), or to sign in with it alone
/// (`OneTimePasscode`, when the inviting tenant allows it).
#[server(endpoint = "send_code")]
pub async fn send_code(ticket: String, purpose: CodePurpose) -> Result<(), AppError> {
    use super::ssr::{discover_home_realm, find_live_invitation, issue_code};
    use super::HomeRealm;
    use crate::domain::Email;
    use crate::ssr::db::begin_write;
    use crate::ssr::request::{fail, respond, state};

    let state = state()?;
    let now = state.now();
    let mut tx = respond(begin_write(&state.pool).await.map_err(Into::into))?;
    let invitation = respond(find_live_invitation(&mut tx, &ticket, now).await)?
        .ok_or_else(|| fail(AppError::InvitationNotValid))?;
    let realm = respond(discover_home_realm(&mut tx, &invitation).await)?;
    let allowed = match (realm, purpose) {
        (HomeRealm::New { .. }, CodePurpose::SignUp) => true,
        (HomeRealm::New { email_otp }, CodePurpose::OneTimePasscode) => email_otp,
        _ => false,
    };
    if !allowed {
        return Err(fail(AppError::Forbidden));
    }
    let email =
        Email::parse(&invitation.invited_email).map_err(|e| fail(AppError::invalid("email", e)))?;
    let code = respond(issue_code(&mut tx, &email, purpose, now).await)?;
    let tenant = &invitation.tenant;
    let use_it_to = match purpose {
        CodePurpose::SignUp => "confirm your address and create your personal account".to_owned(),
        CodePurpose::OneTimePasscode => format!(
            "sign in and accept your invitation to {}",
            tenant.display_name
        ),
    };
    let mail = crate::mail::ssr::code_mail(
        &email,
        &code,
        &use_it_to,
        &tenant.display_name,
        Some(&tenant.id),
    );
    respond(crate::mail::ssr::enqueue(&mut tx, &state.secret_key, &mail, now).await)?;
    respond(tx.commit().await.map_err(Into::into))?;
    Ok(())
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
    use super::ssr::{find_live_invitation, verify_code};
    use crate::auth::ssr::personal::create_personal_account;
    use crate::auth::ssr::session::{id_hash_from_headers, set_cookie};
    use crate::auth::ssr::{start_session, Identity};
    use crate::domain::{DisplayName, Email, MAX_PASSWORD_LEN, MIN_NEW_PASSWORD_LEN};
    use crate::ssr::db::begin_write;
    use crate::ssr::request::{client_ip, fail, parts, respond, state};

    let state = state()?;
    let parts = parts()?;
    let now = state.now();
    let display_name = DisplayName::parse(&display_name)
        .map_err(|e| fail(AppError::invalid("display_name", e)))?;
    let length = password.chars().count();
    let too = if length < MIN_NEW_PASSWORD_LEN {
        Some(format!(
            "Choose a password of at least {MIN_NEW_PASSWORD_LEN} characters."
        ))
    } else if length > MAX_PASSWORD_LEN {
        Some(format!(
            "A password has at most {MAX_PASSWORD_LEN} characters."
        ))
    } else {
        None
    };
    if let Some(message) = too {
        return Err(fail(AppError::Invalid {
            field: "password".into(),
            message,
        }));
    }
    let invitation = {
        let mut conn = respond(state.pool.acquire().await.map_err(Into::into))?;
        respond(find_live_invitation(&mut conn, &ticket, now).await)?
            .ok_or_else(|| fail(AppError::InvitationNotValid))?
    };
    let email =
        Email::parse(&invitation.invited_email).map_err(|e| fail(AppError::invalid("email", e)))?;
    let existing = {
        let mut conn = respond(state.pool.acquire().await.map_err(Into::into))?;
        respond(
            crate::auth::ssr::personal::find_personal_credentials(&mut conn, email.as_str()).await,
        )?
    };
    if existing.is_some() {
        return Err(fail(AppError::Conflict(format!(
            "A personal account for {} exists already; sign in with it.",
            email.as_str()
        ))));
    }
    respond(verify_code(&state.pool, &email, CodePurpose::SignUp, &code, now).await)?;
    let hash = respond(state.passwords.hash(password.into()).await)?;
    let account = {
        let mut tx = respond(begin_write(&state.pool).await.map_err(Into::into))?;
        let account =
            respond(create_personal_account(&mut tx, &email, &display_name, &hash, now).await)?;
        respond(tx.commit().await.map_err(Into::into))?;
        account
    };
    let previous = id_hash_from_headers(&state.config.public_url, &parts.headers);
    let ip = client_ip(&parts);
    let signed_in = respond(
        start_session(
            &state,
            Some(Identity::Personal(account)),
            email.as_str(),
            previous.as_deref(),
            ip.as_deref(),
        )
        .await,
    )?;
    crate::ssr::request::set_cookie(set_cookie(&state.config.public_url, &signed_in.token))?;
    leptos_axum::redirect(&format!("/redeem?ticket={ticket}&step=consent"));
    Ok(())
}

/// Signs in with the one-time passcode e-mailed to the invited address and
/// comes back to the invitation for consent.
#[server(endpoint = "sign_in_with_code")]
pub async fn sign_in_with_code(ticket: String, code: String) -> Result<(), AppError> {
    use super::ssr::{find_live_invitation, verify_code};
    use crate::auth::ssr::session::{id_hash_from_headers, set_cookie};
    use crate::auth::ssr::{start_session, Identity};
    use crate::domain::Email;
    use crate::ssr::request::{client_ip, fail, parts, respond, state};

    let state = state()?;
    let parts = parts()?;
    let now = state.now();
    let invitation = {
        let mut conn = respond(state.pool.acquire().await.map_err(Into::into))?;
        respond(find_live_invitation(&mut conn, &ticket, now).await)?
            .ok_or_else(|| fail(AppError::InvitationNotValid))?
    };
    if !invitation.tenant.email_otp_enabled {
        return Err(fail(AppError::Forbidden));
    }
    let email =
        Email::parse(&invitation.invited_email).map_err(|e| fail(AppError::invalid("email", e)))?;
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
    let previous = id_hash_from_headers(&state.config.public_url, &parts.headers);
    let ip = client_ip(&parts);
    let identity = Identity::Email(email.as_str().to_owned());
    let signed_in = respond(
        start_session(
            &state,
            Some(identity),
            email.as_str(),
            previous.as_deref(),
            ip.as_deref(),
        )
        .await,
    )?;
    crate::ssr::request::set_cookie(set_cookie(&state.config.public_url, &signed_in.token))?;
    leptos_axum::redirect(&format!("/redeem?ticket={ticket}&step=consent"));
    Ok(())
}

/// Consent given: redeems the invitation for the signed-in identity (one
/// transaction) and sends the guest on to the invitation's target.
#[server(endpoint = "accept_invitation")]
pub async fn accept_invitation(ticket: String) -> Result<(), AppError> {
    use crate::auth::ssr::require_principal;
    use crate::ssr::request::{client_ip, parts, respond, state};

    let state = state()?;
    let parts = parts()?;
    let principal = respond(require_principal(&state, &parts.headers).await)?;
    let ip = client_ip(&parts);
    let target = respond(
        super::ssr::accept_invitation(
            &state.pool,
            &ticket,
            &principal.identity,
            ip.as_deref(),
            state.now(),
        )
        .await,
    )?;
    leptos_axum::redirect(&target);
    Ok(())
}
