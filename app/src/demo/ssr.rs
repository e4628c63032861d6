//! Seeds the demo tenants and accounts. Idempotent: what exists is kept.

use crate::auth::ssr::password::Passwords;
use crate::domain::{DisplayName, DomainName, Licence, NewPassword, Plan, TenantSlug, Upn};
use crate::ssr::clock::UnixTime;
use crate::ssr::db::Pool;
use crate::ssr::{Actor, Result, Stored};
use crate::tenants::ssr::{create_tenant, find_tenant_by_slug, NewTenant, Tenant};
use crate::users::ssr::{create_member, find_credentials_by_upn, NewMember};

/// Every demo account's password, shown on the landing page in demo mode only.
pub const DEMO_PASSWORD: &str = "correct horse battery staple";

pub struct DemoAccount {
    pub tenant: &'static str,
    pub upn: &'static str,
    pub display_name: &'static str,
    pub is_admin: bool,
    pub role: &'static str,
}

struct DemoTenant {
    slug: &'static str,
    name: &'static str,
    domain: &'static str,
    plan: Plan,
    seats: Option<i64>,
}

const DEMO_TENANTS: &[DemoTenant] = &[
    DemoTenant {
        slug: "woodgrove",
        name: "Woodgrove",
        domain: "woodgrove.test",
        plan: Plan::Premium,
        seats: Some(10),
    },
    DemoTenant {
        slug: "contoso",
        name: "Contoso",
        domain: "contoso.test",
        plan: Plan::Free,
        seats: None,
    },
];

pub const DEMO_ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        tenant: "woodgrove",
        upn: "admin@woodgrove.test",
        display_name: "Woodgrove Admin",
        is_admin: true,
        role: "Woodgrove's admin (the resource tenant)",
    },
    DemoAccount {
        tenant: "woodgrove",
        upn: "megan@woodgrove.test",
        display_name: "Megan Bowen",
        is_admin: false,
        role: "a Woodgrove member",
    },
    DemoAccount {
        tenant: "contoso",
        upn: "admin@contoso.test",
        display_name: "Contoso Admin",
        is_admin: true,
        role: "Contoso's admin (the partner)",
    },
    DemoAccount {
        tenant: "contoso",
        upn: "alice@contoso.test",
        display_name: "Alice Wood",
        is_admin: false,
        role: "a Contoso member, the guest-to-be",
    },
];

/// Creates whatever of the demo data is missing.
pub async fn seed(pool: &Pool, passwords: &Passwords, now: UnixTime) -> Result<()> {
    let actor = Actor::cli();
    let mut tenants: Vec<Tenant> = Vec::new();
    for demo in DEMO_TENANTS {
        let slug = parse(TenantSlug::parse(demo.slug))?;
        let existing = find_tenant_by_slug(&mut *pool.acquire().await?, &slug).await?;
        let tenant = match existing {
            Some(tenant) => tenant,
            None => {
                let new = NewTenant {
                    slug,
                    display_name: parse(DisplayName::parse(demo.name))?,
                    domain: parse(DomainName::parse(demo.domain))?,
                    licence: parse(Licence::parse(demo.plan, demo.seats))?,
                };
                create_tenant(pool, &new, &actor, now).await?
            }
        };
        tenants.push(tenant);
    }
    for account in DEMO_ACCOUNTS {
        let upn = parse(Upn::parse(account.upn))?;
        if find_credentials_by_upn(&mut *pool.acquire().await?, &upn)
            .await?
            .is_some()
        {
            continue;
        }
        let Some(tenant) = tenants
            .iter()
            .find(|tenant| tenant.slug.as_str() == account.tenant)
        else {
            continue;
        };
        let member = NewMember {
            upn,
            display_name: parse(DisplayName::parse(account.display_name))?,
            password: parse(NewPassword::parse(DEMO_PASSWORD.to_owned()))?,
            is_admin: account.is_admin,
        };
        create_member(pool, passwords, tenant, member, &actor, now).await?;
    }
    tracing::info!("demo data is in place");
    Ok(())
}

fn parse<T>(parsed: std::result::Result<T, crate::domain::ParseError>) -> Result<T> {
    parsed.stored("demo data")
}
