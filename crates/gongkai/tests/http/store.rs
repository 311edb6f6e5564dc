//! Store behaviour on SQLite and PostgreSQL: migrations, the audit chain under concurrency,
//! unit rules, sessions and tokens, the calendar seed, idempotent demo data.

use crate::common;
use gongkai_domain::calendar::ScheduleSource;
use gongkai_domain::units::{UnitFields, UnitKind};
use gongkai_store::users::NewUser;
use gongkai_store::{Actor, Store, StoreError};

/// A unit's fields; no division code, which only the root government has here (division codes
/// are unique among open units).
fn fields(name: &str) -> UnitFields {
    UnitFields { name: name.into(), short_name: name.into(), ..Default::default() }
}

async fn root(store: &Store) -> i64 {
    let mut w = store.write(Actor::system("test")).await.unwrap();
    let city = UnitFields { division_code: "370100".into(), ..fields("测试市人民政府") };
    let id = w.unit_create(None, UnitKind::Government, &city, 0, None).await.unwrap();
    w.commit().await.unwrap();
    id
}

async fn raw(store: &Store, sql: &str) {
    let mut conn = common::raw_conn(store).await;
    sqlx::query(sql).execute(&mut conn).await.unwrap();
}

store_test!(migrations_are_idempotent_and_guarded, |store: Store| async move {
    assert!(gongkai_store::migrate::run(&store).await.unwrap().is_empty(), "nothing left to apply");
    raw(&store, "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1").await;
    let err = gongkai_store::migrate::run(&store).await.unwrap_err();
    assert!(err.to_string().contains("changed after it was applied"), "{err}");
    raw(
        &store,
        "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (999, 'future', 'x', 'now')",
    )
    .await;
    let err = gongkai_store::migrate::run(&store).await.unwrap_err();
    assert!(err.to_string().contains("newer than this program"), "{err}");
});

store_test!(concurrent_writers_keep_one_audit_chain, |store: Store| async move {
    let city = root(&store).await;
    let mut tasks = Vec::new();
    for i in 0..24 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut w = s
                .write(Actor { user_id: None, name: format!("writer{i}"), unit_id: None, ip: "10.0.0.1".into() })
                .await
                .unwrap();
            w.unit_create(
                Some(city),
                UnitKind::Department,
                &UnitFields { name: format!("部门{i}"), short_name: format!("部门{i}"), ..Default::default() },
                i,
                None,
            )
            .await
            .unwrap();
            w.commit().await.unwrap()
        }));
    }
    let mut seqs: Vec<i64> = Vec::new();
    for t in tasks {
        seqs.extend(t.await.unwrap());
    }
    seqs.sort();
    let before = seqs[0];
    assert_eq!(seqs, (before..before + 24).collect::<Vec<_>>(), "contiguous, one record each");
    let n = store.audit_verify().await.unwrap().unwrap();
    assert_eq!(n, before + 23);
    assert_eq!(store.unit_count().await.unwrap(), 25);
});

store_test!(writes_are_audited_or_not_made, |store: Store| async move {
    let city = root(&store).await;
    // A writer that records nothing cannot commit.
    let w = store.write(Actor::system("test")).await.unwrap();
    assert!(w.commit().await.is_err());
    // A dropped writer leaves nothing behind.
    {
        let mut w = store.write(Actor::system("test")).await.unwrap();
        w.unit_create(Some(city), UnitKind::Department, &fields("丢弃"), 0, None).await.unwrap();
    }
    assert_eq!(store.unit_count().await.unwrap(), 1);
    let gongkai_store::Page { items: records, total } = store.audit_list(&Default::default(), 10, 0).await.unwrap();
    assert_eq!(records[0].action, "unit.create");
    assert!(total >= 1);
    assert!(store.audit_verify().await.unwrap().is_ok());

    // Removing a record in the middle or at the end is found.
    for i in 0..3 {
        let mut w = store.write(Actor::system("test")).await.unwrap();
        w.unit_create(Some(city), UnitKind::Department, &fields(&format!("处{i}")), 0, None).await.unwrap();
        w.commit().await.unwrap();
    }
    let last = store.audit_verify().await.unwrap().unwrap();
    raw(&store, &format!("DELETE FROM audit_log WHERE seq = {last}")).await;
    let broken = store.audit_verify().await.unwrap().unwrap_err();
    assert!(broken.to_string().contains("removed"), "{broken}");
    raw(&store, &format!("DELETE FROM audit_log WHERE seq = {}", last - 2)).await;
    let broken = store.audit_verify().await.unwrap().unwrap_err();
    assert!(broken.to_string().contains(&format!("record {} is missing", last - 2)), "{broken}");
});

