//! The policy store and its services: list, find, create, update, delete
//! (the Policies page and `/api/v1/policies`), an application's *Require
//! MFA* switch, and [`evaluate_for`], which the OIDC authorize step calls.
//!
//! Every service is scoped by the caller's tenant: another tenant's policy
//! is not found. Users and applications a policy lists must belong to the
//! tenant. Every write is one transaction, audited.
//!
//! The plan rule (DESIGN §1): a policy that requires MFA may be on or
//! report-only only on a premium tenant. Writing such a policy first
//! touches the tenant row with a guarded no-op update (`… WHERE plan =
//! 'premium'`), and `tenants::ssr::set_plan` changes the row before it
//! looks for such policies: the two writes serialise on that row, so a
//! policy switched on and the plan lowered at the same moment cannot both
//! succeed, on SQLite or PostgreSQL.

pub mod evaluate;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use serde_json::json;

pub use evaluate::{evaluate, AppliedPolicy, MfaRequirement, Outcome};

use super::{
    ApplicationChoice, IncludeUsers, MfaFreshness, PoliciesView, PolicyState, PolicyView,
    PREMIUM_REQUIRED,
};
use crate::domain::{DisplayName, Plan, Upn, UserType};
use crate::error::AppError;
use crate::ssr::audit::{self, Action, Event};
use crate::ssr::clock::UnixTime;
use crate::ssr::db::{self, Conn, Pool, Tx};
use crate::ssr::{Actor, Result, Stored};
use crate::tenants::ssr::Tenant;

/// Whom a policy includes: `U` is a user's id once stored, a [`UserRef`]
/// as input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Include<U = String> {
    All,
    Guests,
    Members,
    Listed(Vec<U>),
}

impl<U> Include<U> {
    pub fn kind(&self) -> IncludeUsers {
        match self {
            Self::All => IncludeUsers::All,
            Self::Guests => IncludeUsers::Guests,
            Self::Members => IncludeUsers::Members,
            Self::Listed(_) => IncludeUsers::Listed,
        }
    }
}

/// Which applications a policy covers (by id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applications {
    All,
    Listed(Vec<String>),
}

/// What a policy grants access with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub require_mfa: bool,
    /// Only passkeys and security keys count.
    pub phishing_resistant_only: bool,
}

/// A stored policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub state: PolicyState,
    pub include: Include,
    /// Excluded users' ids: exclusion beats inclusion.
    pub exclude: Vec<String>,
    pub applications: Applications,
    pub grant: Grant,
    /// `None`: an MFA of the session counts while the session lives.
    pub mfa_freshness: Option<MfaFreshness>,
    pub created_at: UnixTime,
    pub updated_at: UnixTime,
}

impl Policy {
    /// Requires MFA and is on or report-only: what needs premium.
    pub fn is_mfa_active(&self) -> bool {
        self.grant.require_mfa && self.state.is_evaluated()
    }
}

/// A user named in a policy's input: by object id (the REST API) or UPN
/// (the page). Either must be a user of the policy's tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserRef {
    Id(String),
    Upn(Upn),
}

impl UserRef {
    /// A UPN when it parses as one (it has an `@`), an id otherwise.
    pub fn parse(input: &str) -> Result<Self, crate::domain::ParseError> {
        let input = input.trim();
        if input.contains('@') {
            Upn::parse(input).map(Self::Upn)
        } else if input.is_empty() || input.len() > 64 {
            Err(crate::domain::ParseError(format!(
                "'{input}' is not a user id or user principal name."
            )))
        } else {
            Ok(Self::Id(input.to_owned()))
        }
    }

    fn as_str(&self) -> &str {
        match self {
            Self::Id(id) => id,
            Self::Upn(upn) => upn.as_str(),
        }
    }
}

/// A policy to create, already parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPolicy {
    pub name: DisplayName,
    pub state: PolicyState,
    pub include: Include<UserRef>,
    pub exclude: Vec<UserRef>,
    pub applications: Applications,
    pub grant: Grant,
    pub mfa_freshness: Option<MfaFreshness>,
}

/// Changes to a policy; `None` keeps a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyChange {
    pub name: Option<DisplayName>,
    pub state: Option<PolicyState>,
    pub include: Option<Include<UserRef>>,
    pub exclude: Option<Vec<UserRef>>,
    pub applications: Option<Applications>,
    pub require_mfa: Option<bool>,
    pub phishing_resistant_only: Option<bool>,
    /// `Some(None)` removes the freshness window.
    pub mfa_freshness: Option<Option<MfaFreshness>>,
}

