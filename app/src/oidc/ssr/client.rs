//! An application as the OpenID Connect provider sees it: a client that
//! asks for codes and redeems them. Applications are managed in
//! `crate::applications`; this reads the same tables for the three things
//! the protocol checks — the client id, the redirect URI (exact string
//! match, no wildcards or prefixes), and the client's secret.

use crate::ssr::crypto::token_hash;
use crate::ssr::db::Conn;
use crate::ssr::Result;

/// A registered client of one tenant.
#[derive(Debug, Clone)]
pub struct Client {
    pub application_id: String,
    pub tenant_id: String,
    pub client_id: String,
    pub display_name: String,
    /// A public client has no secret and must use PKCE.
    pub public: bool,
    pub assignment_required: bool,
    secret_hash: Option<String>,
}

impl Client {
    /// Whether `uri` is one of the registered redirect URIs, exactly.
    pub async fn has_redirect_uri(&self, conn: &mut Conn, uri: &str) -> Result<bool> {
        let registered = sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM application_redirect_uris
                              WHERE application_id = $1 AND uri = $2) AS "registered!: bool""#,
            self.application_id,
            uri
        )
        .fetch_one(conn)
        .await?;
        Ok(registered)
    }

    /// Whether `secret` is this confidential client's secret. Both sides
    /// are SHA-256 digests, so the comparison reveals nothing of the secret.
    pub fn is_secret(&self, secret: &str) -> bool {
        self.secret_hash
            .as_deref()
            .is_some_and(|stored| stored == token_hash(secret))
    }
}

/// The client `client_id` of the tenant `tenant_id`; a client of another
/// tenant is not found. One statement: the token endpoint reads it on every
/// exchange, and its redirect URIs only when one is to be checked.
pub async fn find_client(
    conn: &mut Conn,
    tenant_id: &str,
    client_id: &str,
) -> Result<Option<Client>> {
    let Some(row) = sqlx::query!(
        r#"SELECT id, display_name, client_secret_hash,
                  public_client AS "public_client: bool",
                  assignment_required AS "assignment_required: bool"
           FROM applications WHERE tenant_id = $1 AND client_id = $2"#,
        tenant_id,
        client_id
    )
    .fetch_optional(conn)
    .await?
    else {
        return Ok(None);
    };
    Ok(Some(Client {
        application_id: row.id,
        tenant_id: tenant_id.to_owned(),
        client_id: client_id.to_owned(),
        display_name: row.display_name,
        public: row.public_client,
        assignment_required: row.assignment_required,
        secret_hash: row.client_secret_hash,
    }))
}

/// Whether `user_id` may use the client: always, unless the application
/// requires assignment and the user has none.
pub async fn is_allowed(conn: &mut Conn, client: &Client, user_id: &str) -> Result<bool> {
    if !client.assignment_required {
        return Ok(true);
    }
    let assigned = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM application_assignments
                          WHERE application_id = $1 AND user_id = $2) AS "assigned!: bool""#,
        client.application_id,
        user_id
    )
    .fetch_one(conn)
    .await?;
    Ok(assigned)
}
