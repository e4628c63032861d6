//! The admin Users page at 100 000 users (DESIGN §6; issue 9): the release
//! `gatehouse` binary serving a SQLite file with a tenant of COUNT users, a
//! third of them with methods, and
//!
//! - the page's server time (`GET /t/woodgrove/admin/users…` on loopback,
//!   one at a time, session and MFA check and server-side rendering
//!   included): the first page, a deep page by cursor, *has methods*, a
//!   narrow search and a broad one — aim p95 < 20 ms;
//! - `gatehouse users list --with-methods --format csv`, every user with
//!   methods — aim < 3 s;
//! - the idle server's resident memory (`VmRSS`) — aim < 64 MiB.
//!
//! The fixture is written with SQL, a statement per table in one
//! transaction, into the file the server then opens (seconds, not minutes).
//!
//! `cargo build --release -p server --bin gatehouse && cargo run --release
//! -p bench --bin users-page [-- COUNT [DB_PATH]]` (`make bench` does both;
//! DB_PATH keeps the fixture, and must not exist).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use app::auth::ssr::password::Passwords;
use app::auth::ssr::session::{
    create_session, find_active_session, rotate_with_mfa, set_cookie, Amr, Subject,
};
use app::domain::{TenantSlug, Upn};
use app::ssr::clock::{Clock, SystemClock, UnixTime};
use app::ssr::config::PublicUrl;
use app::ssr::db::Pool;
use app::ssr::page::PageSize;
use app::tenants::ssr::Tenant;
use app::users::ssr::{find_credentials_by_upn, list_users_page, UserFilter};
use bench::{ms, run};

/// Given and family names: 1 600 combinations, so many users share a name,
/// as in a large directory (the keyset cursor breaks ties by UPN).
const GIVEN: &[&str] = &[
    "Adele",
    "Alex",
    "Allan",
    "Amara",
    "Ben",
    "Carlos",
    "Chris",
    "Debra",
    "Diego",
    "Emily",
    "Fatima",
    "Grady",
    "Hana",
    "Henrietta",
    "Isaiah",
    "Ivan",
    "Johanna",
    "Joni",
    "Kenji",
    "Lee",
    "Lidia",
    "Lynne",
    "Mateo",
    "Megan",
    "Miriam",
    "Nestor",
    "Nia",
    "Olga",
    "Patti",
    "Pradeep",
    "Priya",
    "Quinn",
    "Rafael",
    "Sam",
    "Sofia",
    "Tomas",
    "Uma",
    "Wei",
    "Yara",
    "Zoe",
];
const FAMILY: &[&str] = &[
    "Archie",
    "Bowen",
    "Braun",
    "Berg",
    "Cerrato",
    "Chen",
    "Deyoung",
    "Diaz",
    "Fernandez",
    "Garcia",
    "Green",
    "Gu",
    "Gupta",
    "Haddad",
    "Holloway",
    "Ito",
    "Jansen",
    "Kowalski",
    "Lanier",
    "Lopez",
    "Mitchell",
    "Moreau",
    "Nakamura",
    "Novak",
    "Okafor",
    "Patel",
    "Petrov",
    "Quispe",
    "Robinson",
    "Rossi",
    "Sherman",
    "Siciliani",
    "Silva",
    "Tanaka",
    "Vance",
    "Wagner",
    "Wilber",
    "Wilson",
    "Yilmaz",
    "Zhang",
];

