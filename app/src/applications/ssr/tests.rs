//! The application service over a real SQLite file: two tenants, so every
//! test can also check that the other one sees and changes nothing.

use secrecy::ExposeSecret;

use super::*;
use crate::auth::ssr::password::Passwords;
use crate::domain::{DisplayName, DomainName, Licence, NewPassword, TenantSlug};
use crate::ssr::db::open_for_test;
use crate::ssr::Error;
use crate::tenants::ssr::{create_tenant, NewTenant};
use crate::users::ssr::{create_member, NewMember, User};

/// 2026-11-25T12:00:00Z.
const T0: UnixTime = 1_795_608_000;

struct Fixture {
    _dir: tempfile::TempDir,
    pool: Pool,
    woodgrove: Tenant,
    contoso: Tenant,
    passwords: Passwords,
    actor: Actor,
}

async fn fixture() -> Fixture {
    let (dir, pool) = open_for_test().await;
    let tenant = |slug: &str| NewTenant {
        slug: TenantSlug::parse(slug).unwrap(),
        display_name: DisplayName::parse(slug).unwrap(),
        domain: DomainName::parse(&format!("{slug}.test")).unwrap(),
        licence: Licence::free(),
    };
    let woodgrove = create_tenant(&pool, &tenant("woodgrove"), &Actor::cli(), T0)
        .await
        .unwrap();
    let contoso = create_tenant(&pool, &tenant("contoso"), &Actor::cli(), T0)
        .await
        .unwrap();
    Fixture {
        _dir: dir,
        pool,
        woodgrove,
        contoso,
        passwords: Passwords::new().unwrap(),
        actor: Actor::cli(),
    }
}

fn new_app(name: &str, client_type: ClientType) -> NewApplication {
    NewApplication {
        require_mfa: false,
        name: ApplicationName::parse(name).unwrap(),
        redirect_uris: RedirectUris::parse(&["https://app.test/callback"]).unwrap(),
        client_type,
        assignment_required: false,
    }
}

impl Fixture {
    async fn create(&self, tenant: &Tenant, name: &str, kind: ClientType) -> CreatedApplication {
        create_application(&self.pool, tenant, &new_app(name, kind), &self.actor, T0)
            .await
            .unwrap()
    }

    async fn member(&self, tenant: &Tenant, name: &str) -> User {
        let new = NewMember {
            upn: Upn::parse(&format!("{name}@{}", tenant.domain.as_str())).unwrap(),
            display_name: DisplayName::parse(name).unwrap(),
            password: NewPassword::parse("correct horse battery staple".into()).unwrap(),
            is_admin: false,
        };
        create_member(&self.pool, &self.passwords, tenant, new, &Actor::cli(), T0)
            .await
            .unwrap()
    }

    async fn find(&self, tenant: &Tenant, id: &str) -> Option<Application> {
        let mut conn = self.pool.acquire().await.unwrap();
        find_application(&mut conn, tenant, id).await.unwrap()
    }

    async fn secret_hash(&self, id: &str) -> Option<String> {
        sqlx::query_scalar!(
            "SELECT client_secret_hash FROM applications WHERE id = $1",
            id
        )
        .fetch_one(self.pool.connections())
        .await
        .unwrap()
    }

    async fn count(&self, action: &str) -> i64 {
        sqlx::query_scalar!(
            "SELECT COUNT(*) FROM audit_events WHERE action = $1",
            action
        )
        .fetch_one(self.pool.connections())
        .await
        .unwrap()
    }

    async fn assigned(&self, tenant: &Tenant, id: &str) -> Vec<String> {
        let mut conn = self.pool.acquire().await.unwrap();
        list_assignments(&mut conn, tenant, id)
            .await
            .unwrap()
            .into_iter()
            .map(|user| user.upn.as_str().to_owned())
            .collect()
    }
}

fn public_error<T: std::fmt::Debug>(result: Result<T>) -> AppError {
    match result {
        Err(Error::Public(error)) => error,
        other => panic!("a public error, not {other:?}"),
    }
}

#[tokio::test]
async fn a_confidential_clients_secret_is_shown_once_and_stored_only_as_its_hash() {
    let f = fixture().await;
    let created = f
        .create(&f.woodgrove, "Foo", ClientType::Confidential)
        .await;
    let secret = created.client_secret.expect("a secret");
    assert_eq!(secret.expose_secret().len(), 43, "256 bits in base64url");
    let id = &created.application.id;
    assert_eq!(
        f.secret_hash(id).await.as_deref(),
        Some(token_hash(secret.expose_secret()).as_str())
    );
    let detail: String =
        sqlx::query_scalar!("SELECT detail FROM audit_events WHERE action = 'application.create'")
            .fetch_one(f.pool.connections())
            .await
            .unwrap();
    assert!(!detail.contains(secret.expose_secret()), "{detail}");
    let found = f.find(&f.woodgrove, id).await.expect("stored");
    assert_eq!(found, created.application);
    assert!(uuid::Uuid::parse_str(&found.client_id).is_ok());
    assert_eq!(found.client_type, ClientType::Confidential);
}

