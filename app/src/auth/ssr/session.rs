//! Server-side sessions (DESIGN §2). The cookie carries a random 128-bit id
//! and nothing else; the row, keyed by the id's SHA-256, holds who signed in,
//! how (`amr`), when, and — per resource tenant — when MFA last passed.

use http::header::COOKIE;
use http::{HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use sqlx::SqliteConnection;

use crate::ssr::clock::UnixTime;
use crate::ssr::config::PublicUrl;
use crate::ssr::crypto::{random_token, token_hash};

/// A session lasts this long after sign-in, however active.
pub const SESSION_LIFETIME_SECS: i64 = 12 * 60 * 60;

/// On https the `__Host-` prefix makes the browser insist on `Secure`,
/// `Path=/` and no `Domain`; plain http (development) cannot use it.
pub fn cookie_name(public_url: &PublicUrl) -> &'static str {
    if public_url.is_https() {
        "__Host-gatehouse_session"
    } else {
        "gatehouse_session"
    }
}

/// The cookie value: shown to the browser once, stored only as its hash.
pub struct SessionToken(SecretString);

impl SessionToken {
    pub fn id_hash(&self) -> String {
        token_hash(self.0.expose_secret())
    }
}

/// The `Set-Cookie` value that hands `token` to the browser.
pub fn set_cookie(public_url: &PublicUrl, token: &SessionToken) -> HeaderValue {
    let secure = if public_url.is_https() {
        "; Secure"
    } else {
        ""
    };
    let value = format!(
        "{}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={SESSION_LIFETIME_SECS}{secure}",
        cookie_name(public_url),
        token.0.expose_secret(),
    );
    // Base64url and the fixed attributes are all visible ASCII.
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(public_url: &PublicUrl) -> HeaderValue {
    let secure = if public_url.is_https() {
        "; Secure"
    } else {
        ""
    };
    let value = format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}",
        cookie_name(public_url)
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The hash of the session id the request carries, if any.
pub fn id_hash_from_headers(public_url: &PublicUrl, headers: &HeaderMap) -> Option<String> {
    let name = cookie_name(public_url);
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, value)| *key == name && !value.is_empty())
        .map(|(_, value)| token_hash(value))
}

/// Who a session belongs to: the identity that signed in at home.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A work account: a member user of a tenant here.
    User(String),
    /// A personal account (the personal directory).
    PersonalAccount(String),
    /// An e-mail address proven with a one-time passcode.
    Email(String),
}

/// A live session row.
#[derive(Debug, Clone)]
pub struct Session {
    pub id_hash: String,
    pub subject: Subject,
    pub authenticated_at: UnixTime,
    /// Authentication method references (RFC 8176), e.g. `["pwd"]`.
    pub amr: Vec<String>,
    pub expires_at: UnixTime,
}

/// Starts a session for `subject`, authenticated now by `amr`.
pub async fn create_session(
    conn: &mut SqliteConnection,
    subject: &Subject,
    amr: &[&str],
    now: UnixTime,
) -> Result<SessionToken, sqlx::Error> {
    let token = SessionToken(random_token::<16>());
    let id_hash = token.id_hash();
    let amr = serde_json::to_string(amr).unwrap_or_else(|_| "[]".to_owned());
    let expires_at = now + SESSION_LIFETIME_SECS;
    let (user_id, personal_account_id, email) = match subject {
        Subject::User(id) => (Some(id.as_str()), None, None),
        Subject::PersonalAccount(id) => (None, Some(id.as_str()), None),
        Subject::Email(email) => (None, None, Some(email.as_str())),
    };
    sqlx::query!(
        "INSERT INTO sessions (id_hash, user_id, personal_account_id, email, authenticated_at, amr,
                               created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        id_hash,
        user_id,
        personal_account_id,
        email,
        now,
        amr,
        now,
        expires_at,
    )
    .execute(conn)
    .await?;
    Ok(token)
}

/// The session with this id hash, unless it is revoked, expired or its work
/// account is disabled.
pub async fn find_active_session(
    conn: &mut SqliteConnection,
    id_hash: &str,
    now: UnixTime,
) -> Result<Option<Session>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT s.id_hash, s.user_id, s.personal_account_id, s.email, s.authenticated_at, s.amr,
                s.expires_at
         FROM sessions s LEFT JOIN users u ON u.id = s.user_id
         WHERE s.id_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ?
           AND (s.user_id IS NULL OR u.account_enabled = 1)",
        id_hash,
        now,
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.and_then(|row| {
        let subject = match (row.user_id, row.personal_account_id, row.email) {
            (Some(id), _, _) => Subject::User(id),
            (_, Some(id), _) => Subject::PersonalAccount(id),
            (_, _, Some(email)) => Subject::Email(email),
            // The table's CHECK makes this impossible; treat it as no session.
            (None, None, None) => return None,
        };
        Some(Session {
            id_hash: row.id_hash,
            subject,
            authenticated_at: row.authenticated_at,
            amr: serde_json::from_str(&row.amr).unwrap_or_default(),
            expires_at: row.expires_at,
        })
    }))
}

/// Ends a session server-side: its cookie no longer works anywhere.
pub async fn revoke_session(
    conn: &mut SqliteConnection,
    id_hash: &str,
    now: UnixTime,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE sessions SET revoked_at = ? WHERE id_hash = ? AND revoked_at IS NULL",
        now,
        id_hash,
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http() -> PublicUrl {
        PublicUrl::parse("http://localhost:3000").unwrap()
    }

    #[test]
    fn the_cookie_is_http_only_lax_and_secure_on_https() {
        let token = SessionToken("abc".to_owned().into());
        let plain = set_cookie(&http(), &token);
        let plain = plain.to_str().unwrap();
        assert!(plain.starts_with("gatehouse_session=abc;"), "{plain}");
        assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Lax"));
        assert!(!plain.contains("Secure"));
        let https = PublicUrl::parse("https://id.woodgrove.test").unwrap();
        let secure = set_cookie(&https, &token);
        let secure = secure.to_str().unwrap();
        assert!(
            secure.starts_with("__Host-gatehouse_session=abc;"),
            "{secure}"
        );
        assert!(secure.ends_with("; Secure"));
    }

    #[test]
    fn the_session_id_is_read_from_its_own_cookie_only() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("other=x; gatehouse_session=abc; z=1"),
        );
        assert_eq!(
            id_hash_from_headers(&http(), &headers),
            Some(token_hash("abc"))
        );
        headers.insert(COOKIE, HeaderValue::from_static("gatehouse_session=; x=1"));
        assert_eq!(id_hash_from_headers(&http(), &headers), None);
    }
}
