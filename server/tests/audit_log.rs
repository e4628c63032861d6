//! The audit log over HTTP (DESIGN §2 Audit event, §4, issue 9 item 7):
//! what people do — sign in, pass and fail MFA, invite, change policies,
//! register applications — read back the way an admin reads it, through the
//! page's server function, `GET /api/v1/audit` and the CSV export; every
//! filter, keyset paging, tenant isolation, bad input, and the trail that
//! cannot be rewritten.

mod common;

use app::audit_log::{AuditLog, AuditRow};
use app::mfa::ssr::totp::{code_at, TotpSecret};
use app::ssr::audit::{self, Action, Event};
use app::ssr::clock::Clock as _;
use app::ssr::Actor;
use common::wire::{AppError, TotpSetupView};
use common::{api_error, app_error, json_reply, session_cookie, spawn_app, TestApp, T0};
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE, COOKIE, LOCATION};
use reqwest::{Response, StatusCode};
use server::graph::{AuditEvent, Page};

const DAY: i64 = 86_400;
const ADMIN: &str = "admin@woodgrove.test";
const MEGAN: &str = "megan@woodgrove.test";

/// A query string from pairs, encoded.
fn query(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

impl TestApp {
    /// A page of Woodgrove's audit log through the page's server function.
    async fn log_page(&self, cookie: &str, filters: &[(&str, &str)]) -> AuditLog {
        let mut form = vec![("slug", "woodgrove")];
        form.extend_from_slice(filters);
        self.fetch("list_audit_events", &form, Some(cookie)).await
    }

    /// Every row the page shows for `filters`, following its pages.
    async fn log_rows(&self, cookie: &str, filters: &[(&str, &str)]) -> Vec<AuditRow> {
        let mut rows = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut form = filters.to_vec();
            if let Some(cursor) = &cursor {
                form.push(("cursor", cursor.as_str()));
            }
            let page = self.log_page(cookie, &form).await;
            assert!(page.rows.len() <= 50, "50 a page");
            rows.extend(page.rows);
            match page.next {
                Some(next) => cursor = Some(next),
                None => return rows,
            }
        }
    }

    /// A page of `GET /api/v1/audit?{query}`.
    async fn api_log(&self, token: &str, query: &str) -> Page<AuditEvent> {
        self.api_get(&format!("/api/v1/audit?{query}"), token).await
    }

    /// Every event `GET /api/v1/audit` answers for `filters`, page by page.
    async fn api_events(&self, token: &str, filters: &[(&str, &str)]) -> Vec<AuditEvent> {
        let mut events = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut pairs = filters.to_vec();
            if let Some(cursor) = &cursor {
                pairs.push(("cursor", cursor.as_str()));
            }
            let page = self.api_log(token, &query(&pairs)).await;
            assert!(page.value.len() <= 100, "100 a page");
            events.extend(page.value);
            match page.next {
                Some(next) => cursor = Some(next),
                None => return events,
            }
        }
    }

    /// The portal's *Export CSV* download for `filters`, as `cookie`.
    async fn export(&self, cookie: Option<&str>, filters: &[(&str, &str)]) -> Response {
        let mut request = self.client.get(self.url(&format!(
            "/t/woodgrove/admin/audit/export.csv?{}",
            query(filters)
        )));
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        request.send().await.expect("request")
    }

    /// Records events as the services do, for volume no test would click
    /// through: each `(actor, target, detail)` a Woodgrove sign-in, in one
    /// transaction.
    async fn record_sign_ins(&self, events: &[(String, String, serde_json::Value)]) {
        let tenant = self.woodgrove_id().await;
        let now = self.clock.now();
        app::ssr::db::write(&self.state.pool, async |tx| {
            for (actor, target, detail) in events {
                let event = Event::success(Action::SignIn, now)
                    .by(&Actor::person(actor, Some("192.0.2.7".into())))
                    .tenant(&tenant)
                    .target(target)
                    .detail(detail.clone());
                audit::record(tx, event).await?;
            }
            Ok(())
        })
        .await
        .expect("the events are recorded");
    }

    async fn woodgrove_id(&self) -> String {
        let slug = app::domain::TenantSlug::parse("woodgrove").expect("a slug");
        let mut conn = self.state.pool.acquire().await.expect("a connection");
        app::tenants::ssr::require_tenant(&mut conn, &slug)
            .await
            .expect("Woodgrove")
            .id
    }

    /// Megan signs in and sets up an authenticator app with Woodgrove; the
    /// app's secret and her session.
    async fn megan_with_an_app(&self) -> (TotpSecret, String) {
        let cookie = self.signed_in(MEGAN).await;
        let setup: TotpSetupView = self
            .fetch(
                "totp_begin",
                &[("tenant", "woodgrove"), ("name", "Phone")],
                Some(&cookie),
            )
            .await;
        let secret = TotpSecret::from_base32(&setup.secret_text).expect("a base32 secret");
        let code = code_at(&secret, self.clock.now());
        let form = [
            ("tenant", "woodgrove"),
            ("method_id", setup.method_id.as_str()),
            ("code", code.as_str()),
        ];
        let response = self.call("totp_confirm", &form, Some(&cookie)).await;
        assert_eq!(response.status(), StatusCode::OK, "Megan's proof-up");
        (
            secret,
            session_cookie(&response).expect("a rotated session"),
        )
    }

    async fn mfa_verify(&self, code: &str, cookie: &str) -> Response {
        let form = [("tenant", "woodgrove"), ("code", code)];
        self.call("mfa_verify", &form, Some(cookie)).await
    }
}

