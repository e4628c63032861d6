//! `/redeem/consent?tenant=…&next=…`: just-in-time redemption (DESIGN §3.3
//! step 2). An application's sign-in sends here someone whose invitation to
//! the tenant is pending, for an address they own, and who has not followed
//! its link: the redeem page's consent, then back to `next` (the sign-in),
//! now a guest. The form posts to a server function, so it works before the
//! WebAssembly loads; a refusal then comes back in the page's URL.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_location, use_query_map};

use super::api::{pending_invitation_info, AcceptPendingInvitation};
use super::page::{form_error, AcceptOrCancel, InvitationCard, ReviewPermissions};
use super::InvitationView;
use crate::components::{current_path, encode_query_value, posted_refusal, ErrorPage};
use crate::error::AppError;

#[component]
pub fn JustInTimeConsentPage() -> impl IntoView {
    let query = use_query_map();
    let tenant = move || query.read().get("tenant").unwrap_or_default();
    let next = move || query.read().get("next").unwrap_or_default();
    let info = Resource::new_blocking(tenant, pending_invitation_info);

    view! {
        <Title text="Accept invitation · Gatehouse" />
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading the invitation…"</p> }
        }>
            {move || Suspend::new(async move {
                match info.await {
                    Ok(invitation) => {
                        view! { <JustInTimeConsent invitation tenant=tenant() next=next() /> }
                            .into_any()
                    }
                    Err(AppError::Unauthenticated) => view! { <SignInFirst /> }.into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Not signed in: signing in comes first, then this page again.
#[component]
fn SignInFirst() -> impl IntoView {
    let location = use_location();
    let here = current_path(location.pathname, location.search);
    let path = format!("/signin?next={}", encode_query_value(&here));
    view! { <Redirect path /> }
}

#[component]
fn JustInTimeConsent(invitation: InvitationView, tenant: String, next: String) -> impl IntoView {
    let accept = ServerAction::<AcceptPendingInvitation>::new();
    // The refusal of a form posted before the WASM loaded is in the URL.
    let posted = posted_refusal();
    let outcome = move || accept.value().get().or_else(|| posted.clone().map(Err));
    let after = "After accepting you will go on signing in to the application.".to_owned();
    view! {
        <InvitationCard invitation=invitation.clone()>
            <ReviewPermissions invitation after>
                <ActionForm action=accept attr:class="actions">
                    <input type="hidden" name="tenant" value=tenant />
                    <input type="hidden" name="next" value=next />
                    <AcceptOrCancel pending=accept.pending() cancel="/myapps" />
                </ActionForm>
                {form_error(outcome)}
            </ReviewPermissions>
        </InvitationCard>
    }
}
