//! Redemption's server side: the live invitation behind a ticket, home-realm
//! discovery, e-mailed codes, and accepting.

use super::{CodePurpose, HomeRealm};
use crate::auth::ssr::Identity;
use crate::domain::{Email, InvitationMessage, RedirectUrl, Upn};
use crate::error::AppError;
use crate::invitations::ssr::stored_message;
use crate::ssr::audit::{self, Action, Event};
use crate::ssr::clock::UnixTime;
use crate::ssr::crypto::token_hash;
use crate::ssr::db::{self, Conn, Pool};
use crate::ssr::{Actor, Result, Stored};
use crate::tenants::ssr::{find_tenant_by_domain, find_tenant_by_id, Tenant};

/// A code lives this long (DESIGN §3.2: 30 minutes).
pub const CODE_LIFETIME_SECS: i64 = 30 * 60;
/// Wrong guesses allowed on one code.
pub const CODE_ATTEMPTS: i64 = 5;
/// A new code for the same address and purpose waits this long after the
/// last, so a ticket cannot be used to flood someone's mailbox.
pub const CODE_RESEND_SECS: i64 = 60;

/// A pending, unexpired invitation: found by the ticket of its link, or just
/// in time by the address of the identity signing in.
#[derive(Debug, Clone)]
pub struct PendingInvitation {
    pub id: String,
    pub tenant: Tenant,
    pub guest_user_id: String,
    pub guest_upn: Upn,
    pub invited_email: Email,
    pub redirect_url: RedirectUrl,
    pub message: Option<InvitationMessage>,
    pub allow_any_identity: bool,
    pub inviter_name: String,
}

/// A pending invitation's columns, as both look-ups select them.
struct PendingRow {
    id: String,
    tenant_id: String,
    guest_user_id: String,
    guest_upn: String,
    invited_email: String,
    redirect_url: String,
    message: Option<String>,
    allow_any_identity: bool,
    inviter_name: String,
}

/// The pending invitations that match `$where`, as [`PendingRow`]s.
macro_rules! select_pending {
    ($where:tt, $($arg:expr),*) => {
        sqlx::query_as!(
            PendingRow,
            r#"SELECT i.id, i.tenant_id, i.guest_user_id, g.user_principal_name AS guest_upn,
                      i.invited_email, i.redirect_url, i.message,
                      i.allow_any_identity AS "allow_any_identity: bool", i.inviter_name
               FROM invitations i JOIN users g ON g.id = i.guest_user_id
               WHERE i.status = 'PendingAcceptance' AND "# + $where,
            $($arg),*
        )
    };
}

impl PendingRow {
    async fn decode(self, conn: &mut Conn) -> Result<Option<PendingInvitation>> {
        let Some(tenant) = find_tenant_by_id(conn, &self.tenant_id).await? else {
            return Ok(None);
        };
        Ok(Some(PendingInvitation {
            guest_upn: Upn::parse(&self.guest_upn).stored("users.user_principal_name")?,
            invited_email: Email::parse(&self.invited_email).stored("invitations.invited_email")?,
            redirect_url: RedirectUrl::from_stored(&self.redirect_url)
                .stored("invitations.redirect_url")?,
            message: stored_message(self.message.as_deref())?,
            id: self.id,
            inviter_name: self.inviter_name,
            tenant,
            guest_user_id: self.guest_user_id,
            allow_any_identity: self.allow_any_identity,
        }))
    }
}

/// Whether `ticket` could be a redeem token at all (43 base64url characters).
fn is_ticket_shaped(ticket: &str) -> bool {
    ticket.len() == 43
        && ticket
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The live invitation behind `ticket`; unknown, expired, revoked and used
/// tickets all answer `None`.
pub async fn find_live_invitation(
    conn: &mut Conn,
    ticket: &str,
    now: UnixTime,
) -> Result<Option<PendingInvitation>> {
    if !is_ticket_shaped(ticket) {
        return Ok(None);
    }
    let hash = token_hash(ticket);
    let row = select_pending!("i.token_hash = $1 AND i.expires_at > $2", hash, now)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(row) => row.decode(conn).await,
        None => Ok(None),
    }
}