impl From<NewPolicy> for PolicyChange {
    /// The change that makes a policy exactly `new`.
    fn from(new: NewPolicy) -> Self {
        Self {
            name: Some(new.name),
            state: Some(new.state),
            include: Some(new.include),
            exclude: Some(new.exclude),
            applications: Some(new.applications),
            require_mfa: Some(new.grant.require_mfa),
            phishing_resistant_only: Some(new.grant.phishing_resistant_only),
            mfa_freshness: Some(new.mfa_freshness),
        }
    }
}

/// The most users, or applications, one policy may list.
pub const MAX_LISTED: usize = 500;

// ---- reading ----------------------------------------------------------------

/// The tenant's policies, by name.
pub async fn list_policies(conn: &mut Conn, tenant: &Tenant) -> Result<Vec<Policy>> {
    load_policies(conn, &tenant.id, None).await
}

/// The tenant's policy `id`; another tenant's is not found.
pub async fn find_policy(conn: &mut Conn, tenant: &Tenant, id: &str) -> Result<Policy> {
    load_policies(conn, &tenant.id, Some(id))
        .await?
        .pop()
        .ok_or_else(|| policy_not_found(id))
}

fn policy_not_found(id: &str) -> crate::ssr::Error {
    AppError::NotFound(format!("The policy '{id}'")).into()
}

/// Policies of `tenant_id` (all, or the one `only`) with their lists: three
/// queries, each by the tenant's policies.
async fn load_policies(
    conn: &mut Conn,
    tenant_id: &str,
    only: Option<&str>,
) -> Result<Vec<Policy>> {
    let rows = sqlx::query!(
        r#"SELECT id, tenant_id, name, state, include_users,
                  all_applications AS "all_applications: bool",
                  require_mfa AS "require_mfa: bool",
                  phishing_resistant_only AS "phishing_resistant_only: bool",
                  mfa_freshness_minutes, created_at, updated_at
           FROM policies
           WHERE tenant_id = $1 AND ($2 IS NULL OR id = $2)
           ORDER BY name"#,
        tenant_id,
        only
    )
    .fetch_all(&mut *conn)
    .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let users = sqlx::query!(
        r#"SELECT pu.policy_id, pu.user_id, pu.excluded AS "excluded: bool"
           FROM policy_users pu JOIN policies p ON p.id = pu.policy_id
           WHERE p.tenant_id = $1 AND ($2 IS NULL OR p.id = $2)
           ORDER BY pu.policy_id, pu.user_id"#,
        tenant_id,
        only
    )
    .fetch_all(&mut *conn)
    .await?;
    let apps = sqlx::query!(
        r#"SELECT pa.policy_id, pa.application_id
           FROM policy_applications pa JOIN policies p ON p.id = pa.policy_id
           WHERE p.tenant_id = $1 AND ($2 IS NULL OR p.id = $2)
           ORDER BY pa.policy_id, pa.application_id"#,
        tenant_id,
        only
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut included: HashMap<String, Vec<String>> = HashMap::new();
    let mut excluded: HashMap<String, Vec<String>> = HashMap::new();
    for row in users {
        let list = if row.excluded {
            &mut excluded
        } else {
            &mut included
        };
        list.entry(row.policy_id).or_default().push(row.user_id);
    }
    let mut listed_apps: HashMap<String, Vec<String>> = HashMap::new();
    for row in apps {
        listed_apps
            .entry(row.policy_id)
            .or_default()
            .push(row.application_id);
    }
    rows.into_iter()
        .map(|row| {
            let include =
                match IncludeUsers::parse(&row.include_users).stored("policies.include_users")? {
                    IncludeUsers::All => Include::All,
                    IncludeUsers::Guests => Include::Guests,
                    IncludeUsers::Members => Include::Members,
                    IncludeUsers::Listed => {
                        Include::Listed(included.remove(&row.id).unwrap_or_default())
                    }
                };
            let applications = if row.all_applications {
                Applications::All
            } else {
                Applications::Listed(listed_apps.remove(&row.id).unwrap_or_default())
            };
            Ok(Policy {
                state: PolicyState::parse(&row.state).stored("policies.state")?,
                include,
                exclude: excluded.remove(&row.id).unwrap_or_default(),
                applications,
                grant: Grant {
                    require_mfa: row.require_mfa,
                    phishing_resistant_only: row.phishing_resistant_only,
                },
                mfa_freshness: row
                    .mfa_freshness_minutes
                    .map(MfaFreshness::from_minutes)
                    .transpose()
                    .stored("policies.mfa_freshness_minutes")?,
                id: row.id,
                tenant_id: row.tenant_id,
                name: row.name,
                created_at: row.created_at,
                updated_at: row.updated_at,
            })
        })
        .collect()
}

/// The tenant's applications, by name: what a policy may list.
pub async fn list_application_choices(
    conn: &mut Conn,
    tenant: &Tenant,
) -> Result<Vec<ApplicationChoice>> {
    let rows = sqlx::query!(
        "SELECT id, display_name FROM applications WHERE tenant_id = $1
         ORDER BY display_name, id",
        tenant.id
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| ApplicationChoice {
            id: row.id,
            name: row.display_name,
        })
        .collect())
}