/// A code that no step within the challenge's skew accepts.
fn wrong_code(secret: &TotpSecret, now: i64) -> String {
    let near = [now - 30, now, now + 30].map(|at| code_at(secret, at));
    ["000000", "111111", "222222", "333333"]
        .into_iter()
        .find(|code| !near.iter().any(|near| near == code))
        .expect("a code that is wrong")
        .to_owned()
}

/// What a person reading the log looks for in an event.
fn seen(event: &AuditEvent) -> (&str, Option<&str>, Option<&str>, &str) {
    (
        event.action.as_str(),
        event.actor.as_deref(),
        event.target.as_deref(),
        event.outcome.as_str(),
    )
}

fn seen_row(row: &AuditRow) -> (&str, Option<&str>, Option<&str>, &str) {
    (
        row.action.as_str(),
        row.actor.as_deref(),
        row.target.as_deref(),
        row.outcome.as_str(),
    )
}

#[tokio::test]
async fn sign_ins_mfa_and_admin_changes_are_read_back_through_the_api_and_the_page() {
    let app = spawn_app().await;
    // Megan: a wrong password, then in; an authenticator app; the
    // challenge failed with a wrong code, then passed.
    let refused = app.sign_in(MEGAN, "not her password", None).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let (secret, _) = app.megan_with_an_app().await;
    app.clock.advance(60);
    let megan = app.signed_in(MEGAN).await;
    let wrong = app
        .mfa_verify(&wrong_code(&secret, app.clock.now()), &megan)
        .await;
    assert!(matches!(app_error(wrong).await, AppError::Invalid { .. }));
    let right = app
        .mfa_verify(&code_at(&secret, app.clock.now()), &megan)
        .await;
    assert_eq!(right.status(), StatusCode::OK);

    // The admin: in with MFA, then an application, a policy for it
    // (created, then changed) and an invitation.
    app.clock.advance(60);
    let admin = app.admin_session(ADMIN).await;
    let form = [
        ("slug", "woodgrove"),
        ("name", "Payroll"),
        ("redirect_uris", "https://payroll.woodgrove.test/callback"),
    ];
    let created: app::applications::ClientCredentials = json_reply(
        app.call("create_application", &form, Some(&admin)).await,
        StatusCode::OK,
    )
    .await;
    let policy_form = |state: &'static str| {
        vec![
            ("slug", "woodgrove"),
            ("name", "MFA for Payroll"),
            ("state", state),
            ("include", "all"),
            ("applications", "listed"),
            ("application_ids[]", created.id.as_str()),
            ("require_mfa", "on"),
        ]
    };
    let saved = app
        .call("save_policy", &policy_form("report_only"), Some(&admin))
        .await;
    let policy: String = json_reply(saved, StatusCode::OK).await;
    let mut change = policy_form("on");
    change.push(("id", policy.as_str()));
    let saved = app.call("save_policy", &change, Some(&admin)).await;
    assert_eq!(json_reply::<String>(saved, StatusCode::OK).await, policy);
    let invite = [
        ("slug", "woodgrove"),
        ("email", "gsamoogle@gmail.test"),
        ("display_name", "G Samoogle"),
    ];
    let invited: common::wire::Invited = app.fetch("invite_guest", &invite, Some(&admin)).await;

    let expected = [
        ("signin", Some(MEGAN), Some(MEGAN), "success"),
        ("mfa.method_added", Some(MEGAN), Some(MEGAN), "success"),
        ("mfa.challenge_failed", Some(MEGAN), Some(MEGAN), "failure"),
        ("mfa.challenge_passed", Some(MEGAN), Some(MEGAN), "success"),
        ("signin", Some(ADMIN), Some(ADMIN), "success"),
        ("mfa.method_added", Some(ADMIN), Some(ADMIN), "success"),
        (
            "application.create",
            Some(ADMIN),
            Some(created.id.as_str()),
            "success",
        ),
        (
            "policy.create",
            Some(ADMIN),
            Some(policy.as_str()),
            "success",
        ),
        (
            "policy.update",
            Some(ADMIN),
            Some(policy.as_str()),
            "success",
        ),
        (
            "invitation.create",
            Some(ADMIN),
            Some(invited.guest_upn.as_str()),
            "success",
        ),
    ];

    // The page's server function: the first page holds all of today's.
    let page = app.log_page(&admin, &[]).await;
    let rows: Vec<_> = page.rows.iter().map(seen_row).collect();
    for event in &expected {
        assert!(rows.contains(event), "{event:?} on the page: {rows:#?}");
    }
    assert!(
        page.rows.windows(2).all(|pair| pair[0].id > pair[1].id),
        "newest first"
    );
    let newest = &page.rows[0];
    assert_eq!(newest.action, "invitation.create");
    assert_eq!(newest.at, "2026-11-25 12:02:00 UTC");
    assert_eq!(newest.at_rfc3339, "2026-11-25T12:02:00Z");
    assert_eq!(newest.ip.as_deref(), Some("127.0.0.1"));
    let detail: serde_json::Value = serde_json::from_str(&newest.detail).expect("JSON");
    assert_eq!(detail["sendEmail"], false);

    // The REST API: the same events, Graph-shaped.
    let token = app.api_token("woodgrove").await;
    let events = app.api_events(&token, &[]).await;
    let listed: Vec<_> = events.iter().map(seen).collect();
    for event in &expected {
        assert!(listed.contains(event), "{event:?} in the API: {listed:#?}");
    }
    let failed = events
        .iter()
        .find(|event| event.action == "mfa.challenge_failed")
        .expect("the failed challenge");
    assert_eq!(failed.detail["reason"], "wrongCode");
    assert_eq!(failed.activity_date_time, "2026-11-25T12:01:00Z");
    assert_eq!(failed.ip_address.as_deref(), Some("127.0.0.1"));
    let update = events
        .iter()
        .find(|event| event.action == "policy.update")
        .expect("the policy change");
    assert_eq!(
        (&update.detail["previousState"], &update.detail["state"]),
        (&serde_json::json!("report_only"), &serde_json::json!("on")),
        "{}",
        update.detail
    );
    // The API's token is an actor too.
    let token_created = events
        .iter()
        .find(|event| event.action == "api_token.create")
        .expect("the token");
    assert_eq!(token_created.actor.as_deref(), Some(ADMIN));
}