store_test!(unit_rules_hold_in_the_store, |store: Store| async move {
    let city = root(&store).await;
    let mut w = store.write(Actor::system("test")).await.unwrap();
    let err = w.unit_create(None, UnitKind::Government, &fields("第二个根"), 0, None).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "only one root");
    drop(w);
    let mut w = store.write(Actor::system("test")).await.unwrap();
    let district = w
        .unit_create(
            Some(city),
            UnitKind::Government,
            &UnitFields { credit_code: Some("113701000041890665".into()), ..fields("区政府") },
            0,
            None,
        )
        .await
        .unwrap();
    let street = w
        .unit_create(
            Some(district),
            UnitKind::Street,
            &UnitFields { division_code: "370102001".into(), ..fields("街道") },
            0,
            None,
        )
        .await
        .unwrap();
    w.commit().await.unwrap();
    let mut w = store.write(Actor::system("test")).await.unwrap();
    let err = w
        .unit_create(
            Some(city),
            UnitKind::Department,
            &UnitFields { credit_code: Some("113701000041890665".into()), ..fields("重复代码") },
            0,
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(&err, StoreError::Conflict(e) if e.message_for("credit_code").is_some()), "{err}");
    drop(w);
    let mut w = store.write(Actor::system("test")).await.unwrap();
    assert!(matches!(
        w.unit_create(Some(street), UnitKind::Department, &fields("街道下的部门"), 0, None).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(w.unit_move(district, street).await, Err(StoreError::Invalid(_))), "not into its own subtree");
    assert!(
        matches!(w.unit_close(district, "2026-11-30", "合并").await, Err(StoreError::Conflict(_))),
        "has an open street"
    );
    drop(w);
    assert_eq!(store.unit_lineage(street).await.unwrap(), vec![street, district, city]);

    // Closing disables the unit's staff and ends their sessions.
    let mut w = store.write(Actor::system("test")).await.unwrap();
    let user = w
        .user_create(&NewUser {
            username: "street_staff".into(),
            display_name: "街道干部".into(),
            unit_id: street,
            roles: Default::default(),
            phone: String::new(),
            email: String::new(),
            password_hash: "x".into(),
            partner_channel: None,
        })
        .await
        .unwrap();
    w.commit().await.unwrap();
    let secret = store.session_create(user, "127.0.0.1", "test").await.unwrap().secret;
    assert!(store.session_user(&secret).await.unwrap().is_some());
    let mut w = store.write(Actor::system("test")).await.unwrap();
    assert_eq!(w.unit_close(street, "2026-11-30", "撤并").await.unwrap(), 1);
    w.commit().await.unwrap();
    assert!(store.session_user(&secret).await.unwrap().is_none());
    assert!(!store.user(user).await.unwrap().unwrap().active);
    let closed = store.unit(street).await.unwrap().unwrap();
    assert_eq!(closed.closed_on.map(|d| d.to_string()).as_deref(), Some("2026-11-30"));
    let mut w = store.write(Actor::system("test")).await.unwrap();
    assert!(
        w.unit_create(Some(street), UnitKind::Department, &fields("撤销后"), 0, None).await.is_err(),
        "nothing under a closed unit"
    );
});

