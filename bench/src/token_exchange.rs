//! Token exchange (issue 8): authorization codes for tokens at Gatehouse's
//! token endpoint against the certified Node provider `oidc-provider`
//! (bench/node/), driven by the same load generator in the same run, and
//! the whole authorize → code → token round trip.
//!
//! Both providers get the same exchanges: a confidential client with
//! `client_secret_basic`, PKCE S256, an RS256 ID token (RSA 2048), one code
//! per exchange, CONCURRENCY keep-alive connections. Every answer must be a
//! 200 with an ID token; after each run every ID token's signature is
//! checked against the provider's JWKS, with its issuer, audience and the
//! nonce of its code.
//!
//! Gatehouse's codes come through its real authorization endpoint over HTTP
//! (`GET /woodgrove/oauth2/v2.0/authorize`), for members signed in with a
//! session that passed the tenant's TOTP challenge (`POST
//! /api/mfa_verify`): the application requires MFA, and the MFA is fresh.
//! oidc-provider's codes are saved through its own models
//! (`AuthorizationCode#save`, with a grant each) by bench/node/provider.mjs.
//!
//! `cargo run --release -p bench --bin token-exchange [-- COUNT CONCURRENCY]`
//! (needs Node ≥ 20.19; installs bench/node's packages with `npm ci` when
//! they are missing or stale). Gatehouse's codes live 60 s: COUNT codes are
//! minted and exchanged within that (5 000 take about 30 s here).

use std::io::BufRead as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use app::applications::ssr::{create_application, NewApplication};
use app::auth::ssr::session::cookie_name;
use app::domain::{ApplicationName, ClientType, RedirectUri, RedirectUris};
use app::mfa::ssr::totp::{code_at, STEP_SECS};
use app::ssr::clock::{Clock, SystemClock};
use app::ssr::Actor;
use bench::{count_and_concurrency, member_with_app, ms, run, Bench, Figures};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{StatusCode, Url};
use secrecy::ExposeSecret;
use serde_json::Value;

/// Both providers' redirect URI, PKCE verifier and its S256 challenge
/// (RFC 7636 Appendix B), and scope.
const REDIRECT_URI: &str = "https://rp.bench.test/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const SCOPE: &str = "openid profile email";
const TENANT: &str = "woodgrove";
/// The members signing in: one browser each per concurrent client.
const MEMBERS: usize = 16;

/// A token endpoint and the client that uses it.
struct Provider {
    name: &'static str,
    issuer: String,
    token_endpoint: String,
    jwks_uri: String,
    client_id: String,
    client_secret: String,
}

#[tokio::main]
async fn main() {
    let (count, concurrency) = count_and_concurrency(5_000);
    let warm_up = (count / 10).max(100);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client");

    // oidc-provider first: it mints its codes while nothing is measured.
    let node = NodeProvider::start(warm_up + count);

    let gatehouse = Gatehouse::start().await;
    let provider = &gatehouse.provider;

    let (_, codes) = gatehouse.mint(&client, warm_up, concurrency).await;
    exchange_all(&client, provider, &codes, concurrency).await;
    let (authorizations, codes) = gatehouse.mint(&client, count, concurrency).await;
    let (exchanges, tokens) = exchange_all(&client, provider, &codes, concurrency).await;
    verify(&client, provider, &tokens, |i| format!("nonce-{i}")).await;

    let theirs = &node.provider;
    let (warm_codes, codes) = node.codes.split_at(warm_up);
    exchange_all(&client, theirs, warm_codes, concurrency).await;
    let node_cpu_before = node.cpu();
    let (node_exchanges, tokens) = exchange_all(&client, theirs, codes, concurrency).await;
    let node_cpu = (node.cpu() - node_cpu_before) / count as u32;
    verify(&client, theirs, &tokens, |i| {
        format!("nonce-{}", warm_up + i)
    })
    .await;
    let version = node.stop();

    gatehouse.round_trips(&client, warm_up, concurrency).await;
    let (trips, tokens) = gatehouse.round_trips(&client, count, concurrency).await;
    verify(&client, provider, &tokens, |i| format!("trip-{i}")).await;

    print(
        &format!("Gatehouse token endpoint: {count} code exchanges"),
        concurrency,
        &exchanges,
    );
    print(
        &format!(
            "oidc-provider {version} token endpoint: {count} code exchanges \
             (this process is its load generator only)"
        ),
        concurrency,
        &node_exchanges,
    );
    println!(
        "oidc-provider's Node process: CPU {:.2} ms an exchange",
        ms(node_cpu)
    );
    println!(
        "ratio Gatehouse / oidc-provider: {:.2} (aim ≥ 1.5)",
        exchanges.per_second / node_exchanges.per_second
    );
    print(
        &format!("Gatehouse authorization endpoint: {count} codes (MFA required, fresh)"),
        concurrency,
        &authorizations,
    );
    print(
        &format!("Gatehouse authorize → code → token: {count} round trips (MFA required, fresh)"),
        concurrency,
        &trips,
    );
}