#[tokio::test]
async fn a_members_refused_sign_in_is_in_their_tenants_log() {
    let app = spawn_app().await;
    let refused = app.sign_in(MEGAN, "not her password", None).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let token = app.api_token("woodgrove").await;
    let failures = app
        .api_events(&token, &[("action", "signin"), ("outcome", "failure")])
        .await;
    assert_eq!(
        failures.iter().map(seen).collect::<Vec<_>>(),
        [("signin", Some(MEGAN), Some(MEGAN), "failure")]
    );
}

/// Which events a filter should keep.
type Keeps = Box<dyn Fn(&AuditEvent) -> bool>;

#[tokio::test]
async fn each_filter_narrows_the_log_alike_in_the_api_and_on_the_page() {
    let app = spawn_app().await;
    // Day 2: Megan in, with an app; a failed challenge. Day 3: the admin.
    app.clock.set(T0 + DAY);
    let (secret, megan) = app.megan_with_an_app().await;
    let wrong = app
        .mfa_verify(&wrong_code(&secret, app.clock.now()), &megan)
        .await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    app.clock.set(T0 + 2 * DAY);
    let admin = app.admin_session(ADMIN).await;
    let token = app.api_token("woodgrove").await;

    let all = app.api_events(&token, &[]).await;
    let cases: Vec<(Vec<(&str, &str)>, Keeps)> = vec![
        (
            vec![("actor", MEGAN)],
            Box::new(|event| event.actor.as_deref() == Some(MEGAN)),
        ),
        (
            vec![("target", ADMIN)],
            Box::new(|event| event.target.as_deref() == Some(ADMIN)),
        ),
        (
            vec![("action", "signin")],
            Box::new(|event| event.action == "signin"),
        ),
        (
            vec![("outcome", "failure")],
            Box::new(|event| event.outcome == "failure"),
        ),
        (
            vec![("from", "2026-11-26"), ("to", "2026-11-26")],
            Box::new(|event| event.activity_date_time.starts_with("2026-11-26T")),
        ),
        (
            // An instant and Unix seconds: from day 2's noon, to day 3's first second.
            vec![("from", "2026-11-26T12:00:00Z"), ("to", "1795737600")],
            Box::new(|event| event.activity_date_time.starts_with("2026-11-26T12:")),
        ),
        (
            vec![
                ("actor", MEGAN),
                ("outcome", "failure"),
                ("action", "mfa.challenge_failed"),
            ],
            Box::new(|event| {
                event.actor.as_deref() == Some(MEGAN) && event.action == "mfa.challenge_failed"
            }),
        ),
    ];
    for (filters, keeps) in &cases {
        let expected: Vec<&str> = all
            .iter()
            .filter(|event| keeps(event))
            .map(|event| event.id.as_str())
            .collect();
        assert!(!expected.is_empty(), "{filters:?} matches something");
        assert!(
            expected.len() < all.len(),
            "{filters:?} leaves something out"
        );
        let api = app.api_events(&token, filters).await;
        let api: Vec<&str> = api.iter().map(|event| event.id.as_str()).collect();
        assert_eq!(api, expected, "the API with {filters:?}");
        let page = app.log_rows(&admin, filters).await;
        let page: Vec<String> = page.iter().map(|row| row.id.to_string()).collect();
        assert_eq!(page, expected, "the page with {filters:?}");
    }
    // A filter that matches nothing is an empty page, not an error.
    let none = app
        .api_log(&token, &query(&[("actor", "nobody@woodgrove.test")]))
        .await;
    assert_eq!((none.value.len(), none.next), (0, None));
}

