//! The invitation lifecycle (DESIGN §2, §3.1): create (with the guest
//! object), resend, revoke, reset redemption, list. Every change is one
//! transaction with its audit event and its mail, so a crash leaves all of
//! it or none.
//!
//! - [`store`]: the invitation rows, read into [`Invitation`]s and written;
//! - [`lifecycle`]: the services that create, resend and revoke;
//! - [`reset`]: resetting a redeemed guest's redemption.

mod lifecycle;
mod reset;
mod store;

pub use lifecycle::{create_invitation, resend_invitation, revoke_invitation};
pub use reset::{reset_redemption, reset_redemption_in};
pub(crate) use store::stored_message;
pub use store::{find_invitation, list_invitations};

use secrecy::{ExposeSecret, SecretString};

use crate::domain::{DisplayName, Email, InvitationMessage, InvitationStatus, RedirectUrl, Upn};
use crate::ssr::clock::UnixTime;
use crate::ssr::config::PublicUrl;

/// What it takes to invite someone, already parsed.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub email: Email,
    pub display_name: Option<DisplayName>,
    pub redirect_url: RedirectUrl,
    pub message: Option<InvitationMessage>,
    pub send_email: bool,
    /// Let any identity redeem, not only the invited address's owner.
    pub allow_any_identity: bool,
}

/// An invitation as stored (no token: only its hash is kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: String,
    pub tenant_id: String,
    pub guest_user_id: String,
    pub guest_upn: Upn,
    pub invited_email: Email,
    pub invited_name: Option<String>,
    pub redirect_url: RedirectUrl,
    pub message: Option<InvitationMessage>,
    /// The state now: a pending invitation past its expiry is `Expired`.
    pub status: InvitationStatus,
    pub created_by: String,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
    pub redeemed_at: Option<UnixTime>,
    /// Whether its link goes by e-mail (else the inviter hands it over).
    pub send_email: bool,
}

/// A new or re-sent invitation with its redeem link, which exists only now.
pub struct IssuedInvitation {
    pub invitation: Invitation,
    pub redeem_url: SecretString,
}

impl std::fmt::Debug for IssuedInvitation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedInvitation")
            .field("invitation", &self.invitation)
            .finish_non_exhaustive()
    }
}

/// The redeem link for a token.
fn redeem_url(public_url: &PublicUrl, token: &SecretString) -> SecretString {
    SecretString::from(format!(
        "{}/redeem?ticket={}",
        public_url.origin(),
        token.expose_secret()
    ))
}
