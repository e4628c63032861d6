//! The Invitations pages: the admin's list and form
//! (`/t/{slug}/admin/invitations`), and the member's *Invite a guest*
//! (`/t/{slug}/invite`), which share one form. Both are islands: the
//! answers (a link shown once, a result per CSV row) come back to the
//! browser, and the admin's list shows the change at once. Revoke and reset
//! also work before the WASM has loaded (a refusal comes back in the
//! address).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::api::{
    list_invitations, BulkInvite, InviteGuest, ResendInvitation, ResetRedemption, RevokeInvitation,
};
use super::api::{InvitationList, InvitationRow};
use super::InvitationStatus;
use crate::components::{
    encode_query_value, refusal_of, reload_after, Alert, ErrorPage, FieldError,
};
use crate::error::AppError;

/// The invite form: address, name, where to land, a personal message, and
/// whether to e-mail the link; for admins also whether any identity may
/// redeem it (`admin`). Shows the outcome under the form.
#[component]
fn InviteForm(slug: String, action: ServerAction<InviteGuest>, admin: bool) -> impl IntoView {
    let refusal = refusal_of(action);
    let error = move |name: &'static str| {
        Signal::derive(move || refusal.get().and_then(|e| e.for_field(name)))
    };
    let other_error = move || {
        refusal
            .get()
            .filter(|e| !matches!(e, AppError::Invalid { field, .. } if !field.is_empty()))
            .map(|e| {
                view! { <Alert message=e.to_string() /> }
            })
    };
    let outcome = move || {
        action.value().get().and_then(Result::ok).map(|invited| {
            let link = invited.redeem_url.map(|url| {
                view! {
                    <p>"Send this link to the guest yourself (it is shown only now):"</p>
                    <p>
                        <code class="redeem-url">{url}</code>
                    </p>
                }
            });
            view! {
                <div class="notice" role="status" id="invite-result">
                    <p>{format!("Invited {} as {}.", invited.email, invited.guest_upn)}</p>
                    {link}
                </div>
            }
        })
    };
    view! {
        <ActionForm action=action attr:class="form" attr:novalidate="">
            <input type="hidden" name="slug" value=slug />
            <label for="invite-email">"E-mail address"</label>
            <input
                id="invite-email"
                name="email"
                type="email"
                required
                placeholder="someone@partner.example"
            />
            <FieldError message=error("email") />
            <label for="invite-name">"Display name (optional)"</label>
            <input id="invite-name" name="display_name" />
            <FieldError message=error("display_name") />
            <label for="invite-redirect">"Send the guest to, after accepting (optional)"</label>
            <input id="invite-redirect" name="redirect_url" type="url" placeholder="My Apps" />
            <FieldError message=error("redirect_url") />
            <label for="invite-message">"Personal message (optional, plain text)"</label>
            <textarea id="invite-message" name="message" rows="3"></textarea>
            <FieldError message=error("message") />
            <label class="checkbox">
                <input type="checkbox" name="send_email" value="on" checked />
                " Send the invitation by e-mail"
            </label>
            {admin
                .then(|| {
                    view! {
                        <label class="checkbox">
                            <input type="checkbox" name="allow_any_identity" value="on" />
                            " Let anyone with the link redeem it (not only the owner of this address)"
                        </label>
                    }
                })}
            {other_error}
            <button type="submit" disabled=move || action.pending().get()>
                "Invite"
            </button>
        </ActionForm>
        {outcome}
    }
}

