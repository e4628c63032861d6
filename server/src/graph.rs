//! The JSON shapes of Microsoft Graph's resources that Gatehouse speaks
//! (DESIGN §4): what the REST API answers and `gatehouse invite --format json`
//! prints. Written once, so the API and the CLI cannot drift apart, and public
//! so clients and tests can decode replies into them.
//!
//! Fields are declared in the alphabetical order of their JSON names: that is
//! the order `serde_json::json!` wrote them in before these types existed (it
//! sorts keys), so the bytes on the wire stay as they were.

use std::fmt;

use serde::{Deserialize, Serialize};

use app::domain::{ExternalUserState, UserType};
use app::invitations::InvitationStatus;

/// An invitation, as `/api/v1/invitations` answers it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invitation {
    /// RFC 3339.
    pub created_date_time: String,
    /// RFC 3339.
    pub expires_date_time: String,
    pub id: String,
    /// The link that redeems the invitation: present only in the answer that
    /// issues it (create and resend), as the link exists only then. A
    /// secret: `Debug` does not show it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_redeem_url: Option<String>,
    pub invite_redirect_url: String,
    pub invited_user: InvitedUser,
    pub invited_user_display_name: Option<String>,
    pub invited_user_email_address: String,
    /// RFC 3339; `null` until the guest redeems.
    pub redeemed_date_time: Option<String>,
    pub status: InvitationStatus,
}

/// The guest user an invitation created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvitedUser {
    pub id: String,
    pub user_principal_name: String,
}

/// A user, as `/api/v1/users` answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// `false` once an admin disabled the account (Graph's name).
    pub account_enabled: bool,
    pub display_name: String,
    /// A guest's redemption state; `null` for members.
    pub external_user_state: Option<ExternalUserState>,
    pub id: String,
    pub mail: Option<String>,
    /// What `methods` names, with how many and when last used: one entry
    /// per kind, none when the user has none.
    pub method_details: Vec<UserMethods>,
    /// The kinds of sign-in method the user has with the tenant (DESIGN
    /// §4): `totp`, `webauthn`, `recoveryCodes`.
    pub methods: Vec<String>,
    pub user_principal_name: String,
    pub user_type: UserType,
}

/// One kind of sign-in method a listed user has (Gatehouse's own shape;
/// Graph lists methods one by one at `/users/{id}/authentication/methods`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserMethods {
    /// Active methods of the kind (an authenticator app still being set up
    /// is none); for `recoveryCodes`, the unused codes.
    pub count: i64,
    /// RFC 3339; `null` when never used.
    pub last_used_date_time: Option<String>,
    /// `totp` (authenticator app), `webauthn` (passkey or security key) or
    /// `recoveryCodes`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// One page of a list: `next` is the opaque cursor of the following page,
/// `null` on the last.
/// The caller's tenant, as `/api/v1/organization` answers it: Graph's
/// organization with its `privacyProfile`, and Gatehouse's tenant settings
/// beside them (Graph keeps those in policies of their own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    pub display_name: String,
    pub email_otp_enabled: bool,
    pub id: String,
    pub invitation_ttl_days: i64,
    pub members_can_invite: bool,
    /// `free` or `premium`.
    pub plan: String,
    pub premium_seats: i64,
    pub privacy_profile: PrivacyProfile,
    pub security_defaults_enabled: bool,
    pub verified_domains: Vec<VerifiedDomain>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrivacyProfile {
    /// The tenant's own privacy statement; `null`: Gatehouse's.
    pub statement_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedDomain {
    pub is_default: bool,
    pub name: String,
}

impl From<&app::tenants::ssr::Tenant> for Organization {
    fn from(tenant: &app::tenants::ssr::Tenant) -> Self {
        Self {
            display_name: tenant.display_name.clone(),
            email_otp_enabled: tenant.email_otp_enabled,
            id: tenant.id.clone(),
            invitation_ttl_days: tenant.invitation_ttl_days,
            members_can_invite: tenant.members_can_invite,
            plan: tenant.plan.as_str().to_owned(),
            premium_seats: tenant.premium_seats,
            privacy_profile: PrivacyProfile {
                statement_url: tenant
                    .privacy_url
                    .as_ref()
                    .map(|url| url.as_str().to_owned()),
            },
            security_defaults_enabled: tenant.security_defaults,
            verified_domains: vec![VerifiedDomain {
                is_default: true,
                name: tenant.domain.as_str().to_owned(),
            }],
        }
    }
}

/// An application (an OpenID Connect client), as `/api/v1/applications`
/// answers it. `appId` is the OAuth client id.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    pub app_id: String,
    pub app_role_assignment_required: bool,
    /// A confidential client's secret: present only in the answer that
    /// makes it (create), as it exists only then. `Debug` does not show it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// RFC 3339.
    pub created_date_time: String,
    pub display_name: String,
    pub id: String,
    pub is_public_client: bool,
    pub redirect_uris: Vec<String>,
}

