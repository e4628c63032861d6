//! Passkeys and security keys (WebAuthn) with webauthn-rs: the relying party
//! per tenant, registration and authentication ceremonies, and the stored
//! credential with its counter.
//!
//! A ceremony's state stays on the server in `webauthn_ceremonies`, bound
//! to the session and the user object that started it, and is deleted
//! (`DELETE … RETURNING`) before webauthn-rs' `finish_*` sees it: each is
//! used at most once, and not after [`CEREMONY_SECS`]. The browser gets the
//! challenge and a ceremony id, nothing else.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use webauthn_rs::prelude::{
    AuthenticationResult, Credential, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder,
    WebauthnError,
};

use super::methods::{
    challenge_failed, count_failure, issue_first_codes, seal_context, Activated, Method, Passed,
};
use crate::auth::ssr::session::{Amr, Session};
use crate::domain::DisplayName;
use crate::error::AppError;
use crate::mfa::{MethodKind, PasskeyCreation, PasskeyRequest};
use crate::ssr::audit::{self, Action, Event};
use crate::ssr::clock::UnixTime;
use crate::ssr::config::PublicUrl;
use crate::ssr::db::{self, Conn, Pool, Tx};
use crate::ssr::seal::{open_in_context, seal_in_context};
use crate::ssr::state::SecretKey;
use crate::ssr::throttle::{self, Scope};
use crate::ssr::{Actor, Error, Result, Stored};
use crate::tenants::ssr::Tenant;
use crate::users::ssr::User;

/// How long a ceremony may take, from its start to its finish.
pub const CEREMONY_SECS: i64 = 5 * 60;

/// The answer to a ceremony that is unknown, used, expired, or another
/// session's.
pub const CEREMONY_GONE: &str = "That request expired. Try again.";

/// The one answer to a key whose response does not verify — a wrong key, a
/// bad signature, a counter that went back — so it tells a forger nothing.
pub const KEY_REFUSED: &str = "Your security key or passkey could not be verified. Try again.";

fn ceremony_gone() -> AppError {
    AppError::Invalid {
        field: "credential".into(),
        message: CEREMONY_GONE.into(),
    }
}

fn key_refused() -> AppError {
    AppError::Invalid {
        field: "credential".into(),
        message: KEY_REFUSED.into(),
    }
}

/// The relying party as `tenant`'s users see it: the RP ID is the public
/// URL's host, the origin the public URL itself, the name "Gatehouse —
/// <tenant>".
pub fn relying_party(public_url: &PublicUrl, tenant: &Tenant) -> Result<Webauthn> {
    let failed = |source| Error::Webauthn {
        what: "setting up the relying party",
        source,
    };
    let origin =
        Url::parse(public_url.origin()).map_err(|_| failed(WebauthnError::Configuration))?;
    let name = format!("Gatehouse — {}", tenant.display_name);
    WebauthnBuilder::new(public_url.host(), &origin)
        .map_err(failed)?
        .rp_name(&name)
        .build()
        .map_err(failed)
}

#[derive(Clone, Copy)]
enum Purpose {
    Register,
    Authenticate,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Authenticate => "authenticate",
        }
    }
}

/// Starts registering a passkey or security key named `name` for `user`,
/// in `session`: the user's stable handle, their known credentials
/// excluded, user verification required. Whether `user` may add a method
/// now is the caller's check (proof-up or step-up).
#[tracing::instrument(skip_all, fields(user = %user.upn.as_str()))]
pub async fn begin_registration(
    pool: &Pool,
    rp: &Webauthn,
    user: &User,
    session: &Session,
    name: &DisplayName,
    now: UnixTime,
) -> Result<PasskeyCreation> {
    db::write(pool, async |tx| {
        let handle = user_handle(tx, &user.id).await?;
        let known = credential_ids(tx, &user.id).await?;
        let (options, state) = rp
            .start_passkey_registration(handle, user.upn.as_str(), &user.display_name, Some(known))
            .map_err(|source| Error::Webauthn {
                what: "starting a registration",
                source,
            })?;
        let state = to_json(&state, "a registration's state")?;
        let ceremony_id = store_ceremony(
            tx,
            session,
            &user.id,
            Purpose::Register,
            &state,
            Some(name),
            now,
        )
        .await?;
        Ok(PasskeyCreation {
            ceremony_id,
            options,
        })
    })
    .await
}

