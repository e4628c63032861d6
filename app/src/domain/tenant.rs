//! Tenants: the slug in their URLs, their DNS domain, their licence.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::{invalid, ParseError};

/// Path segments that routes of their own use; a tenant may not take them,
/// since its slug also starts URLs (`/{slug}/oauth2/v2.0/authorize`).
const RESERVED_SLUGS: &[&str] = &[
    "privacy",
    "invite",
    "api",
    "pkg",
    "signin",
    "signout",
    "redeem",
    "myapps",
    "security-info",
    "dev",
    "demo",
    "healthz",
    "static",
    "admin",
    "common",
    "organizations",
    "consumers",
];

/// A tenant's URL name: `[a-z0-9-]{2,40}`, not starting or ending with `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TenantSlug(String);

impl TenantSlug {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let slug = input.trim();
        if !(2..=40).contains(&slug.len()) {
            return invalid("A tenant slug has 2 to 40 characters.");
        }
        if !slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return invalid("A tenant slug uses only lower-case letters, digits and '-'.");
        }
        if slug.starts_with('-') || slug.ends_with('-') {
            return invalid("A tenant slug cannot start or end with '-'.");
        }
        if RESERVED_SLUGS.contains(&slug) {
            return invalid(format!("'{slug}' is reserved; choose another tenant slug."));
        }
        Ok(Self(slug.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A DNS name such as `woodgrove.test`: at least two labels, lower-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DomainName(String);

impl DomainName {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let domain = input.trim().to_ascii_lowercase();
        if domain.is_empty() || domain.len() > 253 {
            return invalid("A domain has 1 to 253 characters.");
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 {
            return invalid("A domain has at least two parts, like 'contoso.com'.");
        }
        for label in &labels {
            let valid = (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-');
            if !valid {
                return invalid(format!("'{domain}' is not a valid domain name."));
            }
        }
        if labels
            .last()
            .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
        {
            return invalid(format!("'{domain}' is not a valid domain name."));
        }
        Ok(Self(domain))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A tenant's licence plan (DESIGN §1, plan / seats).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Plan {
    Free,
    Premium,
}

impl Plan {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        match input.trim().to_ascii_lowercase().as_str() {
            "free" => Ok(Self::Free),
            "premium" => Ok(Self::Premium),
            _ => invalid("A plan is 'free' or 'premium'."),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Free => "free",
            Self::Premium => "premium",
        }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Guests one premium seat covers (the 2017 B2B ratio).
pub const GUESTS_PER_SEAT: i64 = 5;
/// The most seats one tenant can hold; keeps the arithmetic far from overflow.
pub const MAX_SEATS: i64 = 1_000_000;

/// A plan with its seats: `free` has none, `premium` has 1 to [`MAX_SEATS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Licence {
    plan: Plan,
    seats: i64,
}

impl Licence {
    pub fn parse(plan: Plan, seats: Option<i64>) -> Result<Self, ParseError> {
        match (plan, seats) {
            (Plan::Free, None | Some(0)) => Ok(Self { plan, seats: 0 }),
            (Plan::Free, Some(_)) => invalid("A free plan has no premium seats."),
            (Plan::Premium, None) => invalid("A premium plan needs a number of seats."),
            (Plan::Premium, Some(n)) if (1..=MAX_SEATS).contains(&n) => Ok(Self { plan, seats: n }),
            (Plan::Premium, Some(_)) => {
                invalid(format!("A premium plan has 1 to {MAX_SEATS} seats."))
            }
        }
    }

    pub fn free() -> Self {
        Self {
            plan: Plan::Free,
            seats: 0,
        }
    }

    pub fn plan(self) -> Plan {
        self.plan
    }

    pub fn seats(self) -> i64 {
        self.seats
    }

    /// How many guests the licence covers; `None` for a free tenant, which may
    /// have guests but no premium features.
    pub fn guest_capacity(self) -> Option<i64> {
        match self.plan {
            Plan::Free => None,
            Plan::Premium => Some(self.seats * GUESTS_PER_SEAT),
        }
    }
}

/// A tenant's privacy statement (DESIGN §3.1): an absolute `https` URL —
/// `http` only for `localhost`, for development — linked from the consent
/// page and the invitation mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacyUrl(String);

impl PrivacyUrl {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let url = input.trim();
        let refused = || ParseError(format!("'{url}' is not a valid privacy statement URL."));
        if url.len() > 2048 {
            return invalid("A privacy statement URL has at most 2048 characters.");
        }
        if url.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(refused());
        }
        let parsed = url::Url::parse(url).map_err(|_| refused())?;
        let host = parsed.host_str().unwrap_or_default();
        let allowed = match parsed.scheme() {
            "https" => !host.is_empty(),
            "http" => host == "localhost",
            _ => false,
        };
        if !allowed || !parsed.username().is_empty() || parsed.password().is_some() {
            return invalid("A privacy statement URL starts with https:// and names a host.");
        }
        Ok(Self(url.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slug_is_lower_case_letters_digits_and_dashes() {
        assert_eq!(
            TenantSlug::parse("woodgrove").unwrap().as_str(),
            "woodgrove"
        );
        assert_eq!(
            TenantSlug::parse("contoso-2").unwrap().as_str(),
            "contoso-2"
        );
        for bad in [
            "",
            "w",
            "Woodgrove",
            "wood grove",
            "-wood",
            "wood-",
            "wood_grove",
            "wöod",
        ] {
            assert!(TenantSlug::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(TenantSlug::parse(&"a".repeat(41)).is_err());
        assert!(TenantSlug::parse(&"a".repeat(40)).is_ok());
    }

    #[test]
    fn a_slug_cannot_take_a_route_of_its_own() {
        for reserved in ["api", "pkg", "signin", "healthz", "dev", "myapps"] {
            let error = TenantSlug::parse(reserved).unwrap_err();
            assert!(error.0.contains("reserved"), "{reserved}: {error}");
        }
    }

    #[test]
    fn a_domain_has_two_valid_labels() {
        assert_eq!(
            DomainName::parse("Woodgrove.Test").unwrap().as_str(),
            "woodgrove.test"
        );
        for bad in [
            "",
            "woodgrove",
            "wood..test",
            "-a.test",
            "a-.test",
            "a.b_c",
            "x.1",
        ] {
            assert!(DomainName::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn a_licence_matches_its_plan() {
        let premium = Licence::parse(Plan::Premium, Some(10)).unwrap();
        assert_eq!(premium.guest_capacity(), Some(50));
        assert_eq!(
            Licence::parse(Plan::Free, None).unwrap().guest_capacity(),
            None
        );
        assert!(Licence::parse(Plan::Free, Some(3)).is_err());
        assert!(Licence::parse(Plan::Premium, None).is_err());
        assert!(Licence::parse(Plan::Premium, Some(0)).is_err());
        assert!(Licence::parse(Plan::Premium, Some(-1)).is_err());
        assert!(Licence::parse(Plan::Premium, Some(MAX_SEATS + 1)).is_err());
        assert_eq!(Plan::parse("Premium").unwrap(), Plan::Premium);
        assert!(Plan::parse("gold").is_err());
    }

    #[test]
    fn a_privacy_url_is_https_with_a_host_or_http_on_localhost() {
        for good in [
            "https://woodgrove.test/privacy",
            "https://woodgrove.test/legal/privacy?lang=en#data",
            "http://localhost:3000/privacy",
        ] {
            assert_eq!(PrivacyUrl::parse(good).unwrap().as_str(), good);
        }
        for bad in [
            "",
            "woodgrove.test/privacy",
            "http://woodgrove.test/privacy",
            "javascript:alert(1)",
            "https://user:pw@woodgrove.test/",
            "https://woodgrove.test/pri vacy",
            "ftp://woodgrove.test/privacy",
        ] {
            assert!(PrivacyUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
