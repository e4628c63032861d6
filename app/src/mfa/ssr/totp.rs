//! Authenticator apps (RFC 6238 TOTP, as Google Authenticator and its kin
//! do it): a 160-bit secret, SHA-1, 6 digits, 30-second steps, one step of
//! skew either way. The time is an argument, so tests use fixed instants.
//!
//! Checking a code answers the step it matched; accepting each step at most
//! once per method (the replay guard) is the store's conditional update.

use secrecy::{ExposeSecret, SecretBox};
use totp_rs::{Algorithm, Builder, Totp};

use crate::domain::{TotpCode, Upn};
use crate::ssr::clock::UnixTime;

/// Seconds per step.
pub const STEP_SECS: u64 = 30;
/// Steps accepted before and after the current one (clock drift).
pub const SKEW_STEPS: u16 = 1;
const DIGITS: u8 = 6;
/// RFC 4226 recommends 160 bits.
pub const SECRET_BYTES: usize = 20;

/// A method's shared secret. Never logged; sealed at rest.
pub struct TotpSecret(SecretBox<[u8; SECRET_BYTES]>);

impl TotpSecret {
    /// A new random secret.
    pub fn generate() -> Self {
        Self::from_bytes(crate::ssr::crypto::random_bytes::<SECRET_BYTES>())
    }

    pub fn from_bytes(bytes: [u8; SECRET_BYTES]) -> Self {
        Self(SecretBox::new(Box::new(bytes)))
    }

    /// The secret a person typed or a test read off the setup page:
    /// base32, spaces and case ignored.
    pub fn from_base32(text: &str) -> Option<Self> {
        let compact: String = text.split_whitespace().collect();
        let bytes = totp_rs::Secret::try_from_base32(compact.to_ascii_uppercase()).ok()?;
        let bytes: [u8; SECRET_BYTES] = bytes.as_ref().try_into().ok()?;
        Some(Self::from_bytes(bytes))
    }

    pub fn expose(&self) -> &[u8; SECRET_BYTES] {
        self.0.expose_secret()
    }

    /// The secret as people type it into an app: base32 in groups of four.
    pub fn grouped_base32(&self) -> String {
        let totp = totp(self, None, "");
        let base32 = totp.secret().to_base32();
        let groups: Vec<&str> = base32
            .as_bytes()
            .chunks(4)
            .filter_map(|chunk| std::str::from_utf8(chunk).ok())
            .collect();
        groups.join(" ")
    }
}

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret([REDACTED])")
    }
}

/// The generator for `secret`; `issuer` and `account` only label the key
/// URI. The parameters are RFC-compliant constants, so building cannot fail
/// on them; a label's `:` (which the URI format reserves) is replaced.
fn totp(secret: &TotpSecret, issuer: Option<&str>, account: &str) -> Totp {
    let label = |text: &str| text.replace(':', " ");
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS)
        .with_skew(SKEW_STEPS)
        .with_step_duration(STEP_SECS)
        .with_secret(secret.expose().to_vec())
        .with_issuer(issuer.map(label))
        .with_account_name(label(account))
        .build_noncompliant()
}

/// The `otpauth://totp/…` URI of Google's Key URI format: the resource
/// tenant's name as issuer, the user's UPN as account — so a guest of
/// several tenants tells the entries apart.
pub fn key_uri(secret: &TotpSecret, issuer: &str, account: &Upn) -> String {
    // Only an empty account name fails, and a UPN is never empty.
    totp(secret, Some(issuer), account.as_str())
        .to_url()
        .unwrap_or_default()
}

/// The QR code of `uri` as an inline SVG document.
pub fn qr_svg(uri: &str) -> Option<String> {
    let code = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

/// The step `code` is valid for at `now` (within the skew), if any.
pub fn matched_step(secret: &TotpSecret, code: &TotpCode, now: UnixTime) -> Option<i64> {
    let now = u64::try_from(now).ok()?;
    let step = totp(secret, None, "").check(code.as_str(), now)?;
    i64::try_from(step).ok()
}

/// The code an app shows at `now` (for tests and the benchmark).
pub fn code_at(secret: &TotpSecret, now: UnixTime) -> String {
    totp(secret, None, "")
        .generate(u64::try_from(now).unwrap_or_default())
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B's SHA-1 key.
    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(*b"12345678901234567890")
    }

    fn code(text: &str) -> TotpCode {
        TotpCode::parse(text).unwrap()
    }

    #[test]
    fn codes_match_the_rfc_6238_sha1_vectors() {
        // The RFC's 8-digit values, last six digits.
        for (time, expected) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ] {
            assert_eq!(code_at(&rfc_secret(), time), expected, "at {time}");
            assert_eq!(
                matched_step(&rfc_secret(), &code(expected), time),
                Some(time / 30),
                "at {time}"
            );
        }
    }

    #[test]
    fn one_step_of_skew_is_accepted_either_way_and_no_more() {
        let secret = rfc_secret();
        let now = 1_111_111_111;
        let current = code(&code_at(&secret, now));
        assert_eq!(matched_step(&secret, &current, now + 30), Some(now / 30));
        assert_eq!(matched_step(&secret, &current, now - 30), Some(now / 30));
        assert_eq!(matched_step(&secret, &current, now + 60), None);
        assert_eq!(matched_step(&secret, &current, now - 60), None);
        assert_eq!(matched_step(&secret, &code("000000"), now), None);
    }

    #[test]
    fn the_key_uri_names_the_tenant_as_issuer_and_the_upn_as_account() {
        let upn = Upn::parse("gsamoogle_gmail.com#EXT#@woodgrove.test").unwrap();
        let uri = key_uri(&rfc_secret(), "Woodgrove", &upn);
        assert!(uri.starts_with("otpauth://totp/Woodgrove:"), "{uri}");
        assert!(
            uri.contains("gsamoogle_gmail.com%23EXT%23%40woodgrove.test"),
            "{uri}"
        );
        assert!(
            uri.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
            "{uri}"
        );
        assert!(uri.contains("issuer=Woodgrove"), "{uri}");
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.contains("<svg"), "{svg}");
    }

    #[test]
    fn the_secret_is_shown_in_groups_and_never_printed() {
        let secret = rfc_secret();
        assert_eq!(
            secret.grouped_base32(),
            "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"
        );
        assert_eq!(format!("{secret:?}"), "TotpSecret([REDACTED])");
        let typed = TotpSecret::from_base32("gezd gnbv gy3t qojq gezd gnbv gy3t qojq").unwrap();
        assert_eq!(typed.expose(), secret.expose());
        assert!(TotpSecret::from_base32("GEZD").is_none());
    }
}
