//! A real Gatehouse for tests: the server on port 0 of loopback, a fresh
//! SQLite file in a temporary folder, the demo data, and a clock the test
//! controls. Requests go over HTTP like a browser's, cookies handled by hand
//! so tests can see them.
//!
//! Tests drive Gatehouse as its users do — pages, server functions, the REST
//! API — and decode every reply into a type. Set-up that nothing over HTTP
//! does yet (a plan's seats, a tenant, a tenant setting) calls the service,
//! or as a last resort writes SQL, here only: a change of those inside `app`
//! is one edit in this file.

#![allow(dead_code)] // each test file uses its own part of this helper

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use app::ssr::clock::{Clock as _, ManualClock};
use app::ssr::config::PublicUrl;
use app::ssr::{Actor, AppState};
use reqwest::header::{HeaderMap, ACCEPT, COOKIE, ORIGIN, REFERER, SET_COOKIE};
use reqwest::{redirect, Method, RequestBuilder, Response, StatusCode, Url};
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use server::startup::{self, Settings, StartupError};

use self::wire::{AppError, Me, OutboxMail};

pub const DEMO_PASSWORD: &str = "correct horse battery staple";
/// 2026-11-25T12:00:00Z: tests run at a fixed instant.
pub const T0: i64 = 1_795_608_000;

/// The server functions' replies, decoded with the types the app's own pages
/// decode them with. Named once here, so that a type moving inside `app` is
/// one edit.
#[allow(unused_imports)] // each test file decodes its own few
pub mod wire {
    pub use app::auth::Me;
    pub use app::domain::{ExternalUserState, Plan, UserType};
    pub use app::error::AppError;
    pub use app::invitations::api::{InvitationList, Invited};
    pub use app::invitations::{BulkOutcome, InvitationStatus};
    pub use app::licensing::LicenceSummary;
    pub use app::mail::{MailStatus, OutboxMail};
    pub use app::mfa::{MfaContext, ProofUpDone, TotpSetupView};
    pub use app::myapps::MyAppsOverview;
    pub use app::redemption::{HomeRealm, InvitationView};
    pub use app::security_info::{SecurityInfoView, TenantSecurity};
    pub use app::tokens::TokenRow;
    pub use app::users::UserPage;
}

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    pub client: reqwest::Client,
    /// The database, for a second connection (`sqlite:…`).
    pub database_url: String,
    pub dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<Result<(), StartupError>>>,
    /// The unused recovery codes of each admin that proofed up, by UPN.
    recovery_codes: std::sync::Mutex<std::collections::HashMap<String, Vec<String>>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Gatehouse with the default settings: demo data, no SMTP relay, a public
/// URL on the loopback port it got.
pub async fn spawn_app() -> TestApp {
    TestApp::builder().start().await
}

/// The settings a [`TestApp`] starts with, as `gatehouse serve` takes them.
pub struct TestAppBuilder {
    public_url: String,
    smtp_url: Option<String>,
    demo: bool,
}

impl TestApp {
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder {
            public_url: "http://127.0.0.1:{port}".into(),
            smtp_url: None,
            demo: true,
        }
    }
}

impl TestAppBuilder {
    /// The public URL; `{port}` is replaced by the port the server got.
    pub fn public_url(mut self, template: &str) -> Self {
        self.public_url = template.into();
        self
    }

    /// An SMTP relay: the delivery worker runs beside the server.
    pub fn smtp(mut self, url: &str) -> Self {
        self.smtp_url = Some(url.into());
        self
    }

    /// With or without the demo data (and `/dev/mail`); with, by default.
    pub fn demo(mut self, demo: bool) -> Self {
        self.demo = demo;
        self
    }

    /// Starts the server. A server that stops at once (bad settings) is seen
    /// through [`TestApp::ended_within`].
    pub async fn start(self) -> TestApp {
        let dir = tempfile::tempdir().expect("temporary folder");
        let listener = startup::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("local address");
        let public_url = self.public_url.replace("{port}", &addr.port().to_string());
        let database_url = format!("sqlite:{}", dir.path().join("gatehouse.db").display());
        let settings = Settings {
            database_url: database_url.clone(),
            public_url: PublicUrl::parse(&public_url).expect("public URL"),
            smtp_url: self.smtp_url.map(SecretString::from),
            secret_key: None,
            secret_key_file: dir.path().join("secret.key"),
            demo: self.demo,
            site_root: dir.path().join("site").display().to_string(),
        };
        let clock = ManualClock::starting_at(T0);
        let state = startup::build_state(&settings, addr, clock.clone())
            .await
            .expect("state");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = tokio::spawn(startup::serve(listener, state.clone(), async {
            let _ = stopped.await;
        }));
        let client = reqwest::Client::builder()
            .redirect(redirect::Policy::none())
            // A request the server never answers fails its test, instead of
            // holding the whole run until CI's limit.
            .timeout(Duration::from_secs(120))
            .build()
            .expect("client");
        TestApp {
            base: format!("http://{addr}"),
            state,
            clock,
            client,
            database_url,
            dir,
            stop: Some(stop),
            served: Some(served),
            recovery_codes: Default::default(),
        }
    }
}

