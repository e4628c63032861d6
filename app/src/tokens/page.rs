//! `/t/{slug}/admin/tokens`: REST API bearer tokens — made here (shown once),
//! listed by name and last use, revoked. Revoking works before the WASM has
//! loaded (a refusal comes back in the address); creating waits for it.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::api::{list_api_tokens, CreateApiToken, RevokeApiToken};
use crate::components::{hydrated, refusal_of, ErrorPage, FieldError};

#[component]
pub fn TokensPage() -> impl IntoView {
    let params = use_params_map();
    let slug = Signal::derive(move || params.read().get("slug").unwrap_or_default());
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let tokens = Resource::new_blocking(
        move || (slug.get(), create.version().get() + revoke.version().get()),
        |(slug, _)| list_api_tokens(slug),
    );
    let hydrated = hydrated();
    let name_error = Signal::derive(move || {
        create
            .value()
            .get()
            .and_then(Result::err)
            .and_then(|e| e.for_field("name"))
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
    view! {
        <Title text="API tokens · Gatehouse admin" />
        <h1>"API tokens"</h1>
        <section class="card">
            <h2>"New token"</h2>
            <p class="muted">
                "Tokens call the REST API (/api/v1) for this tenant as its admin would."
            </p>
            <ActionForm action=create attr:class="form" attr:novalidate="">
                <input type="hidden" name="slug" prop:value=slug />
                <label for="token-name">"What it is for"</label>
                <input id="token-name" name="name" required placeholder="HR provisioning" />
                <FieldError message=name_error />
                // The token is shown once, from the answer: posted as a plain
                // form, it would be made and never seen.
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
                    view! {
                        <p class="alert" role="alert">
                            {error.to_string()}
                        </p>
                    }
                })
        }}
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading tokens…"</p> }
        }>
            {move || Suspend::new(async move {
                match tokens.await {
                    Ok(tokens) => {
                        view! {
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
                                <tbody>
                                    {tokens
                                        .into_iter()
                                        .map(|token| {
                                            let (id, row_key) = (token.id.clone(), token.name.clone());
                                            let action = if token.revoked {
                                                view! { <span class="muted">"Revoked"</span> }.into_any()
                                            } else {
                                                view! {
                                                    <ActionForm action=revoke attr:class="inline">
                                                        <input type="hidden" name="slug" prop:value=slug />
                                                        <input type="hidden" name="id" value=id />
                                                        <button type="submit" class="link">
                                                            "Revoke"
                                                        </button>
                                                    </ActionForm>
                                                }
                                                    .into_any()
                                            };
                                            view! {
                                                <tr data-token=row_key>
                                                    <td>{token.name}</td>
                                                    <td>{token.created_by}</td>
                                                    <td>{token.created}</td>
                                                    <td>{token.last_used.unwrap_or_else(|| "never".into())}</td>
                                                    <td>{action}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
