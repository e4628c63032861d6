//! The Applications pages: the list with the *New application* form
//! (`/t/{slug}/admin/applications`) and one application's page
//! (`/t/{slug}/admin/applications/{id}`).
//!
//! A confidential client's secret is shown once, from the answer of the
//! action that made it; nothing can show it again, so a reload does not.
//! Those two buttons (register, new secret) wait for the WASM: posted
//! without it, the secret would be made and never seen. The forms that
//! change an application post to their server functions and work before
//! the WASM has loaded: a refusal comes back in the URL (`__err`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::api::{
    application_details, list_applications, AssignApplicationUser, CreateApplication,
    DeleteApplication, NewClientSecret, SaveApplication, UnassignApplicationUser,
};
use super::{ApplicationRow, ApplicationView, ClientCredentials};
use crate::components::{
    done_of, hydrated, posted_refusal, refusal_of, reload_after, Alert, ErrorPage, FieldError,
};
use crate::domain::{ClientType, UserType, MAX_REDIRECT_URIS};
use crate::error::AppError;

/// A refusal not shown beside one of `fields`, as an alert.
fn other_error(
    refusal: Signal<Option<AppError>>,
    fields: &'static [&'static str],
) -> impl Fn() -> Option<AnyView> {
    move || {
        refusal
            .get()
            .filter(|error| fields.iter().all(|field| error.for_field(field).is_none()))
            .map(|error| view! { <Alert message=error.to_string() /> }.into_any())
    }
}

/// The client id and — for a confidential client — the secret, just made.
#[component]
fn Credentials(credentials: ClientCredentials, #[prop(into)] id: String) -> impl IntoView {
    let secret = credentials.client_secret.map(|secret| {
        view! {
            <p>"Client secret:"</p>
            <p>
                <code class="client-secret">{secret}</code>
            </p>
            <p>
                <strong>"Copy the secret now: it will not be shown again."</strong>
                " Gatehouse keeps only a hash of it."
            </p>
        }
    });
    view! {
        <div class="notice" role="status" id=id>
            <p>"Client id: " <code class="client-id">{credentials.client_id}</code></p>
            {secret}
        </div>
    }
}

