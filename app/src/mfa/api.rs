//! Server functions of the proof-up and challenge steps. Each authorises on
//! its own: a signed-in person acting on their own user object in the
//! tenant named in its arguments, never anyone else's.

use leptos::prelude::*;

use webauthn_rs_proto::{PublicKeyCredential, RegisterPublicKeyCredential};

use super::{MfaContext, PasskeyCreation, PasskeyRequest, ProofUpDone, TotpSetupView};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::mfa::ssr::subject::Subject;

/// Who is taking the step — also a member whose sign-in still owes their
/// home tenant's MFA, since these steps are how they pay it.
#[cfg(feature = "ssr")]
async fn subject(request: &crate::ssr::request::Request, slug: &str) -> Result<Subject, AppError> {
    use crate::mfa::ssr::subject::{find_subject, SignIn};
    find_subject(request, slug, SignIn::MayOweHomeMfa).await
}

/// Whether the subject may add a method now: always for their first (that
/// is proof-up), else only with a recent MFA with the tenant (step-up) —
/// a password alone must not be enough to add the thief's authenticator.
#[cfg(feature = "ssr")]
async fn may_add_method(
    request: &crate::ssr::request::Request,
    subject: &Subject,
) -> Result<bool, AppError> {
    use crate::mfa::ssr::methods::list_methods;
    use crate::ssr::request::respond;

    let mut conn = respond(request.state.pool.acquire().await.map_err(Into::into))?;
    let methods = respond(list_methods(&mut conn, &subject.user.id).await)?;
    may_add_beside(&mut conn, request, subject, &methods).await
}

/// [`may_add_method`] for a caller that has read the subject's `methods`.
#[cfg(feature = "ssr")]
async fn may_add_beside(
    conn: &mut crate::ssr::db::Conn,
    request: &crate::ssr::request::Request,
    subject: &Subject,
    methods: &[crate::mfa::ssr::methods::Method],
) -> Result<bool, AppError> {
    use crate::mfa::ssr::step_up::has_recent_mfa;
    use crate::ssr::request::respond;

    if methods.is_empty() {
        return Ok(true);
    }
    let session = &subject.principal.session;
    let now = request.state.now();
    respond(has_recent_mfa(conn, session, &subject.tenant.id, now).await)
}

/// `next` when it is a local path; My Apps otherwise.
#[cfg(feature = "ssr")]
fn local_or_home(next: Option<String>) -> String {
    next.filter(|next| crate::domain::is_local_path(next))
        .unwrap_or_else(|| "/myapps".to_owned())
}

/// Who the steps are for in `tenant`, and whether they have a method yet.
#[server(endpoint = "mfa_for_tenant")]
pub async fn mfa_for_tenant(tenant: String, next: Option<String>) -> Result<MfaContext, AppError> {
    use crate::mfa::ssr::methods::list_methods;
    use crate::ssr::request::{respond, Request};

    let request = Request::current()?;
    let subject = subject(&request, &tenant).await?;
    let mut conn = respond(request.state.pool.acquire().await.map_err(Into::into))?;
    let methods = respond(list_methods(&mut conn, &subject.user.id).await)?;
    let may_add = may_add_beside(&mut conn, &request, &subject, &methods).await?;
    let kinds = [super::MethodKind::Totp, super::MethodKind::Webauthn]
        .into_iter()
        .filter(|kind| methods.iter().any(|method| method.kind == *kind))
        .collect();
    Ok(MfaContext {
        tenant_slug: subject.tenant.slug.as_str().to_owned(),
        tenant_name: subject.tenant.display_name,
        upn: subject.user.upn.as_str().to_owned(),
        has_methods: !methods.is_empty(),
        may_add,
        kinds,
        passkeys_available: crate::mfa::ssr::webauthn::is_available(
            &request.state.config.public_url,
        ),
        next: local_or_home(next),
    })
}

