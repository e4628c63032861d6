//! Small pieces shared by every page.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::error::AppError;

/// The message under a form field, when there is one.
#[component]
pub fn FieldError(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    move || {
        message.get().map(|message| {
            view! {
                <p class="field-error" role="alert">
                    {message}
                </p>
            }
        })
    }
}

/// A refusal about the whole form rather than one of its fields: read out
/// at once (`role="alert"`). `id` names it for a page that has several.
#[component]
pub fn Alert(
    #[prop(into)] message: String,
    #[prop(optional)] id: Option<&'static str>,
) -> impl IntoView {
    view! {
        <p class="alert" role="alert" id=id>
            {message}
        </p>
    }
}

/// Sets the HTTP status of the page being rendered on the server — unless
/// the page is already being sent elsewhere. A page's parts load side by
/// side: the admin frame may render its sign-in redirect (a 302) before the
/// page's own list fails for the same reason (a 401), and that later status
/// must not turn the redirect into a page the browser stays on.
pub fn set_status(status: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(response), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(status),
    ) {
        let mut parts = response
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !parts.status.is_some_and(|status| status.is_redirection()) {
            parts.status = Some(status);
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = status;
}

/// A whole-page error: access denied, not found, or a failure. A page
/// that needs a sign-in or an MFA the caller has not passed sends the
/// browser there and back instead ([`detour`]).
#[component]
pub fn ErrorPage(error: AppError) -> impl IntoView {
    if let Some(path) = detour(&error) {
        return view! { <leptos_router::components::Redirect path /> }.into_any();
    }
    set_status(error.status());
    let title = match &error {
        AppError::Forbidden => "Access denied",
        AppError::NotFound(_) | AppError::UserNotFound => "Not found",
        AppError::InvitationNotValid => "Invitation not valid",
        AppError::Unauthenticated => "Sign in required",
        AppError::MfaRequired => "Verification required",
        _ => "Something went wrong",
    };
    view! {
        <Title text=format!("{title} · Gatehouse") />
        <section class="card narrow error-page" data-status=error.status()>
            <h1>{title}</h1>
            <p>{error.to_string()}</p>
            <p>
                <a href="/">"Go to the start page"</a>
            </p>
        </section>
    }
    .into_any()
}

/// Where to send someone refused with `error`, to come back to this page:
/// to sign in, or through the MFA challenge of the tenant in the page's
/// path (an admin page's `slug`; else their home tenant's, for security
/// defaults). `None`: the refusal is to be shown.
pub fn detour(error: &AppError) -> Option<String> {
    let location = leptos_router::hooks::use_location();
    let here = current_path(location.pathname, location.search);
    match error {
        AppError::Unauthenticated => Some(format!("/signin?next={}", encode_query_value(&here))),
        AppError::MfaRequired => {
            let slug = leptos_router::hooks::use_params_map()
                .read_untracked()
                .get("slug")
                .unwrap_or_default();
            Some(crate::mfa::verify_path(&slug, &here))
        }
        _ => None,
    }
}

/// The router's fallback: a 404 page. (The router runs on the server only:
/// links and redirects are full page loads, so a path that is the server's
/// but not a page of the app — the OpenID Connect endpoints, `/demo/foo` —
/// never reaches it.)
#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! { <ErrorPage error=AppError::NotFound("This page".into()) /> }
}

/// The path and query of the page being shown, to come back to after a
/// detour (sign-in, MFA). The router's `search` has no leading `?`.
pub fn current_path(pathname: Memo<String>, search: Memo<String>) -> String {
    let (path, search) = (pathname.get_untracked(), search.get_untracked());
    if search.is_empty() {
        path
    } else {
        format!("{path}?{search}")
    }
}

/// Percent-encodes `value` for a URL query: everything but RFC 3986's
/// unreserved characters is escaped.
pub fn encode_query_value(value: &str) -> String {
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    const QUERY_VALUE: &percent_encoding::AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    utf8_percent_encode(value, QUERY_VALUE).to_string()
}

