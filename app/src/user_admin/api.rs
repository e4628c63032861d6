//! The user page's server functions. Each authorises on its own: an admin
//! of the tenant with fresh MFA (`Request::admin`); removing someone's
//! methods also needs the admin's own MFA within the last ten minutes
//! (DESIGN §5) — otherwise `MfaRequired`, and the page sends the browser
//! through the challenge and back.

use leptos::prelude::*;

use super::{ResetSummary, UserDetail};
use crate::error::AppError;

/// The admin, the user `id` of their tenant, and what acting needs.
#[cfg(feature = "ssr")]
struct Acting {
    request: crate::ssr::request::Request,
    admin: crate::auth::ssr::AdminContext,
    user: super::ssr::ManagedUser,
}

#[cfg(feature = "ssr")]
impl Acting {
    async fn find(slug: &str, id: &str) -> Result<Self, AppError> {
        use super::ssr::{require_managed_user, UserKey};
        use crate::ssr::request::{fail, respond, Request};

        let request = Request::current()?;
        let admin = request.admin(slug).await?;
        let key = UserKey::parse(id).map_err(|_| fail(AppError::UserNotFound))?;
        let mut conn = respond(request.state.pool.acquire().await.map_err(Into::into))?;
        let user = respond(require_managed_user(&mut conn, &admin.tenant.id, &key).await)?;
        Ok(Self {
            request,
            admin,
            user,
        })
    }

    /// The admin's own MFA passed within the last ten minutes.
    async fn require_step_up(&self) -> Result<(), AppError> {
        use crate::mfa::ssr::step_up::require_recent_mfa;
        use crate::ssr::request::respond;

        let state = &self.request.state;
        let mut conn = respond(state.pool.acquire().await.map_err(Into::into))?;
        respond(
            require_recent_mfa(
                &mut conn,
                &self.admin.principal.session,
                &self.admin.tenant.id,
                state.now(),
            )
            .await,
        )
    }
}

/// The user page of the user `id` (object id or UPN) of tenant `slug`.
#[server(endpoint = "find_user_detail")]
pub async fn find_user_detail(slug: String, id: String) -> Result<UserDetail, AppError> {
    use super::ssr::detail::load_detail;
    use crate::ssr::request::respond;

    let acting = Acting::find(&slug, &id).await?;
    let state = &acting.request.state;
    let mut conn = respond(state.pool.acquire().await.map_err(Into::into))?;
    respond(load_detail(&mut conn, &acting.user, &acting.admin.actor, state.now()).await)
}

/// *Reset MFA*: every method and recovery code of the user goes; they set
/// up a method again at their next MFA with the tenant.
#[server(endpoint = "reset_user_mfa")]
pub async fn reset_user_mfa(slug: String, id: String) -> Result<ResetSummary, AppError> {
    use super::ssr::reset::reset_mfa;
    use crate::ssr::request::respond;

    let acting = Acting::find(&slug, &id).await?;
    acting.require_step_up().await?;
    let state = &acting.request.state;
    let outcome = respond(
        reset_mfa(
            &state.pool,
            state.mail(),
            &acting.admin.tenant,
            &acting.user,
            &acting.admin.actor,
            state.now(),
        )
        .await,
    )?;
    Ok(ResetSummary {
        methods: outcome.methods,
        recovery_codes: outcome.recovery_codes,
        sessions: outcome.sessions,
    })
}

/// *Remove* one of the user's methods. Their last one stays while the
/// tenant requires MFA of them: *Reset MFA* is for that.
#[server(endpoint = "remove_user_method")]
pub async fn remove_user_method(
    slug: String,
    id: String,
    method_id: String,
) -> Result<(), AppError> {
    use crate::mfa::ssr::manage::{remove_method, LAST_METHOD_REQUIRED};
    use crate::ssr::request::fail;

    let acting = Acting::find(&slug, &id).await?;
    if acting.admin.actor.user_id() == Some(acting.user.user.id.as_str()) {
        return Err(fail(AppError::refused(
            "ownMethods",
            "Change your own sign-in methods at Security info.",
        )));
    }
    acting.require_step_up().await?;
    let state = &acting.request.state;
    let removed = remove_method(
        &state.pool,
        &acting.admin.tenant,
        &acting.user.user,
        &method_id,
        &acting.admin.actor,
        state.now(),
    )
    .await
    .map_err(AppError::from);
    match removed {
        Ok(_) => Ok(()),
        Err(AppError::Refused { code, .. }) if code == LAST_METHOD_REQUIRED => {
            Err(fail(AppError::refused(
                LAST_METHOD_REQUIRED,
                format!(
                    "This is {}'s only sign-in method and {} requires MFA for them. \
                     Use Reset MFA to have them set up a new one.",
                    acting.user.user.display_name, acting.admin.tenant.display_name
                ),
            )))
        }
        Err(error) => Err(fail(error)),
    }
}

