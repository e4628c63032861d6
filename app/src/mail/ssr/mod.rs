//! The outbox (DESIGN §2): every e-mail is a row written in the transaction of
//! the change that causes it, so a mail goes out if and only if that change
//! committed. [`delivery`] sends due rows by SMTP when a relay is configured;
//! without one, mail stays in the outbox and `/dev/mail` shows it.
//!
//! Bodies are sealed with the server's key ([`crate::ssr::seal`]): invitation
//! mails carry redeem links and code mails carry passcodes, which must never
//! lie in the database in clear. The sealed body is bound to its row's id,
//! address and subject, so it cannot be moved to a row addressed to someone
//! else. Subjects and addresses stay readable for operators and so never
//! hold a secret.

pub mod compose;
pub mod delivery;

pub use compose::{code_mail, invitation_mail, InvitationMail, CODE_VALID_MINUTES};
pub use delivery::{deliver_due, run_delivery, Mailer, MailerError};

use serde::{Deserialize, Serialize};

use super::MailStatus;
use crate::domain::Email;
use crate::ssr::clock::UnixTime;
use crate::ssr::config::PublicUrl;
use crate::ssr::db::{Conn, Pool};
use crate::ssr::seal::{open_in_context, seal_in_context};
use crate::ssr::state::SecretKey;
use crate::ssr::{Error, Result};

/// What composing and queueing mail needs besides the database: where links
/// point, and the key that seals bodies. `AppState::mail` gives it.
#[derive(Clone, Copy)]
pub struct MailContext<'a> {
    pub public_url: &'a PublicUrl,
    pub key: &'a SecretKey,
}

impl<'a> MailContext<'a> {
    /// For callers without an `AppState` (the CLI).
    pub fn new(public_url: &'a PublicUrl, key: &'a SecretKey) -> Self {
        Self { public_url, key }
    }
}

/// A mail to put in the outbox. `text` and `html` may carry secrets (links,
/// codes): they are sealed at rest and never logged, and `Debug` omits them.
#[derive(Clone)]
pub struct OutgoingMail {
    /// The tenant the mail is sent for, if any.
    pub tenant_id: Option<String>,
    pub to: Email,
    /// Stored in clear: never put a secret in it.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part; every value in it is escaped by its composer.
    pub html: String,
}

impl std::fmt::Debug for OutgoingMail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutgoingMail")
            .field("tenant_id", &self.tenant_id)
            .field("to", &self.to)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// A mail's two parts, opened.
#[derive(Clone, PartialEq, Eq)]
pub struct MailBody {
    pub text: String,
    pub html: String,
}

/// The two parts as they are serialised before sealing.
#[derive(Serialize, Deserialize)]
struct SealedParts<'a> {
    text: std::borrow::Cow<'a, str>,
    html: std::borrow::Cow<'a, str>,
}

impl std::fmt::Debug for MailBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MailBody([REDACTED])")
    }
}

/// A row of the outbox with its body opened.
#[derive(Debug, Clone)]
pub struct OutboxEntry {
    pub id: String,
    pub tenant_id: Option<String>,
    pub to: String,
    pub subject: String,
    /// `None` when the body does not open with the current key (the key
    /// changed since, or the row was tampered with).
    pub body: Option<MailBody>,
    pub created_at: UnixTime,
    pub attempts: i64,
    pub next_attempt_at: UnixTime,
    pub sent_at: Option<UnixTime>,
    pub failed_at: Option<UnixTime>,
    /// The last delivery error.
    pub error: Option<String>,
}

impl OutboxEntry {
    /// Where the mail stands.
    pub fn status(&self) -> MailStatus {
        if self.sent_at.is_some() {
            MailStatus::Sent
        } else if self.failed_at.is_some() {
            MailStatus::Failed
        } else if self.attempts > 0 {
            MailStatus::Retrying
        } else {
            MailStatus::Queued
        }
    }
}

/// The associated data a row's body is sealed with: its id, address and
/// subject, unambiguously encoded.
fn seal_context(id: &str, to: &str, subject: &str) -> Vec<u8> {
    serde_json::to_vec(&["gatehouse.outbox.v1", id, to, subject]).unwrap_or_default()
}

fn seal_body(key: &SecretKey, id: &str, mail: &OutgoingMail) -> Result<Vec<u8>> {
    let body = serde_json::to_vec(&SealedParts {
        text: mail.text.as_str().into(),
        html: mail.html.as_str().into(),
    })
    .map_err(|source| Error::Serialise {
        what: "a mail body",
        source,
    })?;
    Ok(seal_in_context(
        key,
        &body,
        &seal_context(id, mail.to.as_str(), &mail.subject),
    ))
}

