//! `/t/{slug}/admin/users`: the tenant's members and guests, 50 a page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::api::list_users;
use crate::components::{encode_query_value, ErrorPage};

#[component]
pub fn UsersPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let after = move || query.read().get("after");
    let page = Resource::new_blocking(
        move || (slug(), after()),
        |(slug, after)| list_users(slug, after),
    );

    view! {
        <Title text="Users · Gatehouse admin" />
        <h1>"Users"</h1>
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading users…"</p> }
        }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => {
                        let next = page
                            .next
                            .map(|next| {
                                let href = format!("?after={}", encode_query_value(&next));
                                view! {
                                    <a class="button" href=href rel="next">
                                        "Next page"
                                    </a>
                                }
                            });
                        let first = after()
                            .map(|_| {
                                view! {
                                    <a class="button" href="?">
                                        "First page"
                                    </a>
                                }
                            });
                        view! {
                            <table class="users">
                                <thead>
                                    <tr>
                                        <th scope="col">"User principal name"</th>
                                        <th scope="col">"Display name"</th>
                                        <th scope="col">"User type"</th>
                                        <th scope="col">"State"</th>
                                        <th scope="col">"Role"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {page
                                        .users
                                        .into_iter()
                                        .map(|user| {
                                            let state = user
                                                .external_user_state
                                                .map_or("—", |state| state.as_str());
                                            let upn = user.upn;
                                            let row_key = upn.clone();
                                            view! {
                                                <tr data-upn=row_key>
                                                    <td>{upn}</td>
                                                    <td>{user.display_name}</td>
                                                    <td>{user.user_type.as_str()}</td>
                                                    <td>{state}</td>
                                                    <td>{if user.is_admin { "Admin" } else { "" }}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                            <nav class="pager" aria-label="Pages">
                                {first}
                                {next}
                            </nav>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorPage error=error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
