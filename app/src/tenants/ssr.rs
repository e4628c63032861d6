//! The tenant store and the tenant services (the CLI's `tenant
//! create|set-plan|set`; the Licensing and Settings pages and the REST API
//! call the same).

use crate::domain::{
    DisplayName, DomainName, Licence, Plan, PrivacyUrl, TenantSlug, GUESTS_PER_SEAT,
};
use crate::error::AppError;
use crate::policies::ssr::{find_active_mfa_policy_names, premium_still_required};
use crate::ssr::audit::{self, Action, Event};
use crate::ssr::clock::UnixTime;
use crate::ssr::config::PublicUrl;
use crate::ssr::db::{self, Conn, Pool};
use crate::ssr::{Actor, Result, Stored};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: String,
    pub slug: TenantSlug,
    pub display_name: String,
    pub domain: DomainName,
    pub plan: Plan,
    pub premium_seats: i64,
    pub members_can_invite: bool,
    pub email_otp_enabled: bool,
    /// Security defaults (DESIGN §1): members pass MFA with this tenant
    /// when they sign in at home.
    pub security_defaults: bool,
    pub invitation_ttl_days: i64,
    /// The tenant's own privacy statement, if it gave one.
    pub privacy_url: Option<PrivacyUrl>,
}

impl Tenant {
    /// Where the tenant's privacy statement is: its own, or else
    /// Gatehouse's `/privacy` (which says what Gatehouse keeps).
    pub fn privacy_statement(&self, public_url: &PublicUrl) -> String {
        match &self.privacy_url {
            Some(url) => url.as_str().to_owned(),
            None => format!("{}/privacy", public_url.origin()),
        }
    }

    /// The tenant's licence (the database's CHECK keeps plan and seats consistent).
    pub fn licence(&self) -> Result<Licence> {
        let seats = (self.plan == Plan::Premium).then_some(self.premium_seats);
        Licence::parse(self.plan, seats).stored("tenants.premium_seats")
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

/// The columns every tenant query reads, decoded by [`TenantRow::decode`].
macro_rules! select_tenant {
    ($where:tt, $($arg:expr),*) => {
        sqlx::query_as!(
            TenantRow,
            r#"SELECT id, slug, display_name, domain, plan, premium_seats,
                      members_can_invite AS "members_can_invite: bool",
                      email_otp_enabled AS "email_otp_enabled: bool",
                      security_defaults AS "security_defaults: bool", invitation_ttl_days,
                      privacy_url
               FROM tenants WHERE "# + $where,
            $($arg),*
        )
    };
}

pub async fn find_tenant_by_slug(conn: &mut Conn, slug: &TenantSlug) -> Result<Option<Tenant>> {
    let slug = slug.as_str();
    let row = select_tenant!("slug = $1", slug)
        .fetch_optional(conn)
        .await?;
    row.map(TenantRow::decode).transpose()
}

pub async fn find_tenant_by_id(conn: &mut Conn, id: &str) -> Result<Option<Tenant>> {
    let row = select_tenant!("id = $1", id).fetch_optional(conn).await?;
    row.map(TenantRow::decode).transpose()
}

/// The tenant whose domain is `domain`, if any (home-realm discovery).
pub async fn find_tenant_by_domain(conn: &mut Conn, domain: &str) -> Result<Option<Tenant>> {
    let row = select_tenant!("domain = $1", domain)
        .fetch_optional(conn)
        .await?;
    row.map(TenantRow::decode).transpose()
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
    security_defaults: bool,
    invitation_ttl_days: i64,
    privacy_url: Option<String>,
}

impl TenantRow {
    fn decode(self) -> Result<Tenant> {
        Ok(Tenant {
            slug: TenantSlug::parse(&self.slug).stored("tenants.slug")?,
            domain: DomainName::parse(&self.domain).stored("tenants.domain")?,
            plan: Plan::parse(&self.plan).stored("tenants.plan")?,
            id: self.id,
            display_name: self.display_name,
            premium_seats: self.premium_seats,
            members_can_invite: self.members_can_invite,
            email_otp_enabled: self.email_otp_enabled,
            security_defaults: self.security_defaults,
            invitation_ttl_days: self.invitation_ttl_days,
            privacy_url: self
                .privacy_url
                .as_deref()
                .map(PrivacyUrl::parse)
                .transpose()
                .stored("tenants.privacy_url")?,
        })
    }
}

/// The tenant named by `slug`, or a 404-shaped error.
pub async fn require_tenant(conn: &mut Conn, slug: &TenantSlug) -> Result<Tenant> {
    find_tenant_by_slug(conn, slug)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("The tenant '{}'", slug.as_str())).into())
}

