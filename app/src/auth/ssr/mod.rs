//! Sign-in, sessions and the checks every server function starts with.

pub mod password;
pub mod personal;
pub mod session;

use http::HeaderMap;

use crate::domain::{Email, HomeKind, Password, TenantSlug, Upn};
use crate::error::AppError;
use crate::ssr::audit::{self, Action, Event};
use crate::ssr::db::{self, Conn};
use crate::ssr::throttle::{self, Scope};
use crate::ssr::{Actor, AppState, Result};
use crate::tenants::ssr::{find_tenant_by_slug, Tenant};
use crate::users::ssr::{find_credentials_by_upn, find_user_by_id, User};
use personal::{find_personal_account, find_personal_credentials, PersonalAccount};
use session::{
    create_session, find_active_session, find_live_session_by_handle, find_tenant_mfa,
    id_hash_from_headers, revoke_session, Amr, Session, SessionToken, Subject,
};

/// The identity a person signed in with at home (DESIGN §1, home identity).
#[derive(Debug, Clone)]
pub enum Identity {
    /// A work account: a member of a tenant in this deployment.
    Member(User),
    /// A personal account.
    Personal(PersonalAccount),
    /// An e-mail address proven with a one-time passcode.
    Email(Email),
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
            Self::Member(user) => user.upn.as_str(),
            Self::Personal(account) => account.email.as_str(),
            Self::Email(email) => email.as_str(),
        }
    }

    pub fn display_name(&self) -> &str {
        match self {
            Self::Member(user) => &user.display_name,
            Self::Personal(account) => &account.display_name,
            Self::Email(email) => email.as_str(),
        }
    }

    /// The name shown as "signed in as" and recorded as the audit actor.
    pub fn sign_in_name(&self) -> &str {
        self.verified_email()
    }

    /// How a guest object records this identity: `(home_kind, home_ref,
    /// home_tenant_id)`.
    pub fn home(&self) -> (HomeKind, &str, Option<&str>) {
        match self {
            Self::Member(user) => (HomeKind::Work, &user.id, Some(&user.tenant_id)),
            Self::Personal(account) => (HomeKind::Personal, &account.id, None),
            Self::Email(email) => (HomeKind::EmailOtp, email.as_str(), None),
        }
    }

    fn subject(&self) -> Subject {
        match self {
            Self::Member(user) => Subject::User(user.id.clone()),
            Self::Personal(account) => Subject::PersonalAccount(account.id.clone()),
            Self::Email(email) => Subject::Email(email.as_str().to_owned()),
        }
    }
}

/// Who is calling: a live session and its identity.
#[derive(Debug, Clone)]
pub struct Principal {
    pub session: Session,
    pub identity: Identity,
    /// A member whose tenant has security defaults on and who has not yet
    /// passed its MFA in this session: their home tenant. Until they do,
    /// the sign-in is not complete — only the MFA steps answer them.
    pub home_mfa_due: Option<TenantSlug>,
}

/// An admin acting in their tenant's portal: who they are, the tenant, and
/// the actor their actions are recorded as.
#[derive(Debug, Clone)]
pub struct AdminContext {
    pub principal: Principal,
    pub tenant: Tenant,
    pub actor: Actor,
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
    let Some(identity) = find_identity(&mut conn, &session.subject).await? else {
        return Ok(None);
    };
    let home_mfa_due = match identity.member() {
        Some(user) => find_home_mfa_due(&mut conn, user, &session.id_hash).await?,
        None => None,
    };
    Ok(Some(Principal {
        session,
        identity,
        home_mfa_due,
    }))
}

/// Security defaults (DESIGN §1): the tenant of `user` — when it has them
/// on and the session has not passed MFA with it.
async fn find_home_mfa_due(
    conn: &mut Conn,
    user: &User,
    session_id_hash: &str,
) -> Result<Option<TenantSlug>> {
    let slug = sqlx::query_scalar!(
        "SELECT slug FROM tenants
         WHERE id = $1 AND security_defaults = TRUE
           AND NOT EXISTS (SELECT 1 FROM session_mfa
                           WHERE session_id_hash = $2 AND tenant_id = tenants.id)",
        user.tenant_id,
        session_id_hash
    )
    .fetch_optional(conn)
    .await?;
    slug.map(|slug| crate::ssr::Stored::stored(TenantSlug::parse(&slug), "tenants.slug"))
        .transpose()
}

