//! The outbox against a real SMTP server: `end2end/smtp-sink.mjs` (the npm
//! `smtp-server`) on loopback, which prints every message it accepts. Needs
//! `node` and `end2end/node_modules` (`npm ci` in `end2end/`, which
//! `make test` does first).

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use app::mail::ssr::delivery::{MAX_ATTEMPTS, POLL_INTERVAL};
use app::mail::ssr::{deliver_due, list_outbox, Mailer, OutboxEntry};
use app::ssr::clock::Clock as _;
use common::wire::{Invited, MailStatus, OutboxMail};
use common::{spawn_app, TestApp, Ticket, T0};
use reqwest::StatusCode;
use secrecy::SecretString;
use serde::Deserialize;

/// `node end2end/smtp-sink.mjs 0`: a running SMTP server and the messages it
/// received. Killed when dropped.
struct SmtpSink {
    child: Child,
    port: u16,
    messages: tokio::sync::mpsc::UnboundedReceiver<Received>,
}

/// The sink's first line: where it listens.
#[derive(Deserialize)]
struct Listening {
    listening: u16,
}

/// A message the sink accepted: its envelope and the raw message.
#[derive(Debug, Deserialize)]
struct Received {
    from: Option<String>,
    to: Vec<String>,
    data: String,
}

