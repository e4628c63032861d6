//! The policy services over a real SQLite file: what a change does to
//! [`evaluate_for`]'s answer, the plan rule, and tenant isolation.

use super::*;
use crate::domain::{DomainName, Licence, TenantSlug};
use crate::ssr::db::open_for_test;
use crate::ssr::Error;
use crate::tenants::ssr::{create_tenant, set_plan, NewTenant};

/// 2026-11-25T12:00:00Z.
const T0: UnixTime = 1_795_608_000;

struct Fixture {
    _dir: tempfile::TempDir,
    pool: Pool,
    /// Premium.
    woodgrove: Tenant,
    /// Free.
    contoso: Tenant,
    actor: Actor,
}

async fn fixture() -> Fixture {
    let (dir, pool) = open_for_test().await;
    let tenant = |slug: &str, licence: Licence| NewTenant {
        slug: TenantSlug::parse(slug).unwrap(),
        display_name: DisplayName::parse(&format!("{}{}", slug[..1].to_uppercase(), &slug[1..]))
            .unwrap(),
        domain: DomainName::parse(&format!("{slug}.test")).unwrap(),
        licence,
    };
    let premium = Licence::parse(Plan::Premium, Some(10)).unwrap();
    let woodgrove = create_tenant(&pool, &tenant("woodgrove", premium), &Actor::cli(), T0)
        .await
        .unwrap();
    let contoso = create_tenant(
        &pool,
        &tenant("contoso", Licence::free()),
        &Actor::cli(),
        T0,
    )
    .await
    .unwrap();
    Fixture {
        _dir: dir,
        pool,
        woodgrove,
        contoso,
        actor: Actor::cli(),
    }
}

impl Fixture {
    /// A user object of `tenant`, written directly; its id.
    async fn user(&self, tenant: &Tenant, name: &str, kind: UserType) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        let upn = match kind {
            UserType::Member => format!("{name}@{}", tenant.domain.as_str()),
            UserType::Guest => format!("{name}_fabrikam.test#EXT#@{}", tenant.domain.as_str()),
        };
        let (user_type, state) = match kind {
            UserType::Member => ("Member", None),
            UserType::Guest => ("Guest", Some("Accepted")),
        };
        sqlx::query!(
            "INSERT INTO users (id, tenant_id, user_principal_name, display_name, user_type,
                                external_user_state, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            id,
            tenant.id,
            upn,
            name,
            user_type,
            state,
            T0
        )
        .execute(self.pool.connections())
        .await
        .unwrap();
        id
    }

    /// An application of `tenant` (a public client), written directly; its id.
    async fn app(&self, tenant: &Tenant, name: &str) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        let client_id = uuid::Uuid::new_v4().to_string();
        sqlx::query!(
            "INSERT INTO applications (id, tenant_id, display_name, client_id, public_client, created_at)
             VALUES ($1, $2, $3, $4, TRUE, $5)",
            id,
            tenant.id,
            name,
            client_id,
            T0
        )
        .execute(self.pool.connections())
        .await
        .unwrap();
        id
    }

    async fn evaluate(&self, tenant: &Tenant, user: &str, kind: UserType, app: &str) -> Outcome {
        let mut conn = self.pool.acquire().await.unwrap();
        evaluate_for(&mut conn, &tenant.id, user, kind, app)
            .await
            .unwrap()
    }

    async fn policies(&self, tenant: &Tenant) -> Vec<Policy> {
        let mut conn = self.pool.acquire().await.unwrap();
        list_policies(&mut conn, tenant).await.unwrap()
    }

    async fn audited(&self, action: &str) -> i64 {
        sqlx::query_scalar!(
            "SELECT COUNT(*) FROM audit_events WHERE action = $1",
            action
        )
        .fetch_one(self.pool.connections())
        .await
        .unwrap()
    }

    async fn create(&self, tenant: &Tenant, new: NewPolicy) -> Result<Policy> {
        create_policy(&self.pool, tenant, new, &self.actor, T0).await
    }

    async fn switch(&self, tenant: &Tenant, app: &str, on: bool) -> Result<Option<Policy>> {
        let (tenant, actor) = (tenant.clone(), self.actor.clone());
        db::write(&self.pool, async |tx| {
            require_mfa_for_application(tx, &tenant, &actor, app, on, T0).await
        })
        .await
    }
}

