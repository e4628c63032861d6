//! Server functions of the Applications pages. Each authorises its caller
//! as an admin of the tenant in its arguments (with fresh MFA, like every
//! admin function), parses the form, and calls one service function with
//! that tenant: an id of another tenant's application is not found.
//!
//! The forms that change an application work before the WASM has loaded
//! (posted as plain forms, they come back to the page); the two whose answer carries a secret to show
//! once — registering and a new secret — wait for it.

use leptos::prelude::*;

use super::{ApplicationRow, ApplicationView, ClientCredentials};
use crate::error::AppError;

/// The tenant's applications, by name.
#[server(endpoint = "list_applications")]
pub async fn list_applications(slug: String) -> Result<Vec<ApplicationRow>, AppError> {
    use crate::ssr::request::{respond, Request};

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    let mut conn = respond(request.state.pool.acquire().await.map_err(Into::into))?;
    let applications = respond(super::ssr::list_applications(&mut conn, &admin.tenant).await)?;
    Ok(applications.iter().map(ApplicationRow::from).collect())
}

/// Registers an application: `redirect_uris` one a line; a checked
/// `public_client` makes a public client (PKCE only, no secret). The answer
/// carries a confidential client's secret, the only time it is shown.
#[server(endpoint = "create_application")]
pub async fn create_application(
    slug: String,
    name: String,
    redirect_uris: String,
    public_client: Option<String>,
    assignment_required: Option<String>,
) -> Result<ClientCredentials, AppError> {
    use super::ssr::NewApplication;
    use crate::domain::{ApplicationName, ClientType, RedirectUris};
    use crate::ssr::request::{fail, respond, Request};
    use secrecy::ExposeSecret;

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    let new = NewApplication {
        name: ApplicationName::parse(&name).map_err(|e| fail(AppError::invalid("name", e)))?,
        redirect_uris: RedirectUris::from_lines(&redirect_uris)
            .map_err(|e| fail(AppError::invalid("redirect_uris", e)))?,
        client_type: ClientType::from_public(public_client.is_some()),
        assignment_required: assignment_required.is_some(),
        // The application's page switches it on, once it exists.
        require_mfa: false,
    };
    let state = &request.state;
    let created = respond(
        super::ssr::create_application(&state.pool, &admin.tenant, &new, &admin.actor, state.now())
            .await,
    )?;
    let application = &created.application;
    Ok(ClientCredentials {
        id: application.id.clone(),
        name: application.name.as_str().to_owned(),
        client_id: application.client_id.clone(),
        client_secret: created
            .client_secret
            .map(|secret| secret.expose_secret().to_owned()),
    })
}

/// One application of the tenant, with its assigned users.
#[server(endpoint = "application_details")]
pub async fn application_details(slug: String, id: String) -> Result<ApplicationView, AppError> {
    use super::AssignedRow;
    use crate::ssr::request::{respond, Request};

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    let mut conn = respond(request.state.pool.acquire().await.map_err(Into::into))?;
    let application =
        respond(super::ssr::require_application(&mut conn, &admin.tenant, &id).await)?;
    let assigned = respond(super::ssr::list_assignments(&mut conn, &admin.tenant, &id).await)?;
    Ok(ApplicationView {
        id: application.id,
        name: application.name.as_str().to_owned(),
        client_id: application.client_id,
        client_type: application.client_type,
        redirect_uris: application.redirect_uris.to_strings(),
        assignment_required: application.assignment_required,
        created: crate::ssr::date(application.created_at),
        assigned: assigned.iter().map(AssignedRow::from).collect(),
    })
}

/// Saves the application's settings form: its name, its redirect URIs (one
/// a line, replacing the old ones) and whether only assigned users may
/// sign in (an unchecked box is off). Bad input changes nothing.
#[server(endpoint = "save_application")]
pub async fn save_application(
    slug: String,
    id: String,
    name: String,
    redirect_uris: String,
    assignment_required: Option<String>,
) -> Result<(), AppError> {
    use super::ssr::ApplicationChange;
    use crate::domain::{ApplicationName, RedirectUris};
    use crate::ssr::request::{fail, respond, Request};

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    let change = ApplicationChange {
        name: Some(ApplicationName::parse(&name).map_err(|e| fail(AppError::invalid("name", e)))?),
        redirect_uris: Some(
            RedirectUris::from_lines(&redirect_uris)
                .map_err(|e| fail(AppError::invalid("redirect_uris", e)))?,
        ),
        assignment_required: Some(assignment_required.is_some()),
    };
    let state = &request.state;
    respond(
        super::ssr::update_application(
            &state.pool,
            &admin.tenant,
            &id,
            &change,
            &admin.actor,
            state.now(),
        )
        .await,
    )?;
    Ok(())
}

/// Gives a confidential client a new secret, shown once in the answer; the
/// old one stops working.
#[server(endpoint = "new_client_secret")]
pub async fn new_client_secret(slug: String, id: String) -> Result<ClientCredentials, AppError> {
    use crate::ssr::request::{respond, Request};
    use secrecy::ExposeSecret;

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    let state = &request.state;
    let secret = respond(
        super::ssr::new_client_secret(&state.pool, &admin.tenant, &id, &admin.actor, state.now())
            .await,
    )?;
    let mut conn = respond(state.pool.acquire().await.map_err(Into::into))?;
    let application =
        respond(super::ssr::require_application(&mut conn, &admin.tenant, &id).await)?;
    Ok(ClientCredentials {
        id: application.id,
        name: application.name.as_str().to_owned(),
        client_id: application.client_id,
        client_secret: Some(secret.expose_secret().to_owned()),
    })
}

/// Deletes the application once the admin ticked `confirm`, then goes to
/// the list of applications.
#[server(endpoint = "delete_application")]
pub async fn delete_application(
    slug: String,
    id: String,
    confirm: Option<String>,
) -> Result<(), AppError> {
    use crate::ssr::request::{fail, respond, Request};

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    if confirm.is_none() {
        return Err(fail(AppError::Invalid {
            field: "confirm".into(),
            message: "Tick the box to confirm that the application goes.".into(),
        }));
    }
    let state = &request.state;
    respond(
        super::ssr::delete_application(&state.pool, &admin.tenant, &id, &admin.actor, state.now())
            .await,
    )?;
    leptos_axum::redirect(&format!(
        "/t/{}/admin/applications",
        admin.tenant.slug.as_str()
    ));
    Ok(())
}

/// Assigns a user of the tenant, named by UPN (or object id).
#[server(endpoint = "assign_application_user")]
pub async fn assign_application_user(
    slug: String,
    id: String,
    user: String,
) -> Result<(), AppError> {
    use super::ssr::UserRef;
    use crate::ssr::request::{fail, respond, Request};

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    let user = UserRef::parse(&user).map_err(|e| fail(AppError::invalid("user", e)))?;
    let state = &request.state;
    respond(
        super::ssr::assign_user(
            &state.pool,
            &admin.tenant,
            &id,
            &user,
            &admin.actor,
            state.now(),
        )
        .await,
    )?;
    Ok(())
}

/// Removes a user's assignment.
#[server(endpoint = "unassign_application_user")]
pub async fn unassign_application_user(
    slug: String,
    id: String,
    user_id: String,
) -> Result<(), AppError> {
    use super::ssr::UserRef;
    use crate::ssr::request::{respond, Request};

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    let state = &request.state;
    respond(
        super::ssr::unassign_user(
            &state.pool,
            &admin.tenant,
            &id,
            &UserRef::Id(user_id),
            &admin.actor,
            state.now(),
        )
        .await,
    )
}
