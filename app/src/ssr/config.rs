//! Runtime configuration that services need (DESIGN §7). The server binary
//! fills it from `GATEHOUSE_*` variables and `gatehouse serve` flags.

use secrecy::SecretString;

/// Where Gatehouse is reached from browsers, parsed once: the origin that
/// state-changing requests must come from, the WebAuthn RP ID and the OIDC
/// issuer's base.
#[derive(Debug, Clone)]
pub struct PublicUrl {
    origin: String,
    host: String,
    is_https: bool,
}

impl PublicUrl {
    /// Accepts `http(s)://host[:port]` with an optional trailing `/`.
    pub fn parse(input: &str) -> Result<Self, String> {
        let uri: http::Uri = input
            .parse()
            .map_err(|_| format!("'{input}' is not a URL"))?;
        let is_https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err(format!("'{input}' must start with http:// or https://")),
        };
        let Some(authority) = uri.authority() else {
            return Err(format!("'{input}' has no host"));
        };
        if authority.as_str().contains('@') {
            return Err(format!("'{input}' must not contain a user name"));
        }
        if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
            return Err(format!(
                "'{input}' must be an origin only, like https://id.example.com"
            ));
        }
        let scheme = if is_https { "https" } else { "http" };
        let host = authority.host().to_ascii_lowercase();
        // Browsers leave the scheme's default port out of `Origin`.
        let origin = match (authority.port_u16(), is_https) {
            (Some(443), true) | (Some(80), false) | (None, _) => format!("{scheme}://{host}"),
            (Some(port), _) => format!("{scheme}://{host}:{port}"),
        };
        Ok(Self {
            origin,
            host: authority.host().to_ascii_lowercase(),
            is_https,
        })
    }

    /// `scheme://host[:port]`, as browsers send it in `Origin`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The host alone (the WebAuthn RP ID).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Cookies are `Secure` whenever this is true.
    pub fn is_https(&self) -> bool {
        self.is_https
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub public_url: PublicUrl,
    /// Seed and show the demo data (DESIGN §7).
    pub demo: bool,
    /// SMTP relay for the outbox; unset: mail stays in the outbox.
    pub smtp_url: Option<SecretString>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_url_is_an_origin() {
        let url = PublicUrl::parse("http://localhost:3000/").unwrap();
        assert_eq!(url.origin(), "http://localhost:3000");
        assert_eq!(url.host(), "localhost");
        assert!(!url.is_https());
        assert!(PublicUrl::parse("https://ID.Woodgrove.test")
            .unwrap()
            .is_https());
        assert_eq!(
            PublicUrl::parse("https://id.test:443").unwrap().origin(),
            "https://id.test"
        );
        assert_eq!(
            PublicUrl::parse("http://id.test:80/").unwrap().origin(),
            "http://id.test"
        );
        assert_eq!(
            PublicUrl::parse("https://id.test:8443").unwrap().origin(),
            "https://id.test:8443"
        );
        for bad in [
            "localhost:3000",
            "ftp://x.test",
            "https://x.test/path",
            "https://u@x.test",
            "",
        ] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
