//! Server-side sessions (DESIGN §2). The cookie carries a random 128-bit id
//! and nothing else; the row, keyed by the id's SHA-256, holds who signed in,
//! how (`amr`), when, and — per resource tenant — when MFA last passed.

use cookie::Cookie;
use http::{HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::ssr::clock::UnixTime;
use crate::ssr::config::PublicUrl;
use crate::ssr::crypto::{random_token, token_hash};
use crate::ssr::db::Conn;
use crate::ssr::request::{cookie_value, own_cookie};
use crate::ssr::{Error, Result};

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
/// Its `Debug` shows no secret (`SecretString` redacts it).
#[derive(Debug)]
pub struct SessionToken(SecretString);

impl SessionToken {
    pub fn id_hash(&self) -> String {
        token_hash(self.0.expose_secret())
    }
}

/// The session cookie, with the attributes of all of Gatehouse's own.
fn session_cookie(public_url: &PublicUrl, value: String, max_age: i64) -> Cookie<'static> {
    own_cookie(public_url, cookie_name(public_url), value, max_age)
}

fn header_value(cookie: &Cookie<'_>) -> HeaderValue {
    // A base64url value and the fixed attributes are all visible ASCII.
    HeaderValue::from_str(&cookie.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The `Set-Cookie` value that hands `token` to the browser.
pub fn set_cookie(public_url: &PublicUrl, token: &SessionToken) -> HeaderValue {
    let value = token.0.expose_secret().to_owned();
    header_value(&session_cookie(public_url, value, SESSION_LIFETIME_SECS))
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(public_url: &PublicUrl) -> HeaderValue {
    header_value(&session_cookie(public_url, String::new(), 0))
}

/// The hash of the session id the request carries, if any.
pub fn id_hash_from_headers(public_url: &PublicUrl, headers: &HeaderMap) -> Option<String> {
    cookie_value(headers, cookie_name(public_url)).map(|token| token_hash(&token))
}

/// How a session's holder authenticated: RFC 8176 authentication method
/// reference values, stored as their strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Amr {
    /// A password.
    Pwd,
    /// A one-time password from an authenticator app.
    Otp,
    /// A hardware-bound key (a security key, a device-bound passkey).
    Hwk,
    /// A software-held key (a synced passkey).
    Swk,
    /// More than one factor.
    Mfa,
    /// A code sent by e-mail (Gatehouse's own value; RFC 8176 has none).
    Email,
}

impl Amr {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pwd => "pwd",
            Self::Otp => "otp",
            Self::Hwk => "hwk",
            Self::Swk => "swk",
            Self::Mfa => "mfa",
            Self::Email => "email",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        [
            Self::Pwd,
            Self::Otp,
            Self::Hwk,
            Self::Swk,
            Self::Mfa,
            Self::Email,
        ]
        .into_iter()
        .find(|amr| amr.as_str() == input)
    }
}

/// The stored form of a session's `amr`: a JSON array of strings.
fn amr_to_json(amr: &[Amr]) -> Result<String> {
    let names: Vec<&str> = amr.iter().map(|amr| amr.as_str()).collect();
    serde_json::to_string(&names).map_err(|source| Error::Serialise {
        what: "sessions.amr",
        source,
    })
}

fn amr_from_json(stored: &str, what: &'static str) -> Result<Vec<Amr>> {
    let corrupt = || Error::Corrupt {
        what,
        source: crate::domain::ParseError(format!("not a list of amr values: {stored}")),
    };
    let names: Vec<String> = serde_json::from_str(stored).map_err(|_| corrupt())?;
    names
        .iter()
        .map(|name| Amr::parse(name).ok_or_else(corrupt))
        .collect()
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

impl Subject {
    /// The session columns that name it: `(user_id, personal_account_id,
    /// email)`, exactly one set.
    fn columns(&self) -> (Option<&str>, Option<&str>, Option<&str>) {
        match self {
            Self::User(id) => (Some(id.as_str()), None, None),
            Self::PersonalAccount(id) => (None, Some(id.as_str()), None),
            Self::Email(email) => (None, None, Some(email.as_str())),
        }
    }
}

/// A live session row.
#[derive(Debug, Clone)]
pub struct Session {
    pub id_hash: String,
    pub subject: Subject,
    pub authenticated_at: UnixTime,
    /// How the holder authenticated, e.g. `[Pwd]`.
    pub amr: Vec<Amr>,
    pub expires_at: UnixTime,
}

/// Starts a session for `subject`, authenticated now by `amr`.
pub async fn create_session(
    conn: &mut Conn,
    subject: &Subject,
    amr: &[Amr],
    now: UnixTime,
) -> Result<SessionToken> {
    let token = SessionToken(random_token::<16>());
    let id_hash = token.id_hash();
    let amr = amr_to_json(amr)?;
    let expires_at = now + SESSION_LIFETIME_SECS;
    let (user_id, personal_account_id, email) = subject.columns();
    sqlx::query!(
        "INSERT INTO sessions (id_hash, user_id, personal_account_id, email, authenticated_at, amr,
                               created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
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
    conn: &mut Conn,
    id_hash: &str,
    now: UnixTime,
) -> Result<Option<Session>> {
    let row = sqlx::query!(
        "SELECT s.id_hash, s.user_id, s.personal_account_id, s.email, s.authenticated_at, s.amr,
                s.expires_at
         FROM sessions s LEFT JOIN users u ON u.id = s.user_id
         WHERE s.id_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2
           AND (s.user_id IS NULL OR u.account_enabled = TRUE)",
        id_hash,
        now,
    )
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let subject = match (row.user_id, row.personal_account_id, row.email) {
        (Some(id), None, None) => Subject::User(id),
        (None, Some(id), None) => Subject::PersonalAccount(id),
        (None, None, Some(email)) => Subject::Email(email),
        // The table's CHECK allows exactly one.
        _ => {
            return Err(Error::Corrupt {
                what: "sessions subject",
                source: crate::domain::ParseError("not exactly one subject".into()),
            })
        }
    };
    Ok(Some(Session {
        id_hash: row.id_hash,
        subject,
        authenticated_at: row.authenticated_at,
        amr: amr_from_json(&row.amr, "sessions.amr")?,
        expires_at: row.expires_at,
    }))
}

/// Ends a session server-side: its cookie no longer works anywhere.
pub async fn revoke_session(conn: &mut Conn, id_hash: &str, now: UnixTime) -> Result<bool> {
    let done = sqlx::query!(
        "UPDATE sessions SET revoked_at = $1 WHERE id_hash = $2 AND revoked_at IS NULL",
        now,
        id_hash,
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// One of a person's live sessions as they see it in Security info: never
/// its id (nor the id's hash), but a handle that names it to its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSummary {
    pub handle: String,
    /// When its holder signed in (a rotated session keeps the time).
    pub signed_in_at: UnixTime,
    pub expires_at: UnixTime,
    /// The session this request came with.
    pub is_current: bool,
}

/// The handle of the session stored as `id_hash`: a hash of the hash, so a
/// page that lists sessions shows nothing the session table is keyed by.
fn session_handle(id_hash: &str) -> String {
    token_hash(&format!("gatehouse.session-handle.v1:{id_hash}"))
}

/// The live sessions of `subject` (not revoked, not expired), newest
/// sign-in first; `current` is the request's own.
pub async fn list_live_sessions(
    conn: &mut Conn,
    subject: &Subject,
    current: &str,
    now: UnixTime,
) -> Result<Vec<SessionSummary>> {
    let (user_id, personal_account_id, email) = subject.columns();
    let rows = sqlx::query!(
        "SELECT id_hash, authenticated_at, expires_at FROM sessions
         WHERE revoked_at IS NULL AND expires_at > $1
           AND (user_id = $2 OR personal_account_id = $3 OR email = $4)
         ORDER BY authenticated_at DESC, created_at DESC, id_hash",
        now,
        user_id,
        personal_account_id,
        email
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| SessionSummary {
            handle: session_handle(&row.id_hash),
            is_current: row.id_hash == current,
            signed_in_at: row.authenticated_at,
            expires_at: row.expires_at,
        })
        .collect())
}

/// The id hash of `subject`'s live session named by `handle`, if any.
pub async fn find_live_session_by_handle(
    conn: &mut Conn,
    subject: &Subject,
    handle: &str,
    now: UnixTime,
) -> Result<Option<String>> {
    let (user_id, personal_account_id, email) = subject.columns();
    let hashes = sqlx::query_scalar!(
        "SELECT id_hash FROM sessions
         WHERE revoked_at IS NULL AND expires_at > $1
           AND (user_id = $2 OR personal_account_id = $3 OR email = $4)",
        now,
        user_id,
        personal_account_id,
        email
    )
    .fetch_all(conn)
    .await?;
    Ok(hashes
        .into_iter()
        .find(|id_hash| session_handle(id_hash) == handle))
}

/// An MFA the session passed with one tenant: when, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantMfa {
    pub at: UnixTime,
    /// E.g. `[Otp, Mfa]`.
    pub amr: Vec<Amr>,
}

/// When and how the session last passed MFA with `tenant_id`, if ever.
pub async fn find_tenant_mfa(
    conn: &mut Conn,
    id_hash: &str,
    tenant_id: &str,
) -> Result<Option<TenantMfa>> {
    let row = sqlx::query!(
        "SELECT mfa_at, amr FROM session_mfa WHERE session_id_hash = $1 AND tenant_id = $2",
        id_hash,
        tenant_id
    )
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok(TenantMfa {
            at: row.mfa_at,
            amr: amr_from_json(&row.amr, "session_mfa.amr")?,
        })
    })
    .transpose()
}

