//! The methods a user object has with its tenant, and the services that
//! add and check them: setting up an authenticator app (pending until its
//! first code), the TOTP challenge with its replay guard and throttle, and
//! recovery codes. Every check is one transaction; a failure is counted and
//! audited even though the caller is refused.

use secrecy::SecretString;

use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential, Webauthn};

use super::recovery::{self, RecoveryCode};
use super::totp::{self, TotpSecret, SECRET_BYTES};
use super::webauthn;
use crate::auth::ssr::session::{rotate_with_mfa, Amr, Session, SessionToken};
use crate::domain::{DisplayName, TotpCode};
use crate::error::AppError;
use crate::mfa::MethodKind;
use crate::ssr::audit::{self, Action, Event};
use crate::ssr::clock::UnixTime;
use crate::ssr::db::{self, Conn, Pool, Tx};
use crate::ssr::seal::{open_in_context, seal_in_context};
use crate::ssr::state::SecretKey;
use crate::ssr::throttle::{self, Scope};
use crate::ssr::{Actor, Error, Result, Stored};
use crate::tenants::ssr::Tenant;
use crate::users::ssr::User;

/// The one answer to a code that did not work — wrong, already used, or
/// the method locked — so the answer tells a guesser nothing.
pub const CODE_REFUSED: &str =
    "That code didn't work. Wait for the next code from your app and try again.";

fn code_refused() -> AppError {
    AppError::Invalid {
        field: "code".into(),
        message: CODE_REFUSED.into(),
    }
}

/// A method as its owner and admins see it (no secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Method {
    pub id: String,
    pub user_id: String,
    pub kind: MethodKind,
    pub display_name: String,
    pub created_at: UnixTime,
    pub last_used_at: Option<UnixTime>,
}

/// The active methods of a user object, oldest first.
pub async fn list_methods(conn: &mut Conn, user_id: &str) -> Result<Vec<Method>> {
    let rows = sqlx::query!(
        "SELECT id, user_id, kind, display_name, created_at, last_used_at FROM auth_methods
         WHERE user_id = $1 AND activated_at IS NOT NULL
         ORDER BY created_at, id",
        user_id
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(Method {
                kind: MethodKind::parse(&row.kind).stored("auth_methods.kind")?,
                id: row.id,
                user_id: row.user_id,
                display_name: row.display_name,
                created_at: row.created_at,
                last_used_at: row.last_used_at,
            })
        })
        .collect()
}

/// What binds a sealed secret to its row: moved elsewhere, it won't open.
pub(super) fn seal_context(method_id: &str, user_id: &str) -> Vec<u8> {
    serde_json::to_vec(&["gatehouse.auth_method.v1", method_id, user_id]).unwrap_or_default()
}

fn open_totp_secret(
    key: &SecretKey,
    method_id: &str,
    user_id: &str,
    sealed: &[u8],
) -> Result<TotpSecret> {
    let opened =
        open_in_context(key, sealed, &seal_context(method_id, user_id)).map_err(|source| {
            Error::Unseal {
                what: "a TOTP secret",
                source,
            }
        })?;
    let bytes: [u8; SECRET_BYTES] = opened.try_into().map_err(|_| Error::Corrupt {
        what: "auth_methods.sealed_secret",
        source: crate::domain::ParseError("a TOTP secret of the wrong length".into()),
    })?;
    Ok(TotpSecret::from_bytes(bytes))
}

/// An authenticator app being set up: what the setup page shows once.
pub struct TotpEnrolment {
    pub method_id: String,
    /// The `otpauth://` URI (it holds the secret).
    pub key_uri: SecretString,
    /// The URI as a QR code, inline SVG (it holds the secret too).
    pub qr_svg: SecretString,
    /// The secret in base32 groups, for typing.
    pub secret_text: SecretString,
}

impl std::fmt::Debug for TotpEnrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TotpEnrolment")
            .field("method_id", &self.method_id)
            .finish_non_exhaustive()
    }
}

