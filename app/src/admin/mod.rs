//! The admin portal `/t/{slug}/admin/…`: one layout, one page per section.

pub mod api;
pub mod layout;

use serde::{Deserialize, Serialize};

/// What the portal's frame shows about the tenant being administered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminFrame {
    pub tenant_slug: String,
    pub tenant_name: String,
    pub admin_upn: String,
}

/// Rows per page of the admin tables.
pub const PAGE_ROWS: usize = 50;
