//! Password sign-in (DESIGN §6): `POST /api/sign_in` with the right
//! password through the real HTTP stack — throttle check, argon2id
//! verification under the server's semaphore, session written — against
//! raw argon2id verifications of the same stored hash (its parameters, on
//! one thread per core) in the same run. The budget is a ratio: ≥ 0.90.
//!
//! COUNT sign-ins by MEMBERS members in turn, CONCURRENCY at a time. The
//! server admits 5 password jobs a core (one running, four waiting) and
//! answers 429 beyond that, so the default concurrency stays within it on
//! two cores; every answer must be a success with a session cookie.
//!
//! `cargo run --release -p bench --bin password-signin [-- COUNT CONCURRENCY]`

use std::sync::Arc;
use std::time::Instant;

use app::ssr::clock::{Clock, SystemClock};
use argon2::password_hash::{PasswordHash, PasswordVerifier};
use bench::{count_and_concurrency, member_with_app, ms, run, Bench, MEMBER_PASSWORD};

const MEMBERS: usize = 16;

#[tokio::main]
async fn main() {
    let (count, concurrency) = count_and_concurrency_for_passwords();
    let clock = Arc::new(SystemClock);
    let mut bench = Bench::prepare(clock.clone()).await;
    let state = bench.state.clone();
    let base = bench.base.clone();
    let tenant = bench.tenant("woodgrove").await;
    let upns: Vec<String> = (0..MEMBERS)
        .map(|i| format!("signin{i:02}@woodgrove.test"))
        .collect();
    for (i, upn) in upns.iter().enumerate() {
        member_with_app(&state, &tenant, upn, &format!("Sign-in {i}"), clock.now()).await;
    }
    let stored: String =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE user_principal_name = $1")
            .bind(&upns[0])
            .fetch_one(state.pool.connections())
            .await
            .expect("the member's password hash");

    let raw = raw_verifications(&stored, count);
    bench.serve();
    let client = reqwest::Client::new();
    let url = format!("{base}/api/sign_in");
    let sign_ins = run(count, concurrency, |i| {
        let request = client.post(&url).header("origin", &base).form(&[
            ("upn", upns[i % MEMBERS].as_str()),
            ("password", MEMBER_PASSWORD),
        ]);
        async move {
            let response = request.send().await.expect("request");
            assert!(response.status().is_success(), "{}", response.status());
            assert!(
                response.headers().contains_key("set-cookie"),
                "a session cookie"
            );
        }
    })
    .await;

    println!(
        "raw argon2id verifications of the stored hash ({}), one thread a core: {count} at {raw:.1}/s",
        stored.split('$').nth(3).unwrap_or("?")
    );
    println!(
        "password sign-in: {count} POST /api/sign_in, {concurrency} concurrent: {:.1}/s; \
         latency p50 {:.1} ms, p95 {:.1} ms; {}",
        sign_ins.per_second,
        ms(sign_ins.p50),
        ms(sign_ins.p95),
        sign_ins.cost.describe()
    );
    println!(
        "ratio: {:.2} (DESIGN §6 budget ≥ 0.90)",
        sign_ins.per_second / raw
    );
}

/// COUNT and CONCURRENCY, with this benchmark's defaults: a verification
/// takes tens of milliseconds of a core.
fn count_and_concurrency_for_passwords() -> (usize, usize) {
    let (count, concurrency) = count_and_concurrency(400);
    let given = std::env::args().nth(2).is_some();
    (count, if given { concurrency } else { 8 })
}

/// Verifications a second of [`MEMBER_PASSWORD`] against `stored`, `count`
/// in all, on one thread per core.
fn raw_verifications(stored: &str, count: usize) -> f64 {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for core in 0..cores {
            let share = count / cores + usize::from(core < count % cores);
            scope.spawn(move || {
                let hash = PasswordHash::new(stored).expect("a PHC string");
                for _ in 0..share {
                    let verified = argon2::Argon2::default()
                        .verify_password(MEMBER_PASSWORD.as_bytes(), &hash)
                        .is_ok();
                    assert!(verified, "the right password");
                }
            });
        }
    });
    count as f64 / started.elapsed().as_secs_f64()
}