/// Records an MFA passed with `tenant_id` by `method`, rotating the session
/// id (a privilege change): the old row is revoked — conditionally, so a
/// session rotates once — and a new one carries the same subject, sign-in
/// factors and expiry, the MFAs of the old one with other tenants, and this
/// tenant's now, with `method` and `mfa` as its `amr`. Answers the new
/// cookie value.
pub async fn rotate_with_mfa(
    conn: &mut Conn,
    old: &Session,
    tenant_id: &str,
    method: Amr,
    now: UnixTime,
) -> Result<SessionToken> {
    let revoked = revoke_session(&mut *conn, &old.id_hash, now).await?;
    if !revoked {
        return Err(crate::error::AppError::Unauthenticated.into());
    }
    let mfa_amr = amr_to_json(&[method, Amr::Mfa])?;
    let token = SessionToken(random_token::<16>());
    let new_hash = token.id_hash();
    sqlx::query!(
        "INSERT INTO sessions (id_hash, user_id, personal_account_id, email, authenticated_at, amr,
                               created_at, expires_at)
         SELECT $1, user_id, personal_account_id, email, authenticated_at, amr, $2, expires_at
         FROM sessions WHERE id_hash = $3",
        new_hash,
        now,
        old.id_hash
    )
    .execute(&mut *conn)
    .await?;
    // The other tenants' MFAs copied and this tenant's added in one
    // statement: each statement is a round trip inside the write lock.
    sqlx::query!(
        "INSERT INTO session_mfa (session_id_hash, tenant_id, mfa_at, amr)
         SELECT $1, tenant_id, mfa_at, amr FROM session_mfa
         WHERE session_id_hash = $2 AND tenant_id <> $3
         UNION ALL
         SELECT $1, $3, $4, $5",
        new_hash,
        old.id_hash,
        tenant_id,
        now,
        mfa_amr
    )
    .execute(conn)
    .await?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use http::header::COOKIE;

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
        assert!(secure.contains("; Secure"), "{secure}");
    }

    #[tokio::test]
    async fn passing_mfa_rotates_the_session_and_records_the_tenant_and_the_method() {
        let (_dir, pool) = crate::ssr::db::open_for_test().await;
        let mut conn = pool.acquire().await.unwrap();
        for tenant in ["t1", "t2"] {
            sqlx::query!(
                "INSERT INTO tenants (id, slug, display_name, domain, plan, premium_seats, created_at)
                 VALUES ($1, $1, $1, $1 || '.test', 'free', 0, 0)",
                tenant
            )
            .execute(&mut *conn)
            .await
            .unwrap();
        }
        let subject = Subject::Email("bob@fabrikam.test".into());
        let token = create_session(&mut conn, &subject, &[Amr::Email], 100)
            .await
            .unwrap();
        let old = find_active_session(&mut conn, &token.id_hash(), 100)
            .await
            .unwrap()
            .unwrap();
        let first = rotate_with_mfa(&mut conn, &old, "t1", Amr::Otp, 110)
            .await
            .unwrap();
        assert!(
            find_active_session(&mut conn, &old.id_hash, 111)
                .await
                .unwrap()
                .is_none(),
            "the old id is dead"
        );
        let rotated = find_active_session(&mut conn, &first.id_hash(), 111)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(rotated.amr, [Amr::Email], "the home factors only");
        assert_eq!(
            (rotated.subject.clone(), rotated.authenticated_at),
            (subject, 100)
        );
        assert_eq!(rotated.expires_at, old.expires_at);
        assert!(
            rotate_with_mfa(&mut conn, &old, "t1", Amr::Otp, 112)
                .await
                .is_err(),
            "a session rotates once"
        );

        let second = rotate_with_mfa(&mut conn, &rotated, "t2", Amr::Hwk, 120)
            .await
            .unwrap();
        let hash = second.id_hash();
        let mfa = |at, method| {
            Some(TenantMfa {
                at,
                amr: vec![method, Amr::Mfa],
            })
        };
        let first = find_tenant_mfa(&mut conn, &hash, "t1").await.unwrap();
        assert_eq!(first, mfa(110, Amr::Otp), "kept from the first rotation");
        let second = find_tenant_mfa(&mut conn, &hash, "t2").await.unwrap();
        assert_eq!(second, mfa(120, Amr::Hwk));
    }

    #[test]
    fn amr_values_round_trip_through_their_rfc_8176_names() {
        let amr = [Amr::Pwd, Amr::Mfa, Amr::Otp];
        let stored = amr_to_json(&amr).unwrap();
        assert_eq!(stored, r#"["pwd","mfa","otp"]"#);
        assert_eq!(amr_from_json(&stored, "test").unwrap(), amr);
        assert!(amr_from_json(r#"["pwd","magic"]"#, "test").is_err());
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
