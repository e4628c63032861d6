//! The append-only audit trail (DESIGN §2): every sign-in, admin action and
//! security event, written in the same transaction as the change it records,
//! and echoed to the log once that transaction has committed (so a rollback
//! leaves neither a row nor a log line).
//!
//! ```text
//! audit::record(tx, Event::success(Action::InvitationRevoked, now)
//!     .by(&actor).tenant(&tenant.id).target(upn)
//!     .detail(json!({ "invitationId": id }))).await?;
//! ```

use serde_json::Value;

use super::actor::Actor;
use super::clock::UnixTime;
use super::db::Tx;

/// What happened. The string names are the stable audit names that
/// operators filter on; never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    SignIn,
    SignOut,
    SessionRevoked,
    TenantCreated,
    TenantPlanChanged,
    TenantSettingsChanged,
    UserCreated,
    ApiTokenCreated,
    ApiTokenRevoked,
    InvitationCreated,
    InvitationResent,
    InvitationRevoked,
    InvitationRedeemed,
    GuestRedemptionReset,
    MfaMethodAdded,
    MfaMethodRenamed,
    MfaMethodRemoved,
    MfaChallengePassed,
    MfaChallengeFailed,
    MfaLocked,
    RecoveryCodeUsed,
    RecoveryCodesRegenerated,
    SigningKeyRotated,
    ApplicationSignIn,
    AuthorizationCodeReplayed,
    ApplicationCreated,
    ApplicationUpdated,
    ApplicationDeleted,
    ApplicationSecretRotated,
    ApplicationUserAssigned,
    ApplicationUserUnassigned,
    PolicyCreated,
    PolicyUpdated,
    PolicyDeleted,
    PartnerUpdated,
    MfaReset,
    UserDisabled,
    UserEnabled,
    UserSessionsRevoked,
}

impl Action {
    /// Every action, in the order the audit log's filter lists them. A new
    /// variant is added here too (the test `every_action_is_listed_once`
    /// does not compile until it is).
    pub const ALL: &'static [Self] = &[
        Self::SignIn,
        Self::SignOut,
        Self::SessionRevoked,
        Self::TenantCreated,
        Self::TenantPlanChanged,
        Self::TenantSettingsChanged,
        Self::UserCreated,
        Self::ApiTokenCreated,
        Self::ApiTokenRevoked,
        Self::InvitationCreated,
        Self::InvitationResent,
        Self::InvitationRevoked,
        Self::InvitationRedeemed,
        Self::GuestRedemptionReset,
        Self::MfaMethodAdded,
        Self::MfaMethodRenamed,
        Self::MfaMethodRemoved,
        Self::MfaChallengePassed,
        Self::MfaChallengeFailed,
        Self::MfaLocked,
        Self::RecoveryCodeUsed,
        Self::RecoveryCodesRegenerated,
        Self::SigningKeyRotated,
        Self::ApplicationSignIn,
        Self::AuthorizationCodeReplayed,
        Self::ApplicationCreated,
        Self::ApplicationUpdated,
        Self::ApplicationDeleted,
        Self::ApplicationSecretRotated,
        Self::ApplicationUserAssigned,
        Self::ApplicationUserUnassigned,
        Self::PolicyCreated,
        Self::PolicyUpdated,
        Self::PolicyDeleted,
        Self::PartnerUpdated,
        Self::MfaReset,
        Self::UserDisabled,
        Self::UserEnabled,
        Self::UserSessionsRevoked,
    ];

    /// The action whose audit name is `name`, as a filter names it.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|action| action.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignIn => "signin",
            Self::SignOut => "signout",
            Self::SessionRevoked => "session.revoke",
            Self::TenantCreated => "tenant.create",
            Self::TenantPlanChanged => "tenant.set_plan",
            Self::TenantSettingsChanged => "tenant.settings_changed",
            Self::UserCreated => "user.create",
            Self::ApiTokenCreated => "api_token.create",
            Self::ApiTokenRevoked => "api_token.revoke",
            Self::InvitationCreated => "invitation.create",
            Self::InvitationResent => "invitation.resend",
            Self::InvitationRevoked => "invitation.revoke",
            Self::InvitationRedeemed => "invitation.redeem",
            Self::GuestRedemptionReset => "guest.reset_redemption",
            Self::MfaMethodAdded => "mfa.method_added",
            Self::MfaMethodRenamed => "mfa.method_renamed",
            Self::MfaMethodRemoved => "mfa.method_removed",
            Self::MfaChallengePassed => "mfa.challenge_passed",
            Self::MfaChallengeFailed => "mfa.challenge_failed",
            Self::MfaLocked => "mfa.locked",
            Self::RecoveryCodeUsed => "mfa.recovery_code_used",
            Self::RecoveryCodesRegenerated => "mfa.recovery_codes_regenerated",
            Self::SigningKeyRotated => "keys.rotate",
            Self::ApplicationSignIn => "application.signin",
            Self::AuthorizationCodeReplayed => "oidc.code_replayed",
            Self::ApplicationCreated => "application.create",
            Self::ApplicationUpdated => "application.update",
            Self::ApplicationDeleted => "application.delete",
            Self::ApplicationSecretRotated => "application.secret_rotate",
            Self::ApplicationUserAssigned => "application.assign",
            Self::ApplicationUserUnassigned => "application.unassign",
            Self::PolicyCreated => "policy.create",
            Self::PolicyUpdated => "policy.update",
            Self::PolicyDeleted => "policy.delete",
            Self::PartnerUpdated => "partner.update",
            Self::MfaReset => "mfa.reset",
            Self::UserDisabled => "user.disable",
            Self::UserEnabled => "user.enable",
            Self::UserSessionsRevoked => "user.revoke_sessions",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    pub const ALL: &'static [Self] = &[Self::Success, Self::Failure];

    /// The outcome named `name` (`success` or `failure`).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|outcome| outcome.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
        }
    }
}