store_test!(sessions_and_tokens_expire_and_revoke, |store: Store| async move {
    let city = root(&store).await;
    let mut w = store.write(Actor::system("test")).await.unwrap();
    let id = w
        .user_create(&NewUser {
            username: "u1".into(),
            display_name: "甲".into(),
            unit_id: city,
            roles: Default::default(),
            phone: String::new(),
            email: String::new(),
            password_hash: "x".into(),
            partner_channel: None,
        })
        .await
        .unwrap();
    let gongkai_store::users::NewToken { id: token_id, secret } = w.token_create(id, "t").await.unwrap();
    w.commit().await.unwrap();
    assert_eq!(store.token_user(&secret).await.unwrap().unwrap().user.id, id);
    assert!(store.token_user("gk_wrong").await.unwrap().is_none());
    let mut w = store.write(Actor::system("test")).await.unwrap();
    w.token_revoke(token_id).await.unwrap();
    w.commit().await.unwrap();
    assert!(store.token_user(&secret).await.unwrap().is_none());

    let cookie = store.session_create(id, "127.0.0.1", "ua").await.unwrap().secret;
    assert!(store.session_user(&cookie).await.unwrap().is_some());
    // Idle for longer than allowed: gone.
    raw(&store, "UPDATE sessions SET last_seen_at = '2000-01-01T00:00:00.000000Z'").await;
    assert!(store.session_user(&cookie).await.unwrap().is_none());
    let cookie = store.session_create(id, "127.0.0.1", "ua").await.unwrap().secret;
    raw(&store, "UPDATE sessions SET expires_at = '2000-01-01T00:00:00.000000Z'").await;
    assert_eq!(store.sessions_prune().await.unwrap(), 1);
    assert!(store.session_user(&cookie).await.unwrap().is_none());

    let now = chrono::Utc::now();
    let since = now - chrono::Duration::minutes(1);
    let keys = ["user:u1".to_string(), "ip:1.2.3.4".to_string()];
    let ok = |_: &[Vec<chrono::DateTime<chrono::Utc>>]| Ok::<_, ()>(());
    let (_, taken) = store.throttle_take(&keys, since, now, ok).await.unwrap().unwrap();
    assert_eq!(taken.ids.len(), 2);
    assert_eq!(store.throttle_events("user:u1", since).await.unwrap().len(), 1);
    store.throttle_clear("user:u1").await.unwrap();
    assert!(store.throttle_events("user:u1", since).await.unwrap().is_empty());
    assert_eq!(store.throttle_events("ip:1.2.3.4", since).await.unwrap().len(), 1);
    // A refused attempt records nothing; a released one is taken back.
    assert_eq!(store.throttle_take(&keys, since, now, |_| Err::<(), _>("no")).await.unwrap(), Err("no"));
    assert_eq!(store.throttle_events("ip:1.2.3.4", since).await.unwrap().len(), 1);
    let (_, taken) = store.throttle_take(&keys, since, now, ok).await.unwrap().unwrap();
    store.throttle_release(&taken.ids).await.unwrap();
    assert_eq!(store.throttle_events("ip:1.2.3.4", since).await.unwrap().len(), 1);
    assert!(store.throttle_events("user:u1", since).await.unwrap().is_empty());
});

// Finding 11: the check and the count of a throttle are one step. Thirty attempts at once on
// several connections against a limit of ten: exactly ten pass (before, each checked before
// any was counted and most passed).
store_test!(throttle_check_and_count_is_atomic_under_concurrency, |store: Store| async move {
    let now = chrono::Utc::now();
    let since = now - chrono::Duration::minutes(15);
    let mut tasks = Vec::new();
    for _ in 0..30 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let keys = ["apply-ip:10.9.8.7".to_string()];
            store
                .throttle_take(&keys, since, now, |events| if events[0].len() < 10 { Ok(()) } else { Err(()) })
                .await
                .unwrap()
                .is_ok()
        }));
    }
    let mut passed = 0;
    for t in tasks {
        passed += usize::from(t.await.unwrap());
    }
    assert_eq!(passed, 10);
    assert_eq!(store.throttle_events("apply-ip:10.9.8.7", since).await.unwrap().len(), 10);
});

