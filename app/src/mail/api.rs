//! Server functions of the mail feature.

use leptos::prelude::*;

use super::OutboxMail;
use crate::error::AppError;

/// The newest mails of the outbox, bodies opened, for `/dev/mail`. Exists in
/// demo mode only: anywhere else it answers 404, as if there were no such
/// endpoint, since the mails hold live redeem links and codes.
#[server(endpoint = "dev_mail")]
pub async fn dev_mail() -> Result<Vec<OutboxMail>, AppError> {
    use super::ssr::list_outbox;
    use super::DEV_MAIL_LIMIT;
    use crate::ssr::request::{fail, respond, Request};

    let state = Request::current()?.state;
    if !state.config.demo {
        return Err(fail(AppError::NotFound("This page".into())));
    }
    let entries = respond(list_outbox(&state.pool, &state.secret_key, DEV_MAIL_LIMIT).await)?;
    Ok(entries
        .into_iter()
        .map(|entry| {
            let status = entry.status();
            let (text, html) = entry
                .body
                .map(|body| (body.text, body.html))
                .unwrap_or_default();
            OutboxMail {
                created: rfc3339(entry.created_at),
                id: entry.id,
                to: entry.to,
                subject: entry.subject,
                text,
                html,
                status,
                attempts: entry.attempts,
                error: entry.error,
            }
        })
        .collect())
}

#[cfg(feature = "ssr")]
fn rfc3339(at: crate::ssr::clock::UnixTime) -> String {
    use time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|at| at.format(&Rfc3339).ok())
        .unwrap_or_else(|| at.to_string())
}