/// Finishes a registration inside the caller's transaction: takes the
/// ceremony (once), verifies the browser's answer, and stores the new
/// credential as an active method — a credential id belongs to one user
/// only. The first method brings recovery codes. Answers the method and
/// the `amr` that proving it adds; a refusal comes back as `Ok(Err(..))`.
#[allow(clippy::too_many_arguments)] // the ceremony's context, spelled out
pub(super) async fn finish_registration_in(
    tx: &mut Tx,
    key: &SecretKey,
    rp: &Webauthn,
    user: &User,
    session: &Session,
    ceremony_id: &str,
    response: &RegisterPublicKeyCredential,
    actor: &Actor,
    now: UnixTime,
) -> Result<Result<(Activated, Amr), AppError>> {
    let kind = MethodKind::Webauthn.as_str();
    let Some(ceremony) =
        take_ceremony(tx, ceremony_id, session, &user.id, Purpose::Register, now).await?
    else {
        return Ok(Err(ceremony_gone()));
    };
    let state: PasskeyRegistration = from_json(&ceremony.state, "webauthn_ceremonies.state")?;
    let passkey = match rp.finish_passkey_registration(response, &state) {
        Ok(passkey) => passkey,
        Err(error) => {
            tracing::info!(%error, "a passkey registration did not verify");
            let event = Event::failure(Action::MfaMethodAdded, now)
                .by(actor)
                .tenant(&user.tenant_id)
                .target(user.upn.as_str())
                .detail(serde_json::json!({ "kind": kind, "reason": "invalidResponse" }));
            audit::record(tx, event).await?;
            return Ok(Err(key_refused()));
        }
    };
    let credential_id = URL_SAFE_NO_PAD.encode(passkey.cred_id());
    let taken = sqlx::query_scalar!(
        "SELECT COUNT(*) FROM auth_methods WHERE credential_id = $1",
        credential_id
    )
    .fetch_one(tx.conn())
    .await?;
    if taken > 0 {
        return Ok(Err(AppError::Conflict(
            "This security key or passkey is registered already.".into(),
        )));
    }
    let credential = Credential::from(passkey.clone());
    let method_id = Uuid::new_v4().to_string();
    let sealed = seal_passkey(key, &method_id, &user.id, &passkey)?;
    let display_name = ceremony
        .display_name
        .unwrap_or_else(|| MethodKind::Webauthn.label().to_owned());
    let sign_count = i64::from(credential.counter);
    sqlx::query!(
        "INSERT INTO auth_methods (id, user_id, kind, display_name, sealed_secret, activated_at,
                                   created_at, last_used_at, credential_id, sign_count)
         VALUES ($1, $2, $3, $4, $5, $6, $6, $6, $7, $8)",
        method_id,
        user.id,
        kind,
        display_name,
        sealed,
        now,
        credential_id,
        sign_count
    )
    .execute(tx.conn())
    .await?;
    let recovery_codes = issue_first_codes(tx, key, &user.id, now).await?;
    let event = Event::success(Action::MfaMethodAdded, now)
        .by(actor)
        .tenant(&user.tenant_id)
        .target(user.upn.as_str())
        .detail(serde_json::json!({ "methodId": method_id, "kind": kind }));
    audit::record(tx, event).await?;
    let activated = Activated {
        method: Method {
            id: method_id,
            user_id: user.id.clone(),
            kind: MethodKind::Webauthn,
            display_name,
            created_at: now,
            last_used_at: Some(now),
        },
        recovery_codes,
    };
    Ok(Ok((activated, key_amr(credential.backup_eligible))))
}

