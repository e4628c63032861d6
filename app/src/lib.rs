//! Gatehouse's one Leptos app: the pages guests and admins use, their wire
//! types and server functions, and — behind the `ssr` feature — the services
//! that the pages, the REST API and the CLI all call.
//!
//! Organised by feature: each folder holds its wire types (`mod.rs`), its
//! server functions (`api.rs`), its pages, and its server-side logic (`ssr`).

#![recursion_limit = "512"]

pub mod admin;
pub mod applications;
pub mod audit_log;
pub mod auth;
pub mod components;
pub mod demo;
pub mod domain;
pub mod error;
pub mod home;
pub mod invitations;
pub mod licensing;
pub mod mail;
pub mod mfa;
pub mod myapps;
pub mod oidc;
pub mod partners;
pub mod policies;
pub mod redemption;
pub mod security_info;
pub mod settings;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod tenants;
pub mod tokens;
pub mod user_admin;
pub mod users;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes, A};
use leptos_router::hooks::use_location;
use leptos_router::{path, SsrMode};

use admin::layout::AdminLayout;
use applications::page::{ApplicationPage, ApplicationsPage};
use audit_log::page::AuditLogPage;
use auth::api::{current_user, SignOut};
use auth::signin::SignInPage;
use components::NotFoundPage;
use home::page::{HomePage, PrivacyPage};
use invitations::page::{InvitationsPage, MemberInvitePage};
use licensing::page::LicensingPage;
use mail::page::DevMailPage;
use mfa::setup::MfaSetupPage;
use mfa::verify::MfaVerifyPage;
use myapps::page::MyAppsPage;
use partners::page::PartnersPage;
use policies::page::PoliciesPage;
use redemption::consent::JustInTimeConsentPage;
use redemption::page::RedeemPage;
use security_info::page::SecurityInfoPage;
use settings::page::SettingsPage;
use tokens::page::TokensPage;
use user_admin::page::UserAdminPage;
use users::page::UsersPage;

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.ico" />
                <AutoReload options=options.clone() />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Stylesheet id="leptos" href="/pkg/gatehouse.css" />
        <Title text="Gatehouse" />
        <Router>
            <Header />
            <main>
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("/signin") view=SignInPage />
                    <Route path=path!("/privacy") view=PrivacyPage />
                    <Route path=path!("/myapps") view=MyAppsPage ssr=SsrMode::Async />
                    <Route path=path!("/security-info") view=SecurityInfoPage ssr=SsrMode::Async />
                    <Route path=path!("/redeem") view=RedeemPage ssr=SsrMode::Async />
                    <Route
                        path=path!("/redeem/consent")
                        view=JustInTimeConsentPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/mfa/setup") view=MfaSetupPage ssr=SsrMode::Async />
                    <Route path=path!("/mfa/verify") view=MfaVerifyPage ssr=SsrMode::Async />
                    <Route path=path!("/t/:slug/invite") view=MemberInvitePage />
                    <Route path=path!("/dev/mail") view=DevMailPage ssr=SsrMode::Async />
                    <ParentRoute path=path!("/t/:slug/admin") view=AdminLayout ssr=SsrMode::Async>
                        <Route path=path!("users") view=UsersPage ssr=SsrMode::Async />
                        <Route path=path!("users/:id") view=UserAdminPage ssr=SsrMode::Async />
                        <Route path=path!("invitations") view=InvitationsPage ssr=SsrMode::Async />
                        <Route
                            path=path!("applications")
                            view=ApplicationsPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("applications/:id")
                            view=ApplicationPage
                            ssr=SsrMode::Async
                        />
                        <Route path=path!("licensing") view=LicensingPage ssr=SsrMode::Async />
                        <Route path=path!("policies") view=PoliciesPage ssr=SsrMode::Async />
                        <Route path=path!("partners") view=PartnersPage ssr=SsrMode::Async />
                        <Route path=path!("settings") view=SettingsPage ssr=SsrMode::Async />
                        <Route path=path!("tokens") view=TokensPage ssr=SsrMode::Async />
                        <Route path=path!("audit") view=AuditLogPage ssr=SsrMode::Async />
                    </ParentRoute>
                </Routes>
            </main>
        </Router>
    }
}

/// The top bar: the product's name and who is signed in.
#[component]
fn Header() -> impl IntoView {
    let location = use_location();
    // Refetched on navigation, so signing in or out shows at once.
    let me = Resource::new(
        move || (location.pathname.get(), location.search.get()),
        |_| current_user(),
    );
    let sign_out = ServerAction::<SignOut>::new();

    view! {
        <header class="topbar">
            <A href="/" attr:class="brand">
                "Gatehouse"
            </A>
            <Transition>
                {move || Suspend::new(async move {
                    match me.await {
                        Ok(Some(me)) => {
                            view! {
                                <div class="who">
                                    <span class="who-name" title=me.upn.clone()>
                                        {me.display_name.clone()}
                                    </span>
                                    <A href="/myapps">"My Apps"</A>
                                    <A href="/security-info">"Security info"</A>
                                    <ActionForm action=sign_out attr:class="inline">
                                        <button type="submit" class="link">
                                            "Sign out"
                                        </button>
                                    </ActionForm>
                                </div>
                            }
                                .into_any()
                        }
                        _ => {
                            view! {
                                <div class="who">
                                    <A href="/signin">"Sign in"</A>
                                </div>
                            }
                                .into_any()
                        }
                    }
                })}
            </Transition>
        </header>
    }
}
