//! The user page (`/t/{slug}/admin/users/{id}`): who the user is, how they
//! sign in, and the admin's actions on them.
//!
//! *Reset MFA* asks first: the confirmation names the user and says what
//! happens. Removing someone's methods needs the admin's own MFA within
//! ten minutes; when it is older the action answers `MfaRequired` and the
//! page sends the browser through the challenge, back to itself with the
//! confirmation open. Every form posts to its server function and works
//! before the WASM has loaded (a refusal comes back in the URL, `__err`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::api::{
    find_user_detail, RemoveUserMethod, ResetUserMfa, ResetUserRedemption, RevokeUserSessions,
    SetUserEnabled,
};
use super::{user_path, EventLine, InvitationLine, SessionLine, UserDetail};
use crate::components::{done_of, posted_refusal, Alert, ErrorPage};
use crate::domain::{ExternalUserState, UserType};
use crate::error::AppError;
use crate::security_info::MethodRow;

/// The page's server actions, shared by its parts.
#[derive(Clone, Copy)]
struct Actions {
    reset: ServerAction<ResetUserMfa>,
    remove: ServerAction<RemoveUserMethod>,
    revoke: ServerAction<RevokeUserSessions>,
    enable: ServerAction<SetUserEnabled>,
    reset_redemption: ServerAction<ResetUserRedemption>,
}

impl Actions {
    fn new() -> Self {
        Self {
            reset: ServerAction::new(),
            remove: ServerAction::new(),
            revoke: ServerAction::new(),
            enable: ServerAction::new(),
            reset_redemption: ServerAction::new(),
        }
    }
}

