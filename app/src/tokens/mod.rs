//! Bearer tokens for the REST API (DESIGN §4): made by an admin or the CLI,
//! shown once, stored as SHA-256; the tenant comes from the token.

pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;
