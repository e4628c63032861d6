//! Applications (DESIGN §2 Application): their names, the redirect URIs the
//! OpenID Connect provider may send codes to, and whether the client keeps
//! a secret.
//!
//! A redirect URI is matched by exact string comparison (no wildcards, no
//! normalisation), so it is stored exactly as given and its rules are
//! checked on that very string, not only on what a URL parser makes of it.

use serde::{Deserialize, Serialize};

use super::{invalid, ParseError};

/// The most characters an application's name has.
pub const MAX_APPLICATION_NAME_LEN: usize = 100;
/// The most characters a redirect URI has.
pub const MAX_REDIRECT_URI_LEN: usize = 2000;
/// The most redirect URIs one application registers.
pub const MAX_REDIRECT_URIS: usize = 20;

/// An application's display name: trimmed, 1 to 100 characters, no control
/// characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationName(String);

impl ApplicationName {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let name = input.trim();
        if name.is_empty() {
            return invalid("Enter the application's name.");
        }
        if name.chars().count() > MAX_APPLICATION_NAME_LEN {
            return invalid(format!(
                "An application's name has at most {MAX_APPLICATION_NAME_LEN} characters."
            ));
        }
        if name.chars().any(char::is_control) {
            return invalid("An application's name cannot contain control characters.");
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where the provider may send a browser back with a code: an absolute
/// `https` URL — `http` only on a loopback host (`localhost`, `127.0.0.1`,
/// `[::1]`, as RFC 8252 allows native apps) — without a fragment or user
/// information, of at most 2000 characters, without blanks or control
/// characters. Kept exactly as given: the provider compares strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RedirectUri(String);

impl RedirectUri {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        if input.is_empty() {
            return invalid("Enter a redirect URI.");
        }
        if input.chars().count() > MAX_REDIRECT_URI_LEN {
            return invalid(format!(
                "A redirect URI has at most {MAX_REDIRECT_URI_LEN} characters."
            ));
        }
        let shown: String = input.chars().take(80).collect();
        // The URL parser drops blanks and reads '\' as '/' silently: the
        // string compared later would not be the URL checked here.
        if input
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
        {
            return invalid(format!(
                "'{shown}' is not a valid redirect URI: it contains a blank, a control character or '\\'."
            ));
        }
        let Some(rest) = input
            .strip_prefix("https://")
            .or_else(|| input.strip_prefix("http://"))
        else {
            return invalid(format!(
                "'{shown}' is not an absolute URL: a redirect URI starts with https://."
            ));
        };
        if input.contains('#') {
            return invalid(format!(
                "'{shown}' has a fragment (#…), which a redirect URI cannot have."
            ));
        }
        let authority = rest.split(['/', '?']).next().unwrap_or_default();
        if authority.contains('@') {
            return invalid(format!(
                "'{shown}' carries a user name or password, which a redirect URI cannot."
            ));
        }
        let parsed = url::Url::parse(input)
            .map_err(|_| ParseError(format!("'{shown}' is not a valid URL.")))?;
        let is_loopback = match parsed.host() {
            Some(url::Host::Domain(host)) => host == "localhost",
            Some(url::Host::Ipv4(ip)) => ip == std::net::Ipv4Addr::LOCALHOST,
            Some(url::Host::Ipv6(ip)) => ip == std::net::Ipv6Addr::LOCALHOST,
            None => return invalid(format!("'{shown}' names no host.")),
        };
        if parsed.scheme() == "http" && !is_loopback {
            return invalid(format!(
                "'{shown}' uses http: a redirect URI uses https, or http only on localhost, 127.0.0.1 or [::1]."
            ));
        }
        Ok(Self(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An application's redirect URIs: 1 to 20, each once, in the order given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedirectUris(Vec<RedirectUri>);

impl RedirectUris {
    /// Parses each URI; a URI given twice counts once.
    pub fn parse<S: AsRef<str>>(inputs: &[S]) -> Result<Self, ParseError> {
        let mut uris: Vec<RedirectUri> = Vec::new();
        for input in inputs {
            let uri = RedirectUri::parse(input.as_ref())?;
            if !uris.contains(&uri) {
                uris.push(uri);
            }
        }
        Self::new(uris)
    }

    /// Parses a form's text box: one URI a line, blanks around a line and
    /// empty lines ignored.
    pub fn from_lines(text: &str) -> Result<Self, ParseError> {
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect();
        Self::parse(&lines)
    }

    /// Checks the count of URIs that each parsed already.
    pub fn new(uris: Vec<RedirectUri>) -> Result<Self, ParseError> {
        if uris.is_empty() {
            return invalid("Enter at least one redirect URI.");
        }
        if uris.len() > MAX_REDIRECT_URIS {
            return invalid(format!(
                "An application has at most {MAX_REDIRECT_URIS} redirect URIs."
            ));
        }
        Ok(Self(uris))
    }

    pub fn iter(&self) -> impl Iterator<Item = &RedirectUri> {
        self.0.iter()
    }

    pub fn contains(&self, uri: &str) -> bool {
        self.0.iter().any(|known| known.as_str() == uri)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Never true: an application has at least one redirect URI.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The URIs as strings, in order.
    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(|uri| uri.0.clone()).collect()
    }
}

/// How a client proves itself at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClientType {
    /// A back end that keeps a client secret (shown once, stored hashed).
    Confidential,
    /// A browser or native app that keeps no secret: PKCE alone.
    Public,
}

impl ClientType {
    pub fn is_public(self) -> bool {
        self == Self::Public
    }

    pub fn from_public(is_public: bool) -> Self {
        if is_public {
            Self::Public
        } else {
            Self::Confidential
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Confidential => "Confidential",
            Self::Public => "Public",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_trimmed_and_has_one_to_a_hundred_characters() {
        assert_eq!(ApplicationName::parse("  Foo ").unwrap().as_str(), "Foo");
        assert!(ApplicationName::parse(&"é".repeat(100)).is_ok());
        for bad in ["", "   ", "Fo\no", "F\u{7}"] {
            assert!(ApplicationName::parse(bad).is_err(), "{bad:?}");
        }
        assert!(ApplicationName::parse(&"a".repeat(101)).is_err());
    }

    #[test]
    fn a_redirect_uri_is_https_or_http_on_loopback_and_kept_as_given() {
        for good in [
            "https://foo.woodgrove.test/callback",
            "https://foo.woodgrove.test/cb?x=1&y=2",
            "https://FOO.woodgrove.test:8443/Callback/",
            "http://localhost:3000/callback",
            "http://localhost/cb",
            "http://127.0.0.1:8080/cb",
            "http://[::1]:8080/cb",
            "https://foo.test",
        ] {
            assert_eq!(RedirectUri::parse(good).unwrap().as_str(), good);
        }
    }

    #[test]
    fn a_redirect_uri_refuses_what_exact_matching_cannot_trust() {
        for (bad, why) in [
            ("", "Enter"),
            ("http://foo.woodgrove.test/cb", "uses http"),
            ("http://127.0.0.2/cb", "uses http"),
            ("http://localhost.evil.test/cb", "uses http"),
            ("http://0.0.0.0/cb", "uses http"),
            ("https://foo.test/cb#frag", "fragment"),
            ("https://foo.test/cb#", "fragment"),
            ("/callback", "absolute"),
            ("foo.test/callback", "absolute"),
            ("HTTPS://foo.test/cb", "absolute"),
            ("https:foo.test/cb", "absolute"),
            ("javascript:alert(1)", "absolute"),
            ("ftp://foo.test/cb", "absolute"),
            ("myapp://callback", "absolute"),
            ("https://user:pw@foo.test/cb", "user name"),
            ("https://@foo.test/cb", "user name"),
            ("https://foo.test\\@evil.test/", "blank"),
            (" https://foo.test/cb", "blank"),
            ("https://foo.test/cb ", "blank"),
            ("https://foo.test/c b", "blank"),
            ("https://foo.test/c\tb", "blank"),
            ("https://", "not a valid URL"),
            ("https://foo.test:99999/", "not a valid URL"),
        ] {
            let error = RedirectUri::parse(bad).expect_err(bad);
            assert!(error.0.contains(why), "{bad:?}: {error}");
        }
    }

    #[test]
    fn a_redirect_uri_has_at_most_two_thousand_characters() {
        let base = "https://foo.test/";
        let longest = format!("{base}{}", "a".repeat(MAX_REDIRECT_URI_LEN - base.len()));
        assert!(RedirectUri::parse(&longest).is_ok());
        assert!(RedirectUri::parse(&format!("{longest}a")).is_err());
    }

    #[test]
    fn an_application_has_one_to_twenty_distinct_redirect_uris() {
        assert!(RedirectUris::parse::<&str>(&[]).is_err());
        let twenty: Vec<String> = (0..20).map(|i| format!("https://a.test/{i}")).collect();
        assert_eq!(RedirectUris::parse(&twenty).unwrap().len(), 20);
        let more: Vec<String> = (0..21).map(|i| format!("https://a.test/{i}")).collect();
        assert!(RedirectUris::parse(&more).is_err());
        let twice = RedirectUris::parse(&["https://a.test/1", "https://a.test/1"]).unwrap();
        assert_eq!(twice.to_strings(), ["https://a.test/1"]);
        assert!(RedirectUris::parse(&["https://a.test/1", "http://a.test/2"]).is_err());
    }

    #[test]
    fn a_form_gives_one_redirect_uri_a_line() {
        let uris =
            RedirectUris::from_lines("  https://a.test/cb \r\n\nhttp://localhost:3000/cb\n   \n")
                .unwrap();
        assert_eq!(
            uris.to_strings(),
            ["https://a.test/cb", "http://localhost:3000/cb"]
        );
        assert!(uris.contains("https://a.test/cb"));
        assert!(!uris.contains("https://a.test/cb/"));
        assert!(RedirectUris::from_lines(" \n \n").is_err());
    }
}
