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

use app::auth::ssr::session::set_cookie;
use app::auth::ssr::{start_session, Identity};
use app::domain::{DisplayName, NewPassword, TenantSlug, TotpCode, Upn};
use app::mfa::ssr::methods::{begin_totp, confirm_totp};
use app::mfa::ssr::totp::{code_at, TotpSecret, STEP_SECS};
use app::ssr::clock::{Clock, SystemClock};
use app::ssr::Actor;
use app::users::ssr::{create_member, NewMember};
use bench::{count_and_concurrency, ms, run, Bench};
use secrecy::ExposeSecret;

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
    let slug = TenantSlug::parse("woodgrove").expect("slug");
    let tenant =
        app::tenants::ssr::require_tenant(&mut state.pool.acquire().await.expect("conn"), &slug)
            .await
            .expect("tenant");

    // Members with an app and a session each, through the services.
    let actor = Actor::cli();
    let name = DisplayName::parse("Phone").expect("name");
    let mut members = Vec::with_capacity(count);
    for i in 0..count {
        let new = NewMember {
            upn: Upn::parse(&format!("member{i:05}@woodgrove.test")).expect("upn"),
            display_name: DisplayName::parse(&format!("Member {i}")).expect("name"),
            password: NewPassword::parse("correct horse battery staple".into()).expect("pw"),
            is_admin: false,
        };
        let now = clock.now();
        let user = create_member(&state.pool, &state.passwords, &tenant, new, &actor, now)
            .await
            .expect("member");
        let key = &state.secret_key;
        let enrolment = begin_totp(&state.pool, key, &tenant, &user, &name, now)
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
        let signed_in = start_session(&state, Identity::Member(user), None, None)
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
        "static route: {count} GET /healthz, {concurrency} concurrent: {:.0} requests/s",
        statics.per_second
    );
    println!(
        "TOTP challenge: {count} POST /api/mfa_verify, {concurrency} concurrent: {:.0} requests/s; \
         latency p50 {:.1} ms, p95 {:.1} ms",
        challenges.per_second,
        ms(challenges.p50),
        ms(challenges.p95),
    );
    println!(
        "ratio: {:.2} (DESIGN §6 budget ≥ 0.30)",
        challenges.per_second / statics.per_second
    );
}
