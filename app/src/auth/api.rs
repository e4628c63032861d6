//! Server functions for signing in and out. Each is a public HTTP endpoint
//! under `/api/` and checks its caller itself.

use leptos::prelude::*;

use super::Me;
use crate::error::AppError;

/// Signs a member in with their UPN and password, sets a fresh session cookie
/// and redirects to `next` (a local path) or the person's start page.
#[server(endpoint = "sign_in")]
pub async fn sign_in(upn: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::auth::ssr::session::{id_hash_from_headers, set_cookie};
    use crate::domain::is_local_path;
    use crate::ssr::request::{client_ip, parts, respond, state};

    let state = state()?;
    let parts = parts()?;
    let previous = id_hash_from_headers(&state.config.public_url, &parts.headers);
    let ip = client_ip(&parts);
    let signed_in = respond(
        super::ssr::sign_in(
            &state,
            &upn,
            password.into(),
            previous.as_deref(),
            ip.as_deref(),
        )
        .await,
    )?;
    crate::ssr::request::set_cookie(set_cookie(&state.config.public_url, &signed_in.token))?;
    let target = match next.filter(|next| is_local_path(next)) {
        Some(next) => next,
        None => start_page(&signed_in.identity, &state).await,
    };
    leptos_axum::redirect(&target);
    Ok(())
}

/// Where a person lands after signing in: an admin on their tenant's portal,
/// everyone else on My Apps.
#[cfg(feature = "ssr")]
async fn start_page(identity: &super::ssr::Identity, state: &crate::ssr::AppState) -> String {
    let Some(user) = identity.member().filter(|user| user.is_admin) else {
        return "/myapps".to_owned();
    };
    let tenant = match state.pool.acquire().await {
        Ok(mut conn) => crate::tenants::ssr::find_tenant_by_id(&mut conn, &user.tenant_id)
            .await
            .ok()
            .flatten(),
        Err(_) => None,
    };
    tenant.map_or_else(
        || "/myapps".to_owned(),
        |tenant| format!("/t/{}/admin/users", tenant.slug),
    )
}

/// Ends the caller's session server-side, clears the cookie, and goes to
/// `next` (a local path) or the start page.
#[server(endpoint = "sign_out")]
pub async fn sign_out(next: Option<String>) -> Result<(), AppError> {
    use crate::auth::ssr::session::clear_cookie;
    use crate::ssr::request::{client_ip, parts, respond, state};

    let state = state()?;
    let parts = parts()?;
    respond(super::ssr::sign_out(&state, &parts.headers, client_ip(&parts).as_deref()).await)?;
    crate::ssr::request::set_cookie(clear_cookie(&state.config.public_url))?;
    let next = next.filter(|next| crate::domain::is_local_path(next));
    leptos_axum::redirect(next.as_deref().unwrap_or("/"));
    Ok(())
}

/// The signed-in person, or `None`.
#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<Option<Me>, AppError> {
    use crate::ssr::request::{parts, respond, state};

    let state = state()?;
    let principal = respond(super::ssr::find_principal(&state, &parts()?.headers).await)?;
    Ok(principal.map(|principal| Me {
        display_name: principal.identity.display_name().to_owned(),
        upn: principal.identity.sign_in_name().to_owned(),
    }))
}
