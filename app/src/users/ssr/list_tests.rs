//! The Users list over a real SQLite file: which users each filter and
//! search shows, the methods summary, and keyset pages that neither skip
//! nor repeat a user.

use super::*;
use crate::domain::{DomainName, Licence, TenantSlug};
use crate::mfa::ssr::fixture::{fixture, Fixture, T0};
use crate::mfa::ssr::methods::begin_totp;
use crate::mfa::ssr::recovery::use_code;
use crate::tenants::ssr::{create_tenant, NewTenant};

/// A user object of the fixture's tenant written directly (no password to
/// hash): its id.
async fn insert_user(
    f: &Fixture,
    upn: &str,
    name: &str,
    mail: Option<&str>,
    kind: UserType,
) -> String {
    insert_user_in(&f.pool, &f.tenant.id, upn, name, mail, kind).await
}

async fn insert_user_in(
    pool: &Pool,
    tenant_id: &str,
    upn: &str,
    name: &str,
    mail: Option<&str>,
    kind: UserType,
) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    let (user_type, state) = match kind {
        UserType::Member => ("Member", None),
        UserType::Guest => ("Guest", Some("Accepted")),
    };
    sqlx::query!(
        "INSERT INTO users (id, tenant_id, user_principal_name, display_name, mail, user_type,
                            external_user_state, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        id,
        tenant_id,
        upn,
        name,
        mail,
        user_type,
        state,
        T0
    )
    .execute(pool.connections())
    .await
    .unwrap();
    id
}

/// A method written directly: active from `activated_at` when given.
async fn insert_method(
    f: &Fixture,
    user_id: &str,
    kind: &str,
    activated_at: Option<i64>,
    last_used_at: Option<i64>,
) {
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query!(
        "INSERT INTO auth_methods (id, user_id, kind, display_name, sealed_secret, activated_at,
                                   created_at, last_used_at)
         VALUES ($1, $2, $3, 'Key', X'00', $4, $5, $6)",
        id,
        user_id,
        kind,
        activated_at,
        T0,
        last_used_at
    )
    .execute(f.pool.connections())
    .await
    .unwrap();
}

/// Every page of the list with `filter`, `size` rows a page: the UPNs in
/// the order shown, and how many pages it took.
async fn walk(f: &Fixture, filter: &UserFilter, size: usize) -> (Vec<String>, usize) {
    let mut conn = f.pool.acquire().await.unwrap();
    let mut upns = Vec::new();
    let mut after: Option<UserCursor> = None;
    let mut pages = 0;
    loop {
        let page = list_users_page(
            &mut conn,
            &f.tenant.id,
            filter,
            after.as_ref(),
            PageSize::new(size),
        )
        .await
        .unwrap();
        pages += 1;
        assert!(page.items.len() <= size);
        upns.extend(page.items.iter().map(|user| user.upn.as_str().to_owned()));
        // The cursor goes out encoded and comes back decoded, as on the wire.
        match page.next {
            Some(next) => after = Some(UserCursor::decode(&next.encode()).unwrap()),
            None => break,
        }
        assert!(pages < 10_000, "the pages end");
    }
    (upns, pages)
}

/// The whole list with `filter` in one page.
async fn all(f: &Fixture, filter: &UserFilter) -> Vec<UserListItem> {
    let mut conn = f.pool.acquire().await.unwrap();
    let page = list_users_page(&mut conn, &f.tenant.id, filter, None, PageSize::new(10_000))
        .await
        .unwrap();
    assert_eq!(page.next, None);
    page.items
}

async fn upns(f: &Fixture, filter: &UserFilter) -> Vec<String> {
    all(f, filter)
        .await
        .into_iter()
        .map(|user| user.upn.as_str().to_owned())
        .collect()
}

fn methods(has_methods: bool) -> UserFilter {
    UserFilter {
        has_methods: Some(has_methods),
        ..UserFilter::default()
    }
}