#[tokio::test]
async fn a_public_client_has_no_secret_and_cannot_be_given_one() {
    let f = fixture().await;
    let created = f.create(&f.woodgrove, "Spa", ClientType::Public).await;
    assert!(created.client_secret.is_none());
    let id = &created.application.id;
    assert_eq!(f.secret_hash(id).await, None);
    let refused = new_client_secret(&f.pool, &f.woodgrove, id, &f.actor, T0).await;
    assert!(
        matches!(public_error(refused), AppError::Refused { code, .. } if code == "publicClient")
    );
    assert_eq!(f.secret_hash(id).await, None);
    assert_eq!(f.count("application.secret_rotate").await, 0);
}

#[tokio::test]
async fn a_new_secret_replaces_the_old_one() {
    let f = fixture().await;
    let created = f
        .create(&f.woodgrove, "Foo", ClientType::Confidential)
        .await;
    let old = created.client_secret.unwrap();
    let id = &created.application.id;
    let new = new_client_secret(&f.pool, &f.woodgrove, id, &f.actor, T0)
        .await
        .unwrap();
    assert_ne!(new.expose_secret(), old.expose_secret());
    assert_eq!(
        f.secret_hash(id).await.as_deref(),
        Some(token_hash(new.expose_secret()).as_str())
    );
    assert_eq!(f.count("application.secret_rotate").await, 1);
}

#[tokio::test]
async fn another_tenants_application_is_not_found_and_left_alone() {
    let f = fixture().await;
    let created = f
        .create(&f.woodgrove, "Foo", ClientType::Confidential)
        .await;
    let id = created.application.id.as_str();
    let hash = f.secret_hash(id).await;
    let contoso = &f.contoso;
    assert_eq!(f.find(contoso, id).await, None);
    let mut conn = f.pool.acquire().await.unwrap();
    assert!(matches!(
        public_error(require_application(&mut conn, contoso, id).await),
        AppError::NotFound(_)
    ));
    let client_id = &created.application.client_id;
    assert_eq!(
        find_application_by_client_id(&mut conn, contoso, client_id)
            .await
            .unwrap(),
        None
    );
    assert!(list_applications(&mut conn, contoso)
        .await
        .unwrap()
        .is_empty());
    drop(conn);

    let change = ApplicationChange {
        name: Some(ApplicationName::parse("Taken").unwrap()),
        ..ApplicationChange::default()
    };
    let (pool, actor) = (&f.pool, &f.actor);
    let refusals = [
        public_error(update_application(pool, contoso, id, &change, actor, T0).await),
        public_error(new_client_secret(pool, contoso, id, actor, T0).await),
        public_error(delete_application(pool, contoso, id, actor, T0).await),
    ];
    for refusal in refusals {
        assert!(matches!(refusal, AppError::NotFound(_)), "{refusal:?}");
    }
    assert_eq!(f.secret_hash(id).await, hash);
    assert_eq!(f.find(&f.woodgrove, id).await, Some(created.application));
}

#[tokio::test]
async fn an_update_changes_what_it_names_and_replaces_the_redirect_uris() {
    let f = fixture().await;
    let created = f
        .create(&f.woodgrove, "Foo", ClientType::Confidential)
        .await;
    let id = &created.application.id;
    let uris = RedirectUris::parse(&["https://b.test/cb", "http://localhost:8080/cb"]).unwrap();
    let change = ApplicationChange {
        redirect_uris: Some(uris),
        assignment_required: Some(true),
        ..ApplicationChange::default()
    };
    let updated = update_application(&f.pool, &f.woodgrove, id, &change, &f.actor, T0)
        .await
        .unwrap();
    assert_eq!(updated.name.as_str(), "Foo", "kept");
    assert!(updated.assignment_required);
    let mut stored = updated.redirect_uris.to_strings();
    stored.sort();
    assert_eq!(stored, ["http://localhost:8080/cb", "https://b.test/cb"]);
    assert!(!updated.redirect_uris.contains("https://app.test/callback"));
    assert_eq!(f.find(&f.woodgrove, id).await, Some(updated));
    assert_eq!(f.count("application.update").await, 1);
}

#[tokio::test]
async fn deleting_an_application_takes_its_redirect_uris_and_assignments() {
    let f = fixture().await;
    let created = f
        .create(&f.woodgrove, "Foo", ClientType::Confidential)
        .await;
    let id = &created.application.id;
    let megan = f.member(&f.woodgrove, "megan").await;
    assign_user(
        &f.pool,
        &f.woodgrove,
        id,
        &UserRef::Id(megan.id),
        &f.actor,
        T0,
    )
    .await
    .unwrap();
    delete_application(&f.pool, &f.woodgrove, id, &f.actor, T0)
        .await
        .unwrap();
    assert_eq!(f.find(&f.woodgrove, id).await, None);
    let uris = sqlx::query_scalar!("SELECT COUNT(*) FROM application_redirect_uris")
        .fetch_one(f.pool.connections())
        .await
        .unwrap();
    let assignments = sqlx::query_scalar!("SELECT COUNT(*) FROM application_assignments")
        .fetch_one(f.pool.connections())
        .await
        .unwrap();
    assert_eq!((uris, assignments), (0, 0));
    let again = delete_application(&f.pool, &f.woodgrove, id, &f.actor, T0).await;
    assert!(matches!(public_error(again), AppError::NotFound(_)));
    assert_eq!(f.count("application.delete").await, 1);
}

