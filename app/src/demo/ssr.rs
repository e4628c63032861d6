//! Seeds the demo tenants, accounts and application. Idempotent: what
//! exists is kept — except that Foo's secret and callback follow the
//! deployment's secret key and public URL, which its relying party uses.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use secrecy::SecretString;
use sha2::Sha256;

use super::{FOO_CALLBACK_PATH, FOO_CLIENT_ID, FOO_NAME, FOO_TENANT};
use crate::applications::ssr::{
    create_application_with, find_application_by_client_id, set_client_secret, update_application,
    ApplicationChange, NewApplication,
};
use crate::auth::ssr::password::Passwords;
use crate::domain::{
    ApplicationName, ClientType, DisplayName, DomainName, Licence, NewPassword, Plan, RedirectUri,
    RedirectUris, TenantSlug, Upn,
};
use crate::ssr::clock::UnixTime;
use crate::ssr::config::PublicUrl;
use crate::ssr::db::Pool;
use crate::ssr::state::SecretKey;
use crate::ssr::{Actor, Result, Stored};
use crate::tenants::ssr::{create_tenant, find_tenant_by_slug, NewTenant, Tenant};
use crate::users::ssr::{create_member, find_credentials_by_upn, NewMember};

/// Every demo account's password, shown on the landing page in demo mode only.
pub const DEMO_PASSWORD: &str = "correct horse battery staple";

pub struct DemoAccount {
    pub tenant: &'static str,
    pub upn: &'static str,
    pub display_name: &'static str,
    pub is_admin: bool,
    pub role: &'static str,
}

struct DemoTenant {
    slug: &'static str,
    name: &'static str,
    domain: &'static str,
    plan: Plan,
    seats: Option<i64>,
}

const DEMO_TENANTS: &[DemoTenant] = &[
    DemoTenant {
        slug: "woodgrove",
        name: "Woodgrove",
        domain: "woodgrove.test",
        plan: Plan::Premium,
        seats: Some(10),
    },
    DemoTenant {
        slug: "contoso",
        name: "Contoso",
        domain: "contoso.test",
        plan: Plan::Free,
        seats: None,
    },
];

pub const DEMO_ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        tenant: "woodgrove",
        upn: "admin@woodgrove.test",
        display_name: "Woodgrove Admin",
        is_admin: true,
        role: "Woodgrove's admin (the resource tenant)",
    },
    DemoAccount {
        tenant: "woodgrove",
        upn: "megan@woodgrove.test",
        display_name: "Megan Bowen",
        is_admin: false,
        role: "a Woodgrove member",
    },
    DemoAccount {
        tenant: "contoso",
        upn: "admin@contoso.test",
        display_name: "Contoso Admin",
        is_admin: true,
        role: "Contoso's admin (the partner)",
    },
    DemoAccount {
        tenant: "contoso",
        upn: "alice@contoso.test",
        display_name: "Alice Wood",
        is_admin: false,
        role: "a Contoso member, the guest-to-be",
    },
];

/// Creates whatever of the demo data is missing: tenants, accounts, and
/// Woodgrove's application Foo, whose callback is on `public_url` and whose
/// secret derives from `key`.
pub async fn seed(
    pool: &Pool,
    passwords: &Passwords,
    public_url: &PublicUrl,
    key: &SecretKey,
    now: UnixTime,
) -> Result<()> {
    let actor = Actor::cli();
    let mut tenants: Vec<Tenant> = Vec::new();
    for demo in DEMO_TENANTS {
        let slug = parse(TenantSlug::parse(demo.slug))?;
        let existing = find_tenant_by_slug(&mut *pool.acquire().await?, &slug).await?;
        let tenant = match existing {
            Some(tenant) => tenant,
            None => {
                let new = NewTenant {
                    slug,
                    display_name: parse(DisplayName::parse(demo.name))?,
                    domain: parse(DomainName::parse(demo.domain))?,
                    licence: parse(Licence::parse(demo.plan, demo.seats))?,
                };
                create_tenant(pool, &new, &actor, now).await?
            }
        };
        tenants.push(tenant);
    }
    for account in DEMO_ACCOUNTS {
        let upn = parse(Upn::parse(account.upn))?;
        if find_credentials_by_upn(&mut *pool.acquire().await?, &upn)
            .await?
            .is_some()
        {
            continue;
        }
        let Some(tenant) = tenants
            .iter()
            .find(|tenant| tenant.slug.as_str() == account.tenant)
        else {
            continue;
        };
        let member = NewMember {
            upn,
            display_name: parse(DisplayName::parse(account.display_name))?,
            password: parse(NewPassword::parse(DEMO_PASSWORD.to_owned()))?,
            is_admin: account.is_admin,
        };
        create_member(pool, passwords, tenant, member, &actor, now).await?;
    }
    if let Some(woodgrove) = tenants
        .iter()
        .find(|tenant| tenant.slug.as_str() == FOO_TENANT)
    {
        seed_foo(pool, woodgrove, public_url, key, &actor, now).await?;
    }
    tracing::info!("demo data is in place");
    Ok(())
}