/// The UPNs of the users the tenant's policies list, by id.
async fn find_listed_upns(conn: &mut Conn, tenant: &Tenant) -> Result<HashMap<String, String>> {
    let rows = sqlx::query!(
        "SELECT DISTINCT u.id, u.user_principal_name
         FROM policy_users pu
         JOIN policies p ON p.id = pu.policy_id
         JOIN users u ON u.id = pu.user_id
         WHERE p.tenant_id = $1",
        tenant.id
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.id, row.user_principal_name))
        .collect())
}

/// Everything the Policies page shows.
pub async fn policies_view(conn: &mut Conn, tenant: &Tenant) -> Result<PoliciesView> {
    let policies = list_policies(conn, tenant).await?;
    let applications = list_application_choices(conn, tenant).await?;
    let upns = find_listed_upns(conn, tenant).await?;
    let upns_of = |ids: &[String]| {
        let mut upns: Vec<String> = ids
            .iter()
            .map(|id| upns.get(id).cloned().unwrap_or_else(|| id.clone()))
            .collect();
        upns.sort();
        upns
    };
    let app_names: HashMap<&str, &str> = applications
        .iter()
        .map(|app| (app.id.as_str(), app.name.as_str()))
        .collect();
    let views = policies
        .iter()
        .map(|policy| PolicyView {
            id: policy.id.clone(),
            name: policy.name.clone(),
            state: policy.state,
            include: policy.include.kind(),
            included_users: match &policy.include {
                Include::Listed(ids) => upns_of(ids),
                _ => Vec::new(),
            },
            excluded_users: upns_of(&policy.exclude),
            applications: match &policy.applications {
                Applications::All => None,
                Applications::Listed(ids) => Some(
                    ids.iter()
                        .map(|id| ApplicationChoice {
                            id: id.clone(),
                            name: app_names.get(id.as_str()).unwrap_or(&"?").to_string(),
                        })
                        .collect(),
                ),
            },
            require_mfa: policy.grant.require_mfa,
            phishing_resistant_only: policy.grant.phishing_resistant_only,
            mfa_freshness_minutes: policy.mfa_freshness.map(MfaFreshness::minutes),
            modified: crate::ssr::date(policy.updated_at),
        })
        .collect();
    Ok(PoliciesView {
        tenant_name: tenant.display_name.clone(),
        premium: tenant.plan == Plan::Premium,
        policies: views,
        applications,
    })
}

// ---- evaluation ---------------------------------------------------------------

