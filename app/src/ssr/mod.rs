//! Server-only plumbing shared by every feature: state, configuration, the
//! database, time, randomness, who acts, the audit trail, paging and the
//! service error.

pub mod actor;
pub mod audit;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod db;
pub mod page;
pub mod request;
pub mod seal;
pub mod spreadsheet;
pub mod state;
pub mod throttle;

pub use actor::Actor;
pub use state::AppState;

use crate::domain::ParseError;
use crate::error::AppError;

/// The error of the service layer: either something the caller may be told
/// ([`AppError`]), or an internal failure that is logged with its causes and
/// hidden.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A refusal the caller may read (bad input, not allowed, conflict, …).
    #[error(transparent)]
    Public(#[from] AppError),
    /// The database failed.
    #[error("database")]
    Database(#[source] sqlx::Error),
    /// A stored value does not parse as its type: the database holds what
    /// no code path writes. Never the caller's fault.
    #[error("corrupt stored value: {what}")]
    Corrupt {
        /// The column or value, e.g. `users.user_principal_name`.
        what: &'static str,
        #[source]
        source: ParseError,
    },
    /// A sealed secret did not open: the key changed, or the row was
    /// tampered with or moved.
    #[error("opening {what}")]
    Unseal {
        what: &'static str,
        #[source]
        source: seal::SealError,
    },
    /// Password hashing failed (bad parameters or a corrupt stored hash).
    #[error("password hashing")]
    PasswordHash(#[source] argon2::password_hash::Error),
    /// A value could not be serialised for storage.
    #[error("serialising {what}")]
    Serialise {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    /// WebAuthn could not be set up or a ceremony could not start (a bad
    /// public URL, or a stored credential webauthn-rs refuses).
    #[error("WebAuthn: {what}")]
    Webauthn {
        what: &'static str,
        #[source]
        source: webauthn_rs::prelude::WebauthnError,
    },
    /// A signing key could not be made, read or used (RSA, JWS, JWK).
    #[error("signing: {what}")]
    Signing {
        what: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A blocking task panicked or was cancelled.
    #[error("background task")]
    Task(#[from] tokio::task::JoinError),
}

/// A unique constraint that a concurrent request got to first is a
/// conflict (409), not an internal error: checks before an insert are
/// courtesy, the constraint is the rule.
impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        if let sqlx::Error::Database(database) = &error {
            if database.kind() == sqlx::error::ErrorKind::UniqueViolation {
                let which = database.constraint().unwrap_or(database.message());
                tracing::warn!(constraint = which, "unique constraint refused a write");
                return Self::Public(AppError::Conflict(conflict_message(which).to_owned()));
            }
        }
        Self::Database(error)
    }
}

/// What a unique violation means to the caller, by constraint: SQLite names
/// the columns (`UNIQUE constraint failed: tenants.slug`), PostgreSQL the
/// index (`tenants_slug_key`).
fn conflict_message(constraint: &str) -> &'static str {
    const MESSAGES: &[(&[&str], &str)] = &[
        (
            &["tenants.slug", "tenants_slug_key"],
            "That tenant slug is taken.",
        ),
        (
            &["tenants.domain", "tenants_domain_key"],
            "That domain already belongs to a tenant.",
        ),
        (
            &["users.user_principal_name", "users_user_principal_name_key"],
            "That user name is taken.",
        ),
        (
            &["users.home_ref", "users_home_identity"],
            "This identity is a guest of the tenant already.",
        ),
        (
            &["personal_accounts.email", "personal_accounts_email_key"],
            "A personal account for this address exists already; sign in with it.",
        ),
        (
            &[
                "invitations.guest_user_id",
                "invitations_one_pending_per_guest",
            ],
            "This person already has a pending invitation; resend it instead.",
        ),
        (
            &["auth_methods.credential_id", "auth_methods_by_credential"],
            "This security key or passkey is registered already.",
        ),
        (
            &["email_codes.email", "email_codes_live"],
            "A code was sent a moment ago; wait a minute, then ask again.",
        ),
        (
            &["policies.name", "policies_tenant_id_name_key"],
            "A policy of that name exists already.",
        ),
    ];
    MESSAGES
        .iter()
        .find(|(names, _)| names.iter().any(|name| constraint.contains(name)))
        .map_or(
            "This clashes with something that exists already.",
            |(_, message)| message,
        )
}

impl From<Error> for AppError {
    fn from(error: Error) -> Self {
        match error {
            Error::Public(public) => public,
            internal => {
                tracing::error!(error = %Chain(&internal), "internal error");
                AppError::Internal
            }
        }
    }
}

/// An error with all its causes, `outer: inner: innermost`.
pub struct Chain<'a>(pub &'a (dyn std::error::Error + 'static));

impl std::fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cause = self.0.source();
        while let Some(error) = cause {
            write!(f, ": {error}")?;
            cause = error.source();
        }
        Ok(())
    }
}

/// Parses a value read from the database; one that does not parse is
/// [`Error::Corrupt`], never the caller's fault and never a silent default.
pub trait Stored<T> {
    fn stored(self, what: &'static str) -> Result<T>;
}

impl<T> Stored<T> for std::result::Result<T, ParseError> {
    fn stored(self, what: &'static str) -> Result<T> {
        self.map_err(|source| Error::Corrupt { what, source })
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `YYYY-MM-DD` (UTC), for tables.
pub fn date(unix: clock::UnixTime) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(|at| format!("{}-{:02}-{:02}", at.year(), u8::from(at.month()), at.day()))
        .unwrap_or_default()
}

/// `YYYY-MM-DD HH:MM UTC`, for times of day that matter (sessions).
pub fn date_time(unix: clock::UnixTime) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(|at| {
            format!(
                "{}-{:02}-{:02} {:02}:{:02} UTC",
                at.year(),
                u8::from(at.month()),
                at.day(),
                at.hour(),
                at.minute()
            )
        })
        .unwrap_or_default()
}
