//! One user, as its tenant's admins see and act on it
//! (`/t/{slug}/admin/users/{id}`): profile, home identity, invitations,
//! sign-in methods, sessions and recent audit events, and the actions
//! *Reset MFA* (DESIGN §3.4), *Remove one method*, *Revoke sessions*,
//! *Disable* / *Enable* and *Reset redemption*. The services in [`ssr`]
//! serve the REST API and the CLI as well.

pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

use crate::domain::{ExternalUserState, UserType};
use crate::security_info::MethodRow;

/// The user page's path.
pub fn user_path(slug: &str, id: &str) -> String {
    format!(
        "/t/{}/admin/users/{}",
        crate::components::encode_query_value(slug),
        crate::components::encode_query_value(id)
    )
}

/// One invitation the user object was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationLine {
    pub invited_email: String,
    /// `PendingAcceptance`, `Accepted` or `Revoked`.
    pub status: String,
    pub inviter: String,
    /// `YYYY-MM-DD HH:MM UTC`.
    pub sent: String,
    pub redeemed: Option<String>,
}

/// One live session acting as the user object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionLine {
    pub signed_in: String,
    pub expires: String,
    /// When it last passed MFA with this tenant, if it did.
    pub mfa: Option<String>,
}

/// One recent audit event about or by the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventLine {
    pub at: String,
    pub action: String,
    pub actor: String,
    pub outcome: String,
}

/// What the user page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDetail {
    pub id: String,
    pub upn: String,
    pub display_name: String,
    pub mail: Option<String>,
    pub user_type: UserType,
    pub external_user_state: Option<ExternalUserState>,
    pub is_admin: bool,
    pub account_enabled: bool,
    /// `YYYY-MM-DD`.
    pub created: String,
    /// A redeemed guest's home identity, described ("Work account
    /// alice@contoso.test of Contoso").
    pub home: Option<String>,
    pub invitations: Vec<InvitationLine>,
    pub methods: Vec<MethodRow>,
    pub recovery_codes_left: i64,
    pub sessions: Vec<SessionLine>,
    pub events: Vec<EventLine>,
    /// The admin looking is this user: the actions on one's own methods
    /// and account are at Security info.
    pub is_self: bool,
}

/// What *Reset MFA* removed, to tell the admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetSummary {
    pub methods: u64,
    pub recovery_codes: u64,
    pub sessions: u64,
}
