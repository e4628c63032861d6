//! An authorization request (OpenID Connect Core §3.1.2.1), checked.
//!
//! The order of the checks is the protocol's: until the client and its
//! redirect URI are known to belong together, an error is shown on a page
//! of ours and never sent to the redirect URI (RFC 6749 §4.1.2.1) — else
//! anyone could make the provider redirect to any address. After that,
//! errors go back to the client in the redirect, with `state`.

use std::collections::BTreeMap;

use super::client::{find_client, Client};
use crate::ssr::clock::UnixTime;
use crate::ssr::db::Conn;
use crate::ssr::Result;

/// The scopes this provider knows; others are ignored (OIDC Core §3.1.2.1).
const KNOWN_SCOPES: [&str; 3] = ["openid", "profile", "email"];
/// The longest `nonce`, `state` or `login_hint` kept.
const MAX_VALUE_LEN: usize = 1024;
/// The longest `max_age` honoured: a year.
const MAX_MAX_AGE: i64 = 365 * 24 * 60 * 60;
/// Gatehouse's own parameter: sign-in must have happened at or after this
/// time. The provider adds it when it sends the browser to sign in again
/// (`prompt=login`, `max_age`), so the request does not ask for it twice.
pub const LOGIN_AFTER: &str = "login_after";

/// What the request asks for the sign-in itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// Whatever the session allows.
    Default,
    /// No page may be shown: an error when one would be.
    None,
    /// Sign in again, even with a session.
    Login,
}

/// A request whose client and redirect URI belong together and whose
/// parameters make sense.
#[derive(Debug, Clone)]
pub struct AuthorizeRequest {
    pub client: Client,
    pub redirect_uri: String,
    pub state: Option<String>,
    pub nonce: Option<String>,
    /// The known scopes asked for, space-separated, `openid` first.
    pub scope: String,
    /// The PKCE S256 challenge.
    pub code_challenge: Option<String>,
    pub prompt: Prompt,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
    pub login_after: Option<UnixTime>,
    /// The parameters as received, to send the browser back here.
    params: BTreeMap<String, String>,
}

impl AuthorizeRequest {
    /// This request as a local path under `authorize_path`, with `changes`
    /// applied (`None` removes a parameter).
    pub fn path(&self, authorize_path: &str, changes: &[(&str, Option<String>)]) -> String {
        let mut params = self.params.clone();
        for (name, value) in changes {
            match value {
                Some(value) => params.insert((*name).to_owned(), value.clone()),
                None => params.remove(*name),
            };
        }
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&params)
            .finish();
        format!("{authorize_path}?{query}")
    }

    /// Where the browser goes with an OAuth error for the client.
    pub fn error(&self, error: &'static str, description: impl Into<String>) -> ErrorRedirect {
        ErrorRedirect {
            redirect_uri: self.redirect_uri.clone(),
            state: self.state.clone(),
            error,
            description: description.into(),
        }
    }
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Shown on a page of ours: the redirect URI cannot be trusted.
    Page(String),
    /// Sent back to the client.
    Redirect(ErrorRedirect),
}

/// An OAuth error response in the redirect (RFC 6749 §4.1.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorRedirect {
    pub redirect_uri: String,
    pub state: Option<String>,
    pub error: &'static str,
    pub description: String,
}

impl ErrorRedirect {
    /// The URL, with `iss` (RFC 9207) so that a client can tell providers apart.
    pub fn location(&self, issuer: &str) -> String {
        let mut pairs = vec![
            ("error", self.error),
            ("error_description", self.description.as_str()),
        ];
        if let Some(state) = &self.state {
            pairs.push(("state", state));
        }
        pairs.push(("iss", issuer));
        with_query(&self.redirect_uri, &pairs)
    }
}

/// `base` with `pairs` added to its query.
pub fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}{query}")
}

