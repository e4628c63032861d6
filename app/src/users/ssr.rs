//! The user store, and the services that create members.

use secrecy::SecretString;
use sqlx::{SqliteConnection, SqlitePool};

use crate::auth::ssr::password::Passwords;
use crate::domain::{DisplayName, ExternalUserState, Upn, UserType};
use crate::error::AppError;
use crate::ssr::audit::{self, Event, Outcome};
use crate::ssr::clock::UnixTime;
use crate::ssr::db::begin_write;
use crate::ssr::Result;
use crate::tenants::ssr::Tenant;

/// A user as the services see it (no secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub tenant_id: String,
    pub upn: String,
    pub display_name: String,
    pub user_type: UserType,
    pub external_user_state: Option<ExternalUserState>,
    pub is_admin: bool,
}

fn user_type_from_db(user_type: &str) -> UserType {
    UserType::parse(user_type).unwrap_or(UserType::Guest)
}

fn state_from_db(state: Option<&str>) -> Option<ExternalUserState> {
    state.and_then(|state| ExternalUserState::parse(state).ok())
}

pub async fn find_user_by_id(conn: &mut SqliteConnection, id: &str) -> Result<Option<User>> {
    let row = sqlx::query!(
        r#"SELECT id, tenant_id, user_principal_name, display_name, user_type,
                  external_user_state, is_admin AS "is_admin: bool"
           FROM users WHERE id = ? AND account_enabled = 1"#,
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|row| User {
        id: row.id,
        tenant_id: row.tenant_id,
        upn: row.user_principal_name,
        display_name: row.display_name,
        user_type: user_type_from_db(&row.user_type),
        external_user_state: state_from_db(row.external_user_state.as_deref()),
        is_admin: row.is_admin,
    }))
}

/// An enabled user and the password hash it signs in with, if any.
pub async fn find_credentials_by_upn(
    conn: &mut SqliteConnection,
    upn: &Upn,
) -> Result<Option<(User, Option<String>)>> {
    let upn = upn.as_str();
    let row = sqlx::query!(
        r#"SELECT id, tenant_id, user_principal_name, display_name, user_type,
                  external_user_state, is_admin AS "is_admin: bool", password_hash
           FROM users WHERE user_principal_name = ? AND account_enabled = 1"#,
        upn
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|row| {
        let user = User {
            id: row.id,
            tenant_id: row.tenant_id,
            upn: row.user_principal_name,
            display_name: row.display_name,
            user_type: user_type_from_db(&row.user_type),
            external_user_state: state_from_db(row.external_user_state.as_deref()),
            is_admin: row.is_admin,
        };
        (user, row.password_hash)
    }))
}

/// What it takes to create a member, already parsed.
#[derive(Debug)]
pub struct NewMember {
    pub upn: Upn,
    pub display_name: DisplayName,
    pub password: SecretString,
    pub is_admin: bool,
}

/// Creates a member of `tenant` with a password. The UPN must be in the
/// tenant's domain and not taken.
pub async fn create_member(
    pool: &SqlitePool,
    passwords: &Passwords,
    tenant: &Tenant,
    new: NewMember,
    actor: &str,
    now: UnixTime,
) -> Result<User> {
    if new.upn.is_guest() || new.upn.domain() != tenant.domain {
        return Err(AppError::Invalid {
            field: "upn".into(),
            message: format!("A member's user name ends in @{}.", tenant.domain),
        }
        .into());
    }
    // Hash before taking the write lock: hashing is slow, the lock is shared.
    let password_hash = passwords.hash(new.password).await?;
    let mut tx = begin_write(pool).await?;
    let upn = new.upn.as_str();
    let taken = sqlx::query_scalar!("SELECT id FROM users WHERE user_principal_name = ?", upn)
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        return Err(AppError::Conflict(format!("The user name '{upn}' is taken.")).into());
    }
    let user = User {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: tenant.id.clone(),
        upn: upn.to_owned(),
        display_name: new.display_name.as_str().to_owned(),
        user_type: UserType::Member,
        external_user_state: None,
        is_admin: new.is_admin,
    };
    sqlx::query!(
        "INSERT INTO users (id, tenant_id, user_principal_name, display_name, mail, user_type,
                            is_admin, password_hash, created_at)
         VALUES (?, ?, ?, ?, ?, 'Member', ?, ?, ?)",
        user.id,
        user.tenant_id,
        user.upn,
        user.display_name,
        user.upn,
        user.is_admin,
        password_hash,
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
            action: "user.create",
            target: Some(&user.upn),
            outcome: Outcome::Success,
            ip: None,
            detail: serde_json::json!({ "userType": "Member", "isAdmin": user.is_admin }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

/// One row of the admin Users table.
pub struct UserListItem {
    pub id: String,
    pub upn: String,
    pub display_name: String,
    pub mail: Option<String>,
    pub user_type: UserType,
    pub external_user_state: Option<ExternalUserState>,
    pub is_admin: bool,
}

/// Up to `limit` users of a tenant (of one type, if given) ordered by UPN,
/// after `after` (keyset pagination: a page costs the same at any depth).
pub async fn list_users_page(
    conn: &mut SqliteConnection,
    tenant_id: &str,
    user_type: Option<UserType>,
    after: Option<&Upn>,
    limit: i64,
) -> Result<Vec<UserListItem>> {
    let after = after.map_or("", Upn::as_str);
    let user_type = user_type.map(UserType::as_str);
    let rows = sqlx::query!(
        r#"SELECT id, user_principal_name, display_name, mail, user_type, external_user_state,
                  is_admin AS "is_admin: bool"
           FROM users
           WHERE tenant_id = ?1 AND user_principal_name > ?2 AND (?3 IS NULL OR user_type = ?3)
           ORDER BY user_principal_name
           LIMIT ?4"#,
        tenant_id,
        after,
        user_type,
        limit
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| UserListItem {
            id: row.id,
            upn: row.user_principal_name,
            display_name: row.display_name,
            mail: row.mail,
            user_type: user_type_from_db(&row.user_type),
            external_user_state: state_from_db(row.external_user_state.as_deref()),
            is_admin: row.is_admin,
        })
        .collect())
}

/// The tenants where this home identity is an accepted guest, as
/// `(slug, display name)`, by name.
pub async fn find_guest_memberships(
    conn: &mut SqliteConnection,
    home_kind: &str,
    home_ref: &str,
) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query!(
        "SELECT t.slug, t.display_name FROM users u JOIN tenants t ON t.id = u.tenant_id
         WHERE u.home_kind = ? AND u.home_ref = ? AND u.user_type = 'Guest'
           AND u.external_user_state = 'Accepted' AND u.account_enabled = 1
         ORDER BY t.display_name",
        home_kind,
        home_ref
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.slug, row.display_name))
        .collect())
}
