//! `/t/{slug}/admin/settings`: the tenant's settings, one form. It posts to
//! a server function, so it works before the WebAssembly loads.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::api::{tenant_settings, SaveTenantSettings};
use super::SettingsView;
use crate::components::{done_of, refusal_of, ErrorPage, FieldError};
use crate::error::AppError;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let save = ServerAction::<SaveTenantSettings>::new();
    let settings = Resource::new_blocking(slug, tenant_settings);
    // The form's refusal or success (a plain form: in the address).
    let refusal = refusal_of(save);
    let saved = done_of(save);
    view! {
        <Title text="Settings · Gatehouse admin" />
        <h1>"Settings"</h1>
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(settings) => {
                        view! { <SettingsForm slug=slug() settings save refusal saved /> }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SettingsForm(
    slug: String,
    settings: SettingsView,
    save: ServerAction<SaveTenantSettings>,
    refusal: Signal<Option<AppError>>,
    saved: Signal<bool>,
) -> impl IntoView {
    let error_for = move |field: &'static str| {
        Signal::derive(move || refusal.get().and_then(|error| error.for_field(field)))
    };
    // Any refusal not shown beside its field (the service's own checks name
    // fields as the REST API does).
    let other_error = Signal::derive(move || {
        refusal
            .get()
            .filter(|error| {
                ["invitation_ttl_days", "privacy_url"]
                    .iter()
                    .all(|field| error.for_field(field).is_none())
            })
            .map(|error| error.to_string())
    });
    let tenant = settings.tenant_name.clone();
    view! {
        <ActionForm action=save attr:class="form settings" attr:novalidate="">
            <input type="hidden" name="slug" value=slug />
            <fieldset>
                <legend>"Invitations"</legend>
                <label class="check">
                    <input
                        type="checkbox"
                        id="members-can-invite"
                        name="members_can_invite"
                        checked=settings.members_can_invite
                    />
                    " Members may invite guests (admins always may)"
                </label>
                <label class="check">
                    <input
                        type="checkbox"
                        id="email-otp"
                        name="email_otp_enabled"
                        checked=settings.email_otp_enabled
                    />
                    " Guests without a work or personal account may sign in with a passcode sent by e-mail"
                </label>
                <label for="invitation-ttl-days">"Invitations stay valid for (days)"</label>
                <input
                    id="invitation-ttl-days"
                    name="invitation_ttl_days"
                    inputmode="numeric"
                    value=settings.invitation_ttl_days
                />
                <FieldError message=error_for("invitation_ttl_days") />
                <label for="privacy-url">{format!("{tenant}'s privacy statement (https)")}</label>
                <input
                    id="privacy-url"
                    name="privacy_url"
                    type="url"
                    placeholder="Empty: Gatehouse's privacy statement"
                    value=settings.privacy_url
                />
                <FieldError message=error_for("privacy_url") />
            </fieldset>
            <fieldset>
                <legend>"Sign-in"</legend>
                <label class="check">
                    <input
                        type="checkbox"
                        id="security-defaults"
                        name="security_defaults"
                        checked=settings.security_defaults
                    />
                    " Security defaults: members pass MFA with "
                    {tenant.clone()}
                    " when they sign in (they set up a method the first time)"
                </label>
            </fieldset>
            <FieldError message=other_error />
            <button type="submit" disabled=move || save.pending().get()>
                "Save"
            </button>
            <Show when=move || saved.get()>
                <p class="notice" role="status" id="settings-saved">
                    "Saved."
                </p>
            </Show>
        </ActionForm>
    }
}
