//! The database: how it is opened, migrated and written to.
//!
//! Every write goes through [`write`]: one transaction, committed when the
//! work succeeds and rolled back when it fails, with the audit events it
//! recorded echoed to the log only after the commit.
//!
//! The queries are written to port to PostgreSQL (DESIGN §7): `$N`
//! placeholders, `TRUE`/`FALSE`, no SQLite-only functions, times bound from
//! the clock, and single-use or state changes as conditional updates
//! (`UPDATE … WHERE state = … RETURNING …`, rows affected checked) or unique
//! constraints — never a read-then-write that is only safe because SQLite
//! serialises writers. Repository functions take a [`Conn`].
//!
//! On SQLite, WAL lets readers work beside one writer, and writes start with
//! `BEGIN IMMEDIATE`, which takes the write lock up front so two
//! transactions never deadlock on upgrading from read to write. The writers
//! of this process queue for that lock in the process (an async mutex, which
//! wakes the next one as soon as the lock is free) rather than in SQLite's
//! busy handler, which sleeps 1, 2, 5, 10 … ms between tries — under load
//! most of a write's time. `busy_timeout` remains for other processes (the
//! CLI beside a server). All of that is about liveness only; correctness
//! never rests on it.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, Transaction};

use super::audit::Logged;

/// The database the store runs on; the one place that names it.
pub type Db = Sqlite;
/// A connection, as repository functions take it.
pub type Conn = <Db as sqlx::Database>::Connection;
/// The connection pool in `AppState`, with the queue its writers wait in.
/// It dereferences to sqlx's pool (`pool.acquire()`); a query runs on
/// [`Pool::connections`]; transactions go through [`write`].
#[derive(Debug, Clone)]
pub struct Pool {
    connections: sqlx::Pool<Db>,
    writer: Arc<tokio::sync::Mutex<()>>,
}

impl Pool {
    fn new(connections: sqlx::Pool<Db>) -> Self {
        Self {
            connections,
            writer: Arc::default(),
        }
    }

    /// sqlx's pool, as a query's executor: for reads, and for the one-
    /// statement writes that need no transaction.
    pub fn connections(&self) -> &sqlx::Pool<Db> {
        &self.connections
    }
}

impl std::ops::Deref for Pool {
    type Target = sqlx::Pool<Db>;

    fn deref(&self) -> &sqlx::Pool<Db> {
        &self.connections
    }
}

/// The embedded default (DESIGN §7).
pub const DEFAULT_DATABASE_URL: &str = "sqlite:data/gatehouse.db";

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL is not a SQLite URL.
    #[error("'{url}' is not a SQLite database URL (expected sqlite:path/to/file.db): {source}")]
    BadUrl { url: String, source: sqlx::Error },
    /// The directory for the file could not be made.
    #[error("cannot create the database directory {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file could not be opened or created.
    #[error("cannot open the database {}: {source}", path.display())]
    Open { path: PathBuf, source: sqlx::Error },
    /// A migration failed or does not match what was applied before.
    #[error("database migration failed on {}: {source}", path.display())]
    Migrate {
        path: PathBuf,
        source: sqlx::migrate::MigrateError,
    },
}

/// Opens (creating if needed) the database named by `url` and brings its
/// schema up to date.
pub async fn open(url: &str) -> Result<Pool, DbError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|source| DbError::BadUrl {
            url: url.to_owned(),
            source,
        })?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    let path = options.get_filename().to_path_buf();
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        create_dir(dir)?;
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        // sqlx pings a connection each time it leaves the pool: for SQLite a
        // round trip to the connection's worker thread, one of them inside
        // the write lock (`write` takes its connection after its turn). A
        // local file has no peer that could have hung up, so no ping.
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .map_err(|source| DbError::Open {
            path: path.clone(),
            source,
        })?;
    MIGRATOR
        .run(&pool)
        .await
        .map_err(|source| DbError::Migrate { path, source })?;
    Ok(Pool::new(pool))
}

fn create_dir(dir: &Path) -> Result<(), DbError> {
    std::fs::create_dir_all(dir).map_err(|source| DbError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })
}