/// Starts an authentication with `user`'s passkeys and security keys, in
/// `session`. `NotFound` when they have none.
#[tracing::instrument(skip_all, fields(user = %user.upn.as_str()))]
pub async fn begin_authentication(
    pool: &Pool,
    key: &SecretKey,
    rp: &Webauthn,
    user: &User,
    session: &Session,
    now: UnixTime,
) -> Result<PasskeyRequest> {
    db::write(pool, async |tx| {
        let passkeys = stored_passkeys(tx, key, &user.id).await?;
        if passkeys.is_empty() {
            return Err(AppError::NotFound("A security key or passkey".into()).into());
        }
        let (options, state) = rp
            .start_passkey_authentication(&passkeys)
            .map_err(|source| Error::Webauthn {
                what: "starting an authentication",
                source,
            })?;
        let state = to_json(&state, "an authentication's state")?;
        let ceremony_id = store_ceremony(
            tx,
            session,
            &user.id,
            Purpose::Authenticate,
            &state,
            None,
            now,
        )
        .await?;
        Ok(PasskeyRequest {
            ceremony_id,
            options,
        })
    })
    .await
}

/// Finishes an authentication inside the caller's transaction: throttled
/// like codes, the ceremony taken once, the assertion verified, and the
/// counter raised by a conditional update — a counter that did not grow
/// means a cloned key: refused and audited. Every failure is counted.
#[allow(clippy::too_many_arguments)] // the ceremony's context, spelled out
pub(super) async fn finish_authentication_in(
    tx: &mut Tx,
    key: &SecretKey,
    rp: &Webauthn,
    user: &User,
    session: &Session,
    ceremony_id: &str,
    response: &PublicKeyCredential,
    actor: &Actor,
    now: UnixTime,
) -> Result<Result<Passed, AppError>> {
    let kind = MethodKind::Webauthn.as_str();
    if throttle::must_wait(tx, Scope::Webauthn, &user.id, now).await? {
        let event = challenge_failed(actor, user, kind, now, "throttled");
        audit::record(tx, event).await?;
        return Ok(Err(key_refused()));
    }
    let Some(ceremony) = take_ceremony(
        tx,
        ceremony_id,
        session,
        &user.id,
        Purpose::Authenticate,
        now,
    )
    .await?
    else {
        return Ok(Err(ceremony_gone()));
    };
    let state: PasskeyAuthentication = from_json(&ceremony.state, "webauthn_ceremonies.state")?;
    let result = match rp.finish_passkey_authentication(response, &state) {
        Ok(result) => result,
        Err(WebauthnError::CredentialPossibleCompromise) => {
            count_failure(
                tx,
                user,
                actor,
                Scope::Webauthn,
                kind,
                "counterRegression",
                now,
            )
            .await?;
            return Ok(Err(key_refused()));
        }
        Err(error) => {
            tracing::info!(%error, "a passkey assertion did not verify");
            count_failure(
                tx,
                user,
                actor,
                Scope::Webauthn,
                kind,
                "invalidAssertion",
                now,
            )
            .await?;
            return Ok(Err(key_refused()));
        }
    };
    let Some(method_id) = record_use(tx, key, &user.id, &result, now).await? else {
        count_failure(
            tx,
            user,
            actor,
            Scope::Webauthn,
            kind,
            "counterRegression",
            now,
        )
        .await?;
        return Ok(Err(key_refused()));
    };
    throttle::clear(tx, Scope::Webauthn, &user.id).await?;
    let event = Event::success(Action::MfaChallengePassed, now)
        .by(actor)
        .tenant(&user.tenant_id)
        .target(user.upn.as_str())
        .detail(serde_json::json!({ "kind": kind, "methodId": method_id }));
    audit::record(tx, event).await?;
    Ok(Ok(Passed {
        amr: key_amr(result.backup_eligible()),
    }))
}

