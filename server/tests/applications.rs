//! Applications (DESIGN §2 Application, Assignment; §4): registered through
//! the admin pages' server functions, `/api/v1/applications` and `gatehouse
//! app`; a confidential client's secret shown once and stored only as its
//! hash; redirect URIs that exact matching could not trust refused with
//! nothing stored; tenant isolation (DESIGN §5); assignments by UPN.

mod common;

use std::process::{Command, Output, Stdio};

use app::applications::{ApplicationRow, ApplicationView, ClientCredentials};
use app::demo::{FOO_CALLBACK_PATH, FOO_CLIENT_ID};
use app::domain::ClientType;
use app::ssr::crypto::token_hash;
use common::wire::AppError;
use common::{api_error, app_error, json_reply, location, spawn_app, ApiPage, ApiUser, TestApp};
use reqwest::{Method, Response, StatusCode};
use secrecy::ExposeSecret;
use server::graph::{AppRoleAssignment, Application, Page};

const PAYROLL_CALLBACK: &str = "https://payroll.woodgrove.test/callback";

/// What redirect URIs exact matching could not trust, and no URI at all.
const BAD_REDIRECT_URIS: &[&str] = &[
    "http://payroll.woodgrove.test/callback",
    "https://payroll.woodgrove.test/callback#top",
    "/callback",
    "",
];

impl TestApp {
    /// Registers an application on the Applications page as `cookie`.
    async fn register(&self, cookie: &str, slug: &str, form: &[(&str, &str)]) -> Response {
        let mut all = vec![("slug", slug)];
        all.extend_from_slice(form);
        self.call("create_application", &all, Some(cookie)).await
    }

    async fn application_rows(&self, cookie: &str, slug: &str) -> Vec<ApplicationRow> {
        self.fetch("list_applications", &[("slug", slug)], Some(cookie))
            .await
    }

    async fn application_view(&self, cookie: &str, id: &str) -> ApplicationView {
        let form = [("slug", "woodgrove"), ("id", id)];
        self.fetch("application_details", &form, Some(cookie)).await
    }

    async fn api_send(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<serde_json::Value>,
    ) -> Response {
        let mut request = self.api(method, path, token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request")
    }

    /// The stored `client_secret_hash` of the application `id`.
    async fn secret_hash(&self, id: &str) -> Option<String> {
        sqlx::query_scalar("SELECT client_secret_hash FROM applications WHERE id = ?")
            .bind(id)
            .fetch_one(self.state.pool.connections())
            .await
            .expect("the application")
    }

    /// Every row of the three application tables, as text: what a leak
    /// of the database would show.
    async fn application_tables(&self) -> String {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT id || display_name || client_id || COALESCE(client_secret_hash, '')
             FROM applications
             UNION ALL SELECT application_id || uri FROM application_redirect_uris
             UNION ALL SELECT application_id || user_id FROM application_assignments
             UNION ALL SELECT COALESCE(detail, '') FROM audit_events",
        )
        .fetch_all(self.state.pool.connections())
        .await
        .expect("the tables");
        rows.into_iter().map(|(row,)| row).collect()
    }

    async fn application_count(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM applications")
            .fetch_one(self.state.pool.connections())
            .await
            .expect("count")
    }

    /// Runs the `gatehouse` binary on this server's database.
    fn gatehouse(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_gatehouse"))
            .args(args)
            .env("GATEHOUSE_DATABASE_URL", &self.database_url)
            .env_remove("RUST_LOG")
            .env_remove("GATEHOUSE_DEMO")
            .stdin(Stdio::null())
            .output()
            .expect("run gatehouse")
    }

