//! `/mfa/verify?tenant=…&next=…`: the MFA challenge with a tenant — a
//! registered passkey or security key, a code from a registered
//! authenticator app, or a recovery code. Someone with no method yet is
//! sent to proof-up instead. The code forms post to server functions, so
//! they work before the WebAssembly loads (a refusal comes back in the
//! address); a passkey needs it.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_location, use_query_map};

use super::api::{mfa_for_tenant, MfaRecover, MfaVerify};
use super::passkey::PasskeyChallenge;
use super::{MethodKind, MfaContext};
use crate::components::{current_path, encode_query_value, refusal_of, ErrorPage, FieldError};
use crate::error::AppError;

#[component]
pub fn MfaVerifyPage() -> impl IntoView {
    let query = use_query_map();
    let tenant = move || query.read().get("tenant").unwrap_or_default();
    let next = move || query.read().get("next");
    let context = Resource::new_blocking(move || (tenant(), next()), |(t, n)| mfa_for_tenant(t, n));
    let location = use_location();

    view! {
        <Title text="Verify your identity · Gatehouse" />
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                let here = current_path(location.pathname, location.search);
                match context.await {
                    Ok(context) if !context.has_methods => {
                        let path = super::setup_path(&context.tenant_slug, &context.next);
                        view! { <Redirect path /> }.into_any()
                    }
                    Ok(context) => view! { <Challenge context /> }.into_any(),
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

#[component]
fn Challenge(context: MfaContext) -> impl IntoView {
    let verify = ServerAction::<MfaVerify>::new();
    let recover = ServerAction::<MfaRecover>::new();
    let code_error = error_text(refusal_of(verify));
    let recovery_error = error_text(refusal_of(recover));
    let MfaContext {
        tenant_slug,
        tenant_name,
        upn,
        next,
        kinds,
        ..
    } = context;
    let (verify_slug, verify_next) = (tenant_slug.clone(), next.clone());
    let passkey = kinds.contains(&MethodKind::Webauthn).then(|| {
        view! { <PasskeyChallenge tenant=tenant_slug.clone() next=next.clone() /> }
    });
    let app_form = kinds.contains(&MethodKind::Totp).then(|| {
        view! {
            <ActionForm action=verify attr:class="form" attr:novalidate="">
                <input type="hidden" name="tenant" value=verify_slug />
                <input type="hidden" name="next" value=verify_next />
                <label for="mfa-code">"Enter the code from your authenticator app"</label>
                <input
                    id="mfa-code"
                    name="code"
                    inputmode="numeric"
                    autocomplete="one-time-code"
                    required
                />
                <FieldError message=code_error />
                <button type="submit" disabled=move || verify.pending().get()>
                    "Verify"
                </button>
            </ActionForm>
        }
    });
    view! {
        <section class="card narrow mfa">
            <h1>"Verify your identity for " {tenant_name}</h1>
            <p class="muted">"You are " <strong id="mfa-upn">{upn}</strong> " there."</p>
            {passkey}
            {app_form}
            <details class="recovery">
                <summary>"Use a recovery code"</summary>
                <ActionForm action=recover attr:class="form" attr:novalidate="">
                    <input type="hidden" name="tenant" value=tenant_slug />
                    <input type="hidden" name="next" value=next />
                    <label for="recovery-code">"Recovery code"</label>
                    <input id="recovery-code" name="code" autocomplete="off" required />
                    <FieldError message=recovery_error />
                    <button type="submit" disabled=move || recover.pending().get()>
                        "Use this code"
                    </button>
                </ActionForm>
            </details>
        </section>
    }
}

fn error_text(refusal: Signal<Option<AppError>>) -> Signal<Option<String>> {
    Signal::derive(move || refusal.get().map(|error| error.to_string()))
}