fn print(what: &str, concurrency: usize, figures: &Figures) {
    println!(
        "{what}, {concurrency} concurrent clients, {:.1} s: {:.0}/s; \
         latency p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms; {}",
        figures.elapsed.as_secs_f64(),
        figures.per_second,
        ms(figures.p50),
        ms(figures.p95),
        ms(figures.p99),
        figures.cost.describe(),
    );
}

/// Exchanges each code once, `concurrency` at a time; the figures and the
/// ID tokens, in the codes' order. Panics on any answer but a 200 with an
/// ID token.
async fn exchange_all(
    client: &reqwest::Client,
    provider: &Provider,
    codes: &[String],
    concurrency: usize,
) -> (Figures, Vec<String>) {
    let tokens = Mutex::new(vec![String::new(); codes.len()]);
    let figures = run(codes.len(), concurrency, |i| {
        let exchanged = exchange(client, provider, &codes[i]);
        let tokens = &tokens;
        async move {
            let id_token = exchanged.await;
            tokens.lock().expect("tokens")[i] = id_token;
        }
    })
    .await;
    (figures, tokens.into_inner().expect("tokens"))
}

/// One token request (RFC 6749 §4.1.3) with `client_secret_basic` and the
/// PKCE verifier; the ID token of its 200 answer.
async fn exchange(client: &reqwest::Client, provider: &Provider, code: &str) -> String {
    let response = client
        .post(&provider.token_endpoint)
        .basic_auth(&provider.client_id, Some(&provider.client_secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .expect("token request");
    let status = response.status();
    let body: Value = response.json().await.expect("a JSON answer");
    assert_eq!(status, StatusCode::OK, "{}: {body}", provider.name);
    assert_eq!(body["token_type"].as_str(), Some("Bearer"), "{body}");
    assert!(body["access_token"].is_string(), "{body}");
    body["id_token"]
        .as_str()
        .unwrap_or_else(|| panic!("{}: no id_token in {body}", provider.name))
        .to_owned()
}

/// Checks every ID token against the provider's published keys: RS256, its
/// issuer, the client as audience, not expired, and `nonce(i)`.
async fn verify(
    client: &reqwest::Client,
    provider: &Provider,
    tokens: &[String],
    nonce: impl Fn(usize) -> String,
) {
    let keys: JwkSet = client
        .get(&provider.jwks_uri)
        .send()
        .await
        .expect("JWKS")
        .json()
        .await
        .expect("a JWK set");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[&provider.issuer]);
    validation.set_audience(&[&provider.client_id]);
    for (i, token) in tokens.iter().enumerate() {
        let header = jsonwebtoken::decode_header(token).expect("a JWS");
        assert_eq!(header.alg, Algorithm::RS256, "{}", provider.name);
        let kid = header.kid.expect("kid");
        let jwk = keys.find(&kid).expect("the signing key is published");
        let key = DecodingKey::from_jwk(jwk).expect("an RSA key");
        let claims = jsonwebtoken::decode::<Value>(token, &key, &validation)
            .unwrap_or_else(|error| panic!("{}: ID token {i}: {error}", provider.name))
            .claims;
        assert_eq!(claims["nonce"].as_str(), Some(nonce(i).as_str()));
    }
}

/// Gatehouse on loopback with a confidential application that requires
/// MFA, and members whose sessions passed the tenant's MFA.
struct Gatehouse {
    _bench: Bench,
    provider: Provider,
    authorize: String,
    /// `Cookie` headers, one session per member.
    cookies: Vec<String>,
}

impl Gatehouse {
    async fn start() -> Self {
        let clock = Arc::new(SystemClock);
        let mut bench = Bench::prepare(clock.clone()).await;
        let state = bench.state.clone();
        let base = bench.base.clone();
        let tenant = bench.tenant(TENANT).await;
        let actor = Actor::cli();
        let new = NewApplication {
            name: ApplicationName::parse("Bench").expect("name"),
            redirect_uris: RedirectUris::new(vec![
                RedirectUri::parse(REDIRECT_URI).expect("redirect URI")
            ])
            .expect("redirect URIs"),
            client_type: ClientType::Confidential,
            assignment_required: false,
            require_mfa: true,
        };
        let created = create_application(&state.pool, &tenant, &new, &actor, clock.now())
            .await
            .expect("application");
        let client_secret = created
            .client_secret
            .expect("a confidential client's secret")
            .expose_secret()
            .to_owned();

        // Members with an authenticator app and a session each, through the
        // services; then each passes the challenge over HTTP, which records
        // the MFA with the tenant and rotates the session.
        let mut sessions = Vec::with_capacity(MEMBERS);
        for i in 0..MEMBERS {
            let upn = format!("bench{i:02}@woodgrove.test");
            let name = format!("Bench {i}");
            sessions.push(member_with_app(&state, &tenant, &upn, &name, clock.now()).await);
        }
        bench.serve();

        let client = reqwest::Client::new();
        let name = cookie_name(&state.config.public_url);
        let mut cookies = Vec::with_capacity(MEMBERS);
        for (cookie, secret) in sessions {
            // The next step's code: confirming the app used this one.
            let code = code_at(&secret, clock.now() + STEP_SECS as i64);
            let response = client
                .post(format!("{base}/api/mfa_verify"))
                .header(COOKIE, &cookie)
                .header("origin", &base)
                .form(&[("tenant", TENANT), ("code", &code)])
                .send()
                .await
                .expect("MFA challenge");
            assert!(response.status().is_success(), "{}", response.status());
            let rotated = response
                .headers()
                .get_all(SET_COOKIE)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .find(|value| value.starts_with(&format!("{name}=")))
                .and_then(|value| value.split(';').next())
                .expect("the challenge rotates the session")
                .to_owned();
            cookies.push(rotated);
        }

        let issuer = format!("{base}/{TENANT}/v2.0");
        Self {
            provider: Provider {
                name: "Gatehouse",
                issuer,
                token_endpoint: format!("{base}/{TENANT}/oauth2/v2.0/token"),
                jwks_uri: format!("{base}/{TENANT}/discovery/v2.0/keys"),
                client_id: created.application.client_id,
                client_secret,
            },
            authorize: format!("{base}/{TENANT}/oauth2/v2.0/authorize"),
            cookies,
            _bench: bench,
        }
    }

    /// One pass through the authorization endpoint for the session of
    /// request `i`, with nonce `nonce`: the code it redirects back with.
    async fn authorize(&self, client: &reqwest::Client, i: usize, nonce: &str) -> String {
        let state = format!("state-{i}");
        let response = client
            .get(&self.authorize)
            .header(COOKIE, &self.cookies[i % self.cookies.len()])
            .query(&[
                ("client_id", self.provider.client_id.as_str()),
                ("redirect_uri", REDIRECT_URI),
                ("response_type", "code"),
                ("scope", SCOPE),
                ("state", &state),
                ("nonce", nonce),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
            ])
            .send()
            .await
            .expect("authorization request");
        assert!(response.status().is_redirection(), "{}", response.status());
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|value| value.to_str().ok())
            .expect("Location");
        assert!(
            location.starts_with(REDIRECT_URI),
            "back to the client with a code, not to {location}"
        );
        let back = Url::parse(location).expect("a URL");
        let pairs: Vec<(String, String)> = back.query_pairs().into_owned().collect();
        let value = |name: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        };
        assert_eq!(value("state"), Some(state));
        value("code").unwrap_or_else(|| panic!("a code in {location}"))
    }

    /// `count` codes through the authorization endpoint, the i-th with
    /// nonce `nonce-{i}`, and the endpoint's figures.
    async fn mint(
        &self,
        client: &reqwest::Client,
        count: usize,
        concurrency: usize,
    ) -> (Figures, Vec<String>) {
        let codes = Mutex::new(vec![String::new(); count]);
        let figures = run(count, concurrency, |i| {
            let codes = &codes;
            async move {
                let code = self.authorize(client, i, &format!("nonce-{i}")).await;
                codes.lock().expect("codes")[i] = code;
            }
        })
        .await;
        (figures, codes.into_inner().expect("codes"))
    }

    /// `count` times a code from the authorization endpoint, exchanged at
    /// once: the figures, and the ID tokens (nonce `trip-{i}`).
    async fn round_trips(
        &self,
        client: &reqwest::Client,
        count: usize,
        concurrency: usize,
    ) -> (Figures, Vec<String>) {
        let tokens = Mutex::new(vec![String::new(); count]);
        let figures = run(count, concurrency, |i| {
            let tokens = &tokens;
            async move {
                let code = self.authorize(client, i, &format!("trip-{i}")).await;
                let id_token = exchange(client, &self.provider, &code).await;
                tokens.lock().expect("tokens")[i] = id_token;
            }
        })
        .await;
        (figures, tokens.into_inner().expect("tokens"))
    }
}

