//! The `gatehouse` binary's library: start-up, the HTTP router and the
//! operator's command line. Thin: the logic lives in `app`'s services, which
//! the pages, the REST API and these commands share; [`graph`] holds the JSON
//! shapes the REST API and the command line answer with.

pub mod api;
pub mod audit_export;
pub mod cli;
pub mod csrf;
pub mod demo_rp;
pub mod form_outcome;
pub mod graph;
pub mod oidc;
pub mod router;
pub mod secret_key;
pub mod startup;
