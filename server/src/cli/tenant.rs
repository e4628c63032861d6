//! `gatehouse tenant …`: create tenants and change their plans.

use clap::Subcommand;

use app::domain::{DisplayName, DomainName, Licence, Plan, TenantSlug};
use app::ssr::clock::UnixTime;
use app::ssr::db;
use app::ssr::Actor;

use super::CliError;

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

pub async fn run(
    database_url: &str,
    command: TenantCommand,
    now: UnixTime,
) -> Result<(), CliError> {
    match command {
        TenantCommand::Create {
            slug,
            name,
            domain,
            plan,
            seats,
        } => {
            let new = app::tenants::ssr::NewTenant {
                slug: TenantSlug::parse(&slug)?,
                display_name: DisplayName::parse(&name)?,
                domain: DomainName::parse(&domain)?,
                licence: Licence::parse(Plan::parse(&plan)?, seats)?,
            };
            let pool = db::open(database_url).await?;
            let tenant = app::tenants::ssr::create_tenant(&pool, &new, &Actor::cli(), now).await?;
            println!(
                "created tenant {} ({}, {}, plan {} with {} seats)",
                tenant.slug, tenant.display_name, tenant.domain, tenant.plan, tenant.premium_seats
            );
        }
        TenantCommand::SetPlan { slug, plan, seats } => {
            let slug = TenantSlug::parse(&slug)?;
            let licence = Licence::parse(Plan::parse(&plan)?, seats)?;
            let pool = db::open(database_url).await?;
            let tenant =
                app::tenants::ssr::set_plan(&pool, &slug, licence, &Actor::cli(), now).await?;
            println!(
                "tenant {} is now on plan {} with {} seats",
                tenant.slug, tenant.plan, tenant.premium_seats
            );
        }
    }
    Ok(())
}
