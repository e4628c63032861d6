//! The portal's frame: the tenant's name, the section navigation, and the
//! access check before any section renders.

use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};
use leptos_router::hooks::use_params_map;

use super::api::admin_context;
use super::AdminFrame;
use crate::components::detour;
#[cfg(doc)]
use crate::components::ErrorPage;
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

/// The frame around every admin page. The check itself is each page's and
/// each server function's (they refuse anyone but an admin with a fresh
/// MFA); the frame adds the navigation for an admin, and sends anyone else
/// to sign in or through the MFA challenge, as [`ErrorPage`] does.
///
/// The page (`Outlet`) is not inside the frame's `Suspense`: a page whose
/// resources are made inside another `Suspense`'s children left a few
/// server renderings hanging (leptos' SSR, islands mode).
#[component]
pub fn AdminLayout() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let context = Resource::new_blocking(slug, admin_context);

    view! {
        <div class="admin">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match context.await {
                        Ok(context) => view! { <Navigation context /> }.into_any(),
                        Err(error) => view! { <Detour error /> }.into_any(),
                    }
                })}
            </Suspense>
            <div class="admin-main">
                <Outlet />
            </div>
        </div>
    }
}

/// The tenant's name and the links to the portal's sections.
#[component]
fn Navigation(context: AdminFrame) -> impl IntoView {
    let base = format!("/t/{}/admin", context.tenant_slug);
    view! {
        <aside class="admin-nav">
            <p class="tenant-name">{context.tenant_name}</p>
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
    }
}

/// Someone the portal refuses: to sign in or the MFA challenge when that is
/// the way in; otherwise nothing here — the page shows its own refusal.
#[component]
fn Detour(error: AppError) -> impl IntoView {
    detour(&error).map(|path| view! { <Redirect path /> })
}