fn guests_on(apps: Applications) -> NewPolicy {
    NewPolicy {
        name: DisplayName::parse("MFA for guests").unwrap(),
        state: PolicyState::On,
        include: Include::Guests,
        exclude: Vec::new(),
        applications: apps,
        grant: Grant {
            require_mfa: true,
            phishing_resistant_only: false,
        },
        mfa_freshness: None,
    }
}

fn public(result: Result<impl std::fmt::Debug>) -> AppError {
    match result {
        Err(Error::Public(error)) => error,
        other => panic!("a refusal, not {other:?}"),
    }
}

#[tokio::test]
async fn creating_updating_and_deleting_a_policy_change_what_evaluation_answers() {
    let f = fixture().await;
    let guest = f.user(&f.woodgrove, "alice", UserType::Guest).await;
    let member = f.user(&f.woodgrove, "megan", UserType::Member).await;
    let (foo, bar) = (
        f.app(&f.woodgrove, "Foo").await,
        f.app(&f.woodgrove, "Bar").await,
    );
    assert!(!f
        .evaluate(&f.woodgrove, &guest, UserType::Guest, &foo)
        .await
        .requires_mfa());

    let policy = f
        .create(
            &f.woodgrove,
            guests_on(Applications::Listed(vec![foo.clone()])),
        )
        .await
        .unwrap();
    let outcome = f
        .evaluate(&f.woodgrove, &guest, UserType::Guest, &foo)
        .await;
    let required = outcome.mfa.expect("MFA for a guest on Foo");
    assert_eq!(required.policies[0].name, "MFA for guests");
    assert!(!f
        .evaluate(&f.woodgrove, &member, UserType::Member, &foo)
        .await
        .requires_mfa());
    assert!(!f
        .evaluate(&f.woodgrove, &guest, UserType::Guest, &bar)
        .await
        .requires_mfa());

    let change = PolicyChange {
        state: Some(PolicyState::ReportOnly),
        include: Some(Include::All),
        exclude: Some(vec![UserRef::Id(guest.clone())]),
        phishing_resistant_only: Some(true),
        mfa_freshness: Some(Some(MfaFreshness::from_minutes(30).unwrap())),
        ..PolicyChange::default()
    };
    let updated = update_policy(&f.pool, &f.woodgrove, &policy.id, change, &f.actor, T0 + 60)
        .await
        .unwrap();
    assert_eq!(updated.created_at, T0);
    assert_eq!(updated.updated_at, T0 + 60);
    let outcome = f
        .evaluate(&f.woodgrove, &member, UserType::Member, &foo)
        .await;
    assert_eq!(outcome.mfa, None, "report-only enforces nothing");
    assert_eq!(outcome.report_only.len(), 1, "but reports the member");
    assert!(outcome.report_only[0].phishing_resistant_only);
    let excluded = f
        .evaluate(&f.woodgrove, &guest, UserType::Guest, &foo)
        .await;
    assert_eq!(excluded, Outcome::default(), "the guest is excluded");
    assert_eq!(f.policies(&f.woodgrove).await, vec![updated]);

    delete_policy(&f.pool, &f.woodgrove, &policy.id, &f.actor, T0)
        .await
        .unwrap();
    let outcome = f
        .evaluate(&f.woodgrove, &member, UserType::Member, &foo)
        .await;
    assert_eq!(outcome, Outcome::default());
    assert!(f.policies(&f.woodgrove).await.is_empty());
    for action in ["policy.create", "policy.update", "policy.delete"] {
        assert_eq!(f.audited(action).await, 1, "{action}");
    }
}

