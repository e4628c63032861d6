//! `/redeem?ticket=…`: who invited you to what; sign in at home (or create a
//! personal account, or use a one-time passcode); review and accept. The
//! passcode steps are islands (the form for the code appears once it is
//! sent), and so is the consent; Accept also works before the WASM has
//! loaded, its refusal coming back in the address.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

use super::api::{redeem_info, AcceptInvitation, SendCode, SignInWithCode, SignUp};
use super::{HomeRealm, InvitationView, SignedInAs};
use crate::auth::api::SignOut;
use crate::components::{encode_query_value, refusal_of, Alert, ErrorPage, FieldError};
use crate::error::AppError;

#[component]
pub fn RedeemPage() -> impl IntoView {
    let query = use_query_map();
    let ticket = move || query.read().get("ticket").unwrap_or_default();
    // `step` changes after each sign-in on this page, so the view is read again.
    let info = Resource::new_blocking(
        move || (ticket(), query.read().get("step")),
        |(ticket, _)| redeem_info(ticket),
    );

    view! {
        <Title text="Accept invitation · Gatehouse" />
        // The ticket is in this page's URL: never send it to another site as
        // a Referer. Our own forms get it: a refusal of a form posted before
        // the WASM comes back to the page it names.
        <Meta name="referrer" content="same-origin" />
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading the invitation…"</p> }
        }>
            {move || Suspend::new(async move {
                match info.await {
                    Ok(invitation) => view! { <Invitation invitation ticket=ticket() /> }.into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Invitation(invitation: InvitationView, ticket: String) -> impl IntoView {
    let step = match invitation.signed_in.clone() {
        None => view! { <SignInToAccept invitation=invitation.clone() ticket=ticket.clone() /> }
            .into_any(),
        Some(me) if !me.may_redeem => {
            view! { <WrongIdentity invitation=invitation.clone() me ticket=ticket.clone() /> }
                .into_any()
        }
        Some(_) => {
            view! { <Consent invitation=invitation.clone() ticket=ticket.clone() /> }.into_any()
        }
    };
    view! { <InvitationCard invitation>{step}</InvitationCard> }
}

/// The invitation's card: who invited you to what, their message, and the
/// address invited; `children` is the step at hand.
#[component]
pub(super) fn InvitationCard(invitation: InvitationView, children: Children) -> impl IntoView {
    let heading = format!(
        "{} invited you to access applications within {}",
        invitation.inviter_name, invitation.tenant_name
    );
    let message = invitation.message.clone().map(|message| {
        view! { <blockquote class="personal-message">{message}</blockquote> }
    });
    view! {
        <section class="card narrow redeem">
            <h1>{heading}</h1>
            {message}
            <p class="muted">
                "Invitation for "<strong>{invitation.invited_email.clone()}</strong>
            </p>
            {children()}
        </section>
    }
}

fn back_here(ticket: &str) -> String {
    format!(
        "/signin?next={}",
        encode_query_value(&format!("/redeem?ticket={ticket}"))
    )
}

#[component]
fn SignInToAccept(invitation: InvitationView, ticket: String) -> impl IntoView {
    match invitation.realm {
        HomeRealm::Work { tenant_name } => view! {
            <h2>"Sign in to accept"</h2>
            <p>{format!("{} is a {tenant_name} work account.", invitation.invited_email)}</p>
            <a class="button primary" href=back_here(&ticket)>
                {format!("Sign in with {tenant_name}")}
            </a>
        }
        .into_any(),
        HomeRealm::Personal => view! {
            <h2>"Sign in to accept"</h2>
            <p>"You have a personal account for this address."</p>
            <a class="button primary" href=back_here(&ticket)>
                "Sign in"
            </a>
        }
        .into_any(),
        HomeRealm::New { email_otp } => view! {
            <h2>"Sign in to accept"</h2>
            <p>"There is no account for this address yet."</p>
            <CreatePersonalAccount email=invitation.invited_email.clone() ticket=ticket.clone() />
            {email_otp
                .then(|| {
                    view! {
                        <OneTimePasscode
                            email=invitation.invited_email.clone()
                            ticket=ticket.clone()
                        />
                    }
                })}
        }
        .into_any(),
    }
}

/// The error of an action, as a sentence for the form.
pub(super) fn form_error<T>(
    value: impl Fn() -> Option<Result<T, AppError>> + Send + Sync + 'static,
) -> impl Fn() -> Option<AnyView> + Send + Sync + 'static {
    move || {
        value()
            .and_then(Result::err)
            .filter(|error| error.for_field("code").is_none())
            .map(|error| view! { <Alert message=error.to_string() /> }.into_any())
    }
}

#[island]
fn CreatePersonalAccount(email: String, ticket: String) -> impl IntoView {
    let send = ServerAction::<SendCode>::new();
    let create = ServerAction::<SignUp>::new();
    let sent = move || matches!(send.value().get(), Some(Ok(())));
    let create_error = move |name: &'static str| {
        Signal::derive(move || {
            create
                .value()
                .get()
                .and_then(Result::err)
                .and_then(|e| e.for_field(name))
        })
    };
    let ticket_for_create = StoredValue::new(ticket.clone());
    view! {
        <div class="option" id="create-account">
            <h3>"Create a personal account"</h3>
            <ActionForm action=send>
                <input type="hidden" name="ticket" value=ticket.clone() />
                <input type="hidden" name="purpose" value="SignUp" />
                <button type="submit">{format!("Send a verification code to {email}")}</button>
            </ActionForm>
            {form_error(move || send.value().get())}
            <Show when=sent>
                <p class="notice">"We sent a code to your address. It is valid for 30 minutes."</p>
                <ActionForm action=create attr:class="form" attr:novalidate="">
                    <input
                        type="hidden"
                        name="ticket"
                        value=move || ticket_for_create.get_value()
                    />
                    <label for="signup-code">"Verification code"</label>
                    <input
                        id="signup-code"
                        name="code"
                        inputmode="numeric"
                        autocomplete="one-time-code"
                        required
                    />
                    <FieldError message=create_error("code") />
                    <label for="signup-name">"Your name"</label>
                    <input id="signup-name" name="display_name" autocomplete="name" required />
                    <FieldError message=create_error("display_name") />
                    <label for="signup-password">"Choose a password"</label>
                    <input
                        id="signup-password"
                        name="password"
                        type="password"
                        autocomplete="new-password"
                        required
                    />
                    <FieldError message=create_error("password") />
                    {form_error(move || create.value().get())}
                    <button type="submit">"Create account"</button>
                </ActionForm>
            </Show>
        </div>
    }
}

#[island]
fn OneTimePasscode(email: String, ticket: String) -> impl IntoView {
    let send = ServerAction::<SendCode>::new();
    let verify = ServerAction::<SignInWithCode>::new();
    let sent = move || matches!(send.value().get(), Some(Ok(())));
    let code_error = Signal::derive(move || {
        verify
            .value()
            .get()
            .and_then(Result::err)
            .and_then(|e| e.for_field("code"))
    });
    let ticket_for_verify = StoredValue::new(ticket.clone());
    view! {
        <div class="option" id="one-time-passcode">
            <h3>"Or use a one-time passcode"</h3>
            <ActionForm action=send>
                <input type="hidden" name="ticket" value=ticket.clone() />
                <input type="hidden" name="purpose" value="OneTimePasscode" />
                <button type="submit">{format!("E-mail a passcode to {email}")}</button>
            </ActionForm>
            {form_error(move || send.value().get())}
            <Show when=sent>
                <p class="notice">
                    "We sent an 8-digit passcode to your address. It is valid for 30 minutes."
                </p>
                <ActionForm action=verify attr:class="form" attr:novalidate="">
                    <input
                        type="hidden"
                        name="ticket"
                        value=move || ticket_for_verify.get_value()
                    />
                    <label for="otp-code">"Passcode"</label>
                    <input
                        id="otp-code"
                        name="code"
                        inputmode="numeric"
                        autocomplete="one-time-code"
                        required
                    />
                    <FieldError message=code_error />
                    {form_error(move || verify.value().get())}
                    <button type="submit">"Sign in"</button>
                </ActionForm>
            </Show>
        </div>
    }
}

#[component]
fn WrongIdentity(invitation: InvitationView, me: SignedInAs, ticket: String) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <div class="alert" role="alert" id="wrong-identity">
            <p>
                {format!(
                    "This invitation was sent to {}, but you are signed in as {}. Only the invited address can accept it.",
                    invitation.invited_email,
                    me.email,
                )}
            </p>
        </div>
        <ActionForm action=sign_out>
            <input type="hidden" name="next" value=format!("/redeem?ticket={ticket}") />
            <button type="submit">"Sign out and use another account"</button>
        </ActionForm>
    }
}

#[island]
fn Consent(invitation: InvitationView, ticket: String) -> impl IntoView {
    let accept = ServerAction::<AcceptInvitation>::new();
    let refusal = refusal_of(accept);
    let after = format!(
        "After accepting you will go to {}.",
        invitation.redirect_url
    );
    view! {
        <ReviewPermissions invitation after>
            <ActionForm action=accept attr:class="actions">
                <input type="hidden" name="ticket" value=ticket />
                <AcceptOrCancel pending=accept.pending() cancel="/" />
            </ActionForm>
            {form_error(move || refusal.get().map(Err::<(), _>))}
        </ReviewPermissions>
    }
}

/// The consent step (DESIGN §3.2 "Review permissions"), of the redeem page
/// and of just-in-time redemption alike: who is signed in, what the tenant
/// will see, its privacy statement, and `after`, what happens on accepting;
/// `children` is the Accept / Cancel form.
#[component]
pub(super) fn ReviewPermissions(
    invitation: InvitationView,
    after: String,
    children: Children,
) -> impl IntoView {
    let me = invitation
        .signed_in
        .map(|me| view! { <p>{format!("Signed in as {} ({}).", me.display_name, me.email)}</p> });
    view! {
        <div id="consent">
            <h2>"Review permissions"</h2>
            {me}
            <p>{format!("{} will be able to see:", invitation.tenant_name)}</p>
            <ul>
                <li>"your name and e-mail address"</li>
                <li>"your sign-in activity in its applications"</li>
            </ul>
            <p class="muted">
                {format!(
                    "{} is responsible for how it uses your data; read its ",
                    invitation.tenant_name,
                )} <a id="privacy-statement" href=invitation.privacy_url.clone()>
                    "privacy statement"
                </a>"."
            </p>
            <p class="muted">{after}</p>
            {children()}
        </div>
    }
}

/// The consent form's buttons; Cancel leaves for `cancel`.
#[component]
pub(super) fn AcceptOrCancel(
    #[prop(into)] pending: Signal<bool>,
    cancel: &'static str,
) -> impl IntoView {
    view! {
        <button type="submit" disabled=move || pending.get()>
            "Accept"
        </button>
        <a class="button" href=cancel>
            "Cancel"
        </a>
    }
}
