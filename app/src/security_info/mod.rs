//! Security info (`/security-info`): where a signed-in person manages their
//! own sign-in methods with each tenant where they have a user object —
//! their home tenant as a member, each resource tenant as a guest (methods
//! belong to the user object in one tenant) — and sees and ends their own
//! sessions. The services are MFA's (`mfa::ssr::manage`) and the sessions'
//! (`auth::ssr`); this folder is the page and its server functions.

pub mod api;
pub mod page;

use serde::{Deserialize, Serialize};

use crate::domain::UserType;
use crate::mfa::MethodKind;

/// One tenant the person can pick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantChoice {
    pub slug: String,
    pub name: String,
    pub user_type: UserType,
}

/// One active method, as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodRow {
    pub id: String,
    pub kind: MethodKind,
    pub name: String,
    /// `YYYY-MM-DD`.
    pub added: String,
    pub last_used: Option<String>,
}

/// The person's user object in the tenant shown, and its methods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantSecurity {
    pub slug: String,
    pub name: String,
    /// The user object's UPN there (a guest's `#EXT#` name).
    pub upn: String,
    pub user_type: UserType,
    pub methods: Vec<MethodRow>,
    pub recovery_codes_left: i64,
    /// Whether the tenant requires MFA of this user: the last method stays.
    pub mfa_required: bool,
}

/// One of the person's own live sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRow {
    /// Names the session for "Sign out" (not its id).
    pub handle: String,
    pub signed_in: String,
    pub expires: String,
    /// The session this page was loaded with.
    pub current: bool,
}

/// What the page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityInfoView {
    /// The person's tenants, home first.
    pub tenants: Vec<TenantChoice>,
    /// The tenant picked (or the default); `None` when they have none.
    pub tenant: Option<TenantSecurity>,
    pub sessions: Vec<SessionRow>,
}