/// Stores what an authentication changed on its credential — counter,
/// backup flags, last use — if the counter grew (or the key keeps none):
/// the conditional update decides, so of two assertions racing with one
/// counter value only one gets through. Answers the method's id, or `None`
/// when the counter went back or the method is gone.
async fn record_use(
    tx: &mut Tx,
    key: &SecretKey,
    user_id: &str,
    result: &AuthenticationResult,
    now: UnixTime,
) -> Result<Option<String>> {
    let credential_id = URL_SAFE_NO_PAD.encode(result.cred_id());
    let kind = MethodKind::Webauthn.as_str();
    let Some(row) = sqlx::query!(
        "SELECT id, sealed_secret FROM auth_methods
         WHERE credential_id = $1 AND user_id = $2 AND kind = $3 AND activated_at IS NOT NULL",
        credential_id,
        user_id,
        kind
    )
    .fetch_optional(tx.conn())
    .await?
    else {
        return Ok(None);
    };
    let mut passkey = open_passkey(key, &row.id, user_id, &row.sealed_secret)?;
    passkey.update_credential(result);
    let sealed = seal_passkey(key, &row.id, user_id, &passkey)?;
    let counter = i64::from(result.counter());
    let updated = sqlx::query!(
        "UPDATE auth_methods SET sealed_secret = $1, sign_count = $2, last_used_at = $3
         WHERE id = $4 AND (sign_count IS NULL OR sign_count < $2 OR (sign_count = 0 AND $2 = 0))",
        sealed,
        counter,
        now,
        row.id
    )
    .execute(tx.conn())
    .await?;
    Ok((updated.rows_affected() == 1).then_some(row.id))
}

/// RFC 8176: a key that may be synced (a passkey in a password manager) is
/// software-held; one that may not is hardware-bound.
fn key_amr(backup_eligible: bool) -> Amr {
    if backup_eligible {
        Amr::Swk
    } else {
        Amr::Hwk
    }
}

/// The user object's WebAuthn user handle, made at its first registration:
/// random, stable, and never its id or name.
async fn user_handle(tx: &mut Tx, user_id: &str) -> Result<Uuid> {
    let fresh = Uuid::new_v4().to_string();
    sqlx::query!(
        "UPDATE users SET webauthn_user_handle = $1 WHERE id = $2 AND webauthn_user_handle IS NULL",
        fresh,
        user_id
    )
    .execute(tx.conn())
    .await?;
    let handle = sqlx::query_scalar!(
        "SELECT webauthn_user_handle FROM users WHERE id = $1",
        user_id
    )
    .fetch_one(tx.conn())
    .await?;
    let handle = handle.unwrap_or_default();
    Uuid::parse_str(&handle)
        .map_err(|_| crate::domain::ParseError("not a UUID".into()))
        .stored("users.webauthn_user_handle")
}