/// A write transaction in progress: the connection to run statements on,
/// and the audit events to log once it has committed.
pub struct Tx {
    inner: Transaction<'static, Db>,
    logged: Vec<Logged>,
    /// This process's turn to write, held until the transaction ends.
    _turn: tokio::sync::OwnedMutexGuard<()>,
}

impl Tx {
    /// The transaction's connection, for queries and repository functions.
    pub fn conn(&mut self) -> &mut Conn {
        &mut self.inner
    }

    /// Keeps an audit event's log line until the commit.
    pub(crate) fn log_after_commit(&mut self, line: Logged) {
        self.logged.push(line);
    }
}

impl std::ops::Deref for Tx {
    type Target = Conn;

    fn deref(&self) -> &Conn {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.inner
    }
}

/// Runs `work` in one write transaction: committed when it returns `Ok`,
/// rolled back when it returns `Err` (or panics, or is cancelled).
///
/// A refusal that must keep what was written before it — the audit row of a
/// failed attempt, a counted wrong guess — is returned as `Ok(Err(refusal))`:
/// the transaction commits and the caller fails with `write(..).await??`.
pub async fn write<T, F>(pool: &Pool, work: F) -> super::Result<T>
where
    F: AsyncFnOnce(&mut Tx) -> super::Result<T>,
{
    // BEGIN runs in a task of its own: a request cancelled while it waits
    // for the write lock must not leave a begun transaction on a pooled
    // connection (sqlx cannot roll back a BEGIN whose caller is gone). The
    // task finishes either way, and a Transaction nobody takes is dropped —
    // rolled back — there.
    let begin = tokio::spawn({
        let pool = pool.clone();
        async move {
            let turn = pool.writer.clone().lock_owned().await;
            let inner = pool.connections.begin_with("BEGIN IMMEDIATE").await?;
            Ok::<_, sqlx::Error>((inner, turn))
        }
    });
    let (inner, turn) = begin.await??;
    let mut tx = Tx {
        inner,
        logged: Vec::new(),
        _turn: turn,
    };
    let value = work(&mut tx).await?;
    let Tx {
        inner,
        logged,
        _turn,
    } = tx;
    inner.commit().await?;
    drop(_turn);
    for line in &logged {
        line.emit();
    }
    Ok(value)
}

/// A fresh, migrated database in a temporary folder, for unit tests.
#[cfg(test)]
pub(crate) async fn open_for_test() -> (tempfile::TempDir, Pool) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = format!("sqlite:{}", dir.path().join("test.db").display());
    let pool = open(&url).await.expect("database");
    (dir, pool)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;
    use crate::ssr::audit::{self, Action, Event};
    use crate::ssr::{Actor, Error};

    async fn audit_rows(pool: &Pool) -> i64 {
        sqlx::query_scalar!("SELECT COUNT(*) FROM audit_events")
            .fetch_one(pool.connections())
            .await
            .expect("count")
    }

    #[tokio::test]
    async fn a_refusal_inside_ok_keeps_what_was_written() {
        let (_dir, pool) = open_for_test().await;
        let outcome = write(&pool, async |tx| {
            let event = Event::failure(Action::SignIn, 1)
                .by(&Actor::cli())
                .reason("test");
            audit::record(tx, event).await?;
            Ok(Err::<(), _>(AppError::InvalidCredentials))
        })
        .await
        .expect("the transaction commits");
        assert_eq!(outcome, Err(AppError::InvalidCredentials));
        assert_eq!(audit_rows(&pool).await, 1);
    }

    #[tokio::test]
    async fn a_unique_violation_is_a_conflict_named_by_its_constraint() {
        let (_dir, pool) = open_for_test().await;
        let insert = |id: &'static str| {
            let pool = pool.clone();
            async move {
                write(&pool, async |tx| {
                    sqlx::query!(
                        "INSERT INTO tenants (id, slug, display_name, domain, plan, premium_seats, created_at)
                         VALUES ($1, 'fabrikam', 'Fabrikam', $2, 'free', 0, 0)",
                        id,
                        id
                    )
                    .execute(tx.conn())
                    .await?;
                    Ok(())
                })
                .await
            }
        };
        insert("a.test").await.expect("the first");
        let second = insert("b.test").await;
        assert!(
            matches!(&second, Err(Error::Public(AppError::Conflict(message))) if message.contains("slug")),
            "{second:?}"
        );
    }
}