async fn find_identity(conn: &mut Conn, subject: &Subject) -> Result<Option<Identity>> {
    Ok(match subject {
        Subject::User(id) => find_user_by_id(conn, id).await?.map(Identity::Member),
        Subject::PersonalAccount(id) => find_personal_account(conn, id)
            .await?
            .map(Identity::Personal),
        Subject::Email(email) => Some(Identity::Email(crate::ssr::Stored::stored(
            Email::parse(email),
            "sessions.email",
        )?)),
    })
}

/// The caller whose sign-in is complete: not signed in is
/// `Unauthenticated`; a member who still owes their home tenant's MFA
/// (security defaults), `MfaRequired`.
pub async fn require_principal(state: &AppState, headers: &HeaderMap) -> Result<Principal> {
    let principal = require_signed_in(state, headers).await?;
    if principal.home_mfa_due.is_some() {
        return Err(AppError::MfaRequired.into());
    }
    Ok(principal)
}

/// The caller, even one who still owes their home tenant's MFA — for the
/// MFA steps themselves; or `Unauthenticated`.
pub async fn require_signed_in(state: &AppState, headers: &HeaderMap) -> Result<Principal> {
    find_principal(state, headers)
        .await?
        .ok_or_else(|| AppError::Unauthenticated.into())
}

/// Who may act in the tenant named by a path's slug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// An admin of the tenant.
    Admin,
    /// An admin, or a member when the tenant lets members invite.
    Inviter,
}

/// How long an admin's MFA with their tenant lets them use the portal
/// (DESIGN §5: a built-in rule on every plan, not a policy).
pub const ADMIN_MFA_FRESH_SECS: i64 = 12 * 60 * 60;

/// The tenant named by `slug` and its member who is calling, if the member
/// holds `role` there. Unknown tenant: `NotFound`; not signed in:
/// `Unauthenticated`; anyone else (admins of other tenants and guests
/// included): `Forbidden`. An admin acting as one — in the portal, or
/// inviting with an admin's powers — must have passed the tenant's MFA in
/// this session within [`ADMIN_MFA_FRESH_SECS`]: else `MfaRequired`.
pub async fn require_tenant_role(
    state: &AppState,
    headers: &HeaderMap,
    ip: Option<String>,
    slug: &str,
    role: Role,
) -> Result<AdminContext> {
    let not_found = || AppError::NotFound(format!("The tenant '{slug}'"));
    let parsed = TenantSlug::parse(slug).map_err(|_| not_found())?;
    let tenant = find_tenant_by_slug(&mut *state.pool.acquire().await?, &parsed)
        .await?
        .ok_or_else(not_found)?;
    let principal = require_principal(state, headers).await?;
    let allowed = principal.identity.member().is_some_and(|user| {
        user.tenant_id == tenant.id
            && match role {
                Role::Admin => user.is_admin,
                Role::Inviter => user.is_admin || tenant.members_can_invite,
            }
    });
    if !allowed {
        return Err(AppError::Forbidden.into());
    }
    if principal
        .identity
        .member()
        .is_some_and(|user| user.is_admin)
    {
        let mut conn = state.pool.acquire().await?;
        let mfa = find_tenant_mfa(&mut conn, &principal.session.id_hash, &tenant.id).await?;
        let fresh_since = state.now() - ADMIN_MFA_FRESH_SECS;
        if mfa.is_none_or(|mfa| mfa.at < fresh_since) {
            return Err(AppError::MfaRequired.into());
        }
    }
    let actor = Actor::identity(&principal.identity, ip);
    Ok(AdminContext {
        principal,
        tenant,
        actor,
    })
}