/// The credential ids a user object has registered (to exclude them).
async fn credential_ids(conn: &mut Conn, user_id: &str) -> Result<Vec<Vec<u8>>> {
    let kind = MethodKind::Webauthn.as_str();
    let rows = sqlx::query_scalar!(
        "SELECT credential_id FROM auth_methods WHERE user_id = $1 AND kind = $2",
        user_id,
        kind
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .flatten()
        .map(|id| {
            URL_SAFE_NO_PAD
                .decode(id)
                .map_err(|_| crate::domain::ParseError("not base64url".into()))
                .stored("auth_methods.credential_id")
        })
        .collect()
}

/// A user object's active passkeys and security keys. One that does not
/// open is logged and left out, so it cannot lock its user out of the rest.
async fn stored_passkeys(conn: &mut Conn, key: &SecretKey, user_id: &str) -> Result<Vec<Passkey>> {
    let kind = MethodKind::Webauthn.as_str();
    let rows = sqlx::query!(
        "SELECT id, sealed_secret FROM auth_methods
         WHERE user_id = $1 AND kind = $2 AND activated_at IS NOT NULL
         ORDER BY created_at, id",
        user_id,
        kind
    )
    .fetch_all(conn)
    .await?;
    let mut passkeys = Vec::with_capacity(rows.len());
    for row in rows {
        match open_passkey(key, &row.id, user_id, &row.sealed_secret) {
            Ok(passkey) => passkeys.push(passkey),
            Err(error) => {
                let error = crate::ssr::Chain(&error).to_string();
                tracing::error!(method = %row.id, %error, "an MFA method does not open");
            }
        }
    }
    Ok(passkeys)
}

fn seal_passkey(
    key: &SecretKey,
    method_id: &str,
    user_id: &str,
    passkey: &Passkey,
) -> Result<Vec<u8>> {
    let json = serde_json::to_vec(passkey).map_err(|source| Error::Serialise {
        what: "a passkey",
        source,
    })?;
    Ok(seal_in_context(
        key,
        &json,
        &seal_context(method_id, user_id),
    ))
}

fn open_passkey(key: &SecretKey, method_id: &str, user_id: &str, sealed: &[u8]) -> Result<Passkey> {
    let opened =
        open_in_context(key, sealed, &seal_context(method_id, user_id)).map_err(|source| {
            Error::Unseal {
                what: "a passkey",
                source,
            }
        })?;
    serde_json::from_slice(&opened)
        .map_err(|error| crate::domain::ParseError(error.to_string()))
        .stored("auth_methods.sealed_secret")
}

fn to_json(value: &impl serde::Serialize, what: &'static str) -> Result<String> {
    serde_json::to_string(value).map_err(|source| Error::Serialise { what, source })
}

fn from_json<T: serde::de::DeserializeOwned>(json: &str, what: &'static str) -> Result<T> {
    serde_json::from_str(json)
        .map_err(|error| crate::domain::ParseError(error.to_string()))
        .stored(what)
}

/// Stores a ceremony's state for `session` and `user_id`, and clears the
/// expired ones of everybody on the way.
async fn store_ceremony(
    tx: &mut Tx,
    session: &Session,
    user_id: &str,
    purpose: Purpose,
    state: &str,
    name: Option<&DisplayName>,
    now: UnixTime,
) -> Result<String> {
    sqlx::query!(
        "DELETE FROM webauthn_ceremonies WHERE expires_at <= $1",
        now
    )
    .execute(tx.conn())
    .await?;
    let id = Uuid::new_v4().to_string();
    let (purpose, name, expires_at) = (
        purpose.as_str(),
        name.map(DisplayName::as_str),
        now + CEREMONY_SECS,
    );
    sqlx::query!(
        "INSERT INTO webauthn_ceremonies (id, session_id_hash, user_id, purpose, state,
                                          display_name, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        id,
        session.id_hash,
        user_id,
        purpose,
        state,
        name,
        now,
        expires_at
    )
    .execute(tx.conn())
    .await?;
    Ok(id)
}

struct Ceremony {
    state: String,
    display_name: Option<String>,
}

/// Takes a ceremony out of the table — deleted whatever comes next, so it
/// is used once — if it is this session's and user's, of this purpose, and
/// not expired.
async fn take_ceremony(
    tx: &mut Tx,
    id: &str,
    session: &Session,
    user_id: &str,
    purpose: Purpose,
    now: UnixTime,
) -> Result<Option<Ceremony>> {
    let purpose = purpose.as_str();
    let row = sqlx::query!(
        "DELETE FROM webauthn_ceremonies
         WHERE id = $1 AND session_id_hash = $2 AND user_id = $3 AND purpose = $4
         RETURNING state, display_name, expires_at",
        id,
        session.id_hash,
        user_id,
        purpose
    )
    .fetch_optional(tx.conn())
    .await?;
    Ok(row.filter(|row| now < row.expires_at).map(|row| Ceremony {
        state: row.state,
        display_name: row.display_name,
    }))
}

/// Whether the public URL can host passkeys at all: browsers allow
/// WebAuthn on https, and on http only for `localhost`.
pub fn is_available(public_url: &PublicUrl) -> bool {
    public_url.is_https() || public_url.host() == "localhost"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::ssr::session::{find_tenant_mfa, SessionToken};
    use crate::mfa::ssr::fixture::{fixture, Fixture, T0};
    use crate::mfa::ssr::methods::{
        finish_proof_up, list_methods, pass_challenge, NewMethod, Offered,
    };
    use crate::mfa::ssr::recovery;
    use crate::mfa::ssr::softkey::SoftKey;

    const ORIGIN: &str = "http://localhost:3100";

    fn rp(f: &Fixture) -> Webauthn {
        let public_url = PublicUrl::parse(ORIGIN).unwrap();
        relying_party(&public_url, &f.tenant).unwrap()
    }

    fn name() -> DisplayName {
        DisplayName::parse("YubiKey").unwrap()
    }

    /// Registers `key` for `user` in `session`, as the browser would.
    async fn register(
        f: &Fixture,
        user: &User,
        session: &Session,
        key: &mut SoftKey,
        now: UnixTime,
    ) -> Result<(Activated, SessionToken)> {
        let rp = rp(f);
        let creation = begin_registration(&f.pool, &rp, user, session, &name(), now).await?;
        let response = key.register(&creation.options, ORIGIN);
        let proof = NewMethod::Passkey {
            rp: &rp,
            ceremony_id: &creation.ceremony_id,
            response: &response,
        };
        finish_proof_up(&f.pool, &f.key, user, session, proof, &Actor::cli(), now).await
    }

    /// Passes the challenge with `key` for `user` in `session`.
    async fn sign_in(
        f: &Fixture,
        user: &User,
        session: &Session,
        key: &mut SoftKey,
        now: UnixTime,
    ) -> Result<SessionToken> {
        let rp = rp(f);
        let request = begin_authentication(&f.pool, &f.key, &rp, user, session, now).await?;
        let response = key.authenticate(&request.options, ORIGIN);
        answer(f, user, session, &request.ceremony_id, &response, now).await
    }

    async fn answer(
        f: &Fixture,
        user: &User,
        session: &Session,
        ceremony_id: &str,
        response: &PublicKeyCredential,
        now: UnixTime,
    ) -> Result<SessionToken> {
        let rp = rp(f);
        let offered = Offered::Passkey {
            rp: &rp,
            ceremony_id,
            response,
        };
        pass_challenge(&f.pool, &f.key, user, session, offered, &Actor::cli(), now).await
    }

    fn refused_with(result: &Result<impl std::fmt::Debug>, expected: &str) -> bool {
        matches!(result, Err(Error::Public(AppError::Invalid { message, .. })) if message == expected)
    }

    #[tokio::test]
    async fn a_passkey_becomes_an_active_method_with_recovery_codes_and_the_session_gains_hwk() {
        let f = fixture().await;
        let bob = f.member("bob").await;
        let session = f.session(&bob, T0).await;
        let mut key = SoftKey::new(1);
        let (activated, token) = register(&f, &bob, &session, &mut key, T0).await.unwrap();
        assert_eq!(activated.method.kind, MethodKind::Webauthn);
        assert_eq!(activated.method.display_name, "YubiKey");
        assert_eq!(activated.recovery_codes.len(), recovery::COUNT);
        let mut conn = f.pool.acquire().await.unwrap();
        let methods = list_methods(&mut conn, &bob.id).await.unwrap();
        assert_eq!(methods, [activated.method]);
        let mfa = find_tenant_mfa(&mut conn, &token.id_hash(), &f.tenant.id)
            .await
            .unwrap()
            .expect("proof-up counts as MFA");
        assert_eq!(mfa.amr, [Amr::Hwk, Amr::Mfa]);
        assert_eq!(f.count("mfa.method_added").await, 1);
    }

    #[tokio::test]
    async fn a_ceremony_is_used_once_by_its_own_session_and_user_within_five_minutes() {
        let f = fixture().await;
        let (bob, eve) = (f.member("bob").await, f.member("eve").await);
        let (bobs, other_bobs, eves) = (
            f.session(&bob, T0).await,
            f.session(&bob, T0).await,
            f.session(&eve, T0).await,
        );
        let rp = rp(&f);
        let key = SoftKey::new(1);
        let finish = async |user: &User, session: &Session, creation: &PasskeyCreation, now| {
            let response = key.clone().register(&creation.options, ORIGIN);
            let proof = NewMethod::Passkey {
                rp: &rp,
                ceremony_id: &creation.ceremony_id,
                response: &response,
            };
            finish_proof_up(&f.pool, &f.key, user, session, proof, &Actor::cli(), now).await
        };
        let creation = begin_registration(&f.pool, &rp, &bob, &bobs, &name(), T0)
            .await
            .unwrap();
        let other_session = finish(&bob, &other_bobs, &creation, T0).await;
        assert!(refused_with(&other_session, CEREMONY_GONE));
        let other_user = finish(&eve, &eves, &creation, T0).await;
        assert!(refused_with(&other_user, CEREMONY_GONE));
        let late = finish(&bob, &bobs, &creation, T0 + CEREMONY_SECS).await;
        assert!(refused_with(&late, CEREMONY_GONE), "expired");
        let after = finish(&bob, &bobs, &creation, T0).await;
        assert!(
            refused_with(&after, CEREMONY_GONE),
            "an expired one is gone"
        );

        let creation = begin_registration(&f.pool, &rp, &bob, &bobs, &name(), T0)
            .await
            .unwrap();
        finish(&bob, &bobs, &creation, T0 + CEREMONY_SECS - 1)
            .await
            .expect("in time");
        let again = finish(&bob, &bobs, &creation, T0).await;
        assert!(refused_with(&again, CEREMONY_GONE), "used once: {again:?}");
        let mut conn = f.pool.acquire().await.unwrap();
        assert_eq!(list_methods(&mut conn, &bob.id).await.unwrap().len(), 1);
        assert!(list_methods(&mut conn, &eve.id).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_credential_belongs_to_one_user_and_known_ones_are_excluded() {
        let f = fixture().await;
        let (bob, eve) = (f.member("bob").await, f.member("eve").await);
        let (bobs, eves) = (f.session(&bob, T0).await, f.session(&eve, T0).await);
        let mut key = SoftKey::new(1);
        register(&f, &bob, &bobs, &mut key, T0).await.unwrap();

        let rp = rp(&f);
        let again = begin_registration(&f.pool, &rp, &bob, &bobs, &name(), T0)
            .await
            .unwrap();
        let excluded: Vec<_> = again
            .options
            .public_key
            .exclude_credentials
            .unwrap_or_default()
            .into_iter()
            .map(|descriptor| descriptor.id)
            .collect();
        assert_eq!(excluded, [key.credential_id()]);
        let first = begin_registration(&f.pool, &rp, &eve, &eves, &name(), T0)
            .await
            .unwrap();
        assert_ne!(
            again.options.public_key.user.id,
            first.options.public_key.user.id
        );

        // A browser would refuse; a forged answer reaches the server.
        let stolen = register(&f, &eve, &eves, &mut key, T0).await;
        assert!(
            matches!(stolen, Err(Error::Public(AppError::Conflict(_)))),
            "{stolen:?}"
        );
        let mut conn = f.pool.acquire().await.unwrap();
        assert!(list_methods(&mut conn, &eve.id).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_users_handle_stays_the_same() {
        let f = fixture().await;
        let bob = f.member("bob").await;
        let bobs = f.session(&bob, T0).await;
        let rp = rp(&f);
        let handle = async || {
            let creation = begin_registration(&f.pool, &rp, &bob, &bobs, &name(), T0)
                .await
                .unwrap();
            creation.options.public_key.user.id
        };
        let first = handle().await;
        assert_eq!(first.len(), 16, "a random UUID");
        assert_eq!(handle().await, first);
        assert_ne!(
            first,
            uuid::Uuid::parse_str(&bob.id)
                .map(|id| id.as_bytes().to_vec())
                .unwrap_or_default()
        );
    }

    #[tokio::test]
    async fn a_passkey_passes_the_challenge_and_a_counter_that_goes_back_is_refused_and_audited() {
        let f = fixture().await;
        let bob = f.member("bob").await;
        let session = f.session(&bob, T0).await;
        let mut key = SoftKey::new(1);
        register(&f, &bob, &session, &mut key, T0).await.unwrap();
        let later = f.session(&bob, T0 + 60).await;
        let token = sign_in(&f, &bob, &later, &mut key, T0 + 60).await.unwrap();
        let mut conn = f.pool.acquire().await.unwrap();
        let mfa = find_tenant_mfa(&mut conn, &token.id_hash(), &f.tenant.id)
            .await
            .unwrap()
            .expect("passed");
        assert_eq!((mfa.at, mfa.amr), (T0 + 60, vec![Amr::Hwk, Amr::Mfa]));
        let stored = sqlx::query_scalar!("SELECT sign_count FROM auth_methods")
            .fetch_one(f.pool.connections())
            .await
            .unwrap();
        assert_eq!(
            stored,
            Some(i64::from(key.counter())),
            "the counter is kept"
        );

        // A clone of the key, with the counter it had before.
        key.set_counter(0);
        let cloned = f.session(&bob, T0 + 120).await;
        let refused = sign_in(&f, &bob, &cloned, &mut key, T0 + 120).await;
        assert!(refused_with(&refused, KEY_REFUSED), "{refused:?}");
        let failures = sqlx::query_scalar!(
            "SELECT COUNT(*) FROM audit_events
             WHERE action = 'mfa.challenge_failed' AND detail LIKE '%counterRegression%'",
        )
        .fetch_one(f.pool.connections())
        .await
        .unwrap();
        assert_eq!(failures, 1);
    }

    #[tokio::test]
    async fn of_two_ceremonies_answered_with_one_counter_value_only_one_passes() {
        let f = fixture().await;
        let bob = f.member("bob").await;
        let session = f.session(&bob, T0).await;
        let mut key = SoftKey::new(1);
        register(&f, &bob, &session, &mut key, T0).await.unwrap();
        key.set_counter(5);
        let rp = rp(&f);
        let (first_session, second_session) =
            (f.session(&bob, T0).await, f.session(&bob, T0).await);
        let first = begin_authentication(&f.pool, &f.key, &rp, &bob, &first_session, T0)
            .await
            .unwrap();
        let second = begin_authentication(&f.pool, &f.key, &rp, &bob, &second_session, T0)
            .await
            .unwrap();
        let first_response = key.authenticate(&first.options, ORIGIN);
        key.set_counter(5);
        let second_response = key.authenticate(&second.options, ORIGIN);
        answer(
            &f,
            &bob,
            &first_session,
            &first.ceremony_id,
            &first_response,
            T0,
        )
        .await
        .expect("the first use of counter 6");
        let replayed = answer(
            &f,
            &bob,
            &second_session,
            &second.ceremony_id,
            &second_response,
            T0,
        )
        .await;
        assert!(refused_with(&replayed, KEY_REFUSED), "{replayed:?}");
    }

    #[tokio::test]
    async fn a_key_that_did_not_verify_its_user_is_refused() {
        let f = fixture().await;
        let bob = f.member("bob").await;
        let session = f.session(&bob, T0).await;
        let mut key = SoftKey::new(1);
        key.set_user_verified(false);
        let refused = register(&f, &bob, &session, &mut key, T0).await;
        assert!(refused_with(&refused, KEY_REFUSED), "{refused:?}");
        key.set_user_verified(true);
        register(&f, &bob, &session, &mut key, T0).await.unwrap();
        key.set_user_verified(false);
        let refused = sign_in(&f, &bob, &session, &mut key, T0).await;
        assert!(refused_with(&refused, KEY_REFUSED), "{refused:?}");
    }

    #[tokio::test]
    async fn someone_without_a_passkey_gets_no_challenge() {
        let f = fixture().await;
        let bob = f.member("bob").await;
        let session = f.session(&bob, T0).await;
        let refused = begin_authentication(&f.pool, &f.key, &rp(&f), &bob, &session, T0).await;
        assert!(matches!(refused, Err(Error::Public(AppError::NotFound(_)))));
    }
}
