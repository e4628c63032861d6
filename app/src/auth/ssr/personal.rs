//! The personal directory: accounts of people with no work account here,
//! created during redemption once their address is proven by a code.

use sqlx::SqliteConnection;

use crate::domain::{DisplayName, Email};
use crate::error::AppError;
use crate::ssr::clock::UnixTime;
use crate::ssr::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonalAccount {
    pub id: String,
    pub email: String,
    pub display_name: String,
}

pub async fn find_personal_account(
    conn: &mut SqliteConnection,
    id: &str,
) -> Result<Option<PersonalAccount>> {
    let row = sqlx::query!(
        "SELECT id, email, display_name FROM personal_accounts WHERE id = ?",
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|row| PersonalAccount {
        id: row.id,
        email: row.email,
        display_name: row.display_name,
    }))
}

/// The account for `email` and its password hash, if there is one.
pub async fn find_personal_credentials(
    conn: &mut SqliteConnection,
    email: &str,
) -> Result<Option<(PersonalAccount, String)>> {
    let row = sqlx::query!(
        "SELECT id, email, display_name, password_hash FROM personal_accounts WHERE email = ?",
        email
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|row| {
        (
            PersonalAccount {
                id: row.id,
                email: row.email,
                display_name: row.display_name,
            },
            row.password_hash,
        )
    }))
}

/// Creates an account for a proven address; a taken address is a conflict.
pub async fn create_personal_account(
    conn: &mut SqliteConnection,
    email: &Email,
    display_name: &DisplayName,
    password_hash: &str,
    now: UnixTime,
) -> Result<PersonalAccount> {
    let email = email.as_str();
    let taken = sqlx::query_scalar!("SELECT id FROM personal_accounts WHERE email = ?", email)
        .fetch_optional(&mut *conn)
        .await?;
    if taken.is_some() {
        return Err(AppError::Conflict(format!(
            "A personal account for {email} exists already; sign in with it."
        ))
        .into());
    }
    let account = PersonalAccount {
        id: uuid::Uuid::new_v4().to_string(),
        email: email.to_owned(),
        display_name: display_name.as_str().to_owned(),
    };
    sqlx::query!(
        "INSERT INTO personal_accounts (id, email, display_name, password_hash, email_verified_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?)",
        account.id,
        account.email,
        account.display_name,
        password_hash,
        now,
        now
    )
    .execute(conn)
    .await?;
    Ok(account)
}
