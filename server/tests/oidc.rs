//! The OpenID Connect provider over HTTP (DESIGN §4, §3.3): the code flow
//! with PKCE, the token endpoint's client authentication and single-use
//! codes, ID tokens verified against the published keys, userinfo, key
//! rotation, and the errors that must never redirect.

mod common;

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::header::{LOCATION, WWW_AUTHENTICATE};
use reqwest::{Response, StatusCode};
use serde_json::Value;
use sha2::{Digest, Sha256};

use app::ssr::clock::Clock;
use app::ssr::crypto::token_hash;
use common::{location, spawn_app, TestApp};

const REDIRECT_URI: &str = "https://foo.test/callback";
const SECRET: &str = "the-client-secret-of-foo-0123456789abcdef";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

/// A client registered in a tenant, as the Applications page would.
struct Client {
    id: String,
}

async fn register(app: &TestApp, tenant: &str, name: &str, public: bool) -> Client {
    let id = uuid_like(name);
    let secret_hash = (!public).then(|| token_hash(SECRET));
    sqlx::query(
        "INSERT INTO applications (id, tenant_id, display_name, client_id, client_secret_hash,
                                   public_client, created_at)
         SELECT $1, id, $2, $3, $4, $5, 0 FROM tenants WHERE slug = $6",
    )
    .bind(format!("app-{id}"))
    .bind(name)
    .bind(&id)
    .bind(secret_hash)
    .bind(public)
    .bind(tenant)
    .execute(app.state.pool.connections())
    .await
    .expect("application");
    sqlx::query("INSERT INTO application_redirect_uris (application_id, uri) VALUES ($1, $2)")
        .bind(format!("app-{id}"))
        .bind(REDIRECT_URI)
        .execute(app.state.pool.connections())
        .await
        .expect("redirect URI");
    Client { id }
}