/// Starts setting up an authenticator app for `user` in `tenant`: a new
/// 160-bit secret, sealed at rest, on a method that stays inactive until
/// [`confirm_totp`] sees a correct code. A setup started before and not
/// finished is replaced.
#[tracing::instrument(skip_all, fields(user = %user.upn.as_str()))]
pub async fn begin_totp(
    pool: &Pool,
    key: &SecretKey,
    tenant: &Tenant,
    user: &User,
    name: &DisplayName,
    now: UnixTime,
) -> Result<TotpEnrolment> {
    if user.tenant_id != tenant.id {
        return Err(AppError::Forbidden.into());
    }
    let secret = TotpSecret::generate();
    let method_id = uuid::Uuid::new_v4().to_string();
    let sealed = seal_in_context(key, secret.expose(), &seal_context(&method_id, &user.id));
    let kind = MethodKind::Totp.as_str();
    let display_name = name.as_str();
    db::write(pool, async |tx| {
        sqlx::query!(
            "DELETE FROM auth_methods WHERE user_id = $1 AND kind = $2 AND activated_at IS NULL",
            user.id,
            kind
        )
        .execute(tx.conn())
        .await?;
        sqlx::query!(
            "INSERT INTO auth_methods (id, user_id, kind, display_name, sealed_secret, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
            method_id,
            user.id,
            kind,
            display_name,
            sealed,
            now
        )
        .execute(tx.conn())
        .await?;
        Ok(())
    })
    .await?;
    let key_uri = totp::key_uri(&secret, &tenant.display_name, &user.upn);
    let qr_svg = totp::qr_svg(&key_uri).unwrap_or_default();
    Ok(TotpEnrolment {
        method_id,
        secret_text: secret.grouped_base32().into(),
        qr_svg: qr_svg.into(),
        key_uri: key_uri.into(),
    })
}

/// A method that has just become active, and — when it is the user's
/// first — the recovery codes issued with it, to show once.
#[derive(Debug)]
pub struct Activated {
    pub method: Method,
    pub recovery_codes: Vec<RecoveryCode>,
}

/// Finishes setting up an authenticator app: a correct code activates the
/// method (and counts as that step's use). Wrong codes are throttled like
/// challenges.
#[tracing::instrument(skip_all, fields(user = %user.upn.as_str(), method = method_id))]
pub async fn confirm_totp(
    pool: &Pool,
    key: &SecretKey,
    user: &User,
    method_id: &str,
    code: &TotpCode,
    actor: &Actor,
    now: UnixTime,
) -> Result<Activated> {
    db::write(pool, async |tx| {
        confirm_totp_in(tx, key, user, method_id, code, actor, now).await
    })
    .await?
    .map_err(Into::into)
}

