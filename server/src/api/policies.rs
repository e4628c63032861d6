//! `/api/v1/policies`: the tenant's conditional-access policies in Graph's
//! `conditionalAccessPolicy` shape ([`crate::graph::ConditionalAccessPolicy`]
//! says how it is narrowed). `POST` creates, `PATCH` changes the fields it
//! names (a nested object it names replaces that part: `users.includeUsers`
//! replaces the included users, `grantControls` the whole grant,
//! `sessionControls` the freshness window, `null` removing it). Unknown
//! fields and bad values are 400 and change nothing; an MFA policy on or
//! report-only on a free tenant is 422 `premiumRequired`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Deserializer};

use app::domain::DisplayName;
use app::error::AppError;
use app::policies::ssr::{
    self as service, Applications, Grant, Include, NewPolicy, PolicyChange, UserRef,
};
use app::policies::{MfaFreshness, PolicyState};
use app::ssr::AppState;

use super::{invalid, ApiError, ApiJson, Caller};
use crate::graph::{ConditionalAccessPolicy, Page, ALL, GUESTS_OR_EXTERNAL_USERS, MEMBERS, MFA};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/policies", get(list).post(create))
        .route("/policies/{id}", get(show).patch(change).delete(remove))
}

/// A policy as a request gives it; every field optional here, the ones a
/// create needs are checked by [`PolicyBody::into_new`].
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PolicyBody {
    display_name: Option<String>,
    state: Option<String>,
    conditions: Option<ConditionsBody>,
    /// `null`: no grant (no MFA).
    #[serde(default, deserialize_with = "present")]
    grant_controls: Option<Option<GrantBody>>,
    /// `null`: no freshness window.
    #[serde(default, deserialize_with = "present")]
    session_controls: Option<Option<SessionBody>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConditionsBody {
    users: Option<UsersBody>,
    applications: Option<ApplicationsBody>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UsersBody {
    include_users: Option<Vec<String>>,
    exclude_users: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ApplicationsBody {
    include_applications: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct GrantBody {
    built_in_controls: Vec<String>,
    authentication_strength: Option<StrengthBody>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StrengthBody {
    phishing_resistant_only: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SessionBody {
    sign_in_frequency: Option<FrequencyBody>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrequencyBody {
    value: i64,
    #[serde(rename = "type")]
    kind: String,
}

/// A field that is present — `null` included — is `Some`.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

fn bad(field: &str, message: impl Into<String>) -> ApiError {
    ApiError(AppError::Invalid {
        field: field.to_owned(),
        message: message.into(),
    })
}

impl PolicyBody {
    /// The change this body asks for; every value parsed.
    fn into_change(self) -> Result<PolicyChange, ApiError> {
        let mut change = PolicyChange {
            name: self
                .display_name
                .as_deref()
                .map(DisplayName::parse)
                .transpose()
                .map_err(invalid("displayName"))?,
            state: self.state.as_deref().map(parse_state).transpose()?,
            ..PolicyChange::default()
        };
        if let Some(conditions) = self.conditions {
            if let Some(users) = conditions.users {
                change.include = users.include_users.map(parse_include).transpose()?;
                change.exclude = users
                    .exclude_users
                    .map(|users| parse_users(&users, "excludeUsers"))
                    .transpose()?;
            }
            if let Some(applications) = conditions.applications {
                change.applications = applications
                    .include_applications
                    .map(parse_applications)
                    .transpose()?;
            }
        }
        if let Some(grant) = self.grant_controls {
            let grant = parse_grant(grant)?;
            change.require_mfa = Some(grant.require_mfa);
            change.phishing_resistant_only = Some(grant.phishing_resistant_only);
        }
        if let Some(session) = self.session_controls {
            change.mfa_freshness = Some(
                session
                    .and_then(|session| session.sign_in_frequency)
                    .map(parse_frequency)
                    .transpose()?,
            );
        }
        Ok(change)
    }

    /// A new policy: `displayName`, `state`, the included users and
    /// applications are required; no grant means no MFA.
    fn into_new(self) -> Result<NewPolicy, ApiError> {
        let change = self.into_change()?;
        let missing = |field: &str| bad(field, format!("{field} is required."));
        Ok(NewPolicy {
            name: change.name.ok_or_else(|| missing("displayName"))?,
            state: change.state.ok_or_else(|| missing("state"))?,
            include: change.include.ok_or_else(|| missing("includeUsers"))?,
            exclude: change.exclude.unwrap_or_default(),
            applications: change
                .applications
                .ok_or_else(|| missing("includeApplications"))?,
            grant: Grant {
                require_mfa: change.require_mfa.unwrap_or(false),
                phishing_resistant_only: change.phishing_resistant_only.unwrap_or(false),
            },
            mfa_freshness: change.mfa_freshness.flatten(),
        })
    }
}

fn parse_state(state: &str) -> Result<PolicyState, ApiError> {
    match state {
        "enabled" => Ok(PolicyState::On),
        "disabled" => Ok(PolicyState::Off),
        "enabledForReportingButNotEnforced" => Ok(PolicyState::ReportOnly),
        _ => Err(bad(
            "state",
            "state is 'enabled', 'disabled' or 'enabledForReportingButNotEnforced'.",
        )),
    }
}

const KEYWORDS: [&str; 3] = [ALL, GUESTS_OR_EXTERNAL_USERS, MEMBERS];

fn parse_include(users: Vec<String>) -> Result<Include<UserRef>, ApiError> {
    const FIELD: &str = "includeUsers";
    match users.as_slice() {
        [one] if one == ALL => Ok(Include::All),
        [one] if one == GUESTS_OR_EXTERNAL_USERS => Ok(Include::Guests),
        [one] if one == MEMBERS => Ok(Include::Members),
        [] => Err(bad(
            FIELD,
            "includeUsers is ['All'], ['GuestsOrExternalUsers'], ['Members'] or user ids.",
        )),
        listed => Ok(Include::Listed(parse_users(listed, FIELD)?)),
    }
}

/// User ids (or UPNs); a keyword here is out of place.
fn parse_users(users: &[String], field: &str) -> Result<Vec<UserRef>, ApiError> {
    users
        .iter()
        .map(|user| {
            if KEYWORDS.contains(&user.as_str()) || user == "None" {
                return Err(bad(
                    field,
                    format!("'{user}' cannot be combined with users here."),
                ));
            }
            UserRef::parse(user).map_err(invalid(field))
        })
        .collect()
}

fn parse_applications(applications: Vec<String>) -> Result<Applications, ApiError> {
    const FIELD: &str = "includeApplications";
    match applications.as_slice() {
        [one] if one == ALL => Ok(Applications::All),
        [] => Err(bad(
            FIELD,
            "includeApplications is ['All'] or application ids.",
        )),
        ids => {
            if ids
                .iter()
                .any(|id| id == ALL || id.trim().is_empty() || id.len() > 64)
            {
                return Err(bad(
                    FIELD,
                    "includeApplications is ['All'] or application ids.",
                ));
            }
            Ok(Applications::Listed(ids.to_vec()))
        }
    }
}

fn parse_grant(grant: Option<GrantBody>) -> Result<Grant, ApiError> {
    let Some(grant) = grant else {
        return Ok(Grant {
            require_mfa: false,
            phishing_resistant_only: false,
        });
    };
    let require_mfa = match grant.built_in_controls.as_slice() {
        [] => false,
        [one] if one == MFA => true,
        _ => {
            return Err(bad(
                "grantControls",
                "builtInControls is ['mfa'] or []: Gatehouse grants access with MFA only.",
            ))
        }
    };
    Ok(Grant {
        require_mfa,
        phishing_resistant_only: grant
            .authentication_strength
            .is_some_and(|strength| strength.phishing_resistant_only),
    })
}

fn parse_frequency(frequency: FrequencyBody) -> Result<MfaFreshness, ApiError> {
    let per_unit = match frequency.kind.as_str() {
        "minutes" => 1,
        "hours" => 60,
        "days" => 24 * 60,
        _ => {
            return Err(bad(
                "signInFrequency",
                "signInFrequency.type is 'minutes', 'hours' or 'days'.",
            ))
        }
    };
    let minutes = frequency.value.checked_mul(per_unit).unwrap_or(i64::MAX);
    MfaFreshness::from_minutes(minutes).map_err(invalid("signInFrequency"))
}

/// `GET /api/v1/policies`: all of them, by name (a tenant has few).
async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Page<ConditionalAccessPolicy>>, ApiError> {
    let mut conn = state.pool.acquire().await.map_err(app::ssr::Error::from)?;
    let policies = service::list_policies(&mut conn, &caller.tenant).await?;
    Ok(Json(Page {
        next: None,
        value: policies.iter().map(ConditionalAccessPolicy::from).collect(),
    }))
}

/// `POST /api/v1/policies` → 201.
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<PolicyBody>,
) -> Result<(StatusCode, Json<ConditionalAccessPolicy>), ApiError> {
    let new = body.into_new()?;
    let policy =
        service::create_policy(&state.pool, &caller.tenant, new, &caller.actor, state.now())
            .await?;
    Ok((
        StatusCode::CREATED,
        Json(ConditionalAccessPolicy::from(&policy)),
    ))
}

/// `GET /api/v1/policies/{id}`.
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ConditionalAccessPolicy>, ApiError> {
    let mut conn = state.pool.acquire().await.map_err(app::ssr::Error::from)?;
    let policy = service::find_policy(&mut conn, &caller.tenant, &id).await?;
    Ok(Json(ConditionalAccessPolicy::from(&policy)))
}

/// `PATCH /api/v1/policies/{id}`: the changed policy.
async fn change(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PolicyBody>,
) -> Result<Json<ConditionalAccessPolicy>, ApiError> {
    let change = body.into_change()?;
    let policy = service::update_policy(
        &state.pool,
        &caller.tenant,
        &id,
        change,
        &caller.actor,
        state.now(),
    )
    .await?;
    Ok(Json(ConditionalAccessPolicy::from(&policy)))
}

/// `DELETE /api/v1/policies/{id}` → 204.
async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    service::delete_policy(&state.pool, &caller.tenant, &id, &caller.actor, state.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: serde_json::Value) -> PolicyBody {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_graph_policy_parses_into_a_new_policy() {
        let new = body(serde_json::json!({
            "displayName": "MFA for guests",
            "state": "enabledForReportingButNotEnforced",
            "conditions": {
                "users": { "includeUsers": ["GuestsOrExternalUsers"], "excludeUsers": ["u-1"] },
                "applications": { "includeApplications": ["a-1", "a-2"] },
            },
            "grantControls": {
                "builtInControls": ["mfa"],
                "authenticationStrength": { "phishingResistantOnly": true },
            },
            "sessionControls": { "signInFrequency": { "value": 2, "type": "hours" } },
        }))
        .into_new()
        .unwrap();
        assert_eq!(new.state, PolicyState::ReportOnly);
        assert_eq!(new.include, Include::Guests);
        assert_eq!(new.exclude, vec![UserRef::Id("u-1".into())]);
        assert_eq!(
            new.applications,
            Applications::Listed(vec!["a-1".into(), "a-2".into()])
        );
        assert_eq!(
            new.grant,
            Grant {
                require_mfa: true,
                phishing_resistant_only: true
            }
        );
        assert_eq!(new.mfa_freshness.map(MfaFreshness::minutes), Some(120));
    }

    #[test]
    fn a_patch_changes_only_what_it_names_and_null_removes_the_window() {
        let change = body(serde_json::json!({ "state": "disabled", "sessionControls": null }))
            .into_change()
            .unwrap();
        assert_eq!(
            change,
            PolicyChange {
                state: Some(PolicyState::Off),
                mfa_freshness: Some(None),
                ..PolicyChange::default()
            }
        );
    }

    #[test]
    fn bad_values_are_refused_naming_their_field() {
        let cases = [
            (serde_json::json!({ "state": "on" }), "state"),
            (
                serde_json::json!({ "conditions": { "users": { "includeUsers": ["All", "u-1"] } } }),
                "includeUsers",
            ),
            (
                serde_json::json!({ "conditions": { "users": { "includeUsers": [] } } }),
                "includeUsers",
            ),
            (
                serde_json::json!({ "conditions": { "users": { "excludeUsers": ["All"] } } }),
                "excludeUsers",
            ),
            (
                serde_json::json!({ "conditions": { "applications": { "includeApplications": [] } } }),
                "includeApplications",
            ),
            (
                serde_json::json!({ "grantControls": { "builtInControls": ["block"] } }),
                "grantControls",
            ),
            (
                serde_json::json!({ "sessionControls": { "signInFrequency": { "value": 31, "type": "days" } } }),
                "signInFrequency",
            ),
            (
                serde_json::json!({ "sessionControls": { "signInFrequency": { "value": 1, "type": "weeks" } } }),
                "signInFrequency",
            ),
            (serde_json::json!({ "displayName": " " }), "displayName"),
        ];
        for (json, field) in cases {
            let refused = body(json.clone()).into_change().unwrap_err();
            assert!(refused.0.for_field(field).is_some(), "{json}: {refused:?}");
        }
        let missing = body(serde_json::json!({ "displayName": "x", "state": "enabled" }))
            .into_new()
            .unwrap_err();
        assert!(missing.0.for_field("includeUsers").is_some(), "{missing:?}");
        assert!(serde_json::from_value::<PolicyBody>(serde_json::json!({ "id": "p" })).is_err());
    }
}
