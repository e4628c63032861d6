//! Users of a tenant, members and guests: the admin Users page, its server
//! function, and the user store (`ssr`) that the REST API and the CLI use
//! too.

pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

use crate::domain::{ExternalUserState, UserType};

/// One row of the Users table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub id: String,
    pub upn: String,
    pub display_name: String,
    pub user_type: UserType,
    pub external_user_state: Option<ExternalUserState>,
    pub is_admin: bool,
}

/// A page of users and the cursor of the next one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPage {
    pub users: Vec<UserRow>,
    /// The UPN to continue after, when there are more users.
    pub next: Option<String>,
}
