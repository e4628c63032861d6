//! My Apps' server function: the signed-in person's own memberships only.

use leptos::prelude::*;

use super::MyAppsOverview;
use crate::error::AppError;

#[server(endpoint = "my_apps")]
pub async fn my_apps() -> Result<MyAppsOverview, AppError> {
    use super::Membership;
    use crate::ssr::request::{fail, respond, Request};
    use crate::tenants::ssr::find_tenant_by_id;
    use crate::users::ssr::find_guest_memberships;

    let request = Request::current()?;
    let principal = request.require_principal().await?;
    let state = &request.state;
    let mut conn = respond(state.pool.acquire().await.map_err(Into::into))?;
    let mut memberships = Vec::new();
    if let Some(user) = principal.identity.member() {
        let tenant = respond(find_tenant_by_id(&mut conn, &user.tenant_id).await)?
            .ok_or_else(|| fail(AppError::Internal))?;
        memberships.push(Membership {
            tenant_slug: tenant.slug.as_str().to_owned(),
            tenant_name: tenant.display_name,
            user_type: user.user_type,
            is_admin: user.is_admin,
        });
    }
    let (home_kind, home_ref, _) = principal.identity.home();
    for (tenant_slug, tenant_name) in
        respond(find_guest_memberships(&mut conn, home_kind, home_ref).await)?
    {
        memberships.push(Membership {
            tenant_slug,
            tenant_name,
            user_type: crate::domain::UserType::Guest,
            is_admin: false,
        });
    }
    Ok(MyAppsOverview {
        display_name: principal.identity.display_name().to_owned(),
        upn: principal.identity.sign_in_name().to_owned(),
        memberships,
    })
}