    /// Woodgrove's demo application Foo, as the REST API shows it.
    async fn foo(&self, token: &str) -> Application {
        let page: Page<Application> = self.api_get("/api/v1/applications", token).await;
        page.value
            .into_iter()
            .find(|app| app.app_id == FOO_CLIENT_ID)
            .expect("Foo is registered")
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn an_admin_registers_a_confidential_application_whose_secret_is_shown_once() {
    let app = spawn_app().await;
    let admin = app.admin_session("admin@woodgrove.test").await;
    let form = [
        ("name", "Payroll"),
        (
            "redirect_uris",
            "https://payroll.woodgrove.test/callback\r\n  http://localhost:8080/cb \r\n",
        ),
        ("assignment_required", "on"),
    ];
    let created: ClientCredentials = json_reply(
        app.register(&admin, "woodgrove", &form).await,
        StatusCode::OK,
    )
    .await;
    let secret = created
        .client_secret
        .clone()
        .expect("a confidential client's secret");
    assert_eq!(secret.len(), 43, "256 bits in base64url");
    assert_eq!(created.client_id.len(), 36, "a UUID: {}", created.client_id);

    // Only the hash is stored; the secret is nowhere in the database.
    assert_eq!(
        app.secret_hash(&created.id).await,
        Some(token_hash(&secret))
    );
    assert!(!app.application_tables().await.contains(&secret));

    let rows = app.application_rows(&admin, "woodgrove").await;
    let row = rows
        .iter()
        .find(|row| row.id == created.id)
        .expect("listed");
    assert_eq!(
        (
            row.name.as_str(),
            row.client_id.as_str(),
            row.client_type,
            row.redirect_uri_count,
            row.assignment_required
        ),
        (
            "Payroll",
            created.client_id.as_str(),
            ClientType::Confidential,
            2,
            true
        )
    );
    let view = app.application_view(&admin, &created.id).await;
    let mut uris = view.redirect_uris.clone();
    uris.sort();
    assert_eq!(uris, ["http://localhost:8080/cb", PAYROLL_CALLBACK]);

    // Nothing shows the secret again: not the pages, not the API.
    for path in [
        "/t/woodgrove/admin/applications".to_owned(),
        format!("/t/woodgrove/admin/applications/{}", created.id),
    ] {
        let page = app.page(&path, Some(&admin)).await;
        assert_eq!(page.status(), StatusCode::OK, "{path}");
        let html = page.text().await.unwrap();
        assert!(html.contains("Payroll"), "{path}");
        assert!(html.contains(&created.client_id), "{path}");
        assert!(!html.contains(&secret), "{path}");
    }
    let token = app.api_token("woodgrove").await;
    let shown = app
        .api_send(
            Method::GET,
            &format!("/api/v1/applications/{}", created.id),
            &token,
            None,
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !shown.contains(&secret) && !shown.contains("clientSecret"),
        "{shown}"
    );
    let events = app.audit_events("application.create").await;
    let event = events
        .iter()
        .find(|event| event.target.as_deref() == Some(created.id.as_str()))
        .expect("audited");
    assert_eq!(event.actor.as_deref(), Some("admin@woodgrove.test"));
}

#[tokio::test]
async fn a_new_secret_replaces_the_old_and_a_public_client_has_none() {
    let app = spawn_app().await;
    let admin = app.admin_session("admin@woodgrove.test").await;
    let form = [("name", "Payroll"), ("redirect_uris", PAYROLL_CALLBACK)];
    let confidential: ClientCredentials = json_reply(
        app.register(&admin, "woodgrove", &form).await,
        StatusCode::OK,
    )
    .await;
    let old = confidential.client_secret.expect("a secret");
    let ids = [("slug", "woodgrove"), ("id", confidential.id.as_str())];
    let renewed: ClientCredentials = app.fetch("new_client_secret", &ids, Some(&admin)).await;
    let new = renewed.client_secret.expect("the new secret");
    assert_ne!(new, old);
    assert_eq!(
        app.secret_hash(&confidential.id).await,
        Some(token_hash(&new))
    );

    let form = [
        ("name", "Single page"),
        ("redirect_uris", "http://localhost:5173/"),
        ("public_client", "on"),
    ];
    let public: ClientCredentials = json_reply(
        app.register(&admin, "woodgrove", &form).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(public.client_secret, None);
    assert_eq!(app.secret_hash(&public.id).await, None);
    let ids = [("slug", "woodgrove"), ("id", public.id.as_str())];
    let refused = app.call("new_client_secret", &ids, Some(&admin)).await;
    assert!(matches!(
        app_error(refused).await,
        AppError::Refused { code, .. } if code == "publicClient"
    ));
    assert_eq!(app.secret_hash(&public.id).await, None);
}

#[tokio::test]
async fn the_rest_api_creates_reads_changes_and_deletes_applications() {
    let app = spawn_app().await;
    let token = app.api_token("woodgrove").await;
    let body = serde_json::json!({
        "displayName": "Payroll",
        "redirectUris": [PAYROLL_CALLBACK],
        "appRoleAssignmentRequired": true,
    });
    let response = app
        .api_send(Method::POST, "/api/v1/applications", &token, Some(body))
        .await;
    let created: Application = json_reply(response, StatusCode::CREATED).await;
    let secret = created.client_secret.clone().expect("clientSecret, once");
    assert_eq!(
        app.secret_hash(&created.id).await,
        Some(token_hash(&secret))
    );
    assert!(!created.is_public_client && created.app_role_assignment_required);
    assert_eq!(created.redirect_uris, [PAYROLL_CALLBACK]);
    assert!(!created.created_date_time.is_empty());

    let body = serde_json::json!({
        "displayName": "Single page",
        "redirectUris": ["http://127.0.0.1:5173/cb"],
        "isPublicClient": true,
    });
    let response = app
        .api_send(Method::POST, "/api/v1/applications", &token, Some(body))
        .await;
    let public: serde_json::Value = json_reply(response, StatusCode::CREATED).await;
    assert_eq!(public["isPublicClient"], true);
    assert!(public.get("clientSecret").is_none(), "{public}");

    let path = format!("/api/v1/applications/{}", created.id);
    let shown: Application = app.api_get(&path, &token).await;
    assert_eq!(
        Application {
            client_secret: Some(secret),
            ..shown.clone()
        },
        created
    );
    let listed: Page<Application> = app.api_get("/api/v1/applications", &token).await;
    let names: Vec<&str> = listed
        .value
        .iter()
        .map(|a| a.display_name.as_str())
        .collect();
    assert_eq!(names, ["Foo", "Payroll", "Single page"]);

    let patch = serde_json::json!({
        "displayName": "Payroll 2",
        "redirectUris": ["https://payroll2.woodgrove.test/cb", "http://[::1]:9000/cb"],
    });
    let response = app
        .api_send(Method::PATCH, &path, &token, Some(patch))
        .await;
    let changed: Application = json_reply(response, StatusCode::OK).await;
    let mut uris = changed.redirect_uris.clone();
    uris.sort();
    assert_eq!(
        (changed.display_name.as_str(), uris),
        (
            "Payroll 2",
            vec![
                "http://[::1]:9000/cb".to_owned(),
                "https://payroll2.woodgrove.test/cb".to_owned()
            ]
        )
    );
    assert!(changed.app_role_assignment_required, "kept");

    // Unknown fields and bad values change nothing.
    for patch in [
        serde_json::json!({ "isPublicClient": true }),
        serde_json::json!({ "displayName": "x", "color": "red" }),
        serde_json::json!({ "displayName": "x", "redirectUris": [] }),
        serde_json::json!({ "displayName": "x", "redirectUris": ["http://evil.test/cb"] }),
        serde_json::json!({ "displayName": "" }),
        serde_json::json!({ "appRoleAssignmentRequired": "yes" }),
    ] {
        let response = app
            .api_send(Method::PATCH, &path, &token, Some(patch.clone()))
            .await;
        let error = api_error(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(error.code, "invalidInput", "{patch}");
    }
    assert_eq!(app.api_get::<Application>(&path, &token).await, changed);

    let deleted = app.api_send(Method::DELETE, &path, &token, None).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = app.api_send(Method::GET, &path, &token, None).await;
    assert_eq!(
        api_error(gone, StatusCode::NOT_FOUND).await.code,
        "notFound"
    );
    let listed: Page<Application> = app.api_get("/api/v1/applications", &token).await;
    assert!(listed.value.iter().all(|a| a.id != created.id));
    assert_eq!(app.audit_count("application.delete", "success").await, 1);
}

#[tokio::test]
async fn bad_redirect_uris_are_refused_everywhere_and_nothing_is_stored() {
    let app = spawn_app().await;
    let admin = app.admin_session("admin@woodgrove.test").await;
    let token = app.api_token("woodgrove").await;
    let before = app.application_count().await;
    for bad in BAD_REDIRECT_URIS {
        let form = [("name", "Payroll"), ("redirect_uris", *bad)];
        let refused = app_error(app.register(&admin, "woodgrove", &form).await).await;
        assert!(
            refused.for_field("redirect_uris").is_some(),
            "{bad}: {refused:?}"
        );

        let uris: Vec<&str> = if bad.is_empty() { vec![] } else { vec![bad] };
        let body = serde_json::json!({ "displayName": "Payroll", "redirectUris": uris });
        let response = app
            .api_send(Method::POST, "/api/v1/applications", &token, Some(body))
            .await;
        let error = api_error(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(error.code, "invalidInput", "{bad}");

        let mut args = vec![
            "app",
            "create",
            "--tenant",
            "woodgrove",
            "--name",
            "Payroll",
        ];
        if !bad.is_empty() {
            args.extend(["--redirect-uri", bad]);
        }
        let output = app.gatehouse(&args);
        assert_eq!(output.status.code(), Some(2), "{bad}: {}", stderr(&output));
        assert_eq!(
            stderr(&output).lines().count(),
            1,
            "{bad}: {}",
            stderr(&output)
        );
    }
    // A good URI beside a bad one does not get through either.
    let form = [
        ("name", "Payroll"),
        (
            "redirect_uris",
            "https://payroll.woodgrove.test/cb\nhttp://payroll.woodgrove.test/cb",
        ),
    ];
    app_error(app.register(&admin, "woodgrove", &form).await).await;
    assert_eq!(app.application_count().await, before);
    assert_eq!(
        app.audit_count("application.create", "success").await,
        1,
        "Foo's only"
    );
}

#[tokio::test]
async fn the_cli_registers_an_application_and_prints_the_secret_alone_on_the_last_line() {
    let app = spawn_app().await;
    let token = app.api_token("woodgrove").await;
    let output = app.gatehouse(&[
        "app",
        "create",
        "--tenant",
        "woodgrove",
        "--name",
        "Payroll",
        "--redirect-uri",
        PAYROLL_CALLBACK,
        "--redirect-uri",
        "http://localhost:8080/cb",
        "--assignment-required",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let secret = text.lines().last().expect("a last line").to_owned();
    assert_eq!(secret.len(), 43, "{text}");
    let listed: Page<Application> = app.api_get("/api/v1/applications", &token).await;
    let payroll = listed
        .value
        .iter()
        .find(|a| a.display_name == "Payroll")
        .expect("registered");
    assert!(
        text.contains(&payroll.app_id),
        "the client id is printed: {text}"
    );
    assert_eq!(
        app.secret_hash(&payroll.id).await,
        Some(token_hash(&secret))
    );
    assert!(payroll.app_role_assignment_required);
    assert_eq!(payroll.redirect_uris.len(), 2);

    let json = app.gatehouse(&[
        "app",
        "create",
        "--tenant",
        "woodgrove",
        "--name",
        "Single page",
        "--redirect-uri",
        "http://localhost:5173/",
        "--public",
        "--format",
        "json",
    ]);
    assert!(json.status.success(), "{}", stderr(&json));
    let public: Application = serde_json::from_str(&stdout(&json)).expect("one JSON document");
    assert!(public.is_public_client && public.client_secret.is_none());

    let list = app.gatehouse(&["app", "list", "--tenant", "woodgrove", "--format", "json"]);
    assert!(list.status.success(), "{}", stderr(&list));
    let listed: Page<Application> = serde_json::from_str(&stdout(&list)).expect("JSON");
    let names: Vec<&str> = listed
        .value
        .iter()
        .map(|a| a.display_name.as_str())
        .collect();
    assert_eq!(names, ["Foo", "Payroll", "Single page"]);
    assert!(!stdout(&list).contains(&secret) && !stdout(&list).contains("clientSecret"));
    let text = app.gatehouse(&["app", "list", "--tenant", "woodgrove"]);
    assert_eq!(stdout(&text).lines().count(), 3, "{}", stdout(&text));

    let unknown = app.gatehouse(&[
        "app",
        "create",
        "--tenant",
        "fabrikam",
        "--name",
        "X",
        "--redirect-uri",
        PAYROLL_CALLBACK,
    ]);
    assert_eq!(unknown.status.code(), Some(1));
    assert_eq!(stderr(&unknown).lines().count(), 1, "{}", stderr(&unknown));
    assert!(
        stderr(&unknown).contains("fabrikam"),
        "{}",
        stderr(&unknown)
    );
    assert_eq!(app.application_count().await, 3);
}

#[tokio::test]
async fn an_admin_of_contoso_can_neither_see_nor_change_woodgroves_applications() {
    let app = spawn_app().await;
    let woodgrove_token = app.api_token("woodgrove").await;
    let foo = app.foo(&woodgrove_token).await;
    let hash = app.secret_hash(&foo.id).await;
    let contoso = app.admin_session("admin@contoso.test").await;
    let contoso_token = app.api_token("contoso").await;

    // Through Contoso's own portal, Woodgrove's application does not exist.
    let id = foo.id.as_str();
    let calls: [(&str, Vec<(&str, &str)>); 6] = [
        ("application_details", vec![]),
        (
            "save_application",
            vec![("name", "Mine"), ("redirect_uris", "https://evil.test/cb")],
        ),
        ("new_client_secret", vec![]),
        ("delete_application", vec![("confirm", "on")]),
        (
            "assign_application_user",
            vec![("user", "alice@contoso.test")],
        ),
        ("unassign_application_user", vec![("user_id", "x")]),
    ];
    for (function, extra) in &calls {
        for slug in ["contoso", "woodgrove"] {
            let mut form = vec![("slug", slug), ("id", id)];
            form.extend_from_slice(extra);
            let refused = app_error(app.call(function, &form, Some(&contoso)).await).await;
            let expected_404 = slug == "contoso";
            assert_eq!(
                matches!(refused, AppError::NotFound(_)),
                expected_404,
                "{function} in {slug}: {refused:?}"
            );
            if !expected_404 {
                assert_eq!(refused, AppError::Forbidden, "{function} in {slug}");
            }
        }
    }
    let rows = app.application_rows(&contoso, "contoso").await;
    assert!(rows.is_empty(), "{rows:?}");
    let page = app
        .page(
            &format!("/t/contoso/admin/applications/{id}"),
            Some(&contoso),
        )
        .await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(!page.text().await.unwrap().contains(FOO_CLIENT_ID));
    let page = app
        .page(
            &format!("/t/woodgrove/admin/applications/{id}"),
            Some(&contoso),
        )
        .await;
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    let list = app
        .page("/t/contoso/admin/applications", Some(&contoso))
        .await;
    assert_eq!(list.status(), StatusCode::OK);
    assert!(!list.text().await.unwrap().contains(FOO_CLIENT_ID));

    // Through the REST API with Contoso's token: 404.
    let path = format!("/api/v1/applications/{id}");
    let assign = format!("{path}/assignments");
    for (method, path, body) in [
        (Method::GET, path.as_str(), None),
        (
            Method::PATCH,
            path.as_str(),
            Some(serde_json::json!({ "displayName": "Mine" })),
        ),
        (Method::DELETE, path.as_str(), None),
        (Method::GET, assign.as_str(), None),
        (
            Method::POST,
            assign.as_str(),
            Some(serde_json::json!({ "userPrincipalName": "alice@contoso.test" })),
        ),
    ] {
        let response = app
            .api_send(method.clone(), path, &contoso_token, body)
            .await;
        let error = api_error(response, StatusCode::NOT_FOUND).await;
        assert_eq!(error.code, "notFound", "{method} {path}");
    }
    let listed: Page<Application> = app.api_get("/api/v1/applications", &contoso_token).await;
    assert!(listed.value.is_empty());

    assert_eq!(app.foo(&woodgrove_token).await, foo, "unchanged");
    assert_eq!(app.secret_hash(&foo.id).await, hash);
    assert_eq!(app.audit_count("application.update", "success").await, 0);
    assert_eq!(app.audit_count("application.assign", "success").await, 0);
}

#[tokio::test]
async fn a_member_who_is_not_an_admin_is_refused() {
    let app = spawn_app().await;
    let megan = app.signed_in("megan@woodgrove.test").await;
    let before = app.application_count().await;
    let listed = app
        .call("list_applications", &[("slug", "woodgrove")], Some(&megan))
        .await;
    assert_eq!(app_error(listed).await, AppError::Forbidden);
    let form = [("name", "Payroll"), ("redirect_uris", PAYROLL_CALLBACK)];
    let created = app.register(&megan, "woodgrove", &form).await;
    assert_eq!(app_error(created).await, AppError::Forbidden);
    let page = app
        .page("/t/woodgrove/admin/applications", Some(&megan))
        .await;
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.application_count().await, before);
}

#[tokio::test]
async fn users_are_assigned_by_upn_and_a_user_of_another_tenant_cannot_be() {
    let app = spawn_app().await;
    let admin = app.admin_session("admin@woodgrove.test").await;
    let token = app.api_token("woodgrove").await;
    let foo = app.foo(&token).await;
    let id = foo.id.as_str();

    let form = [
        ("slug", "woodgrove"),
        ("id", id),
        ("user", "Megan@Woodgrove.test"),
    ];
    let assigned = app
        .call("assign_application_user", &form, Some(&admin))
        .await;
    assert_eq!(assigned.status(), StatusCode::OK);
    let view = app.application_view(&admin, id).await;
    let upns: Vec<&str> = view.assigned.iter().map(|user| user.upn.as_str()).collect();
    assert_eq!(upns, ["megan@woodgrove.test"]);
    let megan_id = view.assigned[0].user_id.clone();

    // Alice is Contoso's: not a user Woodgrove can assign, by UPN or by id.
    let contoso_token = app.api_token("contoso").await;
    let contoso_users: ApiPage<ApiUser> = app.api_get("/api/v1/users", &contoso_token).await;
    let alice = contoso_users
        .value
        .iter()
        .find(|user| user.user_principal_name == "alice@contoso.test")
        .expect("Alice");
    let form = [
        ("slug", "woodgrove"),
        ("id", id),
        ("user", "alice@contoso.test"),
    ];
    let refused = app_error(
        app.call("assign_application_user", &form, Some(&admin))
            .await,
    )
    .await;
    let message = refused.for_field("user").expect("a field error");
    assert!(message.contains("alice@contoso.test"), "{message}");
    let assignments = format!("/api/v1/applications/{id}/assignments");
    for body in [
        serde_json::json!({ "userPrincipalName": "alice@contoso.test" }),
        serde_json::json!({ "userId": alice.id }),
        serde_json::json!({ "userPrincipalName": "nobody@woodgrove.test" }),
        serde_json::json!({}),
    ] {
        let response = app
            .api_send(Method::POST, &assignments, &token, Some(body.clone()))
            .await;
        let error = api_error(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(error.code, "invalidInput", "{body}");
    }
    let listed: Page<AppRoleAssignment> = app.api_get(&assignments, &token).await;
    let upns: Vec<&str> = listed
        .value
        .iter()
        .map(|a| a.user_principal_name.as_str())
        .collect();
    assert_eq!(upns, ["megan@woodgrove.test"]);

    // The admin is assigned over REST and Megan removed on the page.
    let body = serde_json::json!({ "userPrincipalName": "admin@woodgrove.test" });
    let response = app
        .api_send(Method::POST, &assignments, &token, Some(body))
        .await;
    let made: AppRoleAssignment = json_reply(response, StatusCode::CREATED).await;
    assert_eq!(
        (made.resource_id.as_str(), made.principal_type.as_str()),
        (id, "User")
    );
    let form = [
        ("slug", "woodgrove"),
        ("id", id),
        ("user_id", megan_id.as_str()),
    ];
    let removed = app
        .call("unassign_application_user", &form, Some(&admin))
        .await;
    assert_eq!(removed.status(), StatusCode::OK);
    let view = app.application_view(&admin, id).await;
    let upns: Vec<&str> = view.assigned.iter().map(|user| user.upn.as_str()).collect();
    assert_eq!(upns, ["admin@woodgrove.test"]);
    let again = app
        .api_send(
            Method::DELETE,
            &format!("{assignments}/{megan_id}"),
            &token,
            None,
        )
        .await;
    api_error(again, StatusCode::NOT_FOUND).await;
    assert_eq!(app.audit_count("application.assign", "success").await, 2);
    assert_eq!(app.audit_count("application.unassign", "success").await, 1);
}

#[tokio::test]
async fn the_settings_form_works_before_the_wasm_and_a_refusal_says_why_and_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_session("admin@woodgrove.test").await;
    let token = app.api_token("woodgrove").await;
    let foo = app.foo(&token).await;
    let page = format!("/t/woodgrove/admin/applications/{}", foo.id);
    let post = async |uris: &str| {
        let form = [
            ("slug", "woodgrove"),
            ("id", foo.id.as_str()),
            ("name", "Foo"),
            ("redirect_uris", uris),
        ];
        app.post_before_wasm("save_application", &form, Some(&admin), &page)
            .await
    };
    let refused = post("https://foo.woodgrove.test/cb#fragment").await;
    assert_eq!(refused.status(), StatusCode::SEE_OTHER);
    let html = app.follow_back(&refused, Some(&admin)).await;
    let why = "'https://foo.woodgrove.test/cb#fragment' has a fragment (#…), \
               which a redirect URI cannot have.";
    assert!(
        html.contains(html_escape::encode_text(why).as_ref()),
        "the refusal is on the page: {html}"
    );
    assert_eq!(app.foo(&token).await, foo);

    let saved = post("https://foo.woodgrove.test/cb\nhttps://foo.woodgrove.test/cb2").await;
    assert!(saved.status().is_redirection(), "{}", saved.status());
    let location = location(&saved);
    assert!(
        location.starts_with(&app.url(&page)) && !location.contains("__err"),
        "{location}"
    );
    let changed = app.foo(&token).await;
    assert_eq!(
        changed.redirect_uris,
        [
            "https://foo.woodgrove.test/cb",
            "https://foo.woodgrove.test/cb2"
        ]
    );
    assert!(
        !changed.app_role_assignment_required,
        "an unticked box is off"
    );
}

#[tokio::test]
async fn deleting_on_the_page_needs_the_confirmation_then_goes_back_to_the_list() {
    let app = spawn_app().await;
    let admin = app.admin_session("admin@woodgrove.test").await;
    let form = [("name", "Payroll"), ("redirect_uris", PAYROLL_CALLBACK)];
    let created: ClientCredentials = json_reply(
        app.register(&admin, "woodgrove", &form).await,
        StatusCode::OK,
    )
    .await;
    let ids = [("slug", "woodgrove"), ("id", created.id.as_str())];
    let unconfirmed = app_error(app.call("delete_application", &ids, Some(&admin)).await).await;
    assert!(
        unconfirmed.for_field("confirm").is_some(),
        "{unconfirmed:?}"
    );
    assert_eq!(
        app.application_view(&admin, &created.id).await.name,
        "Payroll"
    );

    let mut confirmed = ids.to_vec();
    confirmed.push(("confirm", "on"));
    let deleted = app
        .call("delete_application", &confirmed, Some(&admin))
        .await;
    assert_eq!(
        deleted.headers()["location"],
        "/t/woodgrove/admin/applications"
    );
    let rows = app.application_rows(&admin, "woodgrove").await;
    assert!(rows.iter().all(|row| row.id != created.id));
    let gone = app.call("application_details", &ids, Some(&admin)).await;
    assert!(matches!(app_error(gone).await, AppError::NotFound(_)));
}

#[tokio::test]
async fn the_demo_application_foo_is_registered_in_woodgrove_with_its_derived_secret() {
    let app = spawn_app().await;
    let token = app.api_token("woodgrove").await;
    let foo = app.foo(&token).await;
    assert_eq!(foo.display_name, "Foo");
    assert!(!foo.is_public_client);
    let callback = format!(
        "{}{FOO_CALLBACK_PATH}",
        app.state.config.public_url.origin()
    );
    assert_eq!(foo.redirect_uris, [callback]);
    let secret = app::demo::ssr::demo_foo_client_secret(&app.state.secret_key);
    assert_eq!(
        app.secret_hash(&foo.id).await,
        Some(token_hash(secret.expose_secret()))
    );
}