#[tokio::test]
async fn pages_follow_each_other_without_skips_or_repeats() {
    let app = spawn_app().await;
    let admin = app.admin_session(ADMIN).await;
    let token = app.api_token("woodgrove").await;
    let batch: Vec<_> = (0..130)
        .map(|n| {
            (
                "pager@woodgrove.test".to_owned(),
                format!("user{n:03}"),
                serde_json::json!({ "n": n }),
            )
        })
        .collect();
    app.record_sign_ins(&batch).await;
    let filters = [("actor", "pager@woodgrove.test")];
    let expected: Vec<String> = (0..130).rev().map(|n| format!("user{n:03}")).collect();

    // The API, 100 a page; an event recorded between pages is newer than
    // the cursor and neither appears nor shifts what follows.
    let first = app.api_log(&token, &query(&filters)).await;
    assert_eq!(first.value.len(), 100);
    let cursor = first.next.clone().expect("a second page");
    app.record_sign_ins(&[(
        "pager@woodgrove.test".to_owned(),
        "latecomer".to_owned(),
        serde_json::json!({}),
    )])
    .await;
    let mut pairs = filters.to_vec();
    pairs.push(("cursor", cursor.as_str()));
    let second = app.api_log(&token, &query(&pairs)).await;
    assert_eq!(second.next, None);
    let targets: Vec<String> = first
        .value
        .iter()
        .chain(&second.value)
        .map(|event| event.target.clone().expect("a target"))
        .collect();
    assert_eq!(targets, expected);

    // The page, 50 a page: the latecomer first, then the same 130.
    let rows = app.log_rows(&admin, &filters).await;
    let targets: Vec<&str> = rows
        .iter()
        .map(|row| row.target.as_deref().expect("a target"))
        .collect();
    assert_eq!(targets[0], "latecomer");
    assert_eq!(
        targets[1..],
        expected.iter().map(String::as_str).collect::<Vec<_>>()
    );

    // Unfiltered, every event once, newest first.
    let all = app.api_events(&token, &[]).await;
    let ids: Vec<i64> = all
        .iter()
        .map(|event| event.id.parse().expect("an id"))
        .collect();
    assert!(
        ids.windows(2).all(|pair| pair[0] > pair[1]),
        "no repeats, newest first"
    );
    let stored: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events a JOIN tenants t ON t.id = a.tenant_id
         WHERE t.slug = 'woodgrove'",
    )
    .fetch_one(app.state.pool.connections())
    .await
    .expect("a count");
    assert_eq!(i64::try_from(ids.len()).unwrap(), stored, "no skips");
}

