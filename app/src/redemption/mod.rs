//! Redemption (DESIGN §3.2): the guest follows the link, signs in at home
//! (work account, personal account, or an e-mailed one-time passcode),
//! consents, and the guest object becomes `Accepted` — all in one
//! transaction. Opening the link never consumes it. Someone invited who
//! signs in to one of the tenant's applications without having followed the
//! link is redeemed just in time (DESIGN §3.3 step 2): the same consent on
//! `/redeem/consent`, the same transaction.

pub mod api;
pub mod consent;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

/// Where the invited address signs in (home-realm discovery).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum HomeRealm {
    /// The address is in the domain of a tenant here: its work account.
    Work { tenant_name: String },
    /// A personal account exists for the address.
    Personal,
    /// Neither: create a personal account, or (when the inviting tenant
    /// allows it) sign in with a one-time passcode.
    New { email_otp: bool },
}

/// What the redeem page shows about an invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub tenant_name: String,
    pub inviter_name: String,
    pub invited_email: String,
    pub redirect_url: String,
    /// The tenant's privacy statement (its own, or Gatehouse's).
    pub privacy_url: String,
    pub message: Option<String>,
    pub realm: HomeRealm,
    /// Who is signed in now, if anyone, and whether they may redeem.
    pub signed_in: Option<SignedInAs>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedInAs {
    pub display_name: String,
    pub email: String,
    /// The identity owns the invited address (or the invitation allows any).
    pub may_redeem: bool,
}

/// What a requested code is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CodePurpose {
    /// Proving the address before a personal account is made for it.
    SignUp,
    /// Signing in with the address alone.
    OneTimePasscode,
}

impl CodePurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignUp => "signup",
            Self::OneTimePasscode => "otp",
        }
    }
}
