//! Recovery codes (DESIGN §2, §5): ten single-use codes issued with a
//! user's first method and shown once. Each is 50 random bits in ten
//! characters (`abcde-fghij`), stored only as HMAC-SHA256 under a subkey of
//! the server's key — without the key, a copy of the database gives nothing
//! to brute-force against. Using one is a conditional update, so a code
//! works once even when submitted twice at the same moment.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use crate::ssr::clock::UnixTime;
use crate::ssr::crypto::random_bytes;
use crate::ssr::db::Conn;
use crate::ssr::state::SecretKey;
use crate::ssr::Result;

/// Codes in a set.
pub const COUNT: usize = 10;
/// The alphabet: lower-case letters and digits without look-alikes (no 0,
/// 1, l, o), 32 symbols, so each character carries 5 bits.
const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";
const LENGTH: usize = 10;

/// A code as shown to the user once: `abcde-fghij`.
pub struct RecoveryCode(SecretString);

impl std::fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryCode([REDACTED])")
    }
}

impl RecoveryCode {
    fn generate() -> Self {
        let bytes = random_bytes::<LENGTH>();
        let chars: String = bytes
            .iter()
            .map(|byte| char::from(ALPHABET[usize::from(byte % 32)]))
            .collect();
        Self(SecretString::from(format!(
            "{}-{}",
            &chars[..5],
            &chars[5..]
        )))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

/// What a user typed, normalised: case, spaces and dashes do not matter.
/// `None` when it cannot be a code at all.
pub fn normalise(input: &str) -> Option<String> {
    let code: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (code.len() == LENGTH && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// The keyed hash a code is stored as: bound to its user, under a subkey
/// of the server's key (never the key itself).
fn code_hash(key: &SecretKey, user_id: &str, normalised: &str) -> String {
    let subkey = {
        let mut derive =
            Hmac::<Sha256>::new_from_slice(key.expose()).expect("HMAC takes a key of any length");
        derive.update(b"gatehouse.recovery-codes.v1");
        derive.finalize().into_bytes()
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(&subkey).expect("HMAC takes a key of any length");
    mac.update(user_id.as_bytes());
    mac.update(b"\0");
    mac.update(normalised.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Replaces `user_id`'s codes with a new set and returns it, to show once.
pub async fn replace_codes(
    conn: &mut Conn,
    key: &SecretKey,
    user_id: &str,
    now: UnixTime,
) -> Result<Vec<RecoveryCode>> {
    sqlx::query!("DELETE FROM recovery_codes WHERE user_id = $1", user_id)
        .execute(&mut *conn)
        .await?;
    let codes: Vec<RecoveryCode> = (0..COUNT).map(|_| RecoveryCode::generate()).collect();
    for code in &codes {
        let normalised = normalise(code.expose()).unwrap_or_default();
        let hash = code_hash(key, user_id, &normalised);
        sqlx::query!(
            "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)",
            user_id,
            hash,
            now
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(codes)
}

/// Uses up `input` if it is one of `user_id`'s unused codes; answers
/// whether it was.
pub async fn use_code(
    conn: &mut Conn,
    key: &SecretKey,
    user_id: &str,
    input: &str,
    now: UnixTime,
) -> Result<bool> {
    let Some(normalised) = normalise(input) else {
        return Ok(false);
    };
    let hash = code_hash(key, user_id, &normalised);
    let used = sqlx::query!(
        "UPDATE recovery_codes SET used_at = $1
         WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
        now,
        user_id,
        hash
    )
    .execute(conn)
    .await?;
    Ok(used.rows_affected() == 1)
}

/// How many of `user_id`'s codes are left.
pub async fn count_unused(conn: &mut Conn, user_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
        user_id
    )
    .fetch_one(conn)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssr::db::open_for_test;

    async fn user(conn: &mut Conn) {
        sqlx::query!(
            "INSERT INTO tenants (id, slug, display_name, domain, plan, premium_seats, created_at)
             VALUES ('t', 'fabrikam', 'Fabrikam', 'fabrikam.test', 'free', 0, 0)"
        )
        .execute(&mut *conn)
        .await
        .unwrap();
        sqlx::query!(
            "INSERT INTO users (id, tenant_id, user_principal_name, display_name, user_type, created_at)
             VALUES ('u', 't', 'bob@fabrikam.test', 'Bob', 'Member', 0)"
        )
        .execute(conn)
        .await
        .unwrap();
    }

    #[test]
    fn codes_are_ten_characters_of_the_alphabet_and_differ() {
        let a = RecoveryCode::generate();
        let b = RecoveryCode::generate();
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.expose().len(), 11);
        assert!(normalise(a.expose()).is_some(), "{}", a.expose());
        assert_eq!(normalise(" ABCDE-fghij ").as_deref(), Some("abcdefghij"));
        assert_eq!(normalise("abcde-fghi0"), None, "0 is not in the alphabet");
        assert_eq!(normalise("abcd"), None);
    }

    #[test]
    fn the_stored_hash_needs_the_key_and_is_bound_to_the_user() {
        let key = SecretKey::new([7; 32]);
        let other = SecretKey::new([8; 32]);
        let hash = code_hash(&key, "u", "abcdefghij");
        assert_eq!(hash.len(), 64);
        assert_ne!(hash, code_hash(&other, "u", "abcdefghij"));
        assert_ne!(hash, code_hash(&key, "v", "abcdefghij"));
    }

    #[tokio::test]
    async fn a_code_works_once_and_a_new_set_replaces_the_old() {
        let (_dir, pool) = open_for_test().await;
        let mut conn = pool.acquire().await.unwrap();
        user(&mut conn).await;
        let key = SecretKey::new([7; 32]);
        let codes = replace_codes(&mut conn, &key, "u", 10).await.unwrap();
        assert_eq!(codes.len(), COUNT);
        let first = codes[0].expose().to_uppercase();
        assert!(use_code(&mut conn, &key, "u", &first, 11).await.unwrap());
        assert!(
            !use_code(&mut conn, &key, "u", &first, 12).await.unwrap(),
            "once"
        );
        assert_eq!(count_unused(&mut conn, "u").await.unwrap(), 9);

        let second = codes[1].expose().to_owned();
        replace_codes(&mut conn, &key, "u", 13).await.unwrap();
        assert!(
            !use_code(&mut conn, &key, "u", &second, 14).await.unwrap(),
            "replaced"
        );
        assert_eq!(count_unused(&mut conn, "u").await.unwrap(), 10);
    }
}
