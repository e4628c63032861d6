//! The partner settings store and its services. A tenant has at most one
//! row per partner tenant and one default row (`partner_tenant_id` NULL);
//! without either, nothing is trusted. Every change is one transaction,
//! audited as `partner.update`.

use serde_json::json;

use super::{PartnerView, PartnersView};
use crate::error::AppError;
use crate::ssr::audit::{self, Action, Event};
use crate::ssr::clock::UnixTime;
use crate::ssr::db::{self, Conn, Pool, Tx};
use crate::ssr::{Actor, Result};
use crate::tenants::ssr::Tenant;

/// Another tenant of the deployment, as a partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerTenant {
    pub id: String,
    pub slug: String,
    pub display_name: String,
    pub domain: String,
}

/// A partner tenant's own setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerSetting {
    pub partner: PartnerTenant,
    /// Accept the MFA a guest did at home in the partner tenant.
    pub inbound_trust_mfa: bool,
    pub updated_at: UnixTime,
}

/// A tenant's inbound trust settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerSettings {
    /// For partners without a setting of their own; false until set.
    pub default_trust_mfa: bool,
    /// The partners with a setting of their own, by name.
    pub partners: Vec<PartnerSetting>,
}

/// Whether the resource tenant `tenant_id` accepts the MFA done at home in
/// `home_tenant_id` (a guest's home tenant, for a work account): the
/// partner's own setting, else the tenant's default, else no. One indexed
/// query. A tenant's own members are not partners (their MFA with the
/// tenant counts as such): false.
pub async fn trusts_home_mfa(
    conn: &mut Conn,
    tenant_id: &str,
    home_tenant_id: &str,
) -> Result<bool> {
    if tenant_id == home_tenant_id {
        return Ok(false);
    }
    let trust = sqlx::query_scalar!(
        r#"SELECT inbound_trust_mfa AS "trust: bool" FROM partner_settings
           WHERE tenant_id = $1 AND (partner_tenant_id = $2 OR partner_tenant_id IS NULL)
           ORDER BY CASE WHEN partner_tenant_id IS NULL THEN 1 ELSE 0 END
           LIMIT 1"#,
        tenant_id,
        home_tenant_id
    )
    .fetch_optional(conn)
    .await?;
    Ok(trust.unwrap_or(false))
}

/// The tenant's default and its partners' own settings.
pub async fn list_partner_settings(conn: &mut Conn, tenant: &Tenant) -> Result<PartnerSettings> {
    let default_trust_mfa = sqlx::query_scalar!(
        r#"SELECT inbound_trust_mfa AS "trust: bool" FROM partner_settings
           WHERE tenant_id = $1 AND partner_tenant_id IS NULL"#,
        tenant.id
    )
    .fetch_optional(&mut *conn)
    .await?
    .unwrap_or(false);
    let rows = sqlx::query!(
        r#"SELECT t.id, t.slug, t.display_name, t.domain,
                  s.inbound_trust_mfa AS "trust: bool", s.updated_at
           FROM partner_settings s JOIN tenants t ON t.id = s.partner_tenant_id
           WHERE s.tenant_id = $1
           ORDER BY t.display_name, t.id"#,
        tenant.id
    )
    .fetch_all(conn)
    .await?;
    Ok(PartnerSettings {
        default_trust_mfa,
        partners: rows
            .into_iter()
            .map(|row| PartnerSetting {
                partner: PartnerTenant {
                    id: row.id,
                    slug: row.slug,
                    display_name: row.display_name,
                    domain: row.domain,
                },
                inbound_trust_mfa: row.trust,
                updated_at: row.updated_at,
            })
            .collect(),
    })
}

/// Everything the Partners page shows.
pub async fn partners_view(conn: &mut Conn, tenant: &Tenant) -> Result<PartnersView> {
    let settings = list_partner_settings(conn, tenant).await?;
    Ok(PartnersView {
        tenant_name: tenant.display_name.clone(),
        default_trust_mfa: settings.default_trust_mfa,
        partners: settings
            .partners
            .into_iter()
            .map(|setting| PartnerView {
                tenant_id: setting.partner.id,
                name: setting.partner.display_name,
                domain: setting.partner.domain,
                trust_mfa: setting.inbound_trust_mfa,
                modified: crate::ssr::date(setting.updated_at),
            })
            .collect(),
    })
}

/// The tenant `partner` names — by id, slug or domain — as a partner of
/// `tenant`: not found when no tenant has it, refused when it is `tenant`.
pub async fn find_partner_tenant(
    conn: &mut Conn,
    tenant: &Tenant,
    partner: &str,
) -> Result<PartnerTenant> {
    let key = partner.trim().to_ascii_lowercase();
    let row = sqlx::query!(
        "SELECT id, slug, display_name, domain FROM tenants
         WHERE id = $1 OR slug = $1 OR domain = $1
         LIMIT 1",
        key
    )
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| AppError::NotFound(format!("The tenant '{}'", partner.trim())))?;
    if row.id == tenant.id {
        return Err(AppError::Invalid {
            field: "tenantId".into(),
            message: format!("{} cannot be its own partner.", tenant.display_name),
        }
        .into());
    }
    Ok(PartnerTenant {
        id: row.id,
        slug: row.slug,
        display_name: row.display_name,
        domain: row.domain,
    })
}

