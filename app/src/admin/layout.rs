//! The portal's frame: the tenant's name, the section navigation, and the
//! access check before any section renders.

use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};
use leptos_router::hooks::{use_location, use_params_map};

use super::api::admin_context;
use crate::components::{current_path, encode_query_value, ErrorPage};
use crate::error::AppError;

/// The portal's sections, in navigation order. A new section adds its line.
pub const SECTIONS: &[(&str, &str)] = &[
    ("users", "Users"),
    ("invitations", "Invitations"),
    ("applications", "Applications"),
    ("licensing", "Licensing"),
    ("policies", "Policies"),
    ("partners", "Partners"),
    ("tokens", "API tokens"),
    ("settings", "Settings"),
    ("audit", "Audit log"),
];

#[component]
pub fn AdminLayout() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let context = Resource::new_blocking(slug, admin_context);
    let location = use_location();

    view! {
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match context.await {
                    Ok(context) => {
                        let base = format!("/t/{}/admin", context.tenant_slug);
                        view! {
                            <div class="admin">
                                <aside class="admin-nav">
                                    <p class="tenant-name">{context.tenant_name.clone()}</p>
                                    <nav aria-label="Admin">
                                        <ul>
                                            {SECTIONS
                                                .iter()
                                                .map(|(path, label)| {
                                                    let href = format!("{base}/{path}");
                                                    view! {
                                                        <li>
                                                            <A href=href>{*label}</A>
                                                        </li>
                                                    }
                                                })
                                                .collect_view()}
                                        </ul>
                                    </nav>
                                </aside>
                                <div class="admin-main">
                                    <Outlet />
                                </div>
                            </div>
                        }
                            .into_any()
                    }
                    Err(AppError::Unauthenticated) => {
                        let here = current_path(location.pathname, location.search);
                        let path = format!("/signin?next={}", encode_query_value(&here));
                        view! { <Redirect path=path /> }.into_any()
                    }
                    Err(AppError::MfaRequired) => {
                        let here = current_path(location.pathname, location.search);
                        let path = crate::mfa::verify_path(&slug(), &here);
                        view! { <Redirect path=path /> }.into_any()
                    }
                    Err(error) => view! { <ErrorPage error=error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