/// Creates a tenant. A taken slug or domain is a conflict (the unique
/// constraints decide, so two creates at once cannot both succeed).
#[tracing::instrument(skip_all, fields(slug = %new.slug.as_str()))]
pub async fn create_tenant(
    pool: &Pool,
    new: &NewTenant,
    actor: &Actor,
    now: UnixTime,
) -> Result<Tenant> {
    let tenant = Tenant {
        id: uuid::Uuid::new_v4().to_string(),
        slug: new.slug.clone(),
        display_name: new.display_name.as_str().to_owned(),
        domain: new.domain.clone(),
        plan: new.licence.plan(),
        premium_seats: new.licence.seats(),
        members_can_invite: true,
        email_otp_enabled: true,
        security_defaults: false,
        invitation_ttl_days: 30,
        privacy_url: None,
    };
    db::write(pool, async |tx| {
        let (slug, domain, plan) = (
            tenant.slug.as_str(),
            tenant.domain.as_str(),
            tenant.plan.as_str(),
        );
        // A courtesy check for a message that names the clash; the unique
        // constraints are the rule when two creates race.
        let taken = sqlx::query_scalar!(
            "SELECT slug FROM tenants WHERE slug = $1 OR domain = $2 LIMIT 1",
            slug,
            domain
        )
        .fetch_optional(tx.conn())
        .await?;
        if let Some(existing) = taken {
            let what = if existing == slug {
                format!("The tenant slug '{slug}' is taken.")
            } else {
                format!("The domain '{domain}' already belongs to a tenant.")
            };
            return Err(AppError::Conflict(what).into());
        }
        sqlx::query!(
            "INSERT INTO tenants (id, slug, display_name, domain, plan, premium_seats, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            tenant.id,
            slug,
            tenant.display_name,
            domain,
            plan,
            tenant.premium_seats,
            now,
        )
        .execute(tx.conn())
        .await?;
        let event = Event::success(Action::TenantCreated, now)
            .by(actor)
            .tenant(&tenant.id)
            .target(slug)
            .detail(serde_json::json!({ "plan": plan, "seats": tenant.premium_seats }));
        audit::record(tx, event).await?;
        Ok(())
    })
    .await?;
    Ok(tenant)
}

/// How many guests the tenant has (every state counts: an invited guest
/// holds its seat share from the moment the object exists).
pub async fn count_guests(conn: &mut Conn, tenant_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        "SELECT COUNT(*) FROM users WHERE tenant_id = $1 AND user_type = 'Guest'",
        tenant_id
    )
    .fetch_one(conn)
    .await?)
}

/// Changes a tenant's plan. Refused, with the number of seats required, when
/// a premium licence would cover fewer guests than the tenant has; and
/// refused (`premiumRequired`) to move to free while an MFA policy is on or
/// report-only.
#[tracing::instrument(skip_all, fields(slug = %slug.as_str()))]
pub async fn set_plan(
    pool: &Pool,
    slug: &TenantSlug,
    licence: Licence,
    actor: &Actor,
    now: UnixTime,
) -> Result<Tenant> {
    db::write(pool, async |tx| {
        let tenant = require_tenant(tx, slug).await?;
        let guests = count_guests(tx, &tenant.id).await?;
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
        let (plan, seats) = (licence.plan().as_str(), licence.seats());
        sqlx::query!(
            "UPDATE tenants SET plan = $1, premium_seats = $2 WHERE id = $3",
            plan,
            seats,
            tenant.id
        )
        .execute(tx.conn())
        .await?;
        // MFA policies need premium. Checked after the update, which holds
        // the tenant row that a policy being switched on touches too (see
        // `policies::ssr`); the refusal rolls the update back.
        if licence.plan() == Plan::Free {
            let active = find_active_mfa_policy_names(tx, &tenant.id).await?;
            if !active.is_empty() {
                return Err(premium_still_required(&tenant, &active).into());
            }
        }
        let event = Event::success(Action::TenantPlanChanged, now)
            .by(actor)
            .tenant(&tenant.id)
            .target(tenant.slug.as_str())
            .detail(serde_json::json!({
                "from": { "plan": tenant.plan.as_str(), "seats": tenant.premium_seats },
                "to": { "plan": plan, "seats": seats },
            }));
        audit::record(tx, event).await?;
        Ok(Tenant {
            plan: licence.plan(),
            premium_seats: seats,
            ..tenant
        })
    })
    .await
}

