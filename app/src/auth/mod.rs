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
    /// The name they signed in with: a UPN or an e-mail address.
    pub upn: String,
}