/// What the tenant's policies require of the user `user_id` (a guest or a
/// member of `tenant_id`) opening the application `application_id`: the
/// policies that are on or report-only, read in one query, evaluated by
/// [`evaluate`]. Their user and application lists are read only as far as
/// they name this user and this application — all the evaluation looks at —
/// through the lists' primary keys.
#[tracing::instrument(skip(conn))]
pub async fn evaluate_for(
    conn: &mut Conn,
    tenant_id: &str,
    user_id: &str,
    user_kind: UserType,
    application_id: &str,
) -> Result<Outcome> {
    let rows = sqlx::query!(
        r#"SELECT p.id, p.name, p.state, p.include_users,
                  p.all_applications AS "all_applications: bool",
                  p.phishing_resistant_only AS "phishing_resistant_only: bool",
                  p.mfa_freshness_minutes,
                  EXISTS (SELECT 1 FROM policy_users pu
                          WHERE pu.policy_id = p.id AND pu.user_id = $2
                            AND pu.excluded = FALSE) AS "listed!: bool",
                  EXISTS (SELECT 1 FROM policy_users pu
                          WHERE pu.policy_id = p.id AND pu.user_id = $2
                            AND pu.excluded = TRUE) AS "excluded!: bool",
                  EXISTS (SELECT 1 FROM policy_applications pa
                          WHERE pa.policy_id = p.id
                            AND pa.application_id = $3) AS "application_listed!: bool"
           FROM policies p
           WHERE p.tenant_id = $1 AND p.state <> 'off' AND p.require_mfa = TRUE
           ORDER BY p.name"#,
        tenant_id,
        user_id,
        application_id
    )
    .fetch_all(conn)
    .await?;
    let mine = |yes: bool, id: &str| if yes { vec![id.to_owned()] } else { Vec::new() };
    let policies = rows
        .into_iter()
        .map(|row| {
            let include =
                match IncludeUsers::parse(&row.include_users).stored("policies.include_users")? {
                    IncludeUsers::All => Include::All,
                    IncludeUsers::Guests => Include::Guests,
                    IncludeUsers::Members => Include::Members,
                    IncludeUsers::Listed => Include::Listed(mine(row.listed, user_id)),
                };
            let applications = if row.all_applications {
                Applications::All
            } else {
                Applications::Listed(mine(row.application_listed, application_id))
            };
            Ok(Policy {
                state: PolicyState::parse(&row.state).stored("policies.state")?,
                include,
                exclude: mine(row.excluded, user_id),
                applications,
                grant: Grant {
                    require_mfa: true,
                    phishing_resistant_only: row.phishing_resistant_only,
                },
                mfa_freshness: row
                    .mfa_freshness_minutes
                    .map(MfaFreshness::from_minutes)
                    .transpose()
                    .stored("policies.mfa_freshness_minutes")?,
                id: row.id,
                tenant_id: tenant_id.to_owned(),
                name: row.name,
                created_at: 0,
                updated_at: 0,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(evaluate(&policies, user_id, user_kind, application_id))
}

// ---- writing ------------------------------------------------------------------

/// Creates a policy in `tenant`.
#[tracing::instrument(skip_all, fields(tenant = %tenant.slug.as_str()))]
pub async fn create_policy(
    pool: &Pool,
    tenant: &Tenant,
    new: NewPolicy,
    actor: &Actor,
    now: UnixTime,
) -> Result<Policy> {
    db::write(pool, async |tx| {
        create_in(tx, tenant, new, actor, now).await
    })
    .await
}

/// Changes the tenant's policy `id` as `change` says.
#[tracing::instrument(skip_all, fields(tenant = %tenant.slug.as_str()))]
pub async fn update_policy(
    pool: &Pool,
    tenant: &Tenant,
    id: &str,
    change: PolicyChange,
    actor: &Actor,
    now: UnixTime,
) -> Result<Policy> {
    db::write(pool, async |tx| {
        let current = find_policy(tx, tenant, id).await?;
        update_in(tx, tenant, current, change, actor, now).await
    })
    .await
}

/// Deletes the tenant's policy `id`.
#[tracing::instrument(skip_all, fields(tenant = %tenant.slug.as_str()))]
pub async fn delete_policy(
    pool: &Pool,
    tenant: &Tenant,
    id: &str,
    actor: &Actor,
    now: UnixTime,
) -> Result<()> {
    db::write(pool, async |tx| {
        let name = sqlx::query_scalar!(
            "DELETE FROM policies WHERE id = $1 AND tenant_id = $2 RETURNING name",
            id,
            tenant.id
        )
        .fetch_optional(tx.conn())
        .await?
        .ok_or_else(|| policy_not_found(id))?;
        let event = Event::success(Action::PolicyDeleted, now)
            .by(actor)
            .tenant(&tenant.id)
            .target(id)
            .detail(json!({ "name": name }));
        audit::record(tx, event).await?;
        Ok(())
    })
    .await
}

/// A policy as it will be written: users resolved to ids of the tenant.
struct Draft {
    name: String,
    state: PolicyState,
    include: Include,
    exclude: Vec<String>,
    applications: Applications,
    grant: Grant,
    mfa_freshness: Option<MfaFreshness>,
}

impl Draft {
    fn is_mfa_active(&self) -> bool {
        self.grant.require_mfa && self.state.is_evaluated()
    }
}

async fn create_in(
    tx: &mut Tx,
    tenant: &Tenant,
    new: NewPolicy,
    actor: &Actor,
    now: UnixTime,
) -> Result<Policy> {
    let draft = Draft {
        name: new.name.as_str().to_owned(),
        state: new.state,
        include: resolve_include(tx, tenant, new.include).await?,
        exclude: resolve_users(tx, tenant, new.exclude, "excludeUsers").await?,
        applications: check_applications(tx, tenant, new.applications).await?,
        grant: new.grant,
        mfa_freshness: new.mfa_freshness,
    };
    let id = uuid::Uuid::new_v4().to_string();
    check_draft(tx, tenant, &id, &draft).await?;
    let (state, include) = (draft.state.as_str(), draft.include.kind().as_str());
    let all_applications = draft.applications == Applications::All;
    let freshness = draft.mfa_freshness.map(MfaFreshness::minutes);
    sqlx::query!(
        "INSERT INTO policies (id, tenant_id, name, state, include_users, all_applications,
                               require_mfa, phishing_resistant_only, mfa_freshness_minutes,
                               created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
        id,
        tenant.id,
        draft.name,
        state,
        include,
        all_applications,
        draft.grant.require_mfa,
        draft.grant.phishing_resistant_only,
        freshness,
        now
    )
    .execute(tx.conn())
    .await?;
    write_lists(tx, &id, &draft).await?;
    let policy = draft.into_policy(id, tenant, now, now);
    let event = Event::success(Action::PolicyCreated, now)
        .by(actor)
        .tenant(&tenant.id)
        .target(&policy.id)
        .detail(summary(&policy));
    audit::record(tx, event).await?;
    Ok(policy)
}

async fn update_in(
    tx: &mut Tx,
    tenant: &Tenant,
    current: Policy,
    change: PolicyChange,
    actor: &Actor,
    now: UnixTime,
) -> Result<Policy> {
    let include = match change.include {
        Some(include) => resolve_include(tx, tenant, include).await?,
        None => current.include.clone(),
    };
    let exclude = match change.exclude {
        Some(exclude) => resolve_users(tx, tenant, exclude, "excludeUsers").await?,
        None => current.exclude.clone(),
    };
    let applications = match change.applications {
        Some(applications) => check_applications(tx, tenant, applications).await?,
        None => current.applications.clone(),
    };
    let draft = Draft {
        name: change
            .name
            .map_or_else(|| current.name.clone(), |name| name.as_str().to_owned()),
        state: change.state.unwrap_or(current.state),
        include,
        exclude,
        applications,
        grant: Grant {
            require_mfa: change.require_mfa.unwrap_or(current.grant.require_mfa),
            phishing_resistant_only: change
                .phishing_resistant_only
                .unwrap_or(current.grant.phishing_resistant_only),
        },
        mfa_freshness: change.mfa_freshness.unwrap_or(current.mfa_freshness),
    };
    check_draft(tx, tenant, &current.id, &draft).await?;
    let (state, include) = (draft.state.as_str(), draft.include.kind().as_str());
    let all_applications = draft.applications == Applications::All;
    let freshness = draft.mfa_freshness.map(MfaFreshness::minutes);
    sqlx::query!(
        "UPDATE policies SET name = $1, state = $2, include_users = $3, all_applications = $4,
                             require_mfa = $5, phishing_resistant_only = $6,
                             mfa_freshness_minutes = $7, updated_at = $8
         WHERE id = $9 AND tenant_id = $10",
        draft.name,
        state,
        include,
        all_applications,
        draft.grant.require_mfa,
        draft.grant.phishing_resistant_only,
        freshness,
        now,
        current.id,
        tenant.id
    )
    .execute(tx.conn())
    .await?;
    sqlx::query!("DELETE FROM policy_users WHERE policy_id = $1", current.id)
        .execute(tx.conn())
        .await?;
    sqlx::query!(
        "DELETE FROM policy_applications WHERE policy_id = $1",
        current.id
    )
    .execute(tx.conn())
    .await?;
    write_lists(tx, &current.id, &draft).await?;
    let previous_state = current.state.as_str();
    let policy = draft.into_policy(current.id, tenant, current.created_at, now);
    let mut detail = summary(&policy);
    detail["previousState"] = json!(previous_state);
    let event = Event::success(Action::PolicyUpdated, now)
        .by(actor)
        .tenant(&tenant.id)
        .target(&policy.id)
        .detail(detail);
    audit::record(tx, event).await?;
    Ok(policy)
}

impl Draft {
    fn into_policy(
        self,
        id: String,
        tenant: &Tenant,
        created_at: UnixTime,
        updated_at: UnixTime,
    ) -> Policy {
        Policy {
            id,
            tenant_id: tenant.id.clone(),
            name: self.name,
            state: self.state,
            include: self.include,
            exclude: self.exclude,
            applications: self.applications,
            grant: self.grant,
            mfa_freshness: self.mfa_freshness,
            created_at,
            updated_at,
        }
    }
}

/// The rules a policy must keep, checked inside the write: the lists'
/// sizes, a grant that makes sense, a name of its own, and the plan.
async fn check_draft(tx: &mut Tx, tenant: &Tenant, id: &str, draft: &Draft) -> Result<()> {
    if let Include::Listed(users) = &draft.include {
        if users.is_empty() {
            return Err(invalid(
                "includeUsers",
                "List at least one user to include.",
            ));
        }
    }
    if let Applications::Listed(apps) = &draft.applications {
        if apps.is_empty() {
            return Err(invalid(
                "includeApplications",
                "Choose at least one application, or all applications.",
            ));
        }
    }
    if !draft.grant.require_mfa && draft.grant.phishing_resistant_only {
        return Err(invalid(
            "grantControls",
            "Phishing-resistant only applies to a policy that requires MFA.",
        ));
    }
    let taken = sqlx::query_scalar!(
        "SELECT id FROM policies WHERE tenant_id = $1 AND name = $2 AND id <> $3",
        tenant.id,
        draft.name,
        id
    )
    .fetch_optional(tx.conn())
    .await?;
    if taken.is_some() {
        return Err(
            AppError::Conflict(format!("A policy named '{}' exists already.", draft.name)).into(),
        );
    }
    if draft.is_mfa_active() {
        require_premium(tx, tenant).await?;
    }
    Ok(())
}

/// Refuses unless the tenant is premium now. The guarded no-op update
/// holds the tenant row until the transaction ends (see the module doc).
async fn require_premium(tx: &mut Tx, tenant: &Tenant) -> Result<()> {
    let premium = sqlx::query!(
        "UPDATE tenants SET plan = plan WHERE id = $1 AND plan = 'premium'",
        tenant.id
    )
    .execute(tx.conn())
    .await?
    .rows_affected();
    if premium == 1 {
        return Ok(());
    }
    Err(AppError::refused(
        PREMIUM_REQUIRED,
        format!(
            "MFA policies need the premium plan, and {} is on the free plan: \
             a policy that requires MFA can only be off.",
            tenant.display_name
        ),
    )
    .into())
}

/// The names of the tenant's policies that require MFA and are on or
/// report-only (at most five): while there is one, the tenant stays premium.
pub async fn find_active_mfa_policy_names(conn: &mut Conn, tenant_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar!(
        "SELECT name FROM policies
         WHERE tenant_id = $1 AND require_mfa = TRUE AND state <> 'off'
         ORDER BY name LIMIT 5",
        tenant_id
    )
    .fetch_all(conn)
    .await?)
}

/// The refusal to move `tenant` to the free plan while the policies
/// `names` require MFA.
pub fn premium_still_required(tenant: &Tenant, names: &[String]) -> AppError {
    let names = names
        .iter()
        .map(|name| format!("'{name}'"))
        .collect::<Vec<_>>()
        .join(", ");
    AppError::refused(
        PREMIUM_REQUIRED,
        format!(
            "{} has MFA policies that are on or report-only ({names}); MFA policies need \
             the premium plan. Turn them off first.",
            tenant.display_name
        ),
    )
}

fn invalid(field: &str, message: impl Into<String>) -> crate::ssr::Error {
    AppError::Invalid {
        field: field.to_owned(),
        message: message.into(),
    }
    .into()
}

async fn resolve_include(
    tx: &mut Tx,
    tenant: &Tenant,
    include: Include<UserRef>,
) -> Result<Include> {
    Ok(match include {
        Include::All => Include::All,
        Include::Guests => Include::Guests,
        Include::Members => Include::Members,
        Include::Listed(users) => {
            Include::Listed(resolve_users(tx, tenant, users, "includeUsers").await?)
        }
    })
}

/// The ids of `users`, each a user of `tenant`, without repeats; `field`
/// names the list in an error.
async fn resolve_users(
    tx: &mut Tx,
    tenant: &Tenant,
    users: Vec<UserRef>,
    field: &str,
) -> Result<Vec<String>> {
    if users.len() > MAX_LISTED {
        return Err(invalid(
            field,
            format!("A policy lists at most {MAX_LISTED} users."),
        ));
    }
    let mut ids = Vec::with_capacity(users.len());
    for user in users {
        let id = match &user {
            UserRef::Id(id) => {
                sqlx::query_scalar!(
                    "SELECT id FROM users WHERE id = $1 AND tenant_id = $2",
                    id,
                    tenant.id
                )
                .fetch_optional(tx.conn())
                .await?
            }
            UserRef::Upn(upn) => {
                let upn = upn.as_str();
                sqlx::query_scalar!(
                    "SELECT id FROM users WHERE user_principal_name = $1 AND tenant_id = $2",
                    upn,
                    tenant.id
                )
                .fetch_optional(tx.conn())
                .await?
            }
        };
        let id = id.ok_or_else(|| {
            invalid(
                field,
                format!("{} has no user '{}'.", tenant.display_name, user.as_str()),
            )
        })?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// `applications`, each an application of `tenant`, without repeats.
async fn check_applications(
    tx: &mut Tx,
    tenant: &Tenant,
    applications: Applications,
) -> Result<Applications> {
    let Applications::Listed(listed) = applications else {
        return Ok(Applications::All);
    };
    if listed.len() > MAX_LISTED {
        return Err(invalid(
            "includeApplications",
            format!("A policy lists at most {MAX_LISTED} applications."),
        ));
    }
    let mut ids = Vec::with_capacity(listed.len());
    for id in listed {
        let found = sqlx::query_scalar!(
            "SELECT id FROM applications WHERE id = $1 AND tenant_id = $2",
            id,
            tenant.id
        )
        .fetch_optional(tx.conn())
        .await?;
        if found.is_none() {
            return Err(invalid(
                "includeApplications",
                format!("{} has no application '{id}'.", tenant.display_name),
            ));
        }
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(Applications::Listed(ids))
}

async fn write_lists(tx: &mut Tx, policy_id: &str, draft: &Draft) -> Result<()> {
    let included: &[String] = match &draft.include {
        Include::Listed(ids) => ids,
        _ => &[],
    };
    for (user_id, excluded) in included
        .iter()
        .map(|id| (id, false))
        .chain(draft.exclude.iter().map(|id| (id, true)))
    {
        // A user both listed and excluded is stored once, as excluded:
        // exclusion wins anyway.
        if !excluded && draft.exclude.contains(user_id) {
            continue;
        }
        sqlx::query!(
            "INSERT INTO policy_users (policy_id, user_id, excluded) VALUES ($1, $2, $3)",
            policy_id,
            user_id,
            excluded
        )
        .execute(tx.conn())
        .await?;
    }
    if let Applications::Listed(ids) = &draft.applications {
        for application_id in ids {
            sqlx::query!(
                "INSERT INTO policy_applications (policy_id, application_id) VALUES ($1, $2)",
                policy_id,
                application_id
            )
            .execute(tx.conn())
            .await?;
        }
    }
    Ok(())
}

/// A policy in an audit event: what it does, users by count.
fn summary(policy: &Policy) -> serde_json::Value {
    json!({
        "name": policy.name,
        "state": policy.state.as_str(),
        "include": policy.include.kind().as_str(),
        "includedUsers": match &policy.include {
            Include::Listed(ids) => ids.len(),
            _ => 0,
        },
        "excludedUsers": policy.exclude.len(),
        "applications": match &policy.applications {
            Applications::All => json!("all"),
            Applications::Listed(ids) => json!(ids),
        },
        "requireMfa": policy.grant.require_mfa,
        "phishingResistantOnly": policy.grant.phishing_resistant_only,
        "freshnessMinutes": policy.mfa_freshness.map(MfaFreshness::minutes),
    })
}

// ---- an application's Require MFA switch --------------------------------------

/// The *Require MFA* switch of an application's page: `on` writes — or
/// switches on — one policy that requires MFA of every user of the
/// application (named "Require MFA for <application>"); off switches it
/// off (kept, with its settings, for the next time). Idempotent: a switch
/// already where it is asked to be writes nothing. Runs in the caller's
/// transaction, so creating an application with `--require-mfa` is one.
///
/// The policy is the tenant's first one that includes all users, excludes
/// none and lists exactly this application — the one of that name first —
/// whatever it was later renamed to. On a free tenant, switching on is
/// refused with `premiumRequired`. Answers the policy after the change
/// (`None` when off and none exists).
pub async fn require_mfa_for_application(
    tx: &mut Tx,
    tenant: &Tenant,
    actor: &Actor,
    application_id: &str,
    on: bool,
    now: UnixTime,
) -> Result<Option<Policy>> {
    let app_name = find_application_name(tx, tenant, application_id).await?;
    let name = shortcut_name(&app_name);
    let existing = find_shortcut(tx, tenant, application_id, &name).await?;
    match (existing, on) {
        (Some(policy), true) if policy.state == PolicyState::On && policy.grant.require_mfa => {
            Ok(Some(policy))
        }
        (Some(policy), false) if policy.state == PolicyState::Off => Ok(Some(policy)),
        (Some(policy), on) => {
            let change = PolicyChange {
                state: Some(if on {
                    PolicyState::On
                } else {
                    PolicyState::Off
                }),
                require_mfa: on.then_some(true),
                ..PolicyChange::default()
            };
            Ok(Some(
                update_in(tx, tenant, policy, change, actor, now).await?,
            ))
        }
        (None, false) => Ok(None),
        (None, true) => {
            let new = NewPolicy {
                name: DisplayName::parse(&name).map_err(|e| invalid("displayName", e.0))?,
                state: PolicyState::On,
                include: Include::All,
                exclude: Vec::new(),
                applications: Applications::Listed(vec![application_id.to_owned()]),
                grant: Grant {
                    require_mfa: true,
                    phishing_resistant_only: false,
                },
                mfa_freshness: None,
            };
            Ok(Some(create_in(tx, tenant, new, actor, now).await?))
        }
    }
}

/// Whether the *Require MFA* switch of the application is on: its policy
/// (see [`require_mfa_for_application`]) is on and requires MFA. Other
/// policies may require MFA for the application too; the Policies page
/// shows them.
pub async fn application_requires_mfa(
    conn: &mut Conn,
    tenant: &Tenant,
    application_id: &str,
) -> Result<bool> {
    let app_name = find_application_name(conn, tenant, application_id).await?;
    let shortcut = find_shortcut(conn, tenant, application_id, &shortcut_name(&app_name)).await?;
    Ok(shortcut.is_some_and(|policy| policy.state == PolicyState::On && policy.grant.require_mfa))
}

fn shortcut_name(app_name: &str) -> String {
    // Within a display name's 256 characters, whatever the app's name.
    let app_name: String = app_name.chars().take(200).collect();
    format!("Require MFA for {app_name}")
}

async fn find_application_name(
    conn: &mut Conn,
    tenant: &Tenant,
    application_id: &str,
) -> Result<String> {
    sqlx::query_scalar!(
        "SELECT display_name FROM applications WHERE id = $1 AND tenant_id = $2",
        application_id,
        tenant.id
    )
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| AppError::NotFound(format!("The application '{application_id}'")).into())
}

async fn find_shortcut(
    conn: &mut Conn,
    tenant: &Tenant,
    application_id: &str,
    name: &str,
) -> Result<Option<Policy>> {
    let id = sqlx::query_scalar!(
        "SELECT p.id FROM policies p
         WHERE p.tenant_id = $1 AND p.include_users = 'all' AND p.all_applications = FALSE
           AND EXISTS (SELECT 1 FROM policy_applications pa
                       WHERE pa.policy_id = p.id AND pa.application_id = $2)
           AND NOT EXISTS (SELECT 1 FROM policy_applications pa
                           WHERE pa.policy_id = p.id AND pa.application_id <> $2)
           AND NOT EXISTS (SELECT 1 FROM policy_users pu WHERE pu.policy_id = p.id)
         ORDER BY CASE WHEN p.name = $3 THEN 0 ELSE 1 END, p.created_at, p.id
         LIMIT 1",
        tenant.id,
        application_id,
        name
    )
    .fetch_optional(&mut *conn)
    .await?;
    match id {
        Some(id) => Ok(Some(find_policy(conn, tenant, &id).await?)),
        None => Ok(None),
    }
}
