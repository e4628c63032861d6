//! Sign-in, sessions and the checks every server function starts with.

pub mod password;
pub mod personal;
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
use personal::{find_personal_account, find_personal_credentials, PersonalAccount};
use session::{
    create_session, find_active_session, id_hash_from_headers, revoke_session, Session,
    SessionToken, Subject,
};

/// The identity a person signed in with at home (DESIGN §1, home identity).
#[derive(Debug, Clone)]
pub enum Identity {
    /// A work account: a member of a tenant in this deployment.
    Member(User),
    /// A personal account.
    Personal(PersonalAccount),
    /// An e-mail address proven with a one-time passcode.
    Email(String),
}

impl Identity {
    /// The member user, for a work account.
    pub fn member(&self) -> Option<&User> {
        match self {
            Self::Member(user) => Some(user),
            _ => None,
        }
    }

    /// The address this identity is known to own.
    pub fn verified_email(&self) -> &str {
        match self {
            Self::Member(user) => &user.upn,
            Self::Personal(account) => &account.email,
            Self::Email(email) => email,
        }
    }

    pub fn display_name(&self) -> &str {
        match self {
            Self::Member(user) => &user.display_name,
            Self::Personal(account) => &account.display_name,
            Self::Email(email) => email,
        }
    }

    /// The name shown as "signed in as" and recorded as the audit actor.
    pub fn sign_in_name(&self) -> &str {
        self.verified_email()
    }

    /// How a guest object records this identity: `(home_kind, home_ref,
    /// home_tenant_id)`.
    pub fn home(&self) -> (&'static str, &str, Option<&str>) {
        match self {
            Self::Member(user) => ("work", &user.id, Some(&user.tenant_id)),
            Self::Personal(account) => ("personal", &account.id, None),
            Self::Email(email) => ("email_otp", email, None),
        }
    }
}

/// Who is calling: a live session and its identity.
#[derive(Debug, Clone)]
pub struct Principal {
    pub session: Session,
    pub identity: Identity,
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
    let identity = match &session.subject {
        Subject::User(id) => find_user_by_id(&mut conn, id).await?.map(Identity::Member),
        Subject::PersonalAccount(id) => find_personal_account(&mut conn, id)
            .await?
            .map(Identity::Personal),
        Subject::Email(email) => Some(Identity::Email(email.clone())),
    };
    Ok(identity.map(|identity| Principal { session, identity }))
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
    let is_admin_here = principal
        .identity
        .member()
        .is_some_and(|user| user.tenant_id == tenant.id && user.is_admin);
    if !is_admin_here {
        return Err(AppError::Forbidden.into());
    }
    Ok((principal, tenant))
}

/// A successful sign-in: the new session's token and its identity.
pub struct SignedIn {
    pub token: SessionToken,
    pub identity: Identity,
}

/// Checks a password — a member's (by UPN) or a personal account's (by
/// address) — and starts a new session, revoking the one the request came
/// with (the id rotates on every sign-in). An unknown name, an account
/// without a password and a wrong password fail alike, in similar time.
pub async fn sign_in(
    state: &AppState,
    upn: &str,
    password: SecretString,
    previous_session: Option<&str>,
    ip: Option<&str>,
) -> Result<SignedIn> {
    use secrecy::ExposeSecret;
    let upn = Upn::parse(upn).map_err(|e| AppError::invalid("upn", e))?;
    let length = password.expose_secret().chars().count();
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

    let (identity, stored_hash) = {
        let mut conn = state.pool.acquire().await?;
        match find_credentials_by_upn(&mut conn, &upn).await? {
            Some((user, hash)) => (Some(Identity::Member(user)), hash),
            None => match find_personal_credentials(&mut conn, upn.as_str()).await? {
                Some((account, hash)) => (Some(Identity::Personal(account)), Some(hash)),
                None => (None, None),
            },
        }
    };
    let verified = state.passwords.verify(password, stored_hash).await?;
    start_session(
        state,
        identity.filter(|_| verified),
        upn.as_str(),
        previous_session,
        ip,
    )
    .await
}

/// Starts a session for an identity that has just proven itself (`None`:
/// it did not), revoking `previous_session`; audits either way.
pub async fn start_session(
    state: &AppState,
    identity: Option<Identity>,
    attempted_name: &str,
    previous_session: Option<&str>,
    ip: Option<&str>,
) -> Result<SignedIn> {
    let now = state.now();
    let mut tx = begin_write(&state.pool).await?;
    let Some(identity) = identity else {
        audit::record(
            &mut tx,
            Event {
                at: now,
                tenant_id: None,
                actor: Some(attempted_name),
                action: "signin",
                target: Some(attempted_name),
                outcome: Outcome::Failure,
                ip,
                detail: serde_json::json!({ "reason": "invalidCredentials" }),
            },
        )
        .await?;
        tx.commit().await?;
        return Err(AppError::InvalidCredentials.into());
    };
    if let Some(previous) = previous_session {
        revoke_session(&mut tx, previous, now).await?;
    }
    let (subject, amr, method) = match &identity {
        Identity::Member(user) => (Subject::User(user.id.clone()), "pwd", "password"),
        Identity::Personal(account) => (
            Subject::PersonalAccount(account.id.clone()),
            "pwd",
            "password",
        ),
        Identity::Email(email) => (Subject::Email(email.clone()), "otp", "emailOtp"),
    };
    let token = create_session(&mut tx, &subject, &[amr], now).await?;
    audit::record(
        &mut tx,
        Event {
            at: now,
            tenant_id: identity.member().map(|user| user.tenant_id.as_str()),
            actor: Some(identity.sign_in_name()),
            action: "signin",
            target: Some(identity.sign_in_name()),
            outcome: Outcome::Success,
            ip,
            detail: serde_json::json!({ "method": method }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(SignedIn { token, identity })
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
            tenant_id: principal
                .identity
                .member()
                .map(|user| user.tenant_id.as_str()),
            actor: Some(principal.identity.sign_in_name()),
            action: "signout",
            target: Some(principal.identity.sign_in_name()),
            outcome: Outcome::Success,
            ip,
            detail: serde_json::json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