/// The secret of the demo application Foo (client id [`FOO_CLIENT_ID`]):
/// derived from the deployment's secret key under a subkey of its own, so
/// the demo relying party knows it and the database holds only its hash.
pub fn demo_foo_client_secret(key: &SecretKey) -> SecretString {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(key.expose()).expect("HMAC takes a key of any length");
    mac.update(b"gatehouse.demo-foo-client-secret.v1");
    SecretString::from(URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

/// Registers Foo in Woodgrove, or brings an existing Foo's secret and demo
/// callback in line with this deployment's key and public URL (its other
/// settings are the admin's).
async fn seed_foo(
    pool: &Pool,
    woodgrove: &Tenant,
    public_url: &PublicUrl,
    key: &SecretKey,
    actor: &Actor,
    now: UnixTime,
) -> Result<()> {
    let callback = format!("{}{FOO_CALLBACK_PATH}", public_url.origin());
    let callback = match RedirectUri::parse(&callback) {
        Ok(callback) => callback,
        Err(error) => {
            tracing::warn!(%error, "the demo application Foo needs an https public URL (or http on localhost); not registered");
            return Ok(());
        }
    };
    let secret = demo_foo_client_secret(key);
    let existing =
        find_application_by_client_id(&mut *pool.acquire().await?, woodgrove, FOO_CLIENT_ID)
            .await?;
    let Some(registered) = existing else {
        let new = NewApplication {
            name: parse(ApplicationName::parse(FOO_NAME))?,
            redirect_uris: parse(RedirectUris::new(vec![callback]))?,
            client_type: ClientType::Confidential,
            assignment_required: false,
            // DESIGN §7: Foo requires MFA.
            require_mfa: true,
        };
        create_application_with(
            pool,
            woodgrove,
            &new,
            FOO_CLIENT_ID,
            Some(&secret),
            actor,
            now,
        )
        .await?;
        return Ok(());
    };
    if registered.client_type == ClientType::Confidential {
        set_client_secret(pool, woodgrove, &registered.id, &secret, actor, now).await?;
    }
    // The callback of an earlier public URL gives way to this one's.
    let mut uris: Vec<RedirectUri> = registered
        .redirect_uris
        .iter()
        .filter(|uri| !uri.as_str().ends_with(FOO_CALLBACK_PATH))
        .cloned()
        .collect();
    uris.push(callback);
    let uris = parse(RedirectUris::new(uris))?;
    let unchanged = uris.len() == registered.redirect_uris.len()
        && uris
            .iter()
            .all(|uri| registered.redirect_uris.contains(uri.as_str()));
    if !unchanged {
        let change = ApplicationChange {
            redirect_uris: Some(uris),
            ..ApplicationChange::default()
        };
        update_application(pool, woodgrove, &registered.id, &change, actor, now).await?;
    }
    Ok(())
}

fn parse<T>(parsed: std::result::Result<T, crate::domain::ParseError>) -> Result<T> {
    parsed.stored("demo data")
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;
    use crate::applications::ssr::Application;
    use crate::ssr::crypto::token_hash;
    use crate::ssr::db::open_for_test;

    const T0: UnixTime = 1_795_608_000;

    async fn woodgrove(pool: &Pool) -> Tenant {
        let new = NewTenant {
            slug: TenantSlug::parse(FOO_TENANT).unwrap(),
            display_name: DisplayName::parse("Woodgrove").unwrap(),
            domain: DomainName::parse("woodgrove.test").unwrap(),
            // As in the demo: premium, so that Foo may require MFA.
            licence: Licence::parse(Plan::Premium, Some(10)).unwrap(),
        };
        create_tenant(pool, &new, &Actor::cli(), T0).await.unwrap()
    }

    async fn foo(pool: &Pool, tenant: &Tenant) -> Option<(Application, Option<String>)> {
        let mut conn = pool.acquire().await.unwrap();
        let found = find_application_by_client_id(&mut conn, tenant, FOO_CLIENT_ID)
            .await
            .unwrap()?;
        let hash = sqlx::query_scalar!(
            "SELECT client_secret_hash FROM applications WHERE id = $1",
            found.id
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        Some((found, hash))
    }

    async fn events(pool: &Pool) -> i64 {
        sqlx::query_scalar!("SELECT COUNT(*) FROM audit_events WHERE action LIKE 'application.%'")
            .fetch_one(pool.connections())
            .await
            .unwrap()
    }

    #[test]
    fn the_demo_secret_derives_from_the_key_alone() {
        let a = demo_foo_client_secret(&SecretKey::new([1; 32]));
        let again = demo_foo_client_secret(&SecretKey::new([1; 32]));
        let b = demo_foo_client_secret(&SecretKey::new([2; 32]));
        assert_eq!(a.expose_secret(), again.expose_secret());
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert_eq!(
            a.expose_secret().len(),
            43,
            "256 bits, like any client secret"
        );
    }

    #[tokio::test]
    async fn foo_is_registered_once_with_its_callback_and_the_hash_of_its_derived_secret() {
        let (_dir, pool) = open_for_test().await;
        let tenant = woodgrove(&pool).await;
        let url = PublicUrl::parse("http://localhost:3000").unwrap();
        let key = SecretKey::new([1; 32]);
        seed_foo(&pool, &tenant, &url, &key, &Actor::cli(), T0)
            .await
            .unwrap();
        let (registered, hash) = foo(&pool, &tenant).await.expect("Foo");
        assert_eq!(registered.name.as_str(), FOO_NAME);
        let mut conn = pool.acquire().await.unwrap();
        let requires_mfa =
            crate::policies::ssr::application_requires_mfa(&mut conn, &tenant, &registered.id)
                .await
                .unwrap();
        assert!(requires_mfa, "DESIGN §7: Foo requires MFA");
        assert_eq!(registered.client_type, ClientType::Confidential);
        assert_eq!(
            registered.redirect_uris.to_strings(),
            ["http://localhost:3000/demo/foo/callback"]
        );
        let secret = demo_foo_client_secret(&key);
        assert_eq!(hash, Some(token_hash(secret.expose_secret())));
        let written = events(&pool).await;

        seed_foo(&pool, &tenant, &url, &key, &Actor::cli(), T0)
            .await
            .unwrap();
        assert_eq!(
            events(&pool).await,
            written,
            "nothing to do the second time"
        );
        assert_eq!(
            foo(&pool, &tenant).await.map(|(app, _)| app),
            Some(registered)
        );
    }

    #[tokio::test]
    async fn foo_follows_a_new_key_and_public_url_and_keeps_the_admins_uris() {
        let (_dir, pool) = open_for_test().await;
        let tenant = woodgrove(&pool).await;
        let actor = Actor::cli();
        let old_url = PublicUrl::parse("http://localhost:3000").unwrap();
        seed_foo(
            &pool,
            &tenant,
            &old_url,
            &SecretKey::new([1; 32]),
            &actor,
            T0,
        )
        .await
        .unwrap();
        let (registered, _) = foo(&pool, &tenant).await.unwrap();
        let uris = RedirectUris::parse(&[
            "http://localhost:3000/demo/foo/callback",
            "https://foo.woodgrove.test/signin",
        ])
        .unwrap();
        let change = ApplicationChange {
            redirect_uris: Some(uris),
            ..ApplicationChange::default()
        };
        update_application(&pool, &tenant, &registered.id, &change, &actor, T0)
            .await
            .unwrap();

        let new_url = PublicUrl::parse("https://id.woodgrove.test").unwrap();
        let new_key = SecretKey::new([2; 32]);
        seed_foo(&pool, &tenant, &new_url, &new_key, &actor, T0)
            .await
            .unwrap();
        let (moved, hash) = foo(&pool, &tenant).await.unwrap();
        let mut uris = moved.redirect_uris.to_strings();
        uris.sort();
        assert_eq!(
            uris,
            [
                "https://foo.woodgrove.test/signin",
                "https://id.woodgrove.test/demo/foo/callback"
            ]
        );
        let secret = demo_foo_client_secret(&new_key);
        assert_eq!(hash, Some(token_hash(secret.expose_secret())));
    }

    #[tokio::test]
    async fn foo_is_not_registered_on_a_plain_http_public_url_elsewhere_than_loopback() {
        let (_dir, pool) = open_for_test().await;
        let tenant = woodgrove(&pool).await;
        let url = PublicUrl::parse("http://gatehouse.lan:3000").unwrap();
        seed_foo(
            &pool,
            &tenant,
            &url,
            &SecretKey::new([1; 32]),
            &Actor::cli(),
            T0,
        )
        .await
        .unwrap();
        assert!(foo(&pool, &tenant).await.is_none());
    }
}
