//! Delivery of the outbox by SMTP (lettre over tokio; TLS by rustls).
//!
//! A worker loop ([`run_delivery`]) wakes every few seconds and sends what is
//! due ([`deliver_due`]). Several server processes may share one database, so
//! a worker first claims a row — moves its `next_attempt_at` a few minutes
//! ahead, on the condition that nobody did so before — then sends it. A
//! failed attempt is recorded on the row and retried with exponential
//! back-off; a permanent SMTP error, a body that does not open, or too many
//! attempts end the row's tries (`failed_at`). Logs name rows by id only: no
//! body, link, code or SMTP password ever reaches them.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::extension::ClientId;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};

use super::{open_body, MailBody};
use crate::ssr::clock::{Clock, UnixTime};
use crate::ssr::config::PublicUrl;
use crate::ssr::db::Pool;
use crate::ssr::state::SecretKey;
use crate::ssr::Result;

/// Attempts before the worker gives up on a mail (about two hours in all).
pub const MAX_ATTEMPTS: i64 = 8;
/// The first retry's delay; each further failure doubles it.
pub const FIRST_RETRY_SECS: i64 = 30;
/// The longest delay between two attempts.
pub const MAX_RETRY_SECS: i64 = 60 * 60;
/// How long a worker's claim on a row lasts: past it, another worker may
/// send the row (the first one is taken to have died).
pub const CLAIM_SECS: i64 = 5 * 60;
/// The most rows one [`deliver_due`] call handles.
pub const BATCH: i64 = 20;
/// How often the worker looks for due mail when it is idle.
pub const POLL_INTERVAL: Duration = Duration::from_secs(3);
/// The longest an SMTP command may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest error text kept on a row.
const MAX_ERROR_LEN: usize = 500;

/// Why the SMTP relay cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    /// `GATEHOUSE_SMTP_URL` does not parse (the URL itself is not repeated:
    /// it may hold a password).
    #[error(
        "GATEHOUSE_SMTP_URL is not a usable SMTP URL (smtp://host:port or smtps://host:port): {0}"
    )]
    BadUrl(String),
}

/// An SMTP relay and the sender Gatehouse's mail comes from.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// A relay from a URL such as `smtp://127.0.0.1:2525`,
    /// `smtp://user:password@mail.test:587?tls=required` (STARTTLS) or
    /// `smtps://mail.test` (TLS from the start). Mail comes from
    /// `Gatehouse <no-reply@host of the public URL>`, and Gatehouse greets
    /// the relay (EHLO) with that host too, unless the URL names another
    /// (`smtp://mail.test/gatehouse.example`).
    pub fn from_url(smtp_url: &SecretString, public_url: &PublicUrl) -> Result<Self, MailerError> {
        let url = smtp_url.expose_secret();
        let from = sender(public_url);
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|error| MailerError::BadUrl(error.to_string()))?
            .timeout(Some(SMTP_TIMEOUT));
        if !names_hello(url) {
            builder = builder.hello_name(ClientId::Domain(from.email.domain().to_owned()));
        }
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }

    /// The `From` of every mail.
    pub fn from(&self) -> &Mailbox {
        &self.from
    }
}

/// Whether an SMTP URL has a path, which lettre takes as the EHLO name.
fn names_hello(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|url| !url.path().trim_matches('/').is_empty())
}

/// `Gatehouse <no-reply@host>` for a public URL with a domain name;
/// `no-reply@localhost` when its host is an IP address or makes no address.
fn sender(public_url: &PublicUrl) -> Mailbox {
    let host = public_url.host();
    let is_ip = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>()
        .is_ok();
    let address = Some(host)
        .filter(|_| !is_ip)
        .and_then(|host| Address::new("no-reply", host).ok())
        // A constant that is a valid address.
        .unwrap_or_else(|| Address::new_dangerous("no-reply", "localhost"));
    Mailbox::new(Some("Gatehouse".to_owned()), address)
}

