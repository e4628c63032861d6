//! `/t/{slug}/admin/users`: the tenant's members and guests with their MFA
//! methods, 50 a page — the `Get-MsolUser | where StrongAuthenticationMethods`
//! view (DESIGN §3.4). Filters and search live in the query string
//! (`userType`, `hasMethods`, `search`, and `after` for the page), so a
//! reload or the back button shows the same list; they are links and a GET
//! form, working before the WASM has loaded.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::api::list_users;
use super::{MethodCell, MethodType};
use crate::components::{encode_query_value, ErrorPage};

/// The filters and search of the query string; empty: none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Filters {
    user_type: String,
    has_methods: String,
    search: String,
}

impl Filters {
    /// The list's query string with these filters, continuing after `after`.
    fn href(&self, after: Option<&str>) -> String {
        let pairs = [
            ("userType", self.user_type.as_str()),
            ("hasMethods", self.has_methods.as_str()),
            ("search", self.search.as_str()),
            ("after", after.unwrap_or_default()),
        ];
        let query = pairs
            .iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| format!("{name}={}", encode_query_value(value)))
            .collect::<Vec<_>>()
            .join("&");
        format!("?{query}")
    }
}

const USER_TYPES: &[(&str, &str)] = &[
    ("", "All users"),
    ("Member", "Members"),
    ("Guest", "Guests"),
];
const METHODS: &[(&str, &str)] = &[
    ("", "Any methods"),
    ("true", "Has methods"),
    ("false", "No methods"),
];

/// A link per value of one filter, keeping the others (and the search).
fn filter_links(
    label: &'static str,
    choices: &'static [(&'static str, &'static str)],
    current: impl Fn() -> Filters + Copy + Send + Sync + 'static,
    set: fn(&mut Filters, &str),
    get: fn(&Filters) -> &str,
) -> impl IntoView {
    view! {
        <nav class="filters" aria-label=label>
            {choices
                .iter()
                .map(|(value, text)| {
                    let href = move || {
                        let mut filters = current();
                        set(&mut filters, value);
                        filters.href(None)
                    };
                    let is_current = move || get(&current()) == *value;
                    view! {
                        <a href=href class:current=is_current>
                            {*text}
                        </a>
                    }
                })
                .collect_view()}
        </nav>
    }
}

/// The Methods cell: a line per kind the user has.
fn methods_cell(methods: Vec<MethodCell>) -> impl IntoView {
    if methods.is_empty() {
        return view! { "—" }.into_any();
    }
    methods
        .into_iter()
        .map(|cell| {
            let what = match (cell.method, cell.count) {
                (MethodType::RecoveryCodes, left) => {
                    format!("{}: {left} left", cell.method.label())
                }
                (method, 1) => method.label().to_owned(),
                (method, count) => format!("{} ×{count}", method.label()),
            };
            let used = cell.last_used.map(|date| format!(" · last used {date}"));
            view! {
                <div class="method" data-method=cell.method.as_str()>
                    {what}
                    {used}
                </div>
            }
        })
        .collect_view()
        .into_any()
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let filters = move || {
        let query = query.read();
        Filters {
            user_type: query.get("userType").unwrap_or_default(),
            has_methods: query.get("hasMethods").unwrap_or_default(),
            search: query.get("search").unwrap_or_default(),
        }
    };
    let after = move || query.read().get("after");
    let page = Resource::new_blocking(
        move || (slug(), filters(), after()),
        |(slug, filters, after)| {
            list_users(
                slug,
                after,
                Some(filters.user_type),
                Some(filters.has_methods),
                Some(filters.search),
            )
        },
    );
    let hidden = move |name: &'static str, value: String| {
        (!value.is_empty()).then(|| view! { <input type="hidden" name=name value=value /> })
    };

    view! {
        <Title text="Users · Gatehouse admin" />
        <h1>"Users"</h1>
        <form method="get" role="search" class="inline" aria-label="Search users">
            <label for="users-search">"Search "</label>
            <input
                id="users-search"
                type="search"
                name="search"
                placeholder="Start of a user name, name or e-mail"
                value=move || filters().search
            />
            {move || hidden("userType", filters().user_type)}
            {move || hidden("hasMethods", filters().has_methods)}
            " "
            <button type="submit">"Search"</button>
        </form>
        {filter_links(
            "Filter by user type",
            USER_TYPES,
            filters,
            |filters, value| value.clone_into(&mut filters.user_type),
            |filters| &filters.user_type,
        )}
        {filter_links(
            "Filter by methods",
            METHODS,
            filters,
            |filters, value| value.clone_into(&mut filters.has_methods),
            |filters| &filters.has_methods,
        )}
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading users…"</p> }
        }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => {
                        let slug = slug();
                        let next = page
                            .next
                            .map(|next| {
                                let href = filters().href(Some(&next));
                                view! {
                                    <a class="button" href=href rel="next">
                                        "Next page"
                                    </a>
                                }
                            });
                        let first = after()
                            .map(|_| {
                                view! {
                                    <a class="button" href=filters().href(None)>
                                        "First page"
                                    </a>
                                }
                            });
                        let empty = page
                            .users
                            .is_empty()
                            .then(|| view! { <p class="muted">"No users match."</p> });
                        view! {
                            <table class="users">
                                <thead>
                                    <tr>
                                        <th scope="col">"User principal name"</th>
                                        <th scope="col">"Display name"</th>
                                        <th scope="col">"User type"</th>
                                        <th scope="col">"State"</th>
                                        <th scope="col">"Role"</th>
                                        <th scope="col">"Methods"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {page
                                        .users
                                        .into_iter()
                                        .map(|user| {
                                            let state = match (
                                                user.external_user_state,
                                                user.account_enabled,
                                            ) {
                                                (Some(state), true) => state.as_str().to_owned(),
                                                (Some(state), false) => {
                                                    format!("{}, disabled", state.as_str())
                                                }
                                                (None, true) => "—".to_owned(),
                                                (None, false) => "Disabled".to_owned(),
                                            };
                                            let href = format!(
                                                "/t/{slug}/admin/users/{}",
                                                encode_query_value(&user.id),
                                            );
                                            let upn = user.upn;
                                            let row_key = upn.clone();
                                            view! {
                                                <tr data-upn=row_key>
                                                    <td>
                                                        <a href=href>{upn}</a>
                                                    </td>
                                                    <td>{user.display_name}</td>
                                                    <td>{user.user_type.as_str()}</td>
                                                    <td class="state">{state}</td>
                                                    <td>{if user.is_admin { "Admin" } else { "" }}</td>
                                                    <td class="methods">{methods_cell(user.methods)}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                            {empty}
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