store_test!(calendar_seed_respects_administrators, |store: Store| async move {
    let years = store.calendar_years().await.unwrap();
    assert_eq!(years.iter().map(|y| y.year).collect::<Vec<_>>(), (2019..=2026).collect::<Vec<_>>());
    assert!(years.iter().all(|y| y.source == ScheduleSource::Official));
    let calendar = store.calendar().await.unwrap();
    assert!(!calendar.is_workday(chrono::NaiveDate::from_ymd_opt(2025, 10, 8).unwrap()).value);
    assert!(calendar.is_workday(chrono::NaiveDate::from_ymd_opt(2025, 9, 28).unwrap()).value, "调休 Sunday");
    // An administrator's correction survives the next start.
    let mut w = store.write(Actor::system("test")).await.unwrap();
    w.calendar_clear_day(chrono::NaiveDate::from_ymd_opt(2025, 10, 8).unwrap()).await.unwrap();
    w.commit().await.unwrap();
    assert!(gongkai_store::calendar::seed_official(&store).await.unwrap().is_empty());
    assert!(store.calendar().await.unwrap().is_workday(chrono::NaiveDate::from_ymd_opt(2025, 10, 8).unwrap()).value);
    // A year removed is seeded again.
    let mut w = store.write(Actor::system("test")).await.unwrap();
    w.calendar_delete_year(2019).await.unwrap();
    w.commit().await.unwrap();
    assert_eq!(gongkai_store::calendar::seed_official(&store).await.unwrap(), vec![2019]);
    // A day cannot belong to two notices.
    let overlapping =
        gongkai_domain::calendar::parse_schedules("年份 2027 国办发明电〔2026〕1号\n元旦 2026-12-31至2027-01-01 放假")
            .unwrap();
    let mut w = store.write(Actor::system("test")).await.unwrap();
    w.calendar_put_year(&overlapping[0], ScheduleSource::Admin).await.unwrap();
    w.commit().await.unwrap();
    let clash =
        gongkai_domain::calendar::parse_schedules("年份 2026 国办发明电〔2025〕7号\n元旦 2026-12-31 放假").unwrap();
    let mut w = store.write(Actor::system("test")).await.unwrap();
    assert!(matches!(w.calendar_put_year(&clash[0], ScheduleSource::Admin).await, Err(StoreError::Invalid(_))));
});

store_test!(demo_data_loads_once, |store: Store| async move {
    let first = gongkai_app::demo::load(&store).await.unwrap();
    assert!(first.units_added >= 100, "{}", first.units_added);
    assert_eq!(first.users_added, first.logins.len());
    assert!(first.documents_added >= 10, "{}", first.documents_added);
    let second = gongkai_app::demo::load(&store).await.unwrap();
    assert_eq!((second.units_added, second.users_added, second.documents_added), (0, 0, 0));
    assert_eq!(store.unit_count().await.unwrap() as usize, first.units_added);
    let units = store.units_all().await.unwrap();
    let districts = units.iter().filter(|u| u.kind == UnitKind::Government && u.parent_id.is_some()).count();
    assert_eq!(districts, 12);
    let departments_of_city =
        units.iter().filter(|u| u.kind == UnitKind::Department && u.parent_id == Some(units[0].id)).count();
    assert!(departments_of_city >= 31, "{departments_of_city}");
    for d in units.iter().filter(|u| u.kind == UnitKind::Government && u.parent_id.is_some()) {
        let below = units
            .iter()
            .filter(|u| u.parent_id == Some(d.id) && matches!(u.kind, UnitKind::Street | UnitKind::Town))
            .count();
        assert!(below >= 3, "{} has {below} towns and streets", d.name);
    }
    assert!(store.audit_verify().await.unwrap().is_ok());
});