#[tokio::test]
async fn another_tenants_admin_and_token_see_none_of_the_events() {
    let app = spawn_app().await;
    let woodgrove = app.admin_session(ADMIN).await;
    let woodgrove_token = app.api_token("woodgrove").await;
    app.megan_with_an_app().await;
    let contoso = app.admin_session("admin@contoso.test").await;
    let contoso_token = app.api_token("contoso").await;

    let theirs = app.api_events(&woodgrove_token, &[]).await;
    let ours = app.api_events(&contoso_token, &[]).await;
    assert!(!ours.is_empty(), "Contoso has its own events");
    assert!(ours
        .iter()
        .all(|event| !theirs.iter().any(|other| other.id == event.id)));
    assert!(ours.iter().all(
        |event| event.actor.as_deref() != Some(MEGAN) && event.actor.as_deref() != Some(ADMIN)
    ));
    // Asking for Woodgrove's people by name finds nothing either.
    for filters in [[("actor", MEGAN)], [("target", ADMIN)]] {
        let page = app.api_log(&contoso_token, &query(&filters)).await;
        assert!(page.value.is_empty(), "{filters:?}");
    }
    // Contoso's admin on Woodgrove's page, its server function and its export.
    let refused = app
        .call(
            "list_audit_events",
            &[("slug", "woodgrove")],
            Some(&contoso),
        )
        .await;
    assert_eq!(app_error(refused).await, AppError::Forbidden);
    let refused = app
        .call(
            "audit_action_names",
            &[("slug", "woodgrove")],
            Some(&contoso),
        )
        .await;
    assert_eq!(app_error(refused).await, AppError::Forbidden);
    let page = app.page("/t/woodgrove/admin/audit", Some(&contoso)).await;
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    assert!(!page.text().await.unwrap().contains(MEGAN));
    let export = app.export(Some(&contoso), &[]).await;
    assert_eq!(export.status(), StatusCode::FORBIDDEN);
    assert!(!export.text().await.unwrap().contains(MEGAN));
    // Woodgrove's own admin still reads it.
    let own = app.log_page(&woodgrove, &[("actor", MEGAN)]).await;
    assert!(!own.rows.is_empty());
}

/// RFC 4180 fields of a CSV text, read independently of the writer.
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && record.is_empty(),
        "the text ends a line"
    );
    records
}

