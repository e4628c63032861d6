//! Values parsed at the boundary. Each newtype has a private field and a
//! `parse`; code that holds one never validates the string again.
//!
//! These compile for the browser too, so a form can say what is wrong
//! before it is sent; the server parses again, since it trusts nothing.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a value did not parse; the message is written for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

fn invalid<T>(message: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError(message.into()))
}

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

/// Characters allowed in the local part of an address. Deliberately narrower
/// than RFC 5321: no quoting, and no `#`, which guest UPNs reserve.
fn is_local_part_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-' | b'\'')
}

fn parse_local_part(local: &str) -> Result<(), ParseError> {
    if local.is_empty() || local.len() > 64 {
        return invalid("The part before '@' has 1 to 64 characters.");
    }
    if !local.bytes().all(is_local_part_char) {
        return invalid("The part before '@' may use letters, digits and . _ % + - ' only.");
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return invalid("The part before '@' cannot start or end with '.', or have '..'.");
    }
    Ok(())
}

/// An e-mail address, lower-cased: `local@domain`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let email = input.trim().to_ascii_lowercase();
        if email.is_empty() {
            return invalid("Enter an e-mail address.");
        }
        if email.len() > 254 {
            return invalid("An e-mail address has at most 254 characters.");
        }
        let Some((local, domain)) = email.split_once('@') else {
            return invalid("An e-mail address looks like name@example.com.");
        };
        parse_local_part(local)?;
        DomainName::parse(domain)?;
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn domain(&self) -> &str {
        self.0.split_once('@').map_or("", |(_, domain)| domain)
    }
}

const GUEST_MARKER: &str = "#EXT#@";

/// A user principal name, unique in the deployment, lower-cased. A member's
/// is `name@tenant-domain`; a guest's is `<mail with '@' as '_'>#EXT#@<tenant
/// domain>`. `#` appears nowhere else.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Upn(String);

impl Upn {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let upn = input.trim().to_ascii_lowercase();
        if upn.is_empty() {
            return invalid("Enter a user name, like megan@woodgrove.test.");
        }
        let marker = GUEST_MARKER.to_ascii_lowercase();
        if let Some((external, domain)) = upn.split_once(&marker) {
            if external.is_empty()
                || external.len() > 254
                || !external.bytes().all(is_local_part_char)
            {
                return invalid(format!("'{upn}' is not a valid guest user name."));
            }
            DomainName::parse(domain)?;
            return Ok(Self(format!("{external}{GUEST_MARKER}{domain}")));
        }
        if upn.contains('#') {
            return invalid("'#' is only allowed in a guest's '#EXT#' user name.");
        }
        let email = Email::parse(&upn)
            .map_err(|_| ParseError("A user name looks like megan@woodgrove.test.".into()))?;
        Ok(Self(email.0))
    }

    /// The UPN of a guest with address `mail` in the tenant owning `domain`.
    pub fn for_guest(mail: &Email, domain: &DomainName) -> Self {
        Self(format!(
            "{}{GUEST_MARKER}{}",
            mail.as_str().replace('@', "_"),
            domain.as_str()
        ))
    }

    pub fn is_guest(&self) -> bool {
        self.0.contains(GUEST_MARKER)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The domain after the last `@`.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, domain)| domain)
    }
}

/// A name shown to people: trimmed, 1 to 256 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let name = input.trim();
        if name.is_empty() {
            return invalid("Enter a name.");
        }
        if name.chars().count() > 256 {
            return invalid("A name has at most 256 characters.");
        }
        if name.chars().any(char::is_control) {
            return invalid("A name cannot contain control characters.");
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The most a password may be: it is hashed with argon2id, and nobody's is
/// this long, so a longer one is refused before any hashing.
pub const MAX_PASSWORD_LEN: usize = 1024;
/// The least a new password may be (NIST SP 800-63B asks for 8; we ask 12).
pub const MIN_NEW_PASSWORD_LEN: usize = 12;

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

/// Whether a user's home is this tenant or elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserType {
    Member,
    Guest,
}

impl UserType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "Member",
            Self::Guest => "Guest",
        }
    }

    pub fn parse(input: &str) -> Result<Self, ParseError> {
        match input {
            "Member" => Ok(Self::Member),
            "Guest" => Ok(Self::Guest),
            _ => invalid("A user type is 'Member' or 'Guest'."),
        }
    }
}

/// A guest's redemption state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExternalUserState {
    PendingAcceptance,
    Accepted,
}

impl ExternalUserState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PendingAcceptance => "PendingAcceptance",
            Self::Accepted => "Accepted",
        }
    }

    pub fn parse(input: &str) -> Result<Self, ParseError> {
        match input {
            "PendingAcceptance" => Ok(Self::PendingAcceptance),
            "Accepted" => Ok(Self::Accepted),
            _ => invalid("An external user state is 'PendingAcceptance' or 'Accepted'."),
        }
    }
}

/// Where a guest goes after redeeming: an absolute `http(s)` URL of at most
/// 2048 characters, with no spaces or control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedirectUrl(String);