#[tokio::test]
async fn a_free_tenant_cannot_turn_an_mfa_policy_on_and_nothing_is_stored() {
    let f = fixture().await;
    let on = public(f.create(&f.contoso, guests_on(Applications::All)).await);
    assert!(
        matches!(&on, AppError::Refused { code, message } if code == PREMIUM_REQUIRED && message.contains("premium")),
        "{on:?}"
    );
    let report_only = NewPolicy {
        state: PolicyState::ReportOnly,
        ..guests_on(Applications::All)
    };
    let refused = public(f.create(&f.contoso, report_only).await);
    assert_eq!(refused.api_code(), PREMIUM_REQUIRED);
    assert!(f.policies(&f.contoso).await.is_empty());
    assert_eq!(f.audited("policy.create").await, 0);

    // Off, or without MFA, it may be kept.
    let off = NewPolicy {
        state: PolicyState::Off,
        ..guests_on(Applications::All)
    };
    let off = f.create(&f.contoso, off).await.unwrap();
    let turn_on = PolicyChange {
        state: Some(PolicyState::On),
        ..PolicyChange::default()
    };
    let refused = update_policy(&f.pool, &f.contoso, &off.id, turn_on, &f.actor, T0).await;
    assert_eq!(public(refused).api_code(), PREMIUM_REQUIRED);
    assert_eq!(f.policies(&f.contoso).await, vec![off]);
}

#[tokio::test]
async fn a_tenant_stays_premium_while_an_mfa_policy_is_on_or_report_only() {
    let f = fixture().await;
    let policy = f
        .create(&f.woodgrove, guests_on(Applications::All))
        .await
        .unwrap();
    let lower = async || set_plan(&f.pool, &f.woodgrove.slug, Licence::free(), &f.actor, T0).await;
    let refused = public(lower().await);
    assert_eq!(refused.api_code(), PREMIUM_REQUIRED);
    assert!(refused.to_string().contains("MFA for guests"), "{refused}");

    let report_only = PolicyChange {
        state: Some(PolicyState::ReportOnly),
        ..PolicyChange::default()
    };
    update_policy(&f.pool, &f.woodgrove, &policy.id, report_only, &f.actor, T0)
        .await
        .unwrap();
    assert_eq!(public(lower().await).api_code(), PREMIUM_REQUIRED);
    let mut conn = f.pool.acquire().await.unwrap();
    let plan = crate::tenants::ssr::require_tenant(&mut conn, &f.woodgrove.slug)
        .await
        .unwrap()
        .plan;
    assert_eq!(plan, Plan::Premium, "unchanged");
    drop(conn);

    let off = PolicyChange {
        state: Some(PolicyState::Off),
        ..PolicyChange::default()
    };
    update_policy(&f.pool, &f.woodgrove, &policy.id, off, &f.actor, T0)
        .await
        .unwrap();
    assert_eq!(lower().await.unwrap().plan, Plan::Free);
}

#[tokio::test]
async fn a_policy_may_name_only_its_own_tenants_users_and_applications() {
    let f = fixture().await;
    let theirs = f.user(&f.contoso, "alice", UserType::Member).await;
    let their_app = f.app(&f.contoso, "Contoso app").await;
    let mine = f.user(&f.woodgrove, "megan", UserType::Member).await;

    let other_user = NewPolicy {
        include: Include::Listed(vec![UserRef::Id(mine.clone()), UserRef::Id(theirs)]),
        ..guests_on(Applications::All)
    };
    let refused = public(f.create(&f.woodgrove, other_user).await);
    assert!(refused.for_field("includeUsers").is_some(), "{refused:?}");

    let by_upn = NewPolicy {
        exclude: vec![UserRef::Upn(Upn::parse("alice@contoso.test").unwrap())],
        ..guests_on(Applications::All)
    };
    let refused = public(f.create(&f.woodgrove, by_upn).await);
    assert!(refused.for_field("excludeUsers").is_some(), "{refused:?}");

    let other_app = guests_on(Applications::Listed(vec![their_app]));
    let refused = public(f.create(&f.woodgrove, other_app).await);
    assert!(
        refused.for_field("includeApplications").is_some(),
        "{refused:?}"
    );

    let nobody = NewPolicy {
        include: Include::Listed(Vec::new()),
        ..guests_on(Applications::All)
    };
    assert!(public(f.create(&f.woodgrove, nobody).await)
        .for_field("includeUsers")
        .is_some());
    assert!(f.policies(&f.woodgrove).await.is_empty(), "nothing stored");
    assert_eq!(f.audited("policy.create").await, 0);
}

