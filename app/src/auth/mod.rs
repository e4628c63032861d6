//! Signing in and out, and who the caller is.

pub mod api;
pub mod signin;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

/// The signed-in person, as the pages show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub display_name: String,
    pub upn: String,
    pub tenant_slug: String,
    pub tenant_name: String,
    pub is_admin: bool,
}
