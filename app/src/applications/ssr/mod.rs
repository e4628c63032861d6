//! The application store and services (DESIGN §2 Application, Assignment):
//! what the Applications pages, `/api/v1/applications` and `gatehouse app`
//! all call.
//!
//! Every function takes the caller's tenant — from the admin's session, the
//! API token or the operator's `--tenant` — and reads or changes only that
//! tenant's rows: another tenant's application is not found, exactly like
//! an unknown one. Every change is one transaction with its audit event.
//!
//! A confidential client's secret is 256 random bits, handed out once (by
//! [`create_application`] and [`new_client_secret`]) and stored only as its
//! SHA-256 (`applications.client_secret_hash`, the form
//! [`crate::ssr::crypto::token_hash`] makes). The OpenID Connect provider
//! reads the tables directly for client lookup, secret checks and exact
//! redirect URI matching.

use std::collections::HashMap;

use secrecy::{ExposeSecret, SecretString};

use crate::domain::{
    ApplicationName, ClientType, ParseError, RedirectUri, RedirectUris, Upn, UserType,
};
use crate::error::AppError;
use crate::ssr::audit::{self, Action, Event};
use crate::ssr::clock::UnixTime;
use crate::ssr::crypto::{random_token, token_hash};
use crate::ssr::db::{self, Conn, Pool, Tx};
use crate::ssr::{Actor, Result, Stored};
use crate::tenants::ssr::Tenant;

#[cfg(test)]
mod tests;

/// An application of a tenant (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub id: String,
    pub tenant_id: String,
    pub name: ApplicationName,
    /// The OAuth `client_id`: a UUID, unique in the deployment.
    pub client_id: String,
    pub client_type: ClientType,
    /// Compared exactly with an authorization request's `redirect_uri`.
    pub redirect_uris: RedirectUris,
    /// Only assigned users may sign in when set.
    pub assignment_required: bool,
    pub created_at: UnixTime,
}

/// What it takes to register an application, already parsed.
#[derive(Debug, Clone)]
pub struct NewApplication {
    pub name: ApplicationName,
    pub redirect_uris: RedirectUris,
    pub client_type: ClientType,
    pub assignment_required: bool,
    /// Write the application's "Require MFA" policy with it, in the same
    /// transaction (premium tenants only, like every MFA policy).
    pub require_mfa: bool,
}

/// A new application and — for a confidential client — its secret, which
/// exists only here: show it once.
#[derive(Debug)]
pub struct CreatedApplication {
    pub application: Application,
    pub client_secret: Option<SecretString>,
}

/// Changes to an application; `None` keeps a field as it is. The redirect
/// URIs are replaced as a whole.
#[derive(Debug, Clone, Default)]
pub struct ApplicationChange {
    pub name: Option<ApplicationName>,
    pub redirect_uris: Option<RedirectUris>,
    pub assignment_required: Option<bool>,
}

impl ApplicationChange {
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.redirect_uris.is_none() && self.assignment_required.is_none()
    }
}

/// A user named by an admin: by object id or by user principal name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserRef {
    Id(String),
    Upn(Upn),
}

impl UserRef {
    /// A UPN when the input has an `@`, an object id otherwise.
    pub fn parse(input: &str) -> std::result::Result<Self, ParseError> {
        let input = input.trim();
        if input.contains('@') {
            return Upn::parse(input).map(Self::Upn);
        }
        if input.is_empty() || input.len() > 100 {
            return Err(ParseError(
                "Enter a user principal name, like megan@woodgrove.test.".into(),
            ));
        }
        Ok(Self::Id(input.to_owned()))
    }

    fn as_str(&self) -> &str {
        match self {
            Self::Id(id) => id,
            Self::Upn(upn) => upn.as_str(),
        }
    }
}

/// A user assigned to an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignedUser {
    pub user_id: String,
    pub upn: Upn,
    pub display_name: String,
    pub user_type: UserType,
    pub assigned_at: UnixTime,
}

/// The columns of an `applications` row, decoded with its redirect URIs.
struct ApplicationRow {
    id: String,
    tenant_id: String,
    display_name: String,
    client_id: String,
    public_client: bool,
    assignment_required: bool,
    created_at: UnixTime,
}