#[tokio::test]
async fn the_csv_export_has_every_matching_event_quoted_as_csv() {
    let app = spawn_app().await;
    let admin = app.admin_session(ADMIN).await;
    let token = app.api_token("woodgrove").await;
    // More than an export reads at once (500), and a detail with commas,
    // quotes and a line break.
    let batch: Vec<_> = (0..520)
        .map(|n| {
            (
                "bulk@woodgrove.test".to_owned(),
                format!("user{n:03}"),
                serde_json::json!({ "n": n }),
            )
        })
        .collect();
    app.record_sign_ins(&batch).await;
    let form = [
        ("slug", "woodgrove"),
        ("name", "Payroll, \"EU\""),
        ("redirect_uris", "https://payroll.woodgrove.test/callback"),
    ];
    let created: app::applications::ClientCredentials = json_reply(
        app.call("create_application", &form, Some(&admin)).await,
        StatusCode::OK,
    )
    .await;
    app.record_sign_ins(&[(
        "odd@woodgrove.test".to_owned(),
        "a,b".to_owned(),
        serde_json::json!({ "note": "line one\nline \"two\"" }),
    )])
    .await;

    // Unfiltered from the portal: the header, then what the API lists.
    let export = app.export(Some(&admin), &[]).await;
    assert_eq!(export.status(), StatusCode::OK);
    assert_eq!(export.headers()[CONTENT_TYPE], "text/csv; charset=utf-8");
    let disposition = export.headers()[CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        disposition,
        "attachment; filename=\"audit-woodgrove-2026-11-25.csv\""
    );
    let records = csv_records(&export.text().await.unwrap());
    assert_eq!(
        records[0],
        ["id", "time", "actor", "action", "target", "outcome", "ip", "detail"]
    );
    let listed = app.api_events(&token, &[]).await;
    assert!(listed.len() > 520);
    let ids: Vec<&str> = records[1..]
        .iter()
        .map(|record| record[0].as_str())
        .collect();
    let api_ids: Vec<&str> = listed.iter().map(|event| event.id.as_str()).collect();
    assert_eq!(ids, api_ids, "every event, newest first, as in the API");
    assert!(records.iter().all(|record| record.len() == 8));

    let odd = &records[1];
    assert_eq!(
        odd[1..7],
        [
            "2026-11-25T12:00:00Z",
            "odd@woodgrove.test",
            "signin",
            "a,b",
            "success",
            "192.0.2.7"
        ]
    );
    let detail: serde_json::Value = serde_json::from_str(&odd[7]).unwrap();
    assert_eq!(detail["note"], "line one\nline \"two\"");
    let application = records
        .iter()
        .find(|record| record[3] == "application.create" && record[4] == created.id)
        .expect("the application's event");
    let detail: serde_json::Value = serde_json::from_str(&application[7]).unwrap();
    assert_eq!(detail["displayName"], "Payroll, \"EU\"");
    assert_eq!(application[2], ADMIN);

    // Filtered: the portal link and the API's format=csv give the same file.
    let filters = [("actor", "bulk@woodgrove.test"), ("action", "signin")];
    let portal = app
        .export(Some(&admin), &filters)
        .await
        .text()
        .await
        .unwrap();
    let mut pairs = filters.to_vec();
    pairs.push(("format", "csv"));
    let api = app
        .api(
            reqwest::Method::GET,
            &format!("/api/v1/audit?{}", query(&pairs)),
            &token,
        )
        .send()
        .await
        .expect("request");
    assert_eq!(api.status(), StatusCode::OK);
    assert_eq!(api.headers()[CONTENT_TYPE], "text/csv; charset=utf-8");
    assert_eq!(api.text().await.unwrap(), portal);
    let records = csv_records(&portal);
    assert_eq!(records.len(), 521, "the header and all 520");
    let targets: Vec<&str> = records[1..]
        .iter()
        .map(|record| record[4].as_str())
        .collect();
    let expected: Vec<String> = (0..520).rev().map(|n| format!("user{n:03}")).collect();
    assert_eq!(targets, expected);

    // Nothing matches: the header alone.
    let empty = app.export(Some(&admin), &[("actor", "nobody")]).await;
    assert_eq!(csv_records(&empty.text().await.unwrap()).len(), 1);
}

