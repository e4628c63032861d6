//! Inbound trust over HTTP (DESIGN §1, §3.3 step 4): the Partners page's
//! server functions and `/api/v1/partners` change what `trusts_home_mfa`
//! — the authorize step's question — answers; a partner's own setting wins
//! over the default; tenants are isolated; bad input changes nothing.

mod common;

use app::partners::ssr::trusts_home_mfa;
use app::partners::PartnersView;
use common::wire::AppError;
use common::{api_error, app_error, json_reply, spawn_app, TestApp};
use reqwest::{Method, Response, StatusCode};
use serde_json::json;
use server::graph::{InboundTrust, Page, PartnerConfiguration};

impl TestApp {
    async fn tenant_id(&self, slug: &str) -> String {
        let slug = app::domain::TenantSlug::parse(slug).expect("a slug");
        let mut conn = self.state.pool.acquire().await.expect("a connection");
        app::tenants::ssr::require_tenant(&mut conn, &slug)
            .await
            .expect("the tenant")
            .id
    }

    /// Whether `resource` accepts the MFA done at home in `home`.
    async fn trusts(&self, resource: &str, home: &str) -> bool {
        let (resource, home) = (self.tenant_id(resource).await, self.tenant_id(home).await);
        let mut conn = self.state.pool.acquire().await.expect("a connection");
        trusts_home_mfa(&mut conn, &resource, &home)
            .await
            .expect("an answer")
    }

    async fn partners(&self, slug: &str, cookie: &str) -> PartnersView {
        self.fetch("partner_overview", &[("slug", slug)], Some(cookie))
            .await
    }

    async fn put(&self, path: &str, token: &str, body: serde_json::Value) -> Response {
        self.api(Method::PUT, path, token)
            .json(&body)
            .send()
            .await
            .expect("request")
    }
}

fn trust(accepted: bool) -> serde_json::Value {
    json!({ "inboundTrust": { "isMfaAccepted": accepted } })
}

