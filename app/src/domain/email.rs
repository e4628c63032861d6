//! E-mail addresses, as people type them and as guest UPNs are made from.

use serde::{Deserialize, Serialize};

use super::{invalid, DomainName, ParseError};

/// Characters allowed in the local part of an address. Deliberately narrower
/// than RFC 5321: no quoting, and no `#`, which guest UPNs reserve.
pub(super) fn is_local_part_char(b: u8) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