fn search(term: &str) -> UserFilter {
    UserFilter {
        search: UserSearch::parse(term).unwrap(),
        ..UserFilter::default()
    }
}

#[tokio::test]
async fn has_methods_counts_active_methods_only_and_the_summary_shows_each_kind() {
    let f = fixture().await;
    let alice = f.member("alice").await;
    let bob = f.member("bob").await;
    let _carol = f.member("carol").await;
    let dave = f.member("dave").await;
    let erin = f.member("erin").await;
    // Alice sets up an authenticator app (and gets ten recovery codes);
    // Bob starts one and never types its first code.
    let (_, activated) = f.app(&alice).await;
    let name = DisplayName::parse("Phone").unwrap();
    begin_totp(&f.pool, &f.key, &f.tenant, &bob, &name, T0)
        .await
        .unwrap();
    // Dave has two passkeys, one used; Erin only a passkey being registered.
    insert_method(&f, &dave.id, "webauthn", Some(T0), Some(T0 + 60)).await;
    insert_method(&f, &dave.id, "webauthn", Some(T0), None).await;
    insert_method(&f, &erin.id, "webauthn", None, None).await;
    // Alice uses a recovery code a day later.
    let mut conn = f.pool.acquire().await.unwrap();
    let code = activated.recovery_codes[0].expose().to_owned();
    assert!(use_code(&mut conn, &f.key, &alice.id, &code, T0 + 86_400)
        .await
        .unwrap());
    drop(conn);

    let with = upns(&f, &methods(true)).await;
    assert_eq!(with, ["alice@fabrikam.test", "dave@fabrikam.test"]);
    let without = upns(&f, &methods(false)).await;
    assert_eq!(
        without,
        [
            "bob@fabrikam.test",
            "carol@fabrikam.test",
            "erin@fabrikam.test"
        ]
    );

    let listed = all(&f, &UserFilter::default()).await;
    let of = |upn: &str| {
        listed
            .iter()
            .find(|user| user.upn.as_str() == upn)
            .unwrap()
            .methods
            .clone()
    };
    assert_eq!(
        of("alice@fabrikam.test"),
        [
            MethodSummary {
                method: MethodType::Totp,
                count: 1,
                last_used_at: Some(T0),
            },
            MethodSummary {
                method: MethodType::RecoveryCodes,
                count: 9,
                last_used_at: Some(T0 + 86_400),
            },
        ]
    );
    assert_eq!(
        of("dave@fabrikam.test"),
        [MethodSummary {
            method: MethodType::Webauthn,
            count: 2,
            last_used_at: Some(T0 + 60),
        }]
    );
    assert_eq!(of("bob@fabrikam.test"), [], "a pending app is no method");
    assert_eq!(of("erin@fabrikam.test"), []);
}

#[tokio::test]
async fn guests_and_members_filter_by_user_type() {
    let f = fixture().await;
    f.member("megan").await;
    let guest = |local: &str| format!("{local}_partner.test#EXT#@fabrikam.test");
    for local in ["bob", "zed"] {
        let mail = format!("{local}@partner.test");
        insert_user(&f, &guest(local), local, Some(&mail), UserType::Guest).await;
    }
    let guests = UserFilter {
        user_type: Some(UserType::Guest),
        ..UserFilter::default()
    };
    assert_eq!(upns(&f, &guests).await, [guest("bob"), guest("zed")]);
    let members = UserFilter {
        user_type: Some(UserType::Member),
        ..UserFilter::default()
    };
    assert_eq!(upns(&f, &members).await, ["megan@fabrikam.test"]);
    let guests_without_methods = UserFilter {
        has_methods: Some(false),
        ..guests
    };
    assert_eq!(
        upns(&f, &guests_without_methods).await,
        [guest("bob"), guest("zed")]
    );
}