#[tokio::test]
async fn the_portal_sets_the_default_and_a_partner_and_the_partners_row_wins() {
    let app = spawn_app().await;
    let admin = app.admin_session("admin@woodgrove.test").await;
    assert!(
        !app.trusts("woodgrove", "contoso").await,
        "nothing until set"
    );

    let set = app
        .call(
            "set_default_partner_trust",
            &[("slug", "woodgrove"), ("trust_mfa", "on")],
            Some(&admin),
        )
        .await;
    assert!(json_reply::<bool>(set, StatusCode::OK).await);
    assert!(app.trusts("woodgrove", "contoso").await, "the default");
    assert!(
        !app.trusts("contoso", "woodgrove").await,
        "Woodgrove's default only"
    );

    // Contoso added by its domain, without trust: its own row wins.
    let added = app
        .call(
            "set_partner_trust",
            &[("slug", "woodgrove"), ("partner", "contoso.test")],
            Some(&admin),
        )
        .await;
    assert_eq!(added.status(), StatusCode::OK);
    assert!(!app.trusts("woodgrove", "contoso").await);
    let view = app.partners("woodgrove", &admin).await;
    assert!(view.default_trust_mfa);
    assert_eq!(view.partners.len(), 1);
    let contoso = &view.partners[0];
    assert_eq!(
        (contoso.domain.as_str(), contoso.trust_mfa),
        ("contoso.test", false)
    );

    let trusted = app
        .call(
            "set_partner_trust",
            &[
                ("slug", "woodgrove"),
                ("partner", &contoso.tenant_id),
                ("trust_mfa", "on"),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(trusted.status(), StatusCode::OK);
    let unset = app
        .call(
            "set_default_partner_trust",
            &[("slug", "woodgrove")],
            Some(&admin),
        )
        .await;
    assert!(!json_reply::<bool>(unset, StatusCode::OK).await);
    assert!(app.trusts("woodgrove", "contoso").await, "its own row");
    assert_eq!(
        app.partners("woodgrove", &admin).await.partners.len(),
        1,
        "one row"
    );

    let removed = app
        .call(
            "remove_partner",
            &[("slug", "woodgrove"), ("partner", &contoso.tenant_id)],
            Some(&admin),
        )
        .await;
    assert_eq!(removed.status(), StatusCode::OK);
    assert!(
        !app.trusts("woodgrove", "contoso").await,
        "the default again"
    );
    assert!(app.partners("woodgrove", &admin).await.partners.is_empty());
    let events = app.audit_events("partner.update").await;
    assert_eq!(events.len(), 5);
    assert!(events
        .iter()
        .all(|event| event.tenant.as_deref() == Some("woodgrove")));

    let page = app.page("/t/woodgrove/admin/partners", Some(&admin)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("the page");
    assert!(html.contains("id=\"default-trust-mfa\""), "{html}");
}

#[tokio::test]
async fn the_rest_api_reads_and_sets_the_default_and_each_partner() {
    let app = spawn_app().await;
    let token = app.api_token("woodgrove").await;
    let contoso_id = app.tenant_id("contoso").await;

    let default: PartnerConfiguration = app.api_get("/api/v1/partners/default", &token).await;
    assert_eq!(default, PartnerConfiguration::default_trust(false));
    let set = app
        .put("/api/v1/partners/default", &token, trust(true))
        .await;
    let set: PartnerConfiguration = json_reply(set, StatusCode::OK).await;
    assert_eq!(set, PartnerConfiguration::default_trust(true));
    assert!(app.trusts("woodgrove", "contoso").await);

    let none = app
        .api(
            Method::GET,
            &format!("/api/v1/partners/{contoso_id}"),
            &token,
        )
        .send()
        .await
        .expect("request");
    api_error(none, StatusCode::NOT_FOUND).await;

    // Named by slug here; answered by id.
    let patched = app
        .api(Method::PATCH, "/api/v1/partners/contoso", &token)
        .json(&trust(false))
        .send()
        .await
        .expect("request");
    let patched: PartnerConfiguration = json_reply(patched, StatusCode::OK).await;
    let expected = PartnerConfiguration {
        inbound_trust: InboundTrust {
            is_mfa_accepted: false,
        },
        is_default: false,
        tenant_id: Some(contoso_id.clone()),
    };
    assert_eq!(patched, expected);
    assert!(
        !app.trusts("woodgrove", "contoso").await,
        "the partner's row wins"
    );
    let path = format!("/api/v1/partners/{contoso_id}");
    assert_eq!(
        app.api_get::<PartnerConfiguration>(&path, &token).await,
        expected
    );
    let listed: Page<PartnerConfiguration> = app.api_get("/api/v1/partners", &token).await;
    assert_eq!(listed.value, vec![expected]);

    let deleted = app
        .api(Method::DELETE, &path, &token)
        .send()
        .await
        .expect("request");
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert!(
        app.trusts("woodgrove", "contoso").await,
        "the default again"
    );
    let again = app
        .api(Method::DELETE, &path, &token)
        .send()
        .await
        .expect("request");
    api_error(again, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn contosos_admin_cannot_read_or_change_woodgroves_partners() {
    let app = spawn_app().await;
    let woodgrove = app.admin_session("admin@woodgrove.test").await;
    let set = app
        .call(
            "set_partner_trust",
            &[
                ("slug", "woodgrove"),
                ("partner", "contoso.test"),
                ("trust_mfa", "on"),
            ],
            Some(&woodgrove),
        )
        .await;
    assert_eq!(set.status(), StatusCode::OK);
    let before = app.partners("woodgrove", &woodgrove).await;

    let contoso = app.admin_session("admin@contoso.test").await;
    let seen = app
        .call("partner_overview", &[("slug", "woodgrove")], Some(&contoso))
        .await;
    assert_eq!(app_error(seen).await, AppError::Forbidden);
    for (function, form) in [
        (
            "set_default_partner_trust",
            vec![("slug", "woodgrove"), ("trust_mfa", "on")],
        ),
        (
            "set_partner_trust",
            vec![("slug", "woodgrove"), ("partner", "contoso.test")],
        ),
        (
            "remove_partner",
            vec![("slug", "woodgrove"), ("partner", "contoso.test")],
        ),
    ] {
        let refused = app.call(function, &form, Some(&contoso)).await;
        assert_eq!(app_error(refused).await, AppError::Forbidden, "{function}");
    }

    // Contoso's token changes Contoso's settings only.
    let token = app.api_token("contoso").await;
    let listed: Page<PartnerConfiguration> = app.api_get("/api/v1/partners", &token).await;
    assert!(
        listed.value.is_empty(),
        "Woodgrove's rows are not Contoso's"
    );
    let set = app
        .put("/api/v1/partners/default", &token, trust(true))
        .await;
    assert_eq!(set.status(), StatusCode::OK);
    let woodgrove_id = app.tenant_id("woodgrove").await;
    let path = format!("/api/v1/partners/{woodgrove_id}");
    let none = app
        .api(Method::DELETE, &path, &token)
        .send()
        .await
        .expect("request");
    api_error(none, StatusCode::NOT_FOUND).await;

    let woodgrove = app.admin_session("admin@woodgrove.test").await;
    assert_eq!(
        app.partners("woodgrove", &woodgrove).await,
        before,
        "unchanged"
    );
    assert!(
        app.trusts("contoso", "woodgrove").await,
        "Contoso's own default"
    );
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_session("admin@woodgrove.test").await;
    let token = app.api_token("woodgrove").await;
    let own_id = app.tenant_id("woodgrove").await;

    for partner in ["woodgrove", "woodgrove.test", own_id.as_str()] {
        let own = app
            .call(
                "set_partner_trust",
                &[
                    ("slug", "woodgrove"),
                    ("partner", partner),
                    ("trust_mfa", "on"),
                ],
                Some(&admin),
            )
            .await;
        assert_eq!(own.status(), StatusCode::BAD_REQUEST, "{partner}");
        let error = app_error(own).await;
        assert!(error.for_field("tenantId").is_some(), "{error:?}");
    }
    let empty = app
        .call(
            "set_partner_trust",
            &[("slug", "woodgrove"), ("partner", " ")],
            Some(&admin),
        )
        .await;
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
    let unknown = app
        .call(
            "set_partner_trust",
            &[("slug", "woodgrove"), ("partner", "nowhere.test")],
            Some(&admin),
        )
        .await;
    assert!(matches!(app_error(unknown).await, AppError::NotFound(_)));

    let own = app
        .put(&format!("/api/v1/partners/{own_id}"), &token, trust(true))
        .await;
    api_error(own, StatusCode::BAD_REQUEST).await;
    let unknown = app
        .put("/api/v1/partners/nowhere.test", &token, trust(true))
        .await;
    api_error(unknown, StatusCode::NOT_FOUND).await;
    for body in [
        json!({}),
        json!({ "inboundTrust": {} }),
        json!({ "inboundTrust": { "isMfaAccepted": "yes" } }),
        json!({ "inboundTrust": { "isMfaAccepted": true, "isCompliantDeviceAccepted": true } }),
        json!({ "inboundTrust": { "isMfaAccepted": true }, "tenantId": "x" }),
    ] {
        for path in ["/api/v1/partners/default", "/api/v1/partners/contoso"] {
            let refused = app.put(path, &token, body.clone()).await;
            let error = api_error(refused, StatusCode::BAD_REQUEST).await;
            assert_eq!(error.code, "invalidInput", "{path} {body}");
        }
    }

    let view = app.partners("woodgrove", &admin).await;
    assert!(
        !view.default_trust_mfa && view.partners.is_empty(),
        "nothing changed"
    );
    assert_eq!(app.audit_count("partner.update", "success").await, 0);
}
