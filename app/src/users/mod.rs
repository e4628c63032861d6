//! Users of a tenant, members and guests: the admin Users page with their
//! MFA methods, its server function, and the user store (`ssr`) that the
//! REST API and the CLI use too — one list service behind all three.

pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

use crate::domain::{ExternalUserState, ParseError, UserType};

/// The kinds of sign-in method a user list shows: the two MFA methods and
/// the recovery codes issued with the first one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum MethodType {
    /// An authenticator app (TOTP).
    Totp,
    /// A passkey or security key (WebAuthn).
    Webauthn,
    /// Single-use recovery codes.
    RecoveryCodes,
}

impl MethodType {
    /// The stable name (REST API `type`, CLI): `totp` and `webauthn` as the
    /// database and `MethodKind` name them, and `recoveryCodes`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Totp => "totp",
            Self::Webauthn => "webauthn",
            Self::RecoveryCodes => "recoveryCodes",
        }
    }

    pub fn parse(input: &str) -> Result<Self, ParseError> {
        match input {
            "totp" => Ok(Self::Totp),
            "webauthn" => Ok(Self::Webauthn),
            "recoveryCodes" => Ok(Self::RecoveryCodes),
            _ => Err(ParseError(
                "A method type is 'totp', 'webauthn' or 'recoveryCodes'.".into(),
            )),
        }
    }

    /// How people call it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Totp => "Authenticator app",
            Self::Webauthn => "Passkey",
            Self::RecoveryCodes => "Recovery codes",
        }
    }
}

/// One kind of method a user has, as the Users table shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodCell {
    pub method: MethodType,
    /// Active methods of the kind; for recovery codes, the unused ones.
    pub count: i64,
    /// `YYYY-MM-DD` of the latest use, if any.
    pub last_used: Option<String>,
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
    /// `false` once an admin disabled the account.
    pub account_enabled: bool,
    /// Authenticator apps, passkeys, recovery codes: the kinds the user has.
    pub methods: Vec<MethodCell>,
}

/// A page of users and the cursor of the next one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPage {
    pub users: Vec<UserRow>,
    /// Where the next page starts (opaque), when there are more users.
    pub next: Option<String>,
}
