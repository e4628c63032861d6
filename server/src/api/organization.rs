//! `/api/v1/organization`: the caller's tenant and its settings; `PATCH`
//! changes the settings it names (the Settings page and `gatehouse tenant
//! set` call the same service).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Deserializer};

use app::domain::PrivacyUrl;
use app::ssr::AppState;
use app::tenants::ssr::{update_settings, SettingsChange};

use super::{invalid, ApiError, ApiJson, Caller};
use crate::graph::Organization;

pub fn router() -> Router<AppState> {
    Router::new().route("/organization", get(show).patch(change))
}

/// `GET /api/v1/organization`.
async fn show(caller: Caller) -> Json<Organization> {
    Json(Organization::from(&caller.tenant))
}

/// What `PATCH` may change; a field left out stays as it is.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Patch {
    members_can_invite: Option<bool>,
    email_otp_enabled: Option<bool>,
    security_defaults_enabled: Option<bool>,
    invitation_ttl_days: Option<i64>,
    privacy_profile: Option<PrivacyPatch>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PrivacyPatch {
    /// A URL sets the statement, `null` removes it, absence keeps it.
    #[serde(default, deserialize_with = "present")]
    statement_url: Option<Option<String>>,
}

/// A field that is present — `null` included — is `Some`.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

/// `PATCH /api/v1/organization`: bad input changes nothing.
async fn change(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(patch): ApiJson<Patch>,
) -> Result<Json<Organization>, ApiError> {
    let privacy_url = match patch
        .privacy_profile
        .and_then(|profile| profile.statement_url)
    {
        None => None,
        Some(None) => Some(None),
        Some(Some(url)) => Some(Some(
            PrivacyUrl::parse(&url).map_err(invalid("privacyProfile.statementUrl"))?,
        )),
    };
    let change = SettingsChange {
        members_can_invite: patch.members_can_invite,
        email_otp_enabled: patch.email_otp_enabled,
        security_defaults: patch.security_defaults_enabled,
        invitation_ttl_days: patch.invitation_ttl_days,
        privacy_url,
    };
    let tenant = update_settings(
        &state.pool,
        &caller.tenant.slug,
        change,
        &caller.actor,
        state.now(),
    )
    .await?;
    Ok(Json(Organization::from(&tenant)))
}
