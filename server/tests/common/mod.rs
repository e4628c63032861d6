//! A real Gatehouse for tests: the server on port 0 of loopback, a fresh
//! SQLite file in a temporary folder, the demo data, and a clock the test
//! controls. Requests go over HTTP like a browser's, cookies handled by hand
//! so tests can see them.

#![allow(dead_code)] // each test file uses its own part of this helper

use std::net::SocketAddr;
use std::sync::Arc;

use app::ssr::clock::ManualClock;
use app::ssr::config::PublicUrl;
use app::ssr::AppState;
use reqwest::header::{HeaderMap, ACCEPT, COOKIE, ORIGIN, SET_COOKIE};
use reqwest::{redirect, Response, StatusCode};
use server::startup::{self, Settings};

pub const DEMO_PASSWORD: &str = "correct horse battery staple";
/// 2026-11-25T12:00:00Z: tests run at a fixed instant.
pub const T0: i64 = 1_795_608_000;

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    pub client: reqwest::Client,
    pub dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.shutdown.take() {
            let _ = stop.send(());
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_at("http://127.0.0.1:{port}").await
}

/// Starts Gatehouse with its public URL made from `public_url` (`{port}` is
/// replaced by the port it got).
pub async fn spawn_app_at(public_url: &str) -> TestApp {
    let dir = tempfile::tempdir().expect("temporary folder");
    let listener = startup::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local address");
    let public_url = public_url.replace("{port}", &addr.port().to_string());
    let settings = Settings {
        database_url: format!("sqlite:{}", dir.path().join("gatehouse.db").display()),
        public_url: PublicUrl::parse(&public_url).expect("public URL"),
        smtp_url: None,
        secret_key: None,
        secret_key_file: dir.path().join("secret.key"),
        demo: true,
        site_root: dir.path().join("site").display().to_string(),
    };
    let clock = ManualClock::starting_at(T0);
    let state = startup::build_state(&settings, addr, clock.clone())
        .await
        .expect("state");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = state.clone();
    tokio::spawn(async move {
        startup::serve(listener, served, async {
            let _ = stopped.await;
        })
        .await
        .expect("server");
    });
    let client = reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .expect("client");
    TestApp {
        base: format!("http://{addr}"),
        state,
        clock,
        client,
        dir,
        shutdown: Some(stop),
    }
}

/// The session cookie a response sets, as `name=value`.
pub fn session_cookie(response: &Response) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.contains("gatehouse_session="))
        .and_then(|value| value.split(';').next())
        .map(str::to_owned)
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
        let response = self.call("current_user", &[], Some(cookie)).await;
        assert_eq!(response.status(), StatusCode::OK);
        let me: Option<serde_json::Value> = response.json().await.expect("json");
        me.and_then(|me| me["upn"].as_str().map(str::to_owned))
    }

    pub async fn audit_count(&self, action: &str, outcome: &str) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action = ? AND outcome = ?")
            .bind(action)
            .bind(outcome)
            .fetch_one(&self.state.pool)
            .await
            .expect("count")
    }
}

impl TestApp {
    /// A REST API token for the tenant `slug`, made as the CLI makes one.
    pub async fn api_token(&self, slug: &str) -> String {
        use secrecy::ExposeSecret;
        let slug = app::domain::TenantSlug::parse(slug).unwrap();
        let mut conn = self.state.pool.acquire().await.unwrap();
        let tenant = app::tenants::ssr::require_tenant(&mut conn, &slug)
            .await
            .unwrap();
        let name = app::domain::DisplayName::parse("tests").unwrap();
        let (_, token) = app::tokens::ssr::create_api_token(
            &self.state.pool,
            &tenant,
            &name,
            "tests",
            self.clock.now(),
        )
        .await
        .unwrap();
        token.expose_secret().to_owned()
    }

    pub fn api(&self, method: reqwest::Method, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
    }
}

use app::ssr::clock::Clock as _;

impl TestApp {
    /// The newest 8-digit code e-mailed to `email`, read from the outbox.
    pub async fn latest_code(&self, email: &str) -> String {
        let mails = app::mail::ssr::list_outbox(&self.state.pool, &self.state.secret_key, 50)
            .await
            .unwrap();
        let mail = mails
            .iter()
            .find(|mail| mail.to == email)
            .expect("a mail to that address");
        let text = &mail.body.as_ref().expect("a readable body").text;
        let at = text.find("code is ").expect("a code in the mail") + "code is ".len();
        text[at..at + 8].to_owned()
    }
}