/// Just-in-time redemption (DESIGN §3.3 step 2): the live invitation of
/// `tenant_id` for the address `identity` owns (its verified e-mail), the
/// newest if there were several. Only the owner of the invited address
/// finds it: an invitation for any identity needs its link.
pub async fn find_pending_for(
    conn: &mut Conn,
    tenant_id: &str,
    identity: &Identity,
    now: UnixTime,
) -> Result<Option<PendingInvitation>> {
    let email = identity.verified_email().to_ascii_lowercase();
    let row = select_pending!(
        "i.tenant_id = $1 AND i.invited_email = $2 AND i.expires_at > $3
         ORDER BY i.created_at DESC, i.id DESC
         LIMIT 1",
        tenant_id,
        email,
        now
    )
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(row) => row.decode(conn).await,
        None => Ok(None),
    }
}

/// The answer when the signed-in person has no pending invitation in a
/// tenant (or the tenant is unknown: the same answer).
pub fn no_pending_invitation() -> AppError {
    AppError::NotFound("A pending invitation for you".into())
}

/// Home-realm discovery on the invited address (DESIGN §3.2).
pub async fn discover_home_realm(
    conn: &mut Conn,
    invitation: &PendingInvitation,
) -> Result<HomeRealm> {
    let email = invitation.invited_email.as_str();
    if let Some(home) = find_tenant_by_domain(conn, invitation.invited_email.domain()).await? {
        return Ok(HomeRealm::Work {
            tenant_name: home.display_name,
        });
    }
    let personal = sqlx::query_scalar!("SELECT id FROM personal_accounts WHERE email = $1", email)
        .fetch_optional(&mut *conn)
        .await?;
    if personal.is_some() {
        return Ok(HomeRealm::Personal);
    }
    Ok(HomeRealm::New {
        email_otp: invitation.tenant.email_otp_enabled,
    })
}

/// Whether `identity` may redeem: it owns the invited address, or the
/// invitation was made for any identity.
pub fn may_redeem(invitation: &PendingInvitation, identity: &Identity) -> bool {
    invitation.allow_any_identity
        || identity
            .verified_email()
            .eq_ignore_ascii_case(invitation.invited_email.as_str())
}

/// Issues a new 8-digit code for `email`, replacing any live one, and
/// returns it (for the caller to e-mail). Only its digest is stored. Within
/// [`CODE_RESEND_SECS`] of the last code: `TooManyAttempts`. At most one
/// live code per address and purpose is a unique index, so two requests at
/// once end in one code and one conflict.
pub async fn issue_code(
    conn: &mut Conn,
    email: &Email,
    purpose: CodePurpose,
    now: UnixTime,
) -> Result<String> {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let (email, purpose) = (email.as_str(), purpose.as_str());
    let recent = now - CODE_RESEND_SECS;
    let too_soon = sqlx::query_scalar!(
        "SELECT id FROM email_codes
         WHERE email = $1 AND purpose = $2 AND consumed_at IS NULL AND created_at > $3",
        email,
        purpose,
        recent
    )
    .fetch_optional(&mut *conn)
    .await?;
    if too_soon.is_some() {
        return Err(AppError::TooManyAttempts.into());
    }
    sqlx::query!(
        "DELETE FROM email_codes WHERE email = $1 AND purpose = $2 AND consumed_at IS NULL",
        email,
        purpose
    )
    .execute(&mut *conn)
    .await?;
    let code = format!("{:08}", OsRng.next_u64() % 100_000_000);
    let id = uuid::Uuid::new_v4().to_string();
    let hash = token_hash(&format!("{id}:{code}"));
    let expires_at = now + CODE_LIFETIME_SECS;
    sqlx::query!(
        "INSERT INTO email_codes (id, email, purpose, code_hash, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        id,
        email,
        purpose,
        hash,
        now,
        expires_at
    )
    .execute(conn)
    .await?;
    Ok(code)
}