/// oidc-provider in a Node process of its own, with its codes minted.
struct NodeProvider {
    child: Child,
    /// oidc-provider's version, as installed.
    version: String,
    provider: Provider,
    codes: Vec<String>,
}

impl NodeProvider {
    fn start(count: usize) -> Self {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("node");
        check_node();
        install(&dir);
        let mut child = Command::new("node")
            .arg("provider.mjs")
            .arg(count.to_string())
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("node provider.mjs");
        let stdout = child.stdout.take().expect("its standard output");
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("its first line");
        let ready: Value = serde_json::from_str(&line)
            .unwrap_or_else(|error| panic!("provider.mjs printed {line:?}: {error}"));
        let text = |name: &str| {
            ready[name]
                .as_str()
                .unwrap_or_else(|| panic!("no {name} in provider.mjs's answer"))
                .to_owned()
        };
        assert_eq!(text("redirect_uri"), REDIRECT_URI);
        assert_eq!(text("code_verifier"), VERIFIER);
        let codes: Vec<String> = ready["codes"]
            .as_array()
            .expect("codes")
            .iter()
            .map(|code| code.as_str().expect("a code").to_owned())
            .collect();
        assert_eq!(codes.len(), count, "provider.mjs minted every code");
        Self {
            child,
            version: text("version"),
            provider: Provider {
                name: "oidc-provider",
                issuer: text("issuer"),
                token_endpoint: text("token_endpoint"),
                jwks_uri: text("jwks_uri"),
                client_id: text("client_id"),
                client_secret: text("client_secret"),
            },
            codes,
        }
    }

