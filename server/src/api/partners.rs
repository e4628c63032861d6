//! `/api/v1/partners`: inbound trust, in the shape of Graph's cross-tenant
//! access policy ([`crate::graph::PartnerConfiguration`]):
//! `GET /partners` lists the partners with a configuration of their own;
//! `/partners/default` is the default for the others; `/partners/{tenantId}`
//! one partner — named by its tenant id, or its domain or slug. `PUT` and
//! `PATCH` both set `inboundTrust.isMfaAccepted` (the one setting);
//! `DELETE` removes a partner's own configuration, so the default applies.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use app::partners::ssr as service;
use app::ssr::AppState;

use super::{ApiError, ApiJson, Caller};
use crate::graph::{Page, PartnerConfiguration};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/partners", get(list))
        .route(
            "/partners/default",
            get(show_default).put(set_default).patch(set_default),
        )
        .route(
            "/partners/{tenant_id}",
            get(show).put(set).patch(set).delete(remove),
        )
}

/// What `PUT` and `PATCH` take.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TrustBody {
    inbound_trust: InboundTrustBody,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct InboundTrustBody {
    is_mfa_accepted: bool,
}

/// `GET /api/v1/partners`: the partners with a configuration of their own.
async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Page<PartnerConfiguration>>, ApiError> {
    let mut conn = state.pool.acquire().await.map_err(app::ssr::Error::from)?;
    let settings = service::list_partner_settings(&mut conn, &caller.tenant).await?;
    Ok(Json(Page {
        next: None,
        value: settings
            .partners
            .iter()
            .map(PartnerConfiguration::from)
            .collect(),
    }))
}

/// `GET /api/v1/partners/default`.
async fn show_default(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<PartnerConfiguration>, ApiError> {
    let mut conn = state.pool.acquire().await.map_err(app::ssr::Error::from)?;
    let settings = service::list_partner_settings(&mut conn, &caller.tenant).await?;
    Ok(Json(PartnerConfiguration::default_trust(
        settings.default_trust_mfa,
    )))
}

/// `PUT|PATCH /api/v1/partners/default`.
async fn set_default(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<TrustBody>,
) -> Result<Json<PartnerConfiguration>, ApiError> {
    let trust = service::set_default_trust(
        &state.pool,
        &caller.tenant,
        body.inbound_trust.is_mfa_accepted,
        &caller.actor,
        state.now(),
    )
    .await?;
    Ok(Json(PartnerConfiguration::default_trust(trust)))
}

/// `GET /api/v1/partners/{tenantId}`: 404 when the partner has no
/// configuration of its own.
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(tenant_id): Path<String>,
) -> Result<Json<PartnerConfiguration>, ApiError> {
    let mut conn = state.pool.acquire().await.map_err(app::ssr::Error::from)?;
    let setting = service::find_partner_setting(&mut conn, &caller.tenant, &tenant_id).await?;
    Ok(Json(PartnerConfiguration::from(&setting)))
}

/// `PUT|PATCH /api/v1/partners/{tenantId}`: creates or changes the
/// partner's own configuration.
async fn set(
    State(state): State<AppState>,
    caller: Caller,
    Path(tenant_id): Path<String>,
    ApiJson(body): ApiJson<TrustBody>,
) -> Result<Json<PartnerConfiguration>, ApiError> {
    let setting = service::set_partner_trust(
        &state.pool,
        &caller.tenant,
        &tenant_id,
        body.inbound_trust.is_mfa_accepted,
        &caller.actor,
        state.now(),
    )
    .await?;
    Ok(Json(PartnerConfiguration::from(&setting)))
}

/// `DELETE /api/v1/partners/{tenantId}` → 204.
async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(tenant_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    service::remove_partner(
        &state.pool,
        &caller.tenant,
        &tenant_id,
        &caller.actor,
        state.now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
