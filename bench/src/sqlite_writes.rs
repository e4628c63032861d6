//! What the database driver costs the TOTP challenge (issue 7's ratio): the
//! challenge's write transaction — its six statements, as the service runs
//! them — through sqlx (`db::write`, as Gatehouse writes) and, for
//! comparison, on one thread that owns a rusqlite connection to the same
//! file: a transaction per challenge, then queued challenges in one
//! transaction with a savepoint each (group commit). Not a budget of its
//! own: the figures for the decision the README describes. rusqlite is a
//! dependency of this benchmark only, never of the product.
//!
//! Each of 3 × COUNT members (made through the services) has an
//! authenticator app and a session; each way of writing takes its own
//! COUNT of them, each once.
//!
//! `cargo run --release -p bench --bin sqlite-writes [-- COUNT CONCURRENCY]`

use std::path::PathBuf;
use std::sync::{mpsc, Arc, Mutex};

use app::ssr::clock::{Clock, SystemClock, UnixTime};
use app::ssr::db::Pool;
use bench::{count_and_concurrency, member_with_app, ms, run, Bench, Figures};
use tokio::sync::oneshot;

// The statements of `methods::verify_totp_in`, `audit::record` and
// `session::rotate_with_mfa` for a code that passes, in their order.
const METHODS: &str = "SELECT m.id, m.sealed_secret, t.failures, t.last_failure_at
     FROM auth_methods m
     LEFT JOIN throttles t ON t.scope = $3 AND t.subject = m.user_id
     WHERE m.user_id = $1 AND m.kind = $2 AND m.activated_at IS NOT NULL";
const GUARD: &str = "UPDATE auth_methods SET last_used_step = $1, last_used_at = $2
     WHERE id = $3 AND (last_used_step IS NULL OR last_used_step < $1)";
const AUDIT: &str =
    "INSERT INTO audit_events (at, tenant_id, actor, action, target, outcome, ip, detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
const REVOKE: &str =
    "UPDATE sessions SET revoked_at = $1 WHERE id_hash = $2 AND revoked_at IS NULL";
const ROTATE: &str = "INSERT INTO sessions (id_hash, user_id, personal_account_id, email,
                           authenticated_at, amr, created_at, expires_at)
     SELECT $1, user_id, personal_account_id, email, authenticated_at, amr, $2, expires_at
     FROM sessions WHERE id_hash = $3";
const MFA: &str = "INSERT INTO session_mfa (session_id_hash, tenant_id, mfa_at, amr)
     SELECT $1, tenant_id, mfa_at, amr FROM session_mfa
     WHERE session_id_hash = $2 AND tenant_id <> $3
     UNION ALL
     SELECT $1, $3, $4, $5";
const AMR: &str = r#"["otp","mfa"]"#;

/// One member's challenge: what the write transaction reads and writes.
#[derive(Clone)]
struct Challenge {
    user_id: String,
    tenant_id: String,
    upn: String,
    method_id: String,
    session: String,
    new_session: String,
    step: i64,
    now: UnixTime,
}

impl Challenge {
    fn detail(&self) -> String {
        serde_json::json!({ "kind": "totp", "methodId": self.method_id }).to_string()
    }
}

#[tokio::main]
async fn main() {
    let (count, concurrency) = count_and_concurrency(1_000);
    let clock = Arc::new(SystemClock);
    let bench = Bench::prepare(clock.clone()).await;
    let state = bench.state.clone();
    let tenant = bench.tenant("woodgrove").await;
    for i in 0..3 * count {
        let upn = format!("writer{i:05}@woodgrove.test");
        member_with_app(&state, &tenant, &upn, &format!("Writer {i}"), clock.now()).await;
    }
    let now = clock.now();
    let challenges = challenges(&state.pool, now).await;
    assert_eq!(
        challenges.len(),
        3 * count,
        "every member has an app and a session"
    );
    let (through_sqlx, rest) = challenges.split_at(count);
    let (one_each, grouped) = rest.split_at(count);

    let pool = &state.pool;
    let figures = run(count, concurrency, |i| {
        write_with_sqlx(pool, &through_sqlx[i])
    })
    .await;
    print("sqlx (db::write)", count, concurrency, &figures);

    let path = pool
        .connections()
        .connect_options()
        .get_filename()
        .to_path_buf();
    for (label, group, challenges) in [
        (
            "rusqlite on a writer thread, a transaction each",
            false,
            one_each,
        ),
        ("rusqlite on a writer thread, group commit", true, grouped),
    ] {
        let writer = Writer::start(path.clone(), group);
        let figures = run(count, concurrency, |i| writer.write(challenges[i].clone())).await;
        print(label, count, concurrency, &figures);
    }
}

/// Each writer member's challenge, with a step one ahead of the app's
/// confirmation.
async fn challenges(pool: &Pool, now: UnixTime) -> Vec<Challenge> {
    let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT u.id, u.tenant_id, u.user_principal_name, m.id, s.id_hash
         FROM users u
         JOIN auth_methods m ON m.user_id = u.id
         JOIN sessions s ON s.user_id = u.id AND s.revoked_at IS NULL
         WHERE u.user_principal_name LIKE 'writer%'
         ORDER BY u.user_principal_name",
    )
    .fetch_all(pool.connections())
    .await
    .expect("members");
    let step = now / app::mfa::ssr::totp::STEP_SECS as i64 + 1;
    rows.into_iter()
        .map(|(user_id, tenant_id, upn, method_id, session)| Challenge {
            new_session: format!("{session}-rotated"),
            user_id,
            tenant_id,
            upn,
            method_id,
            session,
            step,
            now,
        })
        .collect()
}

