//! What people type during MFA: authenticator-app codes and recovery codes.

use super::{invalid, ParseError};

/// A six-digit code from an authenticator app. Spaces (apps show `123 456`)
/// are stripped; anything but six digits is refused before any check.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpCode(String);

impl std::fmt::Debug for TotpCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpCode([REDACTED])")
    }
}

impl TotpCode {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let code: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return invalid("Enter the 6-digit code from your authenticator app.");
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_totp_code_is_six_digits_with_spaces_stripped() {
        assert_eq!(TotpCode::parse(" 123 456 ").unwrap().as_str(), "123456");
        for bad in ["", "12345", "1234567", "12a456", "１２３４５６", "123-456"] {
            assert!(TotpCode::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
