//! `gatehouse token …`: REST API bearer tokens.

use clap::Subcommand;
use secrecy::ExposeSecret;

use app::domain::{DisplayName, TenantSlug};
use app::ssr::clock::UnixTime;
use app::ssr::db;
use app::ssr::Actor;

use super::{require_tenant, CliError};

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

pub async fn run(database_url: &str, command: TokenCommand, now: UnixTime) -> Result<(), CliError> {
    let TokenCommand::Create { tenant, name } = command;
    let slug = TenantSlug::parse(&tenant)?;
    let name = DisplayName::parse(&name)?;
    let pool = db::open(database_url).await?;
    let tenant = require_tenant(&pool, &slug).await?;
    let (id, token) =
        app::tokens::ssr::create_api_token(&pool, &tenant, &name, &Actor::cli(), now).await?;
    println!("created API token {id} for {} (shown once):", tenant.slug);
    println!("{}", token.expose_secret());
    Ok(())
}
