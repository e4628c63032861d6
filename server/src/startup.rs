//! Turning settings into a running server: database, key, state, listener,
//! the mail delivery worker when an SMTP relay is configured, and a graceful
//! stop on SIGTERM or Ctrl-C.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use leptos::config::LeptosOptions;
use secrecy::SecretString;
use tokio::net::TcpListener;

use app::auth::ssr::password::Passwords;
use app::mail::ssr::{run_delivery, Mailer, MailerError};
use app::ssr::clock::Clock;
use app::ssr::config::{Config, PublicUrl};
use app::ssr::db::{self, DbError};
use app::ssr::AppState;

use crate::secret_key::{self, KeyError};

/// Everything `gatehouse serve` is configured with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub public_url: PublicUrl,
    pub smtp_url: Option<SecretString>,
    pub secret_key: Option<SecretString>,
    pub secret_key_file: PathBuf,
    pub demo: bool,
    pub site_root: String,
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Database(#[from] DbError),
    #[error(transparent)]
    SecretKey(#[from] KeyError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("{0}")]
    Service(#[from] app::ssr::Error),
    #[error(transparent)]
    Mail(#[from] MailerError),
    #[error("the server stopped: {0}")]
    Serve(std::io::Error),
}

/// The Leptos options Gatehouse serves with: assets under `site_root`
/// (`target/site` after a cargo-leptos build), named `gatehouse.*`.
pub fn leptos_options(site_root: &str, addr: SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("gatehouse")
        .site_root(site_root)
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build()
}

/// Opens and migrates the database, loads the key and builds the state;
/// seeds the demo data when asked.
pub async fn build_state(
    settings: &Settings,
    addr: SocketAddr,
    clock: Arc<dyn Clock>,
) -> Result<AppState, StartupError> {
    use secrecy::ExposeSecret;
    let pool = db::open(&settings.database_url).await?;
    let secret_key = secret_key::load_or_create(
        settings.secret_key.as_ref().map(|key| key.expose_secret()),
        &settings.secret_key_file,
    )?;
    let passwords = Passwords::new()?;
    if settings.demo {
        app::demo::ssr::seed(
            &pool,
            &passwords,
            &settings.public_url,
            &secret_key,
            clock.now(),
        )
        .await?;
    }
    Ok(AppState {
        leptos_options: leptos_options(&settings.site_root, addr),
        pool,
        config: Arc::new(Config {
            public_url: settings.public_url.clone(),
            demo: settings.demo,
            smtp_url: settings.smtp_url.clone(),
        }),
        clock,
        passwords,
        secret_key: Arc::new(secret_key),
        signing_keys: Default::default(),
    })
}

pub async fn bind(addr: SocketAddr) -> Result<TcpListener, StartupError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| StartupError::Bind { addr, source })
}

/// How long a stopping server waits for the mail worker to finish the
/// batch it is sending.
const MAIL_STOP_GRACE: Duration = Duration::from_secs(10);

/// Serves until `shutdown` completes, then finishes the requests in flight.
/// With an SMTP relay configured, the mail delivery worker runs alongside and
/// stops with the server.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartupError> {
    let pool = state.pool.clone();
    let delivery = match &state.config.smtp_url {
        Some(smtp_url) => {
            let mailer = Mailer::from_url(smtp_url, &state.config.public_url)?;
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let worker = tokio::spawn(run_delivery(
                state.pool.clone(),
                state.secret_key.clone(),
                mailer,
                state.clock.clone(),
                async {
                    let _ = stopped.await;
                },
            ));
            Some((stop, worker))
        }
        None => {
            tracing::info!("no SMTP relay configured: mail stays in the outbox");
            None
        }
    };
    let app = crate::router::router(state);
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .map_err(StartupError::Serve);
    if let Some((stop, mut worker)) = delivery {
        let _ = stop.send(());
        if tokio::time::timeout(MAIL_STOP_GRACE, &mut worker)
            .await
            .is_err()
        {
            tracing::warn!(
                "mail delivery did not stop in time; a mail in flight may be sent again"
            );
            worker.abort();
        }
    }
    pool.close().await;
    served
}

/// Completes on SIGTERM or Ctrl-C (SIGINT). The handlers are installed
/// when this is called, not when the future is first polled, so a signal
/// that arrives once the server says it is listening is never missed.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    use tokio::signal::unix::{signal, SignalKind};
    let terminate = signal(SignalKind::terminate());
    let interrupt = signal(SignalKind::interrupt());
    async move {
        match (terminate, interrupt) {
            (Ok(mut terminate), Ok(mut interrupt)) => {
                tokio::select! {
                    _ = terminate.recv() => {},
                    _ = interrupt.recv() => {},
                }
            }
            (Err(error), _) | (_, Err(error)) => {
                tracing::error!(%error, "cannot listen for SIGTERM/SIGINT; stop the server with SIGKILL");
                std::future::pending::<()>().await;
            }
        }
        tracing::info!("shutting down: finishing requests in flight");
    }
}
