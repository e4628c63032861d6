//! Secrets at rest (DESIGN §5): authenticated encryption with the server's
//! [`SecretKey`], for outbox bodies today and TOTP seeds later.
//!
//! XChaCha20-Poly1305: its 192-bit nonce is large enough to pick at random for
//! every message, so no counter has to survive restarts or be shared between
//! server processes. A sealed value is `nonce (24 bytes) ‖ ciphertext ‖ tag
//! (16 bytes)`. Opening checks the tag, so a changed byte, a value sealed with
//! another key, or one moved to another context is refused, never garbled.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};

use super::crypto::random_bytes;
use super::state::SecretKey;

const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// Why a sealed value could not be opened. Deliberately vague: the cipher
/// does not say whether the key, the context or the bytes were wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// Shorter than a nonce and a tag: not something [`seal`] made.
    #[error("the sealed value is truncated")]
    Truncated,
    /// The tag does not match: tampered with, another key, or another context.
    #[error("the sealed value does not open with this key and context")]
    Forged,
}

/// Encrypts `plaintext` under `key` with a fresh random nonce.
pub fn seal(key: &SecretKey, plaintext: &[u8]) -> Vec<u8> {
    seal_in_context(key, plaintext, &[])
}

/// Decrypts what [`seal`] made with the same key.
pub fn open(key: &SecretKey, sealed: &[u8]) -> Result<Vec<u8>, SealError> {
    open_in_context(key, sealed, &[])
}

/// Like [`seal`], and binds the value to `context` (associated data: not
/// encrypted, not stored, but needed again to open). Pass what the value
/// belongs to — a row id, an address — so a sealed value copied to another
/// row does not open there.
pub fn seal_in_context(key: &SecretKey, plaintext: &[u8], context: &[u8]) -> Vec<u8> {
    let nonce = random_bytes::<NONCE_LEN>();
    let ciphertext = cipher(key)
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: context,
            },
        )
        // Only a message beyond 256 GiB fails, far past anything sealed here.
        .expect("XChaCha20-Poly1305 seals messages up to 256 GiB");
    let mut sealed = Vec::with_capacity(NONCE_LEN + ciphertext.len());
    sealed.extend_from_slice(&nonce);
    sealed.extend_from_slice(&ciphertext);
    sealed
}

/// Decrypts what [`seal_in_context`] made with the same key and context.
pub fn open_in_context(
    key: &SecretKey,
    sealed: &[u8],
    context: &[u8],
) -> Result<Vec<u8>, SealError> {
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return Err(SealError::Truncated);
    }
    let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
    cipher(key)
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad: context,
            },
        )
        .map_err(|_| SealError::Forged)
}

fn cipher(key: &SecretKey) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(Key::from_slice(key.expose()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SecretKey {
        SecretKey::new([byte; 32])
    }

    #[test]
    fn a_sealed_value_opens_with_its_key() {
        let sealed = seal(&key(7), b"otpauth seed");
        assert_eq!(open(&key(7), &sealed).unwrap(), b"otpauth seed");
        assert_eq!(sealed.len(), NONCE_LEN + b"otpauth seed".len() + TAG_LEN);
        assert_eq!(open(&key(7), &seal(&key(7), b"")).unwrap(), b"");
    }

    #[test]
    fn the_plaintext_does_not_show_and_nonces_differ() {
        let a = seal(&key(7), b"https://id.test/redeem?ticket=secret");
        let b = seal(&key(7), b"https://id.test/redeem?ticket=secret");
        assert_ne!(a, b, "a fresh nonce every time");
        assert!(!a.windows(6).any(|window| window == b"secret"));
    }

    #[test]
    fn tampering_is_detected() {
        let sealed = seal(&key(7), b"a redeem link");
        for index in [0, NONCE_LEN, sealed.len() - 1] {
            let mut forged = sealed.clone();
            forged[index] ^= 0x01;
            assert_eq!(
                open(&key(7), &forged),
                Err(SealError::Forged),
                "byte {index}"
            );
        }
        assert_eq!(
            open(&key(7), &sealed[..sealed.len() - 1]),
            Err(SealError::Forged)
        );
        assert_eq!(open(&key(7), &sealed[..20]), Err(SealError::Truncated));
        assert_eq!(open(&key(7), &[]), Err(SealError::Truncated));
    }

    #[test]
    fn another_key_does_not_open_it() {
        let sealed = seal(&key(7), b"a redeem link");
        assert_eq!(open(&key(8), &sealed), Err(SealError::Forged));
    }

    #[test]
    fn a_value_opens_only_in_its_context() {
        let sealed = seal_in_context(&key(7), b"body", b"row-1");
        assert_eq!(
            open_in_context(&key(7), &sealed, b"row-1").unwrap(),
            b"body"
        );
        assert_eq!(
            open_in_context(&key(7), &sealed, b"row-2"),
            Err(SealError::Forged)
        );
        assert_eq!(open(&key(7), &sealed), Err(SealError::Forged));
    }
}