/// A full page load of `path`, from an island (it has no router around it);
/// nothing on the server.
pub fn go_to(path: &str) {
    #[cfg(feature = "hydrate")]
    if let Err(error) = window().location().assign(path) {
        leptos::logging::error!("loading {path}: {error:?}");
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

/// True once the WASM has taken over the island this is called in (never
/// on the server): for a button that needs the browser (a passkey) or whose
/// answer is shown only once (a new secret or token), which must not be
/// posted as a plain form, where nobody would ever see it.
pub fn hydrated() -> Signal<bool> {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    hydrated.into()
}

/// Keeps `rows`, which the server rendered into an island, up to date after
/// the island's own actions: each time `changed` (their versions) moves on,
/// `load` asks the server for the rows as they now are.
pub fn reload_after<T, F>(
    changed: impl Fn() -> usize + 'static,
    rows: RwSignal<T>,
    load: impl Fn() -> F + 'static,
) where
    T: Send + Sync + 'static,
    F: std::future::Future<Output = Result<T, AppError>> + 'static,
{
    Effect::new(move |seen: Option<usize>| {
        let now = changed();
        if seen.is_some_and(|seen| seen != now) {
            let load = load();
            leptos::task::spawn_local(async move {
                if let Ok(now) = load.await {
                    rows.set(now);
                }
            });
        }
        now
    });
}

/// The refusal of a form on this page posted before the WASM had loaded:
/// the server function sent the browser back here with it in the address
/// (`__path`, `__err`). The server shows a page with such an address only
/// to the browser that posted the form (the `form_outcome` layer of the
/// server crate), so a link cannot put words of its own on a page.
pub fn posted_refusal() -> Option<AppError> {
    posted(None)
}

/// The refusal to show beside `action`'s form: of its last answer, or of the
/// same form posted before the WASM had loaded.
pub fn refusal_of<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let posted = posted(Some(S::PATH));
    Signal::derive(move || match action.value().get() {
        Some(result) => result.err(),
        None => posted.clone(),
    })
}

/// Whether `action`'s form succeeded: its last answer, or the same form
/// posted before the WASM had loaded, which the server sent back here
/// marked done (`__done`, vouched for like a refusal).
pub fn done_of<S>(action: ServerAction<S>) -> Signal<bool>
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let posted = {
        let query = page_query();
        query.get_str("__done") == Some(S::PATH) && query.get_str("__err").is_none()
    };
    Signal::derive(move || match action.value().get() {
        Some(result) => result.is_ok(),
        None => posted,
    })
}

/// [`posted_refusal`], of the server function at `path` only if given.
fn posted(path: Option<&str>) -> Option<AppError> {
    let query = page_query();
    if path.is_some_and(|path| query.get_str("__path") != Some(path)) {
        return None;
    }
    query
        .get_str("__err")
        .map(leptos::server_fn::error::ServerFnUrlError::<AppError>::decode_err)
}

/// The query of the page's address. On the server, the router's; in the
/// browser, the address bar's: an island has no router around it, and
/// reads the same address the server rendered it for.
fn page_query() -> leptos_router::params::ParamsMap {
    #[cfg(feature = "hydrate")]
    {
        use leptos_router::location::{BrowserUrl, LocationProvider};
        BrowserUrl::current()
            .map(|url| url.search_params().clone())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    leptos_router::hooks::use_query_map().get_untracked()
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use http::header::{ACCEPT, LOCATION};
    use http::StatusCode;
    use leptos::prelude::*;
    use leptos_axum::ResponseOptions;

    /// The status a browser's page load ends with after `render` ran, and
    /// whether it names a place to go (`Location`).
    fn rendered(render: impl FnOnce()) -> (Option<StatusCode>, bool) {
        let owner = Owner::new();
        owner.with(|| {
            let (parts, ()) = http::Request::builder()
                .header(ACCEPT, "text/html,application/xhtml+xml")
                .body(())
                .expect("request")
                .into_parts();
            provide_context(parts);
            let response = ResponseOptions::default();
            provide_context(response.clone());
            render();
            let parts = response.0.read().expect("response parts");
            (parts.status, parts.headers.contains_key(LOCATION))
        })
    }

    #[test]
    fn a_refusal_found_after_the_redirect_to_sign_in_keeps_the_redirect() {
        // The admin frame redirects to sign in, then the page's own list
        // fails for the same reason: the browser must still be sent on.
        let after = rendered(|| {
            leptos_axum::redirect("/signin?next=%2Ft%2Fwoodgrove%2Fadmin%2Fusers");
            super::set_status(401);
        });
        assert_eq!(after, (Some(StatusCode::FOUND), true));
        // The other order, as before.
        let before = rendered(|| {
            super::set_status(401);
            leptos_axum::redirect("/signin?next=%2F");
        });
        assert_eq!(before, (Some(StatusCode::FOUND), true));
    }

    #[test]
    fn without_a_redirect_the_last_refusal_sets_the_status() {
        let shown = rendered(|| {
            super::set_status(401);
            super::set_status(404);
        });
        assert_eq!(shown, (Some(StatusCode::NOT_FOUND), false));
    }
}
