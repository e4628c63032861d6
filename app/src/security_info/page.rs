//! `/security-info?tenant=…`: the signed-in person's sign-in methods with
//! one of their tenants (picked from the tenants where they have a user
//! object), their recovery codes, and their own sessions.
//!
//! Renaming, removing and ending a session are forms that post to their
//! server functions, so they work before the WASM has loaded: the browser
//! comes back to this page, and a refusal comes back in the URL (leptos'
//! `__err`), which the page shows. New recovery codes are shown once, from
//! the answer itself, so that button is an island and waits for the WASM:
//! posted without it, the old codes would be replaced by a set nobody ever
//! saw.
//! A change that needs a fresh MFA sends the browser through
//! `/mfa/verify` and back here.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_location, use_query_map};

use super::api::{
    security_info, EndOtherSession, NewRecoveryCodes, RemoveMfaMethod, RenameMfaMethod,
};
use super::{MethodRow, SecurityInfoView, SessionRow, TenantSecurity};
use crate::components::{current_path, encode_query_value, hydrated, posted_refusal, ErrorPage};
use crate::domain::UserType;
use crate::error::AppError;
use crate::mfa::recovery_codes::RecoveryCodes;

/// The page's server actions, shared by its parts.
#[derive(Clone, Copy)]
struct Actions {
    rename: ServerAction<RenameMfaMethod>,
    remove: ServerAction<RemoveMfaMethod>,
    end_session: ServerAction<EndOtherSession>,
}

