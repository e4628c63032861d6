//! The landing page and the privacy statement; in demo mode the landing
//! page lists the demo sign-ins.

pub mod api;
pub mod page;

use serde::{Deserialize, Serialize};

/// A demo sign-in shown on the landing page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoAccount {
    pub upn: String,
    pub role: String,
}

/// What the landing page shows; the demo part only in demo mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Landing {
    pub demo: Option<DemoSignIns>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoSignIns {
    pub accounts: Vec<DemoAccount>,
    pub password: String,
}