/// A successful sign-in: the new session's token and its identity.
pub struct SignedIn {
    pub token: SessionToken,
    pub identity: Identity,
    /// Security defaults: the home tenant whose MFA the sign-in still needs.
    pub home_mfa_due: Option<TenantSlug>,
}

/// Checks a password — a member's (by UPN) or a personal account's (by
/// address) — and starts a new session, revoking `previous_session` (the
/// id rotates on every sign-in). An unknown name, an account without a
/// password and a wrong password fail alike, in similar time, and are
/// audited. Failures are counted per account name and per client address
/// (5 delay the next attempt, 10 lock for 15 minutes, and a lock lifts by
/// itself); a throttled attempt gets the same answer without a hash.
#[tracing::instrument(skip_all, fields(upn = %upn.as_str()))]
pub async fn sign_in(
    state: &AppState,
    upn: &Upn,
    password: Password,
    previous_session: Option<&str>,
    ip: Option<String>,
) -> Result<SignedIn> {
    let now = state.now();
    let subjects = throttle_subjects(upn, ip.as_deref());
    // The subjects with failures counted: a success clears those (and only
    // those — a write transaction less for every sign-in without them).
    let mut counted = Vec::new();
    let mut throttled = false;
    {
        let mut conn = state.pool.acquire().await?;
        for (scope, subject) in &subjects {
            if let Some(count) = throttle::count(&mut conn, *scope, subject).await? {
                throttled |= count.is_waiting(now);
                counted.push((*scope, subject.as_str()));
            }
        }
    }
    if throttled {
        return refuse_sign_in(state, upn, ip, None, &[], "throttled").await;
    }
    let (identity, stored_hash) = {
        let mut conn = state.pool.acquire().await?;
        match find_credentials_by_upn(&mut conn, upn).await? {
            Some((user, hash)) => (Some(Identity::Member(user)), hash),
            None => match find_personal_credentials(&mut conn, upn.as_str()).await? {
                Some((account, hash)) => (Some(Identity::Personal(account)), Some(hash)),
                None => (None, None),
            },
        }
    };
    let verified = state
        .passwords
        .verify(password.into_inner().into(), stored_hash)
        .await?;
    // A member's wrong password shows in their tenant's audit log.
    let tenant_id = identity
        .as_ref()
        .and_then(Identity::member)
        .map(|user| user.tenant_id.clone());
    let Some(identity) = identity.filter(|_| verified) else {
        return refuse_sign_in(state, upn, ip, tenant_id, &subjects, "invalidCredentials").await;
    };
    let signed_in = start_session(state, identity, previous_session, ip).await?;
    if !counted.is_empty() {
        db::write(&state.pool, async |tx| {
            for (scope, subject) in &counted {
                throttle::clear(tx, *scope, subject).await?;
            }
            Ok(())
        })
        .await?;
    }
    Ok(signed_in)
}

/// What a password sign-in's failures are counted against: the name typed,
/// and the client's address when known.
fn throttle_subjects(upn: &Upn, ip: Option<&str>) -> Vec<(Scope, String)> {
    let mut subjects = vec![(Scope::SignInAccount, upn.as_str().to_owned())];
    if let Some(ip) = ip {
        subjects.push((Scope::SignInAddress, ip.to_owned()));
    }
    subjects
}

/// A refused sign-in: audited (in `tenant_id`'s log when the name is a
/// member's), counted against `counted`, and answered as invalid
/// credentials whatever the reason.
async fn refuse_sign_in(
    state: &AppState,
    upn: &Upn,
    ip: Option<String>,
    tenant_id: Option<String>,
    counted: &[(Scope, String)],
    reason: &str,
) -> Result<SignedIn> {
    let now = state.now();
    let actor = Actor::person(upn.as_str(), ip);
    db::write(&state.pool, async |tx| {
        for (scope, subject) in counted {
            throttle::record_failure(tx, *scope, subject, now).await?;
        }
        let mut event = Event::failure(Action::SignIn, now)
            .by(&actor)
            .target(upn.as_str())
            .reason(reason);
        if let Some(tenant_id) = &tenant_id {
            event = event.tenant(tenant_id);
        }
        audit::record(tx, event).await?;
        Ok(())
    })
    .await?;
    Err(AppError::InvalidCredentials.into())
}