/// [`confirm_totp`] inside the caller's transaction; a refusal comes back as
/// `Ok(Err(..))`, with what it counted and audited written.
async fn confirm_totp_in(
    tx: &mut Tx,
    key: &SecretKey,
    user: &User,
    method_id: &str,
    code: &TotpCode,
    actor: &Actor,
    now: UnixTime,
) -> Result<Result<Activated, AppError>> {
    let kind = MethodKind::Totp.as_str();
    let Some(row) = sqlx::query!(
        "SELECT display_name, sealed_secret, created_at FROM auth_methods
         WHERE id = $1 AND user_id = $2 AND kind = $3 AND activated_at IS NULL",
        method_id,
        user.id,
        kind
    )
    .fetch_optional(tx.conn())
    .await?
    else {
        return Ok(Err(AppError::NotFound(
            "The authenticator app being set up".into(),
        )));
    };
    if throttle::must_wait(tx, Scope::Totp, &user.id, now).await? {
        let event = challenge_failed(actor, user, kind, now, "throttled");
        audit::record(tx, event).await?;
        return Ok(Err(code_refused()));
    }
    let secret = open_totp_secret(key, method_id, &user.id, &row.sealed_secret)?;
    let activated = match totp::matched_step(&secret, code, now) {
        Some(step) => {
            sqlx::query!(
                "UPDATE auth_methods SET activated_at = $1, last_used_at = $1, last_used_step = $2
             WHERE id = $3 AND activated_at IS NULL",
                now,
                step,
                method_id
            )
            .execute(tx.conn())
            .await?
            .rows_affected()
                == 1
        }
        None => false,
    };
    if !activated {
        let kind = MethodKind::Totp.as_str();
        count_failure(tx, user, actor, Scope::Totp, kind, "wrongCode", now).await?;
        return Ok(Err(code_refused()));
    }
    throttle::clear(tx, Scope::Totp, &user.id).await?;
    let recovery_codes = issue_first_codes(tx, key, &user.id, now).await?;
    let event = Event::success(Action::MfaMethodAdded, now)
        .by(actor)
        .tenant(&user.tenant_id)
        .target(user.upn.as_str())
        .detail(serde_json::json!({ "methodId": method_id, "kind": kind }));
    audit::record(tx, event).await?;
    Ok(Ok(Activated {
        method: Method {
            id: method_id.to_owned(),
            user_id: user.id.clone(),
            kind: MethodKind::Totp,
            display_name: row.display_name,
            created_at: row.created_at,
            last_used_at: Some(now),
        },
        recovery_codes,
    }))
}

/// The recovery codes that come with a user's first method — called once
/// the method is active; none when it is not the first.
pub(super) async fn issue_first_codes(
    tx: &mut Tx,
    key: &SecretKey,
    user_id: &str,
    now: UnixTime,
) -> Result<Vec<RecoveryCode>> {
    let first =
        recovery::count_unused(tx, user_id).await? == 0 && count_active(tx, user_id).await? == 1;
    if first {
        recovery::replace_codes(tx, key, user_id, now).await
    } else {
        Ok(Vec::new())
    }
}

async fn count_active(conn: &mut Conn, user_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        "SELECT COUNT(*) FROM auth_methods WHERE user_id = $1 AND activated_at IS NOT NULL",
        user_id
    )
    .fetch_one(conn)
    .await?)
}

/// A passed challenge: the `amr` value it adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passed {
    pub amr: Amr,
}

/// Checks an authenticator-app code against the user's active apps. A code
/// is accepted at most once per method and step: the conditional update of
/// `last_used_step` lets exactly one of several concurrent submissions
/// through. Wrong, replayed and throttled codes get the same answer; each
/// is counted and audited, and the tenth in a row locks the check.
#[tracing::instrument(skip_all, fields(user = %user.upn.as_str()))]
pub async fn verify_totp(
    pool: &Pool,
    key: &SecretKey,
    user: &User,
    code: &TotpCode,
    actor: &Actor,
    now: UnixTime,
) -> Result<Passed> {
    db::write(pool, async |tx| {
        verify_totp_in(tx, key, user, code, actor, now).await
    })
    .await?
    .map_err(Into::into)
}

