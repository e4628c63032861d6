//! The Policies page's server functions, and the *Require MFA* switch that
//! an application's page shows. Each authorises its caller as an admin of
//! the tenant in its arguments (with fresh MFA, like every admin function);
//! the policies and applications they name are looked up in that tenant
//! only.

// `save_policy` takes one argument per form field; the server macro
// generates the browser's function from them, where an item attribute
// does not reach.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use super::PoliciesView;
use crate::error::AppError;

/// The tenant's policies, its plan, and its applications to choose from.
#[server(endpoint = "policies_overview")]
pub async fn policies_overview(slug: String) -> Result<PoliciesView, AppError> {
    use crate::ssr::request::{respond, Request};

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    let mut conn = respond(request.state.pool.acquire().await.map_err(Into::into))?;
    respond(super::ssr::policies_view(&mut conn, &admin.tenant).await)
}

/// Creates (`id` empty) or replaces the policy `id` with the whole form.
/// Users are UPNs (or ids), one per line; a checkbox not sent is off; an
/// empty freshness means the session's. Answers the policy's id. Bad input
/// changes nothing; errors name the REST API's fields (`displayName`,
/// `includeUsers`, `excludeUsers`, `includeApplications`, `grantControls`,
/// `signInFrequency`).
#[server(endpoint = "save_policy")]
pub async fn save_policy(
    slug: String,
    id: Option<String>,
    name: String,
    state: String,
    include: String,
    included_users: Option<String>,
    excluded_users: Option<String>,
    applications: String,
    application_ids: Option<Vec<String>>,
    require_mfa: Option<String>,
    phishing_resistant_only: Option<String>,
    mfa_freshness_minutes: Option<String>,
) -> Result<String, AppError> {
    use super::ssr::{create_policy, update_policy, Applications, Grant, Include, NewPolicy};
    use super::{IncludeUsers, MfaFreshness, PolicyState};
    use crate::domain::DisplayName;
    use crate::ssr::request::{fail, respond, Request};

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    let field =
        |field: &'static str| move |e: crate::domain::ParseError| fail(AppError::invalid(field, e));
    let include = match IncludeUsers::parse(&include).map_err(field("includeUsers"))? {
        IncludeUsers::All => Include::All,
        IncludeUsers::Guests => Include::Guests,
        IncludeUsers::Members => Include::Members,
        IncludeUsers::Listed => {
            Include::Listed(user_lines(included_users.as_deref()).map_err(field("includeUsers"))?)
        }
    };
    let applications = match applications.as_str() {
        "all" => Applications::All,
        "listed" => Applications::Listed(application_ids.unwrap_or_default()),
        _ => {
            return Err(fail(AppError::Invalid {
                field: "includeApplications".into(),
                message: "Choose all applications or listed ones.".into(),
            }))
        }
    };
    let new = NewPolicy {
        name: DisplayName::parse(&name).map_err(field("displayName"))?,
        state: PolicyState::parse(&state).map_err(field("state"))?,
        include,
        exclude: user_lines(excluded_users.as_deref()).map_err(field("excludeUsers"))?,
        applications,
        grant: Grant {
            require_mfa: require_mfa.is_some(),
            phishing_resistant_only: phishing_resistant_only.is_some(),
        },
        mfa_freshness: match mfa_freshness_minutes.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(minutes) => Some(MfaFreshness::parse(minutes).map_err(field("signInFrequency"))?),
        },
    };
    let state = &request.state;
    let (tenant, actor) = (&admin.tenant, &admin.actor);
    let policy = match id.as_deref().map(str::trim).filter(|id| !id.is_empty()) {
        None => create_policy(&state.pool, tenant, new, actor, state.now()).await,
        Some(id) => update_policy(&state.pool, tenant, id, new.into(), actor, state.now()).await,
    };
    Ok(respond(policy)?.id)
}

/// Users typed one per line (commas and blanks separate too).
#[cfg(feature = "ssr")]
fn user_lines(text: Option<&str>) -> Result<Vec<super::ssr::UserRef>, crate::domain::ParseError> {
    text.unwrap_or_default()
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|line| !line.is_empty())
        .map(super::ssr::UserRef::parse)
        .collect()
}

#[server(endpoint = "delete_policy")]
pub async fn delete_policy(slug: String, id: String) -> Result<(), AppError> {
    use crate::ssr::request::{respond, Request};

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    let state = &request.state;
    respond(
        super::ssr::delete_policy(&state.pool, &admin.tenant, &id, &admin.actor, state.now()).await,
    )
}

/// The *Require MFA* switch of an application's page: on writes (or
/// switches on) the policy "Require MFA for <application>" for all users of
/// that one application; off switches it off. Answers the switch's state.
/// Refused with `premiumRequired` on a free tenant.
#[server(endpoint = "set_application_requires_mfa")]
pub async fn set_application_requires_mfa(
    slug: String,
    application_id: String,
    on: bool,
) -> Result<bool, AppError> {
    use crate::ssr::db;
    use crate::ssr::request::{respond, Request};

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    let state = &request.state;
    let now = state.now();
    let policy = respond(
        db::write(&state.pool, async |tx| {
            super::ssr::require_mfa_for_application(
                tx,
                &admin.tenant,
                &admin.actor,
                &application_id,
                on,
                now,
            )
            .await
        })
        .await,
    )?;
    Ok(policy
        .is_some_and(|policy| policy.state == super::PolicyState::On && policy.grant.require_mfa))
}

/// Whether the *Require MFA* switch of the application is on.
#[server(endpoint = "application_requires_mfa")]
pub async fn application_requires_mfa(
    slug: String,
    application_id: String,
) -> Result<bool, AppError> {
    use crate::ssr::request::{respond, Request};

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    let mut conn = respond(request.state.pool.acquire().await.map_err(Into::into))?;
    respond(super::ssr::application_requires_mfa(&mut conn, &admin.tenant, &application_id).await)
}
