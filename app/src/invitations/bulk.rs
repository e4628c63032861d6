//! Bulk invite from CSV (DESIGN §3.1): one row a guest, each invited on its
//! own (a bad row does not stop the others), each with its own result.
//!
//! The first row names the columns, in any order, case-insensitive: an
//! e-mail column (`email`, or Entra's template heading "Email address to
//! invite") is required; `display name`, `redirect url` and `message` are
//! optional. Entra's other columns are ignored.

use csv::{ReaderBuilder, StringRecord, Trim};

use super::ssr::{create_invitation, NewInvitation};
use super::BulkOutcome;
use crate::domain::{DisplayName, Email, InvitationMessage, RedirectUrl};
use crate::error::AppError;
use crate::ssr::{Actor, AppState, Result};
use crate::tenants::ssr::Tenant;

/// The most rows one upload may have.
pub const MAX_ROWS: usize = 1000;

struct Columns {
    email: usize,
    name: Option<usize>,
    redirect: Option<usize>,
    message: Option<usize>,
}

fn find_columns(header: &StringRecord) -> Option<Columns> {
    let position = |matches: &dyn Fn(&str) -> bool| {
        header
            .iter()
            .position(|name| matches(&name.trim().to_ascii_lowercase()))
    };
    Some(Columns {
        email: position(&|name| name == "email" || name.starts_with("email address"))?,
        name: position(&|name| name == "display name" || name == "name" || name == "displayname"),
        redirect: position(&|name| name.starts_with("redirect")),
        message: position(&|name| {
            name == "message" || name.starts_with("customized invitation message")
        }),
    })
}

/// One parsed row: the address as typed, and what to invite (or why not).
type ParsedRow = (u64, String, std::result::Result<NewInvitation, String>);

/// Parses the whole upload first: a file that is not CSV, has no e-mail
/// column or too many rows is refused before anyone is invited.
fn parse(text: &str, default_redirect: &RedirectUrl, send_email: bool) -> Result<Vec<ParsedRow>> {
    let refuse = |message: String| -> crate::ssr::Error {
        AppError::Invalid {
            field: "csv".into(),
            message,
        }
        .into()
    };
    // Entra's template starts with a "version:v1.0" row above the headings.
    let text = match text.trim_start().split_once('\n') {
        Some((first, rest)) if first.trim().to_ascii_lowercase().starts_with("version:") => rest,
        _ => text,
    };
    let mut reader = ReaderBuilder::new()
        .flexible(true)
        .trim(Trim::All)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| refuse(format!("This is not a CSV file: {e}")))?
        .clone();
    let columns = find_columns(&header).ok_or_else(|| {
        refuse("The first row must name the columns, with one called 'email'.".into())
    })?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| refuse(format!("This is not a CSV file: {e}")))?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(refuse(format!("Upload at most {MAX_ROWS} rows at a time.")));
        }
        let line = record.position().map_or(0, csv::Position::line);
        let cell = |index: Option<usize>| {
            index
                .and_then(|i| record.get(i))
                .filter(|value| !value.is_empty())
        };
        let email = cell(Some(columns.email)).unwrap_or_default().to_owned();
        let parsed = (|| {
            Ok::<_, crate::domain::ParseError>(NewInvitation {
                email: Email::parse(&email)?,
                display_name: cell(columns.name).map(DisplayName::parse).transpose()?,
                redirect_url: match cell(columns.redirect) {
                    Some(url) => RedirectUrl::parse(url)?,
                    None => default_redirect.clone(),
                },
                message: InvitationMessage::parse(cell(columns.message).unwrap_or(""))?,
                send_email,
                allow_any_identity: false,
            })
        })();
        rows.push((line, email, parsed.map_err(|e| e.0)));
    }
    if rows.is_empty() {
        return Err(refuse("The file has no rows below its header.".into()));
    }
    Ok(rows)
}

/// Invites every row of `text`, each in a transaction of its own; returns
/// one outcome per row, in order.
#[tracing::instrument(skip_all, fields(tenant = %tenant.slug.as_str()))]
pub async fn bulk_invite(
    state: &AppState,
    tenant: &Tenant,
    text: &str,
    default_redirect: &RedirectUrl,
    send_email: bool,
    actor: &Actor,
) -> Result<Vec<BulkOutcome>> {
    let (pool, mail, now) = (&state.pool, state.mail(), state.now());
    let mut outcomes = Vec::new();
    for (line, email, parsed) in parse(text, default_redirect, send_email)? {
        let result = match parsed {
            Ok(new) => match create_invitation(pool, mail, tenant, &new, actor, now).await {
                Ok(issued) => Ok(issued.invitation.guest_upn.as_str().to_owned()),
                Err(error) => Err(AppError::from(error).to_string()),
            },
            Err(message) => Err(message),
        };
        outcomes.push(BulkOutcome {
            line,
            email,
            result,
        });
    }
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default() -> RedirectUrl {
        RedirectUrl::parse("https://id.test/myapps").unwrap()
    }

    #[test]
    fn columns_are_found_by_name_in_any_order_and_bad_rows_keep_their_line() {
        let text = "Name,EMAIL,Redirect URL\nBob,bob@fabrikam.test,\n,not-an-address,\nCarol,carol@fabrikam.test,https://app.test/\n";
        let rows = parse(text, &default(), true).unwrap();
        assert_eq!(rows.len(), 3);
        let (line, email, bob) = &rows[0];
        assert_eq!((*line, email.as_str()), (2, "bob@fabrikam.test"));
        let bob = bob.as_ref().unwrap();
        assert_eq!(bob.display_name.as_ref().unwrap().as_str(), "Bob");
        assert_eq!(bob.redirect_url, default());
        assert_eq!(rows[1].0, 3);
        assert!(rows[1].2.is_err());
        assert_eq!(
            rows[2].2.as_ref().unwrap().redirect_url.as_str(),
            "https://app.test/"
        );
    }

    #[test]
    fn entras_template_headings_are_understood() {
        let text = "version:v1.0\nEmail address to invite,Redirection url,Send invitation message (true or false),Customized invitation message\n\
                    bob@fabrikam.test,https://app.test/,true,Welcome\n";
        let rows = parse(text, &default(), false).unwrap();
        let bob = rows[0].2.as_ref().unwrap();
        assert_eq!(bob.message.as_ref().unwrap().as_str(), "Welcome");
        assert_eq!(bob.redirect_url.as_str(), "https://app.test/");
    }

    #[test]
    fn a_file_without_an_email_column_rows_or_within_limits_is_refused_whole() {
        assert!(parse("name\nBob\n", &default(), true).is_err());
        assert!(parse("email\n", &default(), true).is_err());
        let many = format!("email\n{}", "x@fabrikam.test\n".repeat(MAX_ROWS + 1));
        assert!(parse(&many, &default(), true).is_err());
    }
}
