//! `/t/{slug}/admin/tokens`: REST API bearer tokens — made here (shown once),
//! listed by name and last use, revoked. The form and the list are one
//! island: the token is shown once, from the answer in the browser, and the
//! list shows it at once. Revoking also works before the WASM has loaded
//! (a refusal comes back in the address); creating waits for it.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::api::{list_api_tokens, CreateApiToken, RevokeApiToken};
use super::TokenRow;
use crate::components::{hydrated, refusal_of, reload_after, Alert, ErrorPage, FieldError};

#[component]
pub fn TokensPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let tokens = Resource::new_blocking(slug, list_api_tokens);
    view! {
        <Title text="API tokens · Gatehouse admin" />
        <h1>"API tokens"</h1>
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading tokens…"</p> }
        }>
            {move || Suspend::new(async move {
                match tokens.await {
                    Ok(tokens) => view! { <Tokens slug=slug() tokens /> }.into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The *New token* form, the new token (once), and the tenant's tokens.
#[island]
fn Tokens(slug: String, tokens: Vec<TokenRow>) -> impl IntoView {
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let tokens = RwSignal::new(tokens);
    reload_after(
        move || create.version().get() + revoke.version().get(),
        tokens,
        {
            let slug = slug.clone();
            move || list_api_tokens(slug.clone())
        },
    );
    let hydrated = hydrated();
    let name_error = Signal::derive(move || {
        create
            .value()
            .get()
            .and_then(Result::err)
            .map(|error| error.for_field("name").unwrap_or_else(|| error.to_string()))
    });
    let revoke_error = refusal_of(revoke);
    let created = move || {
        create.value().get().and_then(Result::ok).map(|token| {
            view! {
                <div class="notice" role="status" id="new-token">
                    <p>"Copy the token now: it is not shown again."</p>
                    <p>
                        <code class="token">{token}</code>
                    </p>
                </div>
            }
        })
    };
    let form_slug = slug.clone();
    let row = move |token: TokenRow| {
        let (slug, key) = (slug.clone(), token.name.clone());
        let action = if token.revoked {
            view! { <span class="muted">"Revoked"</span> }.into_any()
        } else {
            view! {
                <ActionForm action=revoke attr:class="inline">
                    <input type="hidden" name="slug" value=slug />
                    <input type="hidden" name="id" value=token.id />
                    <button type="submit" class="link">
                        "Revoke"
                    </button>
                </ActionForm>
            }
            .into_any()
        };
        view! {
            <tr data-token=key>
                <td>{token.name}</td>
                <td>{token.created_by}</td>
                <td>{token.created}</td>
                <td>{token.last_used.unwrap_or_else(|| "never".into())}</td>
                <td>{action}</td>
            </tr>
        }
    };
    view! {
        <section class="card">
            <h2>"New token"</h2>
            <p class="muted">
                "Tokens call the REST API (/api/v1) for this tenant as its admin would."
            </p>
            <ActionForm action=create attr:class="form" attr:novalidate="">
                <input type="hidden" name="slug" value=form_slug />
                <label for="token-name">"What it is for"</label>
                <input id="token-name" name="name" required placeholder="HR provisioning" />
                <FieldError message=name_error />
                // Posted as a plain form, the token would be made and never seen.
                <button type="submit" disabled=move || !hydrated.get() || create.pending().get()>
                    "Create token"
                </button>
            </ActionForm>
            {created}
        </section>
        {move || {
            revoke_error
                .get()
                .map(|error| {
                    view! { <Alert message=error.to_string() /> }
                })
        }}
        <table class="tokens">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Created by"</th>
                    <th scope="col">"Created"</th>
                    <th scope="col">"Last used"</th>
                    <th scope="col">""</th>
                </tr>
            </thead>
            <tbody>{move || tokens.get().into_iter().map(row.clone()).collect_view()}</tbody>
        </table>
    }
}
