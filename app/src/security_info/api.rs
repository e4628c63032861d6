//! Security info's server functions. Each authorises on its own: a
//! signed-in person acting on their own user object in the tenant named in
//! its arguments (or on their own sessions), never anyone else's. Changing
//! a method or the recovery codes also needs a recent MFA with that tenant
//! (step-up): else `MfaRequired`, and the page sends the browser through
//! the challenge and back.

use leptos::prelude::*;

use super::SecurityInfoView;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::mfa::ssr::subject::Subject;

/// Who is acting in `slug`: their own user object there, with a complete
/// sign-in.
#[cfg(feature = "ssr")]
async fn subject(request: &crate::ssr::request::Request, slug: &str) -> Result<Subject, AppError> {
    use crate::mfa::ssr::subject::{find_subject, SignIn};
    find_subject(request, slug, SignIn::Complete).await
}

/// The subject of a change to their methods: who they are in `slug`, with
/// an MFA with that tenant in this session within the step-up window.
#[cfg(feature = "ssr")]
async fn stepped_up(
    request: &crate::ssr::request::Request,
    subject: &Subject,
) -> Result<(), AppError> {
    use crate::mfa::ssr::step_up::require_recent_mfa;
    use crate::ssr::request::respond;

    let mut conn = respond(request.state.pool.acquire().await.map_err(Into::into))?;
    let (session, now) = (&subject.principal.session, request.state.now());
    respond(require_recent_mfa(&mut conn, session, &subject.tenant.id, now).await)
}

/// The page: the person's tenants, the methods they have with `tenant`
/// (default: the home tenant for a member, else the first where they are
/// a guest), and their own sessions.
#[server(endpoint = "security_info")]
pub async fn security_info(tenant: Option<String>) -> Result<SecurityInfoView, AppError> {
    use super::{MethodRow, SessionRow, TenantChoice, TenantSecurity};
    use crate::auth::ssr::session::list_live_sessions;
    use crate::mfa::ssr::methods::list_methods;
    use crate::mfa::ssr::recovery::count_unused;
    use crate::mfa::ssr::requirement::mfa_required;
    use crate::myapps::api::find_memberships;
    use crate::ssr::request::{respond, Request};
    use crate::ssr::{date, date_time};

    let request = Request::current()?;
    let principal = request.require_principal().await?;
    let state = &request.state;
    let mut conn = respond(state.pool.acquire().await.map_err(Into::into))?;
    let tenants: Vec<TenantChoice> =
        respond(find_memberships(&mut conn, &principal.identity).await)?
            .into_iter()
            .map(|membership| TenantChoice {
                slug: membership.tenant_slug,
                name: membership.tenant_name,
                user_type: membership.user_type,
            })
            .collect();
    let session = &principal.session;
    let sessions = respond(
        list_live_sessions(&mut conn, &session.subject, &session.id_hash, state.now()).await,
    )?
    .into_iter()
    .map(|session| SessionRow {
        handle: session.handle,
        signed_in: date_time(session.signed_in_at),
        expires: date_time(session.expires_at),
        current: session.is_current,
    })
    .collect();
    drop(conn);

    let picked = match tenant.filter(|slug| !slug.is_empty()) {
        Some(slug) => Some(slug),
        None => tenants.first().map(|tenant| tenant.slug.clone()),
    };
    let tenant = match picked {
        None => None,
        Some(slug) => {
            let subject = subject(&request, &slug).await?;
            let mut conn = respond(state.pool.acquire().await.map_err(Into::into))?;
            let (tenant, user) = (&subject.tenant, &subject.user);
            let methods = respond(list_methods(&mut conn, &user.id).await)?;
            let recovery_codes_left = respond(count_unused(&mut conn, &user.id).await)?;
            let mfa_required = respond(mfa_required(&mut conn, tenant, user).await)?;
            Some(TenantSecurity {
                slug: tenant.slug.as_str().to_owned(),
                name: tenant.display_name.clone(),
                upn: user.upn.as_str().to_owned(),
                user_type: user.user_type,
                methods: methods
                    .into_iter()
                    .map(|method| MethodRow {
                        id: method.id,
                        kind: method.kind,
                        name: method.display_name,
                        added: date(method.created_at),
                        last_used: method.last_used_at.map(date),
                    })
                    .collect(),
                recovery_codes_left,
                mfa_required,
            })
        }
    };
    Ok(SecurityInfoView {
        tenants,
        tenant,
        sessions,
    })
}

/// Renames one of the caller's methods with `tenant`.
#[server(endpoint = "rename_mfa_method")]
pub async fn rename_mfa_method(
    tenant: String,
    method_id: String,
    name: String,
) -> Result<(), AppError> {
    use crate::domain::DisplayName;
    use crate::mfa::ssr::manage::rename_method;
    use crate::ssr::request::{fail, respond, Request};

    let request = Request::current()?;
    let subject = subject(&request, &tenant).await?;
    let name = DisplayName::parse(&name).map_err(|e| fail(AppError::invalid("name", e)))?;
    stepped_up(&request, &subject).await?;
    let state = &request.state;
    respond(
        rename_method(
            &state.pool,
            &subject.tenant,
            &subject.user,
            &method_id,
            &name,
            &subject.actor,
            state.now(),
        )
        .await,
    )?;
    Ok(())
}

/// Removes one of the caller's methods with `tenant`; not the last while
/// the tenant requires MFA of them.
#[server(endpoint = "remove_mfa_method")]
pub async fn remove_mfa_method(tenant: String, method_id: String) -> Result<(), AppError> {
    use crate::mfa::ssr::manage::remove_method;
    use crate::ssr::request::{respond, Request};

    let request = Request::current()?;
    let subject = subject(&request, &tenant).await?;
    stepped_up(&request, &subject).await?;
    let state = &request.state;
    respond(
        remove_method(
            &state.pool,
            &subject.tenant,
            &subject.user,
            &method_id,
            &subject.actor,
            state.now(),
        )
        .await,
    )?;
    Ok(())
}

/// Replaces the caller's recovery codes with `tenant` by a new set, which
/// the answer carries (shown once).
#[server(endpoint = "new_recovery_codes")]
pub async fn new_recovery_codes(tenant: String) -> Result<Vec<String>, AppError> {
    use crate::mfa::ssr::manage::regenerate_recovery_codes;
    use crate::ssr::request::{respond, Request};

    let request = Request::current()?;
    let subject = subject(&request, &tenant).await?;
    stepped_up(&request, &subject).await?;
    let state = &request.state;
    let codes = respond(
        regenerate_recovery_codes(
            &state.pool,
            &state.secret_key,
            &subject.tenant,
            &subject.user,
            &subject.actor,
            state.now(),
        )
        .await,
    )?;
    Ok(codes.iter().map(|code| code.expose().to_owned()).collect())
}

/// Ends another of the caller's own sessions, named by its handle from the
/// page; not the current one (signing out does that).
#[server(endpoint = "end_other_session")]
pub async fn end_other_session(session: String) -> Result<(), AppError> {
    use crate::ssr::request::{respond, Request};

    let request = Request::current()?;
    let (principal, actor) = request.require_actor().await?;
    let state = &request.state;
    respond(
        crate::auth::ssr::end_other_session(&state.pool, &principal, &session, &actor, state.now())
            .await,
    )
}
