//! Tenants: each organisation's directory, its plan and settings.

#[cfg(feature = "ssr")]
pub mod ssr;
