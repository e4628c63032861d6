//! Managing the methods a user object has: renaming one, removing one, and
//! a new set of recovery codes. Security info calls these for the signed-in
//! person; the REST API and the CLI call the same functions, so they take
//! domain types and an [`Actor`], and leave it to the caller to decide who
//! may act (for a person on their own methods: a recent MFA, see
//! [`super::step_up`]). The rules about the methods themselves are here:
//! a method id that is not one of `user`'s active methods is `NotFound`
//! (another user's included — the same answer as an unknown id), and the
//! last method stays while MFA is required for the user
//! ([`super::requirement::mfa_required`]).
//!
//! Each change is one transaction that checks what it changes in its own
//! statements (conditional updates, rows affected) and records its audit
//! event.

use super::methods::Method;
use super::recovery::{self, RecoveryCode};
use super::requirement::mfa_required;
use crate::domain::DisplayName;
use crate::error::AppError;
use crate::mfa::MethodKind;
use crate::ssr::audit::{self, Action, Event};
use crate::ssr::clock::UnixTime;
use crate::ssr::db::{self, Conn, Pool, Tx};
use crate::ssr::state::SecretKey;
use crate::ssr::{Actor, Result, Stored};
use crate::tenants::ssr::Tenant;
use crate::users::ssr::User;

/// The refusal code (REST API `error.code`) for removing the last method
/// while MFA is required.
pub const LAST_METHOD_REQUIRED: &str = "lastMethodRequired";

fn method_not_found() -> AppError {
    AppError::NotFound("That sign-in method".into())
}

/// `user` must be a user object of `tenant`: a caller that mixed them up
/// changes nothing.
fn check_tenant(tenant: &Tenant, user: &User) -> Result<()> {
    if user.tenant_id == tenant.id {
        Ok(())
    } else {
        Err(AppError::Forbidden.into())
    }
}

/// One of `user`'s active methods, or `NotFound`.
async fn find_own_method(conn: &mut Conn, user: &User, method_id: &str) -> Result<Method> {
    let row = sqlx::query!(
        "SELECT id, user_id, kind, display_name, created_at, last_used_at FROM auth_methods
         WHERE id = $1 AND user_id = $2 AND activated_at IS NOT NULL",
        method_id,
        user.id
    )
    .fetch_optional(conn)
    .await?
    .ok_or_else(method_not_found)?;
    Ok(Method {
        kind: MethodKind::parse(&row.kind).stored("auth_methods.kind")?,
        id: row.id,
        user_id: row.user_id,
        display_name: row.display_name,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
    })
}

/// Serialises changes to one user's set of methods: a write to the user's
/// row, which PostgreSQL holds locked until the commit (SQLite's
/// `BEGIN IMMEDIATE` serialises every writer anyway). Two removals of two
/// different methods at once must not both see the other one still there.
async fn lock_user(tx: &mut Tx, user: &User) -> Result<()> {
    let locked = sqlx::query!(
        "UPDATE users SET state_changed_at = state_changed_at WHERE id = $1",
        user.id
    )
    .execute(tx.conn())
    .await?;
    if locked.rows_affected() == 1 {
        Ok(())
    } else {
        Err(method_not_found().into())
    }
}

/// Gives one of `user`'s methods a new name ("Work phone"); answers the
/// method as it is now.
#[tracing::instrument(skip_all, fields(user = %user.upn.as_str(), method = method_id))]
pub async fn rename_method(
    pool: &Pool,
    tenant: &Tenant,
    user: &User,
    method_id: &str,
    name: &DisplayName,
    actor: &Actor,
    now: UnixTime,
) -> Result<Method> {
    check_tenant(tenant, user)?;
    let name = name.as_str();
    db::write(pool, async |tx| {
        let method = find_own_method(tx.conn(), user, method_id).await?;
        let renamed = sqlx::query!(
            "UPDATE auth_methods SET display_name = $1
             WHERE id = $2 AND user_id = $3 AND activated_at IS NOT NULL",
            name,
            method.id,
            user.id
        )
        .execute(tx.conn())
        .await?;
        if renamed.rows_affected() != 1 {
            return Err(method_not_found().into());
        }
        let event = Event::success(Action::MfaMethodRenamed, now)
            .by(actor)
            .tenant(&tenant.id)
            .target(user.upn.as_str())
            .detail(serde_json::json!({
                "methodId": method.id,
                "kind": method.kind.as_str(),
                "from": method.display_name,
                "to": name,
            }));
        audit::record(tx, event).await?;
        Ok(Method {
            display_name: name.to_owned(),
            ..method
        })
    })
    .await
}

