//! `gatehouse keys …`: a tenant's OpenID Connect signing keys.

use clap::Subcommand;

use app::domain::TenantSlug;
use app::ssr::clock::UnixTime;
use app::ssr::db;
use app::ssr::Actor;

use super::{require_tenant, CliError, KeyArgs};
use crate::startup::StartupError;

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make a new signing key for a tenant's ID tokens. The old key stays
    /// published for an hour, until the tokens it signed have expired.
    Rotate {
        /// The tenant's slug.
        #[arg(long)]
        tenant: String,
        #[command(flatten)]
        key: KeyArgs,
    },
}

pub async fn run(database_url: &str, command: KeysCommand, now: UnixTime) -> Result<(), CliError> {
    let KeysCommand::Rotate { tenant, key } = command;
    let slug = TenantSlug::parse(&tenant)?;
    let pool = db::open(database_url).await?;
    let tenant = require_tenant(&pool, &slug).await?;
    let secret_key =
        crate::secret_key::load_existing(key.secret_key.as_deref(), &key.secret_key_file)
            .map_err(StartupError::from)?;
    let kid =
        app::oidc::ssr::keys::rotate(&pool, &secret_key, &tenant.id, &Actor::cli(), now).await?;
    println!("{} signs with the new key {kid}", tenant.slug);
    Ok(())
}
