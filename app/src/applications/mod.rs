//! Applications (DESIGN §2 Application, Assignment): the relying parties of
//! a tenant's OpenID Connect provider — their redirect URIs (matched
//! exactly), confidential clients' secrets (shown once, stored hashed) or
//! public clients (PKCE only), and who may sign in to them.
//!
//! The admin pages (`page.rs`), their server functions (`api.rs`),
//! `/api/v1/applications` and `gatehouse app` all call the one service in
//! `ssr.rs`.

pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

use crate::domain::{ClientType, UserType};

/// One row of the Applications table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationRow {
    pub id: String,
    pub name: String,
    pub client_id: String,
    pub client_type: ClientType,
    pub redirect_uri_count: usize,
    pub assignment_required: bool,
}

/// An application as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationView {
    pub id: String,
    pub name: String,
    pub client_id: String,
    pub client_type: ClientType,
    pub redirect_uris: Vec<String>,
    pub assignment_required: bool,
    pub created: String,
    pub assigned: Vec<AssignedRow>,
}

/// A user assigned to an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignedRow {
    pub user_id: String,
    pub upn: String,
    pub display_name: String,
    pub user_type: UserType,
    pub assigned: String,
}

/// A new application's credentials, shown once after it is registered (or
/// after a new secret): the client id, and a confidential client's secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientCredentials {
    pub id: String,
    pub name: String,
    pub client_id: String,
    /// Present only for a confidential client, and only in this answer.
    pub client_secret: Option<String>,
}

#[cfg(feature = "ssr")]
impl From<&ssr::Application> for ApplicationRow {
    fn from(application: &ssr::Application) -> Self {
        Self {
            id: application.id.clone(),
            name: application.name.as_str().to_owned(),
            client_id: application.client_id.clone(),
            client_type: application.client_type,
            redirect_uri_count: application.redirect_uris.len(),
            assignment_required: application.assignment_required,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<&ssr::AssignedUser> for AssignedRow {
    fn from(user: &ssr::AssignedUser) -> Self {
        Self {
            user_id: user.user_id.clone(),
            upn: user.upn.as_str().to_owned(),
            display_name: user.display_name.clone(),
            user_type: user.user_type,
            assigned: crate::ssr::date(user.assigned_at),
        }
    }
}