/// Opens a row's body; `None` (and a warning with the id only) when it does
/// not open or parse.
pub(crate) fn open_body(
    key: &SecretKey,
    id: &str,
    to: &str,
    subject: &str,
    sealed: &[u8],
) -> Option<MailBody> {
    let opened = open_in_context(key, sealed, &seal_context(id, to, subject))
        .map_err(|error| error.to_string())
        .and_then(|plain| {
            serde_json::from_slice::<SealedParts>(&plain)
                .map(|parts| MailBody {
                    text: parts.text.into_owned(),
                    html: parts.html.into_owned(),
                })
                .map_err(|_| "not a mail body".to_owned())
        });
    match opened {
        Ok(body) => Some(body),
        Err(error) => {
            tracing::warn!(mail_id = id, %error, "an outbox body does not open");
            None
        }
    }
}

/// Puts `mail` in the outbox, due at once, inside the caller's transaction
/// (so it is sent only if that commits). Returns the new row's id.
pub async fn enqueue(
    conn: &mut Conn,
    key: &SecretKey,
    mail: &OutgoingMail,
    now: UnixTime,
) -> Result<String> {
    let id = uuid::Uuid::new_v4().to_string();
    let sealed = seal_body(key, &id, mail)?;
    let to = mail.to.as_str();
    sqlx::query!(
        "INSERT INTO outbox (id, tenant_id, to_address, subject, sealed_body, created_at, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        id,
        mail.tenant_id,
        to,
        mail.subject,
        sealed,
        now,
        now,
    )
    .execute(conn)
    .await?;
    tracing::info!(mail_id = %id, tenant = mail.tenant_id.as_deref(), "mail queued");
    Ok(id)
}

/// The newest `limit` mails, bodies opened, newest first (for `/dev/mail`
/// and tests).
pub async fn list_outbox(pool: &Pool, key: &SecretKey, limit: i64) -> Result<Vec<OutboxEntry>> {
    let rows = sqlx::query!(
        "SELECT id, tenant_id, to_address, subject, sealed_body, created_at, attempts,
                next_attempt_at, sent_at, failed_at, error
         FROM outbox ORDER BY created_at DESC, rowid DESC LIMIT $1",
        limit
    )
    .fetch_all(pool.connections())
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| OutboxEntry {
            body: open_body(
                key,
                &row.id,
                &row.to_address,
                &row.subject,
                &row.sealed_body,
            ),
            id: row.id,
            tenant_id: row.tenant_id,
            to: row.to_address,
            subject: row.subject,
            created_at: row.created_at,
            attempts: row.attempts,
            next_attempt_at: row.next_attempt_at,
            sent_at: row.sent_at,
            failed_at: row.failed_at,
            error: row.error,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail() -> OutgoingMail {
        OutgoingMail {
            tenant_id: None,
            to: Email::parse("bob@fabrikam.test").unwrap(),
            subject: "Hello".into(),
            text: "https://id.test/redeem?ticket=SECRET".into(),
            html: "<p>SECRET</p>".into(),
        }
    }

    #[test]
    fn a_sealed_body_opens_only_on_its_own_row() {
        let key = SecretKey::new([3; 32]);
        let sealed = seal_body(&key, "row-1", &mail()).unwrap();
        assert!(!sealed.windows(6).any(|window| window == b"SECRET"));
        let body = open_body(&key, "row-1", "bob@fabrikam.test", "Hello", &sealed).unwrap();
        assert_eq!(body.text, "https://id.test/redeem?ticket=SECRET");
        assert_eq!(body.html, "<p>SECRET</p>");
        assert!(open_body(&key, "row-2", "bob@fabrikam.test", "Hello", &sealed).is_none());
        assert!(open_body(&key, "row-1", "eve@evil.test", "Hello", &sealed).is_none());
        assert!(open_body(&key, "row-1", "bob@fabrikam.test", "Hi", &sealed).is_none());
        assert!(open_body(
            &SecretKey::new([4; 32]),
            "row-1",
            "bob@fabrikam.test",
            "Hello",
            &sealed
        )
        .is_none());
    }

    #[test]
    fn debug_output_leaves_the_body_out() {
        let shown = format!("{:?}", mail());
        assert!(!shown.contains("SECRET"), "{shown}");
        let body = MailBody {
            text: "SECRET".into(),
            html: String::new(),
        };
        assert!(!format!("{body:?}").contains("SECRET"));
    }
}
