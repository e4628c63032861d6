//! The Settings page's server functions (admins of the tenant only, with
//! their fresh MFA like every admin function).

use leptos::prelude::*;

use super::SettingsView;
use crate::error::AppError;

/// The tenant's settings.
#[server(endpoint = "tenant_settings")]
pub async fn tenant_settings(slug: String) -> Result<SettingsView, AppError> {
    use crate::ssr::request::Request;

    let admin = Request::current()?.admin(&slug).await?;
    Ok(SettingsView::from(&admin.tenant))
}

/// Saves the whole form: a checkbox that is not sent is off, an empty
/// privacy URL means Gatehouse's statement. Bad input changes nothing.
#[server(endpoint = "save_tenant_settings")]
pub async fn save_tenant_settings(
    slug: String,
    members_can_invite: Option<String>,
    email_otp_enabled: Option<String>,
    security_defaults: Option<String>,
    invitation_ttl_days: String,
    privacy_url: String,
) -> Result<SettingsView, AppError> {
    use crate::domain::PrivacyUrl;
    use crate::ssr::request::{fail, respond, Request};
    use crate::tenants::ssr::{update_settings, SettingsChange};

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    let days = invitation_ttl_days.trim().parse::<i64>().map_err(|_| {
        fail(AppError::Invalid {
            field: "invitation_ttl_days".into(),
            message: "Enter a number of days from 1 to 365.".into(),
        })
    })?;
    let privacy_url = match privacy_url.trim() {
        "" => None,
        url => Some(PrivacyUrl::parse(url).map_err(|e| fail(AppError::invalid("privacy_url", e)))?),
    };
    let change = SettingsChange {
        members_can_invite: Some(members_can_invite.is_some()),
        email_otp_enabled: Some(email_otp_enabled.is_some()),
        security_defaults: Some(security_defaults.is_some()),
        invitation_ttl_days: Some(days),
        privacy_url: Some(privacy_url),
    };
    let state = &request.state;
    let tenant = respond(
        update_settings(
            &state.pool,
            &admin.tenant.slug,
            change,
            &admin.actor,
            state.now(),
        )
        .await,
    )?;
    Ok(SettingsView::from(&tenant))
}
