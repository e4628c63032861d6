//! An audit event reaches the operator's log only once its transaction has
//! committed: a rollback leaves neither a row nor a log line.
//!
//! This is a test binary of its own, with this one test in it. Tracing
//! caches per callsite, for the whole process, whether any subscriber wants
//! its events; beside other tests, a thread that met the audit callsite while
//! no subscriber listened could cache "never" just as this test's subscriber
//! arrived, and the line would go missing for a reason that has nothing to do
//! with the commit (it did, once, in CI). Alone here, the test's subscriber
//! is the process's, from its first line on.
#![cfg(feature = "ssr")]

use std::io::Write;
use std::sync::{Arc, Mutex};

use app::error::AppError;
use app::ssr::audit::{self, Action, Event};
use app::ssr::db::{self, Pool};
use app::ssr::{Actor, Error};

/// Log output, captured.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::ErrorKind::Other)?
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log buffer")).into_owned()
    }
}

async fn audit_rows(pool: &Pool) -> i64 {
    sqlx::query_scalar!("SELECT COUNT(*) FROM audit_events")
        .fetch_one(pool.connections())
        .await
        .expect("count")
}

async fn revoke_in_write(pool: &Pool, then_fail: bool) -> app::ssr::Result<()> {
    db::write(pool, async |tx| {
        let event = Event::success(Action::InvitationRevoked, 1).by(&Actor::cli());
        audit::record(tx, event).await?;
        if then_fail {
            return Err(AppError::Conflict("changed meanwhile".into()).into());
        }
        Ok(())
    })
    .await
}

#[tokio::test]
async fn an_audit_event_is_logged_only_once_its_transaction_commits() {
    let log = Captured::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = format!("sqlite:{}", dir.path().join("test.db").display());
    let pool = db::open(&url).await.expect("database");

    let failed = revoke_in_write(&pool, true).await;
    assert!(matches!(failed, Err(Error::Public(AppError::Conflict(_)))));
    assert_eq!(audit_rows(&pool).await, 0, "rolled back");
    assert!(!log.text().contains("invitation.revoke"), "{}", log.text());

    revoke_in_write(&pool, false).await.expect("commits");
    assert_eq!(audit_rows(&pool).await, 1);
    assert!(log.text().contains("invitation.revoke"), "{}", log.text());
}