/// The partner's own setting; not found when it has none (the default
/// applies to it).
pub async fn find_partner_setting(
    conn: &mut Conn,
    tenant: &Tenant,
    partner: &str,
) -> Result<PartnerSetting> {
    let partner = find_partner_tenant(conn, tenant, partner).await?;
    let row = sqlx::query!(
        r#"SELECT inbound_trust_mfa AS "trust: bool", updated_at FROM partner_settings
           WHERE tenant_id = $1 AND partner_tenant_id = $2"#,
        tenant.id,
        partner.id
    )
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| no_setting(&partner))?;
    Ok(PartnerSetting {
        partner,
        inbound_trust_mfa: row.trust,
        updated_at: row.updated_at,
    })
}

fn no_setting(partner: &PartnerTenant) -> crate::ssr::Error {
    AppError::NotFound(format!("A setting for the partner '{}'", partner.domain)).into()
}

/// Sets the default for partners without a setting of their own.
#[tracing::instrument(skip_all, fields(tenant = %tenant.slug.as_str()))]
pub async fn set_default_trust(
    pool: &Pool,
    tenant: &Tenant,
    trust_mfa: bool,
    actor: &Actor,
    now: UnixTime,
) -> Result<bool> {
    db::write(pool, async |tx| {
        let updated = sqlx::query!(
            "UPDATE partner_settings SET inbound_trust_mfa = $1, updated_at = $2
             WHERE tenant_id = $3 AND partner_tenant_id IS NULL",
            trust_mfa,
            now,
            tenant.id
        )
        .execute(tx.conn())
        .await?
        .rows_affected();
        if updated == 0 {
            sqlx::query!(
                "INSERT INTO partner_settings (tenant_id, partner_tenant_id, inbound_trust_mfa, updated_at)
                 VALUES ($1, NULL, $2, $3)",
                tenant.id,
                trust_mfa,
                now
            )
            .execute(tx.conn())
            .await?;
        }
        let detail = json!({ "partnerTenantId": null, "inboundTrustMfa": trust_mfa });
        record(tx, tenant, actor, "default", detail, now).await?;
        Ok(trust_mfa)
    })
    .await
}

/// Gives the partner tenant `partner` (id, slug or domain) a setting of its
/// own.
#[tracing::instrument(skip_all, fields(tenant = %tenant.slug.as_str()))]
pub async fn set_partner_trust(
    pool: &Pool,
    tenant: &Tenant,
    partner: &str,
    trust_mfa: bool,
    actor: &Actor,
    now: UnixTime,
) -> Result<PartnerSetting> {
    db::write(pool, async |tx| {
        let partner = find_partner_tenant(tx, tenant, partner).await?;
        let updated = sqlx::query!(
            "UPDATE partner_settings SET inbound_trust_mfa = $1, updated_at = $2
             WHERE tenant_id = $3 AND partner_tenant_id = $4",
            trust_mfa,
            now,
            tenant.id,
            partner.id
        )
        .execute(tx.conn())
        .await?
        .rows_affected();
        if updated == 0 {
            sqlx::query!(
                "INSERT INTO partner_settings (tenant_id, partner_tenant_id, inbound_trust_mfa, updated_at)
                 VALUES ($1, $2, $3, $4)",
                tenant.id,
                partner.id,
                trust_mfa,
                now
            )
            .execute(tx.conn())
            .await?;
        }
        let detail = json!({ "partnerTenantId": partner.id, "inboundTrustMfa": trust_mfa });
        record(tx, tenant, actor, &partner.slug, detail, now).await?;
        Ok(PartnerSetting {
            partner,
            inbound_trust_mfa: trust_mfa,
            updated_at: now,
        })
    })
    .await
}

/// Removes the partner's own setting: the default applies to it again.
/// Not found when it has none.
#[tracing::instrument(skip_all, fields(tenant = %tenant.slug.as_str()))]
pub async fn remove_partner(
    pool: &Pool,
    tenant: &Tenant,
    partner: &str,
    actor: &Actor,
    now: UnixTime,
) -> Result<()> {
    db::write(pool, async |tx| {
        let partner = find_partner_tenant(tx, tenant, partner).await?;
        let removed = sqlx::query!(
            "DELETE FROM partner_settings WHERE tenant_id = $1 AND partner_tenant_id = $2",
            tenant.id,
            partner.id
        )
        .execute(tx.conn())
        .await?
        .rows_affected();
        if removed == 0 {
            return Err(no_setting(&partner));
        }
        let detail = json!({ "partnerTenantId": partner.id, "removed": true });
        record(tx, tenant, actor, &partner.slug, detail, now).await
    })
    .await
}