#[tokio::test]
async fn users_of_the_tenant_are_assigned_by_upn_or_id_and_others_are_refused() {
    let f = fixture().await;
    let created = f
        .create(&f.woodgrove, "Foo", ClientType::Confidential)
        .await;
    let id = &created.application.id;
    let megan = f.member(&f.woodgrove, "megan").await;
    let alice = f.member(&f.contoso, "alice").await;
    let (pool, tenant, actor) = (&f.pool, &f.woodgrove, &f.actor);

    let by_upn = UserRef::parse("MEGAN@woodgrove.test").unwrap();
    let assigned = assign_user(pool, tenant, id, &by_upn, actor, T0)
        .await
        .unwrap();
    assert_eq!(assigned.user_id, megan.id);
    // Twice is no error, and no second event.
    let by_id = UserRef::parse(&megan.id).unwrap();
    assign_user(pool, tenant, id, &by_id, actor, T0)
        .await
        .unwrap();
    assert_eq!(f.count("application.assign").await, 1);

    for other in [
        UserRef::Upn(alice.upn.clone()),
        UserRef::Id(alice.id.clone()),
        UserRef::parse("nobody@woodgrove.test").unwrap(),
    ] {
        let refused = public_error(assign_user(pool, tenant, id, &other, actor, T0).await);
        assert_eq!(refused.code(), "invalidInput", "{other:?}");
        assert!(refused.for_field("user").is_some(), "{refused:?}");
    }
    assert_eq!(f.assigned(tenant, id).await, ["megan@woodgrove.test"]);

    unassign_user(pool, tenant, id, &by_upn, actor, T0)
        .await
        .unwrap();
    assert!(f.assigned(tenant, id).await.is_empty());
    let again = unassign_user(pool, tenant, id, &by_upn, actor, T0).await;
    assert!(matches!(public_error(again), AppError::NotFound(_)));
    assert_eq!(f.count("application.unassign").await, 1);
}

#[tokio::test]
async fn an_admin_of_another_tenant_cannot_assign_to_an_application_it_does_not_own() {
    let f = fixture().await;
    let created = f
        .create(&f.woodgrove, "Foo", ClientType::Confidential)
        .await;
    let id = &created.application.id;
    let alice = f.member(&f.contoso, "alice").await;
    let alice = UserRef::Upn(alice.upn);
    let refused = assign_user(&f.pool, &f.contoso, id, &alice, &f.actor, T0).await;
    assert!(matches!(public_error(refused), AppError::NotFound(_)));
    assert!(f.assigned(&f.woodgrove, id).await.is_empty());
}

#[tokio::test]
async fn an_application_requiring_assignment_is_open_only_to_its_assigned_users() {
    let f = fixture().await;
    let open = f.create(&f.woodgrove, "Open", ClientType::Public).await;
    let mut closed = new_app("Closed", ClientType::Confidential);
    closed.assignment_required = true;
    let closed = create_application(&f.pool, &f.woodgrove, &closed, &f.actor, T0)
        .await
        .unwrap();
    let megan = f.member(&f.woodgrove, "megan").await;
    let adele = f.member(&f.woodgrove, "adele").await;
    let closed_id = &closed.application.id;
    assign_user(
        &f.pool,
        &f.woodgrove,
        closed_id,
        &UserRef::Id(megan.id.clone()),
        &f.actor,
        T0,
    )
    .await
    .unwrap();
    let mut conn = f.pool.acquire().await.unwrap();
    let names = |apps: Vec<Application>| -> Vec<String> {
        apps.into_iter().map(|app| app.name.to_string()).collect()
    };
    let for_megan = list_open_applications(&mut conn, &f.woodgrove, &megan.id)
        .await
        .unwrap();
    assert_eq!(names(for_megan), ["Closed", "Open"]);
    let for_adele = list_open_applications(&mut conn, &f.woodgrove, &adele.id)
        .await
        .unwrap();
    assert_eq!(names(for_adele), ["Open"]);
    assert!(is_assigned(&mut conn, closed_id, &megan.id).await.unwrap());
    assert!(!is_assigned(&mut conn, closed_id, &adele.id).await.unwrap());
    assert!(!is_assigned(&mut conn, &open.application.id, &megan.id)
        .await
        .unwrap());
}

#[test]
fn a_user_is_named_by_upn_when_it_has_an_at_sign() {
    assert_eq!(
        UserRef::parse(" Megan@Woodgrove.test ").unwrap(),
        UserRef::Upn(Upn::parse("megan@woodgrove.test").unwrap())
    );
    assert_eq!(
        UserRef::parse("0b9e…").unwrap(),
        UserRef::Id("0b9e…".into())
    );
    assert!(UserRef::parse("").is_err());
    assert!(UserRef::parse("not a upn@").is_err());
}
