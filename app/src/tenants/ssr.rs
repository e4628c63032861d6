//! The tenant store and the operator's tenant services (the CLI's
//! `tenant create|set-plan`; the Licensing page and API call the same).

use sqlx::{SqliteConnection, SqlitePool};

use crate::domain::{DisplayName, DomainName, Licence, Plan, TenantSlug, GUESTS_PER_SEAT};
use crate::error::AppError;
use crate::ssr::audit::{self, Event, Outcome};
use crate::ssr::clock::UnixTime;
use crate::ssr::db::begin_write;
use crate::ssr::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: String,
    pub slug: String,
    pub display_name: String,
    pub domain: String,
    pub plan: Plan,
    pub premium_seats: i64,
    pub members_can_invite: bool,
    pub email_otp_enabled: bool,
    pub invitation_ttl_days: i64,
}

impl Tenant {
    /// The tenant's licence (the database's CHECK keeps plan and seats consistent).
    pub fn licence(&self) -> Licence {
        let seats = (self.plan == Plan::Premium).then_some(self.premium_seats);
        Licence::parse(self.plan, seats).unwrap_or_else(|_| Licence::free())
    }
}

/// What an operator gives to create a tenant, already parsed.
#[derive(Debug, Clone)]
pub struct NewTenant {
    pub slug: TenantSlug,
    pub display_name: DisplayName,
    pub domain: DomainName,
    pub licence: Licence,
}

fn plan_from_db(plan: &str) -> Plan {
    // The column's CHECK allows only these two.
    if plan == "premium" {
        Plan::Premium
    } else {
        Plan::Free
    }
}

pub async fn find_tenant_by_slug(
    conn: &mut SqliteConnection,
    slug: &TenantSlug,
) -> Result<Option<Tenant>> {
    let slug = slug.as_str();
    let row = sqlx::query_as!(
        TenantRow,
        r#"SELECT id, slug, display_name, domain, plan, premium_seats,
                  members_can_invite AS "members_can_invite: bool",
                  email_otp_enabled AS "email_otp_enabled: bool", invitation_ttl_days
           FROM tenants WHERE slug = ?"#,
        slug
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Tenant::from))
}

pub async fn find_tenant_by_id(conn: &mut SqliteConnection, id: &str) -> Result<Option<Tenant>> {
    let row = sqlx::query_as!(
        TenantRow,
        r#"SELECT id, slug, display_name, domain, plan, premium_seats,
                  members_can_invite AS "members_can_invite: bool",
                  email_otp_enabled AS "email_otp_enabled: bool", invitation_ttl_days
           FROM tenants WHERE id = ?"#,
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Tenant::from))
}

/// A `tenants` row as the queries above read it.
struct TenantRow {
    id: String,
    slug: String,
    display_name: String,
    domain: String,
    plan: String,
    premium_seats: i64,
    members_can_invite: bool,
    email_otp_enabled: bool,
    invitation_ttl_days: i64,
}

impl From<TenantRow> for Tenant {
    fn from(row: TenantRow) -> Self {
        Self {
            id: row.id,
            slug: row.slug,
            display_name: row.display_name,
            domain: row.domain,
            plan: plan_from_db(&row.plan),
            premium_seats: row.premium_seats,
            members_can_invite: row.members_can_invite,
            email_otp_enabled: row.email_otp_enabled,
            invitation_ttl_days: row.invitation_ttl_days,
        }
    }
}

/// The tenant named by `slug`, or a 404-shaped error.
pub async fn require_tenant(conn: &mut SqliteConnection, slug: &TenantSlug) -> Result<Tenant> {
    find_tenant_by_slug(conn, slug)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("The tenant '{}'", slug.as_str())).into())
}

