//! Server functions of the API tokens page; each authorises its caller as
//! an admin of the tenant in its arguments.

use leptos::prelude::*;

use super::TokenRow;
use crate::error::AppError;

#[server(endpoint = "list_api_tokens")]
pub async fn list_api_tokens(slug: String) -> Result<Vec<TokenRow>, AppError> {
    use crate::ssr::request::{respond, Request};

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    let tokens = respond(super::ssr::list_api_tokens(&request.state.pool, &admin.tenant).await)?;
    Ok(tokens
        .into_iter()
        .map(|token| TokenRow {
            id: token.id,
            name: token.name,
            created_by: token.created_by,
            created: crate::ssr::date(token.created_at),
            last_used: token.last_used_at.map(crate::ssr::date),
            revoked: token.revoked_at.is_some(),
        })
        .collect())
}

/// Makes a token; the returned secret is shown once and stored only hashed.
#[server(endpoint = "create_api_token")]
pub async fn create_api_token(slug: String, name: String) -> Result<String, AppError> {
    use crate::domain::DisplayName;
    use crate::ssr::request::{fail, respond, Request};
    use secrecy::ExposeSecret;

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    let name = DisplayName::parse(&name).map_err(|e| fail(AppError::invalid("name", e)))?;
    let state = &request.state;
    let (_, token) = respond(
        super::ssr::create_api_token(&state.pool, &admin.tenant, &name, &admin.actor, state.now())
            .await,
    )?;
    Ok(token.expose_secret().to_owned())
}

#[server(endpoint = "revoke_api_token")]
pub async fn revoke_api_token(slug: String, id: String) -> Result<(), AppError> {
    use crate::ssr::request::{respond, Request};

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    let state = &request.state;
    respond(
        super::ssr::revoke_api_token(&state.pool, &admin.tenant, &id, &admin.actor, state.now())
            .await,
    )
}
