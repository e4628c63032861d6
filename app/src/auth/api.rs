//! Server functions for signing in and out. Each is a public HTTP endpoint
//! under `/api/` and checks its caller itself.

use leptos::prelude::*;

use super::Me;
use crate::error::AppError;

/// Signs a member in with their UPN and password, sets a fresh session cookie
/// and redirects to `next` (a local path) or the person's start page.
#[server(endpoint = "sign_in")]
pub async fn sign_in(upn: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::domain::{is_local_path, Password, Upn};
    use crate::ssr::request::{fail, respond, Request};

    let request = Request::current()?;
    let upn = Upn::parse(&upn).map_err(|e| fail(AppError::invalid("upn", e)))?;
    let password = Password::parse(password).map_err(|e| fail(AppError::invalid("password", e)))?;
    let state = &request.state;
    let previous = request.session_hash();
    let signed_in = respond(
        super::ssr::sign_in(state, &upn, password, previous.as_deref(), request.ip()).await,
    )?;
    request.set_session_cookie(&signed_in.token)?;
    let target = match next.filter(|next| is_local_path(next)) {
        Some(next) => next,
        None => start_page(&signed_in.identity, state).await,
    };
    // Security defaults: the sign-in completes with the home tenant's MFA.
    let target = match &signed_in.home_mfa_due {
        Some(home) => crate::mfa::verify_path(home.as_str(), &target),
        None => target,
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
        |tenant| format!("/t/{}/admin/users", tenant.slug.as_str()),
    )
}

/// Ends the caller's session server-side, clears the cookie, and goes to
/// `next` (a local path) or the start page.
#[server(endpoint = "sign_out")]
pub async fn sign_out(next: Option<String>) -> Result<(), AppError> {
    use crate::auth::ssr::session::clear_cookie;
    use crate::ssr::request::{add_set_cookie, respond, Request};

    let request = Request::current()?;
    let state = &request.state;
    respond(super::ssr::sign_out(state, &request.parts.headers, request.ip()).await)?;
    add_set_cookie(clear_cookie(&state.config.public_url))?;
    let next = next.filter(|next| crate::domain::is_local_path(next));
    leptos_axum::redirect(next.as_deref().unwrap_or("/"));
    Ok(())
}

/// The signed-in person, or `None`.
#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<Option<Me>, AppError> {
    use crate::ssr::request::Request;

    let principal = Request::current()?.principal().await?;
    Ok(principal.map(|principal| Me {
        display_name: principal.identity.display_name().to_owned(),
        upn: principal.identity.sign_in_name().to_owned(),
    }))
}