impl SmtpSink {
    fn start() -> Self {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../end2end");
        assert!(
            std::path::Path::new(dir)
                .join("node_modules/smtp-server")
                .is_dir(),
            "the SMTP sink needs end2end/node_modules: run `npm ci` in end2end/ (make test does)"
        );
        let mut child = Command::new("node")
            .arg("smtp-sink.mjs")
            .arg("0")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node runs end2end/smtp-sink.mjs");
        let mut stdout = BufReader::new(child.stdout.take().expect("the sink's stdout"));
        let mut first = String::new();
        stdout
            .read_line(&mut first)
            .expect("the sink says where it listens");
        let Listening { listening: port } = serde_json::from_str(&first)
            .unwrap_or_else(|_| panic!("the sink's first line names its port: {first:?}"));
        let (lines, messages) = tokio::sync::mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in stdout.lines() {
                let Ok(line) = line else { break };
                let Ok(message) = serde_json::from_str::<Received>(&line) else {
                    eprintln!("smtp-sink said: {line}");
                    continue;
                };
                if lines.send(message).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            port,
            messages,
        }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The next message the sink accepts, within `wait`.
    async fn next_message(&mut self, wait: Duration) -> Option<Received> {
        tokio::time::timeout(wait, self.messages.recv())
            .await
            .ok()
            .flatten()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A raw message with folded header lines unfolded and its quoted-printable
/// soft breaks and escapes undone: good enough to search for text.
fn readable(data: &str) -> String {
    let unfolded = data.replace("\r\n ", " ").replace("=\r\n", "");
    let bytes = unfolded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'=' && i + 2 < bytes.len())
            .then(|| std::str::from_utf8(&bytes[i + 1..i + 3]).ok())
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An invitation mail in the outbox: its row and the ticket it carries.
struct Queued {
    id: String,
    ticket: Ticket,
}

/// Megan invites `email` into Woodgrove on the portal, by e-mail, with a
/// message that needs escaping: the invitation mail is queued.
async fn queue_invitation(app: &TestApp, email: &str) -> Queued {
    let megan = app.signed_in("megan@woodgrove.test").await;
    let form = [
        ("slug", "woodgrove"),
        ("email", email),
        ("message", "Welcome, <b>Bob</b>!"),
        ("send_email", "on"),
    ];
    let invited: Invited = app.fetch("invite_guest", &form, Some(&megan)).await;
    let outbox = list_outbox(&app.state.pool, &app.state.secret_key, 100)
        .await
        .expect("the outbox");
    let queued = outbox
        .into_iter()
        .find(|entry| entry.to == invited.email)
        .expect("the invitation mail is queued");
    let text = &queued.body.as_ref().expect("the body opens").text;
    Queued {
        ticket: Ticket::in_mail(text),
        id: queued.id,
    }
}

async fn entry(app: &TestApp, id: &str) -> OutboxEntry {
    list_outbox(&app.state.pool, &app.state.secret_key, 100)
        .await
        .expect("the outbox")
        .into_iter()
        .find(|entry| entry.id == id)
        .expect("the mail")
}

fn mailer(app: &TestApp, url: &str) -> Mailer {
    Mailer::from_url(&SecretString::from(url), &app.state.config.public_url).expect("a mailer")
}

/// A mailer for a relay that is not there.
fn unreachable_mailer(app: &TestApp) -> Mailer {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = listener.local_addr().expect("its address").port();
    drop(listener);
    mailer(app, &format!("smtp://127.0.0.1:{port}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_mail_is_delivered_by_smtp_and_sealed_at_rest() {
    let mut sink = SmtpSink::start();
    let app = spawn_app().await;
    let Queued { id, ticket } = queue_invitation(&app, "Bob@Fabrikam.test").await;
    let ticket = ticket.as_str();

    let sealed: Vec<u8> = sqlx::query_scalar("SELECT sealed_body FROM outbox WHERE id = ?")
        .bind(&id)
        .fetch_one(app.state.pool.connections())
        .await
        .expect("the row");
    assert!(
        !sealed.windows(ticket.len()).any(|w| w == ticket.as_bytes()),
        "the redeem token is not stored in clear"
    );
    let queued = entry(&app, &id).await;
    assert_eq!(queued.status(), MailStatus::Queued);
    assert!(queued.body.expect("the body opens").text.contains(ticket));

    let mailer = mailer(&app, &sink.url());
    let (pool, key) = (&app.state.pool, &app.state.secret_key);
    let sent = deliver_due(pool, key, &mailer, app.clock.now())
        .await
        .expect("delivery");
    assert_eq!(sent, 1);

    let message = sink
        .next_message(Duration::from_secs(10))
        .await
        .expect("the sink got the mail");
    assert_eq!(message.to, ["bob@fabrikam.test"]);
    assert_eq!(
        message.from.as_deref(),
        Some("no-reply@localhost"),
        "the public URL is an IP"
    );
    let data = readable(&message.data);
    assert!(data.contains("To: bob@fabrikam.test"), "{data}");
    assert!(
        data.contains(&format!("Message-ID: <{id}@localhost>")),
        "{data}"
    );
    assert!(
        data.contains("Subject: Megan Bowen invited you to access applications within Woodgrove"),
        "{data}"
    );
    assert!(data.contains("multipart/alternative"), "{data}");
    assert!(data.contains("Content-Type: text/plain"), "{data}");
    assert!(data.contains("Content-Type: text/html"), "{data}");
    assert!(
        data.contains(&format!("/redeem?ticket={ticket}")),
        "the link arrives: {data}"
    );
    assert!(
        data.contains("Welcome, &lt;b&gt;Bob&lt;/b&gt;!"),
        "the message is escaped in HTML"
    );

    let row = entry(&app, &id).await;
    assert_eq!(row.sent_at, Some(T0));
    assert_eq!(row.attempts, 1);
    assert_eq!(row.error, None);
    assert_eq!(row.status(), MailStatus::Sent);

    // Sent is sent: nothing goes out twice. The next mail the relay sees is
    // a later one (the sink prints each message before it answers).
    let again = deliver_due(pool, key, &mailer, T0 + 3600)
        .await
        .expect("delivery");
    assert_eq!(again, 0);
    queue_invitation(&app, "carol@fabrikam.test").await;
    let later = deliver_due(pool, key, &mailer, T0 + 3600)
        .await
        .expect("delivery");
    assert_eq!(later, 1);
    let next = sink
        .next_message(Duration::from_secs(10))
        .await
        .expect("the sink got the later mail");
    assert_eq!(next.to, ["carol@fabrikam.test"], "nothing came twice");
}

#[tokio::test]
async fn an_unreachable_relay_is_retried_with_back_off_then_given_up() {
    let app = spawn_app().await;
    let Queued { id, ticket } = queue_invitation(&app, "bob@fabrikam.test").await;
    let mailer = unreachable_mailer(&app);
    let (pool, key) = (&app.state.pool, &app.state.secret_key);

    assert_eq!(
        deliver_due(pool, key, &mailer, app.clock.now())
            .await
            .unwrap(),
        0
    );
    let row = entry(&app, &id).await;
    assert_eq!(row.attempts, 1);
    assert_eq!(row.sent_at, None);
    assert_eq!(row.next_attempt_at, T0 + 30, "the first retry after 30 s");
    assert_eq!(row.status(), MailStatus::Retrying);
    let error = row.error.expect("the error is recorded");
    assert!(!error.is_empty());
    assert!(!error.contains(ticket.as_str()));

    // Not before its time…
    app.clock.advance(29);
    deliver_due(pool, key, &mailer, app.clock.now())
        .await
        .unwrap();
    assert_eq!(entry(&app, &id).await.attempts, 1);
    // …then again, each wait twice the one before.
    let mut expected_waits = Vec::new();
    let mut waits = Vec::new();
    for attempt in 2..MAX_ATTEMPTS {
        let row = entry(&app, &id).await;
        app.clock.set(row.next_attempt_at);
        deliver_due(pool, key, &mailer, app.clock.now())
            .await
            .unwrap();
        let row = entry(&app, &id).await;
        assert_eq!(row.attempts, attempt);
        waits.push(row.next_attempt_at - app.clock.now());
        expected_waits.push((30_i64 << (attempt - 1)).min(3600));
    }
    assert_eq!(waits, expected_waits);
    assert_eq!(waits, [60, 120, 240, 480, 960, 1920]);

    // The last attempt fails too: delivery is given up, and stays so.
    app.clock.set(entry(&app, &id).await.next_attempt_at);
    deliver_due(pool, key, &mailer, app.clock.now())
        .await
        .unwrap();
    let row = entry(&app, &id).await;
    assert_eq!(row.attempts, MAX_ATTEMPTS);
    assert_eq!(row.failed_at, Some(app.clock.now()));
    assert_eq!(row.status(), MailStatus::Failed);
    app.clock.advance(24 * 3600);
    deliver_due(pool, key, &mailer, app.clock.now())
        .await
        .unwrap();
    assert_eq!(entry(&app, &id).await.attempts, MAX_ATTEMPTS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_refusals_are_permanent_or_temporary_as_the_relay_says() {
    let sink = SmtpSink::start();
    let app = spawn_app().await;
    let rejected = queue_invitation(&app, "nobody@reject.test").await;
    let deferred = queue_invitation(&app, "later@defer.test").await;
    let mailer = mailer(&app, &sink.url());

    let sent = deliver_due(&app.state.pool, &app.state.secret_key, &mailer, T0)
        .await
        .unwrap();
    assert_eq!(sent, 0);
    let rejected = entry(&app, &rejected.id).await;
    assert_eq!(rejected.status(), MailStatus::Failed, "550: no retry");
    assert_eq!(rejected.attempts, 1);
    assert!(rejected.error.unwrap_or_default().contains("550"));
    let deferred = entry(&app, &deferred.id).await;
    assert_eq!(deferred.status(), MailStatus::Retrying, "451: retried");
    assert_eq!(deferred.next_attempt_at, T0 + 30);
    assert!(deferred.error.unwrap_or_default().contains("451"));
}

#[tokio::test]
async fn a_body_that_does_not_open_is_not_sent() {
    let app = spawn_app().await;
    let Queued { id, .. } = queue_invitation(&app, "bob@fabrikam.test").await;
    // Moved to another address behind Gatehouse's back (raw SQL: this is the
    // tampering no service does): the sealed body is bound to its row.
    sqlx::query("UPDATE outbox SET to_address = 'eve@evil.test' WHERE id = ?")
        .bind(&id)
        .execute(app.state.pool.connections())
        .await
        .unwrap();
    let row = entry(&app, &id).await;
    assert!(row.body.is_none());
    let mailer = unreachable_mailer(&app);
    deliver_due(&app.state.pool, &app.state.secret_key, &mailer, T0)
        .await
        .unwrap();
    let row = entry(&app, &id).await;
    assert_eq!(row.status(), MailStatus::Failed);
    assert_eq!(row.attempts, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_runs_the_delivery_worker_and_stops_it_gracefully() {
    let mut sink = SmtpSink::start();
    let mut app = TestApp::builder().smtp(&sink.url()).start().await;
    let Queued { id, .. } = queue_invitation(&app, "carol@fabrikam.test").await;

    let message = sink
        .next_message(POLL_INTERVAL + Duration::from_secs(10))
        .await
        .expect("the worker delivered the mail");
    assert_eq!(message.to, ["carol@fabrikam.test"]);
    // A graceful stop lets the worker finish the batch it is sending: once
    // the server has stopped, the mail is marked sent.
    let stopped = app.stop().await;
    assert!(stopped.is_ok(), "{stopped:?}");
    let pool = sqlx::SqlitePool::connect(&app.database_url)
        .await
        .expect("the database, reopened");
    let sent_at: Option<i64> = sqlx::query_scalar("SELECT sent_at FROM outbox WHERE id = ?")
        .bind(&id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(sent_at, Some(T0));
}

#[tokio::test]
async fn a_bad_smtp_url_stops_the_start() {
    let mut app = TestApp::builder().demo(false).smtp("smtp://").start().await;
    let result = app
        .ended_within(Duration::from_secs(5))
        .await
        .expect("serve returns at once");
    let error = result.expect_err("refused").to_string();
    assert!(error.contains("GATEHOUSE_SMTP_URL"), "{error}");
}

#[tokio::test]
async fn dev_mail_shows_the_outbox_in_demo_mode() {
    let app = spawn_app().await;
    let Queued { ticket, .. } = queue_invitation(&app, "dave@fabrikam.test").await;

    let mails: Vec<OutboxMail> = app.fetch("dev_mail", &[], None).await;
    let mail = mails
        .iter()
        .find(|mail| mail.to == "dave@fabrikam.test")
        .expect("the mail is listed");
    assert_eq!(
        mail.subject,
        "Megan Bowen invited you to access applications within Woodgrove"
    );
    assert_eq!(mail.status, MailStatus::Queued);
    assert_eq!(mail.created, "2026-11-25T12:00:00Z");
    assert!(
        mail.text.contains(&format!("/redeem?ticket={ticket}")),
        "{}",
        mail.text
    );
    assert!(mail.html.contains("Accept invitation"));
}

#[tokio::test]
async fn dev_mail_does_not_exist_outside_demo_mode() {
    let app = TestApp::builder().demo(false).start().await;
    let response = app.call("dev_mail", &[], None).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
