//! Bearer tokens for the REST API (DESIGN §4): made by an admin or the CLI,
//! shown once, stored as SHA-256; the tenant comes from the token.

pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

/// One row of the API tokens table (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub created_by: String,
    pub created: String,
    pub last_used: Option<String>,
    pub revoked: bool,
}
