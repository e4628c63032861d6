//! Who takes an MFA step or changes their methods: the signed-in person's
//! user object in one tenant — the only user object these server functions
//! ever act on.

use crate::auth::ssr::Principal;
use crate::domain::TenantSlug;
use crate::error::AppError;
use crate::ssr::request::{fail, respond, Request};
use crate::ssr::Actor;
use crate::tenants::ssr::{find_tenant_by_id, find_tenant_by_slug, Tenant};
use crate::users::ssr::{find_user_for_identity, User};

/// The signed-in person's user object in a tenant, and the rest of what a
/// step needs.
pub struct Subject {
    pub principal: Principal,
    pub tenant: Tenant,
    pub user: User,
    pub actor: Actor,
}

/// Whether a sign-in that still owes its home tenant's MFA (security
/// defaults) may act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignIn {
    /// Only a complete sign-in (else `MfaRequired`).
    Complete,
    /// Also one that owes the home MFA: the MFA steps themselves.
    MayOweHomeMfa,
}

/// The caller's user object in the tenant `slug`: not signed in is
/// `Unauthenticated`; signed in but with no user object in that tenant (or
/// an unknown tenant), `NotFound` — the same answer, so a slug is not
/// probed this way. An empty `slug` means a member's own tenant.
pub async fn find_subject(
    request: &Request,
    slug: &str,
    sign_in: SignIn,
) -> Result<Subject, AppError> {
    let (principal, actor) = match sign_in {
        SignIn::Complete => request.require_actor().await?,
        SignIn::MayOweHomeMfa => request.require_actor_for_mfa().await?,
    };
    let not_found = || fail(AppError::NotFound(format!("Your account in '{slug}'")));
    let mut conn = respond(request.state.pool.acquire().await.map_err(Into::into))?;
    let tenant = match (slug, principal.identity.member()) {
        ("", Some(member)) => find_tenant_by_id(&mut conn, &member.tenant_id).await,
        (slug, _) => {
            let slug = TenantSlug::parse(slug).map_err(|_| not_found())?;
            find_tenant_by_slug(&mut conn, &slug).await
        }
    };
    let tenant = respond(tenant)?.ok_or_else(not_found)?;
    let user = respond(find_user_for_identity(&mut conn, &tenant.id, &principal.identity).await)?
        .ok_or_else(not_found)?;
    Ok(Subject {
        principal,
        tenant,
        user,
        actor,
    })
}
