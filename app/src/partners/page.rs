//! `/t/{slug}/admin/partners`: inbound trust — the default for partner
//! tenants, the partners with a setting of their own, and a form to add
//! one by its domain. Every form posts to a server function, so the page
//! works before the WebAssembly loads.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::api::{partner_overview, RemovePartner, SetDefaultPartnerTrust, SetPartnerTrust};
use super::{PartnerView, PartnersView};
use crate::components::{posted_refusal, ErrorPage, FieldError};
use crate::error::AppError;

#[component]
pub fn PartnersPage() -> impl IntoView {
    let params = use_params_map();
    let slug = Signal::derive(move || params.read().get("slug").unwrap_or_default());
    let set_default = ServerAction::<SetDefaultPartnerTrust>::new();
    let set_partner = ServerAction::<SetPartnerTrust>::new();
    let remove = ServerAction::<RemovePartner>::new();
    let overview = Resource::new_blocking(move || slug.get(), partner_overview);
    // The refusal of the form posted last (plain forms: in the address).
    let posted = posted_refusal();
    let refusal = Signal::derive(move || posted.clone());
    view! {
        <Title text="Partners · Gatehouse admin" />
        <h1>"Partners"</h1>
        <p class="muted">
            "Inbound trust: accept the MFA a guest already did at home in a partner tenant, "
            "instead of asking for this tenant's MFA again. Without trust, this tenant always "
            "challenges."
        </p>
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading partners…"</p> }
        }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => {
                        view! {
                            <DefaultForm slug overview=overview.clone() action=set_default />
                            <PartnerTable slug partners=overview.partners set_partner remove />
                            <AddPartnerForm slug action=set_partner refusal />
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
fn DefaultForm(
    slug: Signal<String>,
    overview: PartnersView,
    action: ServerAction<SetDefaultPartnerTrust>,
) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Default"</h2>
            <ActionForm action attr:class="form">
                <input type="hidden" name="slug" value=slug />
                <label class="checkbox">
                    <input
                        type="checkbox"
                        id="default-trust-mfa"
                        name="trust_mfa"
                        checked=overview.default_trust_mfa
                    />
                    {format!(
                        " Trust MFA from partner tenants without a setting of their own: {} accepts their home MFA",
                        overview.tenant_name,
                    )}
                </label>
                <button type="submit">"Save default"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn PartnerTable(
    slug: Signal<String>,
    partners: Vec<PartnerView>,
    set_partner: ServerAction<SetPartnerTrust>,
    remove: ServerAction<RemovePartner>,
) -> impl IntoView {
    if partners.is_empty() {
        return view! { <p id="no-partners">"No partner has a setting of its own."</p> }.into_any();
    }
    view! {
        <table class="partners">
            <thead>
                <tr>
                    <th scope="col">"Partner tenant"</th>
                    <th scope="col">"Domain"</th>
                    <th scope="col">"Trusts MFA"</th>
                    <th scope="col">""</th>
                </tr>
            </thead>
            <tbody>
                {partners
                    .into_iter()
                    .map(|partner| {
                        let toggle = if partner.trust_mfa { "Stop trusting" } else { "Trust MFA" };
                        let trust_next = (!partner.trust_mfa)
                            .then(|| view! { <input type="hidden" name="trust_mfa" value="on" /> });
                        let (id, id_again) = (partner.tenant_id.clone(), partner.tenant_id.clone());
                        let row_key = partner.domain.clone();
                        view! {
                            <tr data-partner=row_key>
                                <td>{partner.name}</td>
                                <td>{partner.domain}</td>
                                <td>{if partner.trust_mfa { "Yes" } else { "No" }}</td>
                                <td class="actions">
                                    <ActionForm action=set_partner attr:class="inline">
                                        <input type="hidden" name="slug" value=slug />
                                        <input type="hidden" name="partner" value=id />
                                        {trust_next}
                                        <button type="submit" class="link">
                                            {toggle}
                                        </button>
                                    </ActionForm>
                                    <ActionForm action=remove attr:class="inline">
                                        <input type="hidden" name="slug" value=slug />
                                        <input type="hidden" name="partner" value=id_again />
                                        <button type="submit" class="link">
                                            "Remove"
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

#[component]
fn AddPartnerForm(
    slug: Signal<String>,
    action: ServerAction<SetPartnerTrust>,
    refusal: Signal<Option<AppError>>,
) -> impl IntoView {
    let partner_error = Signal::derive(move || {
        refusal
            .get()
            .map(|error| match error.for_field("tenantId") {
                Some(message) => message,
                None => error.to_string(),
            })
    });
    view! {
        <section class="card">
            <h2>"Add a partner"</h2>
            <ActionForm action attr:class="form" attr:novalidate="">
                <input type="hidden" name="slug" value=slug />
                <label for="partner-domain">"Partner tenant (its domain)"</label>
                <input id="partner-domain" name="partner" required placeholder="contoso.test" />
                <FieldError message=partner_error />
                <label class="checkbox">
                    <input type="checkbox" id="partner-trust-mfa" name="trust_mfa" checked />
                    " Trust MFA done at home in this tenant"
                </label>
                <button type="submit">"Add partner"</button>
            </ActionForm>
        </section>
    }
}