#[tokio::test]
async fn another_tenants_policy_is_not_found() {
    let f = fixture().await;
    let policy = f
        .create(&f.woodgrove, guests_on(Applications::All))
        .await
        .unwrap();
    let mut conn = f.pool.acquire().await.unwrap();
    let found = find_policy(&mut conn, &f.contoso, &policy.id).await;
    assert!(matches!(public(found), AppError::NotFound(_)));
    drop(conn);
    let change = PolicyChange {
        state: Some(PolicyState::Off),
        ..PolicyChange::default()
    };
    let updated = update_policy(&f.pool, &f.contoso, &policy.id, change, &f.actor, T0).await;
    assert!(matches!(public(updated), AppError::NotFound(_)));
    let deleted = delete_policy(&f.pool, &f.contoso, &policy.id, &f.actor, T0).await;
    assert!(matches!(public(deleted), AppError::NotFound(_)));
    assert_eq!(f.policies(&f.woodgrove).await, vec![policy]);
}

#[tokio::test]
async fn a_second_policy_of_the_same_name_is_a_conflict() {
    let f = fixture().await;
    f.create(&f.woodgrove, guests_on(Applications::All))
        .await
        .unwrap();
    let again = public(f.create(&f.woodgrove, guests_on(Applications::All)).await);
    assert!(matches!(again, AppError::Conflict(_)), "{again:?}");
    assert_eq!(f.policies(&f.woodgrove).await.len(), 1);
}

#[tokio::test]
async fn a_user_both_listed_and_excluded_is_stored_once_and_excluded() {
    let f = fixture().await;
    let megan = f.user(&f.woodgrove, "megan", UserType::Member).await;
    let adele = f.user(&f.woodgrove, "adele", UserType::Member).await;
    let app = f.app(&f.woodgrove, "Foo").await;
    let both = NewPolicy {
        include: Include::Listed(vec![
            UserRef::Upn(Upn::parse("megan@woodgrove.test").unwrap()),
            UserRef::Id(adele.clone()),
            UserRef::Id(adele.clone()),
        ]),
        exclude: vec![UserRef::Id(megan.clone())],
        ..guests_on(Applications::All)
    };
    let policy = f.create(&f.woodgrove, both).await.unwrap();
    assert_eq!(policy.exclude, vec![megan.clone()]);
    let stored = f.policies(&f.woodgrove).await.remove(0);
    assert_eq!(stored.include, Include::Listed(vec![adele.clone()]));
    assert_eq!(stored.exclude, vec![megan.clone()]);
    assert!(!f
        .evaluate(&f.woodgrove, &megan, UserType::Member, &app)
        .await
        .requires_mfa());
    assert!(f
        .evaluate(&f.woodgrove, &adele, UserType::Member, &app)
        .await
        .requires_mfa());
}

