//! Sign-in, sessions and the checks every server function starts with.

pub mod password;
pub mod session;

use http::HeaderMap;
use secrecy::SecretString;

use crate::domain::{TenantSlug, Upn, MAX_PASSWORD_LEN};
use crate::error::AppError;
use crate::ssr::audit::{self, Event, Outcome};
use crate::ssr::db::begin_write;
use crate::ssr::{AppState, Result};
use crate::tenants::ssr::{require_tenant, Tenant};
use crate::users::ssr::{find_credentials_by_upn, find_user_by_id, User};
use session::{
    create_session, find_active_session, id_hash_from_headers, revoke_session, Session,
    SessionToken,
};

/// Who is calling: a live session and its user.
#[derive(Debug, Clone)]
pub struct Principal {
    pub session: Session,
    pub user: User,
}

/// The caller, if the request carries a live session.
pub async fn find_principal(state: &AppState, headers: &HeaderMap) -> Result<Option<Principal>> {
    let Some(id_hash) = id_hash_from_headers(&state.config.public_url, headers) else {
        return Ok(None);
    };
    let mut conn = state.pool.acquire().await?;
    let Some(session) = find_active_session(&mut conn, &id_hash, state.now()).await? else {
        return Ok(None);
    };
    let Some(user) = find_user_by_id(&mut conn, &session.user_id).await? else {
        return Ok(None);
    };
    Ok(Some(Principal { session, user }))
}

/// The caller, or `Unauthenticated`.
pub async fn require_principal(state: &AppState, headers: &HeaderMap) -> Result<Principal> {
    find_principal(state, headers)
        .await?
        .ok_or_else(|| AppError::Unauthenticated.into())
}

/// The tenant named by `slug` and its admin who is calling. Unknown tenant:
/// `NotFound`; not signed in: `Unauthenticated`; anyone but an admin of this
/// very tenant (admins of other tenants included): `Forbidden`.
pub async fn require_tenant_admin(
    state: &AppState,
    headers: &HeaderMap,
    slug: &str,
) -> Result<(Principal, Tenant)> {
    let slug =
        TenantSlug::parse(slug).map_err(|_| AppError::NotFound(format!("The tenant '{slug}'")))?;
    let tenant = require_tenant(&mut *state.pool.acquire().await?, &slug).await?;
    let principal = require_principal(state, headers).await?;
    if principal.user.tenant_id != tenant.id || !principal.user.is_admin {
        return Err(AppError::Forbidden.into());
    }
    Ok((principal, tenant))
}

/// A successful sign-in: the new session's token and its user.
pub struct SignedIn {
    pub token: SessionToken,
    pub user: User,
}

/// Checks a member's password and starts a new session, revoking the one the
/// request came with (the id rotates on every sign-in). An unknown user, a
/// user without a password and a wrong password fail alike, in similar time.
pub async fn sign_in(
    state: &AppState,
    upn: &str,
    password: SecretString,
    previous_session: Option<&str>,
    ip: Option<&str>,
) -> Result<SignedIn> {
    use secrecy::ExposeSecret;
    let upn = Upn::parse(upn).map_err(|e| AppError::invalid("upn", e))?;
    let length = password.expose_secret().len();
    if length == 0 {
        return Err(AppError::Invalid {
            field: "password".into(),
            message: "Enter your password.".into(),
        }
        .into());
    }
    if length > MAX_PASSWORD_LEN {
        return Err(AppError::Invalid {
            field: "password".into(),
            message: format!("A password has at most {MAX_PASSWORD_LEN} characters."),
        }
        .into());
    }

    let found = find_credentials_by_upn(&mut *state.pool.acquire().await?, &upn).await?;
    let (user, stored_hash) = match found {
        Some((user, hash)) => (Some(user), hash),
        None => (None, None),
    };
    let verified = state.passwords.verify(password, stored_hash).await?;

    let now = state.now();
    let mut tx = begin_write(&state.pool).await?;
    let user = match user.filter(|_| verified) {
        Some(user) => user,
        None => {
            audit::record(
                &mut tx,
                Event {
                    at: now,
                    tenant_id: None,
                    actor: Some(upn.as_str()),
                    action: "signin.password",
                    target: Some(upn.as_str()),
                    outcome: Outcome::Failure,
                    ip,
                    detail: serde_json::json!({ "reason": "invalidCredentials" }),
                },
            )
            .await?;
            tx.commit().await?;
            return Err(AppError::InvalidCredentials.into());
        }
    };
    if let Some(previous) = previous_session {
        revoke_session(&mut tx, previous, now).await?;
    }
    let token = create_session(&mut tx, &user.id, &["pwd"], now).await?;
    audit::record(
        &mut tx,
        Event {
            at: now,
            tenant_id: Some(&user.tenant_id),
            actor: Some(&user.upn),
            action: "signin.password",
            target: Some(&user.upn),
            outcome: Outcome::Success,
            ip,
            detail: serde_json::json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(SignedIn { token, user })
}

/// Revokes the request's session server-side. Signing out twice is fine.
pub async fn sign_out(state: &AppState, headers: &HeaderMap, ip: Option<&str>) -> Result<()> {
    let Some(principal) = find_principal(state, headers).await? else {
        return Ok(());
    };
    let now = state.now();
    let mut tx = begin_write(&state.pool).await?;
    revoke_session(&mut tx, &principal.session.id_hash, now).await?;
    audit::record(
        &mut tx,
        Event {
            at: now,
            tenant_id: Some(&principal.user.tenant_id),
            actor: Some(&principal.user.upn),
            action: "signout",
            target: Some(&principal.user.upn),
            outcome: Outcome::Success,
            ip,
            detail: serde_json::json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