/// Requests a page case takes before its measured ones, and measured ones.
const WARM_UP: usize = 20;
const SAMPLES: usize = 200;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let kept = args.next().map(PathBuf::from);
    let gatehouse = std::env::current_exe()
        .expect("this program's path")
        .with_file_name("gatehouse");
    assert!(
        gatehouse.exists(),
        "{} is missing: cargo build --release -p server --bin gatehouse",
        gatehouse.display()
    );
    let dir = tempfile::tempdir().expect("temporary folder");
    let db = kept.unwrap_or_else(|| dir.path().join("users.db"));
    assert!(!db.exists(), "{} exists: name a new file", db.display());
    let database_url = format!("sqlite:{}", db.display());
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let public_url = PublicUrl::parse(&base).expect("public URL");
    let key_file = dir.path().join("secret.key");
    let now = SystemClock.now();

    // The demo tenants, then COUNT users in Woodgrove.
    let filled = Instant::now();
    let pool = app::ssr::db::open(&database_url).await.expect("database");
    let key = server::secret_key::load_or_create(None, &key_file).expect("key");
    let passwords = Passwords::new().expect("passwords");
    app::demo::ssr::seed(&pool, &passwords, &public_url, &key, now)
        .await
        .expect("demo data");
    let tenant = {
        let slug = TenantSlug::parse("woodgrove").expect("slug");
        let mut conn = pool.acquire().await.expect("connection");
        app::tenants::ssr::require_tenant(&mut conn, &slug)
            .await
            .expect("Woodgrove")
    };
    let with_methods = fill(&pool, &tenant, count, now).await;
    let filled = filled.elapsed();
    let size: u64 = [db.clone(), PathBuf::from(format!("{}-wal", db.display()))]
        .iter()
        .filter_map(|file| std::fs::metadata(file).ok())
        .map(|meta| meta.len())
        .sum();
    println!(
        "fixture: {count} users in Woodgrove ({with_methods} with methods, half guests), written in {:.1} s; {:.0} MiB",
        filled.as_secs_f64(),
        size as f64 / 1_048_576.0
    );

    let cookie = admin_cookie(&pool, &public_url, &tenant, now).await;
    let deep = deep_cursor(&pool, &tenant, count * 3 / 5).await;
    pool.close().await;

    let server = Server::start(&gatehouse, port, &database_url, &key_file, dir.path()).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_started = server.resident_kib();

    let client = reqwest::Client::new();
    let page = |query: String| {
        let request = client
            .get(format!("{base}/t/woodgrove/admin/users{query}"))
            .header("cookie", &cookie);
        async move {
            let response = request.send().await.expect("request");
            assert_eq!(response.status(), reqwest::StatusCode::OK);
            let html = response.text().await.expect("body");
            assert!(html.contains("data-upn="), "a page with users");
        }
    };
    let cases = [
        ("first page", String::new()),
        (
            "deep page (cursor after 60% of the users)",
            format!("?after={deep}"),
        ),
        ("has methods", "?hasMethods=true".to_owned()),
        (
            "guests without methods",
            "?userType=Guest&hasMethods=false".to_owned(),
        ),
        (
            "search \"pradeep g\" (narrow)",
            "?search=pradeep%20g".to_owned(),
        ),
        (
            "search \"wei.z\" (a UPN prefix)",
            "?search=wei.z".to_owned(),
        ),
        ("search \"a\" (broad)", "?search=a".to_owned()),
    ];
    println!("users page: {SAMPLES} GETs a case, one at a time (after {WARM_UP} to warm up)");
    for (name, query) in &cases {
        run(WARM_UP, 1, |_| page(query.clone())).await;
        let figures = run(SAMPLES, 1, |_| page(query.clone())).await;
        println!(
            "  {name:<44} p50 {:>5.1} ms  p95 {:>5.1} ms",
            ms(figures.p50),
            ms(figures.p95)
        );
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_used = server.resident_kib();

    let listed = Instant::now();
    let output = Command::new(&gatehouse)
        .args([
            "users",
            "list",
            "--tenant",
            "woodgrove",
            "--with-methods",
            "--format",
            "csv",
            "--database-url",
            &database_url,
        ])
        .env_remove("GATEHOUSE_DATABASE_URL")
        .stderr(Stdio::inherit())
        .output()
        .expect("gatehouse users list");
    let listed = listed.elapsed();
    assert!(output.status.success(), "users list failed");
    let rows = output.stdout.iter().filter(|byte| **byte == b'\n').count() - 1;
    println!(
        "gatehouse users list --with-methods --format csv: {rows} users, {:.1} MiB, in {:.2} s",
        output.stdout.len() as f64 / 1_048_576.0,
        listed.as_secs_f64()
    );
    println!(
        "server resident memory (VmRSS): {:.1} MiB idle after start, {:.1} MiB idle after the page runs",
        rss_started as f64 / 1024.0,
        rss_used as f64 / 1024.0
    );
    drop(server);
}

