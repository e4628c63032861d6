//! `gatehouse tenant …`: create tenants, change their plans and settings.

use clap::Subcommand;

use app::domain::{DisplayName, DomainName, Licence, Plan, PrivacyUrl, TenantSlug};
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
    /// Change a tenant's settings (those not given stay as they are).
    Set {
        #[arg(long)]
        slug: String,
        /// Whether members (not only admins) may invite guests.
        #[arg(long, value_name = "on|off")]
        members_can_invite: Option<OnOff>,
        /// Whether guests without a work or personal account may sign in
        /// with a one-time passcode sent by e-mail.
        #[arg(long, value_name = "on|off")]
        email_otp: Option<OnOff>,
        /// Security defaults: members pass MFA with the tenant at sign-in.
        #[arg(long, value_name = "on|off")]
        security_defaults: Option<OnOff>,
        /// How many days a new invitation stays valid (1 to 365).
        #[arg(long)]
        invitation_ttl_days: Option<i64>,
        /// The tenant's own privacy statement (https), linked from the
        /// consent page and the invitation mail; `none` removes it.
        #[arg(long, value_name = "URL|none")]
        privacy_url: Option<String>,
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

/// A setting's value on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

impl OnOff {
    fn is_on(self) -> bool {
        matches!(self, Self::On)
    }

    fn name(on: bool) -> &'static str {
        if on {
            "on"
        } else {
            "off"
        }
    }
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
        TenantCommand::Set {
            slug,
            members_can_invite,
            email_otp,
            security_defaults,
            invitation_ttl_days,
            privacy_url,
        } => {
            let slug = TenantSlug::parse(&slug)?;
            let privacy_url = match privacy_url.as_deref() {
                None => None,
                Some("none") => Some(None),
                Some(url) => Some(Some(PrivacyUrl::parse(url)?)),
            };
            let change = app::tenants::ssr::SettingsChange {
                members_can_invite: members_can_invite.map(OnOff::is_on),
                email_otp_enabled: email_otp.map(OnOff::is_on),
                security_defaults: security_defaults.map(OnOff::is_on),
                invitation_ttl_days,
                privacy_url,
            };
            let pool = db::open(database_url).await?;
            let tenant =
                app::tenants::ssr::update_settings(&pool, &slug, change, &Actor::cli(), now)
                    .await?;
            println!(
                "tenant {}: members can invite {}, e-mail one-time passcode {}, \
                 security defaults {}, invitations valid {} days, privacy statement {}",
                tenant.slug,
                OnOff::name(tenant.members_can_invite),
                OnOff::name(tenant.email_otp_enabled),
                OnOff::name(tenant.security_defaults),
                tenant.invitation_ttl_days,
                tenant
                    .privacy_url
                    .as_ref()
                    .map_or("Gatehouse's", PrivacyUrl::as_str),
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