#[component]
pub fn ApplicationsPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let applications = Resource::new_blocking(slug, list_applications);
    view! {
        <Title text="Applications · Gatehouse admin" />
        <h1>"Applications"</h1>
        <p class="muted">
            "The applications that sign people in through this tenant's OpenID Connect provider."
        </p>
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading applications…"</p> }
        }>
            {move || Suspend::new(async move {
                match applications.await {
                    Ok(rows) => view! { <Applications slug=slug() rows /> }.into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The *New application* form, the new client's credentials (once), and the
/// tenant's applications. An island: the secret comes from the answer in the
/// browser — posted as a plain form it would be made and never seen, so the
/// button waits — and the list shows the new application at once.
#[island]
fn Applications(slug: String, rows: Vec<ApplicationRow>) -> impl IntoView {
    let create = ServerAction::<CreateApplication>::new();
    let rows = RwSignal::new(rows);
    reload_after(move || create.version().get(), rows, {
        let slug = slug.clone();
        move || list_applications(slug.clone())
    });
    let refusal = Signal::derive(move || create.value().get().and_then(Result::err));
    let error_for = move |field: &'static str| {
        Signal::derive(move || refusal.get().and_then(|error| error.for_field(field)))
    };
    let hydrated = hydrated();
    let list = format!("/t/{slug}/admin/applications");
    let created = {
        let list = list.clone();
        move || {
            create
                .value()
                .get()
                .and_then(Result::ok)
                .map(|credentials| {
                    let href = format!("{list}/{}", credentials.id);
                    let name = credentials.name.clone();
                    view! {
                        <p>"Registered " <a href=href>{name}</a> "."</p>
                        <Credentials credentials id="new-application" />
                    }
                })
        }
    };
    let table = move || {
        let rows = rows.get();
        if rows.is_empty() {
            return view! { <p class="muted">"No application yet."</p> }.into_any();
        }
        let list = list.clone();
        view! {
            <table class="applications">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Client id"</th>
                        <th scope="col">"Type"</th>
                        <th scope="col">"Redirect URIs"</th>
                        <th scope="col">"Assignment required"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|row| {
                            let (href, key) = (format!("{list}/{}", row.id), row.name.clone());
                            view! {
                                <tr data-application=key>
                                    <td>
                                        <a href=href>{row.name}</a>
                                    </td>
                                    <td>
                                        <code>{row.client_id}</code>
                                    </td>
                                    <td>{row.client_type.label()}</td>
                                    <td>{row.redirect_uri_count}</td>
                                    <td>{if row.assignment_required { "Yes" } else { "No" }}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <section class="card">
            <h2>"New application"</h2>
            <ActionForm action=create attr:class="form" attr:novalidate="">
                <input type="hidden" name="slug" value=slug />
                <label for="app-name">"Name"</label>
                <input id="app-name" name="name" required placeholder="Foo" />
                <FieldError message=error_for("name") />
                <label for="app-redirect-uris">
                    {format!("Redirect URIs (one a line, at most {MAX_REDIRECT_URIS})")}
                </label>
                <textarea
                    id="app-redirect-uris"
                    name="redirect_uris"
                    rows="3"
                    placeholder="https://foo.example.com/callback"
                ></textarea>
                <FieldError message=error_for("redirect_uris") />
                <label class="checkbox">
                    <input type="checkbox" id="app-public" name="public_client" value="on" />
                    " Public client (a single-page or native app: PKCE, no secret)"
                </label>
                <label class="checkbox">
                    <input
                        type="checkbox"
                        id="app-assignment-required"
                        name="assignment_required"
                        value="on"
                    />
                    " Only assigned users may sign in"
                </label>
                {other_error(refusal, &["name", "redirect_uris"])}
                <button type="submit" disabled=move || !hydrated.get() || create.pending().get()>
                    "Register application"
                </button>
            </ActionForm>
            {created}
        </section>
        {table}
    }
}

/// The application page's server actions, shared by its parts.
#[derive(Clone, Copy)]
struct Actions {
    save: ServerAction<SaveApplication>,
    delete: ServerAction<DeleteApplication>,
    assign: ServerAction<AssignApplicationUser>,
    unassign: ServerAction<UnassignApplicationUser>,
}

#[component]
pub fn ApplicationPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let id = move || params.read().get("id").unwrap_or_default();
    let actions = Actions {
        save: ServerAction::new(),
        delete: ServerAction::new(),
        assign: ServerAction::new(),
        unassign: ServerAction::new(),
    };
    let application = Resource::new_blocking(
        move || (slug(), id()),
        |(slug, id)| application_details(slug, id),
    );
    // Made here, not inside the Suspense: see `AdminLayout`.
    let requires_mfa = Resource::new_blocking(
        move || (slug(), id()),
        |(slug, id)| crate::policies::api::application_requires_mfa(slug, id),
    );
    // The refusal of the form posted last (plain forms: in the address).
    let refusal = RwSignal::new(posted_refusal());
    view! {
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match application.await {
                    Ok(application) => {
                        let requires_mfa = requires_mfa.await.unwrap_or(false);
                        view! {
                            <Application
                                slug=slug()
                                application
                                requires_mfa
                                actions
                                refusal=refusal.into()
                            />
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Application(
    slug: String,
    application: ApplicationView,
    requires_mfa: bool,
    actions: Actions,
    refusal: Signal<Option<AppError>>,
) -> impl IntoView {
    let ApplicationView {
        id,
        name,
        client_id,
        client_type,
        redirect_uris,
        assignment_required,
        created,
        assigned,
    } = application;
    let list = format!("/t/{slug}/admin/applications");
    let saved = done_of(actions.save);
    view! {
        <Title text=format!("{name} · Applications · Gatehouse admin") />
        <p>
            <a href=list>"← All applications"</a>
        </p>
        <h1 id="application-name">{name.clone()}</h1>
        {other_error(refusal, &["name", "redirect_uris", "user", "confirm"])}
        <dl class="facts">
            <dt>"Client id"</dt>
            <dd>
                <code id="client-id">{client_id}</code>
            </dd>
            <dt>"Type"</dt>
            <dd id="client-type">
                {match client_type {
                    ClientType::Confidential => "Confidential (client secret)",
                    ClientType::Public => "Public (PKCE, no secret)",
                }}
            </dd>
            <dt>"Registered"</dt>
            <dd>{created}</dd>
        </dl>
        <section class="card">
            <h2>"Settings"</h2>
            <SettingsForm
                slug=slug.clone()
                id=id.clone()
                name=name.clone()
                redirect_uris
                assignment_required
                save=actions.save
                refusal
                saved
            />
        </section>
        <RequireMfa slug=slug.clone() id=id.clone() on=requires_mfa />
        <Assignments slug=slug.clone() id=id.clone() assigned actions refusal />
        {(client_type == ClientType::Confidential)
            .then(|| {
                view! { <ClientSecret slug=slug.clone() id=id.clone() /> }
            })}
        <DeleteForm slug id name delete=actions.delete refusal />
    }
}

/// Name, redirect URIs and the assignment rule, saved together.
#[component]
fn SettingsForm(
    slug: String,
    id: String,
    name: String,
    redirect_uris: Vec<String>,
    assignment_required: bool,
    save: ServerAction<SaveApplication>,
    refusal: Signal<Option<AppError>>,
    saved: Signal<bool>,
) -> impl IntoView {
    let error_for = move |field: &'static str| {
        Signal::derive(move || refusal.get().and_then(|error| error.for_field(field)))
    };
    let lines = redirect_uris.join("\n");
    let rows = (redirect_uris.len() + 1).clamp(3, MAX_REDIRECT_URIS + 1);
    view! {
        <ActionForm action=save attr:class="form application-settings" attr:novalidate="">
            <input type="hidden" name="slug" value=slug />
            <input type="hidden" name="id" value=id />
            <label for="app-name">"Name"</label>
            <input id="app-name" name="name" value=name required />
            <FieldError message=error_for("name") />
            <label for="app-redirect-uris">
                {format!(
                    "Redirect URIs (one a line, at most {MAX_REDIRECT_URIS}; matched exactly)",
                )}
            </label>
            <textarea id="app-redirect-uris" name="redirect_uris" rows=rows>
                {lines}
            </textarea>
            <FieldError message=error_for("redirect_uris") />
            <label class="checkbox">
                <input
                    type="checkbox"
                    id="app-assignment-required"
                    name="assignment_required"
                    value="on"
                    checked=assignment_required
                />
                " Only assigned users may sign in"
            </label>
            <button type="submit" disabled=move || save.pending().get()>
                "Save"
            </button>
            <Show when=move || saved.get()>
                <p class="notice" role="status" id="application-saved">
                    "Saved."
                </p>
            </Show>
        </ActionForm>
    }
}

/// The users assigned to the application; add one by UPN, remove one.
#[component]
fn Assignments(
    slug: String,
    id: String,
    assigned: Vec<super::AssignedRow>,
    actions: Actions,
    refusal: Signal<Option<AppError>>,
) -> impl IntoView {
    let user_error =
        Signal::derive(move || refusal.get().and_then(|error| error.for_field("user")));
    let none = assigned.is_empty().then(|| {
        view! {
            <tr>
                <td colspan="5" class="muted">
                    "Nobody is assigned."
                </td>
            </tr>
        }
    });
    let rows = assigned
        .into_iter()
        .map(|user| {
            let kind = match user.user_type {
                UserType::Member => "Member",
                UserType::Guest => "Guest",
            };
            let (upn, slug, id) = (user.upn.clone(), slug.clone(), id.clone());
            view! {
                <tr data-upn=upn>
                    <td>{user.upn}</td>
                    <td>{user.display_name}</td>
                    <td>{kind}</td>
                    <td class="date">{user.assigned}</td>
                    <td>
                        <ActionForm action=actions.unassign attr:class="inline">
                            <input type="hidden" name="slug" value=slug />
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="user_id" value=user.user_id />
                            <button type="submit" class="link">
                                "Remove"
                            </button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card">
            <h2>"Assigned users"</h2>
            <p class="muted">"When only assigned users may sign in, these are the ones who can."</p>
            <table class="assignments">
                <thead>
                    <tr>
                        <th scope="col">"User principal name"</th>
                        <th scope="col">"Display name"</th>
                        <th scope="col">"User type"</th>
                        <th scope="col">"Assigned"</th>
                        <th scope="col">""</th>
                    </tr>
                </thead>
                <tbody>{rows} {none}</tbody>
            </table>
            <ActionForm action=actions.assign attr:class="form" attr:novalidate="">
                <input type="hidden" name="slug" value=slug />
                <input type="hidden" name="id" value=id />
                <label for="assign-user">"User principal name"</label>
                <input id="assign-user" name="user" required placeholder="megan@woodgrove.test" />
                <FieldError message=user_error />
                <button type="submit" disabled=move || actions.assign.pending().get()>
                    "Assign"
                </button>
            </ActionForm>
        </section>
    }
}

/// A new secret for a confidential client, shown once. An island, like
/// [`NewApplication`].
#[island]
fn ClientSecret(slug: String, id: String) -> impl IntoView {
    let new_secret = ServerAction::<NewClientSecret>::new();
    let hydrated = hydrated();
    let shown = move || match new_secret.value().get() {
        Some(Ok(credentials)) => {
            Some(view! { <Credentials credentials id="new-client-secret" /> }.into_any())
        }
        Some(Err(error)) => Some(view! { <Alert message=error.to_string() /> }.into_any()),
        None => None,
    };
    view! {
        <section class="card">
            <h2>"Client secret"</h2>
            <p class="muted">
                "A new secret replaces the current one, which stops working at once."
            </p>
            <ActionForm action=new_secret attr:class="inline">
                <input type="hidden" name="slug" value=slug />
                <input type="hidden" name="id" value=id />
                <button
                    type="submit"
                    disabled=move || !hydrated.get() || new_secret.pending().get()
                >
                    "New client secret"
                </button>
            </ActionForm>
            {shown}
        </section>
    }
}

/// The *Require MFA* switch: a shortcut that writes (or turns off) a
/// conditional-access policy for everyone signing in to this application
/// (DESIGN §2 Policy). MFA policies need premium; a free tenant is told so.
#[component]
fn RequireMfa(slug: String, id: String, on: bool) -> impl IntoView {
    use crate::policies::api::SetApplicationRequiresMfa;

    let set = ServerAction::<SetApplicationRequiresMfa>::new();
    let refusal = refusal_of(set);
    let refused = move || {
        refusal.get().map(|error| {
            view! { <Alert message=error.to_string() /> }
        })
    };
    let (state, label) = if on {
        (
            "Everyone signing in to this application passes MFA with this tenant.",
            "Stop requiring MFA",
        )
    } else {
        (
            "MFA is not required by this switch (other policies may still ask for it).",
            "Require MFA",
        )
    };
    view! {
        <section class="card">
            <h2>"Require MFA"</h2>
            <p id="require-mfa-state">{state}</p>
            <ActionForm action=set attr:class="inline">
                <input type="hidden" name="slug" value=slug />
                <input type="hidden" name="application_id" value=id />
                <input type="hidden" name="on" value=(!on).to_string() />
                <button type="submit" id="require-mfa">
                    {label}
                </button>
            </ActionForm>
            {refused}
        </section>
    }
}

/// Deletes the application, once the admin ticks the box.
#[component]
fn DeleteForm(
    slug: String,
    id: String,
    name: String,
    delete: ServerAction<DeleteApplication>,
    refusal: Signal<Option<AppError>>,
) -> impl IntoView {
    let confirm_error =
        Signal::derive(move || refusal.get().and_then(|error| error.for_field("confirm")));
    view! {
        <section class="card">
            <h2>"Delete"</h2>
            <ActionForm action=delete attr:class="form" attr:novalidate="">
                <input type="hidden" name="slug" value=slug />
                <input type="hidden" name="id" value=id />
                <label class="checkbox">
                    <input type="checkbox" id="confirm-delete" name="confirm" value="on" />
                    {format!(
                        " Yes, delete {name}: nobody can sign in to it any more, and its assignments go too",
                    )}
                </label>
                <FieldError message=confirm_error />
                <button type="submit" class="danger" disabled=move || delete.pending().get()>
                    "Delete application"
                </button>
            </ActionForm>
        </section>
    }
}