store_test!(unknown_stored_values_are_errors_not_defaults, |store: Store| async move {
    gongkai_app::demo::load_base(&store).await.unwrap();
    gongkai_app::demo::load_disclosure_demo(&store).await.unwrap();
    let stored = |e: StoreError, column: &str, value: &str| match e {
        StoreError::Stored { column: c, value: v, .. } => assert_eq!((c.as_str(), v.as_str()), (column, value)),
        other => panic!("expected a stored-value error, got {other}"),
    };
    // A channel no list has: the catalogue fails instead of losing it.
    let mut conn = common::raw_conn(&store).await;
    let first = sqlx::query("SELECT MIN(id) AS id FROM catalogue_items").fetch_one(&mut conn).await.unwrap();
    let item: i64 = sqlx::Row::try_get(&first, "id").unwrap();
    let unit = store.catalogue_item(item).await.unwrap().unwrap().unit_id;
    raw(&store, &format!("UPDATE catalogue_items SET channels = 'website,carrier_pigeon' WHERE id = {item}")).await;
    stored(store.catalogue(unit).await.unwrap_err(), "channels", "carrier_pigeon");
    raw(&store, &format!("UPDATE catalogue_items SET channels = '' WHERE id = {item}")).await;
    assert!(store.catalogue_item(item).await.unwrap().unwrap().row.channels.is_empty());
    // An interpretation form: empty is none, anything else must be known.
    let doc = store.public_documents(&Default::default(), 1, 0).await.unwrap().items[0].id;
    raw(&store, &format!("UPDATE document_versions SET interpretation_form = '' WHERE document_id = {doc}")).await;
    assert_eq!(store.public_document(doc).await.unwrap().unwrap().interpretation_form, None);
    raw(&store, &format!("UPDATE document_versions SET interpretation_form = 'mime' WHERE document_id = {doc}")).await;
    stored(store.public_document(doc).await.unwrap_err(), "interpretation_form", "mime");
    // A date that is not one.
    raw(&store, &format!("UPDATE documents SET validity_on = '2026-02-30' WHERE id = {doc}")).await;
    stored(store.document(doc).await.unwrap_err(), "validity_on", "2026-02-30");
    // A role no list has: the account fails instead of losing the role.
    let user = store.user_by_username("admin").await.unwrap().unwrap().id;
    raw(&store, &format!("INSERT INTO user_roles (user_id, role) VALUES ({user}, 'overlord')")).await;
    stored(store.user(user).await.unwrap_err(), "role", "overlord");
});

