//! Invitations: an admin, a member (when the tenant lets members invite),
//! the REST API or the CLI invites someone from another organisation; the
//! guest user object exists from that moment (DESIGN §2, §3.1).

pub mod api;
#[cfg(feature = "ssr")]
pub mod bulk;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

pub use crate::domain::InvitationStatus;

/// The result of one row of a bulk invite: the guest's UPN, or why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkOutcome {
    /// The row's line in the file (the header is line 1).
    pub line: u64,
    pub email: String,
    pub result: Result<String, String>,
}