fn uuid_like(name: &str) -> String {
    format!("client-{}", name.to_lowercase())
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The authorization request's parameters, with `changes` applied (an
/// empty value removes a parameter).
fn request(client: &Client, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = vec![
        ("client_id".into(), client.id.clone()),
        ("redirect_uri".into(), REDIRECT_URI.into()),
        ("response_type".into(), "code".into()),
        ("scope".into(), "openid profile email".into()),
        ("state".into(), "state-1".into()),
        ("nonce".into(), "nonce-1".into()),
        ("code_challenge".into(), challenge(VERIFIER)),
        ("code_challenge_method".into(), "S256".into()),
    ];
    for (name, value) in changes {
        params.retain(|(key, _)| key != name);
        if !value.is_empty() {
            params.push(((*name).into(), (*value).into()));
        }
    }
    params
}

async fn authorize(
    app: &TestApp,
    tenant: &str,
    params: &[(String, String)],
    cookie: Option<&str>,
) -> Response {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    app.page(&format!("/{tenant}/oauth2/v2.0/authorize?{query}"), cookie)
        .await
}

/// The query of a redirect back to the client.
fn returned(response: &Response) -> HashMap<String, String> {
    let location = location(response);
    let rest = location
        .strip_prefix(REDIRECT_URI)
        .unwrap_or_else(|| panic!("back to the client, not {location}"));
    url::form_urlencoded::parse(rest.trim_start_matches('?').as_bytes())
        .into_owned()
        .collect()
}

async fn code_for(app: &TestApp, client: &Client, cookie: &str) -> String {
    let response = authorize(app, "woodgrove", &request(client, &[]), Some(cookie)).await;
    let back = returned(&response);
    assert_eq!(back.get("state").map(String::as_str), Some("state-1"));
    back.get("code").expect("a code").clone()
}

async fn token(
    app: &TestApp,
    tenant: &str,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> Response {
    let mut request = app
        .client
        .post(app.url(&format!("/{tenant}/oauth2/v2.0/token")))
        .form(form);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    request.send().await.expect("token request")
}

async fn exchange(app: &TestApp, client: &Client, code: &str) -> Response {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", VERIFIER),
    ];
    token(app, "woodgrove", &form, Some((&client.id, SECRET))).await
}

async fn oauth_error(response: Response, status: StatusCode) -> String {
    assert_eq!(response.status(), status);
    assert_eq!(
        response
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let body: Value = response.json().await.expect("JSON");
    body["error"].as_str().expect("error").to_owned()
}

async fn jwks(app: &TestApp, tenant: &str) -> JwkSet {
    let response = app
        .page(&format!("/{tenant}/discovery/v2.0/keys"), None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("JWKS")
}

/// The ID token's claims, after checking its signature against the
/// tenant's published keys, its issuer and its audience.
async fn verified(app: &TestApp, id_token: &str, audience: &str) -> Value {
    let header = jsonwebtoken::decode_header(id_token).expect("a JWS");
    assert_eq!(header.alg, Algorithm::RS256);
    let kid = header.kid.expect("kid");
    let keys = jwks(app, "woodgrove").await;
    let jwk = keys.find(&kid).expect("the key is published");
    let key = DecodingKey::from_jwk(jwk).expect("an RSA key");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[format!("{}/woodgrove/v2.0", app.base.as_str())]);
    validation.set_audience(&[audience]);
    // The test clock is not the wall clock.
    validation.validate_exp = false;
    jsonwebtoken::decode::<Value>(id_token, &key, &validation)
        .expect("a valid ID token")
        .claims
}

async fn user_info(app: &TestApp, access_token: &str) -> Response {
    app.client
        .get(app.url("/woodgrove/oidc/userinfo"))
        .bearer_auth(access_token)
        .send()
        .await
        .expect("userinfo")
}

#[tokio::test]
async fn a_member_signs_in_to_an_application_and_gets_an_id_token_its_keys_verify() {
    let app = spawn_app().await;
    let foo = register(&app, "woodgrove", "Foo", false).await;
    let cookie = app.signed_in("megan@woodgrove.test").await;

    let response = authorize(&app, "woodgrove", &request(&foo, &[]), Some(&cookie)).await;
    let back = returned(&response);
    assert_eq!(back["state"], "state-1");
    assert_eq!(back["iss"], format!("{}/woodgrove/v2.0", app.base.as_str()));
    let response = exchange(&app, &foo, &back["code"]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let tokens: Value = response.json().await.expect("tokens");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);

    let claims = verified(
        &app,
        tokens["id_token"].as_str().expect("id_token"),
        &foo.id,
    )
    .await;
    assert_eq!(claims["nonce"], "nonce-1");
    assert_eq!(claims["upn"], "megan@woodgrove.test");
    assert_eq!(claims["email"], "megan@woodgrove.test");
    assert_eq!(claims["amr"], serde_json::json!(["pwd"]));
    assert_eq!(claims["acr"], "1");
    assert_eq!(claims["sub"], claims["oid"]);
    assert!(
        claims.get("idp").is_none(),
        "a member's own tenant is the issuer"
    );
    let now = app.clock.now();
    assert_eq!(claims["iat"], now);
    assert_eq!(claims["exp"], now + 3600);

    let info: Value = user_info(&app, tokens["access_token"].as_str().expect("access token"))
        .await
        .json()
        .await
        .expect("claims");
    assert_eq!(info["sub"], claims["sub"]);
    assert_eq!(info["upn"], "megan@woodgrove.test");
    assert_eq!(info["name"], claims["name"]);
}

#[tokio::test]
async fn a_code_works_once_and_a_second_use_revokes_what_the_first_issued() {
    let app = spawn_app().await;
    let foo = register(&app, "woodgrove", "Foo", false).await;
    let cookie = app.signed_in("megan@woodgrove.test").await;
    let code = code_for(&app, &foo, &cookie).await;

    let first: Value = exchange(&app, &foo, &code)
        .await
        .json()
        .await
        .expect("tokens");
    let access_token = first["access_token"].as_str().expect("access token");
    assert_eq!(user_info(&app, access_token).await.status(), StatusCode::OK);

    let again = exchange(&app, &foo, &code).await;
    assert_eq!(
        oauth_error(again, StatusCode::BAD_REQUEST).await,
        "invalid_grant"
    );
    let revoked = user_info(&app, access_token).await;
    assert_eq!(revoked.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        revoked
            .headers()
            .get(WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok()),
        Some("Bearer error=\"invalid_token\"")
    );
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'oidc.code_replayed' AND outcome = 'failure'",
    )
    .fetch_one(app.state.pool.connections())
    .await
    .expect("count");
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn two_requests_racing_with_one_code_get_tokens_once() {
    let app = spawn_app().await;
    let foo = register(&app, "woodgrove", "Foo", false).await;
    let cookie = app.signed_in("megan@woodgrove.test").await;
    let code = code_for(&app, &foo, &cookie).await;
    let (a, b) = tokio::join!(exchange(&app, &foo, &code), exchange(&app, &foo, &code));
    let statuses = [a.status(), b.status()];
    assert_eq!(
        statuses
            .iter()
            .filter(|status| **status == StatusCode::OK)
            .count(),
        1,
        "{statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_authorization_requests_at_once_than_the_pool_has_connections_all_get_codes() {
    let app = spawn_app().await;
    let foo = register(&app, "woodgrove", "Foo", false).await;
    let cookie = app.signed_in("megan@woodgrove.test").await;
    // Twice the pool's eight connections, each request reading the session
    // and the client at once.
    let codes = futures::future::join_all((0..16).map(|_| code_for(&app, &foo, &cookie))).await;
    let distinct: std::collections::HashSet<&String> = codes.iter().collect();
    assert_eq!(distinct.len(), 16);
    let tokens = exchange(&app, &foo, &codes[15]).await;
    assert_eq!(tokens.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_code_is_bound_to_its_client_redirect_uri_verifier_and_sixty_seconds() {
    let app = spawn_app().await;
    let foo = register(&app, "woodgrove", "Foo", false).await;
    let bar = register(&app, "woodgrove", "Bar", false).await;
    let cookie = app.signed_in("megan@woodgrove.test").await;
    let form = |code: &str, redirect_uri: &'static str, verifier: &'static str| {
        vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.to_owned()),
            ("redirect_uri", redirect_uri.to_owned()),
            ("code_verifier", verifier.to_owned()),
        ]
    };
    let send = async |form: Vec<(&str, String)>, client: &Client| {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        token(&app, "woodgrove", &form, Some((&client.id, SECRET))).await
    };

    let code = code_for(&app, &foo, &cookie).await;
    let wrong_verifier = send(
        form(
            &code,
            REDIRECT_URI,
            "another-verifier-another-verifier-another-1",
        ),
        &foo,
    )
    .await;
    assert_eq!(
        oauth_error(wrong_verifier, StatusCode::BAD_REQUEST).await,
        "invalid_grant"
    );

    let code = code_for(&app, &foo, &cookie).await;
    let wrong_uri = send(form(&code, "https://foo.test/other", VERIFIER), &foo).await;
    assert_eq!(
        oauth_error(wrong_uri, StatusCode::BAD_REQUEST).await,
        "invalid_grant"
    );

    let code = code_for(&app, &foo, &cookie).await;
    let other_client = send(form(&code, REDIRECT_URI, VERIFIER), &bar).await;
    assert_eq!(
        oauth_error(other_client, StatusCode::BAD_REQUEST).await,
        "invalid_grant"
    );

    let code = code_for(&app, &foo, &cookie).await;
    app.clock.advance(60);
    let late = send(form(&code, REDIRECT_URI, VERIFIER), &foo).await;
    assert_eq!(
        oauth_error(late, StatusCode::BAD_REQUEST).await,
        "invalid_grant"
    );

    // Without PKCE in the request, a verifier at the token endpoint is a downgrade.
    let plain = request(
        &foo,
        &[("code_challenge", ""), ("code_challenge_method", "")],
    );
    let response = authorize(&app, "woodgrove", &plain, Some(&cookie)).await;
    let code = returned(&response)["code"].clone();
    let downgrade = send(form(&code, REDIRECT_URI, VERIFIER), &foo).await;
    assert_eq!(
        oauth_error(downgrade, StatusCode::BAD_REQUEST).await,
        "invalid_grant"
    );
}

#[tokio::test]
async fn clients_authenticate_with_basic_or_post_and_public_ones_with_pkce_alone() {
    let app = spawn_app().await;
    let foo = register(&app, "woodgrove", "Foo", false).await;
    let spa = register(&app, "woodgrove", "Spa", true).await;
    let cookie = app.signed_in("megan@woodgrove.test").await;

    let code = code_for(&app, &foo, &cookie).await;
    let base = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", VERIFIER),
    ];
    let wrong = token(&app, "woodgrove", &base, Some((&foo.id, "not-the-secret"))).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.headers().contains_key(WWW_AUTHENTICATE));
    assert_eq!(
        oauth_error(wrong, StatusCode::UNAUTHORIZED).await,
        "invalid_client"
    );
    let no_secret = [&base[..], &[("client_id", foo.id.as_str())]].concat();
    let refused = token(&app, "woodgrove", &no_secret, None).await;
    assert_eq!(
        oauth_error(refused, StatusCode::UNAUTHORIZED).await,
        "invalid_client"
    );
    let post = [
        &base[..],
        &[("client_id", foo.id.as_str()), ("client_secret", SECRET)],
    ]
    .concat();
    assert_eq!(
        token(&app, "woodgrove", &post, None).await.status(),
        StatusCode::OK
    );

    let response = authorize(&app, "woodgrove", &request(&spa, &[]), Some(&cookie)).await;
    let code = returned(&response)["code"].clone();
    let public = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", VERIFIER),
        ("client_id", spa.id.as_str()),
    ];
    assert_eq!(
        token(&app, "woodgrove", &public, None).await.status(),
        StatusCode::OK
    );
    let unsupported = [("grant_type", "password"), ("client_id", spa.id.as_str())];
    let response = token(&app, "woodgrove", &unsupported, None).await;
    assert_eq!(
        oauth_error(response, StatusCode::BAD_REQUEST).await,
        "unsupported_grant_type"
    );
}

