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

/// An invitation's state. `Expired` is derived: a pending invitation past
/// its expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvitationStatus {
    PendingAcceptance,
    Accepted,
    Revoked,
    Expired,
}

impl InvitationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PendingAcceptance => "PendingAcceptance",
            Self::Accepted => "Accepted",
            Self::Revoked => "Revoked",
            Self::Expired => "Expired",
        }
    }

    pub fn parse(input: &str) -> Result<Self, crate::domain::ParseError> {
        match input {
            "PendingAcceptance" => Ok(Self::PendingAcceptance),
            "Accepted" => Ok(Self::Accepted),
            "Revoked" => Ok(Self::Revoked),
            "Expired" => Ok(Self::Expired),
            _ => Err(crate::domain::ParseError(
                "A status is PendingAcceptance, Accepted, Revoked or Expired.".into(),
            )),
        }
    }
}

/// The result of one row of a bulk invite: the guest's UPN, or why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkOutcome {
    /// The row's line in the file (the header is line 1).
    pub line: u64,
    pub email: String,
    pub result: Result<String, String>,
}