impl ApplicationRow {
    fn decode(self, uris: Vec<String>) -> Result<Application> {
        let uris = uris
            .iter()
            .map(|uri| RedirectUri::parse(uri))
            .collect::<std::result::Result<Vec<_>, _>>()
            .stored("application_redirect_uris.uri")?;
        Ok(Application {
            name: ApplicationName::parse(&self.display_name).stored("applications.display_name")?,
            redirect_uris: RedirectUris::new(uris).stored("application_redirect_uris")?,
            client_type: ClientType::from_public(self.public_client),
            id: self.id,
            tenant_id: self.tenant_id,
            client_id: self.client_id,
            assignment_required: self.assignment_required,
            created_at: self.created_at,
        })
    }
}

/// The columns every application query reads.
macro_rules! select_application {
    ($where:tt, $($arg:expr),*) => {
        sqlx::query_as!(
            ApplicationRow,
            r#"SELECT id, tenant_id, display_name, client_id,
                      public_client AS "public_client: bool",
                      assignment_required AS "assignment_required: bool", created_at
               FROM applications WHERE "# + $where,
            $($arg),*
        )
    };
}

async fn redirect_uris_of(conn: &mut Conn, application_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar!(
        "SELECT uri FROM application_redirect_uris WHERE application_id = $1 ORDER BY uri",
        application_id
    )
    .fetch_all(conn)
    .await?)
}

async fn decode_one(conn: &mut Conn, row: Option<ApplicationRow>) -> Result<Option<Application>> {
    let Some(row) = row else {
        return Ok(None);
    };
    let uris = redirect_uris_of(conn, &row.id).await?;
    row.decode(uris).map(Some)
}