async fn record(
    tx: &mut Tx,
    tenant: &Tenant,
    actor: &Actor,
    target: &str,
    detail: serde_json::Value,
    now: UnixTime,
) -> Result<()> {
    let event = Event::success(Action::PartnerUpdated, now)
        .by(actor)
        .tenant(&tenant.id)
        .target(target)
        .detail(detail);
    audit::record(tx, event).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{DisplayName, DomainName, Licence, TenantSlug};
    use crate::ssr::db::open_for_test;
    use crate::tenants::ssr::{create_tenant, NewTenant};

    const T0: UnixTime = 1_795_608_000;

    async fn tenant(pool: &Pool, slug: &str) -> Tenant {
        let new = NewTenant {
            slug: TenantSlug::parse(slug).unwrap(),
            display_name: DisplayName::parse(slug).unwrap(),
            domain: DomainName::parse(&format!("{slug}.test")).unwrap(),
            licence: Licence::free(),
        };
        create_tenant(pool, &new, &Actor::cli(), T0).await.unwrap()
    }

    async fn trusts(pool: &Pool, tenant: &Tenant, home: &Tenant) -> bool {
        let mut conn = pool.acquire().await.unwrap();
        trusts_home_mfa(&mut conn, &tenant.id, &home.id)
            .await
            .unwrap()
    }

    async fn updates(pool: &Pool) -> i64 {
        sqlx::query_scalar!("SELECT COUNT(*) FROM audit_events WHERE action = 'partner.update'")
            .fetch_one(pool.connections())
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn nothing_is_trusted_until_a_setting_says_so() {
        let (_dir, pool) = open_for_test().await;
        let (woodgrove, contoso) = (
            tenant(&pool, "woodgrove").await,
            tenant(&pool, "contoso").await,
        );
        assert!(!trusts(&pool, &woodgrove, &contoso).await);
        let mut conn = pool.acquire().await.unwrap();
        let settings = list_partner_settings(&mut conn, &woodgrove).await.unwrap();
        assert_eq!(
            settings,
            PartnerSettings {
                default_trust_mfa: false,
                partners: Vec::new()
            }
        );
    }

    #[tokio::test]
    async fn the_partners_own_setting_wins_over_the_default() {
        let (_dir, pool) = open_for_test().await;
        let woodgrove = tenant(&pool, "woodgrove").await;
        let contoso = tenant(&pool, "contoso").await;
        let fabrikam = tenant(&pool, "fabrikam").await;
        let actor = Actor::cli();

        set_default_trust(&pool, &woodgrove, true, &actor, T0)
            .await
            .unwrap();
        assert!(trusts(&pool, &woodgrove, &contoso).await, "the default");
        assert!(
            !trusts(&pool, &contoso, &woodgrove).await,
            "only Woodgrove's"
        );

        set_partner_trust(&pool, &woodgrove, "contoso.test", false, &actor, T0)
            .await
            .unwrap();
        assert!(!trusts(&pool, &woodgrove, &contoso).await, "its own row");
        assert!(
            trusts(&pool, &woodgrove, &fabrikam).await,
            "still the default"
        );

        set_default_trust(&pool, &woodgrove, false, &actor, T0)
            .await
            .unwrap();
        set_partner_trust(&pool, &woodgrove, &contoso.id, true, &actor, T0 + 5)
            .await
            .unwrap();
        assert!(trusts(&pool, &woodgrove, &contoso).await);
        assert!(!trusts(&pool, &woodgrove, &fabrikam).await);

        let mut conn = pool.acquire().await.unwrap();
        let settings = list_partner_settings(&mut conn, &woodgrove).await.unwrap();
        assert!(!settings.default_trust_mfa);
        assert_eq!(settings.partners.len(), 1, "one row per partner");
        assert_eq!(settings.partners[0].partner.slug, "contoso");
        assert_eq!(settings.partners[0].updated_at, T0 + 5);
        drop(conn);

        remove_partner(&pool, &woodgrove, "contoso", &actor, T0)
            .await
            .unwrap();
        assert!(
            !trusts(&pool, &woodgrove, &contoso).await,
            "the default again"
        );
        assert_eq!(updates(&pool).await, 5, "every change audited");
    }

    #[tokio::test]
    async fn a_tenant_cannot_be_its_own_partner_nor_name_an_unknown_one() {
        let (_dir, pool) = open_for_test().await;
        let woodgrove = tenant(&pool, "woodgrove").await;
        let actor = Actor::cli();
        let own = set_partner_trust(&pool, &woodgrove, "woodgrove", true, &actor, T0).await;
        assert!(
            matches!(own, Err(crate::ssr::Error::Public(AppError::Invalid { ref field, .. })) if field == "tenantId"),
            "{own:?}"
        );
        let unknown = set_partner_trust(&pool, &woodgrove, "nowhere.test", true, &actor, T0).await;
        assert!(
            matches!(
                unknown,
                Err(crate::ssr::Error::Public(AppError::NotFound(_)))
            ),
            "{unknown:?}"
        );
        let not_set = remove_partner(&pool, &woodgrove, "woodgrove", &actor, T0).await;
        assert!(not_set.is_err());
        assert_eq!(updates(&pool).await, 0, "nothing changed");
        set_default_trust(&pool, &woodgrove, true, &actor, T0)
            .await
            .unwrap();
        assert!(
            !trusts(&pool, &woodgrove, &woodgrove).await,
            "members are no partners"
        );
    }
}
