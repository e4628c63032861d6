//! `/`: what Gatehouse is, and — in demo mode only — how to walk the story.

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::site_info;

#[component]
pub fn HomePage() -> impl IntoView {
    let info = Resource::new_blocking(|| (), |_| site_info());
    view! {
        <Title text="Gatehouse" />
        <section class="hero">
            <h1>"Let your partners' people in — safely."</h1>
            <p>
                "Gatehouse is a self-hosted identity service for B2B collaboration. "
                "Your organisation (Woodgrove) invites people from partner organisations "
                "(Contoso) as guests. They sign in with the identity they already have at home, "
                "and when one of your applications requires multi-factor authentication, "
                <strong>"your"</strong>" MFA applies: the guest sets up an authenticator app or a "
                "passkey with you, and you can see and reset their methods."
            </p>
            <p>
                <a class="button primary" href="/signin">
                    "Sign in"
                </a>
            </p>
        </section>
        <Suspense>
            {move || Suspend::new(async move {
                info.await
                    .ok()
                    .and_then(|info| info.demo)
                    .map(|demo| {
                        view! {
                            <section class="card demo" id="demo">
                                <h2>"Walk the demo"</h2>
                                <p>
                                    "This server runs in demo mode: Woodgrove (premium, 10 seats) is the "
                                    "resource tenant, Contoso (free) a partner. Every demo account's password is "
                                    <code class="demo-password">{demo.password}</code>"."
                                </p>
                                <p id="demo-mfa">
                                    "The admin portal asks each admin for MFA with their tenant: at the first "
                                    "sign-in you set up an authenticator app from a QR code (any TOTP app will "
                                    "do) or a passkey or security key (on localhost or https), then keep the "
                                    "recovery codes it gives you. Security info manages your methods later."
                                </p>
                                <p id="demo-foo">
                                    "Woodgrove's application Foo requires MFA: "
                                    <a href="/demo/foo" rel="external">
                                        "sign in to Foo"
                                    </a>
                                    " as a Woodgrove member, or invite a Contoso member with Foo ("
                                    <code>"/demo/foo"</code>
                                    ") as the target, and watch Woodgrove's MFA set up and asked for on the way in."
                                </p>
                                <table>
                                    <thead>
                                        <tr>
                                            <th scope="col">"Sign in as"</th>
                                            <th scope="col">"Who"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {demo
                                            .accounts
                                            .into_iter()
                                            .map(|account| {
                                                view! {
                                                    <tr>
                                                        <td>
                                                            <code>{account.upn}</code>
                                                        </td>
                                                        <td>{account.role}</td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            </section>
                        }
                    })
            })}
        </Suspense>
    }
}

/// `/privacy`: what Gatehouse keeps about a guest, linked from invitation
/// mails and the consent page.
#[component]
pub fn PrivacyPage() -> impl IntoView {
    view! {
        <Title text="Privacy · Gatehouse" />
        <section class="card narrow">
            <h1>"Privacy"</h1>
            <p>
                "When you accept an invitation, the organisation that invited you keeps a guest "
                "account for you: your name, your e-mail address, which identity you sign in with, "
                "and a record of your sign-ins and of changes to your account (its audit trail)."
            </p>
            <p>
                "Your password, if you made a personal account, is stored only as an argon2id hash. "
                "Codes and invitation links are stored only as digests, and mail waiting to be sent "
                "is encrypted."
            </p>
            <p>
                "The inviting organisation is responsible for your data there; ask its administrators "
                "to see or remove it."
            </p>
        </section>
    }
}
