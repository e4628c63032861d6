//! Users: their principal names, display names, kinds and states.

use serde::{Deserialize, Serialize};

use super::email::is_local_part_char;
use super::{invalid, DomainName, Email, ParseError};

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
        Ok(Self(email.as_str().to_owned()))
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

/// What kind of home identity a redeemed guest is bound to (DESIGN §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HomeKind {
    /// A work account: a member of another tenant here.
    Work,
    /// A personal account of the personal directory.
    Personal,
    /// An e-mail address proven by a one-time passcode.
    EmailOtp,
}

impl HomeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Work => "work",
            Self::Personal => "personal",
            Self::EmailOtp => "email_otp",
        }
    }

    pub fn parse(input: &str) -> Result<Self, ParseError> {
        match input {
            "work" => Ok(Self::Work),
            "personal" => Ok(Self::Personal),
            "email_otp" => Ok(Self::EmailOtp),
            _ => invalid("A home kind is 'work', 'personal' or 'email_otp'."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