impl RedirectUrl {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let url = input.trim();
        if url.is_empty() {
            return invalid("Enter the address to send the guest to after accepting.");
        }
        if url.len() > 2048 {
            return invalid("A redirect URL has at most 2048 characters.");
        }
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(|| ParseError("A redirect URL starts with https:// or http://.".into()))?;
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        if host.is_empty()
            || host.contains('@')
            || url.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return invalid(format!("'{url}' is not a valid redirect URL."));
        }
        Ok(Self(url.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The inviter's personal message: plain text (shown escaped, never as
/// HTML), trimmed, at most 2000 characters, line breaks allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationMessage(String);

impl InvitationMessage {
    /// `None` for an empty message.
    pub fn parse(input: &str) -> Result<Option<Self>, ParseError> {
        let message = input.trim();
        if message.is_empty() {
            return Ok(None);
        }
        if message.chars().count() > 2000 {
            return invalid("A personal message has at most 2000 characters.");
        }
        if message
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return invalid("A personal message cannot contain control characters.");
        }
        Ok(Some(Self(message.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A path on this site to go to after signing in: local only, so a link
/// cannot send someone elsewhere (no open redirect).
pub fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && !path.chars().any(|c| c.is_control() || c == '\\')
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
    fn an_email_is_lower_cased_and_needs_a_dotted_domain() {
        assert_eq!(
            Email::parse(" Bob@Fabrikam.TEST ").unwrap().as_str(),
            "bob@fabrikam.test"
        );
        assert_eq!(
            Email::parse("o'neil+b2b@contoso.test").unwrap().domain(),
            "contoso.test"
        );
        for bad in [
            "",
            "bob",
            "bob@",
            "@fabrikam.test",
            "bob@fabrikam",
            "bob@@fabrikam.test",
            "bob@fab_rikam.test",
            "bob smith@fabrikam.test",
            ".bob@fabrikam.test",
            "bo..b@fabrikam.test",
            "bob#1@fabrikam.test",
            "bob@-fabrikam.test",
            "bob@fabrikam.123",
            "<script>@x.test",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(Email::parse(&format!("{}@x.test", "a".repeat(65))).is_err());
    }

    #[test]
    fn a_guest_upn_replaces_the_at_sign_and_adds_the_ext_marker() {
        let mail = Email::parse("gsamoogle@gmail.com").unwrap();
        let domain = DomainName::parse("woodgrove.test").unwrap();
        let upn = Upn::for_guest(&mail, &domain);
        assert_eq!(upn.as_str(), "gsamoogle_gmail.com#EXT#@woodgrove.test");
        assert!(upn.is_guest());
        assert_eq!(upn.domain(), "woodgrove.test");
        assert_eq!(
            Upn::parse("GSAMOOGLE_gmail.com#ext#@Woodgrove.test").unwrap(),
            upn
        );
    }

    #[test]
    fn a_member_upn_is_an_address_and_hash_is_reserved_for_guests() {
        let upn = Upn::parse("Megan@Woodgrove.test").unwrap();
        assert_eq!(upn.as_str(), "megan@woodgrove.test");
        assert!(!upn.is_guest());
        for bad in [
            "",
            "megan",
            "meg#an@woodgrove.test",
            "#EXT#@woodgrove.test",
            "a#EXT#@nodot",
        ] {
            assert!(Upn::parse(bad).is_err(), "{bad:?} should be refused");
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
    fn a_display_name_is_trimmed_and_bounded() {
        assert_eq!(
            DisplayName::parse("  Megan Bowen ").unwrap().as_str(),
            "Megan Bowen"
        );
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse("a\u{0}b").is_err());
        assert!(DisplayName::parse(&"é".repeat(257)).is_err());
        assert!(DisplayName::parse(&"é".repeat(256)).is_ok());
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
    fn a_redirect_url_is_absolute_http() {
        assert_eq!(
            RedirectUrl::parse(" https://foo.woodgrove.test/app?x=1 ")
                .unwrap()
                .as_str(),
            "https://foo.woodgrove.test/app?x=1"
        );
        assert!(RedirectUrl::parse("http://localhost:3000/myapps").is_ok());
        for bad in [
            "",
            "/myapps",
            "javascript:alert(1)",
            "https://",
            "https://a b.test/",
            "https://u@evil.test/",
            "ftp://x.test",
        ] {
            assert!(
                RedirectUrl::parse(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
        assert!(RedirectUrl::parse(&format!("https://x.test/{}", "a".repeat(2048))).is_err());
    }

    #[test]
    fn a_message_is_plain_text_and_bounded() {
        assert_eq!(InvitationMessage::parse("  ").unwrap(), None);
        let message = InvitationMessage::parse("Hi Bob,\n<b>welcome</b>")
            .unwrap()
            .unwrap();
        assert_eq!(
            message.as_str(),
            "Hi Bob,\n<b>welcome</b>",
            "kept as text; escaping is the renderer's job"
        );
        assert!(InvitationMessage::parse("a\u{7}b").is_err());
        assert!(InvitationMessage::parse(&"x".repeat(2001)).is_err());
    }

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert!(is_local_path("/t/woodgrove/admin/users"));
        for bad in [
            "",
            "https://evil.test/",
            "//evil.test",
            "/\\evil.test",
            "admin",
            "/a\nb",
        ] {
            assert!(!is_local_path(bad), "{bad:?} should be refused");
        }
    }
}
