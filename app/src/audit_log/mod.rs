//! The audit log (DESIGN §2 Audit event, §4): what an admin reads of the
//! tenant's append-only trail — every sign-in, MFA event and admin action —
//! filtered by actor, target, action, outcome and time, newest first, in
//! keyset pages (`/t/{slug}/admin/audit`, `GET /api/v1/audit`), and exported
//! as CSV. Reading only: nothing anywhere updates or deletes an audit event,
//! and the table's triggers refuse both.

pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

use crate::components::encode_query_value;

/// The filters as they are typed: the page's URL query, the server
/// function's arguments, the REST API's query. Empty means "any". Parsed
/// (and refused when bad) on the server, by `ssr::AuditFilter::parse`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilterInput {
    /// Who acted, exactly as the log names them (a UPN, `api-token:…`).
    pub actor: Option<String>,
    /// What was acted on, exactly as the log names it.
    pub target: Option<String>,
    /// An action's audit name (`signin`, `policy.update`, …).
    pub action: Option<String>,
    /// `success` or `failure`.
    pub outcome: Option<String>,
    /// From this instant or day (UTC) on: `YYYY-MM-DD`, RFC 3339 or Unix
    /// seconds.
    pub from: Option<String>,
    /// Up to this instant, or to the end of this day (UTC), inclusive.
    pub to: Option<String>,
}

impl AuditFilterInput {
    /// The filters given, as `(name, value)`; empty ones are left out.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("actor", &self.actor),
            ("target", &self.target),
            ("action", &self.action),
            ("outcome", &self.outcome),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .filter_map(|(name, value)| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|value| !value.is_empty())
                .map(|value| (name, value))
        })
        .collect()
    }

    /// The filters as a URL query without the `?` (`actor=…&action=…`).
    pub fn to_query(&self) -> String {
        self.pairs()
            .into_iter()
            .map(|(name, value)| format!("{name}={}", encode_query_value(value)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// One row of the audit log table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    /// The event's place in the trail (ascending with time).
    pub id: i64,
    /// `YYYY-MM-DD HH:MM:SS UTC`.
    pub at: String,
    /// RFC 3339, for `<time datetime>`.
    pub at_rfc3339: String,
    pub actor: Option<String>,
    pub action: String,
    pub target: Option<String>,
    /// `success` or `failure`.
    pub outcome: String,
    pub ip: Option<String>,
    /// The event's facts as compact JSON (`{}` when none).
    pub detail: String,
}

/// A page of the audit log, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLog {
    pub rows: Vec<AuditRow>,
    /// The opaque cursor of the next (older) page, when there is one.
    pub next: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_keeps_only_the_filters_given_and_encodes_them() {
        let input = AuditFilterInput {
            actor: Some("admin@woodgrove.test".into()),
            action: Some("  ".into()),
            target: Some("a b&c".into()),
            from: Some("2026-11-25".into()),
            ..Default::default()
        };
        assert_eq!(
            input.to_query(),
            "actor=admin%40woodgrove.test&target=a%20b%26c&from=2026-11-25"
        );
        assert_eq!(AuditFilterInput::default().to_query(), "");
    }
}
