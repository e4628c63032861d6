//! `/mfa/setup?tenant=…&next=…`: proof-up — setting up a sign-in method with
//! a tenant, as a step that the admin portal, home sign-in, security info,
//! and later the OIDC authorize endpoint and redemption send people to.
//! The choice: an authenticator app from a QR code (or the secret typed
//! in), confirmed with its first code — or a passkey or security key,
//! registered through the browser. The first method brings recovery codes,
//! shown once. A further method needs a recent MFA first (step-up): the
//! page sends the browser through the challenge and back.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_location, use_query_map};

use super::api::{mfa_for_tenant, TotpBegin, TotpConfirm};
use super::passkey::PasskeySetup;
use super::recovery_codes::RecoveryCodes;
use super::{MfaContext, ProofUpDone, TotpSetupView};
use crate::components::{current_path, encode_query_value, ErrorPage, FieldError};
use crate::error::AppError;

#[component]
pub fn MfaSetupPage() -> impl IntoView {
    let query = use_query_map();
    let tenant = move || query.read().get("tenant").unwrap_or_default();
    let next = move || query.read().get("next");
    let context = Resource::new_blocking(move || (tenant(), next()), |(t, n)| mfa_for_tenant(t, n));
    let location = use_location();

    view! {
        <Title text="Set up your sign-in method · Gatehouse" />
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                let here = current_path(location.pathname, location.search);
                match context.await {
                    Ok(context) if !context.may_add => {
                        let path = super::verify_path(&context.tenant_slug, &here);
                        view! { <Redirect path /> }.into_any()
                    }
                    Ok(context) => view! { <SetupSteps context /> }.into_any(),
                    Err(AppError::Unauthenticated) => {
                        let path = format!("/signin?next={}", encode_query_value(&here));
                        view! { <Redirect path /> }.into_any()
                    }
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The steps: choose a kind of method and set it up, keep the codes. An
/// island: the QR code, the passkey dialog and the recovery codes come from
/// answers in the browser.
#[island]
fn SetupSteps(context: MfaContext) -> impl IntoView {
    let begin = ServerAction::<TotpBegin>::new();
    let confirm = ServerAction::<TotpConfirm>::new();
    let name_error = Signal::derive(move || {
        begin
            .value()
            .get()
            .and_then(Result::err)
            .and_then(|e| e.for_field("name"))
    });
    let MfaContext {
        tenant_slug,
        tenant_name,
        upn,
        next,
        passkeys_available,
        ..
    } = context;
    let (slug, next_path) = (tenant_slug.clone(), next.clone());
    let (passkey_done, set_passkey_done) = signal(None::<ProofUpDone>);
    let scan = move || {
        begin.value().get().and_then(Result::ok).map(|setup| {
            view! { <ScanAndConfirm setup confirm slug=slug.clone() next=next_path.clone() /> }
        })
    };
    let done = move || {
        let app = confirm.value().get().and_then(Result::ok);
        app.or_else(|| passkey_done.get())
    };

    view! {
        <section class="card narrow mfa">
            <h1>"Set up your sign-in method for " {tenant_name.clone()}</h1>
            <p class="muted">
                {tenant_name.clone()} " asks for a second step when you sign in. You are "
                <strong id="mfa-upn">{upn}</strong> " there."
            </p>
            {move || match done() {
                Some(done) => view! { <Done done /> }.into_any(),
                None => {
                    let slug = tenant_slug.clone();
                    let passkey = passkeys_available
                        .then(|| {
                            view! {
                                <PasskeySetup
                                    tenant=tenant_slug.clone()
                                    next=next.clone()
                                    done=set_passkey_done
                                />
                            }
                        });
                    view! {
                        {passkey}
                        <h2>"Authenticator app"</h2>
                        <p>
                            "Use an app such as Microsoft Authenticator, Google Authenticator or 1Password."
                        </p>
                        <ActionForm action=begin attr:class="form" attr:novalidate="">
                            <input type="hidden" name="tenant" value=slug />
                            <label for="method-name">"Name it"</label>
                            <input
                                id="method-name"
                                name="name"
                                value="Authenticator app"
                                required
                            />
                            <FieldError message=name_error />
                            <button type="submit" disabled=move || begin.pending().get()>
                                "Show the QR code"
                            </button>
                        </ActionForm>
                        {scan.clone()}
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

/// The QR code and the secret, and the form that proves the app has them.
#[component]
fn ScanAndConfirm(
    setup: TotpSetupView,
    confirm: ServerAction<TotpConfirm>,
    slug: String,
    next: String,
) -> impl IntoView {
    let code_error = Signal::derive(move || {
        confirm
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    });
    view! {
        <div class="totp-setup">
            <p>"Scan this code with the app:"</p>
            <div class="qr" inner_html=setup.qr_svg />
            <p>"Or type this key into it: " <code id="totp-secret">{setup.secret_text}</code></p>
            <ActionForm action=confirm attr:class="form" attr:novalidate="">
                <input type="hidden" name="tenant" value=slug />
                <input type="hidden" name="method_id" value=setup.method_id />
                <input type="hidden" name="next" value=next />
                <label for="totp-code">"The 6-digit code the app shows"</label>
                <input
                    id="totp-code"
                    name="code"
                    inputmode="numeric"
                    autocomplete="one-time-code"
                    required
                />
                <FieldError message=code_error />
                <button type="submit" disabled=move || confirm.pending().get()>
                    "Confirm"
                </button>
            </ActionForm>
        </div>
    }
}

/// Done: the recovery codes, once, and the way on.
#[component]
fn Done(done: ProofUpDone) -> impl IntoView {
    let codes = done.recovery_codes;
    let has_codes = !codes.is_empty();
    view! {
        <div class="notice" role="status" id="mfa-done">
            <p>"Your sign-in method is set up."</p>
        </div>
        <Show when=move || has_codes>
            <RecoveryCodes codes=codes.clone() />
        </Show>
        <p>
            <a class="button" id="mfa-continue" href=done.next>
                "Continue"
            </a>
        </p>
    }
}