/// Checks the request `pairs` (the query string, decoded) for the tenant
/// `tenant_id`.
pub async fn check_request(
    conn: &mut Conn,
    tenant_id: &str,
    pairs: Vec<(String, String)>,
) -> Result<std::result::Result<AuthorizeRequest, Refusal>> {
    let mut params = BTreeMap::new();
    let mut repeated = None;
    for (name, value) in pairs {
        if params.contains_key(&name) {
            repeated.get_or_insert(name.clone());
        }
        params.insert(name, value);
    }
    let page = |message: String| Ok(Err(Refusal::Page(message)));
    if let Some(name @ ("client_id" | "redirect_uri")) = repeated.as_deref() {
        return page(format!("The request names its {name} more than once."));
    }
    let Some(client_id) = params.get("client_id").filter(|id| !id.is_empty()) else {
        return page("The request does not say which application it is for (client_id).".into());
    };
    let Some(client) = find_client(conn, tenant_id, client_id).await? else {
        return page(format!(
            "No application with the client id '{client_id}' is registered here."
        ));
    };
    let Some(redirect_uri) = params.get("redirect_uri").filter(|uri| !uri.is_empty()) else {
        return page("The request has no redirect_uri.".into());
    };
    if !client.has_redirect_uri(conn, redirect_uri).await? {
        return page(format!(
            "The redirect URI '{redirect_uri}' is not registered for {}.",
            client.display_name
        ));
    }
    let redirect_uri = redirect_uri.clone();
    let state = params.get("state").cloned();
    let refuse = |error: &'static str, description: String| {
        Ok(Err(Refusal::Redirect(ErrorRedirect {
            redirect_uri: redirect_uri.clone(),
            state: state.clone(),
            error,
            description,
        })))
    };
    if let Some(name) = repeated {
        return refuse(
            "invalid_request",
            format!("'{name}' is given more than once."),
        );
    }
    if params.contains_key("request") {
        return refuse(
            "request_not_supported",
            "Request objects are not supported.".into(),
        );
    }
    if params.contains_key("request_uri") {
        return refuse(
            "request_uri_not_supported",
            "request_uri is not supported.".into(),
        );
    }
    match params.get("response_type").map(String::as_str) {
        Some("code") => {}
        None => return refuse("invalid_request", "response_type is missing.".into()),
        Some(_) => {
            return refuse(
                "unsupported_response_type",
                "Only the authorization code flow (response_type=code) is supported.".into(),
            )
        }
    }
    if params
        .get("response_mode")
        .is_some_and(|mode| mode != "query")
    {
        return refuse(
            "invalid_request",
            "Only response_mode=query is supported.".into(),
        );
    }
    let asked: Vec<&str> = params
        .get("scope")
        .map(|scope| scope.split(' ').filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    if !asked.contains(&"openid") {
        return refuse("invalid_scope", "The scope must include openid.".into());
    }
    let scope = KNOWN_SCOPES
        .iter()
        .filter(|known| asked.contains(known))
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let code_challenge = params.get("code_challenge").cloned();
    match (
        &code_challenge,
        params.get("code_challenge_method").map(String::as_str),
    ) {
        (Some(_), Some("S256")) => {}
        // Without a method, RFC 7636 means `plain`, which is refused too.
        (Some(_), _) => {
            return refuse(
                "invalid_request",
                "Only code_challenge_method=S256 is supported.".into(),
            )
        }
        (None, Some(_)) => return refuse("invalid_request", "code_challenge is missing.".into()),
        (None, None) if client.public => {
            return refuse(
                "invalid_request",
                "A public client must use PKCE (code_challenge with S256).".into(),
            )
        }
        (None, None) => {}
    }
    if code_challenge
        .as_deref()
        .is_some_and(|challenge| !is_s256_challenge(challenge))
    {
        return refuse(
            "invalid_request",
            "code_challenge must be a base64url SHA-256 digest (43 characters).".into(),
        );
    }
    let prompts: Vec<&str> = params
        .get("prompt")
        .map(|prompt| prompt.split(' ').filter(|p| !p.is_empty()).collect())
        .unwrap_or_default();
    let prompt = if prompts.contains(&"none") {
        if prompts.len() > 1 {
            return refuse("invalid_request", "prompt=none cannot be combined.".into());
        }
        Prompt::None
    } else if prompts.contains(&"login") {
        Prompt::Login
    } else {
        Prompt::Default
    };
    let max_age = match params.get("max_age").map(|age| age.parse::<i64>()) {
        None => None,
        Some(Ok(age)) if (0..=MAX_MAX_AGE).contains(&age) => Some(age),
        Some(_) => {
            return refuse(
                "invalid_request",
                "max_age must be a number of seconds.".into(),
            )
        }
    };
    let login_after = match params.get(LOGIN_AFTER).map(|at| at.parse::<i64>()) {
        None => None,
        Some(Ok(at)) => Some(at),
        Some(Err(_)) => return refuse("invalid_request", format!("{LOGIN_AFTER} is not a time.")),
    };
    for name in ["nonce", "state", "login_hint"] {
        if params
            .get(name)
            .is_some_and(|value| value.len() > MAX_VALUE_LEN)
        {
            return refuse(
                "invalid_request",
                format!("{name} is longer than {MAX_VALUE_LEN} characters."),
            );
        }
    }
    Ok(Ok(AuthorizeRequest {
        client,
        redirect_uri,
        state,
        nonce: params.get("nonce").cloned(),
        scope,
        code_challenge,
        prompt,
        max_age,
        login_hint: params.get("login_hint").cloned(),
        login_after,
        params,
    }))
}

