//! The user store, the services that create members, and the Users list
//! with each user's methods ([`list_users_page`]).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use super::MethodType;
use crate::auth::ssr::password::Passwords;
use crate::domain::{
    DisplayName, Email, ExternalUserState, HomeKind, NewPassword, ParseError, Upn, UserType,
};
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

/// One row of the Users list — the admin Users table, the REST user list
/// and `gatehouse users list` — with the user's methods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserListItem {
    pub id: String,
    pub upn: Upn,
    pub display_name: String,
    pub mail: Option<Email>,
    pub user_type: UserType,
    pub external_user_state: Option<ExternalUserState>,
    pub is_admin: bool,
    /// `false` once an admin disabled the account.
    pub account_enabled: bool,
    /// The kinds of method the user has, in [`MethodType`] order; empty
    /// when none.
    pub methods: Vec<MethodSummary>,
}

/// One kind of method a listed user has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodSummary {
    pub method: MethodType,
    /// Active methods of the kind (an authenticator app still being set up
    /// is none); for recovery codes, the unused ones.
    pub count: i64,
    pub last_used_at: Option<UnixTime>,
}

/// Which users a list shows; `None` anywhere: no filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFilter {
    pub user_type: Option<UserType>,
    /// With (`true`) or without (`false`) an active MFA method.
    pub has_methods: Option<bool>,
    pub search: Option<UserSearch>,
}

/// A search of the Users list: a prefix of the UPN, the display name or the
/// e-mail address, whatever the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSearch(String);

impl UserSearch {
    /// The longest search, in characters.
    pub const MAX_CHARS: usize = 256;

    /// A search for `input`, trimmed; `None` when it is blank.
    pub fn parse(input: &str) -> Result<Option<Self>, ParseError> {
        let term = input.trim();
        if term.is_empty() {
            return Ok(None);
        }
        if term.chars().count() > Self::MAX_CHARS {
            return Err(ParseError(format!(
                "A search has at most {} characters.",
                Self::MAX_CHARS
            )));
        }
        if term.chars().any(char::is_control) {
            return Err(ParseError(
                "A search cannot contain control characters.".into(),
            ));
        }
        Ok(Some(Self(term.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The term as UPNs are stored — lower-case but for a guest's `#EXT#` —
    /// to compare with the UPN index as it is.
    fn upn_form(&self) -> String {
        self.0.to_ascii_lowercase().replace("#ext#", "#EXT#")
    }
}

/// Where a page of the Users list continues: after this user, in the list's
/// order (display name without case, then UPN, which is unique). Opaque
/// outside the store: pages hand it out [`encode`](Self::encode)d.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserCursor {
    /// `lower(display_name)`, as the database computed it.
    name_key: String,
    upn: String,
}

impl UserCursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::json!([self.name_key, self.upn]).to_string())
    }

    pub fn decode(text: &str) -> Result<Self, ParseError> {
        let bad = || ParseError("The cursor is not valid: pass back the `next` of a page.".into());
        let bytes = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| bad())?;
        let (name_key, upn) =
            serde_json::from_slice::<(String, String)>(&bytes).map_err(|_| bad())?;
        Ok(Self { name_key, upn })
    }
}

/// Above every string a prefix range contains: the prefix followed by the
/// highest code point (its UTF-8 bytes outrank every character's).
const PREFIX_END: &str = "\u{10FFFF}";

/// A search with fewer hits than this across its three prefix ranges reads
/// them and sorts them; a broader one walks the list in order, where its
/// matches come soon (see [`list_users_page`]).
const NARROW_SEARCH_HITS: i64 = 1_000;

/// The columns of a listed user and one kind of its methods (none: `NULL`).
struct ListedRow {
    id: String,
    user_principal_name: String,
    display_name: String,
    mail: Option<String>,
    user_type: String,
    external_user_state: Option<String>,
    is_admin: bool,
    account_enabled: bool,
    name_key: String,
    method: Option<String>,
    method_count: Option<i64>,
    last_used_at: Option<i64>,
}

