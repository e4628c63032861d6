//! Throttling guesses (DESIGN §5) — MFA codes, recovery codes, passwords —
//! kept in the database so that every
//! server process sees the same counts: after 5 consecutive failures each
//! attempt waits longer (15 s, 30 s, 1 min, 2 min, 4 min); after 10 the
//! check is locked for 15 minutes. A success clears the count; a lock
//! expires by itself, so nobody can lock an account forever.

use crate::ssr::clock::UnixTime;
use crate::ssr::db::Conn;
use crate::ssr::Result;

/// Failures before attempts are delayed.
pub const DELAY_AFTER: i64 = 5;
/// Failures that lock the check.
pub const LOCK_AFTER: i64 = 10;
/// How long a lock lasts.
pub const LOCK_SECS: i64 = 15 * 60;
/// The first delay; each further failure doubles it.
const FIRST_DELAY_SECS: i64 = 15;

/// What is being guessed at, and so counted apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The authenticator-app codes of a user object.
    Totp,
    /// The recovery codes of a user object.
    RecoveryCode,
    /// The passkeys and security keys of a user object.
    Webauthn,
    /// Password sign-ins to one account (by the name typed).
    SignInAccount,
    /// Password sign-ins from one client address.
    SignInAddress,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Totp => "totp",
            Self::RecoveryCode => "recovery_code",
            Self::Webauthn => "webauthn",
            Self::SignInAccount => "signin_account",
            Self::SignInAddress => "signin_address",
        }
    }
}

/// When the next attempt may come after `failures` consecutive failures,
/// the last at `last_failure_at`; `None`: at once.
pub fn next_attempt_at(failures: i64, last_failure_at: UnixTime) -> Option<UnixTime> {
    if failures >= LOCK_AFTER {
        return Some(last_failure_at + LOCK_SECS);
    }
    let over = u32::try_from(failures - DELAY_AFTER).ok()?;
    Some(last_failure_at + FIRST_DELAY_SECS * 2_i64.pow(over))
}

/// Whether the count has reached a lock.
pub fn is_lock(failures: i64) -> bool {
    failures >= LOCK_AFTER
}

/// Whether a count of `failures`, the last at `last_failure_at`, still
/// holds the next attempt back at `now` — for a caller that read the
/// throttle row with something else.
pub fn is_waiting(failures: i64, last_failure_at: UnixTime, now: UnixTime) -> bool {
    next_attempt_at(failures, last_failure_at).is_some_and(|until| now < until)
}

/// The failures counted against `subject`: how many in a row, and when
/// the last was. `None`: none since the last success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub failures: i64,
    pub last_failure_at: UnixTime,
}

impl Count {
    /// Whether the count still holds the next attempt back at `now`.
    pub fn is_waiting(&self, now: UnixTime) -> bool {
        is_waiting(self.failures, self.last_failure_at, now)
    }
}

/// The failures counted against `subject`, if any.
pub async fn count(conn: &mut Conn, scope: Scope, subject: &str) -> Result<Option<Count>> {
    let scope = scope.as_str();
    let row = sqlx::query!(
        "SELECT failures, last_failure_at FROM throttles WHERE scope = $1 AND subject = $2",
        scope,
        subject
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|row| Count {
        failures: row.failures,
        last_failure_at: row.last_failure_at,
    }))
}

/// Whether `subject` must still wait before its next attempt.
pub async fn must_wait(
    conn: &mut Conn,
    scope: Scope,
    subject: &str,
    now: UnixTime,
) -> Result<bool> {
    Ok(count(conn, scope, subject)
        .await?
        .is_some_and(|count| count.is_waiting(now)))
}

/// Counts a failure and answers the count. After a lock has run out, the
/// count starts again.
pub async fn record_failure(
    conn: &mut Conn,
    scope: Scope,
    subject: &str,
    now: UnixTime,
) -> Result<i64> {
    let scope = scope.as_str();
    let expired_before = now - LOCK_SECS;
    let failures = sqlx::query_scalar!(
        "INSERT INTO throttles (scope, subject, failures, last_failure_at) VALUES ($1, $2, 1, $3)
         ON CONFLICT (scope, subject) DO UPDATE SET
             failures = CASE
                 WHEN throttles.failures >= $4 AND throttles.last_failure_at <= $5 THEN 1
                 ELSE throttles.failures + 1
             END,
             last_failure_at = $3
         RETURNING failures",
        scope,
        subject,
        now,
        LOCK_AFTER,
        expired_before
    )
    .fetch_one(conn)
    .await?;
    Ok(failures)
}

/// A success: the count starts again.
pub async fn clear(conn: &mut Conn, scope: Scope, subject: &str) -> Result<()> {
    let scope = scope.as_str();
    sqlx::query!(
        "DELETE FROM throttles WHERE scope = $1 AND subject = $2",
        scope,
        subject
    )
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssr::db::open_for_test;

    #[test]
    fn the_delay_doubles_from_the_fifth_failure_and_the_tenth_locks() {
        assert_eq!(next_attempt_at(4, 1000), None);
        assert_eq!(next_attempt_at(5, 1000), Some(1015));
        assert_eq!(next_attempt_at(6, 1000), Some(1030));
        assert_eq!(next_attempt_at(9, 1000), Some(1240));
        assert_eq!(next_attempt_at(10, 1000), Some(1900));
        assert!(!is_lock(9) && is_lock(10));
    }

    #[tokio::test]
    async fn a_lock_holds_for_fifteen_minutes_on_the_clock_and_then_lifts() {
        let (_dir, pool) = open_for_test().await;
        let mut conn = pool.acquire().await.unwrap();
        let t0 = 1_795_608_000;
        for _ in 0..10 {
            record_failure(&mut conn, Scope::Totp, "u1", t0)
                .await
                .unwrap();
        }
        assert!(must_wait(&mut conn, Scope::Totp, "u1", t0 + LOCK_SECS - 1)
            .await
            .unwrap());
        assert!(
            !must_wait(&mut conn, Scope::Totp, "u2", t0).await.unwrap(),
            "another subject"
        );
        let other_scope = must_wait(&mut conn, Scope::RecoveryCode, "u1", t0)
            .await
            .unwrap();
        assert!(!other_scope, "another scope");
        let lifted = must_wait(&mut conn, Scope::Totp, "u1", t0 + LOCK_SECS)
            .await
            .unwrap();
        assert!(!lifted, "lifted");
        let failures = record_failure(&mut conn, Scope::Totp, "u1", t0 + LOCK_SECS)
            .await
            .unwrap();
        assert_eq!(failures, 1, "the count starts again after a lock");
    }

    #[tokio::test]
    async fn a_success_clears_the_count() {
        let (_dir, pool) = open_for_test().await;
        let mut conn = pool.acquire().await.unwrap();
        for _ in 0..7 {
            record_failure(&mut conn, Scope::Totp, "u1", 100)
                .await
                .unwrap();
        }
        assert!(must_wait(&mut conn, Scope::Totp, "u1", 101).await.unwrap());
        clear(&mut conn, Scope::Totp, "u1").await.unwrap();
        assert!(
            !must_wait(&mut conn, Scope::Totp, "u1", 101).await.unwrap(),
            "cleared"
        );
    }
}