/// [`verify_totp`] inside the caller's transaction; a refusal comes back as
/// `Ok(Err(..))`, with what it counted and audited written.
async fn verify_totp_in(
    tx: &mut Tx,
    key: &SecretKey,
    user: &User,
    code: &TotpCode,
    actor: &Actor,
    now: UnixTime,
) -> Result<Result<Passed, AppError>> {
    let kind = MethodKind::Totp.as_str();
    let scope = Scope::Totp.as_str();
    // The throttle row comes with the methods: each statement is a round
    // trip inside the write lock, which every challenge queues for. A user
    // without methods has it read on its own.
    let methods = sqlx::query!(
        r#"SELECT m.id AS "id!", m.sealed_secret AS "sealed_secret!",
                  t.failures AS "failures?", t.last_failure_at AS "last_failure_at?"
           FROM auth_methods m
           LEFT JOIN throttles t ON t.scope = $3 AND t.subject = m.user_id
           WHERE m.user_id = $1 AND m.kind = $2 AND m.activated_at IS NOT NULL"#,
        user.id,
        kind,
        scope
    )
    .fetch_all(tx.conn())
    .await?;
    let counted = methods
        .first()
        .and_then(|method| method.failures.zip(method.last_failure_at));
    let throttled = match (methods.first(), counted) {
        (None, _) => throttle::must_wait(tx, Scope::Totp, &user.id, now).await?,
        (Some(_), Some((failures, last))) => throttle::is_waiting(failures, last, now),
        (Some(_), None) => false,
    };
    if throttled {
        let event = challenge_failed(actor, user, kind, now, "throttled");
        audit::record(tx, event).await?;
        return Ok(Err(code_refused()));
    }
    for method in methods {
        // One method that does not open must not lock its user out of
        // the others: it is logged and skipped.
        let secret = match open_totp_secret(key, &method.id, &user.id, &method.sealed_secret) {
            Ok(secret) => secret,
            Err(error) => {
                let error = crate::ssr::Chain(&error).to_string();
                tracing::error!(method = %method.id, %error, "an MFA method does not open");
                continue;
            }
        };
        let Some(step) = totp::matched_step(&secret, code, now) else {
            continue;
        };
        let accepted = sqlx::query!(
            "UPDATE auth_methods SET last_used_step = $1, last_used_at = $2
             WHERE id = $3 AND (last_used_step IS NULL OR last_used_step < $1)",
            step,
            now,
            method.id
        )
        .execute(tx.conn())
        .await?;
        if accepted.rows_affected() == 1 {
            // No failures were counted when the methods were read: nothing
            // to clear (one statement less in the lock).
            if counted.is_some() {
                throttle::clear(tx, Scope::Totp, &user.id).await?;
            }
            let event = Event::success(Action::MfaChallengePassed, now)
                .by(actor)
                .tenant(&user.tenant_id)
                .target(user.upn.as_str())
                .detail(serde_json::json!({ "kind": kind, "methodId": method.id }));
            audit::record(tx, event).await?;
            return Ok(Ok(Passed { amr: Amr::Otp }));
        }
    }
    count_failure(tx, user, actor, Scope::Totp, kind, "wrongCode", now).await?;
    Ok(Err(code_refused()))
}

/// Uses one of the user's recovery codes in place of a method; throttled
/// and audited like a code.
#[tracing::instrument(skip_all, fields(user = %user.upn.as_str()))]
pub async fn verify_recovery_code(
    pool: &Pool,
    key: &SecretKey,
    user: &User,
    code: &str,
    actor: &Actor,
    now: UnixTime,
) -> Result<Passed> {
    db::write(pool, async |tx| {
        verify_recovery_code_in(tx, key, user, code, actor, now).await
    })
    .await?
    .map_err(Into::into)
}

/// [`verify_recovery_code`] inside the caller's transaction; a refusal comes back as
/// `Ok(Err(..))`, with what it counted and audited written.
async fn verify_recovery_code_in(
    tx: &mut Tx,
    key: &SecretKey,
    user: &User,
    code: &str,
    actor: &Actor,
    now: UnixTime,
) -> Result<Result<Passed, AppError>> {
    let kind = "recoveryCode";
    let refused = || AppError::Invalid {
        field: "code".into(),
        message: "That recovery code didn't work.".into(),
    };
    if throttle::must_wait(tx, Scope::RecoveryCode, &user.id, now).await? {
        let event = challenge_failed(actor, user, kind, now, "throttled");
        audit::record(tx, event).await?;
        return Ok(Err(refused()));
    }
    if !recovery::use_code(tx, key, &user.id, code, now).await? {
        count_failure(tx, user, actor, Scope::RecoveryCode, kind, "wrongCode", now).await?;
        return Ok(Err(refused()));
    }
    throttle::clear(tx, Scope::RecoveryCode, &user.id).await?;
    let left = recovery::count_unused(tx, &user.id).await?;
    let event = Event::success(Action::RecoveryCodeUsed, now)
        .by(actor)
        .tenant(&user.tenant_id)
        .target(user.upn.as_str())
        .detail(serde_json::json!({ "left": left }));
    audit::record(tx, event).await?;
    Ok(Ok(Passed { amr: Amr::Mfa }))
}

