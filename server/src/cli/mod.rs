//! The operator's command line (DESIGN §4): `gatehouse serve` by default,
//! and the admin tasks, each on the database of `--database-url`. This
//! module holds the top-level clap definitions, the error and exit codes,
//! and the dispatch; each family of subcommands has its own module with its
//! arguments and its one call into `app`.
//!
//! Exit codes: 0 done; 1 refused or failed (the reason on one line of
//! stderr); 2 bad input or usage.

mod application;
mod invite;
mod keys;
mod mfa;
mod output;
mod tenant;
mod token;
mod user;
mod users;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;

use app::auth::ssr::password::Passwords;
use app::domain::{ParseError, TenantSlug};
use app::error::AppError;
use app::ssr::clock::{Clock, SystemClock, UnixTime};
use app::ssr::config::PublicUrl;
use app::ssr::db::{self, DEFAULT_DATABASE_URL};

use crate::startup::{self, Settings, StartupError};

pub use application::AppCommand;
pub use invite::InviteArgs;
pub use output::Format;
pub use tenant::TenantCommand;
pub use token::TokenCommand;
pub use user::UserCommand;
pub use users::UsersCommand;

#[derive(Debug, Parser)]
#[command(
    name = "gatehouse",
    version,
    about = "Gatehouse: B2B guest access with the resource tenant's own MFA",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// The SQLite database to use.
    #[arg(long, global = true, env = "GATEHOUSE_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,

    #[command(subcommand)]
    pub command: Option<Command>,

    /// `serve`'s options, for `gatehouse` without a subcommand.
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app (the default).
    Serve(ServeArgs),
    /// Create tenants and change their plans.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Create users.
    #[command(subcommand)]
    User(UserCommand),
    /// List a tenant's users with their MFA methods.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Make REST API bearer tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Rotate a tenant's OpenID Connect signing key.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Invite a guest: creates the guest user and prints the redeem URL.
    Invite(InviteArgs),
    /// Register applications (OpenID Connect clients) and list them.
    #[command(subcommand)]
    App(AppCommand),
    /// Reset a user's MFA methods.
    #[command(subcommand)]
    Mfa(mfa::MfaCommand),
    /// Seed the demo tenants, accounts and application (DESIGN §7); keeps what exists.
    Demo(DemoArgs),
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Where browsers reach Gatehouse: the demo application's callback is on it.
    #[arg(
        long,
        env = "GATEHOUSE_PUBLIC_URL",
        default_value = "http://localhost:3000"
    )]
    pub public_url: String,
    /// The key the demo application's secret derives from (the server's).
    #[command(flatten)]
    pub key: KeyArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "GATEHOUSE_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// Where browsers reach Gatehouse; the WebAuthn RP ID and OIDC issuer derive from it.
    #[arg(
        long,
        env = "GATEHOUSE_PUBLIC_URL",
        default_value = "http://localhost:3000"
    )]
    pub public_url: String,
    /// SMTP relay for outgoing mail (unset: mail stays in the outbox).
    #[arg(long, env = "GATEHOUSE_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    #[command(flatten)]
    pub key: KeyArgs,
    /// Seed the demo data and show the demo sign-ins on the landing page.
    #[arg(
        long,
        env = "GATEHOUSE_DEMO",
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    pub demo: bool,
    /// Folder of the built site (cargo-leptos' `target/site`).
    #[arg(long, env = "GATEHOUSE_SITE_ROOT", default_value = "target/site")]
    pub site_root: String,
    /// Log filter, in `tracing`'s EnvFilter syntax.
    #[arg(long = "log", env = "RUST_LOG", default_value = "info")]
    pub log: String,
}

/// Where the key for secrets at rest comes from.
#[derive(Debug, Clone, Args)]
pub struct KeyArgs {
    /// Key for secrets at rest: 32 bytes in base64 (unset: the key file).
    #[arg(long, env = "GATEHOUSE_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
    /// Key file, created with mode 0600 on first start when no key is given.
    #[arg(
        long,
        env = "GATEHOUSE_SECRET_KEY_FILE",
        default_value = "data/secret.key"
    )]
    pub secret_key_file: PathBuf,
}

/// Why a command failed, and so its exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The input does not parse.
    #[error("{0}")]
    BadInput(String),
    /// The input is fine but a rule or the data refuse it.
    #[error("{0}")]
    Refused(String),
    /// Start-up or an internal failure.
    #[error(transparent)]
    Startup(#[from] StartupError),
}

impl CliError {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Self::BadInput(_) => ExitCode::from(2),
            Self::Refused(_) | Self::Startup(_) => ExitCode::from(1),
        }
    }
}

impl From<ParseError> for CliError {
    fn from(error: ParseError) -> Self {
        Self::BadInput(error.0)
    }
}

impl From<app::ssr::Error> for CliError {
    fn from(error: app::ssr::Error) -> Self {
        match AppError::from(error) {
            AppError::Invalid { message, .. } => Self::BadInput(message),
            AppError::Internal => Self::Refused("internal error; see the log above".into()),
            other => Self::Refused(other.to_string()),
        }
    }
}

