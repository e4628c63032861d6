//! `/signin`: a member signs in with their user name and password. The form
//! posts to the `sign_in` server function, so it works before (and without)
//! the WebAssembly: a refusal then comes back in the page's URL.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::api::SignIn;
use crate::components::{refusal_of, Alert, FieldError};
use crate::error::AppError;

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    // An application may say who is signing in (OpenID Connect `login_hint`).
    let login_hint = move || query.read().get("login_hint").unwrap_or_default();
    let signed_out = move || query.read().get("signed_out").is_some();
    // The refusal of the last try: of a form posted before the WASM loaded
    // (in the URL the server sent the browser back to), or of the action.
    let error = refusal_of(action);
    let field_error = move |name: &'static str| {
        Signal::derive(move || error.get().and_then(|e| e.for_field(name)))
    };
    let form_error = move || {
        error
            .get()
            .filter(|e| !matches!(e, AppError::Invalid { field, .. } if !field.is_empty()))
    };

    view! {
        <Title text="Sign in · Gatehouse" />
        <section class="card narrow">
            <h1>"Sign in"</h1>
            <Show when=signed_out>
                <p class="notice" id="signed-out">
                    "You have signed out."
                </p>
            </Show>
            <ActionForm action=action attr:class="form" attr:novalidate="">
                <input type="hidden" name="next" value=next />
                <label for="upn">"User name"</label>
                <input
                    id="upn"
                    name="upn"
                    type="email"
                    autocomplete="username"
                    value=login_hint
                    placeholder="someone@woodgrove.test"
                    required
                />
                <FieldError message=field_error("upn") />
                <label for="password">"Password"</label>
                <input
                    id="password"
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    required
                />
                <FieldError message=field_error("password") />
                {move || {
                    form_error()
                        .map(|e| {
                            view! { <Alert message=e.to_string() /> }
                        })
                }}
                <button type="submit" disabled=move || action.pending().get()>
                    "Sign in"
                </button>
            </ActionForm>
        </section>
    }
}
