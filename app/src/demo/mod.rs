//! The demo data of DESIGN §7, so a newcomer can walk the whole story.

#[cfg(feature = "ssr")]
pub mod ssr;
