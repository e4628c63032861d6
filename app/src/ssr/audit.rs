//! The append-only audit trail (DESIGN §2): every sign-in, admin action and
//! security event, written in the same transaction as the change it records,
//! and echoed to the log.

use serde_json::Value;
use sqlx::SqliteConnection;

use super::clock::UnixTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
        }
    }
}

/// One event. `actor` and `target` are UPNs or ids; `detail` never holds a
/// secret.
#[derive(Debug)]
pub struct Event<'a> {
    pub at: UnixTime,
    pub tenant_id: Option<&'a str>,
    pub actor: Option<&'a str>,
    pub action: &'a str,
    pub target: Option<&'a str>,
    pub outcome: Outcome,
    pub ip: Option<&'a str>,
    pub detail: Value,
}

pub async fn record(conn: &mut SqliteConnection, event: Event<'_>) -> Result<(), sqlx::Error> {
    let outcome = event.outcome.as_str();
    let detail = event.detail.to_string();
    sqlx::query!(
        "INSERT INTO audit_events (at, tenant_id, actor, action, target, outcome, ip, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        event.at,
        event.tenant_id,
        event.actor,
        event.action,
        event.target,
        outcome,
        event.ip,
        detail,
    )
    .execute(conn)
    .await?;
    tracing::info!(
        target: "gatehouse::audit",
        action = event.action,
        outcome,
        tenant = event.tenant_id,
        actor = event.actor,
        target = event.target,
        ip = event.ip,
        detail = %detail,
        "audit"
    );
    Ok(())
}
