//! Server-only plumbing shared by every feature: state, configuration, the
//! database, time, randomness, the audit trail and the service error.

pub mod audit;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod db;
pub mod request;
pub mod seal;
pub mod state;

pub use state::AppState;

use crate::error::AppError;

/// The error of the service layer: either something the caller may be told
/// ([`AppError`]), or an internal failure that is logged and hidden.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A refusal the caller may read (bad input, not allowed, conflict, …).
    #[error(transparent)]
    Public(#[from] AppError),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Password hashing failed (bad parameters or a corrupt stored hash).
    #[error("password hashing: {0}")]
    PasswordHash(String),
    /// A blocking task panicked or was cancelled.
    #[error("background task: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// Anything else internal, with its context.
    #[error("{0}")]
    Other(String),
}

impl From<Error> for AppError {
    fn from(error: Error) -> Self {
        match error {
            Error::Public(public) => public,
            internal => {
                tracing::error!(error = %internal, "internal error");
                AppError::Internal
            }
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `YYYY-MM-DD` (UTC), for tables.
pub fn date(unix: clock::UnixTime) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(|at| format!("{}-{:02}-{:02}", at.year(), u8::from(at.month()), at.day()))
        .unwrap_or_default()
}