#[component]
pub fn SecurityInfoPage() -> impl IntoView {
    let query = use_query_map();
    let tenant = move || query.read().get("tenant");
    let actions = Actions {
        rename: ServerAction::new(),
        remove: ServerAction::new(),
        end_session: ServerAction::new(),
    };
    let info = Resource::new_blocking(tenant, security_info);
    // The refusal of the form posted last (plain forms: in the address).
    let refusal = RwSignal::new(posted_refusal());
    let location = use_location();

    view! {
        <Title text="Security info · Gatehouse" />
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match info.await {
                    Ok(info) => view! { <SecurityInfo info actions refusal /> }.into_any(),
                    Err(AppError::Unauthenticated) => {
                        let here = current_path(location.pathname, location.search);
                        let path = format!("/signin?next={}", encode_query_value(&here));
                        view! { <Redirect path /> }.into_any()
                    }
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// This page for `slug`, as a local path (where MFA and setup come back to).
fn page_path(slug: &str) -> String {
    format!("/security-info?tenant={}", encode_query_value(slug))
}

#[component]
fn SecurityInfo(
    info: SecurityInfoView,
    actions: Actions,
    refusal: RwSignal<Option<AppError>>,
) -> impl IntoView {
    let SecurityInfoView {
        tenants,
        tenant,
        sessions,
    } = info;
    let current = tenant.as_ref().map(|tenant| tenant.slug.clone());
    let picker = (tenants.len() > 1).then(|| {
        view! {
            <nav class="tenant-picker" aria-label="Organisations">
                <ul>
                    {tenants
                        .into_iter()
                        .map(|choice| {
                            let href = page_path(&choice.slug);
                            let here = (current.as_deref() == Some(choice.slug.as_str()))
                                .then_some("page");
                            let kind = match choice.user_type {
                                UserType::Member => "member",
                                UserType::Guest => "guest",
                            };
                            view! {
                                <li>
                                    <a href=href aria-current=here>
                                        {choice.name}
                                    </a>
                                    " ("
                                    {kind}
                                    ")"
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </nav>
        }
    });
    let methods = match tenant {
        Some(tenant) => view! { <TenantMethods tenant actions refusal /> }.into_any(),
        None => {
            view! {
                <section class="card">
                    <p>
                        "You have no organisation yet: once you accept an invitation, its sign-in methods are managed here."
                    </p>
                </section>
            }
                .into_any()
        }
    };
    view! {
        <h1>"Security info"</h1>
        <p class="muted">
            "The methods you use to prove who you are, with each organisation you belong to."
        </p>
        {picker}
        {methods}
        <Sessions sessions end_session=actions.end_session />
    }
}

/// The methods and recovery codes of the person's user object in one tenant.
#[component]
fn TenantMethods(
    tenant: TenantSecurity,
    actions: Actions,
    refusal: RwSignal<Option<AppError>>,
) -> impl IntoView {
    let slug = tenant.slug.clone();
    let here = page_path(&slug);
    let verify = crate::mfa::verify_path(&slug, &here);
    let verify_again = verify.clone();
    let add = crate::mfa::setup_path(&slug, &here);
    let needs_mfa = move || matches!(refusal.get(), Some(AppError::MfaRequired));
    let message = move || {
        refusal
            .get()
            .filter(|error| *error != AppError::MfaRequired)
            .map(|error| {
                view! {
                    <p class="field-error" role="alert" id="security-info-error">
                        {error.to_string()}
                    </p>
                }
            })
    };
    let required = tenant.mfa_required.then(|| {
        view! {
            <p class="muted" id="mfa-required-note">
                {tenant.name.clone()}
                " requires MFA for you: keep at least one method."
            </p>
        }
    });
    let no_methods = tenant.methods.is_empty().then(|| {
        view! {
            <tr>
                <td colspan="5" class="muted">
                    "No sign-in method yet."
                </td>
            </tr>
        }
    });
    let rows = tenant
        .methods
        .into_iter()
        .map(|method| view! { <MethodLine method slug=slug.clone() actions /> })
        .collect_view();
    let codes_left = tenant.recovery_codes_left;

    view! {
        {move || needs_mfa().then(|| view! { <Redirect path=verify.clone() /> })}
        <section class="card">
            <h2>"Sign-in methods with " {tenant.name.clone()}</h2>
            <p class="muted">
                "You are " <strong id="security-info-upn">{tenant.upn.clone()}</strong> " there."
            </p>
            {message}
            <table class="methods">
                <thead>
                    <tr>
                        <th scope="col">"Method"</th>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Added"</th>
                        <th scope="col">"Last used"</th>
                        <th scope="col">""</th>
                    </tr>
                </thead>
                <tbody>{rows} {no_methods}</tbody>
            </table>
            {required}
            <p>
                <a class="button" id="add-method" href=add>
                    "Add a method"
                </a>
            </p>
        </section>
        <section class="card">
            <h2>"Recovery codes"</h2>
            <p id="recovery-codes-left">
                {codes_left} " unused recovery " {if codes_left == 1 { "code" } else { "codes" }}
            </p>
            <NewCodes tenant=tenant.slug verify=verify_again />
        </section>
    }
}

/// The button for a new set of recovery codes, and the set, shown once. An
/// island: the codes come from the answer in the browser. A refusal for a
/// stale MFA goes through the challenge (`verify`) and back.
#[island]
fn NewCodes(tenant: String, verify: String) -> impl IntoView {
    let regenerate = ServerAction::<NewRecoveryCodes>::new();
    let hydrated = hydrated();
    Effect::new(move || {
        if let Some(Err(AppError::MfaRequired)) = regenerate.value().get() {
            crate::components::go_to(&verify);
        }
    });
    let outcome = move || match regenerate.value().get() {
        Some(Ok(codes)) => Some(
            view! {
                <div class="notice" role="status" id="new-recovery-codes">
                    <p>"Your new recovery codes replace the old ones, which no longer work."</p>
                </div>
                <RecoveryCodes codes />
            }
            .into_any(),
        ),
        Some(Err(error)) if error != AppError::MfaRequired => Some(
            view! {
                <p class="field-error" role="alert" id="security-info-error">
                    {error.to_string()}
                </p>
            }
            .into_any(),
        ),
        _ => None,
    };
    view! {
        <ActionForm action=regenerate attr:class="inline">
            <input type="hidden" name="tenant" value=tenant />
            <button type="submit" disabled=move || !hydrated.get() || regenerate.pending().get()>
                "New recovery codes"
            </button>
        </ActionForm>
        {outcome}
    }
}

/// One method: what it is, and the forms that rename and remove it.
#[component]
fn MethodLine(method: MethodRow, slug: String, actions: Actions) -> impl IntoView {
    let MethodRow {
        id,
        kind,
        name,
        added,
        last_used,
    } = method;
    let input_id = format!("rename-{id}");
    let (rename_slug, rename_id, row_key) = (slug.clone(), id.clone(), name.clone());
    view! {
        <tr data-method=row_key>
            <td>{kind.label()}</td>
            <td class="method-name">{name.clone()}</td>
            <td>{added}</td>
            <td>{last_used.unwrap_or_else(|| "never".into())}</td>
            <td class="method-actions">
                <details>
                    <summary>"Rename"</summary>
                    <ActionForm action=actions.rename attr:class="inline" attr:novalidate="">
                        <input type="hidden" name="tenant" value=rename_slug />
                        <input type="hidden" name="method_id" value=rename_id />
                        <label for=input_id.clone()>"New name"</label>
                        <input id=input_id name="name" value=name required />
                        <button type="submit">"Save"</button>
                    </ActionForm>
                </details>
                <ActionForm action=actions.remove attr:class="inline">
                    <input type="hidden" name="tenant" value=slug />
                    <input type="hidden" name="method_id" value=id />
                    <button type="submit" class="link danger">
                        "Remove"
                    </button>
                </ActionForm>
            </td>
        </tr>
    }
}

/// The person's own sessions; "Sign out" ends another one.
#[component]
fn Sessions(
    sessions: Vec<SessionRow>,
    end_session: ServerAction<EndOtherSession>,
) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Your sessions"</h2>
            <p class="muted">"Where you are signed in. Sign out of a browser you no longer use."</p>
            <table class="sessions">
                <thead>
                    <tr>
                        <th scope="col">"Signed in"</th>
                        <th scope="col">"Expires"</th>
                        <th scope="col">""</th>
                    </tr>
                </thead>
                <tbody>
                    {sessions
                        .into_iter()
                        .map(|session| {
                            let action = if session.current {
                                view! { <strong>"This session"</strong> }.into_any()
                            } else {
                                view! {
                                    <ActionForm action=end_session attr:class="inline">
                                        <input type="hidden" name="session" value=session.handle />
                                        <button type="submit" class="link">
                                            "Sign out"
                                        </button>
                                    </ActionForm>
                                }
                                    .into_any()
                            };
                            view! {
                                <tr class:current=session.current>
                                    <td>{session.signed_in}</td>
                                    <td>{session.expires}</td>
                                    <td>{action}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}