/// The Users list's one query, after the `page` CTE's source: the users of
/// the page in order (at most `$9`), then their methods in the same
/// statement. `$1` tenant, `$2`/`$3` the cursor's name key and UPN, `$4`
/// user type, `$5` has methods, `$6` search, `$7` the search as a UPN,
/// `$8` [`PREFIX_END`], `$9` the limit. Two sources share the rest (so the
/// planner sees a plain index range in each): the tenant's users in the
/// order of `users_by_tenant_name`, and the rows a narrow search gathers.
/// `CROSS JOIN` keeps SQLite reading from the page's few users outward.
macro_rules! list_query {
    ($conn:expr, $source:tt, $($arg:expr),+ $(,)?) => {
        sqlx::query_as!(
            ListedRow,
            "WITH " + $source + r#"
                  AND lower(u.display_name) >= $2
                  AND (lower(u.display_name) > $2 OR u.user_principal_name > $3)
                  AND ($4 IS NULL OR u.user_type = $4)
                  AND ($5 IS NULL OR $5 = EXISTS (
                        SELECT 1 FROM auth_methods m
                        WHERE m.user_id = u.id AND m.activated_at IS NOT NULL))
                ORDER BY lower(u.display_name), u.user_principal_name
                LIMIT $9
            ),
            summary AS (
                SELECT m.user_id, m.kind, COUNT(*) AS n, MAX(m.last_used_at) AS last_used_at
                FROM page p CROSS JOIN auth_methods m
                WHERE m.user_id = p.id AND m.activated_at IS NOT NULL
                GROUP BY m.user_id, m.kind
                UNION ALL
                SELECT r.user_id, 'recoveryCodes',
                       SUM(CASE WHEN r.used_at IS NULL THEN 1 ELSE 0 END), MAX(r.used_at)
                FROM page p CROSS JOIN recovery_codes r
                WHERE r.user_id = p.id
                GROUP BY r.user_id
            )
            SELECT p.id AS "id!", p.user_principal_name AS "user_principal_name!",
                   p.display_name AS "display_name!", p.mail, p.user_type AS "user_type!",
                   p.external_user_state, p.is_admin AS "is_admin!: bool",
                   p.account_enabled AS "account_enabled!: bool",
                   p.name_key AS "name_key!: String", s.kind AS "method?: String",
                   s.n AS "method_count?: i64", s.last_used_at AS "last_used_at?: i64"
            FROM page p LEFT JOIN summary s ON s.user_id = p.id
            ORDER BY p.name_key, p.user_principal_name, s.kind"#,
            $($arg),+
        )
        .fetch_all($conn)
        .await
    };
}

/// A page of a tenant's users matching `filter`, after `after`, each with
/// a summary of its methods: the one list behind the Users page, the REST
/// API and the CLI. Ordered by display name without case, then UPN;
/// keyset-paginated, so a page costs the same at any depth; two statements
/// at most (a search first counts its hits, capped, to pick its plan), never
/// one per user.
pub async fn list_users_page(
    conn: &mut Conn,
    tenant_id: &str,
    filter: &UserFilter,
    after: Option<&UserCursor>,
    size: PageSize,
) -> Result<Page<UserListItem, UserCursor>> {
    let (after_name, after_upn) = after.map_or(("", ""), |cursor| {
        (cursor.name_key.as_str(), cursor.upn.as_str())
    });
    let user_type = filter.user_type.map(UserType::as_str);
    let has_methods = filter.has_methods;
    let search = filter.search.as_ref().map(UserSearch::as_str);
    let search_upn = filter.search.as_ref().map(UserSearch::upn_form);
    let limit = size.fetch_limit();
    let narrow = match &filter.search {
        Some(search) => {
            count_search_hits(&mut *conn, tenant_id, search).await? < NARROW_SEARCH_HITS
        }
        None => false,
    };
    let rows = if narrow {
        list_query!(
            &mut *conn,
            r#"matches AS (
                SELECT id FROM users
                WHERE tenant_id = $1 AND lower(display_name) >= lower(CAST($6 AS TEXT))
                  AND lower(display_name) < lower(CAST($6 AS TEXT)) || $8
                UNION
                SELECT id FROM users
                WHERE tenant_id = $1 AND user_principal_name >= $7
                  AND user_principal_name < $7 || $8
                UNION
                SELECT id FROM users
                WHERE tenant_id = $1 AND mail >= lower(CAST($6 AS TEXT))
                  AND mail < lower(CAST($6 AS TEXT)) || $8
            ),
            page AS MATERIALIZED (
                SELECT u.id, u.user_principal_name, u.display_name, u.mail, u.user_type,
                       u.external_user_state, u.is_admin, u.account_enabled,
                       lower(u.display_name) AS name_key
                FROM matches x CROSS JOIN users u
                WHERE u.id = x.id"#,
            tenant_id,
            after_name,
            after_upn,
            user_type,
            has_methods,
            search,
            search_upn,
            PREFIX_END,
            limit,
        )
    } else {
        list_query!(
            &mut *conn,
            r#"page AS MATERIALIZED (
                SELECT u.id, u.user_principal_name, u.display_name, u.mail, u.user_type,
                       u.external_user_state, u.is_admin, u.account_enabled,
                       lower(u.display_name) AS name_key
                FROM users u
                WHERE u.tenant_id = $1
                  AND ($6 IS NULL
                       OR (lower(u.display_name) >= lower(CAST($6 AS TEXT))
                           AND lower(u.display_name) < lower(CAST($6 AS TEXT)) || $8)
                       OR (u.user_principal_name >= $7 AND u.user_principal_name < $7 || $8)
                       OR (u.mail >= lower(CAST($6 AS TEXT))
                           AND u.mail < lower(CAST($6 AS TEXT)) || $8))"#,
            tenant_id,
            after_name,
            after_upn,
            user_type,
            has_methods,
            search,
            search_upn,
            PREFIX_END,
            limit,
        )
    }?;
    let listed = group_methods(rows)?;
    let page = size.cut(listed, |(last, name_key)| UserCursor {
        name_key: name_key.clone(),
        upn: last.upn.as_str().to_owned(),
    });
    Ok(Page {
        items: page.items.into_iter().map(|(item, _)| item).collect(),
        next: page.next,
    })
}

