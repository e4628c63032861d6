//! Whether a user object must pass MFA with its tenant — asked wherever a
//! change could leave someone without a way to do so (removing their last
//! method). One function, so each rule that makes MFA required is added
//! here once: today the admin portal's built-in rule (DESIGN §5) and
//! security defaults (DESIGN §1); next, the tenant's conditional-access
//! policies that include the user.

use crate::error::AppError;
use crate::ssr::db::Conn;
use crate::ssr::Result;
use crate::tenants::ssr::Tenant;
use crate::users::ssr::User;

/// Whether `user` must pass MFA with `tenant`: an admin of the tenant
/// (the portal requires it), or a member while the tenant has security
/// defaults on. Reads the user's role and the setting as they are now —
/// inside the caller's transaction, as they are when the change commits.
pub async fn mfa_required(conn: &mut Conn, tenant: &Tenant, user: &User) -> Result<bool> {
    let row = sqlx::query!(
        r#"SELECT u.is_admin AS "is_admin: bool", u.user_type,
                  t.security_defaults AS "security_defaults: bool"
           FROM users u JOIN tenants t ON t.id = u.tenant_id
           WHERE u.id = $1 AND t.id = $2"#,
        user.id,
        tenant.id
    )
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| AppError::NotFound(format!("The user '{}'", user.upn.as_str())))?;
    let admin_portal = row.is_admin;
    let security_defaults = row.security_defaults && row.user_type == "Member";
    Ok(admin_portal || security_defaults)
}