#[tokio::test]
async fn the_require_mfa_switch_writes_one_policy_for_the_application() {
    let f = fixture().await;
    let foo = f.app(&f.woodgrove, "Foo").await;
    let bar = f.app(&f.woodgrove, "Bar").await;
    let member = f.user(&f.woodgrove, "megan", UserType::Member).await;
    let requires = async |app: &str| {
        let mut conn = f.pool.acquire().await.unwrap();
        application_requires_mfa(&mut conn, &f.woodgrove, app)
            .await
            .unwrap()
    };
    assert!(!requires(&foo).await);

    let first = f
        .switch(&f.woodgrove, &foo, true)
        .await
        .unwrap()
        .expect("a policy");
    assert_eq!(first.name, "Require MFA for Foo");
    assert_eq!(first.include, Include::All);
    assert_eq!(first.applications, Applications::Listed(vec![foo.clone()]));
    let again = f.switch(&f.woodgrove, &foo, true).await.unwrap();
    assert_eq!(again, Some(first.clone()), "idempotent");
    assert_eq!(f.audited("policy.create").await, 1);
    assert_eq!(f.audited("policy.update").await, 0);
    assert!(requires(&foo).await);
    assert!(!requires(&bar).await);
    assert!(f
        .evaluate(&f.woodgrove, &member, UserType::Member, &foo)
        .await
        .requires_mfa());
    assert!(!f
        .evaluate(&f.woodgrove, &member, UserType::Member, &bar)
        .await
        .requires_mfa());

    let off = f
        .switch(&f.woodgrove, &foo, false)
        .await
        .unwrap()
        .expect("kept");
    assert_eq!(off.state, PolicyState::Off);
    assert!(!requires(&foo).await);
    assert!(!f
        .evaluate(&f.woodgrove, &member, UserType::Member, &foo)
        .await
        .requires_mfa());
    f.switch(&f.woodgrove, &foo, false).await.unwrap();
    assert_eq!(f.audited("policy.update").await, 1, "already off: no write");

    let on = f
        .switch(&f.woodgrove, &foo, true)
        .await
        .unwrap()
        .expect("the same");
    assert_eq!(on.id, first.id);
    assert_eq!(f.policies(&f.woodgrove).await.len(), 1);
    assert_eq!(f.switch(&f.woodgrove, &bar, false).await.unwrap(), None);
}

#[tokio::test]
async fn the_require_mfa_switch_needs_premium_and_the_tenants_own_application() {
    let f = fixture().await;
    let theirs = f.app(&f.contoso, "Contoso app").await;
    let refused = public(f.switch(&f.contoso, &theirs, true).await);
    assert_eq!(refused.api_code(), PREMIUM_REQUIRED);
    assert!(f.policies(&f.contoso).await.is_empty());
    let not_mine = public(f.switch(&f.woodgrove, &theirs, true).await);
    assert!(matches!(not_mine, AppError::NotFound(_)), "{not_mine:?}");
    let mut conn = f.pool.acquire().await.unwrap();
    let asked = application_requires_mfa(&mut conn, &f.woodgrove, &theirs).await;
    assert!(matches!(public(asked), AppError::NotFound(_)));
}

#[tokio::test]
async fn the_page_view_names_users_by_upn_and_applications_by_name() {
    let f = fixture().await;
    f.user(&f.woodgrove, "megan", UserType::Member).await;
    let foo = f.app(&f.woodgrove, "Foo").await;
    let new = NewPolicy {
        include: Include::Listed(vec![UserRef::Upn(
            Upn::parse("megan@woodgrove.test").unwrap(),
        )]),
        mfa_freshness: Some(MfaFreshness::from_minutes(60).unwrap()),
        ..guests_on(Applications::Listed(vec![foo.clone()]))
    };
    f.create(&f.woodgrove, new).await.unwrap();
    let mut conn = f.pool.acquire().await.unwrap();
    let view = policies_view(&mut conn, &f.woodgrove).await.unwrap();
    assert!(view.premium);
    assert_eq!(view.applications.len(), 1);
    let policy = &view.policies[0];
    assert_eq!(policy.who(), "megan@woodgrove.test");
    assert_eq!(policy.apps(), "Foo");
    assert_eq!(policy.grant(), "Require MFA, fresh for 60 min");
    let free = policies_view(&mut conn, &f.contoso).await.unwrap();
    assert!(!free.premium);
}