/// How many rows `search`'s three prefix ranges hold, counting each up to
/// [`NARROW_SEARCH_HITS`] (index entries only).
async fn count_search_hits(conn: &mut Conn, tenant_id: &str, search: &UserSearch) -> Result<i64> {
    let term = search.as_str();
    let upn = search.upn_form();
    Ok(sqlx::query_scalar!(
        r#"SELECT
             (SELECT COUNT(*) FROM (
                SELECT 1 AS hit FROM users
                WHERE tenant_id = $1 AND lower(display_name) >= lower(CAST($2 AS TEXT))
                  AND lower(display_name) < lower(CAST($2 AS TEXT)) || $4
                LIMIT $5) AS by_name)
           + (SELECT COUNT(*) FROM (
                SELECT 1 AS hit FROM users
                WHERE tenant_id = $1 AND user_principal_name >= $3
                  AND user_principal_name < $3 || $4
                LIMIT $5) AS by_upn)
           + (SELECT COUNT(*) FROM (
                SELECT 1 AS hit FROM users
                WHERE tenant_id = $1 AND mail >= lower(CAST($2 AS TEXT))
                  AND mail < lower(CAST($2 AS TEXT)) || $4
                LIMIT $5) AS by_mail) AS "hits!: i64""#,
        tenant_id,
        term,
        upn,
        PREFIX_END,
        NARROW_SEARCH_HITS,
    )
    .fetch_one(conn)
    .await?)
}

/// The listed users with their methods folded in (the query gives a row per
/// user and kind of method), each with its name key for the cursor.
fn group_methods(rows: Vec<ListedRow>) -> Result<Vec<(UserListItem, String)>> {
    let mut listed: Vec<(UserListItem, String)> = Vec::new();
    for row in rows {
        let ListedRow {
            id,
            user_principal_name,
            display_name,
            mail,
            user_type,
            external_user_state,
            is_admin,
            account_enabled,
            name_key,
            method,
            method_count,
            last_used_at,
        } = row;
        if listed.last().is_none_or(|(item, _)| item.id != id) {
            let (user_type, external_user_state) =
                decode_kind(&user_type, external_user_state.as_deref())?;
            let item = UserListItem {
                upn: Upn::parse(&user_principal_name).stored("users.user_principal_name")?,
                mail: mail
                    .as_deref()
                    .map(Email::parse)
                    .transpose()
                    .stored("users.mail")?,
                id,
                display_name,
                user_type,
                external_user_state,
                is_admin,
                account_enabled,
                methods: Vec::new(),
            };
            listed.push((item, name_key));
        }
        let Some(method) = method else { continue };
        let method = MethodType::parse(&method).stored("auth_methods.kind")?;
        if let Some((item, _)) = listed.last_mut() {
            item.methods.push(MethodSummary {
                method,
                count: method_count.unwrap_or_default(),
                last_used_at,
            });
        }
    }
    for (item, _) in &mut listed {
        item.methods.sort_by_key(|summary| summary.method);
    }
    Ok(listed)
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
mod list_tests;

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
