//! Passwords as typed: the length rules live here and nowhere else. The
//! text is a secret on the server, so these types never print it.

use super::{invalid, ParseError};

/// The most a password may be: it is hashed with argon2id, and nobody's is
/// this long, so a longer one is refused before any hashing.
pub const MAX_PASSWORD_LEN: usize = 1024;
/// The least a new password may be (NIST SP 800-63B asks for 8; we ask 12).
pub const MIN_NEW_PASSWORD_LEN: usize = 12;

/// A password offered at sign-in: not empty, not absurdly long. Whether it
/// is right is the hash's business.
pub struct Password(String);

impl Password {
    pub fn parse(input: String) -> Result<Self, ParseError> {
        match input.chars().count() {
            0 => invalid("Enter your password."),
            n if n > MAX_PASSWORD_LEN => too_long(),
            _ => Ok(Self(input)),
        }
    }

    /// The text, to hash or verify; never to log.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A password being chosen: [`MIN_NEW_PASSWORD_LEN`] to
/// [`MAX_PASSWORD_LEN`] characters.
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(input: String) -> Result<Self, ParseError> {
        match input.chars().count() {
            n if n < MIN_NEW_PASSWORD_LEN => invalid(format!(
                "Choose a password of at least {MIN_NEW_PASSWORD_LEN} characters."
            )),
            n if n > MAX_PASSWORD_LEN => too_long(),
            _ => Ok(Self(input)),
        }
    }

    /// The text, to show once (a generated password) or hash; never to log.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The text, to hash; never to log.
    pub fn into_inner(self) -> String {
        self.0
    }
}

fn too_long<T>() -> Result<T, ParseError> {
    invalid(format!(
        "A password has at most {MAX_PASSWORD_LEN} characters."
    ))
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([REDACTED])")
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_password_has_twelve_to_1024_characters() {
        assert!(NewPassword::parse("x".repeat(11)).is_err());
        assert!(NewPassword::parse("é".repeat(12)).is_ok());
        assert!(NewPassword::parse("x".repeat(MAX_PASSWORD_LEN)).is_ok());
        assert!(NewPassword::parse("x".repeat(MAX_PASSWORD_LEN + 1)).is_err());
    }

    #[test]
    fn a_sign_in_password_is_only_checked_for_presence_and_size() {
        assert!(Password::parse(String::new()).is_err());
        assert!(Password::parse("short".into()).is_ok());
        assert!(Password::parse("x".repeat(MAX_PASSWORD_LEN + 1)).is_err());
    }

    #[test]
    fn a_password_never_prints() {
        let password = NewPassword::parse("correct horse battery staple".into()).unwrap();
        assert_eq!(format!("{password:?}"), "NewPassword([REDACTED])");
    }
}