/// The wait before the attempt after `failed_attempts` failures:
/// 30 s, 1 min, 2 min, … at most an hour.
pub fn retry_delay(failed_attempts: i64) -> i64 {
    let doublings = u32::try_from(failed_attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    (FIRST_RETRY_SECS << doublings).min(MAX_RETRY_SECS)
}

/// How one attempt ended.
enum Outcome {
    Sent,
    /// Worth trying again later.
    Transient(String),
    /// Will not get better by retrying.
    Permanent(String),
}

/// Sends the mail that is due at `now` (at most [`BATCH`] rows) and returns
/// how many the relay accepted. Failures are recorded on their rows, not
/// returned: an error here means the database failed.
pub async fn deliver_due(
    pool: &Pool,
    key: &SecretKey,
    mailer: &Mailer,
    now: UnixTime,
) -> Result<usize> {
    let due = sqlx::query!(
        "SELECT id, to_address, subject, sealed_body, attempts, next_attempt_at
         FROM outbox
         WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1
         ORDER BY next_attempt_at, rowid
         LIMIT $2",
        now,
        BATCH
    )
    .fetch_all(pool.connections())
    .await?;
    let mut sent = 0;
    // A slow relay can make a batch outlast a claim: every row is claimed,
    // and its outcome recorded, at the time it is reached, not at `now`.
    let started = std::time::Instant::now();
    for row in due {
        let now = now + i64::try_from(started.elapsed().as_secs()).unwrap_or(i64::MAX / 2);
        let claim_until = now + CLAIM_SECS;
        let claimed = sqlx::query!(
            "UPDATE outbox SET next_attempt_at = $1
             WHERE id = $2 AND sent_at IS NULL AND failed_at IS NULL AND next_attempt_at = $3",
            claim_until,
            row.id,
            row.next_attempt_at
        )
        .execute(pool.connections())
        .await?
        .rows_affected()
            == 1;
        if !claimed {
            continue; // another worker has it
        }
        let outcome = match open_body(
            key,
            &row.id,
            &row.to_address,
            &row.subject,
            &row.sealed_body,
        ) {
            None => Outcome::Permanent("the body does not open with the current key".into()),
            Some(body) => send(mailer, &row.id, &row.to_address, &row.subject, body).await,
        };
        let attempts = row.attempts + 1;
        match outcome {
            Outcome::Sent => {
                sqlx::query!(
                    "UPDATE outbox SET sent_at = $1, attempts = $2, error = NULL
                     WHERE id = $3 AND next_attempt_at = $4",
                    now,
                    attempts,
                    row.id,
                    claim_until
                )
                .execute(pool.connections())
                .await?;
                tracing::info!(mail_id = %row.id, attempts, "mail sent");
                sent += 1;
            }
            Outcome::Transient(error) if attempts < MAX_ATTEMPTS => {
                let delay = retry_delay(attempts);
                let next = now + delay;
                let error = clip(error);
                sqlx::query!(
                    "UPDATE outbox SET attempts = $1, next_attempt_at = $2, error = $3
                     WHERE id = $4 AND next_attempt_at = $5",
                    attempts,
                    next,
                    error,
                    row.id,
                    claim_until
                )
                .execute(pool.connections())
                .await?;
                tracing::warn!(mail_id = %row.id, attempts, retry_in_secs = delay, %error, "mail not sent; will retry");
            }
            Outcome::Transient(error) | Outcome::Permanent(error) => {
                let error = clip(error);
                sqlx::query!(
                    "UPDATE outbox SET attempts = $1, failed_at = $2, error = $3
                     WHERE id = $4 AND next_attempt_at = $5",
                    attempts,
                    now,
                    error,
                    row.id,
                    claim_until
                )
                .execute(pool.connections())
                .await?;
                tracing::error!(mail_id = %row.id, attempts, %error, "mail not sent; giving up");
            }
        }
    }
    Ok(sent)
}

async fn send(mailer: &Mailer, id: &str, to: &str, subject: &str, body: MailBody) -> Outcome {
    let to = match to.parse::<Address>() {
        Ok(address) => Mailbox::new(None, address),
        Err(error) => return Outcome::Permanent(format!("bad recipient address: {error}")),
    };
    let MailBody { text, html } = body;
    // The row's id makes the Message-ID: the same on every attempt, so a
    // receiver can drop a copy that went out twice.
    let message_id = format!("<{id}@{}>", mailer.from.email.domain());
    let message = Message::builder()
        .message_id(Some(message_id))
        .from(mailer.from.clone())
        .to(to)
        .subject(subject)
        .multipart(MultiPart::alternative_plain_html(text, html));
    let message = match message {
        Ok(message) => message,
        Err(error) => return Outcome::Permanent(format!("cannot build the message: {error}")),
    };
    match mailer.transport.send(message).await {
        Ok(_) => Outcome::Sent,
        Err(error) if error.is_permanent() => Outcome::Permanent(error.to_string()),
        Err(error) => Outcome::Transient(error.to_string()),
    }
}

/// At most [`MAX_ERROR_LEN`] bytes, cut at a character boundary.
fn clip(mut error: String) -> String {
    if error.len() > MAX_ERROR_LEN {
        let mut end = MAX_ERROR_LEN;
        while !error.is_char_boundary(end) {
            end -= 1;
        }
        error.truncate(end);
    }
    error
}

/// The delivery worker: sends due mail until `shutdown` completes, looking
/// every [`POLL_INTERVAL`] (at once again while a full batch went out). A
/// batch in flight is finished before it stops.
pub async fn run_delivery(
    pool: Pool,
    key: Arc<SecretKey>,
    mailer: Mailer,
    clock: Arc<dyn Clock>,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    tracing::info!(from = %mailer.from, "mail delivery by SMTP started");
    loop {
        let busy = match deliver_due(&pool, &key, &mailer, clock.now()).await {
            Ok(sent) => i64::try_from(sent).unwrap_or(i64::MAX) >= BATCH,
            Err(error) => {
                tracing::error!(%error, "mail delivery: cannot work on the outbox");
                false
            }
        };
        let pause = if busy { Duration::ZERO } else { POLL_INTERVAL };
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            () = tokio::time::sleep(pause) => {}
        }
    }
    tracing::info!("mail delivery stopped");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_up_to_an_hour() {
        let delays: Vec<i64> = (1..=9).map(retry_delay).collect();
        assert_eq!(delays, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(retry_delay(0), 30);
        assert_eq!(retry_delay(i64::MAX), 3600);
    }

    #[test]
    fn mail_comes_from_the_public_host() {
        let public_url = PublicUrl::parse("https://id.woodgrove.test").unwrap();
        assert_eq!(
            sender(&public_url).to_string(),
            "Gatehouse <no-reply@id.woodgrove.test>"
        );
        for ip in ["http://127.0.0.1:3000", "http://[::1]:3000"] {
            let public_url = PublicUrl::parse(ip).unwrap();
            assert_eq!(
                sender(&public_url).to_string(),
                "Gatehouse <no-reply@localhost>"
            );
        }
    }

    #[test]
    fn a_bad_smtp_url_is_refused_without_repeating_it() {
        let public_url = PublicUrl::parse("http://localhost:3000").unwrap();
        let error = Mailer::from_url(&SecretString::from("ftp://u:hunter2@x"), &public_url)
            .unwrap_err()
            .to_string();
        assert!(!error.contains("hunter2"), "{error}");
        assert!(
            Mailer::from_url(&SecretString::from("smtp://127.0.0.1:2525"), &public_url).is_ok()
        );
        assert!(Mailer::from_url(&SecretString::from("smtps://mail.test"), &public_url).is_ok());
    }

    #[test]
    fn a_path_in_the_smtp_url_names_the_ehlo_greeting() {
        assert!(names_hello("smtp://mail.test:25/gatehouse.example"));
        assert!(names_hello("smtps://u:p@mail.test/gh.example?tls=required"));
        assert!(!names_hello("smtp://127.0.0.1:2525"));
        assert!(!names_hello("smtp://mail.test/"));
        assert!(!names_hello("smtp://mail.test?tls=required"));
    }

    #[test]
    fn long_errors_are_clipped_on_a_character_boundary() {
        assert_eq!(clip("é".repeat(400)).len(), 500);
        assert_eq!(clip("short".into()), "short");
    }
}
