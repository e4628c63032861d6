//! The authorization endpoint's decision (DESIGN §3.3): given a checked
//! request and the browser's session, where the browser goes next.
//!
//! Each step that needs the person — signing in, the MFA challenge or
//! proof-up — is a page of its own that sends the browser back to this
//! request when done, and the request is decided again from the start. So
//! nothing of a half-finished authorization lives anywhere but in its URL,
//! and each step is checked on every pass: a code is issued only when all
//! of them hold at once.

use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};

use super::client::is_allowed;
use super::request::{check_request, with_query, AuthorizeRequest, Prompt, Refusal, LOGIN_AFTER};
use super::{authorize_path, issuer};
use crate::auth::ssr::session::{find_tenant_mfa, Amr, TenantMfa};
use crate::auth::ssr::{find_principal, Principal};
use crate::components::encode_query_value;
use crate::domain::{HomeKind, UserType};
use crate::mfa::ssr::methods::list_methods;
use crate::mfa::MethodKind;
use crate::partners::ssr::trusts_home_mfa;
use crate::policies::ssr::{evaluate_for, MfaRequirement, Outcome};
use crate::redemption::ssr::find_pending_for;
use crate::ssr::audit::{self, Action, Event};
use crate::ssr::clock::UnixTime;
use crate::ssr::crypto::{random_token, token_hash};
use crate::ssr::db::{self, Conn};
use crate::ssr::{Actor, AppState, Result};
use crate::tenants::ssr::{find_tenant_by_id, Tenant};
use crate::users::ssr::{find_user_for_identity, User};

/// How long an authorization code may wait for the token request.
pub const CODE_SECS: i64 = 60;

/// Where the browser goes next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// A page of ours (sign-in, MFA), or the client's redirect URI with a
    /// code or an error.
    Redirect(String),
    /// The request cannot go back to the client: an error page of ours.
    Page(String),
}

/// What the ID token says of how the person authenticated, decided when
/// the code is issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authentication {
    /// RFC 8176 values, e.g. `["pwd","mfa","otp"]`.
    pub amr: Vec<String>,
    /// `"2"` with multi-factor authentication, `"1"` without.
    pub acr: String,
    /// The issuer of the home identity, for a guest.
    pub idp: Option<String>,
    /// The issuer whose MFA counted, when it was not this tenant's own: a
    /// partner tenant whose MFA this tenant trusts.
    pub mfa_idp: Option<String>,
    pub auth_time: UnixTime,
}

