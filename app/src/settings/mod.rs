//! A tenant's settings as its admins change them (DESIGN §1, §3.1): who may
//! invite, whether guests may use an e-mailed passcode, security defaults,
//! how long invitations stay valid, and the tenant's own privacy statement.
//! The same service backs the Settings page, `PATCH /api/v1/organization`
//! and `gatehouse tenant set`.

pub mod api;
pub mod page;

use serde::{Deserialize, Serialize};

/// The settings as the page shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsView {
    pub tenant_name: String,
    pub members_can_invite: bool,
    pub email_otp_enabled: bool,
    pub security_defaults: bool,
    pub invitation_ttl_days: i64,
    /// The tenant's own privacy statement; empty: Gatehouse's.
    pub privacy_url: String,
}

#[cfg(feature = "ssr")]
impl From<&crate::tenants::ssr::Tenant> for SettingsView {
    fn from(tenant: &crate::tenants::ssr::Tenant) -> Self {
        Self {
            tenant_name: tenant.display_name.clone(),
            members_can_invite: tenant.members_can_invite,
            email_otp_enabled: tenant.email_otp_enabled,
            security_defaults: tenant.security_defaults,
            invitation_ttl_days: tenant.invitation_ttl_days,
            privacy_url: tenant
                .privacy_url
                .as_ref()
                .map(|url| url.as_str().to_owned())
                .unwrap_or_default(),
        }
    }
}
