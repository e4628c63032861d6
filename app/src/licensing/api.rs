//! The Licensing page's server function (admins of the tenant only).

use leptos::prelude::*;

use super::LicenceSummary;
use crate::error::AppError;

#[server(endpoint = "licensing")]
pub async fn licensing(slug: String) -> Result<LicenceSummary, AppError> {
    use crate::ssr::request::{respond, Request};
    use crate::tenants::ssr::count_guests;

    let request = Request::current()?;
    let admin = request.admin(&slug).await?;
    let mut conn = respond(request.state.pool.acquire().await.map_err(Into::into))?;
    let guests = respond(count_guests(&mut conn, &admin.tenant.id).await)?;
    let licence = respond(admin.tenant.licence())?;
    Ok(LicenceSummary {
        plan: licence.plan(),
        seats: licence.seats(),
        guests,
        capacity: licence.guest_capacity(),
    })
}