async fn write_with_sqlx(pool: &Pool, c: &Challenge) {
    app::ssr::db::write(pool, async |tx| {
        let methods = sqlx::query(METHODS)
            .bind(&c.user_id)
            .bind("totp")
            .bind("totp")
            .fetch_all(tx.conn())
            .await?;
        assert_eq!(methods.len(), 1);
        let guard = sqlx::query(GUARD)
            .bind(c.step)
            .bind(c.now)
            .bind(&c.method_id)
            .execute(tx.conn())
            .await?;
        assert_eq!(guard.rows_affected(), 1, "the code is taken once");
        sqlx::query(AUDIT)
            .bind(c.now)
            .bind(&c.tenant_id)
            .bind(&c.user_id)
            .bind("mfa.challenge_passed")
            .bind(&c.upn)
            .bind("success")
            .bind(None::<String>)
            .bind(c.detail())
            .execute(tx.conn())
            .await?;
        let revoked = sqlx::query(REVOKE)
            .bind(c.now)
            .bind(&c.session)
            .execute(tx.conn())
            .await?;
        assert_eq!(revoked.rows_affected(), 1, "the session rotates once");
        sqlx::query(ROTATE)
            .bind(&c.new_session)
            .bind(c.now)
            .bind(&c.session)
            .execute(tx.conn())
            .await?;
        sqlx::query(MFA)
            .bind(&c.new_session)
            .bind(&c.session)
            .bind(&c.tenant_id)
            .bind(c.now)
            .bind(AMR)
            .execute(tx.conn())
            .await?;
        Ok(())
    })
    .await
    .expect("the challenge's transaction");
}

/// A thread that owns a rusqlite connection and runs the challenges sent to
/// it: each in a transaction of its own, or every challenge queued when it
/// gets to them in one (a savepoint each).
struct Writer {
    queue: Mutex<mpsc::Sender<(Challenge, oneshot::Sender<()>)>>,
}

impl Writer {
    fn start(path: PathBuf, group: bool) -> Self {
        let (queue, jobs) = mpsc::channel::<(Challenge, oneshot::Sender<()>)>();
        std::thread::spawn(move || {
            let conn = rusqlite::Connection::open(path).expect("rusqlite connection");
            conn.execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
            )
            .expect("pragmas");
            while let Ok(first) = jobs.recv() {
                let mut batch = vec![first];
                if group {
                    batch.extend(jobs.try_iter());
                }
                conn.execute_batch("BEGIN IMMEDIATE").expect("BEGIN");
                for (challenge, _) in &batch {
                    if group {
                        conn.execute_batch("SAVEPOINT challenge")
                            .expect("SAVEPOINT");
                    }
                    write_with_rusqlite(&conn, challenge).expect("the challenge's statements");
                    if group {
                        conn.execute_batch("RELEASE challenge").expect("RELEASE");
                    }
                }
                conn.execute_batch("COMMIT").expect("COMMIT");
                for (_, done) in batch {
                    let _ = done.send(());
                }
            }
        });
        Self {
            queue: Mutex::new(queue),
        }
    }

    async fn write(&self, challenge: Challenge) {
        let (done, written) = oneshot::channel();
        self.queue
            .lock()
            .expect("queue")
            .send((challenge, done))
            .expect("the writer runs");
        written.await.expect("written");
    }
}

/// The same statements with rusqlite. SQLite numbers `$N` parameters in the
/// order they first appear, so they are bound by name.
fn write_with_rusqlite(conn: &rusqlite::Connection, c: &Challenge) -> rusqlite::Result<()> {
    use rusqlite::named_params;
    let methods = conn
        .prepare_cached(METHODS)?
        .query_map(
            named_params! { "$1": c.user_id, "$2": "totp", "$3": "totp" },
            |row| row.get::<_, Vec<u8>>(1),
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    assert_eq!(methods.len(), 1);
    let guard = conn
        .prepare_cached(GUARD)?
        .execute(named_params! { "$1": c.step, "$2": c.now, "$3": c.method_id })?;
    assert_eq!(guard, 1, "the code is taken once");
    conn.prepare_cached(AUDIT)?.execute(named_params! {
        "$1": c.now, "$2": c.tenant_id, "$3": c.user_id, "$4": "mfa.challenge_passed",
        "$5": c.upn, "$6": "success", "$7": None::<String>, "$8": c.detail(),
    })?;
    let revoked = conn
        .prepare_cached(REVOKE)?
        .execute(named_params! { "$1": c.now, "$2": c.session })?;
    assert_eq!(revoked, 1, "the session rotates once");
    conn.prepare_cached(ROTATE)?
        .execute(named_params! { "$1": c.new_session, "$2": c.now, "$3": c.session })?;
    conn.prepare_cached(MFA)?.execute(named_params! {
        "$1": c.new_session, "$2": c.session, "$3": c.tenant_id, "$4": c.now, "$5": AMR,
    })?;
    Ok(())
}

fn print(label: &str, count: usize, concurrency: usize, figures: &Figures) {
    println!(
        "challenge write transaction, {label}: {count}, {concurrency} concurrent: {:.0}/s; \
         latency p50 {:.2} ms, p95 {:.2} ms; {}",
        figures.per_second,
        ms(figures.p50),
        ms(figures.p95),
        figures.cost.describe()
    );
}