/// Decides the authorization request `pairs` for `tenant`.
pub async fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    ip: Option<String>,
    tenant: &Tenant,
    pairs: Vec<(String, String)>,
) -> Result<Next> {
    let public_url = state.config.public_url.origin();
    let issuer = issuer(public_url, tenant.slug.as_str());
    // The session first, on a connection of its own that it gives back:
    // waiting for a second connection while holding one deadlocks the pool
    // once as many requests as it has connections do so at once.
    let principal = find_principal(state, headers).await?;
    let mut conn = state.pool.acquire().await?;
    let request = match check_request(&mut conn, &tenant.id, pairs).await? {
        Ok(request) => request,
        Err(Refusal::Page(message)) => return Ok(Next::Page(message)),
        Err(Refusal::Redirect(error)) => return Ok(Next::Redirect(error.location(&issuer))),
    };
    let authorize_path = authorize_path(tenant.slug.as_str());
    let here = request.path(&authorize_path, &[]);
    let now = state.now();
    let refuse = |error: &'static str, description: String| {
        Next::Redirect(request.error(error, description).location(&issuer))
    };
    // A step that needs the person: an error when the client asked for none.
    let interact = |path: String, error: &'static str| {
        if request.prompt == Prompt::None {
            refuse(error, "The user must interact with the sign-in.".into())
        } else {
            Next::Redirect(path)
        }
    };
    let sign_in = |next: &str| {
        let mut path = format!("/signin?next={}", encode_query_value(next));
        if let Some(hint) = &request.login_hint {
            path.push_str(&format!("&login_hint={}", encode_query_value(hint)));
        }
        interact(path, "login_required")
    };

    // 1. Signed in at home, recently enough for the client.
    let fresh_login = || {
        request.path(
            &authorize_path,
            &[("prompt", None), (LOGIN_AFTER, Some(now.to_string()))],
        )
    };
    if request.prompt == Prompt::Login && request.login_after.is_none() {
        return Ok(sign_in(&fresh_login()));
    }
    let Some(principal) = principal else {
        return Ok(sign_in(&here));
    };
    let session = &principal.session;
    if let Some(after) = request.login_after {
        if session.authenticated_at < after {
            return Ok(sign_in(&here));
        }
    } else if let Some(max_age) = request.max_age {
        if now - session.authenticated_at > max_age {
            return Ok(sign_in(&fresh_login()));
        }
    }
    if let Some(home) = &principal.home_mfa_due {
        return Ok(interact(
            crate::mfa::verify_path(home.as_str(), &here),
            "interaction_required",
        ));
    }

    // 2. The user object in this tenant, and 3. its assignment.
    let Some(user) = find_user_for_identity(&mut conn, &tenant.id, &principal.identity).await?
    else {
        // An invitation the person owns and has not redeemed yet: consent
        // now, and come back as the guest (DESIGN §3.3 step 2).
        if find_pending_for(&mut conn, &tenant.id, &principal.identity, now)
            .await?
            .is_some()
        {
            let consent = format!(
                "/redeem/consent?tenant={}&next={}",
                encode_query_value(tenant.slug.as_str()),
                encode_query_value(&here)
            );
            return Ok(interact(consent, "consent_required"));
        }
        return Ok(refuse(
            "access_denied",
            format!(
                "{} has no account in {} that can sign in.",
                principal.identity.sign_in_name(),
                tenant.display_name
            ),
        ));
    };
    if !is_allowed(&mut conn, &request.client, &user.id).await? {
        return Ok(refuse(
            "access_denied",
            format!(
                "{} is not assigned to {}.",
                user.upn.as_str(),
                request.client.display_name
            ),
        ));
    }

    // 4. MFA, when the tenant's policies ask for it.
    let outcome = evaluate_for(
        &mut conn,
        &tenant.id,
        &user.id,
        user.user_type,
        &request.client.application_id,
    )
    .await?;
    let tenant_mfa = find_tenant_mfa(&mut conn, &session.id_hash, &tenant.id).await?;
    let mut mfa = tenant_mfa.clone();
    let mut mfa_idp = None;
    if let Some(required) = &outcome.mfa {
        if !meets(tenant_mfa.as_ref(), required, now) {
            match trusted_home_mfa(
                &mut conn, public_url, tenant, &user, &principal, required, now,
            )
            .await?
            {
                Some((home_mfa, home_issuer)) => {
                    mfa = Some(home_mfa);
                    mfa_idp = Some(home_issuer);
                }
                None => {
                    let methods = list_methods(&mut conn, &user.id).await?;
                    let usable = methods.iter().any(|method| {
                        !required.phishing_resistant_only || method.kind == MethodKind::Webauthn
                    });
                    let step = if usable {
                        crate::mfa::verify_path(tenant.slug.as_str(), &here)
                    } else {
                        crate::mfa::setup_path(tenant.slug.as_str(), &here)
                    };
                    return Ok(interact(step, "interaction_required"));
                }
            }
        }
    }

    // 5. The code.
    let idp = home_issuer(&mut conn, public_url, &user).await?;
    let authentication = authentication(
        session.authenticated_at,
        &session.amr,
        mfa.as_ref(),
        idp,
        mfa_idp,
    );
    drop(conn);
    let actor = Actor::identity(&principal.identity, ip);
    let code = issue_code(
        state,
        &request,
        &user,
        &principal,
        &authentication,
        &outcome,
        &actor,
    )
    .await?;
    let mut pairs = vec![("code", code.as_str())];
    if let Some(state) = &request.state {
        pairs.push(("state", state));
    }
    pairs.push(("iss", &issuer));
    Ok(Next::Redirect(with_query(&request.redirect_uri, &pairs)))
}