impl fmt::Debug for Application {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Application")
            .field("app_id", &self.app_id)
            .field(
                "app_role_assignment_required",
                &self.app_role_assignment_required,
            )
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("created_date_time", &self.created_date_time)
            .field("display_name", &self.display_name)
            .field("id", &self.id)
            .field("is_public_client", &self.is_public_client)
            .field("redirect_uris", &self.redirect_uris)
            .finish()
    }
}

impl From<&app::applications::ssr::Application> for Application {
    fn from(application: &app::applications::ssr::Application) -> Self {
        Self {
            app_id: application.client_id.clone(),
            app_role_assignment_required: application.assignment_required,
            client_secret: None,
            created_date_time: date_time(application.created_at),
            display_name: application.name.to_string(),
            id: application.id.clone(),
            is_public_client: application.client_type.is_public(),
            redirect_uris: application.redirect_uris.to_strings(),
        }
    }
}

impl From<&app::applications::ssr::CreatedApplication> for Application {
    fn from(created: &app::applications::ssr::CreatedApplication) -> Self {
        use secrecy::ExposeSecret;
        Self {
            client_secret: created
                .client_secret
                .as_ref()
                .map(|secret| secret.expose_secret().to_owned()),
            ..Self::from(&created.application)
        }
    }
}

/// A user's assignment to an application, as Graph's `appRoleAssignment`
/// (without app roles: Gatehouse has none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRoleAssignment {
    /// RFC 3339.
    pub created_date_time: String,
    pub principal_display_name: String,
    /// The user's object id.
    pub principal_id: String,
    /// Always `User`.
    pub principal_type: String,
    /// The application's `id`.
    pub resource_id: String,
    pub user_principal_name: String,
}

impl AppRoleAssignment {
    pub fn new(application_id: &str, user: &app::applications::ssr::AssignedUser) -> Self {
        Self {
            created_date_time: date_time(user.assigned_at),
            principal_display_name: user.display_name.clone(),
            principal_id: user.user_id.clone(),
            principal_type: "User".to_owned(),
            resource_id: application_id.to_owned(),
            user_principal_name: user.upn.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub next: Option<String>,
    pub value: Vec<T>,
}

/// Every error the REST API answers: `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// The stable, machine-readable `code` and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}

impl ErrorBody {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            error: ErrorDetail {
                code: code.into(),
                message: message.into(),
            },
        }
    }
}

impl fmt::Debug for Invitation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Invitation")
            .field("created_date_time", &self.created_date_time)
            .field("expires_date_time", &self.expires_date_time)
            .field("id", &self.id)
            .field(
                "invite_redeem_url",
                &self.invite_redeem_url.as_ref().map(|_| "[redacted]"),
            )
            .field("invite_redirect_url", &self.invite_redirect_url)
            .field("invited_user", &self.invited_user)
            .field("invited_user_display_name", &self.invited_user_display_name)
            .field(
                "invited_user_email_address",
                &self.invited_user_email_address,
            )
            .field("redeemed_date_time", &self.redeemed_date_time)
            .field("status", &self.status)
            .finish()
    }
}

impl From<&app::invitations::ssr::Invitation> for Invitation {
    fn from(invitation: &app::invitations::ssr::Invitation) -> Self {
        Self {
            created_date_time: date_time(invitation.created_at),
            expires_date_time: date_time(invitation.expires_at),
            id: invitation.id.clone(),
            invite_redeem_url: None,
            invite_redirect_url: invitation.redirect_url.to_string(),
            invited_user: InvitedUser {
                id: invitation.guest_user_id.clone(),
                user_principal_name: invitation.guest_upn.to_string(),
            },
            invited_user_display_name: invitation.invited_name.clone(),
            invited_user_email_address: invitation.invited_email.to_string(),
            redeemed_date_time: invitation.redeemed_at.map(date_time),
            status: invitation.status,
        }
    }
}