/// Starts setting up an authenticator app: the QR code and the secret,
/// shown once.
#[server(endpoint = "totp_begin")]
pub async fn totp_begin(tenant: String, name: String) -> Result<TotpSetupView, AppError> {
    use crate::domain::DisplayName;
    use crate::mfa::ssr::methods::begin_totp;
    use crate::ssr::request::{fail, respond, Request};
    use secrecy::ExposeSecret;

    let request = Request::current()?;
    let subject = subject(&request, &tenant).await?;
    let name = DisplayName::parse(&name).map_err(|e| fail(AppError::invalid("name", e)))?;
    if !may_add_method(&request, &subject).await? {
        return Err(fail(AppError::MfaRequired));
    }
    let state = &request.state;
    let enrolment = respond(
        begin_totp(
            &state.pool,
            &state.secret_key,
            &subject.tenant,
            &subject.user,
            &name,
            state.now(),
        )
        .await,
    )?;
    Ok(TotpSetupView {
        method_id: enrolment.method_id,
        qr_svg: enrolment.qr_svg.expose_secret().to_owned(),
        secret_text: enrolment.secret_text.expose_secret().to_owned(),
    })
}

/// Finishes setting up an authenticator app with its first code. Proving
/// the new method counts as passing MFA with the tenant: the session is
/// rotated and records it.
#[server(endpoint = "totp_confirm")]
pub async fn totp_confirm(
    tenant: String,
    method_id: String,
    code: String,
    next: Option<String>,
) -> Result<ProofUpDone, AppError> {
    use crate::domain::TotpCode;
    use crate::mfa::ssr::methods::NewMethod;
    use crate::ssr::request::{fail, Request};

    let request = Request::current()?;
    let subject = subject(&request, &tenant).await?;
    let code = TotpCode::parse(&code).map_err(|e| fail(AppError::invalid("code", e)))?;
    let proof = NewMethod::Totp {
        method_id: &method_id,
        code: &code,
    };
    finish_proof_up(&request, &subject, proof, next).await
}

/// Activates the method `proof` proves, records the MFA on the session
/// (rotated) and answers the recovery codes of a first method.
#[cfg(feature = "ssr")]
async fn finish_proof_up(
    request: &crate::ssr::request::Request,
    subject: &Subject,
    proof: crate::mfa::ssr::methods::NewMethod<'_>,
    next: Option<String>,
) -> Result<ProofUpDone, AppError> {
    use crate::ssr::request::respond;

    let state = &request.state;
    let (activated, token) = respond(
        crate::mfa::ssr::methods::finish_proof_up(
            &state.pool,
            &state.secret_key,
            &subject.user,
            &subject.principal.session,
            proof,
            &subject.actor,
            state.now(),
        )
        .await,
    )?;
    request.set_session_cookie(&token)?;
    Ok(ProofUpDone {
        recovery_codes: activated
            .recovery_codes
            .iter()
            .map(|code| code.expose().to_owned())
            .collect(),
        next: local_or_home(next),
    })
}

/// The relying party that `subject`'s tenant's passkeys belong to.
#[cfg(feature = "ssr")]
fn relying_party(
    request: &crate::ssr::request::Request,
    subject: &Subject,
) -> Result<webauthn_rs::prelude::Webauthn, AppError> {
    let public_url = &request.state.config.public_url;
    crate::ssr::request::respond(crate::mfa::ssr::webauthn::relying_party(
        public_url,
        &subject.tenant,
    ))
}

/// Starts registering a passkey or security key named `name`: the options
/// for `navigator.credentials.create()`. A further method needs step-up,
/// as for an authenticator app.
#[server(endpoint = "passkey_register_begin")]
pub async fn passkey_register_begin(
    tenant: String,
    name: String,
) -> Result<PasskeyCreation, AppError> {
    use crate::domain::DisplayName;
    use crate::mfa::ssr::webauthn::begin_registration;
    use crate::ssr::request::{fail, respond, Request};

    let request = Request::current()?;
    let subject = subject(&request, &tenant).await?;
    let name = DisplayName::parse(&name).map_err(|e| fail(AppError::invalid("name", e)))?;
    if !may_add_method(&request, &subject).await? {
        return Err(fail(AppError::MfaRequired));
    }
    let rp = relying_party(&request, &subject)?;
    let state = &request.state;
    let session = &subject.principal.session;
    respond(begin_registration(&state.pool, &rp, &subject.user, session, &name, state.now()).await)
}