/// Migration 9 on a database that an older program filled: every body moves to
/// `document_texts` once per document and distinct text, and every version and working copy
/// reads the text it had.
async fn migration_9_moves_bodies_to_shared_texts(db: common::Db) {
    use sqlx::Row;
    let (store, dir, pg) = common::store_at_version(db, 8).await;
    let unit = root(&store).await;
    let mut conn = common::raw_conn(&store).await;
    let now = "2026-01-01T00:00:00Z";
    let mut ids = Vec::new();
    for (title, status, live, body) in [
        ("已发布未修订", "published", 1, "甲正文"),
        ("两版之后修订中", "draft", 2, "丙正文（修订中）"),
        ("从未发布", "draft", 0, "丁正文"),
        ("只改了标题", "published", 2, "戊正文"),
    ] {
        let id: i64 = sqlx::query(
            "INSERT INTO documents (unit_id, status, title, publisher, topic, genre, disclosure_mode, body_html, body_text, validity, live_version, index_no, published_on, created_at, updated_at)
             VALUES ($1, $2, $3, '测试市人民政府', 'other', 'normative', 'proactive', $4, $5, 'valid', $6, $7, $8, $9, $9) RETURNING id",
        )
        .bind(unit)
        .bind(status)
        .bind(title)
        .bind(format!("<p>{body}</p>"))
        .bind(body)
        .bind(live)
        .bind(if live > 0 { Some(format!("{title}/2026-00001")) } else { None })
        // Published documents have always had their publication day.
        .bind(if live > 0 { Some("2026-01-05") } else { None })
        .bind(now)
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get(0);
        ids.push(id);
    }
    let [same, revised, draft, retitled] = ids[..] else { unreachable!() };
    for (id, version, body) in [
        (same, 1, "甲正文"),
        (revised, 1, "乙正文"),
        (revised, 2, "丙正文"),
        (retitled, 1, "戊正文"),
        (retitled, 2, "戊正文"),
    ] {
        sqlx::query(
            "INSERT INTO document_versions (document_id, version, title, publisher, topic, genre, disclosure_mode, body_html, body_text, published_at)
             VALUES ($1, $2, '标题', '测试市人民政府', 'other', 'normative', 'proactive', $3, $4, $5)",
        )
        .bind(id)
        .bind(version)
        .bind(format!("<p>{body}</p>"))
        .bind(body)
        .bind(now)
        .execute(&mut conn)
        .await
        .unwrap();
    }
    assert_eq!(gongkai_store::migrate::run(&store).await.unwrap().first(), Some(&9));

    let owned = |id: i64| {
        let store = store.clone();
        async move {
            let mut conn = common::raw_conn(&store).await;
            sqlx::query("SELECT COUNT(*) FROM document_texts WHERE document_id = $1")
                .bind(id)
                .fetch_one(&mut conn)
                .await
                .unwrap()
                .get::<i64, _>(0)
        }
    };
    assert_eq!([owned(same).await, owned(revised).await, owned(draft).await, owned(retitled).await], [1, 3, 1, 1]);
    let body = |id: i64, v: i64| {
        let store = store.clone();
        async move { store.document_version_body(id, v).await.unwrap().unwrap().body_text }
    };
    assert_eq!(body(same, 1).await, "甲正文");
    assert_eq!(body(revised, 1).await, "乙正文");
    assert_eq!(body(revised, 2).await, "丙正文");
    assert_eq!(body(retitled, 1).await, "戊正文");
    assert_eq!(body(retitled, 2).await, "戊正文");
    let working = |id: i64| {
        let store = store.clone();
        async move {
            let d = store.document(id).await.unwrap().unwrap();
            (d.body_html, d.body_text)
        }
    };
    assert_eq!(working(same).await, ("<p>甲正文</p>".to_string(), "甲正文".to_string()));
    assert_eq!(working(revised).await.1, "丙正文（修订中）");
    assert_eq!(working(draft).await.1, "丁正文");
    assert_eq!(working(retitled).await.1, "戊正文");
    assert_eq!(store.public_document(revised).await.unwrap().unwrap().body_html, "<p>丙正文</p>");
    assert!(store.public_document(draft).await.unwrap().is_none());
    // The converted rows go on as new ones do: publishing the revision adds version 3 on
    // the working copy's row, and version 1 keeps its text.
    let mut w = store.write(Actor::system("test")).await.unwrap();
    w.document_update(revised, &{
        let input = gongkai_domain::documents::DocumentInput {
            title: "两版之后修订中".into(),
            topic: "other".into(),
            genre: "normative".into(),
            body: "<p>丙正文（改定）</p>".into(),
            ..Default::default()
        };
        gongkai_domain::documents::DocumentFields::parse(&input, "测试市人民政府").unwrap()
    })
    .await
    .unwrap();
    w.commit().await.unwrap();
    assert_eq!(owned(revised).await, 3, "the revision's own row is rewritten");
    assert_eq!(body(revised, 1).await, "乙正文");
    assert_eq!(working(revised).await.1, "丙正文（改定）");
    store.close().await;
    if let Some(name) = pg {
        common::drop_pg_database(&name).await;
    }
    drop(dir);
}

mod migration_9_converts_old_rows {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::migration_9_moves_bodies_to_shared_texts(super::common::Db::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::migration_9_moves_bodies_to_shared_texts(super::common::Db::Postgres).await;
    }
}
