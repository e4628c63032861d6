//! The personal directory: accounts of people with no work account here,
//! created during redemption once their address is proven by a code.

use crate::domain::{DisplayName, Email};
use crate::ssr::clock::UnixTime;
use crate::ssr::db::Conn;
use crate::ssr::{Result, Stored};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonalAccount {
    pub id: String,
    pub email: Email,
    pub display_name: String,
}

pub async fn find_personal_account(conn: &mut Conn, id: &str) -> Result<Option<PersonalAccount>> {
    let row = sqlx::query!(
        "SELECT id, email, display_name FROM personal_accounts WHERE id = $1",
        id
    )
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok(PersonalAccount {
            email: Email::parse(&row.email).stored("personal_accounts.email")?,
            id: row.id,
            display_name: row.display_name,
        })
    })
    .transpose()
}

/// The account for `email` and its password hash, if there is one.
pub async fn find_personal_credentials(
    conn: &mut Conn,
    email: &str,
) -> Result<Option<(PersonalAccount, String)>> {
    let row = sqlx::query!(
        "SELECT id, email, display_name, password_hash FROM personal_accounts WHERE email = $1",
        email
    )
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        let account = PersonalAccount {
            email: Email::parse(&row.email).stored("personal_accounts.email")?,
            id: row.id,
            display_name: row.display_name,
        };
        Ok((account, row.password_hash))
    })
    .transpose()
}

/// Creates an account for a proven address; a taken address is a conflict
/// (the unique constraint decides).
pub async fn create_personal_account(
    conn: &mut Conn,
    email: &Email,
    display_name: &DisplayName,
    password_hash: &str,
    now: UnixTime,
) -> Result<PersonalAccount> {
    let account = PersonalAccount {
        id: uuid::Uuid::new_v4().to_string(),
        email: email.clone(),
        display_name: display_name.as_str().to_owned(),
    };
    let address = email.as_str();
    sqlx::query!(
        "INSERT INTO personal_accounts (id, email, display_name, password_hash, email_verified_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        account.id,
        address,
        account.display_name,
        password_hash,
        now,
        now
    )
    .execute(conn)
    .await?;
    Ok(account)
}
