//! Bulk invite (issue: invitations benchmark): 10 000 addresses through
//! `POST /api/v1/invitations` into a tenant with enough premium seats, over
//! real HTTP to a real server on loopback with a fresh SQLite file.
//! Prints invitations per second and latency percentiles.
//!
//! `cargo run --release -p bench --bin bulk-invite [-- COUNT CONCURRENCY]`

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::domain::{Licence, Plan, TenantSlug};
use app::ssr::clock::SystemClock;
use app::ssr::config::PublicUrl;
use secrecy::ExposeSecret;
use server::startup::{self, Settings};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let concurrency: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(16);

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
    let state = startup::build_state(&settings, addr, Arc::new(SystemClock))
        .await
        .expect("state");
    // Enough seats for every guest (5 per seat).
    let seats = Licence::parse(Plan::Premium, Some(count as i64 / 5 + 1)).expect("licence");
    let slug = TenantSlug::parse("woodgrove").expect("slug");
    app::tenants::ssr::set_plan(&state.pool, &slug, seats, &app::ssr::Actor::cli(), 0)
        .await
        .expect("seats");
    let tenant =
        app::tenants::ssr::require_tenant(&mut state.pool.acquire().await.expect("conn"), &slug)
            .await
            .expect("tenant");
    let name = app::domain::DisplayName::parse("bench").expect("name");
    let (_, token) =
        app::tokens::ssr::create_api_token(&state.pool, &tenant, &name, &app::ssr::Actor::cli(), 0)
            .await
            .expect("token");
    let token = token.expose_secret().to_owned();
    let served = state.clone();
    tokio::spawn(async move { startup::serve(listener, served, std::future::pending()).await });

    let client = reqwest::Client::new();
    let url = format!("{base}/api/v1/invitations");
    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let workers = (0..concurrency).map(|_| {
        let (client, url, token, next) = (client.clone(), url.clone(), token.clone(), next.clone());
        async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= count {
                    return latencies;
                }
                let body = serde_json::json!({
                    "invitedUserEmailAddress": format!("guest{i:06}@fabrikam.test"),
                    "inviteRedirectUrl": "https://foo.woodgrove.test/",
                });
                let sent = Instant::now();
                let response = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .expect("request");
                assert_eq!(
                    response.status(),
                    reqwest::StatusCode::CREATED,
                    "invitation {i}"
                );
                latencies.push(sent.elapsed());
            }
        }
    });
    let mut latencies: Vec<Duration> = futures::future::join_all(workers)
        .await
        .into_iter()
        .flatten()
        .collect();
    let elapsed = started.elapsed();
    latencies.sort();
    let percentile =
        |p: f64| latencies[((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1)];
    println!(
        "bulk invite: {count} invitations, {concurrency} concurrent clients, {:.1} s: {:.0} invitations/s; \
         latency p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms",
        elapsed.as_secs_f64(),
        count as f64 / elapsed.as_secs_f64(),
        percentile(0.50).as_secs_f64() * 1000.0,
        percentile(0.95).as_secs_f64() * 1000.0,
        percentile(0.99).as_secs_f64() * 1000.0,
    );
    let mut conn = state.pool.acquire().await.expect("conn");
    let guests = app::tenants::ssr::count_guests(&mut conn, &tenant.id)
        .await
        .expect("count");
    assert_eq!(guests, count as i64, "every invitation made its guest");
}
