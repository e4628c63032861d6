//! Bulk invite (issue: invitations benchmark): 10 000 addresses through
//! `POST /api/v1/invitations` into a tenant with enough premium seats, over
//! real HTTP to a real server on loopback with a fresh SQLite file.
//! Prints invitations per second and latency percentiles.
//!
//! `cargo run --release -p bench --bin bulk-invite [-- COUNT CONCURRENCY]`

use std::sync::Arc;

use app::domain::{DisplayName, Licence, Plan, TenantSlug};
use app::ssr::clock::SystemClock;
use app::ssr::Actor;
use bench::{count_and_concurrency, ms, run, Bench};
use secrecy::ExposeSecret;

#[tokio::main]
async fn main() {
    let (count, concurrency) = count_and_concurrency(10_000);
    let mut bench = Bench::prepare(Arc::new(SystemClock)).await;
    let state = bench.state.clone();
    // Enough seats for every guest (5 per seat).
    let seats = Licence::parse(Plan::Premium, Some(count as i64 / 5 + 1)).expect("licence");
    let slug = TenantSlug::parse("woodgrove").expect("slug");
    app::tenants::ssr::set_plan(&state.pool, &slug, seats, &Actor::cli(), 0)
        .await
        .expect("seats");
    let tenant = bench.tenant("woodgrove").await;
    let name = DisplayName::parse("bench").expect("name");
    let (_, token) =
        app::tokens::ssr::create_api_token(&state.pool, &tenant, &name, &Actor::cli(), 0)
            .await
            .expect("token");
    let token = token.expose_secret().to_owned();
    bench.serve();

    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/invitations", bench.base);
    let figures = run(count, concurrency, |i| {
        let body = serde_json::json!({
            "invitedUserEmailAddress": format!("guest{i:06}@fabrikam.test"),
            "inviteRedirectUrl": "https://foo.woodgrove.test/",
        });
        let request = client.post(&url).bearer_auth(&token).json(&body);
        async move {
            let response = request.send().await.expect("request");
            assert_eq!(
                response.status(),
                reqwest::StatusCode::CREATED,
                "invitation {i}"
            );
        }
    })
    .await;
    println!(
        "bulk invite: {count} invitations, {concurrency} concurrent clients, {:.1} s: {:.0} invitations/s; \
         latency p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms; {}",
        figures.elapsed.as_secs_f64(),
        figures.per_second,
        ms(figures.p50),
        ms(figures.p95),
        ms(figures.p99),
        figures.cost.describe(),
    );
    let mut conn = state.pool.acquire().await.expect("conn");
    let guests = app::tenants::ssr::count_guests(&mut conn, &tenant.id)
        .await
        .expect("count");
    assert_eq!(guests, count as i64, "every invitation made its guest");
}
