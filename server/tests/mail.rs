//! The outbox against a real SMTP server: `end2end/smtp-sink.mjs` (the npm
//! `smtp-server`) on loopback, which prints every message it accepts. Needs
//! `node` and `end2end/node_modules` (`npm ci` in `end2end/`, which
//! `make test` does first).

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use app::domain::Email;
use app::mail::ssr::delivery::{MAX_ATTEMPTS, POLL_INTERVAL};
use app::mail::ssr::{
    deliver_due, enqueue, invitation_mail, list_outbox, InvitationMail, Mailer, OutboxEntry,
    OutgoingMail,
};
use app::mail::MailStatus;
use app::ssr::clock::{Clock as _, ManualClock};
use app::ssr::config::PublicUrl;
use app::ssr::db::begin_write;
use app::ssr::AppState;
use common::{spawn_app, TestApp, T0};
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::Value;
use server::startup::{self, Settings};

const TICKET: &str = "TOKEN_abc-123_only-in-the-mail";

/// `node end2end/smtp-sink.mjs 0`: a running SMTP server and the messages it
/// received. Killed when dropped.
struct SmtpSink {
    child: Child,
    port: u16,
    messages: tokio::sync::mpsc::UnboundedReceiver<Value>,
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
        let port = serde_json::from_str::<Value>(&first)
            .ok()
            .and_then(|first| first["listening"].as_u64())
            .and_then(|port| u16::try_from(port).ok())
            .unwrap_or_else(|| panic!("the sink's first line names its port: {first:?}"));
        let (lines, messages) = tokio::sync::mpsc::unbounded_channel::<Value>();
        std::thread::spawn(move || {
            for line in stdout.lines() {
                let Ok(line) = line else { break };
                let Ok(value) = serde_json::from_str::<Value>(&line) else {
                    eprintln!("smtp-sink said: {line}");
                    continue;
                };
                if lines.send(value).is_err() {
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

    fn url(&self) -> SecretString {
        SecretString::from(format!("smtp://127.0.0.1:{}", self.port))
    }

    /// The next message the sink accepts, within `wait`.
    async fn next_message(&mut self, wait: Duration) -> Option<Value> {
        tokio::time::timeout(wait, self.messages.recv())
            .await
            .ok()
            .flatten()
    }

    /// Messages already received.
    fn received(&mut self) -> Vec<Value> {
        std::iter::from_fn(|| self.messages.try_recv().ok()).collect()
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

fn invitation_to(email: &str, public_url: &PublicUrl) -> OutgoingMail {
    let to = Email::parse(email).expect("an address");
    let redeem_url = SecretString::from(format!("{}/redeem?ticket={TICKET}", public_url.origin()));
    invitation_mail(&InvitationMail {
        tenant_id: "not-checked-here",
        tenant_name: "Woodgrove",
        inviter_name: "Megan Bowen",
        inviter_email: Some("megan@woodgrove.test"),
        to: &to,
        message: Some("Welcome, <b>Bob</b>!"),
        redeem_url: &redeem_url,
        redirect_url: "http://localhost:3000/myapps",
        public_url,
    })
}

/// Queues `mail` in its own transaction, as a service would.
async fn queue(state: &AppState, mut mail: OutgoingMail, now: i64) -> String {
    // The tenant must exist: use the demo's Woodgrove.
    let mut tx = begin_write(&state.pool).await.expect("a transaction");
    let tenant: String = sqlx::query_scalar("SELECT id FROM tenants WHERE slug = 'woodgrove'")
        .fetch_one(&mut *tx)
        .await
        .expect("Woodgrove");
    mail.tenant_id = Some(tenant);
    let id = enqueue(&mut tx, &state.secret_key, &mail, now)
        .await
        .expect("queued");
    tx.commit().await.expect("committed");
    id
}

async fn entry(app: &TestApp, id: &str) -> OutboxEntry {
    list_outbox(&app.state.pool, &app.state.secret_key, 100)
        .await
        .expect("the outbox")
        .into_iter()
        .find(|entry| entry.id == id)
        .expect("the mail")
}

fn mailer(app: &TestApp, url: &SecretString) -> Mailer {
    Mailer::from_url(url, &app.state.config.public_url).expect("a mailer")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_mail_is_delivered_by_smtp_and_sealed_at_rest() {
    let mut sink = SmtpSink::start();
    let app = spawn_app().await;
    let mail = invitation_to("Bob@Fabrikam.test", &app.state.config.public_url);
    let id = queue(&app.state, mail, app.clock.now()).await;

    let sealed: Vec<u8> = sqlx::query_scalar("SELECT sealed_body FROM outbox WHERE id = ?")
        .bind(&id)
        .fetch_one(&app.state.pool)
        .await
        .expect("the row");
    assert!(
        !sealed.windows(TICKET.len()).any(|w| w == TICKET.as_bytes()),
        "the redeem token is not stored in clear"
    );
    let queued = entry(&app, &id).await;
    assert_eq!(queued.status(), MailStatus::Queued);
    assert!(queued.body.expect("the body opens").text.contains(TICKET));

    let mailer = mailer(&app, &sink.url());
    let sent = deliver_due(
        &app.state.pool,
        &app.state.secret_key,
        &mailer,
        app.clock.now(),
    )
    .await
    .expect("delivery");
    assert_eq!(sent, 1);

    let message = sink
        .next_message(Duration::from_secs(10))
        .await
        .expect("the sink got the mail");
    assert_eq!(message["to"], serde_json::json!(["bob@fabrikam.test"]));
    assert_eq!(
        message["from"], "no-reply@localhost",
        "the public URL is an IP"
    );
    let data = readable(message["data"].as_str().expect("the raw message"));
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
        data.contains(&format!("/redeem?ticket={TICKET}")),
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

    // Sent is sent: nothing goes out twice.
    let again = deliver_due(&app.state.pool, &app.state.secret_key, &mailer, T0 + 3600)
        .await
        .expect("delivery");
    assert_eq!(again, 0);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(sink.received().is_empty());
}

/// A loopback port with nothing listening on it.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    listener.local_addr().expect("its address").port()
}

#[tokio::test]
async fn an_unreachable_relay_is_retried_with_back_off_then_given_up() {
    let app = spawn_app().await;
    let mail = invitation_to("bob@fabrikam.test", &app.state.config.public_url);
    let id = queue(&app.state, mail, app.clock.now()).await;
    let url = SecretString::from(format!("smtp://127.0.0.1:{}", closed_port()));
    let mailer = mailer(&app, &url);
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
    assert!(!error.contains(TICKET));

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
    let public_url = app.state.config.public_url.clone();
    let rejected = queue(
        &app.state,
        invitation_to("nobody@reject.test", &public_url),
        T0,
    )
    .await;
    let deferred = queue(
        &app.state,
        invitation_to("later@defer.test", &public_url),
        T0,
    )
    .await;
    let mailer = mailer(&app, &sink.url());

    let sent = deliver_due(&app.state.pool, &app.state.secret_key, &mailer, T0)
        .await
        .unwrap();
    assert_eq!(sent, 0);
    let rejected = entry(&app, &rejected).await;
    assert_eq!(rejected.status(), MailStatus::Failed, "550: no retry");
    assert_eq!(rejected.attempts, 1);
    assert!(rejected.error.unwrap_or_default().contains("550"));
    let deferred = entry(&app, &deferred).await;
    assert_eq!(deferred.status(), MailStatus::Retrying, "451: retried");
    assert_eq!(deferred.next_attempt_at, T0 + 30);
    assert!(deferred.error.unwrap_or_default().contains("451"));
}

#[tokio::test]
async fn a_body_that_does_not_open_is_not_sent() {
    let app = spawn_app().await;
    let mail = invitation_to("bob@fabrikam.test", &app.state.config.public_url);
    let id = queue(&app.state, mail, T0).await;
    // Moved to another address: the sealed body is bound to its row.
    sqlx::query("UPDATE outbox SET to_address = 'eve@evil.test' WHERE id = ?")
        .bind(&id)
        .execute(&app.state.pool)
        .await
        .unwrap();
    let row = entry(&app, &id).await;
    assert!(row.body.is_none());
    let url = SecretString::from(format!("smtp://127.0.0.1:{}", closed_port()));
    deliver_due(
        &app.state.pool,
        &app.state.secret_key,
        &mailer(&app, &url),
        T0,
    )
    .await
    .unwrap();
    let row = entry(&app, &id).await;
    assert_eq!(row.status(), MailStatus::Failed);
    assert_eq!(row.attempts, 1);
}

/// Gatehouse as `gatehouse serve` starts it, with the settings adjusted.
struct Served {
    base: String,
    state: AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    served: tokio::task::JoinHandle<Result<(), startup::StartupError>>,
    _dir: tempfile::TempDir,
}

async fn serve(demo: bool, smtp_url: Option<SecretString>) -> Served {
    let dir = tempfile::tempdir().expect("temporary folder");
    let listener = startup::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local address");
    let settings = Settings {
        database_url: format!("sqlite:{}", dir.path().join("gatehouse.db").display()),
        public_url: PublicUrl::parse(&format!("http://127.0.0.1:{}", addr.port())).unwrap(),
        smtp_url,
        secret_key: None,
        secret_key_file: dir.path().join("secret.key"),
        demo,
        site_root: dir.path().join("site").display().to_string(),
    };
    let clock: Arc<ManualClock> = ManualClock::starting_at(T0);
    let state = startup::build_state(&settings, addr, clock)
        .await
        .expect("state");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(startup::serve(listener, state.clone(), async {
        let _ = stopped.await;
    }));
    Served {
        base: format!("http://{addr}"),
        state,
        stop: Some(stop),
        served,
        _dir: dir,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_runs_the_delivery_worker_and_stops_it_gracefully() {
    let mut sink = SmtpSink::start();
    let mut app = serve(true, Some(sink.url())).await;
    let mail = invitation_to("carol@fabrikam.test", &app.state.config.public_url);
    let id = queue(&app.state, mail, T0).await;

    let message = sink
        .next_message(POLL_INTERVAL + Duration::from_secs(10))
        .await
        .expect("the worker delivered the mail");
    assert_eq!(message["to"], serde_json::json!(["carol@fabrikam.test"]));
    // The sink prints a message before it answers; the row is marked after.
    let mut sent_at = None;
    for _ in 0..50 {
        sent_at = sqlx::query_scalar("SELECT sent_at FROM outbox WHERE id = ?")
            .bind(&id)
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
        if sent_at.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(sent_at, Some(T0));

    let _ = app.stop.take().expect("running").send(());
    let stopped = tokio::time::timeout(Duration::from_secs(15), &mut app.served)
        .await
        .expect("the server stops in time")
        .expect("the server task");
    assert!(stopped.is_ok(), "{stopped:?}");
}

#[tokio::test]
async fn a_bad_smtp_url_stops_the_start() {
    let app = serve(false, Some(SecretString::from("smtp://"))).await;
    let result = tokio::time::timeout(Duration::from_secs(5), app.served)
        .await
        .expect("serve returns at once")
        .expect("the server task");
    let error = result.expect_err("refused").to_string();
    assert!(error.contains("GATEHOUSE_SMTP_URL"), "{error}");
}

#[tokio::test]
async fn dev_mail_shows_the_outbox_in_demo_mode() {
    let app = spawn_app().await;
    let mail = invitation_to("dave@fabrikam.test", &app.state.config.public_url);
    queue(&app.state, mail, T0).await;

    let response = app.call("dev_mail", &[], None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let mails: Vec<Value> = response.json().await.expect("json");
    let mail = mails
        .iter()
        .find(|mail| mail["to"] == "dave@fabrikam.test")
        .expect("the mail is listed");
    assert_eq!(
        mail["subject"],
        "Megan Bowen invited you to access applications within Woodgrove"
    );
    assert_eq!(mail["status"], "Queued");
    assert_eq!(mail["created"], "2026-11-25T12:00:00Z");
    let text = mail["text"].as_str().expect("the text part");
    assert!(text.contains(&format!("/redeem?ticket={TICKET}")), "{text}");
    assert!(mail["html"]
        .as_str()
        .expect("the HTML part")
        .contains("Accept invitation"));
}

#[tokio::test]
async fn dev_mail_does_not_exist_outside_demo_mode() {
    let app = serve(false, None).await;
    let response = reqwest::Client::new()
        .post(format!("{}/api/dev_mail", app.base))
        .header("Origin", app.state.config.public_url.origin())
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
