//! The error every server function returns: what the browser, the REST API
//! and the CLI may be told. Internal causes never travel; they are logged on
//! the server (see `ssr::Error`) and become [`AppError::Internal`].

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use crate::domain::ParseError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Not signed in, or the session has ended.
    #[error("Sign in to continue.")]
    Unauthenticated,
    /// Signed in, but the tenant wants its MFA first (fresh enough): the
    /// browser goes to `/mfa/verify` for that tenant, then comes back.
    #[error("Verify your identity to continue.")]
    MfaRequired,
    /// Signed in, but not allowed to do this here.
    #[error("You don't have access to this page.")]
    Forbidden,
    /// The thing named does not exist (or is not visible to the caller).
    #[error("{0} was not found.")]
    NotFound(String),
    /// No such user in the caller's tenant — also a user of another tenant,
    /// so an id or UPN tells an admin nothing about other tenants.
    #[error("The user was not found.")]
    UserNotFound,
    /// Input that did not parse; `field` names the form field ("" for none).
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// Sign-in failed. The same for an unknown user and a wrong password.
    #[error("The user name or password is incorrect.")]
    InvalidCredentials,
    /// The change clashes with what exists (a taken slug, a duplicate).
    #[error("{0}")]
    Conflict(String),
    /// The input is well-formed but a rule refuses it; `code` names the rule
    /// (e.g. `licenseCapacityExceeded`).
    #[error("{message}")]
    Refused { code: String, message: String },
    /// The server is at its limit for expensive work (password hashing);
    /// answered with `Retry-After`.
    #[error("Gatehouse is busy right now. Try again in a moment.")]
    Busy,
    /// Too many wrong attempts (codes, passwords); try again later.
    #[error("Too many attempts. Wait a minute, then ask for a new code.")]
    TooManyAttempts,
    /// The invitation link is unknown, expired, revoked or used. One answer
    /// for all, so the link's state tells a guesser nothing.
    #[error("This invitation link is not valid. It may have expired, been revoked or been used already; ask the person who invited you for a new one.")]
    InvitationNotValid,
    /// A cross-site request to change state.
    #[error("This request came from another site and was refused.")]
    CrossOrigin,
    /// Something failed on the server; the details are in its log.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The call did not reach the server or its answer did not parse.
    #[error("Could not reach Gatehouse: {0}")]
    Transport(String),
}

impl AppError {
    pub fn invalid(field: &str, error: ParseError) -> Self {
        Self::Invalid {
            field: field.to_owned(),
            message: error.0,
        }
    }

    pub fn refused(code: &str, message: impl Into<String>) -> Self {
        Self::Refused {
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// The code the REST API answers with: the rule's own for a refusal.
    pub fn api_code(&self) -> &str {
        match self {
            Self::Refused { code, .. } => code,
            other => other.code(),
        }
    }

    /// A stable, machine-readable code (the REST API's `error.code`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "unauthenticated",
            Self::MfaRequired => "mfaRequired",
            Self::Forbidden => "forbidden",
            Self::NotFound(_) => "notFound",
            Self::UserNotFound => "userNotFound",
            Self::Invalid { .. } => "invalidInput",
            Self::InvalidCredentials => "invalidCredentials",
            Self::Conflict(_) => "conflict",
            Self::Refused { .. } => "refused",
            Self::CrossOrigin => "crossOrigin",
            Self::TooManyAttempts => "tooManyAttempts",
            Self::Busy => "busy",
            Self::InvitationNotValid => "invitationNotValid",
            Self::Internal => "internal",
            Self::Transport(_) => "transport",
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Unauthenticated | Self::MfaRequired | Self::InvalidCredentials => 401,
            Self::Forbidden | Self::CrossOrigin => 403,
            Self::NotFound(_) | Self::UserNotFound | Self::InvitationNotValid => 404,
            Self::TooManyAttempts | Self::Busy => 429,
            Self::Invalid { .. } => 400,
            Self::Conflict(_) => 409,
            Self::Refused { .. } => 422,
            Self::Internal | Self::Transport(_) => 500,
        }
    }

    /// The message for a form field, when this error is about that field.
    pub fn for_field(&self, name: &str) -> Option<String> {
        match self {
            Self::Invalid { field, message } if field == name => Some(message.clone()),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let error = match value {
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::MissingArg(message) => {
                Self::Invalid {
                    field: String::new(),
                    message: format!("Bad request: {message}"),
                }
            }
            other => Self::Transport(other.to_string()),
        };
        // On the server this runs inside the request (arguments that do not
        // parse): answer with the error's status, not server_fn's 500.
        crate::components::set_status(error.status());
        error
    }
}