/// What a person offers at the challenge.
#[derive(Debug, Clone, Copy)]
pub enum Offered<'a> {
    /// A code from an authenticator app.
    Totp(&'a TotpCode),
    /// One of the recovery codes.
    RecoveryCode(&'a str),
    /// A passkey's or security key's answer to the ceremony `ceremony_id`.
    Passkey {
        rp: &'a Webauthn,
        ceremony_id: &'a str,
        response: &'a PublicKeyCredential,
    },
}

/// The challenge, start to end: checks what was offered and, when it
/// passes, records the MFA with the user's tenant on `session` (rotating
/// its id) — in one transaction, so a code is spent exactly when the
/// session gains the MFA. Answers the new session's token.
#[allow(clippy::too_many_arguments)] // the challenge's context, spelled out
pub async fn pass_challenge(
    pool: &Pool,
    key: &SecretKey,
    user: &User,
    session: &Session,
    offered: Offered<'_>,
    actor: &Actor,
    now: UnixTime,
) -> Result<SessionToken> {
    db::write(pool, async |tx| {
        let passed = match offered {
            Offered::Totp(code) => verify_totp_in(tx, key, user, code, actor, now).await?,
            Offered::RecoveryCode(code) => {
                verify_recovery_code_in(tx, key, user, code, actor, now).await?
            }
            Offered::Passkey {
                rp,
                ceremony_id,
                response,
            } => {
                webauthn::finish_authentication_in(
                    tx,
                    key,
                    rp,
                    user,
                    session,
                    ceremony_id,
                    response,
                    actor,
                    now,
                )
                .await?
            }
        };
        match passed {
            Ok(passed) => {
                let token = rotate_with_mfa(tx, session, &user.tenant_id, passed.amr, now).await?;
                Ok(Ok(token))
            }
            Err(refused) => Ok(Err(refused)),
        }
    })
    .await?
    .map_err(Into::into)
}

/// What proves a new method at the end of proof-up.
#[derive(Debug, Clone, Copy)]
pub enum NewMethod<'a> {
    /// The first code of the authenticator app being set up.
    Totp {
        method_id: &'a str,
        code: &'a TotpCode,
    },
    /// The new key's answer to the registration ceremony `ceremony_id`.
    Passkey {
        rp: &'a Webauthn,
        ceremony_id: &'a str,
        response: &'a RegisterPublicKeyCredential,
    },
}

/// Proof-up's last step: activates the new method and, as proving it
/// counts as passing MFA, records that on `session` — one transaction.
/// Answers the activation (with any recovery codes) and the new session's
/// token.
#[allow(clippy::too_many_arguments)] // the proof-up's context, spelled out
pub async fn finish_proof_up(
    pool: &Pool,
    key: &SecretKey,
    user: &User,
    session: &Session,
    proof: NewMethod<'_>,
    actor: &Actor,
    now: UnixTime,
) -> Result<(Activated, SessionToken)> {
    db::write(pool, async |tx| {
        let activated = match proof {
            NewMethod::Totp { method_id, code } => {
                confirm_totp_in(tx, key, user, method_id, code, actor, now)
                    .await?
                    .map(|activated| (activated, Amr::Otp))
            }
            NewMethod::Passkey {
                rp,
                ceremony_id,
                response,
            } => {
                webauthn::finish_registration_in(
                    tx,
                    key,
                    rp,
                    user,
                    session,
                    ceremony_id,
                    response,
                    actor,
                    now,
                )
                .await?
            }
        };
        match activated {
            Ok((activated, amr)) => {
                let token = rotate_with_mfa(tx, session, &user.tenant_id, amr, now).await?;
                Ok(Ok((activated, token)))
            }
            Err(refused) => Ok(Err(refused)),
        }
    })
    .await?
    .map_err(Into::into)
}