/// What a removal did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removed {
    /// The method as it was.
    pub method: Method,
    /// It was the user's last method: their recovery codes went with it.
    pub was_last: bool,
}

/// Removes one of `user`'s methods. The last one is refused while MFA is
/// required for the user in `tenant` (422 `lastMethodRequired`, nothing
/// changed); when the last one goes, the recovery codes issued with the
/// first go too.
#[tracing::instrument(skip_all, fields(user = %user.upn.as_str(), method = method_id))]
pub async fn remove_method(
    pool: &Pool,
    tenant: &Tenant,
    user: &User,
    method_id: &str,
    actor: &Actor,
    now: UnixTime,
) -> Result<Removed> {
    check_tenant(tenant, user)?;
    db::write(pool, async |tx| {
        lock_user(tx, user).await?;
        let method = find_own_method(tx.conn(), user, method_id).await?;
        let others = sqlx::query_scalar!(
            "SELECT COUNT(*) FROM auth_methods
             WHERE user_id = $1 AND id <> $2 AND activated_at IS NOT NULL",
            user.id,
            method.id
        )
        .fetch_one(tx.conn())
        .await?;
        let was_last = others == 0;
        if was_last && mfa_required(tx.conn(), tenant, user).await? {
            return Err(AppError::refused(
                LAST_METHOD_REQUIRED,
                format!(
                    "This is your only sign-in method and {} requires MFA for you. \
                     Add another method before you remove this one.",
                    tenant.display_name
                ),
            )
            .into());
        }
        let removed = sqlx::query!(
            "DELETE FROM auth_methods WHERE id = $1 AND user_id = $2",
            method.id,
            user.id
        )
        .execute(tx.conn())
        .await?;
        if removed.rows_affected() != 1 {
            return Err(method_not_found().into());
        }
        let codes_removed = if was_last {
            sqlx::query!("DELETE FROM recovery_codes WHERE user_id = $1", user.id)
                .execute(tx.conn())
                .await?
                .rows_affected()
        } else {
            0
        };
        let event = Event::success(Action::MfaMethodRemoved, now)
            .by(actor)
            .tenant(&tenant.id)
            .target(user.upn.as_str())
            .detail(serde_json::json!({
                "methodId": method.id,
                "kind": method.kind.as_str(),
                "name": method.display_name,
                "wasLast": was_last,
                "recoveryCodesRemoved": codes_removed,
            }));
        audit::record(tx, event).await?;
        Ok(Removed { method, was_last })
    })
    .await
}