/// Checks a code for `email` and uses it up. A wrong code counts against the
/// code's 5 attempts — recorded even though the call fails — and after
/// those, or after 30 minutes, the code is dead. Using it up is a
/// conditional update: of two submissions of one code, one wins.
pub async fn verify_code(
    pool: &Pool,
    email: &Email,
    purpose: CodePurpose,
    code: &str,
    now: UnixTime,
) -> Result<()> {
    let code = code.trim();
    if code.len() != 8 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(code_error("The code has 8 digits."));
    }
    let (email, purpose) = (email.as_str(), purpose.as_str());
    db::write(pool, async |tx| {
        let Some(row) = sqlx::query!(
            "SELECT id, code_hash, attempts, expires_at FROM email_codes
             WHERE email = $1 AND purpose = $2 AND consumed_at IS NULL",
            email,
            purpose
        )
        .fetch_optional(tx.conn())
        .await?
        else {
            return Ok(Err(code_error("Ask for a code first.")));
        };
        if row.expires_at <= now {
            return Ok(Err(code_error("The code has expired; ask for a new one.")));
        }
        if row.attempts >= CODE_ATTEMPTS {
            return Ok(Err(AppError::TooManyAttempts.into()));
        }
        if token_hash(&format!("{}:{code}", row.id)) != row.code_hash {
            sqlx::query!(
                "UPDATE email_codes SET attempts = attempts + 1 WHERE id = $1",
                row.id
            )
            .execute(tx.conn())
            .await?;
            return Ok(Err(code_error("That code is not right.")));
        }
        let used = sqlx::query!(
            "UPDATE email_codes SET consumed_at = $1
             WHERE id = $2 AND consumed_at IS NULL AND attempts < $3 AND expires_at > $1",
            now,
            row.id,
            CODE_ATTEMPTS
        )
        .execute(tx.conn())
        .await?;
        if used.rows_affected() != 1 {
            return Ok(Err(code_error("Ask for a code first.")));
        }
        Ok(Ok(()))
    })
    .await?
}

fn code_error(message: &str) -> crate::ssr::Error {
    AppError::Invalid {
        field: "code".into(),
        message: message.into(),
    }
    .into()
}