/// Finishes registering a passkey with the browser's answer. Proving the
/// new key counts as passing MFA with the tenant, as for an app.
#[server(endpoint = "passkey_register_finish", input = server_fn::codec::Json)]
pub async fn passkey_register_finish(
    tenant: String,
    ceremony_id: String,
    response: RegisterPublicKeyCredential,
    next: Option<String>,
) -> Result<ProofUpDone, AppError> {
    use crate::mfa::ssr::methods::NewMethod;
    use crate::ssr::request::Request;

    let request = Request::current()?;
    let subject = subject(&request, &tenant).await?;
    let rp = relying_party(&request, &subject)?;
    let proof = NewMethod::Passkey {
        rp: &rp,
        ceremony_id: &ceremony_id,
        response: &response,
    };
    finish_proof_up(&request, &subject, proof, next).await
}

/// Starts the challenge with a passkey: the options for
/// `navigator.credentials.get()`.
#[server(endpoint = "passkey_verify_begin")]
pub async fn passkey_verify_begin(tenant: String) -> Result<PasskeyRequest, AppError> {
    use crate::mfa::ssr::webauthn::begin_authentication;
    use crate::ssr::request::{respond, Request};

    let request = Request::current()?;
    let subject = subject(&request, &tenant).await?;
    let rp = relying_party(&request, &subject)?;
    let state = &request.state;
    let session = &subject.principal.session;
    respond(
        begin_authentication(
            &state.pool,
            &state.secret_key,
            &rp,
            &subject.user,
            session,
            state.now(),
        )
        .await,
    )
}

/// The challenge passed with a passkey: records the MFA on the session
/// (rotated) and answers where to go on to.
#[server(endpoint = "passkey_verify_finish", input = server_fn::codec::Json)]
pub async fn passkey_verify_finish(
    tenant: String,
    ceremony_id: String,
    response: PublicKeyCredential,
    next: Option<String>,
) -> Result<String, AppError> {
    use crate::mfa::ssr::methods::Offered;
    use crate::ssr::request::Request;

    let request = Request::current()?;
    let subject = subject(&request, &tenant).await?;
    let rp = relying_party(&request, &subject)?;
    let offered = Offered::Passkey {
        rp: &rp,
        ceremony_id: &ceremony_id,
        response: &response,
    };
    pass_with(&request, &subject, offered).await?;
    Ok(local_or_home(next))
}

/// What kind of code the challenge got.
#[cfg(feature = "ssr")]
enum CodeKind {
    App,
    Recovery,
}

/// Passes the challenge with `code`, records it on the session and goes on
/// to `next`.
#[cfg(feature = "ssr")]
async fn pass(
    tenant: &str,
    kind: CodeKind,
    code: &str,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::TotpCode;
    use crate::mfa::ssr::methods::Offered;
    use crate::ssr::request::{fail, Request};

    let request = Request::current()?;
    let subject = subject(&request, tenant).await?;
    let totp;
    let offered = match kind {
        CodeKind::Recovery => Offered::RecoveryCode(code),
        CodeKind::App => {
            totp = TotpCode::parse(code).map_err(|e| fail(AppError::invalid("code", e)))?;
            Offered::Totp(&totp)
        }
    };
    pass_with(&request, &subject, offered).await?;
    leptos_axum::redirect(&local_or_home(next));
    Ok(())
}

/// Checks what was offered at the challenge and, when it passes, records
/// the MFA on the session and hands the browser the rotated cookie.
#[cfg(feature = "ssr")]
async fn pass_with(
    request: &crate::ssr::request::Request,
    subject: &Subject,
    offered: crate::mfa::ssr::methods::Offered<'_>,
) -> Result<(), AppError> {
    use crate::mfa::ssr::methods::pass_challenge;
    use crate::ssr::request::respond;

    let state = &request.state;
    let token = respond(
        pass_challenge(
            &state.pool,
            &state.secret_key,
            &subject.user,
            &subject.principal.session,
            offered,
            &subject.actor,
            state.now(),
        )
        .await,
    )?;
    request.set_session_cookie(&token)
}

/// The challenge: a code from the authenticator app. Passing rotates the
/// session, records the MFA with the tenant and goes on to `next`.
#[server(endpoint = "mfa_verify")]
pub async fn mfa_verify(
    tenant: String,
    code: String,
    next: Option<String>,
) -> Result<(), AppError> {
    pass(&tenant, CodeKind::App, &code, next).await
}

/// The challenge passed with a recovery code instead of a method.
#[server(endpoint = "mfa_recover")]
pub async fn mfa_recover(
    tenant: String,
    code: String,
    next: Option<String>,
) -> Result<(), AppError> {
    pass(&tenant, CodeKind::Recovery, &code, next).await
}
