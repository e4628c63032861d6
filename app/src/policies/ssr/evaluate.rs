//! Policy evaluation (DESIGN §3.3 step 4): which of a tenant's policies
//! apply to a user opening an application, and what they require. Pure —
//! no I/O, no clock — so that every combination is a line of a table test;
//! [`super::evaluate_for`] loads the policies and calls [`evaluate`].
//!
//! The rules:
//! - an `Off` policy never applies;
//! - a policy applies when it includes the user (all, guests, members, or
//!   the listed users), does not exclude them (exclusion beats inclusion),
//!   and covers the application (all, or listed);
//! - the policies that are `On` and require MFA combine into the strictest
//!   requirement: phishing-resistant only if any says so, the smallest
//!   freshness window of those that set one;
//! - the `ReportOnly` ones that would have required MFA are returned apart:
//!   the caller writes them to the audit log and lets the user through.

use serde_json::json;

use super::{Applications, Include, Policy};
use crate::domain::UserType;
use crate::policies::{MfaFreshness, PolicyState};
use crate::ssr::clock::UnixTime;

/// What the tenant's policies say about one user opening one application.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// What the enforced (`On`) policies require; `None`: no MFA is required.
    pub mfa: Option<MfaRequirement>,
    /// The report-only policies that would have required MFA. They change
    /// nothing: the caller audits them ("would have required MFA") and lets
    /// the user through on their account.
    pub report_only: Vec<AppliedPolicy>,
}

impl Outcome {
    pub fn requires_mfa(&self) -> bool {
        self.mfa.is_some()
    }

    /// The outcome for an audit event's detail: `{"mfaRequired",
    /// "phishingResistantOnly", "freshnessMinutes", "policies", "reportOnly"}`,
    /// policies by name.
    pub fn audit_detail(&self) -> serde_json::Value {
        let names = |policies: &[AppliedPolicy]| {
            policies
                .iter()
                .map(|policy| policy.name.clone())
                .collect::<Vec<_>>()
        };
        let required = self.mfa.as_ref();
        json!({
            "mfaRequired": required.is_some(),
            "phishingResistantOnly": required.is_some_and(|mfa| mfa.phishing_resistant_only),
            "freshnessMinutes": required.and_then(|mfa| mfa.freshness).map(MfaFreshness::minutes),
            "policies": required.map(|mfa| names(&mfa.policies)).unwrap_or_default(),
            "reportOnly": names(&self.report_only),
        })
    }
}

/// The MFA that the enforced policies require, combined to the strictest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaRequirement {
    /// Only a passkey or security key (WebAuthn) counts.
    pub phishing_resistant_only: bool,
    /// How recent the MFA must be; `None`: an MFA of the session counts
    /// for as long as the session lives.
    pub freshness: Option<MfaFreshness>,
    /// The policies that require it, for the audit trail.
    pub policies: Vec<AppliedPolicy>,
}

impl MfaRequirement {
    /// Whether an MFA passed with the tenant at `mfa_at` — with a
    /// phishing-resistant method or not — meets this requirement at `now`.
    pub fn is_met_by(&self, mfa_at: UnixTime, phishing_resistant: bool, now: UnixTime) -> bool {
        if self.phishing_resistant_only && !phishing_resistant {
            return false;
        }
        match self.freshness {
            None => true,
            Some(freshness) => now - mfa_at <= i64::from(freshness.minutes()) * 60,
        }
    }
}

/// A policy that applied, and what it asked for on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedPolicy {
    pub id: String,
    pub name: String,
    pub phishing_resistant_only: bool,
    pub freshness: Option<MfaFreshness>,
}

/// Evaluates `policies` (one tenant's) for the user `user_id`, a guest or a
/// member, opening the application `application_id`.
pub fn evaluate(
    policies: &[Policy],
    user_id: &str,
    user_kind: UserType,
    application_id: &str,
) -> Outcome {
    let mut outcome = Outcome::default();
    let applying = policies.iter().filter(|policy| {
        policy.state.is_evaluated()
            && policy.grant.require_mfa
            && includes(policy, user_id, user_kind)
            && covers(&policy.applications, application_id)
    });
    for policy in applying {
        let applied = AppliedPolicy {
            id: policy.id.clone(),
            name: policy.name.clone(),
            phishing_resistant_only: policy.grant.phishing_resistant_only,
            freshness: policy.mfa_freshness,
        };
        if policy.state == PolicyState::ReportOnly {
            outcome.report_only.push(applied);
            continue;
        }
        let required = outcome.mfa.get_or_insert_with(|| MfaRequirement {
            phishing_resistant_only: false,
            freshness: None,
            policies: Vec::new(),
        });
        required.phishing_resistant_only |= applied.phishing_resistant_only;
        required.freshness = match (required.freshness, applied.freshness) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        required.policies.push(applied);
    }
    outcome
}

