//! `gatehouse mfa reset --tenant T --upn UPN [--yes]`: the seed's
//! `Reset-MsolStrongAuthenticationMethodByUpn`. The user's methods and
//! recovery codes go, their sessions must pass MFA again, and they are
//! e-mailed — the service the portal and the REST API call.
//!
//! On a terminal it asks first; elsewhere (a script) it needs `--yes`, so
//! a pipe never resets anyone by accident.

use std::io::{BufRead, IsTerminal, Write};

use clap::{Args, Subcommand};

use app::domain::{TenantSlug, Upn};
use app::error::AppError;
use app::mail::ssr::MailContext;
use app::mfa::ssr::methods::list_methods;
use app::ssr::clock::UnixTime;
use app::ssr::config::PublicUrl;
use app::ssr::db;
use app::ssr::Actor;
use app::user_admin::ssr::detail::find_recovery_code_set;
use app::user_admin::ssr::reset::reset_mfa;
use app::user_admin::ssr::{find_managed_user, UserKey};

use super::{require_tenant, CliError, KeyArgs};
use crate::startup::StartupError;

#[derive(Debug, Subcommand)]
pub enum MfaCommand {
    /// Remove all of a user's MFA methods and recovery codes: they set up a
    /// method again at their next MFA with the tenant.
    Reset(ResetArgs),
}

#[derive(Debug, Args)]
pub struct ResetArgs {
    /// The tenant's slug.
    #[arg(long)]
    tenant: String,
    /// The user's principal name (a guest's `…#EXT#@tenant` name).
    #[arg(long)]
    upn: String,
    /// Do not ask (needed when not on a terminal).
    #[arg(long)]
    yes: bool,
    /// Where browsers reach Gatehouse (for the mail's context).
    #[arg(
        long,
        env = "GATEHOUSE_PUBLIC_URL",
        default_value = "http://localhost:3000"
    )]
    public_url: String,
    /// The key the mail to the user is sealed with (the server's).
    #[command(flatten)]
    key: KeyArgs,
}

pub async fn run(database_url: &str, command: MfaCommand, now: UnixTime) -> Result<(), CliError> {
    let MfaCommand::Reset(args) = command;
    let slug = TenantSlug::parse(&args.tenant)?;
    let upn = Upn::parse(&args.upn)?;
    let public_url = PublicUrl::parse(&args.public_url)
        .map_err(|e| CliError::BadInput(format!("GATEHOUSE_PUBLIC_URL: {e}")))?;
    let pool = db::open(database_url).await?;
    let tenant = require_tenant(&pool, &slug).await?;
    let mut conn = pool.acquire().await.map_err(app::ssr::Error::from)?;
    let user = find_managed_user(&mut conn, &tenant.id, &UserKey::Upn(upn.clone()))
        .await?
        .ok_or_else(|| {
            CliError::Refused(format!("{} has no user {}", tenant.slug, upn.as_str()))
        })?;
    if !args.yes {
        let methods = list_methods(&mut conn, &user.user.id).await?.len();
        let codes = find_recovery_code_set(&mut conn, &user.user.id)
            .await?
            .map_or(0, |codes| codes.unused);
        let question = format!(
            "Reset MFA for {} ({}) in {}? Their {methods} {} and {codes} recovery {} stop working. [y/N] ",
            user.user.display_name,
            upn.as_str(),
            tenant.display_name,
            plural(methods as u64, "method", "methods"),
            plural(codes as u64, "code", "codes"),
        );
        if !confirm(&question)? {
            return Err(CliError::Refused("nothing was reset".into()));
        }
    }
    drop(conn);
    let key =
        crate::secret_key::load_existing(args.key.secret_key.as_deref(), &args.key.secret_key_file)
            .map_err(StartupError::from)?;
    let outcome = reset_mfa(
        &pool,
        MailContext::new(&public_url, &key),
        &tenant,
        &user,
        &Actor::cli(),
        now,
    )
    .await
    .map_err(|error| match AppError::from(error) {
        AppError::UserNotFound => {
            CliError::Refused(format!("{} has no user {}", tenant.slug, upn.as_str()))
        }
        other => CliError::Refused(other.to_string()),
    })?;
    println!(
        "reset MFA for {}: removed {} {} and {} recovery {}; {} {} must pass MFA again",
        upn.as_str(),
        outcome.methods,
        plural(outcome.methods, "method", "methods"),
        outcome.recovery_codes,
        plural(outcome.recovery_codes, "code", "codes"),
        outcome.sessions,
        plural(outcome.sessions, "session", "sessions"),
    );
    Ok(())
}

fn plural(count: u64, one: &'static str, many: &'static str) -> &'static str {
    if count == 1 {
        one
    } else {
        many
    }
}

/// Asks `question` on the terminal; only "y" or "yes" go on. Not on a
/// terminal, it refuses without asking.
fn confirm(question: &str) -> Result<bool, CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::BadInput(
            "not on a terminal: add --yes to reset without being asked".into(),
        ));
    }
    let mut stderr = std::io::stderr();
    let _ = write!(stderr, "{question}");
    let _ = stderr.flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|error| CliError::Refused(format!("reading the answer: {error}")))?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}
