//! The Partners page's server functions; each authorises its caller as an
//! admin of the tenant in its arguments (with fresh MFA).

use leptos::prelude::*;

use super::PartnersView;
use crate::error::AppError;

/// The default and the partners with a setting of their own.
#[server(endpoint = "partner_overview")]
pub async fn partner_overview(slug: String) -> Result<PartnersView, AppError> {
    use crate::ssr::request::{respond, Request};

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    let mut conn = respond(request.state.pool.acquire().await.map_err(Into::into))?;
    respond(super::ssr::partners_view(&mut conn, &admin.tenant).await)
}

/// Trust MFA from partners without a setting of their own (a checkbox: not
/// sent is off).
#[server(endpoint = "set_default_partner_trust")]
pub async fn set_default_partner_trust(
    slug: String,
    trust_mfa: Option<String>,
) -> Result<bool, AppError> {
    use crate::ssr::request::{respond, Request};

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    let state = &request.state;
    respond(
        super::ssr::set_default_trust(
            &state.pool,
            &admin.tenant,
            trust_mfa.is_some(),
            &admin.actor,
            state.now(),
        )
        .await,
    )
}

/// Gives the partner tenant `partner` — its domain, slug or id — a setting
/// of its own (adds it to the table, or changes its row).
#[server(endpoint = "set_partner_trust")]
pub async fn set_partner_trust(
    slug: String,
    partner: String,
    trust_mfa: Option<String>,
) -> Result<(), AppError> {
    use crate::ssr::request::{fail, respond, Request};

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    if partner.trim().is_empty() {
        return Err(fail(AppError::Invalid {
            field: "tenantId".into(),
            message: "Enter the partner tenant's domain, like contoso.test.".into(),
        }));
    }
    let state = &request.state;
    respond(
        super::ssr::set_partner_trust(
            &state.pool,
            &admin.tenant,
            &partner,
            trust_mfa.is_some(),
            &admin.actor,
            state.now(),
        )
        .await,
    )
    .map(drop)
}

/// Removes the partner's own setting; the default applies to it again.
#[server(endpoint = "remove_partner")]
pub async fn remove_partner(slug: String, partner: String) -> Result<(), AppError> {
    use crate::ssr::request::{respond, Request};

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    let state = &request.state;
    respond(
        super::ssr::remove_partner(
            &state.pool,
            &admin.tenant,
            &partner,
            &admin.actor,
            state.now(),
        )
        .await,
    )
}
