//! Server functions of the admin portal. Each one checks on its own that the
//! caller is an admin of the tenant in its arguments.

use leptos::prelude::*;

use super::AdminFrame;
use crate::error::AppError;

/// The portal frame's data; fails for anyone but an admin of `slug`.
#[server(endpoint = "admin_context")]
pub async fn admin_context(slug: String) -> Result<AdminFrame, AppError> {
    use crate::ssr::request::Request;

    let admin = Request::current()?.admin(&slug).await?;
    Ok(AdminFrame {
        tenant_slug: admin.tenant.slug.as_str().to_owned(),
        tenant_name: admin.tenant.display_name,
        admin_upn: admin.principal.identity.sign_in_name().to_owned(),
    })
}
