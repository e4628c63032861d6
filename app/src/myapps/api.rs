//! My Apps' server function: the signed-in person's own memberships only.

use leptos::prelude::*;

use super::MyAppsOverview;
use crate::error::AppError;

#[server(endpoint = "my_apps")]
pub async fn my_apps() -> Result<MyAppsOverview, AppError> {
    use crate::ssr::request::{respond, Request};

    let request = Request::current()?;
    let principal = request.require_principal().await?;
    let mut conn = respond(request.state.pool.acquire().await.map_err(Into::into))?;
    let memberships = respond(find_memberships(&mut conn, &principal.identity).await)?;
    Ok(MyAppsOverview {
        display_name: principal.identity.display_name().to_owned(),
        upn: principal.identity.sign_in_name().to_owned(),
        memberships,
    })
}

/// The tenants where `identity` has a user object: a member's own tenant
/// first, then those where it is an accepted guest, by name. My Apps and
/// Security info list the same.
#[cfg(feature = "ssr")]
pub async fn find_memberships(
    conn: &mut crate::ssr::db::Conn,
    identity: &crate::auth::ssr::Identity,
) -> crate::ssr::Result<Vec<super::Membership>> {
    use super::Membership;
    use crate::tenants::ssr::find_tenant_by_id;
    use crate::users::ssr::find_guest_memberships;

    let mut memberships = Vec::new();
    if let Some(user) = identity.member() {
        let tenant = find_tenant_by_id(conn, &user.tenant_id)
            .await?
            .ok_or(AppError::Internal)?;
        memberships.push(Membership {
            tenant_slug: tenant.slug.as_str().to_owned(),
            tenant_name: tenant.display_name,
            user_type: user.user_type,
            is_admin: user.is_admin,
        });
    }
    let (home_kind, home_ref, _) = identity.home();
    for (tenant_slug, tenant_name) in find_guest_memberships(conn, home_kind, home_ref).await? {
        memberships.push(Membership {
            tenant_slug,
            tenant_name,
            user_type: crate::domain::UserType::Guest,
            is_admin: false,
        });
    }
    Ok(memberships)
}
