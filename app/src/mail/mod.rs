//! E-mail: every mail Gatehouse sends goes through the outbox (DESIGN §2).
//! The services — composing, queueing, SMTP delivery — are in [`ssr`];
//! `/dev/mail` ([`page`]) shows the outbox in demo mode, so people and
//! browser tests can read invitations and codes without a mail server.

pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

/// How many mails `/dev/mail` shows, newest first.
pub const DEV_MAIL_LIMIT: i64 = 50;

/// Where a mail stands, as `/dev/mail` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailStatus {
    /// Waiting in the outbox (always, when no SMTP relay is configured).
    Queued,
    /// Accepted by the SMTP relay.
    Sent,
    /// An attempt failed; it will be tried again.
    Retrying,
    /// Delivery was given up.
    Failed,
}

impl MailStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Retrying => "retrying",
            Self::Failed => "failed",
        }
    }
}

/// One mail of the outbox for `/dev/mail` (demo mode only: it carries the
/// links and codes that the mail carries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMail {
    pub id: String,
    pub to: String,
    pub subject: String,
    /// The plain-text part; empty when the body does not open.
    pub text: String,
    /// The HTML part, shown only inside a sandboxed frame.
    pub html: String,
    /// RFC 3339, UTC.
    pub created: String,
    pub status: MailStatus,
    pub attempts: i64,
    /// The last delivery error.
    pub error: Option<String>,
}
