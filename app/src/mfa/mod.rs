//! Multi-factor authentication with the resource tenant (DESIGN §1, §2,
//! §3.3): the methods a user object — member or guest — sets up with one
//! tenant, and the challenge that uses them.

#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

/// The kinds of method a user can set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MethodKind {
    /// An authenticator app (TOTP).
    Totp,
    /// A security key or passkey (WebAuthn).
    Webauthn,
}

impl MethodKind {
    /// The stable name (database, REST API, audit).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Totp => "totp",
            Self::Webauthn => "webauthn",
        }
    }

    pub fn parse(input: &str) -> Result<Self, crate::domain::ParseError> {
        match input {
            "totp" => Ok(Self::Totp),
            "webauthn" => Ok(Self::Webauthn),
            _ => Err(crate::domain::ParseError(
                "A method kind is 'totp' or 'webauthn'.".into(),
            )),
        }
    }

    /// How people call it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Totp => "Authenticator app",
            Self::Webauthn => "Security key or passkey",
        }
    }
}
