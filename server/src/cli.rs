//! The operator's command line (DESIGN §4): `gatehouse serve` by default,
//! and the admin tasks, each on the database of `--database-url`.
//!
//! Exit codes: 0 done; 1 refused or failed (the reason on one line of
//! stderr); 2 bad input or usage.

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;

use app::auth::ssr::password::Passwords;
use app::domain::{
    DisplayName, DomainName, Licence, ParseError, Plan, TenantSlug, Upn, MIN_NEW_PASSWORD_LEN,
};
use app::error::AppError;
use app::ssr::clock::{Clock, SystemClock};
use app::ssr::config::PublicUrl;
use app::ssr::db::{self, DEFAULT_DATABASE_URL};

use crate::startup::{self, Settings, StartupError};

/// Who the audit trail names for what the command line does.
const CLI_ACTOR: &str = "gatehouse cli";

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
    /// Make REST API bearer tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Invite a guest: creates the guest user and prints the redeem URL.
    Invite(InviteArgs),
    /// Seed the demo tenants and accounts (DESIGN §7); keeps what exists.
    Demo,
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

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant.
    Create {
        /// URL name: 2 to 40 of a-z, 0-9 and '-'.
        #[arg(long)]
        slug: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// The tenant's domain; members' user names end in it.
        #[arg(long)]
        domain: String,
        /// free or premium.
        #[arg(long, default_value = "free")]
        plan: String,
        /// Premium seats (premium only; each covers 5 guests).
        #[arg(long)]
        seats: Option<i64>,
    },
    /// Change a tenant's plan and seats.
    SetPlan {
        #[arg(long)]
        slug: String,
        /// free or premium.
        #[arg(long)]
        plan: String,
        /// Premium seats (premium only).
        #[arg(long)]
        seats: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a member with a password: read from stdin with --password-stdin,
    /// otherwise generated and printed once.
    Create {
        /// The tenant's slug.
        #[arg(long)]
        tenant: String,
        /// User name in the tenant's domain, like megan@woodgrove.test.
        #[arg(long)]
        upn: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Make the user an admin of the tenant.
        #[arg(long)]
        admin: bool,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token for a tenant's REST API; the token alone is the last line.
    Create {
        /// The tenant's slug.
        #[arg(long)]
        tenant: String,
        /// What the token is for (shown in the audit trail).
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct InviteArgs {
    /// The inviting tenant's slug.
    #[arg(long)]
    tenant: String,
    /// The guest's e-mail address.
    email: String,
    /// The guest's display name.
    #[arg(long)]
    name: Option<String>,
    /// Where the guest lands after accepting (default: My Apps).
    #[arg(long)]
    redirect: Option<String>,
    /// A personal message (plain text).
    #[arg(long)]
    message: Option<String>,
    /// Do not e-mail the invitation; hand over the printed URL yourself.
    #[arg(long)]
    no_email: bool,
    /// Let anyone with the link redeem it, not only the owner of the address.
    #[arg(long)]
    any_identity: bool,
    /// Where browsers reach Gatehouse (the redeem URL starts with it).
    #[arg(
        long,
        env = "GATEHOUSE_PUBLIC_URL",
        default_value = "http://localhost:3000"
    )]
    public_url: String,
    /// Output: text, or json for machines.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// The key that seals the queued invitation mail.
    #[command(flatten)]
    key: KeyArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
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
    match cli.command.unwrap_or(Command::Serve(cli.serve)) {
        Command::Serve(args) => serve(cli.database_url, args, clock).await,
        Command::Tenant(TenantCommand::Create {
            slug,
            name,
            domain,
            plan,
            seats,
        }) => {
            let new = app::tenants::ssr::NewTenant {
                slug: TenantSlug::parse(&slug)?,
                display_name: DisplayName::parse(&name)?,
                domain: DomainName::parse(&domain)?,
                licence: Licence::parse(Plan::parse(&plan)?, seats)?,
            };
            let pool = db::open(&cli.database_url).await?;
            let tenant =
                app::tenants::ssr::create_tenant(&pool, &new, CLI_ACTOR, clock.now()).await?;
            println!(
                "created tenant {} ({}, {}, plan {} with {} seats)",
                tenant.slug, tenant.display_name, tenant.domain, tenant.plan, tenant.premium_seats
            );
            Ok(())
        }
        Command::Tenant(TenantCommand::SetPlan { slug, plan, seats }) => {
            let slug = TenantSlug::parse(&slug)?;
            let licence = Licence::parse(Plan::parse(&plan)?, seats)?;
            let pool = db::open(&cli.database_url).await?;
            let tenant =
                app::tenants::ssr::set_plan(&pool, &slug, licence, CLI_ACTOR, clock.now()).await?;
            println!(
                "tenant {} is now on plan {} with {} seats",
                tenant.slug, tenant.plan, tenant.premium_seats
            );
            Ok(())
        }
        Command::User(UserCommand::Create {
            tenant,
            upn,
            name,
            admin,
            password_stdin,
        }) => {
            let slug = TenantSlug::parse(&tenant)?;
            let upn = Upn::parse(&upn)?;
            let display_name = DisplayName::parse(&name)?;
            let (password, generated) = if password_stdin {
                (read_password_line()?, false)
            } else {
                (app::ssr::crypto::random_token::<18>(), true)
            };
            let pool = db::open(&cli.database_url).await?;
            let tenant = app::tenants::ssr::require_tenant(
                &mut *pool.acquire().await.map_err(app::ssr::Error::from)?,
                &slug,
            )
            .await?;
            let passwords = Passwords::new()?;
            let shown = generated.then(|| password.clone());
            let new = app::users::ssr::NewMember {
                upn,
                display_name,
                password,
                is_admin: admin,
            };
            let user = app::users::ssr::create_member(
                &pool,
                &passwords,
                &tenant,
                new,
                CLI_ACTOR,
                clock.now(),
            )
            .await?;
            println!(
                "created {} in {}{}",
                user.upn,
                tenant.slug,
                if user.is_admin { " (admin)" } else { "" }
            );
            if let Some(password) = shown {
                use secrecy::ExposeSecret;
                println!("password (shown once): {}", password.expose_secret());
            }
            Ok(())
        }
        Command::Token(TokenCommand::Create { tenant, name }) => {
            let slug = TenantSlug::parse(&tenant)?;
            let name = DisplayName::parse(&name)?;
            let pool = db::open(&cli.database_url).await?;
            let tenant = require_tenant(&pool, &slug).await?;
            let (id, token) =
                app::tokens::ssr::create_api_token(&pool, &tenant, &name, CLI_ACTOR, clock.now())
                    .await?;
            use secrecy::ExposeSecret;
            println!("created API token {id} for {} (shown once):", tenant.slug);
            println!("{}", token.expose_secret());
            Ok(())
        }
        Command::Invite(args) => invite(&cli.database_url, args, clock.now()).await,
        Command::Demo => {
            let pool = db::open(&cli.database_url).await?;
            app::demo::ssr::seed(&pool, &Passwords::new()?, clock.now()).await?;
            println!("demo data is in place: tenants woodgrove and contoso");
            Ok(())
        }
    }
}

async fn require_tenant(
    pool: &sqlx::SqlitePool,
    slug: &TenantSlug,
) -> Result<app::tenants::ssr::Tenant, CliError> {
    let mut conn = pool.acquire().await.map_err(app::ssr::Error::from)?;
    Ok(app::tenants::ssr::require_tenant(&mut conn, slug).await?)
}

async fn invite(database_url: &str, args: InviteArgs, now: i64) -> Result<(), CliError> {
    use app::domain::{Email, InvitationMessage, RedirectUrl};
    use app::invitations::ssr::{create_invitation, Inviter, MailContext, NewInvitation};
    use secrecy::ExposeSecret;

    let slug = TenantSlug::parse(&args.tenant)?;
    let public_url = PublicUrl::parse(&args.public_url)
        .map_err(|e| CliError::BadInput(format!("GATEHOUSE_PUBLIC_URL: {e}")))?;
    let redirect = args
        .redirect
        .unwrap_or_else(|| format!("{}/myapps", public_url.origin()));
    let new = NewInvitation {
        email: Email::parse(&args.email)?,
        display_name: args.name.as_deref().map(DisplayName::parse).transpose()?,
        redirect_url: RedirectUrl::parse(&redirect)?,
        message: args
            .message
            .as_deref()
            .map(InvitationMessage::parse)
            .transpose()?
            .flatten(),
        send_email: !args.no_email,
        allow_any_identity: args.any_identity,
    };
    let pool = db::open(database_url).await?;
    let tenant = require_tenant(&pool, &slug).await?;
    let key =
        crate::secret_key::load_existing(args.key.secret_key.as_deref(), &args.key.secret_key_file)
            .map_err(StartupError::from)?;
    let mail = MailContext {
        public_url: &public_url,
        key: &key,
    };
    let issued = create_invitation(&pool, mail, &tenant, &new, &Inviter::Cli, now).await?;
    let invitation = &issued.invitation;
    match args.format {
        Format::Text => {
            println!(
                "invited {} to {} as {}",
                invitation.invited_email, tenant.slug, invitation.guest_upn
            );
            println!("{}", issued.redeem_url.expose_secret());
        }
        Format::Json => println!(
            "{}",
            serde_json::json!({
                "id": invitation.id,
                "invitedUserEmailAddress": invitation.invited_email,
                "inviteRedeemUrl": issued.redeem_url.expose_secret(),
                "status": invitation.status.as_str(),
                "invitedUser": { "id": invitation.guest_user_id, "userPrincipalName": invitation.guest_upn },
            })
        ),
    }
    Ok(())
}

fn read_password_line() -> Result<SecretString, CliError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::BadInput(format!("cannot read the password from stdin: {e}")))?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.chars().count() < MIN_NEW_PASSWORD_LEN {
        return Err(CliError::BadInput(format!(
            "a password has at least {MIN_NEW_PASSWORD_LEN} characters"
        )));
    }
    Ok(password.into())
}

async fn serve(
    database_url: String,
    args: ServeArgs,
    clock: Arc<dyn Clock>,
) -> Result<(), CliError> {
    let public_url = PublicUrl::parse(&args.public_url)
        .map_err(|e| CliError::BadInput(format!("GATEHOUSE_PUBLIC_URL: {e}")))?;
    if let Some(smtp) = &args.smtp_url {
        if !(smtp.starts_with("smtp://") || smtp.starts_with("smtps://")) {
            return Err(CliError::BadInput(
                "GATEHOUSE_SMTP_URL must start with smtp:// or smtps://".into(),
            ));
        }
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