/// *Revoke sessions*: answers how many sessions were revoked or challenged
/// again.
#[server(endpoint = "revoke_user_sessions")]
pub async fn revoke_user_sessions(slug: String, id: String) -> Result<u64, AppError> {
    use super::ssr::account::revoke_sessions;
    use crate::ssr::request::respond;

    let acting = Acting::find(&slug, &id).await?;
    let state = &acting.request.state;
    let ended = respond(
        revoke_sessions(
            &state.pool,
            &acting.admin.tenant,
            &acting.user,
            &acting.admin.actor,
            state.now(),
        )
        .await,
    )?;
    Ok(ended.sessions + ended.mfa_cleared)
}

/// *Disable* (`enabled` = "false") or *Enable* ("true") the account.
#[server(endpoint = "set_user_enabled")]
pub async fn set_user_enabled(slug: String, id: String, enabled: String) -> Result<(), AppError> {
    use super::ssr::account::set_account_enabled;
    use crate::ssr::request::{fail, respond};

    let enabled = match enabled.as_str() {
        "true" => true,
        "false" => false,
        _ => {
            return Err(fail(AppError::Invalid {
                field: "enabled".into(),
                message: "Say 'true' or 'false'.".into(),
            }))
        }
    };
    let acting = Acting::find(&slug, &id).await?;
    let state = &acting.request.state;
    respond(
        set_account_enabled(
            &state.pool,
            &acting.admin.tenant,
            &acting.user,
            enabled,
            &acting.admin.actor,
            state.now(),
        )
        .await,
    )?;
    Ok(())
}

/// *Reset redemption* of a redeemed guest: unbound from its home identity
/// and invited again (to the target of its last invitation); with
/// `clear_methods` ("on") its methods are reset in the same transaction.
#[server(endpoint = "reset_user_redemption")]
pub async fn reset_user_redemption(
    slug: String,
    id: String,
    clear_methods: Option<String>,
) -> Result<(), AppError> {
    use super::ssr::reset::reset_mfa_in;
    use crate::domain::RedirectUrl;
    use crate::invitations::ssr::reset_redemption_in;
    use crate::ssr::db;
    use crate::ssr::request::{fail, respond};

    let clear_methods = clear_methods.as_deref() == Some("on");
    let acting = Acting::find(&slug, &id).await?;
    if clear_methods {
        acting.require_step_up().await?;
    }
    let state = &acting.request.state;
    let (tenant, user, actor) = (&acting.admin.tenant, &acting.user, &acting.admin.actor);
    let last_target = {
        let mut conn = respond(state.pool.acquire().await.map_err(Into::into))?;
        sqlx::query_scalar!(
            "SELECT redirect_url FROM invitations WHERE guest_user_id = $1
             ORDER BY created_at DESC, id LIMIT 1",
            user.user.id
        )
        .fetch_optional(&mut *conn)
        .await
        .map_err(|error| fail(crate::ssr::Error::from(error)))?
    };
    let fallback = format!("{}/myapps", state.config.public_url.origin());
    let redirect_url = RedirectUrl::parse(last_target.as_deref().unwrap_or(&fallback))
        .map_err(|error| fail(AppError::invalid("redirect_url", error)))?;
    let now = state.now();
    respond(
        db::write(&state.pool, async |tx| {
            // The methods first: clearing the MFA of the guest's sessions
            // finds them through the home identity that the reset unbinds.
            if clear_methods {
                reset_mfa_in(tx, state.mail(), tenant, user, actor, now).await?;
            }
            reset_redemption_in(
                tx,
                state.mail(),
                tenant,
                &user.user.id,
                &redirect_url,
                actor,
                now,
            )
            .await?;
            Ok(())
        })
        .await,
    )
}
