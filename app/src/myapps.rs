//! `/myapps`: where a signed-in person starts — the organisations they
//! belong to (guest tenants and applications join as they are built).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use serde::{Deserialize, Serialize};

use crate::components::ErrorPage;
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub tenant_slug: String,
    pub tenant_name: String,
    pub user_type: crate::domain::UserType,
    pub is_admin: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyAppsOverview {
    pub display_name: String,
    pub upn: String,
    pub memberships: Vec<Membership>,
}

#[server(endpoint = "my_apps")]
pub async fn my_apps() -> Result<MyAppsOverview, AppError> {
    use crate::auth::ssr::require_principal;
    use crate::ssr::request::{fail, parts, respond, state};
    use crate::tenants::ssr::find_tenant_by_id;
    use crate::users::ssr::find_guest_memberships;

    let state = state()?;
    let principal = respond(require_principal(&state, &parts()?.headers).await)?;
    let mut conn = respond(state.pool.acquire().await.map_err(Into::into))?;
    let mut memberships = Vec::new();
    if let Some(user) = principal.identity.member() {
        let tenant = respond(find_tenant_by_id(&mut conn, &user.tenant_id).await)?
            .ok_or_else(|| fail(AppError::Internal))?;
        memberships.push(Membership {
            tenant_slug: tenant.slug,
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

#[component]
pub fn MyAppsPage() -> impl IntoView {
    let apps = Resource::new_blocking(|| (), |_| my_apps());
    view! {
        <Title text="My Apps · Gatehouse"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match apps.await {
                    Ok(apps) => view! {
                        <section class="card">
                            <h1>"My Apps"</h1>
                            <p>"Signed in as "<strong>{apps.display_name}</strong>" ("{apps.upn}")."</p>
                            <h2>"Your organisations"</h2>
                            <ul class="memberships">
                                {apps.memberships.into_iter().map(|m| {
                                    let admin = m.is_admin.then(|| {
                                        let href = format!("/t/{}/admin/users", m.tenant_slug);
                                        view! { " · " <a href=href>"Admin portal"</a> }
                                    });
                                    view! {
                                        <li>
                                            <strong>{m.tenant_name}</strong>
                                            " — "{m.user_type.as_str()}{admin}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </section>
                    }.into_any(),
                    Err(AppError::Unauthenticated) => view! { <Redirect path="/signin?next=%2Fmyapps"/> }.into_any(),
                    Err(error) => view! { <ErrorPage error=error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