#[tokio::test]
async fn a_search_matches_a_prefix_of_the_upn_name_or_mail_in_any_case() {
    let f = fixture().await;
    let megan = "megan@fabrikam.test";
    insert_user(&f, megan, "Megan Bowen", Some(megan), UserType::Member).await;
    let robert = "robert_partner.test#EXT#@fabrikam.test";
    insert_user(
        &f,
        robert,
        "Bob Smith",
        Some("robert@partner.test"),
        UserType::Guest,
    )
    .await;
    let adele = "adele@fabrikam.test";
    insert_user(&f, adele, "Adele Vance", Some(adele), UserType::Member).await;

    for (term, expected) in [
        ("MEG", vec![megan]),
        ("megan bo", vec![megan]),
        ("  bob ", vec![robert]),
        ("b", vec![robert]),
        ("ROBERT@PART", vec![robert]),
        ("Robert_Partner.test#ext#@", vec![robert]),
        ("a", vec![adele]),
        ("bowen", vec![]),
        ("fabrikam", vec![]),
        ("%", vec![]),
        ("_", vec![]),
    ] {
        assert_eq!(upns(&f, &search(term)).await, expected, "{term:?}");
    }
    let guests_named_b = UserFilter {
        user_type: Some(UserType::Guest),
        ..search("b")
    };
    assert_eq!(upns(&f, &guests_named_b).await, [robert]);
}

#[tokio::test]
async fn a_broad_search_walks_the_list_and_pages_like_a_narrow_one() {
    let f = fixture().await;
    // More hits than a narrow search gathers, and a few others around them.
    let mut tx = f.pool.begin().await.unwrap();
    for i in 0..1_100 {
        let id = uuid::Uuid::new_v4().to_string();
        let upn = format!("m{i:04}@fabrikam.test");
        let name = format!("Member {}", i % 400);
        sqlx::query!(
            "INSERT INTO users (id, tenant_id, user_principal_name, display_name, mail, user_type,
                                created_at)
             VALUES ($1, $2, $3, $4, $3, 'Member', $5)",
            id,
            f.tenant.id,
            upn,
            name,
            T0
        )
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    insert_user(&f, "alan@fabrikam.test", "Alan", None, UserType::Member).await;
    insert_user(&f, "nina@fabrikam.test", "Nina", None, UserType::Member).await;
    let mut conn = f.pool.acquire().await.unwrap();
    let broad = UserSearch::parse("member").unwrap().unwrap();
    assert!(
        count_search_hits(&mut conn, &f.tenant.id, &broad)
            .await
            .unwrap()
            >= NARROW_SEARCH_HITS
    );
    let narrow = UserSearch::parse("member 39").unwrap().unwrap();
    assert!(
        count_search_hits(&mut conn, &f.tenant.id, &narrow)
            .await
            .unwrap()
            < NARROW_SEARCH_HITS
    );
    drop(conn);

    let (found, pages) = walk(&f, &search("member"), 100).await;
    assert_eq!(pages, 11);
    let mut expected: Vec<(String, String)> = (0..1_100)
        .map(|i| {
            (
                format!("member {}", i % 400),
                format!("m{i:04}@fabrikam.test"),
            )
        })
        .collect();
    expected.sort();
    let expected: Vec<String> = expected.into_iter().map(|(_, upn)| upn).collect();
    assert_eq!(found, expected);

    // "Member 39", "Member 390" … "Member 399".
    let (found, _) = walk(&f, &search("Member 39"), 4).await;
    let expected: Vec<String> = expected
        .into_iter()
        .filter(|upn| {
            let i: usize = upn[1..5].parse().unwrap();
            format!("member {}", i % 400).starts_with("member 39")
        })
        .collect();
    assert_eq!(found.len(), 23);
    assert_eq!(found, expected);
}

