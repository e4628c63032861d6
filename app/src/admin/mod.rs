//! The admin portal `/t/{slug}/admin/…`: one layout, one page per section.

pub mod api;
pub mod layout;
pub mod licensing;
pub mod users;

use serde::{Deserialize, Serialize};

use crate::domain::{ExternalUserState, UserType};

/// What the portal's frame shows about the tenant being administered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminFrame {
    pub tenant_slug: String,
    pub tenant_name: String,
    pub admin_upn: String,
}

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

/// Rows per page of the admin tables.
pub const PAGE_SIZE: i64 = 50;
