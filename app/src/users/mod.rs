//! Users of a tenant, members and guests.

#[cfg(feature = "ssr")]
pub mod ssr;