#[component]
pub fn UserAdminPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let id = move || params.read().get("id").unwrap_or_default();
    let actions = Actions::new();
    let user = Resource::new_blocking(
        move || (slug(), id()),
        |(slug, id)| find_user_detail(slug, id),
    );
    let query = use_query_map();
    // A page of plain forms: each one posts and comes back here, with its
    // refusal in the address.
    let refusal = RwSignal::new(posted_refusal());
    // Back from the step-up the reset asked for: the confirmation open again
    // (not once the reset is done).
    let confirm_reset = query.read_untracked().get("confirm").as_deref() == Some("reset")
        && !done_of(actions.reset).get_untracked();
    view! {
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(user) => {
                        view! { <User slug=slug() user actions refusal confirm_reset /> }.into_any()
                    }
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn User(
    slug: String,
    user: UserDetail,
    actions: Actions,
    refusal: RwSignal<Option<AppError>>,
    confirm_reset: bool,
) -> impl IntoView {
    let here = user_path(&slug, &user.id);
    let step_up = crate::mfa::verify_path(&slug, &format!("{here}?confirm=reset"));
    let needs_mfa = move || matches!(refusal.get(), Some(AppError::MfaRequired));
    let message = move || {
        refusal
            .get()
            .filter(|error| *error != AppError::MfaRequired)
            .map(|error| {
                view! { <Alert message=error.to_string() id="user-error" /> }
            })
    };
    // What the last form did, when it was one whose effect the page does
    // not show by itself (the page shows the new state after every form).
    let done = {
        let reset = done_of(actions.reset);
        let revoked = done_of(actions.revoke);
        move || {
            let text = if reset.get() {
                "MFA reset: their sign-in methods and recovery codes no longer work; they set up a new method the next time MFA is asked of them."
            } else if revoked.get() {
                "Sessions revoked: they sign in again everywhere."
            } else {
                return None;
            };
            Some(view! {
                <p class="notice" role="status" id="user-done">
                    {text}
                </p>
            })
        }
    };
    let kind = match (user.user_type, user.external_user_state) {
        (UserType::Member, _) if user.is_admin => "Member, admin",
        (UserType::Member, _) => "Member",
        (UserType::Guest, Some(ExternalUserState::PendingAcceptance)) => {
            "Guest, invitation pending"
        }
        (UserType::Guest, _) => "Guest",
    };
    let redeemed_guest = user.user_type == UserType::Guest
        && user.external_user_state == Some(ExternalUserState::Accepted);
    let UserDetail {
        id,
        upn,
        display_name,
        mail,
        account_enabled,
        created,
        home,
        invitations,
        methods,
        recovery_codes_left,
        sessions,
        events,
        is_self,
        ..
    } = user;
    let audit_link = format!(
        "/t/{slug}/admin/audit?target={}",
        crate::components::encode_query_value(&upn)
    );
    view! {
        <Title text=format!("{display_name} · Users · Gatehouse") />
        {move || needs_mfa().then(|| view! { <Redirect path=step_up.clone() /> })}
        <p>
            <a href=format!("/t/{slug}/admin/users")>"← Users"</a>
        </p>
        <h1 id="user-name">{display_name.clone()}</h1>
        <p class="muted">
            <span id="user-upn">{upn.clone()}</span>
            " · "
            <span id="user-kind">{kind}</span>
            {(!account_enabled)
                .then(|| {
                    view! {
                        " · "
                        <strong id="user-disabled">"Disabled"</strong>
                    }
                })}
        </p>
        {message}
        {done}
        <section class="card">
            <h2>"Profile"</h2>
            <dl class="profile">
                <dt>"User principal name"</dt>
                <dd>{upn.clone()}</dd>
                <dt>"E-mail"</dt>
                <dd>{mail.unwrap_or_else(|| "—".into())}</dd>
                <dt>"Home identity"</dt>
                <dd id="user-home">{home.unwrap_or_else(|| "This tenant".into())}</dd>
                <dt>"Created"</dt>
                <dd>{created}</dd>
                <dt>"Account"</dt>
                <dd id="user-account">{if account_enabled { "Enabled" } else { "Disabled" }}</dd>
            </dl>
        </section>
        <Methods
            slug=slug.clone()
            id=id.clone()
            upn=upn.clone()
            display_name=display_name.clone()
            methods
            recovery_codes_left
            is_self
            confirm_reset
            actions
        />
        <Sessions slug=slug.clone() id=id.clone() sessions actions />
        {(!is_self)
            .then(|| {
                view! {
                    <Account
                        slug=slug.clone()
                        id=id.clone()
                        display_name=display_name.clone()
                        account_enabled
                        enable=actions.enable
                    />
                }
            })}
        {redeemed_guest
            .then(|| {
                view! {
                    <ResetRedemption
                        slug=slug.clone()
                        id=id.clone()
                        reset=actions.reset_redemption
                    />
                }
            })}
        <Invitations invitations />
        <Events events audit_link />
    }
}

/// The user's methods, *Remove* beside each, and *Reset MFA*.
#[component]
fn Methods(
    slug: String,
    id: String,
    upn: String,
    display_name: String,
    methods: Vec<MethodRow>,
    recovery_codes_left: i64,
    is_self: bool,
    confirm_reset: bool,
    actions: Actions,
) -> impl IntoView {
    let count = methods.len();
    let none = methods.is_empty().then(|| {
        view! {
            <tr>
                <td colspan="5" class="muted">
                    "No sign-in method: they set one up the next time MFA is asked of them."
                </td>
            </tr>
        }
    });
    let rows = methods
        .into_iter()
        .map(|method| {
            let (slug, id) = (slug.clone(), id.clone());
            let remove = (!is_self).then(|| {
                view! {
                    <ActionForm action=actions.remove attr:class="inline">
                        <input type="hidden" name="slug" value=slug />
                        <input type="hidden" name="id" value=id />
                        <input type="hidden" name="method_id" value=method.id.clone() />
                        <button type="submit" class="link danger">
                            "Remove"
                        </button>
                    </ActionForm>
                }
            });
            view! {
                <tr data-method=method.name.clone()>
                    <td>{method.kind.label()}</td>
                    <td>{method.name.clone()}</td>
                    <td>{method.added}</td>
                    <td>{method.last_used.unwrap_or_else(|| "never".into())}</td>
                    <td>{remove}</td>
                </tr>
            }
        })
        .collect_view();
    let reset = if is_self {
        view! {
            <p class="muted" id="own-methods">
                "These are your own methods: change them at "
                <a href=format!("/security-info?tenant={slug}")>"Security info"</a>
                "."
            </p>
        }
        .into_any()
    } else {
        view! {
            <details class="confirm" id="reset-mfa" open=confirm_reset>
                <summary>"Reset MFA…"</summary>
                <p id="reset-mfa-warning">
                    {format!(
                        "Reset MFA for {display_name} ({upn})? Their {count} sign-in {} and their recovery codes stop working at once, and every session of theirs must pass MFA again. The next time MFA is asked of them, they set up a new method. They get an e-mail that says you did this.",
                        if count == 1 { "method" } else { "methods" },
                    )}
                </p>
                <ActionForm action=actions.reset attr:class="inline">
                    <input type="hidden" name="slug" value=slug.clone() />
                    <input type="hidden" name="id" value=id.clone() />
                    <button
                        type="submit"
                        class="danger"
                        id="reset-mfa-confirm"
                        disabled=move || actions.reset.pending().get()
                    >
                        "Reset MFA"
                    </button>
                </ActionForm>
            </details>
        }
        .into_any()
    };
    view! {
        <section class="card">
            <h2>"Sign-in methods"</h2>
            <table class="methods" id="user-methods">
                <thead>
                    <tr>
                        <th scope="col">"Method"</th>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Added"</th>
                        <th scope="col">"Last used"</th>
                        <th scope="col">""</th>
                    </tr>
                </thead>
                <tbody>{rows} {none}</tbody>
            </table>
            <p id="user-recovery-codes">
                {recovery_codes_left} " unused recovery "
                {if recovery_codes_left == 1 { "code" } else { "codes" }}
            </p>
            {reset}
        </section>
    }
}

/// Live sessions acting as the user, and *Revoke sessions*.
#[component]
fn Sessions(
    slug: String,
    id: String,
    sessions: Vec<SessionLine>,
    actions: Actions,
) -> impl IntoView {
    let none = sessions.is_empty().then(|| {
        view! {
            <tr>
                <td colspan="3" class="muted">
                    "No live session."
                </td>
            </tr>
        }
    });
    let rows = sessions
        .into_iter()
        .map(|session| {
            view! {
                <tr>
                    <td>{session.signed_in}</td>
                    <td>{session.expires}</td>
                    <td>{session.mfa.unwrap_or_else(|| "—".into())}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card">
            <h2>"Sessions"</h2>
            <table class="sessions" id="user-sessions">
                <thead>
                    <tr>
                        <th scope="col">"Signed in"</th>
                        <th scope="col">"Expires"</th>
                        <th scope="col">"MFA here"</th>
                    </tr>
                </thead>
                <tbody>{rows} {none}</tbody>
            </table>
            <p class="muted">
                "Revoking ends a member's sessions. A guest signs in at home: their sessions there stay, but must pass MFA here again, and the tokens issued to them here stop working."
            </p>
            <ActionForm action=actions.revoke attr:class="inline">
                <input type="hidden" name="slug" value=slug />
                <input type="hidden" name="id" value=id />
                <button type="submit" id="revoke-sessions">
                    "Revoke sessions"
                </button>
            </ActionForm>
        </section>
    }
}

/// *Disable* / *Enable*.
#[component]
fn Account(
    slug: String,
    id: String,
    display_name: String,
    account_enabled: bool,
    enable: ServerAction<SetUserEnabled>,
) -> impl IntoView {
    let (text, label, value) = if account_enabled {
        (
            format!(
                "Disabling ends {display_name}'s access at once: they cannot sign in, redeem an invitation or get a token. Their methods are kept."
            ),
            "Disable account",
            "false",
        )
    } else {
        (
            format!("Enabling lets {display_name} sign in again, with the methods they had."),
            "Enable account",
            "true",
        )
    };
    view! {
        <section class="card">
            <h2>"Account"</h2>
            <p class="muted">{text}</p>
            <ActionForm action=enable attr:class="inline">
                <input type="hidden" name="slug" value=slug />
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="enabled" value=value />
                <button type="submit" id="set-account-enabled" class:danger=account_enabled>
                    {label}
                </button>
            </ActionForm>
        </section>
    }
}

/// *Reset redemption* of a redeemed guest, optionally with their methods.
#[component]
fn ResetRedemption(
    slug: String,
    id: String,
    reset: ServerAction<ResetUserRedemption>,
) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Redemption"</h2>
            <p class="muted">
                "Resetting unbinds the guest from their home account and e-mails them a new invitation: they can redeem it with another account, keeping this user object, its name and its assignments."
            </p>
            <ActionForm action=reset attr:class="form">
                <input type="hidden" name="slug" value=slug />
                <input type="hidden" name="id" value=id />
                <label class="checkbox">
                    <input
                        type="checkbox"
                        id="also-clear-methods"
                        name="clear_methods"
                        value="on"
                    />
                    " Also clear their sign-in methods"
                </label>
                <button type="submit" id="reset-redemption" disabled=move || reset.pending().get()>
                    "Reset redemption"
                </button>
            </ActionForm>
        </section>
    }
}

#[component]
fn Invitations(invitations: Vec<InvitationLine>) -> impl IntoView {
    if invitations.is_empty() {
        return ().into_any();
    }
    view! {
        <section class="card">
            <h2>"Invitations"</h2>
            <table id="user-invitations">
                <thead>
                    <tr>
                        <th scope="col">"Sent"</th>
                        <th scope="col">"To"</th>
                        <th scope="col">"By"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Redeemed"</th>
                    </tr>
                </thead>
                <tbody>
                    {invitations
                        .into_iter()
                        .map(|invitation| {
                            view! {
                                <tr>
                                    <td>{invitation.sent}</td>
                                    <td>{invitation.invited_email}</td>
                                    <td>{invitation.inviter}</td>
                                    <td>{invitation.status}</td>
                                    <td>{invitation.redeemed.unwrap_or_else(|| "—".into())}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
    .into_any()
}

#[component]
fn Events(events: Vec<EventLine>, audit_link: String) -> impl IntoView {
    let none = events.is_empty().then(|| {
        view! {
            <tr>
                <td colspan="4" class="muted">
                    "Nothing recorded yet."
                </td>
            </tr>
        }
    });
    view! {
        <section class="card">
            <h2>"Recent activity"</h2>
            <table id="user-events">
                <thead>
                    <tr>
                        <th scope="col">"When"</th>
                        <th scope="col">"Action"</th>
                        <th scope="col">"By"</th>
                        <th scope="col">"Outcome"</th>
                    </tr>
                </thead>
                <tbody>
                    {events
                        .into_iter()
                        .map(|event| {
                            view! {
                                <tr>
                                    <td>{event.at}</td>
                                    <td>{event.action}</td>
                                    <td>{event.actor}</td>
                                    <td>{event.outcome}</td>
                                </tr>
                            }
                        })
                        .collect_view()} {none}
                </tbody>
            </table>
            <p>
                <a href=audit_link>"All of it in the audit log"</a>
            </p>
        </section>
    }
}
