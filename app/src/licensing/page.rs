//! `/t/{slug}/admin/licensing`: the plan, its seats, the guests and what
//! the seats cover (DESIGN §1, plan / seats).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::api::licensing;
use crate::components::ErrorPage;
use crate::domain::GUESTS_PER_SEAT;

#[component]
pub fn LicensingPage() -> impl IntoView {
    let params = use_params_map();
    let summary = Resource::new_blocking(
        move || params.read().get("slug").unwrap_or_default(),
        licensing,
    );
    view! {
        <Title text="Licensing · Gatehouse admin" />
        <h1>"Licensing"</h1>
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match summary.await {
                    Ok(summary) => {
                        let capacity = summary
                            .capacity
                            .map_or_else(
                                || {
                                    "Free plan: guests are allowed, premium features (MFA policies) are not."
                                        .to_owned()
                                },
                                |capacity| {
                                    format!(
                                        "{} of {capacity} guests ({GUESTS_PER_SEAT} per premium seat)",
                                        summary.guests,
                                    )
                                },
                            );
                        view! {
                            <dl class="facts">
                                <dt>"Plan"</dt>
                                <dd id="plan">{summary.plan.as_str()}</dd>
                                <dt>"Premium seats"</dt>
                                <dd id="seats">{summary.seats}</dd>
                                <dt>"Guests"</dt>
                                <dd id="guests">{summary.guests}</dd>
                                <dt>"Capacity"</dt>
                                <dd id="capacity">{capacity}</dd>
                            </dl>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
