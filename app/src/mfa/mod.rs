//! Multi-factor authentication with the resource tenant (DESIGN §1, §2,
//! §3.3): the methods a user object — member or guest — sets up with one
//! tenant, and the challenge that uses them.

pub mod api;
pub mod passkey;
pub mod recovery_codes;
pub mod setup;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod verify;

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

/// The challenge with `tenant` (empty: a member's own), going on to the
/// local path `next` once passed.
pub fn verify_path(tenant: &str, next: &str) -> String {
    use crate::components::encode_query_value;
    format!(
        "/mfa/verify?tenant={}&next={}",
        encode_query_value(tenant),
        encode_query_value(next)
    )
}

/// Proof-up with `tenant`, going on to the local path `next` once done.
pub fn setup_path(tenant: &str, next: &str) -> String {
    use crate::components::encode_query_value;
    format!(
        "/mfa/setup?tenant={}&next={}",
        encode_query_value(tenant),
        encode_query_value(next)
    )
}

/// Whom the MFA steps are for: the signed-in person's user object in one
/// tenant, and where to go once done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaContext {
    pub tenant_slug: String,
    pub tenant_name: String,
    /// The user object's UPN in that tenant (a guest's `#EXT#` name).
    pub upn: String,
    /// Whether it has an active method (else: proof-up first).
    pub has_methods: bool,
    /// The kinds of its active methods, for the challenge to offer.
    pub kinds: Vec<MethodKind>,
    /// Whether this deployment can register passkeys: browsers allow
    /// WebAuthn on https, and on http only for `localhost`.
    pub passkeys_available: bool,
    /// Whether another method may be added now: the first always, a
    /// further one after a recent MFA with the tenant (step-up).
    pub may_add: bool,
    /// The local path to continue to.
    pub next: String,
}

/// An authenticator app being set up, as the setup page shows it once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpSetupView {
    pub method_id: String,
    /// The key URI as a QR code: an inline SVG made on the server.
    pub qr_svg: String,
    /// The secret in base32 groups, for typing into the app.
    pub secret_text: String,
}

/// Proof-up done: the recovery codes issued with a first method (shown
/// once; empty for a further method) and where to continue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofUpDone {
    pub recovery_codes: Vec<String>,
    pub next: String,
}

/// A passkey registration for the browser to carry out with
/// `navigator.credentials.create()`: the options, and the id of the
/// ceremony the server keeps for it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasskeyCreation {
    pub ceremony_id: String,
    pub options: webauthn_rs_proto::CreationChallengeResponse,
}

/// A passkey challenge for the browser to carry out with
/// `navigator.credentials.get()`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasskeyRequest {
    pub ceremony_id: String,
    pub options: webauthn_rs_proto::RequestChallengeResponse,
}