#[tokio::test]
async fn an_unknown_client_or_unregistered_redirect_uri_gets_our_page_never_a_redirect() {
    let app = spawn_app().await;
    let foo = register(&app, "woodgrove", "Foo", false).await;
    let cookie = app.signed_in("megan@woodgrove.test").await;
    for params in [
        request(&foo, &[("redirect_uri", "https://evil.test/callback")]),
        request(&foo, &[("client_id", "nobody")]),
        request(&foo, &[("redirect_uri", "")]),
    ] {
        let response = authorize(&app, "woodgrove", &params, Some(&cookie)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert!(response.headers().get(LOCATION).is_none());
        let page = response.text().await.expect("page");
        assert!(page.contains("id=\"oidc-error\""), "{page}");
    }
    // Foo is Woodgrove's: Contoso's endpoint does not know it.
    let response = authorize(&app, "contoso", &request(&foo, &[]), Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let unknown = authorize(&app, "nowhere", &request(&foo, &[]), Some(&cookie)).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    let bad_scope = authorize(
        &app,
        "woodgrove",
        &request(&foo, &[("scope", "profile")]),
        Some(&cookie),
    )
    .await;
    let back = returned(&bad_scope);
    assert_eq!(back["error"], "invalid_scope");
    assert_eq!(back["state"], "state-1");
}

#[tokio::test]
async fn without_a_session_the_browser_signs_in_first_or_prompt_none_says_login_required() {
    let app = spawn_app().await;
    let foo = register(&app, "woodgrove", "Foo", false).await;
    let params = request(&foo, &[("login_hint", "megan@woodgrove.test")]);
    let response = authorize(&app, "woodgrove", &params, None).await;
    let sign_in = location(&response);
    let (path, query) = sign_in.split_once('?').expect("a query");
    assert_eq!(path, "/signin");
    let query: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(query["login_hint"], "megan@woodgrove.test");
    assert!(
        query["next"].starts_with("/woodgrove/oauth2/v2.0/authorize?"),
        "{}",
        query["next"]
    );

    // Signing in and following `next` ends at the client with a code.
    let cookie = app.signed_in("megan@woodgrove.test").await;
    let back = app.page(&query["next"], Some(&cookie)).await;
    assert!(returned(&back).contains_key("code"));

    let silent = authorize(
        &app,
        "woodgrove",
        &request(&foo, &[("prompt", "none")]),
        None,
    )
    .await;
    let back = returned(&silent);
    assert_eq!(back["error"], "login_required");
    assert_eq!(back["state"], "state-1");
}

#[tokio::test]
async fn prompt_login_and_max_age_ask_a_signed_in_user_to_sign_in_again() {
    let app = spawn_app().await;
    let foo = register(&app, "woodgrove", "Foo", false).await;
    let old = app.signed_in("megan@woodgrove.test").await;
    app.clock.advance(600);

    for changes in [[("prompt", "login")], [("max_age", "300")]] {
        let response = authorize(&app, "woodgrove", &request(&foo, &changes), Some(&old)).await;
        let sign_in = location(&response);
        assert!(sign_in.starts_with("/signin?next="), "{sign_in}");
        let (_, query) = sign_in.split_once('?').expect("a query");
        let next = url::form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "next")
            .map(|(_, value)| value.into_owned())
            .expect("next");
        assert!(!next.contains("prompt=login"), "{next}");
        // The old sign-in does not do.
        let again = app.page(&next, Some(&old)).await;
        assert!(location(&again).starts_with("/signin?"));
        // A new one does, and the ID token says when it happened.
        app.clock.advance(1);
        let fresh = app.signed_in("megan@woodgrove.test").await;
        let back = app.page(&next, Some(&fresh)).await;
        let code = returned(&back)["code"].clone();
        let tokens: Value = exchange(&app, &foo, &code)
            .await
            .json()
            .await
            .expect("tokens");
        let claims = verified(
            &app,
            tokens["id_token"].as_str().expect("id_token"),
            &foo.id,
        )
        .await;
        assert_eq!(claims["auth_time"], app.clock.now());
    }
}

#[tokio::test]
async fn someone_without_an_account_or_assignment_here_is_denied() {
    let app = spawn_app().await;
    let foo = register(&app, "woodgrove", "Foo", false).await;
    let alice = app.signed_in("alice@contoso.test").await;
    let response = authorize(&app, "woodgrove", &request(&foo, &[]), Some(&alice)).await;
    assert_eq!(returned(&response)["error"], "access_denied");

    sqlx::query("UPDATE applications SET assignment_required = TRUE")
        .execute(app.state.pool.connections())
        .await
        .expect("assignment required");
    let megan = app.signed_in("megan@woodgrove.test").await;
    let response = authorize(&app, "woodgrove", &request(&foo, &[]), Some(&megan)).await;
    assert_eq!(returned(&response)["error"], "access_denied");
    sqlx::query(
        "INSERT INTO application_assignments (application_id, user_id, created_at)
         SELECT 'app-client-foo', id, 0 FROM users WHERE user_principal_name = 'megan@woodgrove.test'",
    )
    .execute(app.state.pool.connections())
    .await
    .expect("assigned");
    let response = authorize(&app, "woodgrove", &request(&foo, &[]), Some(&megan)).await;
    assert!(returned(&response).contains_key("code"));
}

#[tokio::test]
async fn a_rotated_key_stays_published_until_its_tokens_have_expired() {
    let app = spawn_app().await;
    let foo = register(&app, "woodgrove", "Foo", false).await;
    let cookie = app.signed_in("megan@woodgrove.test").await;
    assert!(
        jwks(&app, "woodgrove").await.keys.is_empty(),
        "no key before the first token"
    );
    let code = code_for(&app, &foo, &cookie).await;
    let first: Value = exchange(&app, &foo, &code)
        .await
        .json()
        .await
        .expect("tokens");
    let old_kid = jsonwebtoken::decode_header(first["id_token"].as_str().expect("id_token"))
        .expect("header")
        .kid
        .expect("kid");

    let tenant_id: String = sqlx::query_scalar("SELECT id FROM tenants WHERE slug = 'woodgrove'")
        .fetch_one(app.state.pool.connections())
        .await
        .expect("tenant");
    let new_kid = app::oidc::ssr::keys::rotate(
        &app.state.pool,
        &app.state.secret_key,
        &tenant_id,
        &app::ssr::Actor::cli(),
        app.clock.now(),
    )
    .await
    .expect("rotated");
    let published: Vec<_> = jwks(&app, "woodgrove")
        .await
        .keys
        .into_iter()
        .filter_map(|key| key.common.key_id)
        .collect();
    assert_eq!(published, [new_kid.clone(), old_kid.clone()]);
    // A token signed before the rotation still verifies.
    verified(&app, first["id_token"].as_str().expect("id_token"), &foo.id).await;
    let code = code_for(&app, &foo, &cookie).await;
    let second: Value = exchange(&app, &foo, &code)
        .await
        .json()
        .await
        .expect("tokens");
    let kid = jsonwebtoken::decode_header(second["id_token"].as_str().expect("id_token"))
        .expect("header")
        .kid;
    assert_eq!(kid.as_deref(), Some(new_kid.as_str()));

    app.clock.advance(3600);
    let published: Vec<_> = jwks(&app, "woodgrove")
        .await
        .keys
        .into_iter()
        .filter_map(|key| key.common.key_id)
        .collect();
    assert_eq!(published, [new_kid]);
}

#[tokio::test]
async fn logout_ends_the_session_and_returns_only_to_a_registered_uri() {
    let app = spawn_app().await;
    let foo = register(&app, "woodgrove", "Foo", false).await;
    for (uri, client_id, expected) in [
        (
            REDIRECT_URI,
            foo.id.as_str(),
            format!("{REDIRECT_URI}?state=bye"),
        ),
        (
            "https://evil.test/",
            foo.id.as_str(),
            "/signin?signed_out=1".to_owned(),
        ),
        (REDIRECT_URI, "nobody", "/signin?signed_out=1".to_owned()),
    ] {
        let cookie = app.signed_in("megan@woodgrove.test").await;
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("post_logout_redirect_uri", uri),
                ("client_id", client_id),
                ("state", "bye"),
            ])
            .finish();
        let response = app
            .page(
                &format!("/woodgrove/oauth2/v2.0/logout?{query}"),
                Some(&cookie),
            )
            .await;
        assert_eq!(location(&response), expected);
        assert_eq!(
            app.current_upn(&cookie).await,
            None,
            "the session has ended"
        );
    }
}

#[tokio::test]
async fn the_discovery_document_names_this_tenants_endpoints() {
    let app = spawn_app().await;
    let response = app
        .page("/woodgrove/v2.0/.well-known/openid-configuration", None)
        .await;
    let metadata: Value = response.json().await.expect("metadata");
    let base = app.base.as_str();
    assert_eq!(metadata["issuer"], format!("{base}/woodgrove/v2.0"));
    assert_eq!(
        metadata["token_endpoint"],
        format!("{base}/woodgrove/oauth2/v2.0/token")
    );
    assert_eq!(
        metadata["jwks_uri"],
        format!("{base}/woodgrove/discovery/v2.0/keys")
    );
    assert_eq!(
        metadata["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    let unknown = app
        .page("/nowhere/v2.0/.well-known/openid-configuration", None)
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}
