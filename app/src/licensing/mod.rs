//! A tenant's licence as its admins see it (DESIGN §1, plan / seats): the
//! plan, its seats, the guests and what the seats cover. Plans change
//! through the CLI (`gatehouse tenant set-plan`).

pub mod api;
pub mod page;

use serde::{Deserialize, Serialize};

use crate::domain::Plan;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceSummary {
    pub plan: Plan,
    pub seats: i64,
    pub guests: i64,
    /// Guests the seats cover; `None` on the free plan.
    pub capacity: Option<i64>,
}
