//! `/t/{slug}/admin/policies`: the tenant's conditional-access policies —
//! a table, and one form that creates a policy or (with `?edit=<id>`) edits
//! one. The forms post to server functions, so they work before the
//! WebAssembly loads; a refusal comes back in the URL (`__err`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::api::{policies_overview, DeletePolicy, SavePolicy};
use super::{ApplicationChoice, IncludeUsers, PoliciesView, PolicyState, PolicyView};
use crate::components::{done_of, posted_refusal, ErrorPage, FieldError};
use crate::error::AppError;

/// The fields the service names in its errors, shown beside their inputs.
const FIELDS: &[&str] = &[
    "displayName",
    "state",
    "includeUsers",
    "excludeUsers",
    "includeApplications",
    "grantControls",
    "signInFrequency",
];

#[component]
pub fn PoliciesPage() -> impl IntoView {
    let params = use_params_map();
    let slug = Signal::derive(move || params.read().get("slug").unwrap_or_default());
    let query = use_query_map();
    let editing = Signal::derive(move || query.read().get("edit").filter(|id| !id.is_empty()));
    let save = ServerAction::<SavePolicy>::new();
    let delete = ServerAction::<DeletePolicy>::new();
    let overview = Resource::new_blocking(move || slug.get(), policies_overview);
    // The refusal of the form posted last (plain forms: in the address).
    let posted = posted_refusal();
    let refusal = Signal::derive(move || posted.clone());
    let saved = done_of(save);
    view! {
        <Title text="Policies · Gatehouse admin" />
        <h1>"Policies"</h1>
        <p class="muted">
            "Conditional access: who must pass this tenant's MFA, for which applications. "
            "Report-only policies are written to the audit log and let people through."
        </p>
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading policies…"</p> }
        }>
            {move || {
                let editing = editing.get();
                Suspend::new(async move {
                    match overview.await {
                        Ok(overview) => {
                            let current = editing
                                .and_then(|id| {
                                    overview.policies.iter().find(|policy| policy.id == id).cloned()
                                });
                            view! {
                                {premium_notice(&overview)}
                                <PolicyTable slug policies=overview.policies.clone() delete />
                                <PolicyForm
                                    slug
                                    policy=current
                                    applications=overview.applications.clone()
                                    save
                                    refusal
                                    saved
                                />
                            }
                                .into_any()
                        }
                        Err(error) => view! { <ErrorPage error /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// On a free tenant: MFA policies need premium.
fn premium_notice(overview: &PoliciesView) -> impl IntoView {
    (!overview.premium)
        .then(|| {
            view! {
                <p class="notice" role="status" id="premium-required">
                    {format!(
                        "MFA policies need the premium plan. {} is on the free plan: a policy that requires MFA can be saved, but only off.",
                        overview.tenant_name,
                    )}
                </p>
            }
        })
}

#[component]
fn PolicyTable(
    slug: Signal<String>,
    policies: Vec<PolicyView>,
    delete: ServerAction<DeletePolicy>,
) -> impl IntoView {
    if policies.is_empty() {
        return view! { <p id="no-policies">"No policies yet."</p> }.into_any();
    }
    view! {
        <table class="policies">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"State"</th>
                    <th scope="col">"Users"</th>
                    <th scope="col">"Applications"</th>
                    <th scope="col">"Grant"</th>
                    <th scope="col">""</th>
                </tr>
            </thead>
            <tbody>
                {policies
                    .into_iter()
                    .map(|policy| {
                        let edit = format!(
                            "/t/{}/admin/policies?edit={}",
                            slug.get_untracked(),
                            policy.id,
                        );
                        let (who, apps, grant) = (policy.who(), policy.apps(), policy.grant());
                        view! {
                            <tr data-policy=policy.name.clone()>
                                <td>{policy.name.clone()}</td>
                                <td>{policy.state.label()}</td>
                                <td>{who}</td>
                                <td>{apps}</td>
                                <td>{grant}</td>
                                <td class="actions">
                                    <A href=edit>"Edit"</A>
                                    <ActionForm action=delete attr:class="inline">
                                        <input type="hidden" name="slug" value=slug />
                                        <input type="hidden" name="id" value=policy.id.clone() />
                                        <button type="submit" class="link">
                                            "Delete"
                                        </button>
                                    </ActionForm>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// The create / edit form, filled from `policy` when editing.
#[component]
fn PolicyForm(
    slug: Signal<String>,
    policy: Option<PolicyView>,
    applications: Vec<ApplicationChoice>,
    save: ServerAction<SavePolicy>,
    refusal: Signal<Option<AppError>>,
    saved: Signal<bool>,
) -> impl IntoView {
    let error_for = move |field: &'static str| {
        Signal::derive(move || refusal.get().and_then(|error| error.for_field(field)))
    };
    let other_error = Signal::derive(move || {
        refusal
            .get()
            .filter(|error| FIELDS.iter().all(|field| error.for_field(field).is_none()))
            .map(|error| error.to_string())
    });
    let heading = if policy.is_some() {
        "Edit policy"
    } else {
        "New policy"
    };
    let p = policy.clone().unwrap_or_else(|| PolicyView {
        id: String::new(),
        name: String::new(),
        state: PolicyState::On,
        include: IncludeUsers::Guests,
        included_users: Vec::new(),
        excluded_users: Vec::new(),
        applications: None,
        require_mfa: true,
        phishing_resistant_only: false,
        mfa_freshness_minutes: None,
        modified: String::new(),
    });
    let chosen: Vec<String> = p
        .applications
        .iter()
        .flatten()
        .map(|app| app.id.clone())
        .collect();
    let (current_state, current_include) = (p.state, p.include);
    let state_option = move |state: PolicyState| {
        view! {
            <option value=state.as_str() selected=current_state == state>
                {state.label()}
            </option>
        }
    };
    let include_radio = move |include: IncludeUsers, label: &'static str| {
        let id = format!("include-{}", include.as_str());
        let label_for = id.clone();
        view! {
            <label class="checkbox" for=label_for>
                <input
                    type="radio"
                    id=id
                    name="include"
                    value=include.as_str()
                    checked=current_include == include
                />
                {label}
            </label>
        }
    };
    let app_boxes = if applications.is_empty() {
        view! { <p class="muted">"This tenant has no applications yet."</p> }.into_any()
    } else {
        applications
            .into_iter()
            .map(|app| {
                let checked = chosen.contains(&app.id);
                view! {
                    <label class="checkbox">
                        <input
                            type="checkbox"
                            name="application_ids[]"
                            value=app.id.clone()
                            checked=checked
                        />
                        {app.name}
                    </label>
                }
            })
            .collect_view()
            .into_any()
    };
    let all_apps = p.applications.is_none();
    view! {
        <section class="card">
            <h2 id="policy-form-heading">{heading}</h2>
            {policy
                .is_some()
                .then(|| {
                    view! {
                        <p>
                            <A href=format!(
                                "/t/{}/admin/policies",
                                slug.get_untracked(),
                            )>"New policy instead"</A>
                        </p>
                    }
                })}
            <ActionForm action=save attr:class="form policy" attr:novalidate="">
                <input type="hidden" name="slug" value=slug />
                <input type="hidden" name="id" value=p.id.clone() />
                <label for="policy-name">"Name"</label>
                <input
                    id="policy-name"
                    name="name"
                    required
                    value=p.name.clone()
                    placeholder="Require MFA for guests"
                />
                <FieldError message=error_for("displayName") />
                <label for="policy-state">"State"</label>
                <select id="policy-state" name="state">
                    {state_option(PolicyState::On)}
                    {state_option(PolicyState::ReportOnly)}
                    {state_option(PolicyState::Off)}
                </select>
                <FieldError message=error_for("state") />
                <fieldset>
                    <legend>"Users"</legend>
                    {include_radio(IncludeUsers::All, " All users")}
                    {include_radio(IncludeUsers::Guests, " Guests")}
                    {include_radio(IncludeUsers::Members, " Members")}
                    {include_radio(IncludeUsers::Listed, " These users:")}
                    <label for="policy-included">"Users to include (UPNs, one per line)"</label>
                    <textarea id="policy-included" name="included_users" rows="3">
                        {p.included_users.join("\n")}
                    </textarea>
                    <FieldError message=error_for("includeUsers") />
                    <label for="policy-excluded">"Users to exclude (UPNs, one per line)"</label>
                    <textarea id="policy-excluded" name="excluded_users" rows="2">
                        {p.excluded_users.join("\n")}
                    </textarea>
                    <FieldError message=error_for("excludeUsers") />
                </fieldset>
                <fieldset>
                    <legend>"Applications"</legend>
                    <label class="checkbox" for="apps-all">
                        <input
                            type="radio"
                            id="apps-all"
                            name="applications"
                            value="all"
                            checked=all_apps
                        />
                        " All applications"
                    </label>
                    <label class="checkbox" for="apps-listed">
                        <input
                            type="radio"
                            id="apps-listed"
                            name="applications"
                            value="listed"
                            checked=!all_apps
                        />
                        " These applications:"
                    </label>
                    {app_boxes}
                    <FieldError message=error_for("includeApplications") />
                </fieldset>
                <fieldset>
                    <legend>"Grant"</legend>
                    <label class="checkbox">
                        <input
                            type="checkbox"
                            id="policy-require-mfa"
                            name="require_mfa"
                            checked=p.require_mfa
                        />
                        " Require MFA with this tenant"
                    </label>
                    <label class="checkbox">
                        <input
                            type="checkbox"
                            id="policy-phishing-resistant"
                            name="phishing_resistant_only"
                            checked=p.phishing_resistant_only
                        />
                        " Phishing-resistant only (passkeys and security keys)"
                    </label>
                    <FieldError message=error_for("grantControls") />
                    <label for="policy-freshness">
                        "MFA stays fresh for (minutes; empty: the whole session)"
                    </label>
                    <input
                        id="policy-freshness"
                        name="mfa_freshness_minutes"
                        inputmode="numeric"
                        value=p.mfa_freshness_minutes.map(|m| m.to_string()).unwrap_or_default()
                    />
                    <FieldError message=error_for("signInFrequency") />
                </fieldset>
                <FieldError message=other_error />
                <button type="submit" disabled=move || save.pending().get()>
                    "Save policy"
                </button>
                <Show when=move || saved.get()>
                    <p class="notice" role="status" id="policy-saved">
                        "Saved."
                    </p>
                </Show>
            </ActionForm>
        </section>
    }
}