impl TestApp {
    /// Asks the server to stop, as SIGTERM does, and waits for it to finish
    /// what it is doing.
    pub async fn stop(&mut self) -> Result<(), StartupError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.ended_within(Duration::from_secs(15))
            .await
            .expect("the server stops in time")
    }

    /// How the server ended, if it ends within `wait` (without being asked).
    pub async fn ended_within(&mut self, wait: Duration) -> Option<Result<(), StartupError>> {
        let served = self.served.as_mut().expect("a server that has not ended");
        let ended = tokio::time::timeout(wait, served).await.ok()?;
        self.served = None;
        Some(ended.expect("the server task"))
    }
}

/// The session cookie a response sets, as `name=value`.
pub fn session_cookie(response: &Response) -> Option<String> {
    set_cookies(response)
        .into_iter()
        .find(|value| value.contains("gatehouse_session="))
        .and_then(|value| value.split(';').next().map(str::to_owned))
}

/// Where a redirect sends the browser (`Location`); the response must be one.
pub fn location(response: &Response) -> String {
    assert!(
        response.status().is_redirection(),
        "a redirect, not {}",
        response.status()
    );
    response.headers()[reqwest::header::LOCATION]
        .to_str()
        .expect("Location")
        .to_owned()
}

/// Where a local step (`/mfa/setup?…&next=…`, `/signin?next=…`) sends the
/// browser back to.
pub fn next_of(step: &str) -> String {
    let (_, query) = step.split_once('?').expect("a query");
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "next")
        .map(|(_, next)| next.into_owned())
        .expect("next")
}

/// All `Set-Cookie` headers of a response.
pub fn set_cookies(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok().map(str::to_owned))
        .collect()
}

/// The reply's JSON body as `T`, after checking its status (the body is
/// shown when the status is not the one expected).
pub async fn json_reply<T: DeserializeOwned>(response: Response, expected: StatusCode) -> T {
    let status = response.status();
    let body = response.text().await.expect("a body");
    assert_eq!(status, expected, "{body}");
    serde_json::from_str(&body).unwrap_or_else(|error| panic!("{error}: {body}"))
}

