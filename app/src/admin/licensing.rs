//! `/t/{slug}/admin/licensing`: the plan, its seats, the guests and what
//! the seats cover (DESIGN §1, plan / seats).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

use crate::components::ErrorPage;
use crate::domain::{Plan, GUESTS_PER_SEAT};
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceSummary {
    pub plan: Plan,
    pub seats: i64,
    pub guests: i64,
    /// Guests the seats cover; `None` on the free plan.
    pub capacity: Option<i64>,
}

#[server(endpoint = "licensing")]
pub async fn licensing(slug: String) -> Result<LicenceSummary, AppError> {
    use crate::auth::ssr::require_tenant_admin;
    use crate::ssr::request::{parts, respond, state};
    use crate::tenants::ssr::count_guests;

    let state = state()?;
    let (_, tenant) = respond(require_tenant_admin(&state, &parts()?.headers, &slug).await)?;
    let mut conn = respond(state.pool.acquire().await.map_err(Into::into))?;
    let guests = respond(count_guests(&mut conn, &tenant.id).await)?;
    let licence = tenant.licence();
    Ok(LicenceSummary {
        plan: licence.plan(),
        seats: licence.seats(),
        guests,
        capacity: licence.guest_capacity(),
    })
}

#[component]
pub fn LicensingPage() -> impl IntoView {
    let params = use_params_map();
    let summary = Resource::new_blocking(
        move || params.read().get("slug").unwrap_or_default(),
        licensing,
    );
    view! {
        <Title text="Licensing · Gatehouse admin"/>
        <h1>"Licensing"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match summary.await {
                    Ok(summary) => {
                        let capacity = summary.capacity.map_or_else(
                            || "Free plan: guests are allowed, premium features (MFA policies) are not.".to_owned(),
                            |capacity| format!("{} of {capacity} guests ({GUESTS_PER_SEAT} per premium seat)", summary.guests),
                        );
                        view! {
                            <dl class="facts">
                                <dt>"Plan"</dt><dd id="plan">{summary.plan.as_str()}</dd>
                                <dt>"Premium seats"</dt><dd id="seats">{summary.seats}</dd>
                                <dt>"Guests"</dt><dd id="guests">{summary.guests}</dd>
                                <dt>"Capacity"</dt><dd id="capacity">{capacity}</dd>
                            </dl>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
