//! Conditional-access policies (DESIGN §1 policy, §2 Policy): a resource
//! tenant's rules of who × which applications → require MFA (optionally
//! phishing-resistant only), and how long an MFA stays fresh.
//!
//! - `ssr::evaluate`: the pure evaluation the OIDC authorize step runs
//!   (DESIGN §3.3 step 4), and [`ssr::evaluate_for`], which loads what it needs;
//! - `ssr`: the store and the services the Policies page, the REST API
//!   (`/api/v1/policies`) and an application's *Require MFA* switch share;
//! - [`api`], [`page`]: the admin page `/t/{slug}/admin/policies`.
//!
//! MFA policies need the premium plan (DESIGN §1, plan): one that requires
//! MFA cannot be on or report-only on a free tenant, and a tenant with such
//! a policy cannot move to the free plan.

pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

use crate::domain::ParseError;

/// Whether a policy is enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PolicyState {
    /// Enforced.
    On,
    /// Stored, never applied.
    Off,
    /// Evaluated and written to the audit log as what would have happened;
    /// the user goes through.
    ReportOnly,
}

impl PolicyState {
    /// The stored (and form) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::On => "on",
            Self::Off => "off",
            Self::ReportOnly => "report_only",
        }
    }

    pub fn parse(input: &str) -> Result<Self, ParseError> {
        match input {
            "on" => Ok(Self::On),
            "off" => Ok(Self::Off),
            "report_only" => Ok(Self::ReportOnly),
            _ => Err(ParseError(
                "A policy's state is 'on', 'off' or 'report_only'.".into(),
            )),
        }
    }

    /// How the page names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::On => "On",
            Self::Off => "Off",
            Self::ReportOnly => "Report-only",
        }
    }

    /// On or report-only: a policy in this state is evaluated.
    pub fn is_evaluated(self) -> bool {
        self != Self::Off
    }
}

/// Whom a policy includes (the listed users themselves travel apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum IncludeUsers {
    All,
    Guests,
    Members,
    /// The users listed with the policy.
    Listed,
}

impl IncludeUsers {
    /// The stored (and form) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Guests => "guests",
            Self::Members => "members",
            Self::Listed => "listed",
        }
    }

    pub fn parse(input: &str) -> Result<Self, ParseError> {
        match input {
            "all" => Ok(Self::All),
            "guests" => Ok(Self::Guests),
            "members" => Ok(Self::Members),
            "listed" => Ok(Self::Listed),
            _ => Err(ParseError(
                "Include 'all' users, 'guests', 'members' or 'listed' users.".into(),
            )),
        }
    }
}

/// How long an MFA stays fresh for a policy: 1 minute to 30 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MfaFreshness(u32);

impl MfaFreshness {
    /// 30 days, in minutes (the schema's bound).
    pub const MAX_MINUTES: u32 = 43_200;

    pub fn from_minutes(minutes: i64) -> Result<Self, ParseError> {
        u32::try_from(minutes)
            .ok()
            .filter(|minutes| (1..=Self::MAX_MINUTES).contains(minutes))
            .map(Self)
            .ok_or_else(|| {
                ParseError(format!(
                    "MFA freshness is from 1 to {} minutes (30 days).",
                    Self::MAX_MINUTES
                ))
            })
    }

    /// A number of minutes as typed in a form.
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let minutes = input
            .trim()
            .parse::<i64>()
            .map_err(|_| ParseError("Enter MFA freshness as a number of minutes.".into()))?;
        Self::from_minutes(minutes)
    }

    pub fn minutes(self) -> u32 {
        self.0
    }
}

/// An application a policy may name, for the picker and the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationChoice {
    pub id: String,
    pub name: String,
}

/// One policy as the Policies page shows and edits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyView {
    pub id: String,
    pub name: String,
    pub state: PolicyState,
    pub include: IncludeUsers,
    /// The UPNs of the included users, when `include` is `Listed`.
    pub included_users: Vec<String>,
    /// The UPNs of the excluded users.
    pub excluded_users: Vec<String>,
    /// `None`: all applications.
    pub applications: Option<Vec<ApplicationChoice>>,
    pub require_mfa: bool,
    pub phishing_resistant_only: bool,
    pub mfa_freshness_minutes: Option<u32>,
    /// `YYYY-MM-DD`.
    pub modified: String,
}

impl PolicyView {
    /// "All users", "Guests", "2 users" …, and the exclusions.
    pub fn who(&self) -> String {
        let included = match self.include {
            IncludeUsers::All => "All users".to_owned(),
            IncludeUsers::Guests => "Guests".to_owned(),
            IncludeUsers::Members => "Members".to_owned(),
            IncludeUsers::Listed => self.included_users.join(", "),
        };
        if self.excluded_users.is_empty() {
            included
        } else {
            format!("{included}, except {}", self.excluded_users.join(", "))
        }
    }

    /// "All applications" or their names.
    pub fn apps(&self) -> String {
        match &self.applications {
            None => "All applications".to_owned(),
            Some(apps) => apps
                .iter()
                .map(|app| app.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// "Require MFA (phishing-resistant), fresh for 60 minutes", or "None".
    pub fn grant(&self) -> String {
        if !self.require_mfa {
            return "None".to_owned();
        }
        let mut grant = "Require MFA".to_owned();
        if self.phishing_resistant_only {
            grant.push_str(" (passkeys only)");
        }
        if let Some(minutes) = self.mfa_freshness_minutes {
            grant.push_str(&format!(", fresh for {minutes} min"));
        }
        grant
    }
}

/// What the Policies page shows: the tenant's plan, its policies, and its
/// applications to choose from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoliciesView {
    pub tenant_name: String,
    /// MFA policies need premium: on a free tenant they can only be off.
    pub premium: bool,
    pub policies: Vec<PolicyView>,
    pub applications: Vec<ApplicationChoice>,
}

/// The stable code of the refusal to have an MFA policy on a free tenant.
pub const PREMIUM_REQUIRED: &str = "premiumRequired";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_and_includes_read_back_what_they_write() {
        for state in [PolicyState::On, PolicyState::Off, PolicyState::ReportOnly] {
            assert_eq!(PolicyState::parse(state.as_str()), Ok(state));
        }
        for include in [
            IncludeUsers::All,
            IncludeUsers::Guests,
            IncludeUsers::Members,
            IncludeUsers::Listed,
        ] {
            assert_eq!(IncludeUsers::parse(include.as_str()), Ok(include));
        }
        assert!(PolicyState::parse("enabled").is_err());
        assert!(IncludeUsers::parse("everyone").is_err());
    }

    #[test]
    fn mfa_freshness_is_one_minute_to_thirty_days() {
        assert_eq!(
            MfaFreshness::parse(" 60 ").map(MfaFreshness::minutes),
            Ok(60)
        );
        assert!(MfaFreshness::parse("43200").is_ok());
        for bad in ["0", "-5", "43201", "ten", "", "1.5"] {
            assert!(MfaFreshness::parse(bad).is_err(), "{bad:?}");
        }
    }
}