/// Whether the policy's users include this one (exclusion wins).
fn includes(policy: &Policy, user_id: &str, user_kind: UserType) -> bool {
    if policy.exclude.iter().any(|excluded| excluded == user_id) {
        return false;
    }
    match &policy.include {
        Include::All => true,
        Include::Guests => user_kind == UserType::Guest,
        Include::Members => user_kind == UserType::Member,
        Include::Listed(users) => users.iter().any(|listed| listed == user_id),
    }
}

fn covers(applications: &Applications, application_id: &str) -> bool {
    match applications {
        Applications::All => true,
        Applications::Listed(ids) => ids.iter().any(|id| id == application_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policies::ssr::Grant;

    const USER: &str = "user-1";
    const APP: &str = "app-foo";

    fn policy(state: PolicyState, include: Include, applications: Applications) -> Policy {
        Policy {
            id: "p".into(),
            tenant_id: "t".into(),
            name: "P".into(),
            state,
            include,
            exclude: Vec::new(),
            applications,
            grant: Grant {
                require_mfa: true,
                phishing_resistant_only: false,
            },
            mfa_freshness: None,
            created_at: 0,
            updated_at: 0,
        }
    }

    fn listed_user() -> Include {
        Include::Listed(vec!["someone-else".into(), USER.into()])
    }

    fn other_user() -> Include {
        Include::Listed(vec!["someone-else".into()])
    }

    fn listed_app() -> Applications {
        Applications::Listed(vec!["app-bar".into(), APP.into()])
    }

    fn other_app() -> Applications {
        Applications::Listed(vec!["app-bar".into()])
    }

    /// What the table expects of one line.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Expect {
        /// MFA is required.
        Mfa,
        /// Only a report-only policy would have required it.
        Report,
        /// Nothing applies.
        Nothing,
    }

    #[test]
    fn the_table_of_user_kind_lists_application_and_state() {
        use Expect::{Mfa, Nothing, Report};
        use PolicyState::{Off, On, ReportOnly};
        use UserType::{Guest, Member};

        let excluded = |mut policy: Policy| {
            policy.exclude = vec![USER.into()];
            policy
        };
        #[rustfmt::skip]
        let table: Vec<(&str, UserType, Policy, Expect)> = vec![
            ("a policy for all users on all apps requires MFA of a guest",
                Guest, policy(On, Include::All, Applications::All), Mfa),
            ("a policy for all users on all apps requires MFA of a member",
                Member, policy(On, Include::All, Applications::All), Mfa),
            ("a guests policy requires MFA of a guest",
                Guest, policy(On, Include::Guests, Applications::All), Mfa),
            ("a guests policy leaves a member alone",
                Member, policy(On, Include::Guests, Applications::All), Nothing),
            ("a members policy requires MFA of a member",
                Member, policy(On, Include::Members, Applications::All), Mfa),
            ("a members policy leaves a guest alone",
                Guest, policy(On, Include::Members, Applications::All), Nothing),
            ("a listed user is included whatever their kind",
                Guest, policy(On, listed_user(), Applications::All), Mfa),
            ("a user not listed is not included",
                Member, policy(On, other_user(), Applications::All), Nothing),
            ("an excluded user is left alone by a policy for all",
                Member, excluded(policy(On, Include::All, Applications::All)), Nothing),
            ("an excluded guest is left alone by a guests policy",
                Guest, excluded(policy(On, Include::Guests, Applications::All)), Nothing),
            ("exclusion beats being listed",
                Guest, excluded(policy(On, listed_user(), Applications::All)), Nothing),
            ("a policy listing the application applies to it",
                Guest, policy(On, Include::All, listed_app()), Mfa),
            ("a policy listing other applications does not apply",
                Guest, policy(On, Include::All, other_app()), Nothing),
            ("an off policy never applies",
                Guest, policy(Off, Include::All, Applications::All), Nothing),
            ("an off policy never applies, even to a listed user and app",
                Member, policy(Off, listed_user(), listed_app()), Nothing),
            ("a report-only policy reports and requires nothing",
                Guest, policy(ReportOnly, Include::All, Applications::All), Report),
            ("a report-only guests policy reports a guest on a listed app",
                Guest, policy(ReportOnly, Include::Guests, listed_app()), Report),
            ("a report-only guests policy says nothing of a member",
                Member, policy(ReportOnly, Include::Guests, Applications::All), Nothing),
            ("a report-only policy says nothing of an excluded user",
                Guest, excluded(policy(ReportOnly, Include::All, Applications::All)), Nothing),
            ("a report-only policy says nothing of another application",
                Guest, policy(ReportOnly, Include::All, other_app()), Nothing),
        ];
        for (sentence, kind, policy, expected) in table {
            let outcome = evaluate(std::slice::from_ref(&policy), USER, kind, APP);
            let got = match (&outcome.mfa, outcome.report_only.is_empty()) {
                (Some(_), true) => Mfa,
                (None, false) => Report,
                (None, true) => Nothing,
                (Some(_), false) => panic!("{sentence}: both enforced and reported: {outcome:?}"),
            };
            assert_eq!(got, expected, "{sentence}: {outcome:?}");
        }
    }

    #[test]
    fn a_policy_without_the_mfa_grant_requires_nothing() {
        let mut quiet = policy(PolicyState::On, Include::All, Applications::All);
        quiet.grant.require_mfa = false;
        let outcome = evaluate(&[quiet], USER, UserType::Guest, APP);
        assert_eq!(outcome, Outcome::default());
    }

    #[test]
    fn no_policies_require_nothing() {
        assert_eq!(
            evaluate(&[], USER, UserType::Member, APP),
            Outcome::default()
        );
    }

    fn named(name: &str, phishing_resistant_only: bool, freshness: Option<u32>) -> Policy {
        let mut policy = policy(PolicyState::On, Include::All, Applications::All);
        policy.id = format!("id-{name}");
        policy.name = name.into();
        policy.grant.phishing_resistant_only = phishing_resistant_only;
        policy.mfa_freshness = freshness.map(|m| MfaFreshness::from_minutes(m.into()).unwrap());
        policy
    }

    #[test]
    fn several_policies_combine_into_the_strictest_requirement() {
        let policies = [
            named("Session MFA", false, None),
            named("Hourly", false, Some(60)),
            named("Passkeys", true, Some(480)),
        ];
        let outcome = evaluate(&policies, USER, UserType::Guest, APP);
        let required = outcome.mfa.expect("MFA");
        assert!(required.phishing_resistant_only, "any phishing-resistant");
        assert_eq!(required.freshness.map(MfaFreshness::minutes), Some(60));
        let names: Vec<_> = required.policies.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Session MFA", "Hourly", "Passkeys"]);
    }

    #[test]
    fn a_policy_without_a_freshness_window_leaves_the_others_in_force() {
        let policies = [
            named("Session MFA", false, None),
            named("Daily", false, Some(1440)),
        ];
        let required = evaluate(&policies, USER, UserType::Member, APP)
            .mfa
            .expect("MFA");
        assert!(!required.phishing_resistant_only);
        assert_eq!(required.freshness.map(MfaFreshness::minutes), Some(1440));
    }

    #[test]
    fn report_only_policies_do_not_tighten_the_enforced_requirement() {
        let mut strict = named("Passkeys soon", true, Some(5));
        strict.state = PolicyState::ReportOnly;
        let policies = [named("MFA", false, None), strict];
        let outcome = evaluate(&policies, USER, UserType::Guest, APP);
        let required = outcome.mfa.clone().expect("MFA");
        assert!(!required.phishing_resistant_only);
        assert_eq!(required.freshness, None);
        assert_eq!(outcome.report_only.len(), 1);
        let reported = &outcome.report_only[0];
        assert_eq!(reported.name, "Passkeys soon");
        assert!(reported.phishing_resistant_only);
        assert_eq!(
            outcome.audit_detail(),
            json!({
                "mfaRequired": true,
                "phishingResistantOnly": false,
                "freshnessMinutes": null,
                "policies": ["MFA"],
                "reportOnly": ["Passkeys soon"],
            })
        );
    }

    #[test]
    fn an_mfa_meets_a_requirement_while_fresh_and_of_the_right_kind() {
        let now = 1_000_000;
        let any = MfaRequirement {
            phishing_resistant_only: false,
            freshness: None,
            policies: Vec::new(),
        };
        assert!(any.is_met_by(0, false, now), "no window: the session's");
        let hourly = MfaRequirement {
            freshness: Some(MfaFreshness::from_minutes(60).unwrap()),
            ..any.clone()
        };
        assert!(hourly.is_met_by(now - 3600, false, now));
        assert!(!hourly.is_met_by(now - 3601, false, now));
        let passkeys = MfaRequirement {
            phishing_resistant_only: true,
            ..hourly
        };
        assert!(
            !passkeys.is_met_by(now, false, now),
            "an app code is not enough"
        );
        assert!(passkeys.is_met_by(now - 60, true, now));
    }
}
