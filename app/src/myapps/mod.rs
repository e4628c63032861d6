//! My Apps: where a signed-in person starts — the organisations they
//! belong to (guest tenants and applications join as they are built).

pub mod api;
pub mod page;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub tenant_slug: String,
    pub tenant_name: String,
    pub user_type: crate::domain::UserType,
    pub is_admin: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyAppsOverview {
    pub display_name: String,
    pub upn: String,
    pub memberships: Vec<Membership>,
}