/// Bulk invite: a CSV file (read into the text box by the browser, or
/// pasted), invited row by row, with a result per row.
#[component]
fn BulkInviteForm(slug: String, action: ServerAction<BulkInvite>) -> impl IntoView {
    let (csv, set_csv) = signal(String::new());
    let error = move || {
        action.value().get().and_then(Result::err).map(|e| {
            view! { <Alert message=e.to_string() /> }
        })
    };
    let results = move || {
        action.value().get().and_then(Result::ok).map(|rows| {
            let invited = rows.iter().filter(|row| row.result.is_ok()).count();
            let summary = format!("{invited} of {} rows invited.", rows.len());
            view! {
                <p role="status" id="bulk-summary">
                    {summary}
                </p>
                <table class="bulk-results">
                    <thead>
                        <tr>
                            <th scope="col">"Line"</th>
                            <th scope="col">"E-mail"</th>
                            <th scope="col">"Result"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {rows
                            .into_iter()
                            .map(|row| {
                                let (class, text) = match row.result {
                                    Ok(upn) => ("ok", format!("Invited as {upn}")),
                                    Err(message) => ("failed", message),
                                };
                                view! {
                                    <tr class=class>
                                        <td>{row.line}</td>
                                        <td>{row.email}</td>
                                        <td>{text}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            }
        })
    };
    view! {
        <ActionForm action=action attr:class="form" attr:novalidate="">
            <input type="hidden" name="slug" value=slug />
            <label for="bulk-file">"CSV file"</label>
            <input
                id="bulk-file"
                type="file"
                accept=".csv,text/csv"
                on:change=move |event| load_file(event, set_csv)
            />
            <label for="bulk-csv">
                "Rows (first row: email, display name, redirect url, message; at most 1000)"
            </label>
            <textarea
                id="bulk-csv"
                name="csv"
                rows="6"
                prop:value=csv
                placeholder="email,display name\nbob@fabrikam.test,Bob"
            ></textarea>
            <label class="checkbox">
                <input type="checkbox" name="send_email" value="on" checked />
                " Send the invitations by e-mail"
            </label>
            {error}
            <button type="submit" disabled=move || action.pending().get()>
                "Invite all"
            </button>
        </ActionForm>
        {results}
    }
}

/// Reads the chosen file into the text box (in the browser; on the server
/// there is no file to read).
fn load_file(event: leptos::ev::Event, set_csv: WriteSignal<String>) {
    #[cfg(feature = "hydrate")]
    {
        let input: web_sys::HtmlInputElement = event_target(&event);
        if let Some(file) = input.files().and_then(|files| files.get(0)) {
            leptos::task::spawn_local(async move {
                if let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
                    set_csv.set(text.as_string().unwrap_or_default());
                }
            });
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (event, set_csv);
}

const FILTERS: &[(&str, &str)] = &[
    ("", "All"),
    ("PendingAcceptance", "Pending"),
    ("Accepted", "Accepted"),
    ("Expired", "Expired"),
    ("Revoked", "Revoked"),
];

#[component]
pub fn InvitationsPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let status = move || query.read().get("status").unwrap_or_default();
    let after = move || query.read().get("after");
    let list = Resource::new_blocking(
        move || (slug(), status(), after()),
        |(slug, status, after)| list_invitations(slug, Some(status), after),
    );

    view! {
        <Title text="Invitations · Gatehouse admin" />
        <h1>"Invitations"</h1>
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading invitations…"</p> }
        }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) => {
                        view! { <Invitations slug=slug() status=status() after=after() list /> }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The invite and bulk forms, the status filter, and one page of the
/// invitations in it (`after` the last of the page before), with the row
/// actions; reloaded after each action in the browser.
#[island]
fn Invitations(
    slug: String,
    status: String,
    after: Option<String>,
    list: InvitationList,
) -> impl IntoView {
    let invite = ServerAction::<InviteGuest>::new();
    let bulk = ServerAction::<BulkInvite>::new();
    let resend = ServerAction::<ResendInvitation>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let reset = ServerAction::<ResetRedemption>::new();
    let list = RwSignal::new(list);
    reload_after(
        move || {
            invite.version().get()
                + bulk.version().get()
                + resend.version().get()
                + revoke.version().get()
                + reset.version().get()
        },
        list,
        {
            let (slug, status, after) = (slug.clone(), status.clone(), after.clone());
            move || list_invitations(slug.clone(), Some(status.clone()), after.clone())
        },
    );
    let resent = move || {
        let invited = resend.value().get().and_then(Result::ok)?;
        let (email, url) = (invited.email, invited.redeem_url?);
        Some(view! {
            <div class="notice" role="status" id="resend-result">
                <p>
                    {format!("New link for {email} (the old one no longer works; shown only now):")}
                </p>
                <p>
                    <code class="redeem-url">{url}</code>
                </p>
            </div>
        })
    };
    let row_refusals = [refusal_of(resend), refusal_of(revoke), refusal_of(reset)];
    let row_error = move || {
        row_refusals
            .iter()
            .find_map(|refusal| refusal.get())
            .map(|e| {
                view! { <Alert message=e.to_string() /> }
            })
    };
    let filters = FILTERS
        .iter()
        .map(|(value, label)| {
            let href = if value.is_empty() {
                "?".to_owned()
            } else {
                format!("?status={value}")
            };
            view! {
                <a href=href class:current=status == *value>
                    {*label}
                </a>
            }
        })
        .collect_view();
    let rows_slug = slug.clone();
    let row = move |row: InvitationRow| {
        let slug = rows_slug.clone();
        let open = matches!(
            row.status,
            InvitationStatus::PendingAcceptance | InvitationStatus::Expired
        );
        let accepted = row.status == InvitationStatus::Accepted;
        let form = |slug: String, id: String| {
            view! {
                <input type="hidden" name="slug" value=slug />
                <input type="hidden" name="id" value=id />
            }
        };
        let actions = open.then(|| {
            let (resend_fields, revoke_fields) = (
                form(slug.clone(), row.id.clone()),
                form(slug.clone(), row.id.clone()),
            );
            view! {
                <ActionForm action=resend attr:class="inline">
                    {resend_fields}
                    <button type="submit" class="link">
                        "Resend"
                    </button>
                </ActionForm>
                " "
                <ActionForm action=revoke attr:class="inline">
                    {revoke_fields}
                    <button type="submit" class="link">
                        "Revoke"
                    </button>
                </ActionForm>
            }
        });
        let reset_action = accepted.then(|| {
            let fields = form(slug.clone(), row.id.clone());
            view! {
                <ActionForm action=reset attr:class="inline">
                    {fields}
                    <button type="submit" class="link">
                        "Reset redemption"
                    </button>
                </ActionForm>
            }
        });
        let key = row.email.clone();
        view! {
            <tr data-email=key>
                <td>{row.email}</td>
                <td>{row.guest_upn}</td>
                <td>{row.status.as_str()}</td>
                <td class="date">{row.created}</td>
                <td class="date">{row.expires}</td>
                <td>{actions}{reset_action}</td>
            </tr>
        }
    };
    let next = move || {
        list.read().next.clone().map(|next| {
            let href = format!(
                "?status={}&after={}",
                encode_query_value(&status),
                encode_query_value(&next),
            );
            view! {
                <a class="button" href=href rel="next">
                    "Next page"
                </a>
            }
        })
    };
    view! {
        <section class="card">
            <h2>"New invitation"</h2>
            <InviteForm slug=slug.clone() action=invite admin=true />
        </section>
        <section class="card">
            <h2>"Bulk invite"</h2>
            <BulkInviteForm slug action=bulk />
        </section>
        <nav class="filters" aria-label="Filter by status">
            {filters}
        </nav>
        {row_error}
        {resent}
        <table class="invitations">
            <thead>
                <tr>
                    <th scope="col">"E-mail"</th>
                    <th scope="col">"Guest"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Sent"</th>
                    <th scope="col">"Expires"</th>
                    <th scope="col">"Actions"</th>
                </tr>
            </thead>
            <tbody>{move || list.get().rows.into_iter().map(row.clone()).collect_view()}</tbody>
        </table>
        <nav class="pager" aria-label="Pages">
            {next}
        </nav>
    }
}

/// `/t/{slug}/invite`: a member invites a guest, when the tenant allows it.
#[component]
pub fn MemberInvitePage() -> impl IntoView {
    let params = use_params_map();
    let slug = Signal::derive(move || params.read().get("slug").unwrap_or_default());
    view! {
        <Title text="Invite a guest · Gatehouse" />
        <section class="card narrow">
            <h1>"Invite a guest"</h1>
            <p class="muted">
                "Invite someone from a partner organisation to your organisation's applications."
            </p>
            <MemberInvite slug=slug.get_untracked() />
        </section>
    }
}

/// The member's invite form. An island: the link, when not e-mailed, is
/// shown once, from the answer in the browser.
#[island]
fn MemberInvite(slug: String) -> impl IntoView {
    let invite = ServerAction::<InviteGuest>::new();
    view! { <InviteForm slug action=invite admin=false /> }
}
