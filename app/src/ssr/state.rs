//! The state every handler and server function reads: one `AppState`, built
//! by the server binary (or a test) and handed to the router. No globals.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::clock::Clock;
use super::config::Config;
use crate::auth::ssr::password::Passwords;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: super::db::Pool,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub passwords: Passwords,
    /// The key that encrypts secrets at rest (TOTP seeds, signing keys).
    pub secret_key: Arc<SecretKey>,
    /// The tenants' signing keys, parsed once (`oidc::ssr::keys`).
    pub signing_keys: crate::oidc::ssr::keys::SigningKeys,
}

impl AppState {
    pub fn now(&self) -> super::clock::UnixTime {
        self.clock.now()
    }

    /// Where mail links point and the key that seals mail bodies.
    pub fn mail(&self) -> crate::mail::ssr::MailContext<'_> {
        crate::mail::ssr::MailContext::new(&self.config.public_url, &self.secret_key)
    }
}

/// 256 bits from `GATEHOUSE_SECRET_KEY` or the key file (DESIGN §5).
pub struct SecretKey(secrecy::SecretBox<[u8; 32]>);

impl SecretKey {
    pub fn new(bytes: [u8; 32]) -> Self {
        Self(secrecy::SecretBox::new(Box::new(bytes)))
    }

    pub fn expose(&self) -> &[u8; 32] {
        use secrecy::ExposeSecret;
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey([REDACTED])")
    }
}