#[tokio::test]
async fn the_export_link_needs_a_signed_in_admin_with_fresh_mfa() {
    let app = spawn_app().await;
    let filters = [("action", "signin")];

    let anonymous = app.export(None, &filters).await;
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        anonymous.headers()[LOCATION],
        "/signin?next=%2Ft%2Fwoodgrove%2Fadmin%2Faudit%2Fexport.csv%3Faction%3Dsignin"
    );
    // Signed in, but no MFA yet with Woodgrove: the challenge, then back.
    let signed_in = app.signed_in(ADMIN).await;
    let stale = app.export(Some(&signed_in), &filters).await;
    assert_eq!(stale.status(), StatusCode::SEE_OTHER);
    let location = stale.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("/mfa/verify?tenant=woodgrove&next="),
        "{location}"
    );
    assert_eq!(
        common::next_of(&location),
        "/t/woodgrove/admin/audit/export.csv?action=signin"
    );
    // A member who is not an admin.
    let megan = app.signed_in(MEGAN).await;
    let member = app.export(Some(&megan), &filters).await;
    assert_eq!(member.status(), StatusCode::FORBIDDEN);
    // An admin with a fresh MFA.
    let admin = app.admin_session(ADMIN).await;
    let fresh = app.export(Some(&admin), &filters).await;
    assert_eq!(fresh.status(), StatusCode::OK);
    let records = csv_records(&fresh.text().await.unwrap());
    assert!(records.len() > 1);
    assert!(records[1..].iter().all(|record| record[3] == "signin"));
}

