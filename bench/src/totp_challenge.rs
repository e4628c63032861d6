//! The MFA challenge (DESIGN §6): `POST` of an authenticator-app code to the
//! `mfa_verify` server function through the real HTTP stack — session
//! lookup, code check, replay-guard write, audit event and session rotation
//! included — against a bare static route (`GET /healthz`) of the same
//! server in the same run. The budget is a ratio: ≥ 0.30.
//!
//! Each of COUNT members has an authenticator app and a session; each
//! passes the challenge once (a code is good once per step).
//!
//! `cargo run --release -p bench --bin totp-challenge [-- COUNT CONCURRENCY]`

use std::sync::Arc;

use app::mfa::ssr::totp::{code_at, TotpSecret, STEP_SECS};
use app::ssr::clock::{Clock, SystemClock};
use bench::{count_and_concurrency, member_with_app, ms, run, Bench};

struct Member {
    cookie: String,
    secret: TotpSecret,
}

#[tokio::main]
async fn main() {
    let (count, concurrency) = count_and_concurrency(1_000);
    let clock = Arc::new(SystemClock);
    let mut bench = Bench::prepare(clock.clone()).await;
    let state = bench.state.clone();
    let base = bench.base.clone();
    let tenant = bench.tenant("woodgrove").await;

    // Members with an app and a session each, through the services.
    let mut members = Vec::with_capacity(count);
    for i in 0..count {
        let upn = format!("member{i:05}@woodgrove.test");
        let (cookie, secret) =
            member_with_app(&state, &tenant, &upn, &format!("Member {i}"), clock.now()).await;
        members.push(Member { cookie, secret });
    }
    bench.serve();
    let client = reqwest::Client::new();

    let statics = run(count, concurrency, |_| {
        let request = client.get(format!("{base}/healthz"));
        async move {
            let response = request.send().await.expect("request");
            assert!(response.status().is_success());
        }
    })
    .await;

    let members = Arc::new(members);
    let verify_url = format!("{base}/api/mfa_verify");
    let challenges = run(count, concurrency, |i| {
        let member = &members[i];
        // The next step's code: the app's confirmation used this one, and
        // the server accepts one step ahead.
        let at = clock.now() + STEP_SECS as i64;
        let code = code_at(&member.secret, at);
        let request = client
            .post(&verify_url)
            .header("cookie", &member.cookie)
            .header("origin", &base)
            .form(&[
                ("tenant", "woodgrove"),
                ("code", &code),
                ("next", "/myapps"),
            ]);
        async move {
            let response = request.send().await.expect("request");
            assert!(response.status().is_success(), "{}", response.status());
        }
    })
    .await;

    println!(
        "static route: {count} GET /healthz, {concurrency} concurrent: {:.0} requests/s; {}",
        statics.per_second,
        statics.cost.describe()
    );
    println!(
        "TOTP challenge: {count} POST /api/mfa_verify, {concurrency} concurrent: {:.0} requests/s; \
         latency p50 {:.1} ms, p95 {:.1} ms; {}",
        challenges.per_second,
        ms(challenges.p50),
        ms(challenges.p95),
        challenges.cost.describe()
    );

    println!(
        "ratio: {:.2} (DESIGN §6 budget ≥ 0.30)",
        challenges.per_second / statics.per_second
    );
}