impl From<db::DbError> for CliError {
    fn from(error: db::DbError) -> Self {
        Self::Startup(error.into())
    }
}

pub async fn run(cli: Cli) -> Result<(), CliError> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let database_url = cli.database_url;
    match cli.command.unwrap_or(Command::Serve(cli.serve)) {
        Command::Serve(args) => serve(database_url, args, clock).await,
        Command::Tenant(command) => tenant::run(&database_url, command, clock.now()).await,
        Command::User(command) => user::run(&database_url, command, clock.now()).await,
        Command::Users(command) => users::run(&database_url, command).await,
        Command::Token(command) => token::run(&database_url, command, clock.now()).await,
        Command::Keys(command) => keys::run(&database_url, command, clock.now()).await,
        Command::Invite(args) => invite::run(&database_url, args, clock.now()).await,
        Command::App(command) => application::run(&database_url, command, clock.now()).await,
        Command::Mfa(command) => mfa::run(&database_url, command, clock.now()).await,
        Command::Demo(args) => demo(&database_url, args, clock.now()).await,
    }
}

/// The tenant named by `slug`, or the refusal to print.
async fn require_tenant(
    pool: &sqlx::SqlitePool,
    slug: &TenantSlug,
) -> Result<app::tenants::ssr::Tenant, CliError> {
    let mut conn = pool.acquire().await.map_err(app::ssr::Error::from)?;
    Ok(app::tenants::ssr::require_tenant(&mut conn, slug).await?)
}

async fn demo(database_url: &str, args: DemoArgs, now: UnixTime) -> Result<(), CliError> {
    let public_url = PublicUrl::parse(&args.public_url)
        .map_err(|e| CliError::BadInput(format!("GATEHOUSE_PUBLIC_URL: {e}")))?;
    let pool = db::open(database_url).await?;
    // As `serve` does: the key file is made on first use, so the server
    // started next derives the same secret for the demo application.
    let key = crate::secret_key::load_or_create(
        args.key.secret_key.as_deref(),
        &args.key.secret_key_file,
    )
    .map_err(StartupError::from)?;
    app::demo::ssr::seed(&pool, &Passwords::new()?, &public_url, &key, now).await?;
    println!("demo data is in place: tenants woodgrove and contoso");
    Ok(())
}

async fn serve(
    database_url: String,
    args: ServeArgs,
    clock: Arc<dyn Clock>,
) -> Result<(), CliError> {
    let public_url = PublicUrl::parse(&args.public_url)
        .map_err(|e| CliError::BadInput(format!("GATEHOUSE_PUBLIC_URL: {e}")))?;
    if args
        .smtp_url
        .as_deref()
        .is_some_and(|url| !is_smtp_url(url))
    {
        return Err(CliError::BadInput(
            "GATEHOUSE_SMTP_URL must start with smtp:// or smtps://".into(),
        ));
    }
    let settings = Settings {
        database_url,
        public_url,
        smtp_url: args.smtp_url.map(SecretString::from),
        secret_key: args.key.secret_key.map(SecretString::from),
        secret_key_file: args.key.secret_key_file,
        demo: args.demo,
        site_root: args.site_root,
    };
    let addr = args.addr;
    let state = startup::build_state(&settings, addr, clock).await?;
    let listener = startup::bind(addr).await?;
    let shutdown = startup::shutdown_signal();
    let addr = listener.local_addr().unwrap_or(addr);
    tracing::info!(%addr, public_url = settings.public_url.origin(), demo = settings.demo, "Gatehouse is listening");
    startup::serve(listener, state, shutdown).await?;
    Ok(())
}

/// Whether `text` is a URL with the `smtp` or `smtps` scheme and an
/// authority: the shape lettre's `from_url` reads (its other checks are its
/// own, at start-up).
fn is_smtp_url(text: &str) -> bool {
    url::Url::parse(text)
        .is_ok_and(|url| matches!(url.scheme(), "smtp" | "smtps") && url.has_host())
}

impl Cli {
    /// The log filter: `serve`'s `--log` (RUST_LOG); one-shot commands only
    /// warn unless RUST_LOG says otherwise.
    pub fn log_filter(&self) -> String {
        match &self.command {
            None => self.serve.log.clone(),
            Some(Command::Serve(args)) => args.log.clone(),
            Some(_) => std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_smtp_url_has_the_smtp_or_smtps_scheme_and_a_host() {
        for good in [
            "smtp://127.0.0.1:2525",
            "smtps://user:pass@mail.test/gatehouse.example?tls=required",
            "SMTP://mail.test",
        ] {
            assert!(is_smtp_url(good), "{good}");
        }
        for bad in [
            "http://mail.test",
            "smtp:mail.test",
            "mail.test:25",
            "smtpx://mail.test",
            "",
        ] {
            assert!(!is_smtp_url(bad), "{bad}");
        }
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