/// A base64url (no padding) SHA-256 digest: 43 characters.
fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{DisplayName, DomainName, Licence, Plan, TenantSlug};
    use crate::mfa::ssr::fixture::{self, Fixture, T0};
    use crate::tenants::ssr::{create_tenant, NewTenant};

    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    async fn fixture() -> Fixture {
        let fixture = fixture::fixture().await;
        sqlx::query(
            "INSERT INTO applications (id, tenant_id, display_name, client_id, client_secret_hash,
                                       public_client, created_at)
             VALUES ('app-1', $1, 'Foo', 'foo-client', 'hash', FALSE, 0),
                    ('app-2', $1, 'Spa', 'spa-client', NULL, TRUE, 0);
             INSERT INTO application_redirect_uris (application_id, uri)
             VALUES ('app-1', 'https://foo.test/cb'), ('app-2', 'http://localhost:5173/cb')",
        )
        .bind(&fixture.tenant.id)
        .execute(fixture.pool.connections())
        .await
        .expect("applications");
        fixture
    }

    fn pairs(extra: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = [
            ("client_id", "foo-client"),
            ("redirect_uri", "https://foo.test/cb"),
            ("response_type", "code"),
            ("scope", "openid profile"),
            ("state", "s1"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        for (name, value) in extra {
            pairs.retain(|(k, _)| k != name);
            if !value.is_empty() {
                pairs.push(((*name).to_owned(), (*value).to_owned()));
            }
        }
        pairs
    }

    async fn check(
        fixture: &Fixture,
        pairs: Vec<(String, String)>,
    ) -> std::result::Result<AuthorizeRequest, Refusal> {
        let mut conn = fixture.pool.acquire().await.expect("connection");
        check_request(&mut conn, &fixture.tenant.id, pairs)
            .await
            .expect("checked")
    }

    fn redirected_error(
        result: std::result::Result<AuthorizeRequest, Refusal>,
    ) -> (&'static str, Option<String>) {
        match result {
            Err(Refusal::Redirect(error)) => (error.error, error.state),
            other => panic!("expected an error redirect, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_good_request_keeps_the_known_scopes_and_its_state() {
        let fixture = fixture().await;
        let request = check(
            &fixture,
            pairs(&[("scope", "email openid unknown profile")]),
        )
        .await
        .expect("accepted");
        assert_eq!(request.scope, "openid profile email");
        assert_eq!(request.state.as_deref(), Some("s1"));
        assert_eq!(request.prompt, Prompt::Default);
    }

    #[tokio::test]
    async fn an_unknown_client_or_an_unregistered_redirect_uri_is_never_redirected_to() {
        let fixture = fixture().await;
        for bad in [
            pairs(&[("client_id", "")]),
            pairs(&[("client_id", "nobody")]),
            pairs(&[("redirect_uri", "")]),
            pairs(&[("redirect_uri", "https://evil.test/cb")]),
            pairs(&[("redirect_uri", "https://foo.test/cb/")]),
            pairs(&[("redirect_uri", "https://foo.test/cb?x=1")]),
            pairs(&[("redirect_uri", "https://FOO.test/cb")]),
            pairs(&[("client_id", "spa-client")]),
        ] {
            let result = check(&fixture, bad.clone()).await;
            assert!(
                matches!(result, Err(Refusal::Page(_))),
                "{bad:?}: {result:?}"
            );
        }
        let mut twice = pairs(&[]);
        twice.push(("redirect_uri".into(), "https://evil.test/cb".into()));
        assert!(matches!(
            check(&fixture, twice).await,
            Err(Refusal::Page(_))
        ));
    }

    #[tokio::test]
    async fn a_client_of_another_tenant_is_unknown_here() {
        let fixture = fixture().await;
        let new = NewTenant {
            slug: TenantSlug::parse("contoso").expect("slug"),
            display_name: DisplayName::parse("Contoso").expect("name"),
            domain: DomainName::parse("contoso.test").expect("domain"),
            licence: Licence::parse(Plan::Free, None).expect("licence"),
        };
        let other = create_tenant(&fixture.pool, &new, &fixture.actor, T0)
            .await
            .expect("tenant");
        let mut conn = fixture.pool.acquire().await.expect("connection");
        let result = check_request(&mut conn, &other.id, pairs(&[]))
            .await
            .expect("checked");
        assert!(matches!(result, Err(Refusal::Page(_))), "{result:?}");
    }

    #[tokio::test]
    async fn after_the_redirect_uri_is_known_errors_go_back_with_the_state() {
        let fixture = fixture().await;
        for (extra, expected) in [
            (
                vec![("response_type", "token")],
                "unsupported_response_type",
            ),
            (vec![("response_type", "")], "invalid_request"),
            (vec![("scope", "profile")], "invalid_scope"),
            (vec![("response_mode", "fragment")], "invalid_request"),
            (
                vec![
                    ("code_challenge", CHALLENGE),
                    ("code_challenge_method", "plain"),
                ],
                "invalid_request",
            ),
            (vec![("code_challenge", CHALLENGE)], "invalid_request"),
            (vec![("code_challenge_method", "S256")], "invalid_request"),
            (
                vec![
                    ("code_challenge", "short"),
                    ("code_challenge_method", "S256"),
                ],
                "invalid_request",
            ),
            (vec![("prompt", "none login")], "invalid_request"),
            (vec![("max_age", "-1")], "invalid_request"),
            (vec![("max_age", "soon")], "invalid_request"),
            (vec![("request", "eyJ")], "request_not_supported"),
        ] {
            let result = check(&fixture, pairs(&extra)).await;
            assert_eq!(
                redirected_error(result),
                (expected, Some("s1".into())),
                "{extra:?}"
            );
        }
        let mut twice = pairs(&[]);
        twice.push(("state".into(), "s2".into()));
        assert_eq!(
            redirected_error(check(&fixture, twice).await).0,
            "invalid_request"
        );
    }

    #[tokio::test]
    async fn a_public_client_must_use_pkce_and_a_confidential_one_may() {
        let fixture = fixture().await;
        let spa = [
            ("client_id", "spa-client"),
            ("redirect_uri", "http://localhost:5173/cb"),
        ];
        let without = check(&fixture, pairs(&spa)).await;
        assert_eq!(redirected_error(without).0, "invalid_request");
        let mut with = spa.to_vec();
        with.extend([
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ]);
        let request = check(&fixture, pairs(&with)).await.expect("accepted");
        assert_eq!(request.code_challenge.as_deref(), Some(CHALLENGE));
        let confidential = check(&fixture, pairs(&[])).await.expect("accepted");
        assert_eq!(confidential.code_challenge, None);
    }

    #[tokio::test]
    async fn the_path_back_keeps_the_request_and_applies_changes() {
        let fixture = fixture().await;
        let request = check(&fixture, pairs(&[("prompt", "login")]))
            .await
            .expect("accepted");
        assert_eq!(request.prompt, Prompt::Login);
        let path = request.path(
            "/woodgrove/oauth2/v2.0/authorize",
            &[("prompt", None), (LOGIN_AFTER, Some("42".into()))],
        );
        assert!(
            path.starts_with("/woodgrove/oauth2/v2.0/authorize?"),
            "{path}"
        );
        assert!(
            path.contains("login_after=42") && !path.contains("prompt"),
            "{path}"
        );
        assert!(
            path.contains("redirect_uri=https%3A%2F%2Ffoo.test%2Fcb"),
            "{path}"
        );
    }
}