/// Whether the session's MFA with a tenant meets `required` at `now`.
fn meets(mfa: Option<&TenantMfa>, required: &MfaRequirement, now: UnixTime) -> bool {
    mfa.is_some_and(|mfa| required.is_met_by(mfa.at, is_phishing_resistant(mfa), now))
}

/// A passkey or security key took part (WebAuthn is bound to the origin).
fn is_phishing_resistant(mfa: &TenantMfa) -> bool {
    mfa.amr.iter().any(|amr| matches!(amr, Amr::Hwk | Amr::Swk))
}

/// Inbound trust (DESIGN §1, §3.3 step 4): a guest with a work account of a
/// tenant this one trusts for MFA, whose session did MFA with that home
/// tenant (security defaults or its policies) meeting `required` — that
/// MFA, and the home tenant's issuer. Without trust, none: the resource
/// tenant challenges, also when the home tenant did MFA.
async fn trusted_home_mfa(
    conn: &mut Conn,
    public_url: &str,
    tenant: &Tenant,
    user: &User,
    principal: &Principal,
    required: &MfaRequirement,
    now: UnixTime,
) -> Result<Option<(TenantMfa, String)>> {
    let home = principal
        .identity
        .member()
        .filter(|home| home.tenant_id != tenant.id && user.user_type == UserType::Guest);
    let Some(home) = home else { return Ok(None) };
    if !trusts_home_mfa(conn, &tenant.id, &home.tenant_id).await? {
        return Ok(None);
    }
    let home_mfa = find_tenant_mfa(conn, &principal.session.id_hash, &home.tenant_id).await?;
    let Some(home_mfa) =
        home_mfa.filter(|mfa| mfa.amr.contains(&Amr::Mfa) && meets(Some(mfa), required, now))
    else {
        return Ok(None);
    };
    let Some(home_tenant) = find_tenant_by_id(conn, &home.tenant_id).await? else {
        return Ok(None);
    };
    Ok(Some((
        home_mfa,
        issuer(public_url, home_tenant.slug.as_str()),
    )))
}

/// The issuer of a guest's home identity; none for a member.
async fn home_issuer(conn: &mut Conn, public_url: &str, user: &User) -> Result<Option<String>> {
    let row = sqlx::query!(
        "SELECT home_kind, home_tenant_id FROM users WHERE id = $1",
        user.id
    )
    .fetch_one(&mut *conn)
    .await?;
    let kind = row
        .home_kind
        .as_deref()
        .map(HomeKind::parse)
        .transpose()
        .map_err(|source| crate::ssr::Error::Corrupt {
            what: "users.home_kind",
            source,
        })?;
    Ok(match (kind, row.home_tenant_id) {
        (Some(HomeKind::Work), Some(home)) => find_tenant_by_id(conn, &home)
            .await?
            .map(|home| issuer(public_url, home.slug.as_str())),
        (Some(HomeKind::Personal), _) => Some(format!("{public_url}/personal")),
        (Some(HomeKind::EmailOtp), _) => Some("mail".to_owned()),
        _ => None,
    })
}

/// The ID token's account of the sign-in: the home sign-in's methods, then
/// those of the MFA that counted.
fn authentication(
    auth_time: UnixTime,
    home: &[Amr],
    mfa: Option<&TenantMfa>,
    idp: Option<String>,
    mfa_idp: Option<String>,
) -> Authentication {
    let mut amr: Vec<String> = Vec::new();
    let mut add = |value: Amr| {
        let value = value.as_str().to_owned();
        if !amr.contains(&value) {
            amr.push(value);
        }
    };
    home.iter().copied().for_each(&mut add);
    if let Some(mfa) = mfa {
        add(Amr::Mfa);
        mfa.amr
            .iter()
            .copied()
            .filter(|amr| *amr != Amr::Mfa)
            .for_each(&mut add);
    }
    let acr = if amr.iter().any(|value| value == "mfa") {
        "2"
    } else {
        "1"
    };
    Authentication {
        amr,
        acr: acr.to_owned(),
        idp,
        mfa_idp,
        auth_time,
    }
}