/// Starts a session for an identity that has just proven itself, revoking
/// `previous_session`, and audits it. The one way every sign-in — password,
/// new personal account, e-mailed passcode — ends.
#[tracing::instrument(skip_all, fields(who = %identity.sign_in_name()))]
pub async fn start_session(
    state: &AppState,
    identity: Identity,
    previous_session: Option<&str>,
    ip: Option<String>,
) -> Result<SignedIn> {
    let now = state.now();
    let (amr, method) = match &identity {
        Identity::Member(_) | Identity::Personal(_) => (Amr::Pwd, "password"),
        Identity::Email(_) => (Amr::Email, "emailOtp"),
    };
    let actor = Actor::identity(&identity, ip);
    let token = db::write(&state.pool, async |tx| {
        if let Some(previous) = previous_session {
            revoke_session(tx, previous, now).await?;
        }
        let token = create_session(tx, &identity.subject(), &[amr], now).await?;
        let mut event = Event::success(Action::SignIn, now)
            .by(&actor)
            .target(identity.sign_in_name())
            .detail(serde_json::json!({ "method": method }));
        if let Some(user) = identity.member() {
            event = event.tenant(&user.tenant_id);
        }
        audit::record(tx, event).await?;
        Ok(token)
    })
    .await?;
    let home_mfa_due = match identity.member() {
        Some(user) => {
            let mut conn = state.pool.acquire().await?;
            find_home_mfa_due(&mut conn, user, &token.id_hash()).await?
        }
        None => None,
    };
    Ok(SignedIn {
        token,
        identity,
        home_mfa_due,
    })
}

/// Ends another of the caller's own sessions (Security info's "Sign out"
/// beside it, e.g. a browser left signed in elsewhere): its cookie stops
/// working at once. `handle` names one of the caller's live sessions
/// ([`session::list_live_sessions`]); any other handle is `NotFound`. The
/// caller's current session is refused: signing out ends that one.
pub async fn end_other_session(
    pool: &db::Pool,
    principal: &Principal,
    handle: &str,
    actor: &Actor,
    now: crate::ssr::clock::UnixTime,
) -> Result<()> {
    let subject = &principal.session.subject;
    db::write(pool, async |tx| {
        let not_found = || AppError::NotFound("That session".into());
        let id_hash = find_live_session_by_handle(tx, subject, handle, now)
            .await?
            .ok_or_else(not_found)?;
        if id_hash == principal.session.id_hash {
            return Err(AppError::refused(
                "currentSession",
                "This is the session you are using: sign out to end it.",
            )
            .into());
        }
        if !revoke_session(tx, &id_hash, now).await? {
            return Err(not_found().into());
        }
        let mut event = Event::success(Action::SessionRevoked, now)
            .by(actor)
            .target(principal.identity.sign_in_name())
            .detail(serde_json::json!({ "session": handle }));
        if let Some(user) = principal.identity.member() {
            event = event.tenant(&user.tenant_id);
        }
        audit::record(tx, event).await?;
        Ok(())
    })
    .await
}

/// Revokes the request's session server-side. Signing out twice is fine.
pub async fn sign_out(state: &AppState, headers: &HeaderMap, ip: Option<String>) -> Result<()> {
    let Some(principal) = find_principal(state, headers).await? else {
        return Ok(());
    };
    let now = state.now();
    let actor = Actor::identity(&principal.identity, ip);
    db::write(&state.pool, async |tx| {
        revoke_session(tx, &principal.session.id_hash, now).await?;
        let mut event = Event::success(Action::SignOut, now)
            .by(&actor)
            .target(principal.identity.sign_in_name());
        if let Some(user) = principal.identity.member() {
            event = event.tenant(&user.tenant_id);
        }
        audit::record(tx, event).await?;
        Ok(())
    })
    .await
}
