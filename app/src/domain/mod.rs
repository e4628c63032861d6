//! Values parsed at the boundary. Each newtype has a private field and a
//! `parse`; code that holds one never validates the string again. Values
//! read back from the database parse through the same functions (see
//! `ssr::Stored`), so a corrupt row is caught where it is read.
//!
//! These compile for the browser too, so a form can say what is wrong
//! before it is sent; the server parses again, since it trusts nothing.

mod application;
mod email;
mod invitation;
mod mfa;
mod password;
mod tenant;
mod user;

pub use application::{
    ApplicationName, ClientType, RedirectUri, RedirectUris, MAX_APPLICATION_NAME_LEN,
    MAX_REDIRECT_URIS, MAX_REDIRECT_URI_LEN,
};
pub use email::Email;
pub use invitation::{InvitationMessage, InvitationStatus, RedirectUrl};
pub use mfa::TotpCode;
pub use password::{NewPassword, Password, MAX_PASSWORD_LEN, MIN_NEW_PASSWORD_LEN};
pub use tenant::{DomainName, Licence, Plan, PrivacyUrl, TenantSlug, GUESTS_PER_SEAT, MAX_SEATS};
pub use user::{DisplayName, ExternalUserState, HomeKind, Upn, UserType};

/// Why a value did not parse; the message is written for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

fn invalid<T>(message: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError(message.into()))
}

/// Values that print as the text they were parsed from.
macro_rules! display_as_str {
    ($($kind:ty),*) => {$(
        impl std::fmt::Display for $kind {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}

display_as_str!(Email, Upn, TenantSlug, DomainName, DisplayName, RedirectUrl);
display_as_str!(ApplicationName, RedirectUri);

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
