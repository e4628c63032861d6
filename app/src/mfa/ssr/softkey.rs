//! A software WebAuthn authenticator, for tests only.
//!
//! [`SoftKey`] plays the browser *and* the authenticator of the WebAuthn
//! ceremonies, so that server tests can register and use a passkey without a
//! browser. It answers the options that `webauthn-rs` produces
//! (`start_passkey_registration` / `start_passkey_authentication`) with the
//! credentials that `finish_passkey_registration` /
//! `finish_passkey_authentication` verify:
//!
//! * one ES256 (ECDSA P-256 + SHA-256) key, derived from a one-byte seed, so
//!   every run produces the same key and credential id; signatures are
//!   deterministic too (RFC 6979), so no random number generator is needed;
//! * `"none"` attestation, AAGUID all zeros, flags UP|UV (+AT when registering),
//!   never BE/BS (a device-bound key);
//! * a signature counter that the test controls ([`SoftKey::set_counter`]), to
//!   simulate a cloned authenticator.
//!
//! Like a browser, it writes `clientDataJSON` with the caller's origin; unlike a
//! browser, it checks nothing itself (RP id against origin, allow list, exclude
//! list): deciding is the server's job, and the tests want to see it decide.
//!
//! References: WebAuthn Level 3, §6.1 (authenticator data), §6.5.1 (attested
//! credential data), §8.7 (none attestation), RFC 9052/9053 (COSE_Key).
//!
//! Compiled for this crate's tests and, with the `test-support` feature,
//! for the server's integration tests; never in a release build.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use sha2::{Digest as _, Sha256};
use webauthn_rs::prelude::{
    CreationChallengeResponse, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestChallengeResponse,
};
use webauthn_rs_proto::{
    AuthenticationExtensionsClientOutputs, AuthenticatorAssertionResponseRaw,
    AuthenticatorAttestationResponseRaw, RegistrationExtensionsClientOutputs,
};

/// Authenticator data flag: user present.
const FLAG_UP: u8 = 0x01;
/// Authenticator data flag: user verified.
const FLAG_UV: u8 = 0x04;
/// Authenticator data flag: attested credential data included.
const FLAG_AT: u8 = 0x40;
/// COSE algorithm identifier of ES256.
const COSE_ES256: i64 = -7;

/// A software authenticator holding one ES256 credential.
#[derive(Clone)]
pub struct SoftKey {
    /// The credential's private key.
    key: SigningKey,
    /// The credential id the authenticator reports (32 bytes).
    credential_id: Vec<u8>,
    /// The signature counter; reported as is when registering, incremented
    /// before each assertion.
    counter: u32,
    /// Whether the "user verified" flag is set (true unless a test clears it).
    user_verified: bool,
    /// The user handle given at registration, returned with each assertion
    /// as a discoverable credential would.
    user_handle: Option<Vec<u8>>,
}

impl SoftKey {
    /// A key whose private key and credential id are derived from `seed`:
    /// the same seed always gives the same credential, different seeds give
    /// different ones. The counter starts at 0, user verification is on.
    pub fn new(seed: u8) -> Self {
        let scalar = sha256(&[b"gatehouse softkey private key ".as_slice(), &[seed]].concat());
        // SHA-256 output is a valid P-256 scalar unless it is 0 or ≥ the group
        // order, which has probability ~2^-32 and does not happen for any u8.
        let key = SigningKey::from_slice(&scalar)
            .expect("a SHA-256 digest is a valid P-256 private key for every u8 seed");
        let credential_id =
            sha256(&[b"gatehouse softkey credential id ".as_slice(), &[seed]].concat()).to_vec();
        SoftKey {
            key,
            credential_id,
            counter: 0,
            user_verified: true,
            user_handle: None,
        }
    }

    /// Sets the signature counter. The next [`SoftKey::authenticate`] reports
    /// `counter + 1`; a value not above the server's stored counter simulates a
    /// cloned key. [`SoftKey::register`] reports `counter` itself.
    pub fn set_counter(&mut self, counter: u32) {
        self.counter = counter;
    }

    /// The current signature counter (the value of the last assertion).
    pub fn counter(&self) -> u32 {
        self.counter
    }

    /// Sets or clears the "user verified" (UV) flag of later responses, to
    /// simulate an authenticator without PIN or biometrics.
    pub fn set_user_verified(&mut self, user_verified: bool) {
        self.user_verified = user_verified;
    }

    /// The credential id, as the server stores it (`Passkey::cred_id()`).
    pub fn credential_id(&self) -> Vec<u8> {
        self.credential_id.clone()
    }