/// A server function's refusal, as the app's own client decodes it.
pub async fn app_error(response: Response) -> AppError {
    let status = response.status();
    let body = response.text().await.expect("a body");
    assert!(!status.is_success(), "a refusal, not {status}: {body}");
    let error: AppError =
        serde_json::from_str(&body).unwrap_or_else(|error| panic!("{error}: {body}"));
    assert_eq!(status.as_u16(), error.status(), "{body}");
    error
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn headers(&self, cookie: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            ORIGIN,
            self.state
                .config
                .public_url
                .origin()
                .parse()
                .expect("origin"),
        );
        if let Some(cookie) = cookie {
            headers.insert(COOKIE, cookie.parse().expect("cookie"));
        }
        headers
    }

    /// Calls a server function the way the app's own forms do.
    pub async fn call(
        &self,
        function: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> Response {
        self.client
            .post(self.url(&format!("/api/{function}")))
            .headers(self.headers(cookie))
            .form(form)
            .send()
            .await
            .expect("request")
    }

    /// Posts `page`'s form to a server function as a browser does before
    /// the WASM has loaded: a plain form that wants HTML back, so the answer
    /// is a redirect to `page` (with the refusal in its address, if any).
    pub async fn post_before_wasm(
        &self,
        function: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
        page: &str,
    ) -> Response {
        self.client
            .post(self.url(&format!("/api/{function}")))
            .headers(self.headers(cookie))
            .header(ACCEPT, "text/html,application/xhtml+xml")
            .header(REFERER, self.url(page))
            .form(form)
            .send()
            .await
            .expect("request")
    }

    /// Follows the redirect that answered [`TestApp::post_before_wasm`] as
    /// that browser would: with its session and the cookie the redirect set.
    /// Answers the page's HTML.
    pub async fn follow_back(&self, response: &Response, cookie: Option<&str>) -> String {
        let cookies = set_cookies(response)
            .iter()
            .filter_map(|set| set.split(';').next().map(str::to_owned))
            .chain(cookie.map(str::to_owned))
            .collect::<Vec<_>>()
            .join("; ");
        let page = self
            .client
            .get(location(response))
            .header(ACCEPT, "text/html")
            .header(COOKIE, cookies)
            .send()
            .await
            .expect("request");
        assert_eq!(page.status(), StatusCode::OK);
        page.text().await.expect("a page")
    }

    /// Calls a server function that takes JSON (the passkey steps).
    pub async fn call_json(
        &self,
        function: &str,
        body: &serde_json::Value,
        cookie: Option<&str>,
    ) -> Response {
        self.client
            .post(self.url(&format!("/api/{function}")))
            .headers(self.headers(cookie))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// Calls a server function that must succeed; its reply as `T`.
    pub async fn fetch<T: DeserializeOwned>(
        &self,
        function: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> T {
        json_reply(self.call(function, form, cookie).await, StatusCode::OK).await
    }

    pub async fn sign_in(&self, upn: &str, password: &str, cookie: Option<&str>) -> Response {
        self.call("sign_in", &[("upn", upn), ("password", password)], cookie)
            .await
    }

    /// Signs in and returns the session cookie.
    pub async fn signed_in(&self, upn: &str) -> String {
        let response = self.sign_in(upn, DEMO_PASSWORD, None).await;
        assert_eq!(response.status(), StatusCode::OK, "sign-in of {upn}");
        session_cookie(&response).expect("a session cookie")
    }

    /// Signs an admin in and passes their tenant's MFA, as the portal
    /// demands: the first time by setting up an authenticator app, later
    /// with one of the recovery codes it gave (so no clock has to move).
    /// Returns the session cookie.
    pub async fn admin_session(&self, upn: &str) -> String {
        let cookie = self.signed_in(upn).await;
        let tenant = upn
            .rsplit_once('@')
            .map(|(_, domain)| domain)
            .unwrap_or_default();
        let tenant = tenant.trim_end_matches(".test");
        let saved = self
            .recovery_codes
            .lock()
            .expect("codes")
            .get_mut(upn)
            .and_then(Vec::pop);
        let first = saved.is_none();
        let response = match saved {
            Some(code) => {
                let form = [("tenant", tenant), ("code", code.as_str())];
                self.call("mfa_recover", &form, Some(&cookie)).await
            }
            None => {
                let setup: wire::TotpSetupView = self
                    .fetch(
                        "totp_begin",
                        &[("tenant", tenant), ("name", "Phone")],
                        Some(&cookie),
                    )
                    .await;
                let secret = app::mfa::ssr::totp::TotpSecret::from_base32(&setup.secret_text)
                    .expect("a base32 secret");
                let code = app::mfa::ssr::totp::code_at(&secret, self.clock.now());
                let form = [
                    ("tenant", tenant),
                    ("method_id", setup.method_id.as_str()),
                    ("code", code.as_str()),
                ];
                self.call("totp_confirm", &form, Some(&cookie)).await
            }
        };
        assert_eq!(response.status(), StatusCode::OK, "MFA of {upn}");
        let rotated = session_cookie(&response).expect("the session rotates");
        if first {
            let done: wire::ProofUpDone = response.json().await.expect("the codes");
            let mut codes = self.recovery_codes.lock().expect("codes");
            codes.insert(upn.to_owned(), done.recovery_codes);
        }
        rotated
    }

    /// GETs a page as a browser would.
    pub async fn page(&self, path: &str, cookie: Option<&str>) -> Response {
        let mut request = self.client.get(self.url(path)).header(ACCEPT, "text/html");
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        request.send().await.expect("request")
    }

    /// Who the session belongs to, per the `current_user` server function.
    pub async fn current_upn(&self, cookie: &str) -> Option<String> {
        let me: Option<Me> = self.fetch("current_user", &[], Some(cookie)).await;
        me.map(|me| me.upn)
    }
}

/// The ticket of an invitation's redeem URL (`…/redeem?ticket=…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket(String);

impl Ticket {
    pub fn from_redeem_url(url: &str) -> Self {
        let parsed = Url::parse(url).unwrap_or_else(|error| panic!("{error}: {url}"));
        assert_eq!(parsed.path(), "/redeem", "a redeem URL: {url}");
        let ticket = parsed
            .query_pairs()
            .find_map(|(name, value)| (name == "ticket").then(|| value.into_owned()))
            .unwrap_or_else(|| panic!("a ticket in {url}"));
        Self(ticket)
    }

    /// The ticket of the redeem link in a mail's text.
    pub fn in_mail(text: &str) -> Self {
        let url = text
            .split_whitespace()
            .find(|word| word.contains("/redeem?ticket="))
            .unwrap_or_else(|| panic!("a redeem link in {text}"));
        Self::from_redeem_url(url)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Ticket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The REST API's invitation (DESIGN §4; Graph's field names).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiInvitation {
    pub id: String,
    pub invited_user_email_address: String,
    pub status: String,
    /// Only in the answers that issue a link (create, resend).
    pub invite_redeem_url: Option<String>,
    pub invited_user: ApiInvitedUser,
}

impl ApiInvitation {
    pub fn ticket(&self) -> Ticket {
        Ticket::from_redeem_url(self.invite_redeem_url.as_deref().expect("a redeem URL"))
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiInvitedUser {
    pub id: String,
    pub user_principal_name: String,
}

/// The REST API's user.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiUser {
    pub id: String,
    pub user_principal_name: String,
    pub display_name: String,
    pub mail: Option<String>,
    pub user_type: String,
    pub external_user_state: Option<String>,
}

/// One page of a REST API list.
#[derive(Debug, Deserialize)]
pub struct ApiPage<T> {
    pub value: Vec<T>,
    pub next: Option<String>,
}

/// The REST API's error: `{error:{code, message}}`.
#[derive(Debug, Deserialize)]
pub struct ApiError {
    pub error: ApiErrorDetail,
}

#[derive(Debug, Deserialize)]
pub struct ApiErrorDetail {
    pub code: String,
    pub message: String,
}

/// The REST API's refusal: the status, then the body.
pub async fn api_error(response: Response, expected: StatusCode) -> ApiErrorDetail {
    json_reply::<ApiError>(response, expected).await.error
}

impl TestApp {
    pub fn api(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
    }

    /// GETs a REST API resource that must be there.
    pub async fn api_get<T: DeserializeOwned>(&self, path: &str, token: &str) -> T {
        let response = self
            .api(Method::GET, path, token)
            .send()
            .await
            .expect("request");
        json_reply(response, StatusCode::OK).await
    }

    /// A REST API token for the demo tenant `slug`, made by its admin on the
    /// portal.
    pub async fn api_token(&self, slug: &str) -> String {
        let admin = self.admin_session(&format!("admin@{slug}.test")).await;
        self.fetch(
            "create_api_token",
            &[("slug", slug), ("name", "tests")],
            Some(&admin),
        )
        .await
    }

    /// Invites `email` through the REST API as `token`'s tenant (no e-mail;
    /// the guest lands on My Apps).
    pub async fn api_invite(&self, token: &str, email: &str) -> ApiInvitation {
        let body = serde_json::json!({
            "invitedUserEmailAddress": email,
            "inviteRedirectUrl": self.url("/myapps"),
        });
        let response = self
            .api(Method::POST, "/api/v1/invitations", token)
            .json(&body)
            .send()
            .await
            .expect("request");
        json_reply(response, StatusCode::CREATED).await
    }

    /// Invites `email` into the demo tenant `slug` through the REST API; the
    /// ticket of its redeem URL.
    pub async fn invite(&self, slug: &str, email: &str) -> Ticket {
        let token = self.api_token(slug).await;
        self.api_invite(&token, email).await.ticket()
    }

    /// The guest `upn` of the demo tenant `slug`, as the REST API lists it.
    pub async fn api_guest(&self, slug: &str, upn: &str) -> ApiUser {
        let token = self.api_token(slug).await;
        let guests: ApiPage<ApiUser> = self.api_get("/api/v1/users?userType=Guest", &token).await;
        guests
            .value
            .into_iter()
            .find(|guest| guest.user_principal_name == upn)
            .unwrap_or_else(|| panic!("{upn} is a guest of {slug}"))
    }
}

impl TestApp {
    /// The mails to `email` in the outbox, newest first, as `/dev/mail` shows
    /// them (demo mode).
    pub async fn mails_to(&self, email: &str) -> Vec<OutboxMail> {
        let mails: Vec<OutboxMail> = self.fetch("dev_mail", &[], None).await;
        mails.into_iter().filter(|mail| mail.to == email).collect()
    }

    /// The newest 8-digit code e-mailed to `email`.
    pub async fn latest_code(&self, email: &str) -> String {
        let mail = self
            .mails_to(email)
            .await
            .into_iter()
            .next()
            .expect("a mail to that address");
        let at = mail.text.find("code is ").expect("a code in the mail") + "code is ".len();
        mail.text[at..at + 8].to_owned()
    }

    /// Signs in with a one-time passcode sent through the invitation to its
    /// invited address `email`; the session cookie.
    pub async fn passcode_session(&self, ticket: &Ticket, email: &str) -> String {
        let form = [("ticket", ticket.as_str()), ("purpose", "OneTimePasscode")];
        let sent = self.call("send_code", &form, None).await;
        assert_eq!(sent.status(), StatusCode::OK, "a code for {email}");
        let code = self.latest_code(email).await;
        let form = [("ticket", ticket.as_str()), ("code", code.as_str())];
        let signed_in = self.call("sign_in_with_code", &form, None).await;
        assert_eq!(signed_in.status(), StatusCode::OK, "a sign-in as {email}");
        session_cookie(&signed_in).expect("a session")
    }
}

/// One row of the audit trail, read from its table: the tests look across
/// tenants and at tenant-less events, which `GET /api/v1/audit` (one
/// tenant's, for its token) does not show.
#[derive(Debug, sqlx::FromRow)]
pub struct AuditEvent {
    /// The tenant's slug.
    pub tenant: Option<String>,
    pub actor: Option<String>,
    pub target: Option<String>,
    pub outcome: String,
    detail: String,
}

impl AuditEvent {
    pub fn detail<T: DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.detail).unwrap_or_else(|error| panic!("{error}: {self:?}"))
    }
}

impl TestApp {
    pub async fn audit_count(&self, action: &str, outcome: &str) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action = ? AND outcome = ?")
            .bind(action)
            .bind(outcome)
            .fetch_one(self.state.pool.connections())
            .await
            .expect("count")
    }

    /// The audit events of `action`, oldest first.
    pub async fn audit_events(&self, action: &str) -> Vec<AuditEvent> {
        sqlx::query_as(
            "SELECT t.slug AS tenant, a.actor, a.target, a.outcome, a.detail
             FROM audit_events a LEFT JOIN tenants t ON t.id = a.tenant_id
             WHERE a.action = ? ORDER BY a.id",
        )
        .bind(action)
        .fetch_all(self.state.pool.connections())
        .await
        .expect("the audit trail")
    }
}

/// A tenant setting that nothing edits yet.
#[derive(Debug, Clone, Copy)]
pub enum TenantSetting {
    EmailOtp,
    MembersCanInvite,
}

impl TestApp {
    /// Turns a tenant setting off. Raw SQL because no page, API or command
    /// edits tenant settings yet (DESIGN §4's `PATCH /api/v1/organization`
    /// will); call that instead once it exists.
    pub async fn turn_off(&self, slug: &str, setting: TenantSetting) {
        let sql = match setting {
            TenantSetting::EmailOtp => {
                "UPDATE tenants SET email_otp_enabled = FALSE WHERE slug = ?"
            }
            TenantSetting::MembersCanInvite => {
                "UPDATE tenants SET members_can_invite = FALSE WHERE slug = ?"
            }
        };
        let changed = sqlx::query(sql)
            .bind(slug)
            .execute(self.state.pool.connections())
            .await
            .expect("the setting changes")
            .rows_affected();
        assert_eq!(changed, 1, "{slug} exists");
    }
}

// Services, for what only the command line does (no page or API yet).

impl TestApp {
    /// Puts the tenant on the premium plan with `seats` seats, as
    /// `gatehouse tenant set-plan` does.
    pub async fn set_seats(&self, slug: &str, seats: i64) {
        let slug = app::domain::TenantSlug::parse(slug).expect("a slug");
        let licence = app::domain::Licence::parse(app::domain::Plan::Premium, Some(seats))
            .expect("a licence");
        app::tenants::ssr::set_plan(
            &self.state.pool,
            &slug,
            licence,
            &Actor::cli(),
            self.clock.now(),
        )
        .await
        .expect("the plan changes");
    }

    /// Creates a free tenant, as `gatehouse tenant create` does; what the
    /// caller is told when refused.
    pub async fn create_tenant(&self, slug: &str, domain: &str) -> Result<(), AppError> {
        let new = app::tenants::ssr::NewTenant {
            slug: app::domain::TenantSlug::parse(slug).expect("a slug"),
            display_name: app::domain::DisplayName::parse(slug).expect("a name"),
            domain: app::domain::DomainName::parse(domain).expect("a domain"),
            licence: app::domain::Licence::free(),
        };
        app::tenants::ssr::create_tenant(&self.state.pool, &new, &Actor::cli(), self.clock.now())
            .await
            .map(drop)
            .map_err(AppError::from)
    }
}