pub(super) fn challenge_failed(
    actor: &Actor,
    user: &User,
    kind: &str,
    now: UnixTime,
    reason: &str,
) -> Event {
    Event::failure(Action::MfaChallengeFailed, now)
        .by(actor)
        .tenant(&user.tenant_id)
        .target(user.upn.as_str())
        .detail(serde_json::json!({ "kind": kind, "reason": reason }))
}

/// Counts a failed check and audits it with its `reason` — and the lock, when this failure
/// makes one.
pub(super) async fn count_failure(
    tx: &mut Tx,
    user: &User,
    actor: &Actor,
    scope: Scope,
    kind: &str,
    reason: &str,
    now: UnixTime,
) -> Result<()> {
    let failures = throttle::record_failure(tx, scope, &user.id, now).await?;
    let event = challenge_failed(actor, user, kind, now, reason)
        .detail(serde_json::json!({ "kind": kind, "reason": reason, "failures": failures }));
    audit::record(tx, event).await?;
    if failures == throttle::LOCK_AFTER {
        let event = Event::failure(Action::MfaLocked, now)
            .by(actor)
            .tenant(&user.tenant_id)
            .target(user.upn.as_str())
            .detail(serde_json::json!({ "kind": kind, "lockedForSeconds": throttle::LOCK_SECS }));
        audit::record(tx, event).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::mfa::ssr::fixture::{fixture, T0};

    fn code(secret: &TotpSecret, at: UnixTime) -> TotpCode {
        TotpCode::parse(&totp::code_at(secret, at)).unwrap()
    }

    fn is_refused(result: &Result<Passed>) -> bool {
        matches!(result, Err(Error::Public(AppError::Invalid { message, .. })) if message == CODE_REFUSED)
    }

    #[tokio::test]
    async fn an_app_becomes_a_method_only_after_a_correct_code_and_the_first_brings_recovery_codes()
    {
        let f = fixture().await;
        let bob = f.member("bob").await;
        let name = DisplayName::parse("Phone").unwrap();
        let enrolment = begin_totp(&f.pool, &f.key, &f.tenant, &bob, &name, T0)
            .await
            .unwrap();
        let mut conn = f.pool.acquire().await.unwrap();
        assert!(
            list_methods(&mut conn, &bob.id).await.unwrap().is_empty(),
            "pending"
        );
        let wrong = TotpCode::parse("000000").unwrap();
        let refused = confirm_totp(
            &f.pool,
            &f.key,
            &bob,
            &enrolment.method_id,
            &wrong,
            &Actor::cli(),
            T0,
        )
        .await;
        assert!(refused.is_err());
        assert!(
            list_methods(&mut conn, &bob.id).await.unwrap().is_empty(),
            "still pending"
        );

        let (_, activated) = f.app(&bob).await;
        assert_eq!(activated.recovery_codes.len(), recovery::COUNT);
        let methods = list_methods(&mut conn, &bob.id).await.unwrap();
        assert_eq!(methods.len(), 1);
        assert_eq!(methods[0].kind, MethodKind::Totp);
        assert_eq!(f.count("mfa.method_added").await, 1);

        let (_, second) = f.app(&bob).await;
        assert!(
            second.recovery_codes.is_empty(),
            "codes come with the first only"
        );
        assert_eq!(list_methods(&mut conn, &bob.id).await.unwrap().len(), 2);
    }

    #[tokio::test]
    async fn another_users_method_cannot_be_confirmed() {
        let f = fixture().await;
        let (bob, eve) = (f.member("bob").await, f.member("eve").await);
        let name = DisplayName::parse("Phone").unwrap();
        let enrolment = begin_totp(&f.pool, &f.key, &f.tenant, &bob, &name, T0)
            .await
            .unwrap();
        use secrecy::ExposeSecret;
        let secret = TotpSecret::from_base32(enrolment.secret_text.expose_secret()).unwrap();
        let attempt = confirm_totp(
            &f.pool,
            &f.key,
            &eve,
            &enrolment.method_id,
            &code(&secret, T0),
            &Actor::cli(),
            T0,
        )
        .await;
        assert!(
            matches!(attempt, Err(Error::Public(AppError::NotFound(_)))),
            "{attempt:?}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn twenty_parallel_submissions_of_one_code_pass_exactly_once() {
        let f = Arc::new(fixture().await);
        let bob = Arc::new(f.member("bob").await);
        let (secret, _) = f.app(&bob).await;
        // The next step's code: the confirmation used this one.
        let now = T0 + 30;
        let code = code(&secret, now);
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (f, bob, code) = (f.clone(), bob.clone(), code.clone());
                tokio::spawn(async move {
                    verify_totp(&f.pool, &f.key, &bob, &code, &Actor::cli(), now).await
                })
            })
            .collect();
        let mut passed = 0;
        for task in tasks {
            let result = task.await.unwrap();
            if result.is_ok() {
                passed += 1;
            } else {
                assert!(is_refused(&result), "{result:?}");
            }
        }
        assert_eq!(passed, 1);
        assert_eq!(f.count("mfa.challenge_passed").await, 1);
        assert_eq!(f.count("mfa.challenge_failed").await, 19);
    }

    #[tokio::test]
    async fn a_code_is_refused_the_second_time_in_its_step_and_the_next_step_passes() {
        let f = fixture().await;
        let bob = f.member("bob").await;
        let (secret, _) = f.app(&bob).await;
        let actor = Actor::cli();
        let again = verify_totp(&f.pool, &f.key, &bob, &code(&secret, T0), &actor, T0 + 5).await;
        assert!(is_refused(&again), "used by the confirmation: {again:?}");
        let next = T0 + 30;
        let passed = verify_totp(&f.pool, &f.key, &bob, &code(&secret, next), &actor, next)
            .await
            .unwrap();
        assert_eq!(passed.amr, Amr::Otp);
        let replay = verify_totp(&f.pool, &f.key, &bob, &code(&secret, next), &actor, next).await;
        assert!(is_refused(&replay), "{replay:?}");
    }

    #[tokio::test]
    async fn ten_failures_lock_the_check_for_fifteen_minutes_even_for_a_right_code() {
        let f = fixture().await;
        let bob = f.member("bob").await;
        let (secret, _) = f.app(&bob).await;
        let actor = Actor::cli();
        let wrong = TotpCode::parse(if totp::code_at(&secret, T0) == "123456" {
            "654321"
        } else {
            "123456"
        })
        .unwrap();
        let mut now = T0 + 30;
        for _ in 0..10 {
            let refused = verify_totp(&f.pool, &f.key, &bob, &wrong, &actor, now).await;
            assert!(is_refused(&refused));
            // Past each delay, so every attempt is counted.
            now += 300;
        }
        assert_eq!(f.count("mfa.locked").await, 1);
        let now = now - 300 + 60;
        let locked = verify_totp(&f.pool, &f.key, &bob, &code(&secret, now), &actor, now).await;
        assert!(is_refused(&locked), "the same answer while locked");
        let later = now - 60 + throttle::LOCK_SECS;
        verify_totp(&f.pool, &f.key, &bob, &code(&secret, later), &actor, later)
            .await
            .expect("the lock lifts after 15 minutes");
    }

    #[tokio::test]
    async fn a_recovery_code_gets_in_once() {
        let f = fixture().await;
        let bob = f.member("bob").await;
        let (_, activated) = f.app(&bob).await;
        let code = activated.recovery_codes[3].expose().to_owned();
        let actor = Actor::cli();
        let passed = verify_recovery_code(&f.pool, &f.key, &bob, &code, &actor, T0)
            .await
            .unwrap();
        assert_eq!(passed.amr, Amr::Mfa);
        let again = verify_recovery_code(&f.pool, &f.key, &bob, &code, &actor, T0).await;
        assert!(again.is_err());
        assert_eq!(f.count("mfa.recovery_code_used").await, 1);
    }
}
