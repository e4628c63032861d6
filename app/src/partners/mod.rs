//! Inbound trust (DESIGN §1, §2 Partner setting): per partner tenant, and a
//! default for partners without a setting of their own, whether this
//! (resource) tenant accepts the MFA a guest already did at home in that
//! partner tenant instead of challenging again (DESIGN §3.3 step 4).
//!
//! The OIDC authorize step asks [`ssr::trusts_home_mfa`]; the Partners page
//! (`/t/{slug}/admin/partners`) and `/api/v1/partners` change the settings.

pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

/// A partner tenant with a setting of its own, as the Partners page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerView {
    pub tenant_id: String,
    pub name: String,
    pub domain: String,
    /// Whether MFA done at home in this tenant is accepted.
    pub trust_mfa: bool,
    /// `YYYY-MM-DD`.
    pub modified: String,
}

/// What the Partners page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnersView {
    pub tenant_name: String,
    /// The default for partners without a row of their own.
    pub default_trust_mfa: bool,
    pub partners: Vec<PartnerView>,
}