    /// Answers `navigator.credentials.create()` for `options` as seen from the
    /// page at `origin` (e.g. `"http://localhost:3100"`): creates the
    /// credential with "none" attestation, flags UP|UV|AT and the current
    /// counter.
    ///
    /// Panics if the server does not offer ES256, the only algorithm here.
    pub fn register(
        &mut self,
        options: &CreationChallengeResponse,
        origin: &str,
    ) -> RegisterPublicKeyCredential {
        let options = &options.public_key;
        assert!(
            options
                .pub_key_cred_params
                .iter()
                .any(|p| p.type_ == "public-key" && p.alg == COSE_ES256),
            "the server does not offer ES256 (COSE -7), the only algorithm of SoftKey"
        );
        self.user_handle = Some(options.user.id.clone());

        let client_data_json = client_data_json("webauthn.create", &options.challenge, origin);

        // Attested credential data: AAGUID (16 bytes, zeros for "none"),
        // credential id length (u16, big endian), credential id, COSE key.
        let mut auth_data = self.authenticator_data(&options.rp.id, FLAG_AT);
        auth_data.extend_from_slice(&[0u8; 16]);
        let id_len = u16::try_from(self.credential_id.len())
            .expect("the credential id is 32 bytes, which fits in a u16");
        auth_data.extend_from_slice(&id_len.to_be_bytes());
        auth_data.extend_from_slice(&self.credential_id);
        auth_data.extend_from_slice(&self.cose_public_key());

        // Attestation object, a CBOR map of three entries:
        // {"fmt": "none", "attStmt": {}, "authData": h'…'}.
        let mut attestation_object = Vec::new();
        attestation_object.push(0xa3); // map, 3 entries
        cbor_text(&mut attestation_object, "fmt");
        cbor_text(&mut attestation_object, "none");
        cbor_text(&mut attestation_object, "attStmt");
        attestation_object.push(0xa0); // map, 0 entries
        cbor_text(&mut attestation_object, "authData");
        cbor_bytes(&mut attestation_object, &auth_data);

        RegisterPublicKeyCredential {
            id: URL_SAFE_NO_PAD.encode(&self.credential_id),
            raw_id: self.credential_id.clone(),
            response: AuthenticatorAttestationResponseRaw {
                attestation_object,
                client_data_json,
                transports: None,
            },
            type_: "public-key".to_string(),
            extensions: RegistrationExtensionsClientOutputs::default(),
        }
    }

    /// Answers `navigator.credentials.get()` for `options` as seen from the
    /// page at `origin`: increments the counter, then signs
    /// `authenticatorData || SHA-256(clientDataJSON)` with flags UP|UV.
    ///
    /// It answers even if its credential is not in `allowCredentials`, so
    /// that tests can check that the server refuses an unknown key.
    pub fn authenticate(
        &mut self,
        options: &RequestChallengeResponse,
        origin: &str,
    ) -> PublicKeyCredential {
        let options = &options.public_key;
        self.counter = self
            .counter
            .checked_add(1)
            .expect("the signature counter of a test key does not reach u32::MAX");

        let client_data_json = client_data_json("webauthn.get", &options.challenge, origin);
        let authenticator_data = self.authenticator_data(&options.rp_id, 0);

        let signed = [authenticator_data.as_slice(), &sha256(&client_data_json)].concat();
        let signature: Signature = self.key.sign(&signed);

        PublicKeyCredential {
            id: URL_SAFE_NO_PAD.encode(&self.credential_id),
            raw_id: self.credential_id.clone(),
            response: AuthenticatorAssertionResponseRaw {
                authenticator_data,
                client_data_json,
                // WebAuthn wants the ASN.1 DER form of (r, s), not the raw 64 bytes.
                signature: signature.to_der().as_bytes().to_vec(),
                user_handle: self.user_handle.clone(),
            },
            extensions: AuthenticationExtensionsClientOutputs::default(),
            type_: "public-key".to_string(),
        }
    }

    /// The first 37 bytes of authenticator data: SHA-256 of the RP id, flags
    /// (UP, UV if set, plus `extra_flags`), counter (u32, big endian).
    fn authenticator_data(&self, rp_id: &str, extra_flags: u8) -> Vec<u8> {
        let mut flags = FLAG_UP | extra_flags;
        if self.user_verified {
            flags |= FLAG_UV;
        }
        let mut data = sha256(rp_id.as_bytes()).to_vec();
        data.push(flags);
        data.extend_from_slice(&self.counter.to_be_bytes());
        data
    }

    /// The public key as a COSE_Key (RFC 9053 §7.1.1), a CBOR map of five
    /// entries: {1 (kty): 2 (EC2), 3 (alg): -7 (ES256), -1 (crv): 1 (P-256),
    /// -2 (x): h'32 bytes', -3 (y): h'32 bytes'}.
    fn cose_public_key(&self) -> Vec<u8> {
        let point = self.key.verifying_key().to_sec1_point(false);
        let x = point
            .x()
            .expect("an uncompressed point has an x coordinate");
        let y = point.y().expect("an uncompressed point has a y coordinate");
        let mut cbor = vec![
            0xa5, // map, 5 entries
            0x01, 0x02, // 1: 2
            0x03, 0x26, // 3: -7
            0x20, 0x01, // -1: 1
            0x21, // -2:
        ];
        cbor_bytes(&mut cbor, x);
        cbor.push(0x22); // -3:
        cbor_bytes(&mut cbor, y);
        cbor
    }
}

/// The `clientDataJSON` a browser would send: type, base64url challenge,
/// origin, and `crossOrigin: false`.
fn client_data_json(type_: &str, challenge: &[u8], origin: &str) -> Vec<u8> {
    let client_data = serde_json::json!({
        "type": type_,
        "challenge": URL_SAFE_NO_PAD.encode(challenge),
        "origin": origin,
        "crossOrigin": false,
    });
    serde_json::to_vec(&client_data).expect("a JSON object of strings always serialises")
}

fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// Appends a CBOR text string (major type 3) to `out`.
fn cbor_text(out: &mut Vec<u8>, text: &str) {
    cbor_header(out, 0x60, text.len());
    out.extend_from_slice(text.as_bytes());
}

/// Appends a CBOR byte string (major type 2) to `out`.
fn cbor_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    cbor_header(out, 0x40, bytes.len());
    out.extend_from_slice(bytes);
}

/// Appends the CBOR header of a string of `len` bytes; `major` is the major
/// type in the top three bits (0x40 bytes, 0x60 text).
fn cbor_header(out: &mut Vec<u8>, major: u8, len: usize) {
    match len {
        0..=23 => out.push(major | len as u8),
        24..=0xff => out.extend_from_slice(&[major | 24, len as u8]),
        0x100..=0xffff => {
            out.push(major | 25);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => panic!("SoftKey writes no CBOR string of 64 KiB or more"),
    }
}
