//! MFA's server side: the methods a user object has with its tenant and
//! the checks that use them.
//!
//! - [`methods`]: the methods of a user object, setting up an authenticator
//!   app, the challenge, and proof-up's last step;
//! - [`totp`]: authenticator-app codes (RFC 6238), key URIs and QR codes;
//! - [`recovery`]: the single-use recovery codes;
//! - [`step_up`]: the recent MFA that changing one's methods needs;
//! - [`webauthn`]: passkeys and security keys, and their ceremonies;
//! - [`manage`]: renaming and removing a method, new recovery codes
//!   (Security info, and next the REST API and the CLI);
//! - [`requirement`]: whether MFA is required for a user in a tenant;
//! - [`subject`]: whose methods a step acts on (the caller's own);
//!
//! Guesses are throttled by `crate::ssr::throttle`.

#[cfg(test)]
pub(crate) mod fixture;
pub mod manage;
pub mod methods;
pub mod recovery;
pub mod requirement;
#[cfg(any(test, feature = "test-support"))]
pub mod softkey;
pub mod step_up;
pub mod subject;
pub mod totp;
pub mod webauthn;
