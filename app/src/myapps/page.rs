//! `/myapps`: where a signed-in person starts — the organisations they
//! belong to (guest tenants and applications join as they are built).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use super::api::my_apps;
use crate::components::ErrorPage;
use crate::error::AppError;

#[component]
pub fn MyAppsPage() -> impl IntoView {
    let apps = Resource::new_blocking(|| (), |_| my_apps());
    view! {
        <Title text="My Apps · Gatehouse" />
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match apps.await {
                    Ok(apps) => {
                        view! {
                            <section class="card">
                                <h1>"My Apps"</h1>
                                <p>
                                    "Signed in as "<strong>{apps.display_name}</strong>" ("
                                    {apps.upn}")."
                                </p>
                                <h2>"Your organisations"</h2>
                                <ul class="memberships">
                                    {apps
                                        .memberships
                                        .into_iter()
                                        .map(|m| {
                                            let admin = m
                                                .is_admin
                                                .then(|| {
                                                    let href = format!("/t/{}/admin/users", m.tenant_slug);
                                                    view! {
                                                        " · "
                                                        <a href=href>"Admin portal"</a>
                                                    }
                                                });
                                            let security = format!(
                                                "/security-info?tenant={}",
                                                m.tenant_slug,
                                            );
                                            view! {
                                                <li>
                                                    <strong>{m.tenant_name}</strong>
                                                    " — "
                                                    {m.user_type.as_str()}
                                                    {admin}
                                                    " · "
                                                    <a href=security>"Security info"</a>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            </section>
                        }
                            .into_any()
                    }
                    Err(AppError::Unauthenticated) => {
                        view! { <Redirect path="/signin?next=%2Fmyapps" /> }.into_any()
                    }
                    Err(error) => view! { <ErrorPage error=error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