/// Writes `count` users into `tenant`: half guests, every third with an
/// authenticator app and ten recovery codes (one used in half of those),
/// every ninth with a passkey too, and some with an app never confirmed.
/// Answers how many have methods.
async fn fill(pool: &Pool, tenant: &Tenant, count: usize, now: UnixTime) -> usize {
    let values = |names: &[&str]| {
        names
            .iter()
            .enumerate()
            .map(|(k, name)| format!("({k}, '{name}')"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let numbers = "n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $1)";
    let users = format!(
        "WITH RECURSIVE {numbers},
           given(k, name) AS (VALUES {given}),
           family(k, name) AS (VALUES {family}),
           person(i, name, local) AS (
             SELECT n.i, given.name || ' ' || family.name,
                    lower(given.name) || '.' || lower(family.name) || n.i
             FROM n JOIN given ON given.k = n.i % {given_count}
                    JOIN family ON family.k = (n.i / {given_count}) % {family_count})
         INSERT INTO users (id, tenant_id, user_principal_name, display_name, mail, user_type,
                            external_user_state, state_changed_at, created_at)
         SELECT 'bench-' || i, $2,
                CASE WHEN i % 2 = 1 THEN local || '_fabrikam.test#EXT#@woodgrove.test'
                     ELSE local || '@woodgrove.test' END,
                name,
                local || CASE WHEN i % 2 = 1 THEN '@fabrikam.test' ELSE '@woodgrove.test' END,
                CASE WHEN i % 2 = 1 THEN 'Guest' ELSE 'Member' END,
                CASE WHEN i % 2 = 1 THEN 'Accepted' END,
                $3, $3
         FROM person",
        given = values(GIVEN),
        family = values(FAMILY),
        given_count = GIVEN.len(),
        family_count = FAMILY.len(),
    );
    let methods = format!(
        "WITH RECURSIVE {numbers}
         INSERT INTO auth_methods (id, user_id, kind, display_name, sealed_secret, credential_id,
                                   activated_at, created_at, last_used_at)
         SELECT 'bench-totp-' || i, 'bench-' || i, 'totp', 'Phone', X'00', NULL, $2, $2, $2 - i
         FROM n WHERE i % 3 = 0
         UNION ALL
         SELECT 'bench-key-' || i, 'bench-' || i, 'webauthn', 'Key', X'00', 'bench-' || i, $2, $2,
                NULL
         FROM n WHERE i % 9 = 0
         UNION ALL
         SELECT 'bench-pending-' || i, 'bench-' || i, 'totp', 'Phone', X'00', NULL, NULL, $2, NULL
         FROM n WHERE i % 3 = 1 AND i % 7 = 0"
    );
    let codes = format!(
        "WITH RECURSIVE {numbers},
           k(k) AS (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9))
         INSERT INTO recovery_codes (user_id, code_hash, created_at, used_at)
         SELECT 'bench-' || i, 'bench-' || i || '-' || k, $2,
                CASE WHEN k = 0 AND i % 2 = 0 THEN $2 END
         FROM n CROSS JOIN k WHERE i % 3 = 0"
    );
    let count = i64::try_from(count).expect("a count");
    let mut tx = pool.connections().begin().await.expect("transaction");
    sqlx::query(&users)
        .bind(count)
        .bind(&tenant.id)
        .bind(now)
        .execute(&mut *tx)
        .await
        .expect("users");
    for sql in [&methods, &codes] {
        sqlx::query(sql)
            .bind(count)
            .bind(now)
            .execute(&mut *tx)
            .await
            .expect("methods");
    }
    tx.commit().await.expect("commit");
    usize::try_from(count).unwrap_or_default().div_ceil(3)
}

/// The demo admin's session cookie, MFA with Woodgrove passed just now.
async fn admin_cookie(
    pool: &Pool,
    public_url: &PublicUrl,
    tenant: &Tenant,
    now: UnixTime,
) -> String {
    let mut conn = pool.acquire().await.expect("connection");
    let upn = Upn::parse("admin@woodgrove.test").expect("UPN");
    let (admin, _) = find_credentials_by_upn(&mut conn, &upn)
        .await
        .expect("lookup")
        .expect("the demo admin");
    let subject = Subject::User(admin.id);
    let token = create_session(&mut conn, &subject, &[Amr::Pwd], now)
        .await
        .expect("session");
    let session = find_active_session(&mut conn, &token.id_hash(), now)
        .await
        .expect("lookup")
        .expect("the session");
    let token = rotate_with_mfa(&mut conn, &session, &tenant.id, Amr::Otp, now)
        .await
        .expect("MFA");
    let header = set_cookie(public_url, &token);
    header
        .to_str()
        .expect("ASCII")
        .split(';')
        .next()
        .expect("name=value")
        .to_owned()
}

/// The cursor after the first `rows` users, as the page's `after`.
async fn deep_cursor(pool: &Pool, tenant: &Tenant, rows: usize) -> String {
    let mut conn = pool.acquire().await.expect("connection");
    let page = list_users_page(
        &mut conn,
        &tenant.id,
        &UserFilter::default(),
        None,
        PageSize::new(rows),
    )
    .await
    .expect("list");
    page.next.expect("more users after them").encode()
}

/// A loopback port nobody listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// The release server, run as operators run it; stopped when dropped.
struct Server(Child);

impl Server {
    async fn start(
        gatehouse: &Path,
        port: u16,
        database_url: &str,
        key_file: &Path,
        site: &Path,
    ) -> Self {
        let addr = format!("127.0.0.1:{port}");
        let child = Command::new(gatehouse)
            .args(["serve", "--addr", &addr, "--public-url"])
            .arg(format!("http://{addr}"))
            .args(["--database-url", database_url, "--log", "warn"])
            .arg("--secret-key-file")
            .arg(key_file)
            .arg("--site-root")
            .arg(site)
            .env_remove("GATEHOUSE_DEMO")
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .spawn()
            .expect("gatehouse serve");
        let server = Self(child);
        let client = reqwest::Client::new();
        let health = format!("http://{addr}/healthz");
        let started = Instant::now();
        while !client
            .get(&health)
            .send()
            .await
            .is_ok_and(|response| response.status().is_success())
        {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the server did not start"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server
    }

    /// `VmRSS` of `/proc/<pid>/status`, in KiB.
    fn resident_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.0.id()))
            .expect("the server's status");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