/// One event, built with [`Event::success`] or [`Event::failure`] and the
/// setters. `actor` and `target` are UPNs, names or ids; `detail` never
/// holds a secret.
#[derive(Debug, Clone)]
#[must_use = "an event does nothing until it is recorded"]
pub struct Event {
    at: UnixTime,
    action: Action,
    outcome: Outcome,
    tenant_id: Option<String>,
    actor: Option<String>,
    ip: Option<String>,
    target: Option<String>,
    detail: Value,
}

impl Event {
    pub fn success(action: Action, at: UnixTime) -> Self {
        Self::new(action, Outcome::Success, at)
    }

    pub fn failure(action: Action, at: UnixTime) -> Self {
        Self::new(action, Outcome::Failure, at)
    }

    fn new(action: Action, outcome: Outcome, at: UnixTime) -> Self {
        Self {
            at,
            action,
            outcome,
            tenant_id: None,
            actor: None,
            ip: None,
            target: None,
            detail: Value::Object(serde_json::Map::new()),
        }
    }

    /// Who acted, and from which address.
    pub fn by(mut self, actor: &Actor) -> Self {
        self.actor = Some(actor.audit_name());
        self.ip.clone_from(&actor.ip);
        self
    }

    /// The tenant whose trail this belongs to.
    pub fn tenant(mut self, tenant_id: &str) -> Self {
        self.tenant_id = Some(tenant_id.to_owned());
        self
    }

    /// What was acted on.
    pub fn target(mut self, target: &str) -> Self {
        self.target = Some(target.to_owned());
        self
    }

    /// Facts about the event; never a secret.
    pub fn detail(mut self, detail: Value) -> Self {
        self.detail = detail;
        self
    }

    /// A failure's reason, as `{"reason": …}`.
    pub fn reason(self, reason: &str) -> Self {
        self.detail(serde_json::json!({ "reason": reason }))
    }
}

/// Writes `event` in the transaction; its log line follows the commit.
pub async fn record(tx: &mut Tx, event: Event) -> Result<(), sqlx::Error> {
    let outcome = event.outcome.as_str();
    let action = event.action.as_str();
    let detail = event.detail.to_string();
    sqlx::query!(
        "INSERT INTO audit_events (at, tenant_id, actor, action, target, outcome, ip, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        event.at,
        event.tenant_id,
        event.actor,
        action,
        event.target,
        outcome,
        event.ip,
        detail,
    )
    .execute(tx.conn())
    .await?;
    tx.log_after_commit(Logged { event, detail });
    Ok(())
}

/// A recorded event waiting for its transaction to commit.
#[derive(Debug)]
pub struct Logged {
    event: Event,
    detail: String,
}

impl Logged {
    pub(crate) fn emit(&self) {
        let event = &self.event;
        tracing::info!(
            target: "gatehouse::audit",
            action = event.action.as_str(),
            outcome = event.outcome.as_str(),
            tenant = event.tenant_id.as_deref(),
            actor = event.actor.as_deref(),
            target = event.target.as_deref(),
            ip = event.ip.as_deref(),
            detail = %self.detail,
            "audit"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exhaustive on purpose: a new variant does not compile here until it
    /// is named, which is the reminder to list it in [`Action::ALL`].
    fn is_listed(action: Action) -> bool {
        match action {
            Action::SignIn
            | Action::SignOut
            | Action::SessionRevoked
            | Action::TenantCreated
            | Action::TenantPlanChanged
            | Action::TenantSettingsChanged
            | Action::UserCreated
            | Action::ApiTokenCreated
            | Action::ApiTokenRevoked
            | Action::InvitationCreated
            | Action::InvitationResent
            | Action::InvitationRevoked
            | Action::InvitationRedeemed
            | Action::GuestRedemptionReset
            | Action::MfaMethodAdded
            | Action::MfaMethodRenamed
            | Action::MfaMethodRemoved
            | Action::MfaChallengePassed
            | Action::MfaChallengeFailed
            | Action::MfaLocked
            | Action::RecoveryCodeUsed
            | Action::RecoveryCodesRegenerated
            | Action::SigningKeyRotated
            | Action::ApplicationSignIn
            | Action::AuthorizationCodeReplayed
            | Action::ApplicationCreated
            | Action::ApplicationUpdated
            | Action::ApplicationDeleted
            | Action::ApplicationSecretRotated
            | Action::ApplicationUserAssigned
            | Action::ApplicationUserUnassigned
            | Action::PolicyCreated
            | Action::PolicyUpdated
            | Action::PolicyDeleted
            | Action::PartnerUpdated
            | Action::MfaReset
            | Action::UserDisabled
            | Action::UserEnabled
            | Action::UserSessionsRevoked => Action::ALL.contains(&action),
        }
    }

    #[test]
    fn every_action_is_listed_once() {
        for action in Action::ALL {
            assert!(is_listed(*action));
            assert_eq!(Action::parse(action.as_str()), Some(*action));
        }
        let mut names: Vec<_> = Action::ALL.iter().map(|action| action.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len(), "audit names are distinct");
    }

    #[test]
    fn unknown_names_parse_to_nothing() {
        assert_eq!(Action::parse("signin"), Some(Action::SignIn));
        assert_eq!(Action::parse("SignIn"), None);
        assert_eq!(Action::parse(""), None);
        assert_eq!(Outcome::parse("failure"), Some(Outcome::Failure));
        assert_eq!(Outcome::parse("failed"), None);
    }
}
