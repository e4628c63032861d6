//! The user store, and the services that create members.

use crate::auth::ssr::password::Passwords;
use crate::domain::{DisplayName, Email, ExternalUserState, HomeKind, NewPassword, Upn, UserType};
use crate::error::AppError;
use crate::ssr::audit::{self, Action, Event};
use crate::ssr::clock::UnixTime;
use crate::ssr::db::{self, Conn, Pool};
use crate::ssr::page::{Page, PageSize};
use crate::ssr::{Actor, Result, Stored};
use crate::tenants::ssr::Tenant;

/// A user as the services see it (no secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub tenant_id: String,
    pub upn: Upn,
    pub display_name: String,
    pub user_type: UserType,
    pub external_user_state: Option<ExternalUserState>,
    pub is_admin: bool,
}

fn decode_kind(
    user_type: &str,
    state: Option<&str>,
) -> Result<(UserType, Option<ExternalUserState>)> {
    let user_type = UserType::parse(user_type).stored("users.user_type")?;
    let state = state
        .map(ExternalUserState::parse)
        .transpose()
        .stored("users.external_user_state")?;
    Ok((user_type, state))
}

/// The columns of [`User`], decoded by [`UserRow::decode`].
struct UserRow {
    id: String,
    tenant_id: String,
    user_principal_name: String,
    display_name: String,
    user_type: String,
    external_user_state: Option<String>,
    is_admin: bool,
}

impl UserRow {
    fn decode(self) -> Result<User> {
        let (user_type, external_user_state) =
            decode_kind(&self.user_type, self.external_user_state.as_deref())?;
        Ok(User {
            upn: Upn::parse(&self.user_principal_name).stored("users.user_principal_name")?,
            id: self.id,
            tenant_id: self.tenant_id,
            display_name: self.display_name,
            user_type,
            external_user_state,
            is_admin: self.is_admin,
        })
    }
}

/// An enabled user by id.
pub async fn find_user_by_id(conn: &mut Conn, id: &str) -> Result<Option<User>> {
    let row = sqlx::query_as!(
        UserRow,
        r#"SELECT id, tenant_id, user_principal_name, display_name, user_type,
                  external_user_state, is_admin AS "is_admin: bool"
           FROM users WHERE id = $1 AND account_enabled = TRUE"#,
        id
    )
    .fetch_optional(conn)
    .await?;
    row.map(UserRow::decode).transpose()
}

/// An enabled user and the password hash it signs in with, if any.
pub async fn find_credentials_by_upn(
    conn: &mut Conn,
    upn: &Upn,
) -> Result<Option<(User, Option<String>)>> {
    let upn = upn.as_str();
    let Some(row) = sqlx::query!(
        r#"SELECT id, tenant_id, user_principal_name, display_name, user_type,
                  external_user_state, is_admin AS "is_admin: bool", password_hash
           FROM users WHERE user_principal_name = $1 AND account_enabled = TRUE"#,
        upn
    )
    .fetch_optional(conn)
    .await?
    else {
        return Ok(None);
    };
    let user = UserRow {
        id: row.id,
        tenant_id: row.tenant_id,
        user_principal_name: row.user_principal_name,
        display_name: row.display_name,
        user_type: row.user_type,
        external_user_state: row.external_user_state,
        is_admin: row.is_admin,
    }
    .decode()?;
    Ok(Some((user, row.password_hash)))
}

/// The enabled user object in `tenant_id` that `identity` acts as: its
/// own member account there, or the accepted guest object bound to it.
pub async fn find_user_for_identity(
    conn: &mut Conn,
    tenant_id: &str,
    identity: &crate::auth::ssr::Identity,
) -> Result<Option<User>> {
    if let Some(user) = identity.member().filter(|user| user.tenant_id == tenant_id) {
        return Ok(Some(user.clone()));
    }
    let (home_kind, home_ref, _) = identity.home();
    let home_kind = home_kind.as_str();
    let row = sqlx::query_as!(
        UserRow,
        r#"SELECT id, tenant_id, user_principal_name, display_name, user_type,
                  external_user_state, is_admin AS "is_admin: bool"
           FROM users
           WHERE tenant_id = $1 AND home_kind = $2 AND home_ref = $3
             AND external_user_state = 'Accepted' AND account_enabled = TRUE"#,
        tenant_id,
        home_kind,
        home_ref
    )
    .fetch_optional(conn)
    .await?;
    row.map(UserRow::decode).transpose()
}

/// What it takes to create a member, already parsed.
#[derive(Debug)]
pub struct NewMember {
    pub upn: Upn,
    pub display_name: DisplayName,
    pub password: NewPassword,
    pub is_admin: bool,
}