impl From<&app::invitations::ssr::IssuedInvitation> for Invitation {
    fn from(issued: &app::invitations::ssr::IssuedInvitation) -> Self {
        use secrecy::ExposeSecret;
        Self {
            invite_redeem_url: Some(issued.redeem_url.expose_secret().to_owned()),
            ..Self::from(&issued.invitation)
        }
    }
}

impl From<&app::users::ssr::UserListItem> for User {
    fn from(user: &app::users::ssr::UserListItem) -> Self {
        Self {
            account_enabled: user.account_enabled,
            display_name: user.display_name.clone(),
            external_user_state: user.external_user_state,
            id: user.id.clone(),
            mail: user.mail.as_ref().map(ToString::to_string),
            method_details: user
                .methods
                .iter()
                .map(|summary| UserMethods {
                    count: summary.count,
                    last_used_date_time: summary.last_used_at.map(date_time),
                    kind: summary.method.as_str().to_owned(),
                })
                .collect(),
            methods: user
                .methods
                .iter()
                .map(|summary| summary.method.as_str().to_owned())
                .collect(),
            user_principal_name: user.upn.to_string(),
            user_type: user.user_type,
        }
    }
}

/// A conditional-access policy, as `/api/v1/policies` answers it: Graph's
/// `conditionalAccessPolicy`, narrowed to what a Gatehouse policy holds
/// (DESIGN §2 Policy):
///
/// - `state`: `enabled`, `disabled` or `enabledForReportingButNotEnforced`
///   (report-only);
/// - `conditions.users.includeUsers`: `["All"]`, `["GuestsOrExternalUsers"]`,
///   `["Members"]` (Gatehouse's own value: the tenant's members), or user
///   ids; `excludeUsers`: user ids. Requests may name users by UPN too;
///   answers give ids;
/// - `conditions.applications.includeApplications`: `["All"]` or
///   application ids;
/// - `grantControls.builtInControls`: `["mfa"]` or `[]`;
///   `authenticationStrength`: `{phishingResistantOnly}` (Graph names a
///   strength object; Gatehouse knows one: passkeys and security keys only),
///   `null` for any method;
/// - `sessionControls.signInFrequency`: how long an MFA stays fresh,
///   `{value, type: "minutes"}` (requests may say `hours` or `days`);
///   `sessionControls` is `null` when the session's MFA counts throughout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConditionalAccessPolicy {
    pub conditions: PolicyConditions,
    /// RFC 3339.
    pub created_date_time: String,
    pub display_name: String,
    pub grant_controls: GrantControls,
    pub id: String,
    /// RFC 3339.
    pub modified_date_time: String,
    pub session_controls: Option<SessionControls>,
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyConditions {
    pub applications: ApplicationConditions,
    pub users: UserConditions,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationConditions {
    pub include_applications: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserConditions {
    pub exclude_users: Vec<String>,
    pub include_users: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantControls {
    pub authentication_strength: Option<AuthenticationStrength>,
    pub built_in_controls: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationStrength {
    pub phishing_resistant_only: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionControls {
    pub sign_in_frequency: SignInFrequency,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInFrequency {
    /// Always `minutes` in answers.
    #[serde(rename = "type")]
    pub kind: String,
    pub value: u32,
}

/// `includeUsers`' and `includeApplications`' keywords.
pub const ALL: &str = "All";
pub const GUESTS_OR_EXTERNAL_USERS: &str = "GuestsOrExternalUsers";
pub const MEMBERS: &str = "Members";
/// The one built-in grant control.
pub const MFA: &str = "mfa";

/// A policy state's Graph name.
pub fn policy_state(state: app::policies::PolicyState) -> &'static str {
    use app::policies::PolicyState;
    match state {
        PolicyState::On => "enabled",
        PolicyState::Off => "disabled",
        PolicyState::ReportOnly => "enabledForReportingButNotEnforced",
    }
}

impl From<&app::policies::ssr::Policy> for ConditionalAccessPolicy {
    fn from(policy: &app::policies::ssr::Policy) -> Self {
        use app::policies::ssr::{Applications, Include};
        let include_users = match &policy.include {
            Include::All => vec![ALL.to_owned()],
            Include::Guests => vec![GUESTS_OR_EXTERNAL_USERS.to_owned()],
            Include::Members => vec![MEMBERS.to_owned()],
            Include::Listed(ids) => ids.clone(),
        };
        let include_applications = match &policy.applications {
            Applications::All => vec![ALL.to_owned()],
            Applications::Listed(ids) => ids.clone(),
        };
        let grant = policy.grant;
        Self {
            conditions: PolicyConditions {
                applications: ApplicationConditions {
                    include_applications,
                },
                users: UserConditions {
                    exclude_users: policy.exclude.clone(),
                    include_users,
                },
            },
            created_date_time: date_time(policy.created_at),
            display_name: policy.name.clone(),
            grant_controls: GrantControls {
                authentication_strength: grant.require_mfa.then_some(AuthenticationStrength {
                    phishing_resistant_only: grant.phishing_resistant_only,
                }),
                built_in_controls: if grant.require_mfa {
                    vec![MFA.to_owned()]
                } else {
                    Vec::new()
                },
            },
            id: policy.id.clone(),
            modified_date_time: date_time(policy.updated_at),
            session_controls: policy.mfa_freshness.map(|freshness| SessionControls {
                sign_in_frequency: SignInFrequency {
                    kind: "minutes".to_owned(),
                    value: freshness.minutes(),
                },
            }),
            state: policy_state(policy.state).to_owned(),
        }
    }
}

/// Inbound trust for a partner tenant, or the default, as
/// `/api/v1/partners` answers it: Graph's
/// `crossTenantAccessPolicyConfigurationPartner` (and `…Default`) with the
/// one setting Gatehouse has, `inboundTrust.isMfaAccepted`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartnerConfiguration {
    pub inbound_trust: InboundTrust,
    /// The default for partners without a configuration of their own.
    pub is_default: bool,
    /// The partner tenant's id; `null` for the default.
    pub tenant_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InboundTrust {
    /// Accept the MFA a guest already did at home in the partner tenant.
    pub is_mfa_accepted: bool,
}

impl PartnerConfiguration {
    pub fn default_trust(is_mfa_accepted: bool) -> Self {
        Self {
            inbound_trust: InboundTrust { is_mfa_accepted },
            is_default: true,
            tenant_id: None,
        }
    }
}

impl From<&app::partners::ssr::PartnerSetting> for PartnerConfiguration {
    fn from(setting: &app::partners::ssr::PartnerSetting) -> Self {
        Self {
            inbound_trust: InboundTrust {
                is_mfa_accepted: setting.inbound_trust_mfa,
            },
            is_default: false,
            tenant_id: Some(setting.partner.id.clone()),
        }
    }
}

/// An audit event, as `/api/v1/audit` answers it: Graph's `directoryAudit`
/// flattened to Gatehouse's trail (DESIGN §2), named as the filters are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// The audit name (`signin`, `policy.update`, …).
    pub action: String,
    /// RFC 3339.
    pub activity_date_time: String,
    /// Who acted: a UPN, an e-mail address, `api-token:…`, `gatehouse cli`.
    pub actor: Option<String>,
    /// The event's facts, as recorded.
    pub detail: serde_json::Value,
    pub id: String,
    pub ip_address: Option<String>,
    /// `success` or `failure`.
    pub outcome: String,
    /// What was acted on.
    pub target: Option<String>,
}

impl From<&app::audit_log::ssr::AuditEvent> for AuditEvent {
    fn from(event: &app::audit_log::ssr::AuditEvent) -> Self {
        Self {
            action: event.action.clone(),
            activity_date_time: date_time(event.at),
            actor: event.actor.clone(),
            detail: event.detail_json(),
            id: event.id.to_string(),
            ip_address: event.ip.clone(),
            outcome: event.outcome.as_str().to_owned(),
            target: event.target.clone(),
        }
    }
}

/// RFC 3339, for the `…DateTime` fields.
pub fn date_time(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|at| {
            at.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;
    use serde_json::json;

    use super::*;
    use app::domain::{Email, InvitationMessage, RedirectUrl, Upn};

    fn stored(redeemed_at: Option<i64>) -> app::invitations::ssr::Invitation {
        app::invitations::ssr::Invitation {
            id: "inv-1".into(),
            tenant_id: "t-1".into(),
            guest_user_id: "u-1".into(),
            guest_upn: Upn::parse("bob_fabrikam.test#EXT#@woodgrove.test").unwrap(),
            invited_email: Email::parse("bob@fabrikam.test").unwrap(),
            invited_name: None,
            redirect_url: RedirectUrl::parse("https://myapps.test/").unwrap(),
            message: InvitationMessage::parse("hello").unwrap(),
            status: InvitationStatus::PendingAcceptance,
            created_by: "gatehouse cli".into(),
            created_at: 1_700_000_000,
            expires_at: 1_702_592_000,
            redeemed_at,
            send_email: false,
        }
    }

    /// What the API wrote for `stored(…)` with `json!` before these types.
    fn written_before(redeemed_date_time: serde_json::Value) -> serde_json::Value {
        json!({
            "id": "inv-1",
            "invitedUserEmailAddress": "bob@fabrikam.test",
            "invitedUserDisplayName": null,
            "inviteRedirectUrl": "https://myapps.test/",
            "status": "PendingAcceptance",
            "createdDateTime": "2023-11-14T22:13:20Z",
            "expiresDateTime": "2023-12-14T22:13:20Z",
            "redeemedDateTime": redeemed_date_time,
            "invitedUser": { "id": "u-1", "userPrincipalName": "bob_fabrikam.test#EXT#@woodgrove.test" },
        })
    }

    #[test]
    fn an_invitation_serialises_to_the_bytes_the_json_macro_wrote() {
        let invitation = stored(Some(1_700_000_100));
        assert_eq!(
            serde_json::to_string(&Invitation::from(&invitation)).unwrap(),
            written_before(json!("2023-11-14T22:15:00Z")).to_string()
        );
    }

    #[test]
    fn an_issued_invitation_adds_its_redeem_url_and_debug_hides_it() {
        let issued = app::invitations::ssr::IssuedInvitation {
            invitation: stored(None),
            redeem_url: SecretString::from("http://localhost:3000/redeem?ticket=s3cret"),
        };
        let dto = Invitation::from(&issued);
        let mut before = written_before(serde_json::Value::Null);
        before["inviteRedeemUrl"] = json!("http://localhost:3000/redeem?ticket=s3cret");
        assert_eq!(serde_json::to_string(&dto).unwrap(), before.to_string());
        assert!(!format!("{dto:?}").contains("s3cret"));
    }

    #[test]
    fn an_invitation_reads_back_what_it_writes() {
        let dto = Invitation::from(&stored(None));
        let text = serde_json::to_string(&dto).unwrap();
        assert!(!text.contains("inviteRedeemUrl"));
        assert_eq!(serde_json::from_str::<Invitation>(&text).unwrap(), dto);
    }

    #[test]
    fn a_user_serialises_with_graphs_field_names() {
        use app::users::ssr::MethodSummary;
        use app::users::MethodType;
        let guest = app::users::ssr::UserListItem {
            id: "u-1".into(),
            upn: Upn::parse("bob_fabrikam.test#EXT#@woodgrove.test").unwrap(),
            display_name: "Bob".into(),
            mail: Some(Email::parse("bob@fabrikam.test").unwrap()),
            user_type: UserType::Guest,
            external_user_state: Some(ExternalUserState::PendingAcceptance),
            is_admin: false,
            account_enabled: true,
            methods: vec![
                MethodSummary {
                    method: MethodType::Totp,
                    count: 1,
                    last_used_at: Some(1_700_000_000),
                },
                MethodSummary {
                    method: MethodType::RecoveryCodes,
                    count: 9,
                    last_used_at: None,
                },
            ],
        };
        let member = app::users::ssr::UserListItem {
            id: "u-2".into(),
            upn: Upn::parse("megan@woodgrove.test").unwrap(),
            display_name: "Megan".into(),
            mail: None,
            user_type: UserType::Member,
            external_user_state: None,
            is_admin: true,
            account_enabled: false,
            methods: Vec::new(),
        };
        let page = Page {
            next: Some("bWVnYW4".into()),
            value: vec![User::from(&guest), User::from(&member)],
        };
        let before = json!({
            "value": [
                {
                    "accountEnabled": true,
                    "id": "u-1",
                    "userPrincipalName": "bob_fabrikam.test#EXT#@woodgrove.test",
                    "displayName": "Bob",
                    "mail": "bob@fabrikam.test",
                    "userType": "Guest",
                    "externalUserState": "PendingAcceptance",
                    "methods": ["totp", "recoveryCodes"],
                    "methodDetails": [
                        { "type": "totp", "count": 1, "lastUsedDateTime": "2023-11-14T22:13:20Z" },
                        { "type": "recoveryCodes", "count": 9, "lastUsedDateTime": null },
                    ],
                },
                {
                    "accountEnabled": false,
                    "id": "u-2",
                    "userPrincipalName": "megan@woodgrove.test",
                    "displayName": "Megan",
                    "mail": null,
                    "userType": "Member",
                    "externalUserState": null,
                    "methods": [],
                    "methodDetails": [],
                },
            ],
            "next": "bWVnYW4",
        });
        assert_eq!(serde_json::to_string(&page).unwrap(), before.to_string());
        assert_eq!(serde_json::from_value::<Page<User>>(before).unwrap(), page);
    }

    #[test]
    fn an_application_has_graphs_field_names_and_its_secret_only_when_made() {
        use app::applications::ssr::{Application as Stored, CreatedApplication};
        use app::domain::{ApplicationName, ClientType, RedirectUris};
        let application = Stored {
            id: "a-1".into(),
            tenant_id: "t-1".into(),
            name: ApplicationName::parse("Foo").unwrap(),
            client_id: "00000000-0000-4000-8000-00000000f000".into(),
            client_type: ClientType::Confidential,
            redirect_uris: RedirectUris::parse(&["https://foo.test/cb"]).unwrap(),
            assignment_required: false,
            created_at: 1_700_000_000,
        };
        let shown = json!({
            "appId": "00000000-0000-4000-8000-00000000f000",
            "appRoleAssignmentRequired": false,
            "createdDateTime": "2023-11-14T22:13:20Z",
            "displayName": "Foo",
            "id": "a-1",
            "isPublicClient": false,
            "redirectUris": ["https://foo.test/cb"],
        });
        assert_eq!(
            serde_json::to_value(Application::from(&application)).unwrap(),
            shown
        );
        let created = CreatedApplication {
            application,
            client_secret: Some(SecretString::from("s3cret")),
        };
        let dto = Application::from(&created);
        let mut with_secret = shown;
        with_secret["clientSecret"] = json!("s3cret");
        assert_eq!(serde_json::to_value(&dto).unwrap(), with_secret);
        assert!(!format!("{dto:?}").contains("s3cret"));
    }

    #[test]
    fn a_policy_serialises_in_graphs_conditional_access_shape() {
        use app::policies::ssr::{Applications, Grant, Include, Policy};
        use app::policies::{MfaFreshness, PolicyState};
        let policy = Policy {
            id: "p-1".into(),
            tenant_id: "t-1".into(),
            name: "MFA for guests".into(),
            state: PolicyState::ReportOnly,
            include: Include::Guests,
            exclude: vec!["u-1".into()],
            applications: Applications::Listed(vec!["a-1".into()]),
            grant: Grant {
                require_mfa: true,
                phishing_resistant_only: false,
            },
            mfa_freshness: Some(MfaFreshness::from_minutes(60).unwrap()),
            created_at: 1_700_000_000,
            updated_at: 1_700_000_100,
        };
        let dto = ConditionalAccessPolicy::from(&policy);
        let expected = json!({
            "conditions": {
                "applications": { "includeApplications": ["a-1"] },
                "users": { "excludeUsers": ["u-1"], "includeUsers": ["GuestsOrExternalUsers"] },
            },
            "createdDateTime": "2023-11-14T22:13:20Z",
            "displayName": "MFA for guests",
            "grantControls": {
                "authenticationStrength": { "phishingResistantOnly": false },
                "builtInControls": ["mfa"],
            },
            "id": "p-1",
            "modifiedDateTime": "2023-11-14T22:15:00Z",
            "sessionControls": { "signInFrequency": { "type": "minutes", "value": 60 } },
            "state": "enabledForReportingButNotEnforced",
        });
        assert_eq!(serde_json::to_value(&dto).unwrap(), expected);
        assert_eq!(
            serde_json::from_value::<ConditionalAccessPolicy>(expected).unwrap(),
            dto
        );
    }

    #[test]
    fn an_error_has_a_code_and_a_message_under_error() {
        let body = ErrorBody::new("notFound", "This API path was not found.");
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({ "error": { "code": "notFound", "message": "This API path was not found." } })
        );
    }
}
