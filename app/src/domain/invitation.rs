//! Invitations: where the guest goes after redeeming, the inviter's
//! message, and the invitation's state.

use serde::{Deserialize, Serialize};

use super::{invalid, ParseError};

/// Where a guest goes after redeeming: an absolute `http(s)` URL (WHATWG
/// parsing, by the `url` crate) with a host and no credentials, of at most
/// 2048 characters, with no spaces or control characters. Kept as typed.
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
        // The URL crate strips tabs and newlines silently; we refuse them.
        if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return invalid(format!("'{url}' is not a valid redirect URL."));
        }
        let parsed = url::Url::parse(url)
            .map_err(|_| ParseError(format!("'{url}' is not a valid redirect URL.")))?;
        if !matches!(parsed.scheme(), "https" | "http") {
            return invalid("A redirect URL starts with https:// or http://.");
        }
        if parsed.host_str().is_none_or(str::is_empty)
            || !parsed.username().is_empty()
            || parsed.password().is_some()
        {
            return invalid(format!("'{url}' is not a valid redirect URL."));
        }
        Ok(Self(url.to_owned()))
    }

    /// A redirect URL read back from the database. Input rules may tighten
    /// over time (the `url` crate refuses some URLs the first, hand-written
    /// check let through, such as an out-of-range port), and a row stored
    /// under older rules must stay readable: it only has to be an `http(s)`
    /// URL without blanks or control characters.
    pub fn from_stored(stored: &str) -> Result<Self, ParseError> {
        let is_http = stored.starts_with("https://") || stored.starts_with("http://");
        if !is_http || stored.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return invalid(format!("'{stored}' is not a redirect URL."));
        }
        Ok(Self(stored.to_owned()))
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

/// An invitation's state. `Expired` is derived: a pending invitation past
/// its expiry (the database stores the other three).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvitationStatus {
    PendingAcceptance,
    Accepted,
    Revoked,
    Expired,
}

impl InvitationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PendingAcceptance => "PendingAcceptance",
            Self::Accepted => "Accepted",
            Self::Revoked => "Revoked",
            Self::Expired => "Expired",
        }
    }

    pub fn parse(input: &str) -> Result<Self, ParseError> {
        match input {
            "PendingAcceptance" => Ok(Self::PendingAcceptance),
            "Accepted" => Ok(Self::Accepted),
            "Revoked" => Ok(Self::Revoked),
            "Expired" => Ok(Self::Expired),
            _ => invalid("A status is PendingAcceptance, Accepted, Revoked or Expired."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(RedirectUrl::parse("https://app.test:99999/").is_err());
        assert!(
            RedirectUrl::from_stored("https://app.test:99999/").is_ok(),
            "stored under the older rules, still readable"
        );
        assert!(RedirectUrl::from_stored("javascript:alert(1)").is_err());
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
}