/// Creates a member of `tenant` with a password. The UPN must be in the
/// tenant's domain and not taken (the unique constraint decides).
#[tracing::instrument(skip_all, fields(upn = %new.upn.as_str()))]
pub async fn create_member(
    pool: &Pool,
    passwords: &Passwords,
    tenant: &Tenant,
    new: NewMember,
    actor: &Actor,
    now: UnixTime,
) -> Result<User> {
    if new.upn.is_guest() || new.upn.domain() != tenant.domain.as_str() {
        return Err(AppError::Invalid {
            field: "upn".into(),
            message: format!("A member's user name ends in @{}.", tenant.domain.as_str()),
        }
        .into());
    }
    // Hash before taking the write lock: hashing is slow, the lock is shared.
    let password_hash = passwords.hash(new.password.into_inner().into()).await?;
    let user = User {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: tenant.id.clone(),
        upn: new.upn,
        display_name: new.display_name.as_str().to_owned(),
        user_type: UserType::Member,
        external_user_state: None,
        is_admin: new.is_admin,
    };
    db::write(pool, async |tx| {
        let upn = user.upn.as_str();
        // A courtesy check for a message that names the UPN; the unique
        // constraint is the rule when two creates race.
        let taken = sqlx::query_scalar!("SELECT id FROM users WHERE user_principal_name = $1", upn)
            .fetch_optional(tx.conn())
            .await?;
        if taken.is_some() {
            return Err(AppError::Conflict(format!("The user name '{upn}' is taken.")).into());
        }
        sqlx::query!(
            "INSERT INTO users (id, tenant_id, user_principal_name, display_name, mail, user_type,
                                is_admin, password_hash, created_at)
             VALUES ($1, $2, $3, $4, $5, 'Member', $6, $7, $8)",
            user.id,
            user.tenant_id,
            upn,
            user.display_name,
            upn,
            user.is_admin,
            password_hash,
            now,
        )
        .execute(tx.conn())
        .await?;
        let event = Event::success(Action::UserCreated, now)
            .by(actor)
            .tenant(&tenant.id)
            .target(upn)
            .detail(serde_json::json!({ "userType": "Member", "isAdmin": user.is_admin }));
        audit::record(tx, event).await?;
        Ok(())
    })
    .await?;
    Ok(user)
}

/// One row of the admin Users table and the REST user list.
pub struct UserListItem {
    pub id: String,
    pub upn: Upn,
    pub display_name: String,
    pub mail: Option<Email>,
    pub user_type: UserType,
    pub external_user_state: Option<ExternalUserState>,
    pub is_admin: bool,
}

/// Which users a list shows; `None` anywhere: no filter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserFilter {
    pub user_type: Option<UserType>,
    /// With (`true`) or without (`false`) an active MFA method.
    pub has_methods: Option<bool>,
}

/// A page of a tenant's users matching `filter`, ordered by UPN, after
/// `after` (keyset pagination: a page costs the same at any depth).
pub async fn list_users_page(
    conn: &mut Conn,
    tenant_id: &str,
    filter: UserFilter,
    after: Option<&Upn>,
    size: PageSize,
) -> Result<Page<UserListItem, Upn>> {
    let after = after.map_or("", Upn::as_str);
    let user_type = filter.user_type.map(UserType::as_str);
    let has_methods = filter.has_methods;
    let limit = size.fetch_limit();
    let rows = sqlx::query!(
        r#"SELECT id, user_principal_name, display_name, mail, user_type, external_user_state,
                  is_admin AS "is_admin: bool"
           FROM users u
           WHERE tenant_id = $1 AND user_principal_name > $2 AND ($3 IS NULL OR user_type = $3)
             AND ($4 IS NULL OR $4 = EXISTS (
                   SELECT 1 FROM auth_methods m
                   WHERE m.user_id = u.id AND m.activated_at IS NOT NULL))
           ORDER BY user_principal_name
           LIMIT $5"#,
        tenant_id,
        after,
        user_type,
        has_methods,
        limit
    )
    .fetch_all(conn)
    .await?;
    let items = rows
        .into_iter()
        .map(|row| {
            let (user_type, external_user_state) =
                decode_kind(&row.user_type, row.external_user_state.as_deref())?;
            Ok(UserListItem {
                upn: Upn::parse(&row.user_principal_name).stored("users.user_principal_name")?,
                mail: row
                    .mail
                    .as_deref()
                    .map(Email::parse)
                    .transpose()
                    .stored("users.mail")?,
                id: row.id,
                display_name: row.display_name,
                user_type,
                external_user_state,
                is_admin: row.is_admin,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(size.cut(items, |last| last.upn.clone()))
}

/// The tenants where this home identity is an accepted guest, as
/// `(slug, display name)`, by name.
pub async fn find_guest_memberships(
    conn: &mut Conn,
    home_kind: HomeKind,
    home_ref: &str,
) -> Result<Vec<(String, String)>> {
    let home_kind = home_kind.as_str();
    let rows = sqlx::query!(
        "SELECT t.slug, t.display_name FROM users u JOIN tenants t ON t.id = u.tenant_id
         WHERE u.home_kind = $1 AND u.home_ref = $2 AND u.user_type = 'Guest'
           AND u.external_user_state = 'Accepted' AND u.account_enabled = TRUE
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssr::db::open_for_test;
    use crate::ssr::Error;

    #[tokio::test]
    async fn a_stored_value_that_does_not_parse_is_an_internal_error_not_a_default() {
        let (_dir, pool) = open_for_test().await;
        sqlx::query!(
            "INSERT INTO tenants (id, slug, display_name, domain, plan, premium_seats, created_at)
             VALUES ('t', 'fabrikam', 'Fabrikam', 'fabrikam.test', 'free', 0, 0)"
        )
        .execute(pool.connections())
        .await
        .unwrap();
        sqlx::query!(
            "INSERT INTO users (id, tenant_id, user_principal_name, display_name, user_type, created_at)
             VALUES ('u', 't', 'not a user name', 'Bob', 'Member', 0)"
        )
        .execute(pool.connections())
        .await
        .unwrap();
        let mut conn = pool.acquire().await.unwrap();
        let found = find_user_by_id(&mut conn, "u").await;
        assert!(
            matches!(
                found,
                Err(Error::Corrupt {
                    what: "users.user_principal_name",
                    ..
                })
            ),
            "{found:?}"
        );
        let public = AppError::from(found.unwrap_err());
        assert_eq!((public.status(), public.code()), (500, "internal"));
    }
}