    /// The CPU time the Node process has used so far (utime and stime of
    /// /proc/PID/stat, in clock ticks).
    fn cpu(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
            .expect("/proc/PID/stat of node");
        // The fields after the command name, which is in parentheses and
        // may hold spaces: the state is field 3, utime 14 and stime 15.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .expect("(comm)")
            .1
            .split_whitespace()
            .collect();
        let ticks: u64 =
            fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
        // SAFETY: sysconf only reads a configuration value.
        let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        assert!(per_second > 0, "sysconf(_SC_CLK_TCK)");
        Duration::from_secs_f64(ticks as f64 / per_second as f64)
    }

    /// Closes its standard input, on which it ends, and waits for it;
    /// its version.
    fn stop(mut self) -> String {
        drop(self.child.stdin.take());
        self.child.wait().expect("node exits");
        self.version
    }
}

/// oidc-provider 9 needs Node.js ≥ 20.19.
fn check_node() {
    let output = Command::new("node")
        .arg("--version")
        .output()
        .expect("Node.js (node) on the PATH");
    let version = String::from_utf8_lossy(&output.stdout);
    let parts: Vec<u32> = version
        .trim()
        .trim_start_matches('v')
        .split('.')
        .filter_map(|part| part.parse().ok())
        .collect();
    assert!(
        parts.len() == 3 && (parts[0], parts[1]) >= (20, 19),
        "oidc-provider 9 needs Node.js ≥ 20.19, not {}",
        version.trim()
    );
}

/// `npm ci` in `dir` unless its packages are installed from the current
/// lock file (a stamp newer than package.json and package-lock.json).
fn install(dir: &Path) {
    let modified = |name: &str| {
        std::fs::metadata(dir.join(name))
            .and_then(|metadata| metadata.modified())
            .ok()
    };
    let stamp = modified("node_modules/.installed");
    let fresh = ["package.json", "package-lock.json"]
        .iter()
        .all(|name| stamp.is_some() && modified(name) <= stamp);
    if fresh {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .status()
        .expect("npm");
    assert!(status.success(), "npm ci in {}", dir.display());
    std::fs::write(dir.join("node_modules/.installed"), "").expect("the stamp");
}
