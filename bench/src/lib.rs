//! What every benchmark shares: a real Gatehouse on loopback with a fresh
//! SQLite file and the demo data, the command line's COUNT and CONCURRENCY,
//! and the load loop with its figures.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::ssr::clock::Clock;
use app::ssr::config::PublicUrl;
use app::ssr::AppState;
use server::startup::{self, Settings};

/// A server being prepared: its state is there for set-up through the
/// services; [`Bench::serve`] opens it to HTTP.
pub struct Bench {
    pub base: String,
    pub state: AppState,
    listener: Option<tokio::net::TcpListener>,
    _dir: tempfile::TempDir,
}

impl Bench {
    /// Gatehouse with the demo data on a free loopback port and `clock`.
    pub async fn prepare(clock: Arc<dyn Clock>) -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let listener = startup::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let base = format!("http://{addr}");
        let settings = Settings {
            database_url: format!("sqlite:{}", dir.path().join("bench.db").display()),
            public_url: PublicUrl::parse(&base).expect("public URL"),
            smtp_url: None,
            secret_key: None,
            secret_key_file: dir.path().join("secret.key"),
            demo: true,
            site_root: dir.path().display().to_string(),
        };
        let state = startup::build_state(&settings, addr, clock)
            .await
            .expect("state");
        Self {
            base,
            state,
            listener: Some(listener),
            _dir: dir,
        }
    }

    /// The demo tenant `slug` ("woodgrove"), as the services take it.
    pub async fn tenant(&self, slug: &str) -> app::tenants::ssr::Tenant {
        let slug = app::domain::TenantSlug::parse(slug).expect("slug");
        let mut conn = self.state.pool.acquire().await.expect("conn");
        app::tenants::ssr::require_tenant(&mut conn, &slug)
            .await
            .expect("tenant")
    }

    /// Starts answering HTTP (once).
    pub fn serve(&mut self) {
        if let Some(listener) = self.listener.take() {
            let state = self.state.clone();
            tokio::spawn(startup::serve(listener, state, std::future::pending()));
        }
    }
}

/// COUNT and CONCURRENCY from the command line, with defaults.
pub fn count_and_concurrency(default_count: usize) -> (usize, usize) {
    let mut args = std::env::args().skip(1);
    let count = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default_count);
    let concurrency = args.next().and_then(|n| n.parse().ok()).unwrap_or(16);
    (count, concurrency)
}

/// Throughput and latency of one run, and what each request cost this
/// process (the server and the load generator together).
pub struct Figures {
    pub elapsed: Duration,
    pub per_second: f64,
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
    pub cost: Cost,
}

/// This process's CPU time and thread switches per request of a run: where
/// a request's time goes that latency and throughput do not show. Each
/// sqlx statement on SQLite is a round trip to its connection's thread —
/// two switches — so the switches count them.
pub struct Cost {
    pub cpu: Duration,
    pub switches: f64,
}

impl Cost {
    /// "this process's CPU 1.01 ms and 46 thread switches a request", for
    /// printing.
    pub fn describe(&self) -> String {
        format!(
            "this process's CPU {:.2} ms and {:.0} thread switches a request",
            ms(self.cpu),
            self.switches
        )
    }
}

/// The CPU time and context switches of every thread this process has had.
struct Usage {
    cpu: Duration,
    switches: i64,
}

impl Usage {
    fn now() -> Self {
        // SAFETY: getrusage only writes the struct it is given, which is
        // plain data and valid when zeroed.
        let usage = unsafe {
            let mut usage: libc::rusage = std::mem::zeroed();
            let status = libc::getrusage(libc::RUSAGE_SELF, &mut usage);
            assert_eq!(status, 0, "getrusage");
            usage
        };
        let time = |t: libc::timeval| {
            Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
        };
        Self {
            cpu: time(usage.ru_utime) + time(usage.ru_stime),
            switches: usage.ru_nvcsw + usage.ru_nivcsw,
        }
    }

    fn per_request_since(&self, before: &Usage, count: usize) -> Cost {
        Cost {
            cpu: (self.cpu - before.cpu) / count as u32,
            switches: (self.switches - before.switches) as f64 / count as f64,
        }
    }
}

/// Sends `count` requests, `concurrency` at a time; `request(i)` makes the
/// i-th and checks its answer.
pub async fn run<F, Fut>(count: usize, concurrency: usize, request: F) -> Figures
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = ()>,
{
    use futures::stream::{self, StreamExt};
    let before = Usage::now();
    let started = Instant::now();
    let mut latencies: Vec<Duration> = stream::iter(0..count)
        .map(|i| {
            let sent = Instant::now();
            let done = request(i);
            async move {
                done.await;
                sent.elapsed()
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let elapsed = started.elapsed();
    let cost = Usage::now().per_request_since(&before, count);
    latencies.sort();
    let at = |p: f64| latencies[((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1)];
    Figures {
        elapsed,
        per_second: count as f64 / elapsed.as_secs_f64(),
        p50: at(0.50),
        p95: at(0.95),
        p99: at(0.99),
        cost,
    }
}

/// Milliseconds, for printing.
pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// The password of every member [`member_with_app`] makes.
pub const MEMBER_PASSWORD: &str = "correct horse battery staple";

/// A member of `tenant` made through the services ([`MEMBER_PASSWORD`]), with
/// an authenticator app named "Phone" set up and confirmed, and signed in:
/// the session's `name=value` cookie and the app's secret, for codes.
pub async fn member_with_app(
    state: &AppState,
    tenant: &app::tenants::ssr::Tenant,
    upn: &str,
    display_name: &str,
    now: app::ssr::clock::UnixTime,
) -> (String, app::mfa::ssr::totp::TotpSecret) {
    use app::auth::ssr::session::set_cookie;
    use app::auth::ssr::{start_session, Identity};
    use app::domain::{DisplayName, NewPassword, TotpCode, Upn};
    use app::mfa::ssr::methods::{begin_totp, confirm_totp};
    use app::mfa::ssr::totp::{code_at, TotpSecret};
    use app::users::ssr::{create_member, NewMember};
    use secrecy::ExposeSecret;

    let actor = app::ssr::Actor::cli();
    let member = NewMember {
        upn: Upn::parse(upn).expect("upn"),
        display_name: DisplayName::parse(display_name).expect("name"),
        password: NewPassword::parse(MEMBER_PASSWORD.into()).expect("pw"),
        is_admin: false,
    };
    let user = create_member(&state.pool, &state.passwords, tenant, member, &actor, now)
        .await
        .expect("member");
    let key = &state.secret_key;
    let phone = DisplayName::parse("Phone").expect("name");
    let enrolment = begin_totp(&state.pool, key, tenant, &user, &phone, now)
        .await
        .expect("app");
    let secret = TotpSecret::from_base32(enrolment.secret_text.expose_secret()).expect("key");
    let code = TotpCode::parse(&code_at(&secret, now)).expect("code");
    confirm_totp(
        &state.pool,
        key,
        &user,
        &enrolment.method_id,
        &code,
        &actor,
        now,
    )
    .await
    .expect("confirmed");
    let signed_in = start_session(state, Identity::Member(user), None, None)
        .await
        .expect("session");
    let header = set_cookie(&state.config.public_url, &signed_in.token);
    let cookie = header
        .to_str()
        .expect("ASCII")
        .split(';')
        .next()
        .expect("name=value")
        .to_owned();
    (cookie, secret)
}