#[tokio::test]
async fn keyset_pages_neither_skip_nor_repeat_users_with_equal_display_names() {
    let f = fixture().await;
    // Seven people called Sam Lee (in two cases), between others.
    for (i, name) in [
        "Sam Lee", "sam lee", "SAM LEE", "Sam Lee", "Sam Lee", "sam Lee", "Sam Lee",
    ]
    .iter()
    .enumerate()
    {
        let upn = format!("sam{}@fabrikam.test", 7 - i);
        insert_user(&f, &upn, name, Some(&upn), UserType::Member).await;
    }
    for name in ["Aaron", "Sam", "Sam Leeds", "Zoe"] {
        let upn = format!("{}@fabrikam.test", name.to_lowercase().replace(' ', "."));
        insert_user(&f, &upn, name, Some(&upn), UserType::Member).await;
    }
    let everyone = upns(&f, &UserFilter::default()).await;
    assert_eq!(
        everyone,
        [
            "aaron@fabrikam.test",
            "sam@fabrikam.test",
            "sam1@fabrikam.test",
            "sam2@fabrikam.test",
            "sam3@fabrikam.test",
            "sam4@fabrikam.test",
            "sam5@fabrikam.test",
            "sam6@fabrikam.test",
            "sam7@fabrikam.test",
            "sam.leeds@fabrikam.test",
            "zoe@fabrikam.test",
        ],
        "by name whatever its case, then by UPN"
    );
    for size in 1..=4 {
        let (paged, pages) = walk(&f, &UserFilter::default(), size).await;
        assert_eq!(paged, everyone, "{size} a page");
        assert_eq!(pages, everyone.len().div_ceil(size), "{size} a page");
        let (paged, _) = walk(&f, &search("sam l"), size).await;
        assert_eq!(paged, everyone[2..10], "searching, {size} a page");
    }
}

#[tokio::test]
async fn another_tenants_users_are_never_listed() {
    let f = fixture().await;
    f.member("megan").await;
    let new = NewTenant {
        slug: TenantSlug::parse("contoso").unwrap(),
        display_name: DisplayName::parse("Contoso").unwrap(),
        domain: DomainName::parse("contoso.test").unwrap(),
        licence: Licence::free(),
    };
    let contoso = create_tenant(&f.pool, &new, &Actor::cli(), T0)
        .await
        .unwrap();
    let alice = "alice@contoso.test";
    let id = insert_user_in(
        &f.pool,
        &contoso.id,
        alice,
        "Alice",
        Some(alice),
        UserType::Member,
    )
    .await;
    insert_method(&f, &id, "totp", Some(T0), None).await;
    assert_eq!(
        upns(&f, &UserFilter::default()).await,
        ["megan@fabrikam.test"]
    );
    assert_eq!(upns(&f, &search("alice")).await, Vec::<String>::new());
    assert_eq!(upns(&f, &methods(true)).await, Vec::<String>::new());
}

#[test]
fn a_search_is_trimmed_and_a_blank_one_is_none() {
    assert_eq!(
        UserSearch::parse("  Bob ").unwrap().unwrap().as_str(),
        "Bob"
    );
    assert_eq!(UserSearch::parse("   ").unwrap(), None);
    assert!(UserSearch::parse(&"x".repeat(UserSearch::MAX_CHARS)).is_ok());
    assert!(UserSearch::parse(&"x".repeat(UserSearch::MAX_CHARS + 1)).is_err());
    assert!(UserSearch::parse("bob\u{0}").is_err());
}

#[test]
fn a_cursor_reads_back_what_it_wrote_and_refuses_anything_else() {
    let cursor = UserCursor {
        name_key: "émile \"zola\"".into(),
        upn: "emile_x.test#EXT#@fabrikam.test".into(),
    };
    assert_eq!(UserCursor::decode(&cursor.encode()).unwrap(), cursor);
    for bad in ["", "not a cursor", "bWVnYW4", "WyJhIl0", "e30"] {
        assert!(UserCursor::decode(bad).is_err(), "{bad:?}");
    }
}