#[tokio::test]
async fn bad_filters_are_refused_with_a_clear_400_everywhere() {
    let app = spawn_app().await;
    let admin = app.admin_session(ADMIN).await;
    let token = app.api_token("woodgrove").await;
    let bad: &[(&[(&str, &str)], &str)] = &[
        (&[("action", "signin.everything")], "action"),
        (&[("outcome", "maybe")], "outcome"),
        (&[("from", "yesterday")], "from"),
        (&[("to", "2026-02-30")], "to"),
        (&[("from", "2026-11-26"), ("to", "2026-11-25")], "to"),
        (&[("cursor", "not-a-cursor")], "cursor"),
    ];
    for (filters, field) in bad {
        let error = api_error(
            app.api(
                reqwest::Method::GET,
                &format!("/api/v1/audit?{}", query(filters)),
                &token,
            )
            .send()
            .await
            .expect("request"),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(error.code, "invalidInput", "{filters:?}");
        assert!(!error.message.is_empty());

        let mut form = vec![("slug", "woodgrove")];
        form.extend_from_slice(filters);
        let refused = app.call("list_audit_events", &form, Some(&admin)).await;
        match app_error(refused).await {
            AppError::Invalid { field: named, .. } => assert_eq!(named, *field, "{filters:?}"),
            other => panic!("{filters:?}: {other:?}"),
        }
    }
    let messages = [
        (
            "action=signin.everything",
            "'signin.everything' is not an audit action.",
        ),
        (
            "from=2026-11-26&to=2026-11-25",
            "The time range ends before it starts.",
        ),
        ("cursor=abc", "The cursor is not valid."),
    ];
    for (query, message) in messages {
        let response = app
            .api(
                reqwest::Method::GET,
                &format!("/api/v1/audit?{query}"),
                &token,
            )
            .send()
            .await
            .expect("request");
        assert_eq!(
            api_error(response, StatusCode::BAD_REQUEST).await.message,
            message
        );
    }
    for query in ["format=xml", "colour=red", "format=csv&cursor=YXVkaXQ6NQ"] {
        let response = app
            .api(
                reqwest::Method::GET,
                &format!("/api/v1/audit?{query}"),
                &token,
            )
            .send()
            .await
            .expect("request");
        let error = api_error(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(error.code, "invalidInput", "{query}");
    }
    // The export link: the same refusal, as text.
    let export = app.export(Some(&admin), &[("outcome", "maybe")]).await;
    assert_eq!(export.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        export.text().await.unwrap(),
        "'maybe' is not an outcome: use success or failure."
    );
    // The page: 400, the message under its field, the form still there.
    let page = app
        .page(
            "/t/woodgrove/admin/audit?action=signin.everything",
            Some(&admin),
        )
        .await;
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("field-error\">'signin.everything' is not an audit action."),
        "{html}"
    );
    assert!(!html.contains("<table"), "no events under a refused filter");
    assert!(html.contains("id=\"audit-action\""));
    // Nothing was written by any of it.
    let events = app.api_events(&token, &[]).await;
    assert!(events
        .iter()
        .all(|event| event.action != "signin.everything"));
}

#[tokio::test]
async fn the_page_shows_the_filtered_events_in_a_table_with_the_filters_kept() {
    let app = spawn_app().await;
    let admin = app.admin_session(ADMIN).await;
    let page = app
        .page(
            "/t/woodgrove/admin/audit?action=signin&outcome=success",
            Some(&admin),
        )
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    for needle in [
        "<h1>Audit log",
        "<th scope=\"col\">Time</th>",
        "<th scope=\"col\">Actor</th>",
        "<label for=\"audit-actor\">Actor</label>",
        "<option value=\"signin\" selected",
        "<option value=\"success\" selected",
        "export.csv?action=signin&amp;outcome=success",
        "2026-11-25 12:00:00 UTC",
        ADMIN,
        "<a href=\"/t/woodgrove/admin/audit\" aria-current=\"page\">Audit log",
    ] {
        assert!(html.contains(needle), "{needle} in {html}");
    }
    assert!(!html.contains("mfa.method_added</td>"), "only sign-ins");
    let names: Vec<String> = app
        .fetch("audit_action_names", &[("slug", "woodgrove")], Some(&admin))
        .await;
    assert_eq!(names.len(), Action::ALL.len());
    assert!(names.iter().any(|name| name == "policy.update"));
}

#[tokio::test]
async fn the_trail_refuses_update_and_delete_and_keeps_its_rows() {
    let app = spawn_app().await;
    app.signed_in(MEGAN).await;
    type Row = (
        i64,
        i64,
        Option<String>,
        String,
        Option<String>,
        String,
        String,
    );
    let read = |id: Option<i64>| {
        let pool = app.state.pool.connections().clone();
        async move {
            sqlx::query_as::<_, Row>(
                "SELECT id, at, actor, action, target, outcome, detail FROM audit_events
                 WHERE id = COALESCE(?, (SELECT MAX(id) FROM audit_events))",
            )
            .bind(id)
            .fetch_one(&pool)
            .await
            .expect("the row")
        }
    };
    let before = read(None).await;
    assert_eq!(before.3, "signin");
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM audit_events")
            .fetch_one(app.state.pool.connections())
            .await
            .expect("a count")
    };
    let total = count().await;

    let update = sqlx::query(
        "UPDATE audit_events SET outcome = 'failure', actor = 'someone else' WHERE id = ?",
    )
    .bind(before.0)
    .execute(app.state.pool.connections())
    .await
    .expect_err("an update is refused");
    assert!(update.to_string().contains("append-only"), "{update}");
    let delete = sqlx::query("DELETE FROM audit_events WHERE id = ?")
        .bind(before.0)
        .execute(app.state.pool.connections())
        .await
        .expect_err("a delete is refused");
    assert!(delete.to_string().contains("append-only"), "{delete}");
    assert_eq!(read(Some(before.0)).await, before, "the row is as it was");
    assert_eq!(count().await, total);

    // Nor can a tenant's deletion take its trail with it.
    app.create_tenant("fabrikam", "fabrikam.test")
        .await
        .expect("a tenant");
    let deleted = sqlx::query("DELETE FROM tenants WHERE slug = 'fabrikam'")
        .execute(app.state.pool.connections())
        .await
        .expect_err("a tenant with an audit trail is not deleted");
    assert!(deleted.to_string().contains("FOREIGN KEY"), "{deleted}");
    assert_eq!(count().await, total + 1, "fabrikam's tenant.create is kept");
}
