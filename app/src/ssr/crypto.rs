//! Random tokens and their digests. Tokens are shown once and stored only as
//! SHA-256, so the database never holds anything a caller could replay.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use secrecy::SecretString;
use sha2::{Digest, Sha256};

/// `N` random bytes from the operating system, base64url without padding.
pub fn random_token<const N: usize>() -> SecretString {
    let mut bytes = [0u8; N];
    OsRng.fill_bytes(&mut bytes);
    SecretString::from(URL_SAFE_NO_PAD.encode(bytes))
}

/// `N` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

/// Lower-case hex SHA-256 of a token, the form tokens are stored in.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn tokens_carry_their_full_entropy_and_differ() {
        let a = random_token::<16>();
        let b = random_token::<16>();
        assert_eq!(a.expose_secret().len(), 22, "128 bits in base64url");
        assert_ne!(a.expose_secret(), b.expose_secret());
    }

    #[test]
    fn a_token_hash_is_sha256_hex() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
