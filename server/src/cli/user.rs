//! `gatehouse user …`: create members.

use std::io::BufRead;

use clap::Subcommand;
use secrecy::{ExposeSecret, SecretString};

use app::auth::ssr::password::Passwords;
use app::domain::{DisplayName, NewPassword, TenantSlug, Upn};
use app::ssr::clock::UnixTime;
use app::ssr::db;
use app::ssr::Actor;

use super::{require_tenant, CliError};

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

pub async fn run(database_url: &str, command: UserCommand, now: UnixTime) -> Result<(), CliError> {
    let UserCommand::Create {
        tenant,
        upn,
        name,
        admin,
        password_stdin,
    } = command;
    let slug = TenantSlug::parse(&tenant)?;
    let upn = Upn::parse(&upn)?;
    let display_name = DisplayName::parse(&name)?;
    let (password, generated) = if password_stdin {
        (read_password_line()?, false)
    } else {
        let random = app::ssr::crypto::random_token::<18>();
        (NewPassword::parse(random.expose_secret().to_owned())?, true)
    };
    let pool = db::open(database_url).await?;
    let tenant = require_tenant(&pool, &slug).await?;
    let passwords = Passwords::new()?;
    let shown = generated.then(|| SecretString::from(password.expose().to_owned()));
    let new = app::users::ssr::NewMember {
        upn,
        display_name,
        password,
        is_admin: admin,
    };
    let user =
        app::users::ssr::create_member(&pool, &passwords, &tenant, new, &Actor::cli(), now).await?;
    println!(
        "created {} in {}{}",
        user.upn,
        tenant.slug,
        if user.is_admin { " (admin)" } else { "" }
    );
    if let Some(password) = shown {
        println!("password (shown once): {}", password.expose_secret());
    }
    Ok(())
}

fn read_password_line() -> Result<NewPassword, CliError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::BadInput(format!("cannot read the password from stdin: {e}")))?;
    Ok(NewPassword::parse(
        line.trim_end_matches(['\r', '\n']).to_owned(),
    )?)
}