/// Changes to a tenant's settings; `None` keeps a setting as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsChange {
    pub members_can_invite: Option<bool>,
    pub email_otp_enabled: Option<bool>,
    pub security_defaults: Option<bool>,
    /// 1 to 365.
    pub invitation_ttl_days: Option<i64>,
    /// `Some(None)` removes the tenant's own privacy statement.
    pub privacy_url: Option<Option<PrivacyUrl>>,
}

/// How long invitations stay valid, at most.
pub const MAX_INVITATION_TTL_DAYS: i64 = 365;

/// Changes the settings of the tenant `slug` in one statement, audited with
/// what changed.
#[tracing::instrument(skip_all, fields(slug = %slug.as_str()))]
pub async fn update_settings(
    pool: &Pool,
    slug: &TenantSlug,
    change: SettingsChange,
    actor: &Actor,
    now: UnixTime,
) -> Result<Tenant> {
    if let Some(days) = change.invitation_ttl_days {
        if !(1..=MAX_INVITATION_TTL_DAYS).contains(&days) {
            return Err(AppError::Invalid {
                field: "invitationTtlDays".into(),
                message: format!(
                    "Invitations stay valid from 1 to {MAX_INVITATION_TTL_DAYS} days."
                ),
            }
            .into());
        }
    }
    db::write(pool, async |tx| {
        let tenant = require_tenant(tx, slug).await?;
        let SettingsChange {
            members_can_invite,
            email_otp_enabled,
            security_defaults,
            invitation_ttl_days,
            privacy_url,
        } = change;
        let privacy_changes = privacy_url.is_some();
        let new_privacy_url = privacy_url.clone().flatten();
        let new_privacy_url = new_privacy_url.as_ref().map(PrivacyUrl::as_str);
        sqlx::query!(
            "UPDATE tenants SET members_can_invite = COALESCE($1, members_can_invite),
                                email_otp_enabled = COALESCE($2, email_otp_enabled),
                                security_defaults = COALESCE($3, security_defaults),
                                invitation_ttl_days = COALESCE($4, invitation_ttl_days),
                                privacy_url = CASE WHEN $5 THEN $6 ELSE privacy_url END
             WHERE id = $7",
            members_can_invite,
            email_otp_enabled,
            security_defaults,
            invitation_ttl_days,
            privacy_changes,
            new_privacy_url,
            tenant.id
        )
        .execute(tx.conn())
        .await?;
        let event = Event::success(Action::TenantSettingsChanged, now)
            .by(actor)
            .tenant(&tenant.id)
            .target(tenant.slug.as_str())
            .detail(serde_json::json!({
                "membersCanInvite": members_can_invite,
                "emailOtpEnabled": email_otp_enabled,
                "securityDefaults": security_defaults,
                "invitationTtlDays": invitation_ttl_days,
                "privacyUrl": privacy_url.as_ref().map(|url| url.as_ref().map(PrivacyUrl::as_str)),
            }));
        audit::record(tx, event).await?;
        Ok(Tenant {
            members_can_invite: members_can_invite.unwrap_or(tenant.members_can_invite),
            email_otp_enabled: email_otp_enabled.unwrap_or(tenant.email_otp_enabled),
            security_defaults: security_defaults.unwrap_or(tenant.security_defaults),
            invitation_ttl_days: invitation_ttl_days.unwrap_or(tenant.invitation_ttl_days),
            privacy_url: privacy_url.unwrap_or(tenant.privacy_url.clone()),
            ..tenant
        })
    })
    .await
}