/// Replaces `user`'s recovery codes with a new set of ten, to show once:
/// every code of the old set, used or not, stops working. Recovery codes
/// stand in for a method, so a user without one is refused.
#[tracing::instrument(skip_all, fields(user = %user.upn.as_str()))]
pub async fn regenerate_recovery_codes(
    pool: &Pool,
    key: &SecretKey,
    tenant: &Tenant,
    user: &User,
    actor: &Actor,
    now: UnixTime,
) -> Result<Vec<RecoveryCode>> {
    check_tenant(tenant, user)?;
    db::write(pool, async |tx| {
        lock_user(tx, user).await?;
        let methods = sqlx::query_scalar!(
            "SELECT COUNT(*) FROM auth_methods WHERE user_id = $1 AND activated_at IS NOT NULL",
            user.id
        )
        .fetch_one(tx.conn())
        .await?;
        if methods == 0 {
            return Err(AppError::refused(
                "noMethods",
                "Set up a sign-in method first: recovery codes come with it.",
            )
            .into());
        }
        let codes = recovery::replace_codes(tx.conn(), key, &user.id, now).await?;
        let event = Event::success(Action::RecoveryCodesRegenerated, now)
            .by(actor)
            .tenant(&tenant.id)
            .target(user.upn.as_str())
            .detail(serde_json::json!({ "count": codes.len() }));
        audit::record(tx, event).await?;
        Ok(codes)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mfa::ssr::fixture::{fixture, Fixture, T0};
    use crate::mfa::ssr::methods::{list_methods, verify_recovery_code};
    use crate::ssr::Error;

    impl Fixture {
        /// Sets up an authenticator app named `name`; its id and the
        /// recovery codes it brought (only the first brings any).
        async fn named_app(&self, user: &User, name: &str) -> (String, Vec<String>) {
            let (_, activated) = self.app_named(user, name).await;
            let codes = activated
                .recovery_codes
                .iter()
                .map(|code| code.expose().to_owned())
                .collect();
            (activated.method.id, codes)
        }

        async fn methods(&self, user: &User) -> Vec<Method> {
            let mut conn = self.pool.acquire().await.unwrap();
            list_methods(&mut conn, &user.id).await.unwrap()
        }

        async fn codes_left(&self, user: &User) -> i64 {
            let mut conn = self.pool.acquire().await.unwrap();
            recovery::count_unused(&mut conn, &user.id).await.unwrap()
        }

        /// The audit details of `action`, oldest first.
        async fn audited(&self, action: Action) -> Vec<serde_json::Value> {
            let action = action.as_str();
            sqlx::query_scalar!(
                "SELECT detail FROM audit_events WHERE action = $1 ORDER BY id",
                action
            )
            .fetch_all(self.pool.connections())
            .await
            .unwrap()
            .iter()
            .map(|detail| serde_json::from_str(detail).unwrap())
            .collect()
        }

        async fn remove(&self, user: &User, method_id: &str) -> Result<Removed> {
            remove_method(
                &self.pool,
                &self.tenant,
                user,
                method_id,
                &self.actor,
                T0 + 60,
            )
            .await
        }

        async fn set_security_defaults(&self, on: bool) {
            let change = crate::tenants::ssr::SettingsChange {
                security_defaults: Some(on),
                ..Default::default()
            };
            let slug = &self.tenant.slug;
            crate::tenants::ssr::update_settings(&self.pool, slug, change, &self.actor, T0)
                .await
                .unwrap();
        }
    }

    fn is_not_found<T: std::fmt::Debug>(result: &Result<T>) -> bool {
        matches!(result, Err(Error::Public(AppError::NotFound(_))))
    }

    fn is_last_method_refusal<T: std::fmt::Debug>(result: &Result<T>) -> bool {
        matches!(result, Err(Error::Public(AppError::Refused { code, .. })) if code == LAST_METHOD_REQUIRED)
    }

    #[tokio::test]
    async fn a_method_is_renamed_and_the_change_audited() {
        let f = fixture().await;
        let bob = f.user("bob", false).await;
        let (id, _) = f.named_app(&bob, "Phone").await;
        let name = DisplayName::parse("  Work phone ").unwrap();
        let renamed = rename_method(&f.pool, &f.tenant, &bob, &id, &name, &f.actor, T0)
            .await
            .unwrap();
        assert_eq!(renamed.display_name, "Work phone");
        let methods = f.methods(&bob).await;
        assert_eq!(methods[0].display_name, "Work phone");
        let audited = f.audited(Action::MfaMethodRenamed).await;
        assert_eq!(audited.len(), 1);
        assert_eq!(audited[0]["from"], "Phone");
        assert_eq!(audited[0]["to"], "Work phone");
        assert_eq!(audited[0]["methodId"], id.as_str());
    }

    #[tokio::test]
    async fn another_users_method_is_not_found_and_stays_as_it_was() {
        let f = fixture().await;
        let (bob, eve) = (f.user("bob", false).await, f.user("eve", false).await);
        let (bobs, _) = f.named_app(&bob, "Phone").await;
        f.named_app(&eve, "Phone").await;
        let name = DisplayName::parse("Eve's now").unwrap();
        let renamed = rename_method(&f.pool, &f.tenant, &eve, &bobs, &name, &f.actor, T0).await;
        assert!(is_not_found(&renamed), "{renamed:?}");
        let removed = f.remove(&eve, &bobs).await;
        assert!(is_not_found(&removed), "{removed:?}");
        let unknown = f.remove(&eve, "no-such-method").await;
        assert!(is_not_found(&unknown), "{unknown:?}");

        let methods = f.methods(&bob).await;
        assert_eq!(methods.len(), 1);
        assert_eq!(methods[0].display_name, "Phone");
        assert!(f.audited(Action::MfaMethodRenamed).await.is_empty());
        assert!(f.audited(Action::MfaMethodRemoved).await.is_empty());
    }

    #[tokio::test]
    async fn a_second_method_is_removed_and_the_recovery_codes_stay() {
        let f = fixture().await;
        let admin = f.user("admin", true).await;
        let (first, _) = f.named_app(&admin, "Phone").await;
        let (second, _) = f.named_app(&admin, "Tablet").await;
        let removed = f.remove(&admin, &first).await.unwrap();
        assert!(!removed.was_last);
        let methods = f.methods(&admin).await;
        assert_eq!(methods.len(), 1);
        assert_eq!(methods[0].id, second);
        assert_eq!(f.codes_left(&admin).await, recovery::COUNT as i64);
        let audited = f.audited(Action::MfaMethodRemoved).await;
        assert_eq!(audited.len(), 1);
        assert_eq!(audited[0]["methodId"], first.as_str());
        assert_eq!(audited[0]["wasLast"], false);
    }

    #[tokio::test]
    async fn an_admins_last_method_cannot_be_removed_and_nothing_changes() {
        let f = fixture().await;
        let admin = f.user("admin", true).await;
        let (only, _) = f.named_app(&admin, "Phone").await;
        let refused = f.remove(&admin, &only).await;
        assert!(is_last_method_refusal(&refused), "{refused:?}");
        let message = AppError::from(refused.unwrap_err()).to_string();
        assert!(message.contains("Fabrikam requires MFA"), "{message}");
        assert_eq!(f.methods(&admin).await.len(), 1);
        assert_eq!(f.codes_left(&admin).await, recovery::COUNT as i64);
        assert!(f.audited(Action::MfaMethodRemoved).await.is_empty());
    }

    #[tokio::test]
    async fn a_plain_members_last_method_goes_and_takes_the_recovery_codes_with_it() {
        let f = fixture().await;
        let bob = f.user("bob", false).await;
        let (only, codes) = f.named_app(&bob, "Phone").await;
        let removed = f.remove(&bob, &only).await.unwrap();
        assert!(removed.was_last);
        assert!(f.methods(&bob).await.is_empty());
        assert_eq!(f.codes_left(&bob).await, 0);
        let used = verify_recovery_code(&f.pool, &f.key, &bob, &codes[0], &f.actor, T0 + 90).await;
        assert!(used.is_err(), "the codes went with the last method");
        let audited = f.audited(Action::MfaMethodRemoved).await;
        assert_eq!(audited[0]["wasLast"], true);
        assert_eq!(audited[0]["recoveryCodesRemoved"], 10);
    }

    #[tokio::test]
    async fn under_security_defaults_a_members_last_method_stays() {
        let f = fixture().await;
        let bob = f.user("bob", false).await;
        let (only, _) = f.named_app(&bob, "Phone").await;
        f.set_security_defaults(true).await;
        let mut conn = f.pool.acquire().await.unwrap();
        assert!(mfa_required(&mut conn, &f.tenant, &bob).await.unwrap());
        drop(conn);
        let refused = f.remove(&bob, &only).await;
        assert!(is_last_method_refusal(&refused), "{refused:?}");
        assert_eq!(f.methods(&bob).await.len(), 1);

        f.set_security_defaults(false).await;
        f.remove(&bob, &only).await.expect("not required any more");
    }

    #[tokio::test]
    async fn new_recovery_codes_replace_the_whole_set() {
        let f = fixture().await;
        let bob = f.user("bob", false).await;
        let (_, old) = f.named_app(&bob, "Phone").await;
        verify_recovery_code(&f.pool, &f.key, &bob, &old[0], &f.actor, T0)
            .await
            .expect("an old code works before");
        let new = regenerate_recovery_codes(&f.pool, &f.key, &f.tenant, &bob, &f.actor, T0 + 60)
            .await
            .unwrap();
        assert_eq!(new.len(), recovery::COUNT);
        assert_eq!(f.codes_left(&bob).await, recovery::COUNT as i64);
        let stale = verify_recovery_code(&f.pool, &f.key, &bob, &old[1], &f.actor, T0 + 61).await;
        assert!(stale.is_err(), "an unused old code no longer works");
        verify_recovery_code(&f.pool, &f.key, &bob, new[0].expose(), &f.actor, T0 + 62)
            .await
            .expect("a new code works");
        assert_eq!(f.codes_left(&bob).await, recovery::COUNT as i64 - 1);
        let audited = f.audited(Action::RecoveryCodesRegenerated).await;
        assert_eq!(audited, [serde_json::json!({ "count": 10 })]);
    }

    #[tokio::test]
    async fn no_recovery_codes_without_a_method() {
        let f = fixture().await;
        let bob = f.user("bob", false).await;
        let refused =
            regenerate_recovery_codes(&f.pool, &f.key, &f.tenant, &bob, &f.actor, T0).await;
        assert!(
            matches!(&refused, Err(Error::Public(AppError::Refused { code, .. })) if code == "noMethods"),
            "{refused:?}"
        );
        assert_eq!(f.codes_left(&bob).await, 0);
    }
}