/// The tenant's applications, by name.
pub async fn list_applications(conn: &mut Conn, tenant: &Tenant) -> Result<Vec<Application>> {
    let rows = select_application!("tenant_id = $1 ORDER BY display_name, id", tenant.id)
        .fetch_all(&mut *conn)
        .await?;
    let uris = sqlx::query!(
        "SELECT r.application_id, r.uri FROM application_redirect_uris r
         JOIN applications a ON a.id = r.application_id
         WHERE a.tenant_id = $1 ORDER BY r.application_id, r.uri",
        tenant.id
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut by_application: HashMap<String, Vec<String>> = HashMap::new();
    for row in uris {
        by_application
            .entry(row.application_id)
            .or_default()
            .push(row.uri);
    }
    rows.into_iter()
        .map(|row| {
            let uris = by_application.remove(&row.id).unwrap_or_default();
            row.decode(uris)
        })
        .collect()
}

/// The tenant's application `id`; `None` for an unknown id and for
/// another tenant's application alike.
pub async fn find_application(
    conn: &mut Conn,
    tenant: &Tenant,
    id: &str,
) -> Result<Option<Application>> {
    let row = select_application!("id = $1 AND tenant_id = $2", id, tenant.id)
        .fetch_optional(&mut *conn)
        .await?;
    decode_one(conn, row).await
}

/// [`find_application`], or `NotFound`.
pub async fn require_application(
    conn: &mut Conn,
    tenant: &Tenant,
    id: &str,
) -> Result<Application> {
    find_application(conn, tenant, id)
        .await?
        .ok_or_else(|| AppError::NotFound("The application".into()).into())
}

/// The tenant's application whose OAuth client id is `client_id`; `None`
/// when no application of this tenant has it.
pub async fn find_application_by_client_id(
    conn: &mut Conn,
    tenant: &Tenant,
    client_id: &str,
) -> Result<Option<Application>> {
    let row = select_application!("client_id = $1 AND tenant_id = $2", client_id, tenant.id)
        .fetch_optional(&mut *conn)
        .await?;
    decode_one(conn, row).await
}

/// Whether `user_id` is assigned to the application `application_id`.
pub async fn is_assigned(conn: &mut Conn, application_id: &str, user_id: &str) -> Result<bool> {
    let found = sqlx::query_scalar!(
        "SELECT user_id FROM application_assignments WHERE application_id = $1 AND user_id = $2",
        application_id,
        user_id
    )
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// The tenant's applications that `user_id` may open: those open to every
/// user of the tenant, and those the user is assigned to (My Apps).
pub async fn list_open_applications(
    conn: &mut Conn,
    tenant: &Tenant,
    user_id: &str,
) -> Result<Vec<Application>> {
    let all = list_applications(conn, tenant).await?;
    let assigned = sqlx::query_scalar!(
        "SELECT s.application_id FROM application_assignments s
         JOIN applications a ON a.id = s.application_id
         WHERE a.tenant_id = $1 AND s.user_id = $2",
        tenant.id,
        user_id
    )
    .fetch_all(conn)
    .await?;
    Ok(all
        .into_iter()
        .filter(|app| !app.assignment_required || assigned.contains(&app.id))
        .collect())
}

/// The users assigned to the tenant's application `id`, by UPN.
pub async fn list_assignments(
    conn: &mut Conn,
    tenant: &Tenant,
    id: &str,
) -> Result<Vec<AssignedUser>> {
    let rows = sqlx::query!(
        "SELECT u.id, u.user_principal_name, u.display_name, u.user_type, s.created_at
         FROM application_assignments s
         JOIN applications a ON a.id = s.application_id
         JOIN users u ON u.id = s.user_id
         WHERE s.application_id = $1 AND a.tenant_id = $2
         ORDER BY u.user_principal_name",
        id,
        tenant.id
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(AssignedUser {
                upn: Upn::parse(&row.user_principal_name).stored("users.user_principal_name")?,
                user_type: UserType::parse(&row.user_type).stored("users.user_type")?,
                user_id: row.id,
                display_name: row.display_name,
                assigned_at: row.created_at,
            })
        })
        .collect()
}

/// Registers an application in `tenant` with a new random client id and,
/// for a confidential client, a new 256-bit secret returned once.
#[tracing::instrument(skip_all, fields(tenant = %tenant.slug.as_str()))]
pub async fn create_application(
    pool: &Pool,
    tenant: &Tenant,
    new: &NewApplication,
    actor: &Actor,
    now: UnixTime,
) -> Result<CreatedApplication> {
    let client_id = uuid::Uuid::new_v4().to_string();
    let client_secret = match new.client_type {
        ClientType::Confidential => Some(random_token::<32>()),
        ClientType::Public => None,
    };
    let application = create_application_with(
        pool,
        tenant,
        new,
        &client_id,
        client_secret.as_ref(),
        actor,
        now,
    )
    .await?;
    Ok(CreatedApplication {
        application,
        client_secret,
    })
}

/// [`create_application`] with a client id and secret chosen by the
/// caller: the demo application's, which are fixed and derived.
pub(crate) async fn create_application_with(
    pool: &Pool,
    tenant: &Tenant,
    new: &NewApplication,
    client_id: &str,
    client_secret: Option<&SecretString>,
    actor: &Actor,
    now: UnixTime,
) -> Result<Application> {
    let application = Application {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: tenant.id.clone(),
        name: new.name.clone(),
        client_id: client_id.to_owned(),
        client_type: new.client_type,
        redirect_uris: new.redirect_uris.clone(),
        assignment_required: new.assignment_required,
        created_at: now,
    };
    let secret_hash = match (new.client_type, client_secret) {
        (ClientType::Confidential, Some(secret)) => Some(token_hash(secret.expose_secret())),
        (ClientType::Public, None) => None,
        _ => {
            tracing::error!("a confidential client needs a secret, a public one none");
            return Err(AppError::Internal.into());
        }
    };
    db::write(pool, async |tx| {
        let name = application.name.as_str();
        let is_public = application.client_type.is_public();
        let created_by = actor.user_id();
        sqlx::query!(
            "INSERT INTO applications (id, tenant_id, display_name, client_id, client_secret_hash,
                                       public_client, assignment_required, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            application.id,
            tenant.id,
            name,
            application.client_id,
            secret_hash,
            is_public,
            application.assignment_required,
            created_by,
            now
        )
        .execute(tx.conn())
        .await?;
        insert_redirect_uris(tx, &application.id, &application.redirect_uris).await?;
        let event = Event::success(Action::ApplicationCreated, now)
            .by(actor)
            .tenant(&tenant.id)
            .target(&application.id)
            .detail(serde_json::json!({
                "displayName": name,
                "appId": application.client_id,
                "isPublicClient": is_public,
                "redirectUris": application.redirect_uris.to_strings(),
                "appRoleAssignmentRequired": application.assignment_required,
            }));
        audit::record(tx, event).await?;
        if new.require_mfa {
            crate::policies::ssr::require_mfa_for_application(
                tx,
                tenant,
                actor,
                &application.id,
                true,
                now,
            )
            .await?;
        }
        Ok(())
    })
    .await?;
    Ok(application)
}

async fn insert_redirect_uris(
    tx: &mut Tx,
    application_id: &str,
    uris: &RedirectUris,
) -> Result<()> {
    for uri in uris.iter() {
        let uri = uri.as_str();
        sqlx::query!(
            "INSERT INTO application_redirect_uris (application_id, uri) VALUES ($1, $2)",
            application_id,
            uri
        )
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

/// Changes the tenant's application `id`: its name, its assignment rule,
/// and its redirect URIs (replaced as a whole). Audited with what changed.
#[tracing::instrument(skip_all, fields(tenant = %tenant.slug.as_str(), application = id))]
pub async fn update_application(
    pool: &Pool,
    tenant: &Tenant,
    id: &str,
    change: &ApplicationChange,
    actor: &Actor,
    now: UnixTime,
) -> Result<Application> {
    db::write(pool, async |tx| {
        let name = change.name.as_ref().map(ApplicationName::as_str);
        let done = sqlx::query!(
            "UPDATE applications SET display_name = COALESCE($1, display_name),
                                     assignment_required = COALESCE($2, assignment_required)
             WHERE id = $3 AND tenant_id = $4",
            name,
            change.assignment_required,
            id,
            tenant.id
        )
        .execute(tx.conn())
        .await?;
        if done.rows_affected() == 0 {
            return Err(AppError::NotFound("The application".into()).into());
        }
        if let Some(uris) = &change.redirect_uris {
            sqlx::query!(
                "DELETE FROM application_redirect_uris WHERE application_id = $1",
                id
            )
            .execute(tx.conn())
            .await?;
            insert_redirect_uris(tx, id, uris).await?;
        }
        let event = Event::success(Action::ApplicationUpdated, now)
            .by(actor)
            .tenant(&tenant.id)
            .target(id)
            .detail(serde_json::json!({
                "displayName": name,
                "redirectUris": change.redirect_uris.as_ref().map(RedirectUris::to_strings),
                "appRoleAssignmentRequired": change.assignment_required,
            }));
        audit::record(tx, event).await?;
        require_application(tx, tenant, id).await
    })
    .await
}

/// Gives the tenant's confidential application `id` a new secret, returned
/// once; the old secret stops working at once. A public client has none.
#[tracing::instrument(skip_all, fields(tenant = %tenant.slug.as_str(), application = id))]
pub async fn new_client_secret(
    pool: &Pool,
    tenant: &Tenant,
    id: &str,
    actor: &Actor,
    now: UnixTime,
) -> Result<SecretString> {
    let secret = random_token::<32>();
    set_client_secret(pool, tenant, id, &secret, actor, now).await?;
    Ok(secret)
}

/// Stores `secret` as the application's secret; `false` when it was its
/// secret already (nothing written). The demo seeding keeps the demo
/// application's derived secret current with it.
pub(crate) async fn set_client_secret(
    pool: &Pool,
    tenant: &Tenant,
    id: &str,
    secret: &SecretString,
    actor: &Actor,
    now: UnixTime,
) -> Result<bool> {
    let hash = token_hash(secret.expose_secret());
    db::write(pool, async |tx| {
        let application = require_application(tx, tenant, id).await?;
        if application.client_type.is_public() {
            return Err(AppError::refused(
                "publicClient",
                "A public client has no secret: it proves itself with PKCE.",
            )
            .into());
        }
        let done = sqlx::query!(
            "UPDATE applications SET client_secret_hash = $1
             WHERE id = $2 AND tenant_id = $3 AND public_client = FALSE
               AND client_secret_hash <> $1",
            hash,
            id,
            tenant.id
        )
        .execute(tx.conn())
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        let event = Event::success(Action::ApplicationSecretRotated, now)
            .by(actor)
            .tenant(&tenant.id)
            .target(id)
            .detail(serde_json::json!({ "appId": application.client_id }));
        audit::record(tx, event).await?;
        Ok(true)
    })
    .await
}

/// Deletes the tenant's application `id`, with its redirect URIs, its
/// assignments and what the provider issued for it.
#[tracing::instrument(skip_all, fields(tenant = %tenant.slug.as_str(), application = id))]
pub async fn delete_application(
    pool: &Pool,
    tenant: &Tenant,
    id: &str,
    actor: &Actor,
    now: UnixTime,
) -> Result<()> {
    db::write(pool, async |tx| {
        let deleted = sqlx::query!(
            "DELETE FROM applications WHERE id = $1 AND tenant_id = $2
             RETURNING display_name, client_id",
            id,
            tenant.id
        )
        .fetch_optional(tx.conn())
        .await?;
        let Some(deleted) = deleted else {
            return Err(AppError::NotFound("The application".into()).into());
        };
        let event = Event::success(Action::ApplicationDeleted, now)
            .by(actor)
            .tenant(&tenant.id)
            .target(id)
            .detail(serde_json::json!({
                "displayName": deleted.display_name,
                "appId": deleted.client_id,
            }));
        audit::record(tx, event).await?;
        Ok(())
    })
    .await
}

/// The tenant's user named by `user`, if it has one.
async fn find_tenant_user(
    conn: &mut Conn,
    tenant: &Tenant,
    user: &UserRef,
) -> Result<Option<(String, Upn, String, UserType)>> {
    let row = match user {
        UserRef::Id(id) => sqlx::query!(
            "SELECT id, user_principal_name, display_name, user_type FROM users
             WHERE tenant_id = $1 AND id = $2",
            tenant.id,
            id
        )
        .fetch_optional(&mut *conn)
        .await?
        .map(|row| {
            (
                row.id,
                row.user_principal_name,
                row.display_name,
                row.user_type,
            )
        }),
        UserRef::Upn(upn) => {
            let upn = upn.as_str();
            sqlx::query!(
                "SELECT id, user_principal_name, display_name, user_type FROM users
                 WHERE tenant_id = $1 AND user_principal_name = $2",
                tenant.id,
                upn
            )
            .fetch_optional(&mut *conn)
            .await?
            .map(|row| {
                (
                    row.id,
                    row.user_principal_name,
                    row.display_name,
                    row.user_type,
                )
            })
        }
    };
    row.map(|(id, upn, name, kind)| {
        Ok((
            id,
            Upn::parse(&upn).stored("users.user_principal_name")?,
            name,
            UserType::parse(&kind).stored("users.user_type")?,
        ))
    })
    .transpose()
}

/// Assigns the tenant's user `user` to the tenant's application `id`. A
/// user of another tenant is refused like an unknown one; assigning twice
/// is no error.
#[tracing::instrument(skip_all, fields(tenant = %tenant.slug.as_str(), application = id))]
pub async fn assign_user(
    pool: &Pool,
    tenant: &Tenant,
    id: &str,
    user: &UserRef,
    actor: &Actor,
    now: UnixTime,
) -> Result<AssignedUser> {
    db::write(pool, async |tx| {
        let application = require_application(tx, tenant, id).await?;
        let Some((user_id, upn, display_name, user_type)) =
            find_tenant_user(tx, tenant, user).await?
        else {
            return Err(AppError::Invalid {
                field: "user".into(),
                message: format!("{} has no user '{}'.", tenant.display_name, user.as_str()),
            }
            .into());
        };
        let done = sqlx::query!(
            "INSERT INTO application_assignments (application_id, user_id, created_at)
             VALUES ($1, $2, $3) ON CONFLICT (application_id, user_id) DO NOTHING",
            application.id,
            user_id,
            now
        )
        .execute(tx.conn())
        .await?;
        if done.rows_affected() > 0 {
            let event = Event::success(Action::ApplicationUserAssigned, now)
                .by(actor)
                .tenant(&tenant.id)
                .target(&application.id)
                .detail(serde_json::json!({
                    "displayName": application.name.as_str(),
                    "userId": user_id,
                    "userPrincipalName": upn.as_str(),
                }));
            audit::record(tx, event).await?;
        }
        let assigned_at = sqlx::query_scalar!(
            "SELECT created_at FROM application_assignments
             WHERE application_id = $1 AND user_id = $2",
            application.id,
            user_id
        )
        .fetch_one(tx.conn())
        .await?;
        Ok(AssignedUser {
            user_id,
            upn,
            display_name,
            user_type,
            assigned_at,
        })
    })
    .await
}

/// Removes the assignment of `user` to the tenant's application `id`;
/// `NotFound` when there is none.
#[tracing::instrument(skip_all, fields(tenant = %tenant.slug.as_str(), application = id))]
pub async fn unassign_user(
    pool: &Pool,
    tenant: &Tenant,
    id: &str,
    user: &UserRef,
    actor: &Actor,
    now: UnixTime,
) -> Result<()> {
    db::write(pool, async |tx| {
        let application = require_application(tx, tenant, id).await?;
        let not_assigned = || AppError::NotFound(format!("An assignment of '{}'", user.as_str()));
        let Some((user_id, upn, _, _)) = find_tenant_user(tx, tenant, user).await? else {
            return Err(not_assigned().into());
        };
        let done = sqlx::query!(
            "DELETE FROM application_assignments WHERE application_id = $1 AND user_id = $2",
            application.id,
            user_id
        )
        .execute(tx.conn())
        .await?;
        if done.rows_affected() == 0 {
            return Err(not_assigned().into());
        }
        let event = Event::success(Action::ApplicationUserUnassigned, now)
            .by(actor)
            .tenant(&tenant.id)
            .target(&application.id)
            .detail(serde_json::json!({
                "displayName": application.name.as_str(),
                "userId": user_id,
                "userPrincipalName": upn.as_str(),
            }));
        audit::record(tx, event).await?;
        Ok(())
    })
    .await
}