/// Creates a tenant. A taken slug or domain is a conflict.
pub async fn create_tenant(
    pool: &SqlitePool,
    new: &NewTenant,
    actor: &str,
    now: UnixTime,
) -> Result<Tenant> {
    let mut tx = begin_write(pool).await?;
    let slug = new.slug.as_str();
    let domain = new.domain.as_str();
    let taken = sqlx::query_scalar!(
        "SELECT slug FROM tenants WHERE slug = ? OR domain = ? LIMIT 1",
        slug,
        domain
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(existing) = taken {
        let what = if existing == slug {
            format!("The tenant slug '{slug}' is taken.")
        } else {
            format!("The domain '{domain}' already belongs to a tenant.")
        };
        return Err(AppError::Conflict(what).into());
    }
    let tenant = Tenant {
        id: uuid::Uuid::new_v4().to_string(),
        slug: slug.to_owned(),
        display_name: new.display_name.as_str().to_owned(),
        domain: domain.to_owned(),
        plan: new.licence.plan(),
        premium_seats: new.licence.seats(),
        members_can_invite: true,
        email_otp_enabled: true,
        invitation_ttl_days: 30,
    };
    let plan = tenant.plan.as_str();
    sqlx::query!(
        "INSERT INTO tenants (id, slug, display_name, domain, plan, premium_seats, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
        tenant.id,
        tenant.slug,
        tenant.display_name,
        tenant.domain,
        plan,
        tenant.premium_seats,
        now,
    )
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        Event {
            at: now,
            tenant_id: Some(&tenant.id),
            actor: Some(actor),
            action: "tenant.create",
            target: Some(&tenant.slug),
            outcome: Outcome::Success,
            ip: None,
            detail: serde_json::json!({ "plan": plan, "seats": tenant.premium_seats }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(tenant)
}

/// How many guests the tenant has (every state counts: an invited guest
/// holds its seat share from the moment the object exists).
pub async fn count_guests(conn: &mut SqliteConnection, tenant_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        "SELECT COUNT(*) FROM users WHERE tenant_id = ? AND user_type = 'Guest'",
        tenant_id
    )
    .fetch_one(conn)
    .await?)
}

/// Changes a tenant's plan. Refused, with the number of seats required, when
/// a premium licence would cover fewer guests than the tenant has.
pub async fn set_plan(
    pool: &SqlitePool,
    slug: &TenantSlug,
    licence: Licence,
    actor: &str,
    now: UnixTime,
) -> Result<Tenant> {
    let mut tx = begin_write(pool).await?;
    let tenant = require_tenant(&mut tx, slug).await?;
    let guests = count_guests(&mut tx, &tenant.id).await?;
    if let Some(capacity) = licence.guest_capacity() {
        if guests > capacity {
            let required = (guests + GUESTS_PER_SEAT - 1) / GUESTS_PER_SEAT;
            return Err(AppError::refused(
                "seatsBelowGuests",
                format!(
                    "{} has {guests} guests, which need at least {required} premium seats \
                     ({GUESTS_PER_SEAT} guests per seat).",
                    tenant.display_name
                ),
            )
            .into());
        }
    }
    let plan = licence.plan().as_str();
    let seats = licence.seats();
    sqlx::query!(
        "UPDATE tenants SET plan = ?, premium_seats = ? WHERE id = ?",
        plan,
        seats,
        tenant.id
    )
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        Event {
            at: now,
            tenant_id: Some(&tenant.id),
            actor: Some(actor),
            action: "tenant.set_plan",
            target: Some(&tenant.slug),
            outcome: Outcome::Success,
            ip: None,
            detail: serde_json::json!({
                "from": { "plan": tenant.plan.as_str(), "seats": tenant.premium_seats },
                "to": { "plan": plan, "seats": seats },
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Tenant {
        plan: licence.plan(),
        premium_seats: seats,
        ..tenant
    })
}

/// The tenant whose domain is `domain`, if any (home-realm discovery).
pub async fn find_tenant_by_domain(
    conn: &mut SqliteConnection,
    domain: &str,
) -> Result<Option<Tenant>> {
    let row = sqlx::query_as!(
        TenantRow,
        r#"SELECT id, slug, display_name, domain, plan, premium_seats,
                  members_can_invite AS "members_can_invite: bool",
                  email_otp_enabled AS "email_otp_enabled: bool", invitation_ttl_days
           FROM tenants WHERE domain = ?"#,
        domain
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Tenant::from))
}