/// Stores a new single-use code for the request and audits the sign-in to
/// the application; returns the code.
async fn issue_code(
    state: &AppState,
    request: &AuthorizeRequest,
    user: &User,
    principal: &Principal,
    authentication: &Authentication,
    outcome: &Outcome,
    actor: &Actor,
) -> Result<String> {
    use secrecy::ExposeSecret;

    let now = state.now();
    let code = random_token::<32>();
    let code_hash = token_hash(code.expose_secret());
    let claims =
        serde_json::to_string(authentication).map_err(|source| crate::ssr::Error::Serialise {
            what: "authorization_codes.claims",
            source,
        })?;
    let expires_at = now + CODE_SECS;
    let mfa = match (&outcome.mfa, &authentication.mfa_idp) {
        (None, _) => "notRequired",
        (Some(_), Some(_)) => "trustedHomeTenant",
        (Some(_), None) => "thisTenant",
    };
    db::write(&state.pool, async |tx| {
        sqlx::query!(
            "INSERT INTO authorization_codes
                 (code_hash, tenant_id, application_id, user_id, session_id_hash, redirect_uri,
                  code_challenge, nonce, scope, auth_time, claims, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            code_hash,
            request.client.tenant_id,
            request.client.application_id,
            user.id,
            principal.session.id_hash,
            request.redirect_uri,
            request.code_challenge,
            request.nonce,
            request.scope,
            authentication.auth_time,
            claims,
            now,
            expires_at
        )
        .execute(tx.conn())
        .await?;
        let event = Event::success(Action::ApplicationSignIn, now)
            .by(actor)
            .tenant(&request.client.tenant_id)
            .target(user.upn.as_str())
            .detail(serde_json::json!({
                "application": request.client.display_name,
                "clientId": request.client.client_id,
                "amr": authentication.amr,
                "mfa": mfa,
                "mfaIdp": authentication.mfa_idp,
                "policies": outcome.audit_detail(),
            }));
        audit::record(tx, event).await?;
        Ok(())
    })
    .await?;
    Ok(code.expose_secret().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policies::MfaFreshness;

    fn mfa(at: UnixTime, amr: &[Amr]) -> TenantMfa {
        TenantMfa {
            at,
            amr: amr.to_vec(),
        }
    }

    #[test]
    fn an_mfa_counts_while_fresh_and_of_the_strength_asked() {
        let required = |phishing_resistant_only| MfaRequirement {
            phishing_resistant_only,
            freshness: Some(MfaFreshness::from_minutes(10).expect("minutes")),
            policies: Vec::new(),
        };
        let otp = mfa(1000, &[Amr::Otp, Amr::Mfa]);
        let key = mfa(1000, &[Amr::Hwk, Amr::Mfa]);
        assert!(meets(Some(&otp), &required(false), 1600));
        assert!(!meets(Some(&otp), &required(false), 1601), "stale");
        assert!(
            !meets(Some(&otp), &required(true), 1000),
            "an app code is not phishing-resistant"
        );
        assert!(meets(Some(&key), &required(true), 1000));
        assert!(!meets(None, &required(false), 1000));
    }

    #[test]
    fn amr_lists_the_home_sign_in_then_the_mfa() {
        let with_mfa = authentication(
            5,
            &[Amr::Pwd],
            Some(&mfa(6, &[Amr::Otp, Amr::Mfa])),
            None,
            None,
        );
        assert_eq!(with_mfa.amr, ["pwd", "mfa", "otp"]);
        assert_eq!(with_mfa.acr, "2");
        let key = authentication(
            5,
            &[Amr::Pwd],
            Some(&mfa(6, &[Amr::Hwk, Amr::Mfa])),
            None,
            None,
        );
        assert_eq!(key.amr, ["pwd", "mfa", "hwk"]);
        let password = authentication(5, &[Amr::Pwd], None, None, None);
        assert_eq!(password.amr, ["pwd"]);
        assert_eq!(password.acr, "1");
    }
}
