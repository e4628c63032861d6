//! Passkeys and security keys in the browser: registering one at proof-up
//! and answering the challenge with one. The server makes the options and
//! keeps the ceremony; the browser hands them to `navigator.credentials`
//! (with webauthn-rs-proto's conversions to and from web-sys' types) and
//! sends the authenticator's answer back. This needs the WebAssembly: the
//! buttons stay disabled until their island is hydrated.

use leptos::prelude::*;

use super::api::{
    passkey_register_begin, passkey_register_finish, passkey_verify_begin, passkey_verify_finish,
};
use super::ProofUpDone;
use crate::components::{go_to, hydrated, FieldError};
use crate::error::AppError;

/// Registers a passkey named `name` with `tenant`: the server's options,
/// the browser's dialog, the server's check. Answers what proof-up gives.
async fn register_passkey(
    tenant: String,
    name: String,
    next: String,
) -> Result<ProofUpDone, AppError> {
    let creation = passkey_register_begin(tenant.clone(), name).await?;
    let response = browser::create(creation.options).await?;
    passkey_register_finish(tenant, creation.ceremony_id, response, Some(next)).await
}

/// Passes `tenant`'s challenge with a passkey; answers where to go on to.
async fn verify_with_passkey(tenant: String, next: String) -> Result<String, AppError> {
    let request = passkey_verify_begin(tenant.clone()).await?;
    let response = browser::get(request.options).await?;
    passkey_verify_finish(tenant, request.ceremony_id, response, Some(next)).await
}

/// Runs a passkey step in the browser, `pending` while it runs. (Not an
/// `Action`: the step's futures are not `Send`, and a local action made
/// while rendering on the server would be dropped on another thread.)
fn in_browser(pending: WriteSignal<bool>, step: impl std::future::Future<Output = ()> + 'static) {
    pending.set(true);
    leptos::task::spawn_local(async move {
        step.await;
        pending.set(false);
    });
}

/// Proof-up with a passkey or security key: name it, then the browser asks
/// for it. `done` receives the result.
#[component]
pub fn PasskeySetup(
    tenant: String,
    next: String,
    done: WriteSignal<Option<ProofUpDone>>,
) -> impl IntoView {
    let (name, set_name) = signal("Passkey".to_owned());
    let (pending, set_pending) = signal(false);
    let (error, set_error) = signal(None::<String>);
    let register = move || {
        let (tenant, name, next) = (tenant.clone(), name.get_untracked(), next.clone());
        in_browser(set_pending, async move {
            match register_passkey(tenant, name, next).await {
                Ok(result) => done.set(Some(result)),
                Err(refused) => set_error.set(Some(refused.to_string())),
            }
        });
    };
    let hydrated = hydrated();
    view! {
        <h2>"Security key or passkey"</h2>
        <p>"Use a security key such as a YubiKey, or a passkey on this device or your phone."</p>
        <div class="form">
            <label for="passkey-name">"Name it"</label>
            <input
                id="passkey-name"
                name="passkey_name"
                prop:value=name
                on:input=move |event| set_name.set(event_target_value(&event))
                required
            />
            <FieldError message=error />
            <button
                type="button"
                id="passkey-add"
                on:click=move |_| {
                    set_error.set(None);
                    register();
                }
                disabled=move || !hydrated.get() || pending.get()
            >
                "Add a passkey or security key"
            </button>
        </div>
    }
}

/// The challenge with a passkey or security key: one button; passing goes
/// on to `next`. An island: the rest of the challenge page is plain HTML.
#[island]
pub fn PasskeyChallenge(tenant: String, next: String) -> impl IntoView {
    let (pending, set_pending) = signal(false);
    let (error, set_error) = signal(None::<String>);
    let verify = move || {
        let (tenant, next) = (tenant.clone(), next.clone());
        in_browser(set_pending, async move {
            match verify_with_passkey(tenant, next).await {
                Ok(next) => go_to(&next),
                Err(refused) => set_error.set(Some(refused.to_string())),
            }
        });
    };
    let hydrated = hydrated();
    view! {
        <div class="form passkey-challenge">
            <button
                type="button"
                id="passkey-verify"
                on:click=move |_| {
                    set_error.set(None);
                    verify();
                }
                disabled=move || !hydrated.get() || pending.get()
            >
                "Use your security key or passkey"
            </button>
            <FieldError message=error />
        </div>
    }
}

/// `navigator.credentials` through web-sys.
#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use webauthn_rs_proto::{
        CreationChallengeResponse, PublicKeyCredential, RegisterPublicKeyCredential,
        RequestChallengeResponse,
    };

    use crate::error::AppError;

    fn credentials() -> Result<web_sys::CredentialsContainer, AppError> {
        let window = web_sys::window().ok_or_else(|| refused("There is no browser window."))?;
        Ok(window.navigator().credentials())
    }

    /// `navigator.credentials.create()`: a new credential.
    pub async fn create(
        options: CreationChallengeResponse,
    ) -> Result<RegisterPublicKeyCredential, AppError> {
        let options: web_sys::CredentialCreationOptions = options.into();
        let promise = credentials()?
            .create_with_options(&options)
            .map_err(explain)?;
        Ok(credential(JsFuture::from(promise).await.map_err(explain)?)?.into())
    }

    /// `navigator.credentials.get()`: an assertion with a known credential.
    pub async fn get(options: RequestChallengeResponse) -> Result<PublicKeyCredential, AppError> {
        let options: web_sys::CredentialRequestOptions = options.into();
        let promise = credentials()?.get_with_options(&options).map_err(explain)?;
        Ok(credential(JsFuture::from(promise).await.map_err(explain)?)?.into())
    }

    fn credential(value: JsValue) -> Result<web_sys::PublicKeyCredential, AppError> {
        value
            .dyn_into()
            .map_err(|_| refused("The browser answered without a credential."))
    }

    /// What the browser's refusal means to the person (WebAuthn §5.1.3,
    /// §5.1.4: the DOMException names).
    fn explain(error: JsValue) -> AppError {
        let name = error
            .dyn_ref::<web_sys::DomException>()
            .map(web_sys::DomException::name)
            .unwrap_or_default();
        refused(match name.as_str() {
            "NotAllowedError" => "The request was cancelled or timed out. Try again.",
            "InvalidStateError" => "This security key or passkey is registered already.",
            "NotSupportedError" => "This browser or key does not support what is asked.",
            "SecurityError" => "This site's address does not allow passkeys.",
            _ => "The browser could not use a security key or passkey.",
        })
    }

    fn refused(message: &str) -> AppError {
        AppError::Invalid {
            field: "credential".into(),
            message: message.into(),
        }
    }
}

/// On the server the buttons are never pressed: they are disabled until
/// the page is hydrated, and event handlers run only in the browser.
#[cfg(not(feature = "hydrate"))]
mod browser {
    use webauthn_rs_proto::{
        CreationChallengeResponse, PublicKeyCredential, RegisterPublicKeyCredential,
        RequestChallengeResponse,
    };

    use crate::error::AppError;

    fn in_the_browser_only() -> AppError {
        AppError::Invalid {
            field: "credential".into(),
            message: "Passkeys work in the browser only.".into(),
        }
    }

    pub async fn create(
        _options: CreationChallengeResponse,
    ) -> Result<RegisterPublicKeyCredential, AppError> {
        Err(in_the_browser_only())
    }

    pub async fn get(_options: RequestChallengeResponse) -> Result<PublicKeyCredential, AppError> {
        Err(in_the_browser_only())
    }
}