/// How the invitation to accept is found.
#[derive(Debug, Clone, Copy)]
enum Redeeming<'a> {
    /// By the ticket of its link.
    Ticket(&'a str),
    /// Just in time, in this tenant, by the address the identity owns.
    JustInTime { tenant_id: &'a str },
}

/// Redeems the invitation behind `ticket` for `identity` (see [`accept`]).
/// Returns where to go next.
#[tracing::instrument(skip_all, fields(who = %identity.sign_in_name()))]
pub async fn accept_invitation(
    pool: &Pool,
    ticket: &str,
    identity: &Identity,
    actor: &Actor,
    now: UnixTime,
) -> Result<RedirectUrl> {
    let invitation = accept(pool, Redeeming::Ticket(ticket), identity, actor, now).await?;
    Ok(invitation.redirect_url)
}

/// Just-in-time redemption (DESIGN §3.3 step 2): redeems the live
/// invitation of `tenant_id` for the address `identity` owns (see
/// [`find_pending_for`] and [`accept`]). None: `NotFound`, audited.
#[tracing::instrument(skip_all, fields(who = %identity.sign_in_name()))]
pub async fn accept_pending_invitation(
    pool: &Pool,
    tenant_id: &str,
    identity: &Identity,
    actor: &Actor,
    now: UnixTime,
) -> Result<()> {
    let redeeming = Redeeming::JustInTime { tenant_id };
    accept(pool, redeeming, identity, actor, now).await?;
    Ok(())
}

/// Redeems an invitation for `identity`, in one transaction: the invitation
/// becomes `Accepted`, the guest object is bound to the home identity and
/// `Accepted`, and the audit event is written — all or nothing. The two
/// updates are conditional on the pending state, so of concurrent
/// redemptions exactly one binds the guest. A refusal is audited (and that
/// row kept). Returns the invitation accepted.
async fn accept(
    pool: &Pool,
    redeeming: Redeeming<'_>,
    identity: &Identity,
    actor: &Actor,
    now: UnixTime,
) -> Result<PendingInvitation> {
    db::write(pool, async |tx| {
        let failure = Event::failure(Action::InvitationRedeemed, now).by(actor);
        let found = match redeeming {
            Redeeming::Ticket(ticket) => find_live_invitation(tx, ticket, now).await?,
            Redeeming::JustInTime { tenant_id } => {
                find_pending_for(tx, tenant_id, identity, now).await?
            }
        };
        let Some(invitation) = found else {
            let (failure, error) = match redeeming {
                Redeeming::Ticket(_) => (
                    failure.reason("invalidTicket"),
                    AppError::InvitationNotValid,
                ),
                Redeeming::JustInTime { tenant_id } => (
                    failure.tenant(tenant_id).reason("noPendingInvitation"),
                    no_pending_invitation(),
                ),
            };
            audit::record(tx, failure).await?;
            return Ok(Err(error));
        };
        let failure = failure.tenant(&invitation.tenant.id);
        let refusal = check_may_accept(tx, &invitation, identity).await?;
        if let Some((reason, error)) = refusal {
            audit::record(tx, failure.reason(reason)).await?;
            return Ok(Err(error));
        }
        let (home_kind, home_ref, home_tenant_id) = identity.home();
        let home_kind = home_kind.as_str();
        let accepted = sqlx::query!(
            "UPDATE invitations SET status = 'Accepted', redeemed_at = $1
             WHERE id = $2 AND status = 'PendingAcceptance'",
            now,
            invitation.id
        )
        .execute(tx.conn())
        .await?;
        let bound = sqlx::query!(
            "UPDATE users SET home_kind = $1, home_ref = $2, home_tenant_id = $3,
                              external_user_state = 'Accepted', state_changed_at = $4
             WHERE id = $5 AND external_user_state = 'PendingAcceptance' AND home_kind IS NULL",
            home_kind,
            home_ref,
            home_tenant_id,
            now,
            invitation.guest_user_id
        )
        .execute(tx.conn())
        .await?;
        if accepted.rows_affected() != 1 || bound.rows_affected() != 1 {
            // Returning an error rolls both back.
            return Err(AppError::InvitationNotValid.into());
        }
        let just_in_time = matches!(redeeming, Redeeming::JustInTime { .. });
        let event = Event::success(Action::InvitationRedeemed, now)
            .by(actor)
            .tenant(&invitation.tenant.id)
            .target(invitation.guest_upn.as_str())
            .detail(serde_json::json!({
                "invitationId": invitation.id,
                "homeKind": home_kind,
                "justInTime": just_in_time,
            }));
        audit::record(tx, event).await?;
        Ok(Ok(invitation))
    })
    .await?
    .map_err(Into::into)
}

/// Why `identity` may not accept `invitation` — an audit reason and the
/// caller's error — or `None` when it may.
async fn check_may_accept(
    conn: &mut Conn,
    invitation: &PendingInvitation,
    identity: &Identity,
) -> Result<Option<(&'static str, AppError)>> {
    if !may_redeem(invitation, identity) {
        return Ok(Some(("identityMismatch", AppError::Forbidden)));
    }
    if matches!(identity, Identity::Email(_)) && !invitation.tenant.email_otp_enabled {
        return Ok(Some(("emailOtpDisabled", AppError::Forbidden)));
    }
    let tenant_name = &invitation.tenant.display_name;
    let enabled = sqlx::query_scalar!(
        r#"SELECT account_enabled AS "enabled: bool" FROM users WHERE id = $1"#,
        invitation.guest_user_id
    )
    .fetch_one(&mut *conn)
    .await?;
    if !enabled {
        let error = AppError::refused(
            "accountDisabled",
            format!("Your account with {tenant_name} is disabled. Ask its administrators."),
        );
        return Ok(Some(("accountDisabled", error)));
    }
    let (home_kind, home_ref, home_tenant_id) = identity.home();
    if home_tenant_id == Some(invitation.tenant.id.as_str()) {
        let error = AppError::Conflict(format!(
            "You are a member of {tenant_name} already; sign in with your own account."
        ));
        return Ok(Some(("memberOfInvitingTenant", error)));
    }
    let home_kind = home_kind.as_str();
    let bound_elsewhere = sqlx::query_scalar!(
        "SELECT user_principal_name FROM users
         WHERE tenant_id = $1 AND home_kind = $2 AND home_ref = $3 AND id <> $4",
        invitation.tenant.id,
        home_kind,
        home_ref,
        invitation.guest_user_id
    )
    .fetch_optional(conn)
    .await?;
    Ok(bound_elsewhere.map(|upn| {
        let error = AppError::Conflict(format!(
            "You are a guest of {tenant_name} already, as {upn}."
        ));
        ("alreadyGuest", error)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{DisplayName, DomainName, Licence, Plan, TenantSlug};
    use crate::invitations::ssr::{create_invitation, revoke_invitation, NewInvitation};
    use crate::mail::ssr::MailContext;
    use crate::mfa::ssr::fixture::{fixture, Fixture, T0};
    use crate::ssr::config::PublicUrl;
    use crate::tenants::ssr::{create_tenant, NewTenant};
    use crate::users::ssr::find_user_for_identity;

    /// Woodgrove, the inviting tenant, beside the fixture's Fabrikam.
    async fn woodgrove(f: &Fixture) -> Tenant {
        let new = NewTenant {
            slug: TenantSlug::parse("woodgrove").unwrap(),
            display_name: DisplayName::parse("Woodgrove").unwrap(),
            domain: DomainName::parse("woodgrove.test").unwrap(),
            licence: Licence::parse(Plan::Free, None).unwrap(),
        };
        create_tenant(&f.pool, &new, &f.actor, T0).await.unwrap()
    }

    /// `tenant` invites `email` (for any identity, when `any`), without a
    /// mail; the invitation's id.
    async fn invite(f: &Fixture, tenant: &Tenant, email: &str, any: bool) -> String {
        let public_url = PublicUrl::parse("http://localhost:3000").unwrap();
        let new = NewInvitation {
            email: Email::parse(email).unwrap(),
            display_name: None,
            redirect_url: RedirectUrl::parse("http://localhost:3000/myapps").unwrap(),
            message: None,
            send_email: false,
            allow_any_identity: any,
        };
        let mail = MailContext::new(&public_url, &f.key);
        let issued = create_invitation(&f.pool, mail, tenant, &new, &f.actor, T0)
            .await
            .unwrap();
        issued.invitation.id
    }

    /// The id of the invitation [`find_pending_for`] finds.
    async fn pending(
        f: &Fixture,
        tenant: &Tenant,
        who: &Identity,
        now: UnixTime,
    ) -> Option<String> {
        let mut conn = f.pool.acquire().await.unwrap();
        let found = find_pending_for(&mut conn, &tenant.id, who, now).await;
        found.unwrap().map(|invitation| invitation.id)
    }

    async fn member(f: &Fixture, name: &str) -> Identity {
        Identity::Member(f.member(name).await)
    }

    fn by_passcode(email: &str) -> Identity {
        Identity::Email(Email::parse(email).unwrap())
    }

    /// The guest object of `who` in `tenant`, as an application's sign-in
    /// resolves it: its UPN.
    async fn guest_of(f: &Fixture, tenant: &Tenant, who: &Identity) -> Option<String> {
        let mut conn = f.pool.acquire().await.unwrap();
        let user = find_user_for_identity(&mut conn, &tenant.id, who).await;
        user.unwrap().map(|user| user.upn.as_str().to_owned())
    }

    #[tokio::test]
    async fn a_pending_invitation_is_found_for_the_owner_of_its_address_only() {
        let f = fixture().await;
        let woodgrove = woodgrove(&f).await;
        let alice = member(&f, "alice").await;
        let id = invite(&f, &woodgrove, "alice@fabrikam.test", false).await;

        assert_eq!(pending(&f, &woodgrove, &alice, T0).await, Some(id.clone()));
        let same_address = by_passcode("alice@fabrikam.test");
        assert_eq!(pending(&f, &woodgrove, &same_address, T0).await, Some(id));
        let bob = member(&f, "bob").await;
        assert_eq!(pending(&f, &woodgrove, &bob, T0).await, None);
        assert_eq!(
            pending(&f, &f.tenant, &alice, T0).await,
            None,
            "only in the tenant that invited"
        );
    }

    #[tokio::test]
    async fn an_invitation_for_any_identity_is_found_only_for_its_own_address() {
        let f = fixture().await;
        let woodgrove = woodgrove(&f).await;
        let id = invite(&f, &woodgrove, "team@contoso.test", true).await;
        let alice = member(&f, "alice").await;
        assert_eq!(
            pending(&f, &woodgrove, &alice, T0).await,
            None,
            "the link is needed for that"
        );
        let refused = accept_pending_invitation(&f.pool, &woodgrove.id, &alice, &f.actor, T0).await;
        assert_eq!(
            AppError::from(refused.unwrap_err()),
            no_pending_invitation()
        );
        let owner = by_passcode("team@contoso.test");
        assert_eq!(pending(&f, &woodgrove, &owner, T0).await, Some(id));
    }

    #[tokio::test]
    async fn expired_revoked_and_accepted_invitations_are_not_pending() {
        let f = fixture().await;
        let woodgrove = woodgrove(&f).await;
        let expires_at = T0 + woodgrove.invitation_ttl_days * 24 * 60 * 60;
        let alice = member(&f, "alice").await;
        invite(&f, &woodgrove, "alice@fabrikam.test", false).await;
        assert!(pending(&f, &woodgrove, &alice, expires_at - 1)
            .await
            .is_some());
        assert_eq!(pending(&f, &woodgrove, &alice, expires_at).await, None);

        let bob = member(&f, "bob").await;
        let id = invite(&f, &woodgrove, "bob@fabrikam.test", false).await;
        revoke_invitation(&f.pool, &woodgrove, &id, &f.actor, T0)
            .await
            .unwrap();
        assert_eq!(pending(&f, &woodgrove, &bob, T0).await, None);

        let carol = member(&f, "carol").await;
        invite(&f, &woodgrove, "carol@fabrikam.test", false).await;
        accept_pending_invitation(&f.pool, &woodgrove.id, &carol, &f.actor, T0)
            .await
            .unwrap();
        assert_eq!(pending(&f, &woodgrove, &carol, T0).await, None);
    }

    #[tokio::test]
    async fn accepting_just_in_time_binds_the_owner_once_and_no_one_else() {
        let f = fixture().await;
        let woodgrove = woodgrove(&f).await;
        let alice = member(&f, "alice").await;
        let bob = member(&f, "bob").await;
        invite(&f, &woodgrove, "alice@fabrikam.test", false).await;
        let accept = |who| accept_pending_invitation(&f.pool, &woodgrove.id, who, &f.actor, T0);

        let refused = accept(&bob).await.unwrap_err();
        assert_eq!(AppError::from(refused), no_pending_invitation());
        assert!(
            pending(&f, &woodgrove, &alice, T0).await.is_some(),
            "unchanged"
        );
        assert_eq!(guest_of(&f, &woodgrove, &bob).await, None);

        assert_eq!(guest_of(&f, &woodgrove, &alice).await, None);
        accept(&alice).await.unwrap();
        let guest = "alice_fabrikam.test#EXT#@woodgrove.test";
        assert_eq!(
            guest_of(&f, &woodgrove, &alice).await.as_deref(),
            Some(guest)
        );

        let again = accept(&alice).await.unwrap_err();
        assert_eq!(AppError::from(again), no_pending_invitation());
        assert_eq!(
            guest_of(&f, &woodgrove, &alice).await.as_deref(),
            Some(guest)
        );
        assert_eq!(f.count("invitation.redeem").await, 3, "every try audited");
    }
}
