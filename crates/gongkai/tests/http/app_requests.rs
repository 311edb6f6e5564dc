//! The request use cases of the application layer, called directly (no HTTP) on SQLite and
//! PostgreSQL: what the console and the API reach through the web crate.

use crate::common;

use gongkai_app::requests::{self, Step, letters};
use gongkai_app::{Context, NoEffects, Options, Principal};
use gongkai_domain::reply_letter::{LetterKind, TemplateKey};
use gongkai_domain::request_events::EventKind;
use gongkai_domain::request_form::RequestInput;
use gongkai_domain::request_lifecycle::RequestState;
use gongkai_store::Store;
use std::sync::Arc;

fn context(store: &Store) -> Context {
    Context::new(store.clone(), Options::default(), Arc::new(NoEffects))
}

async fn principal(store: &Store, username: &str) -> Principal {
    let user = store.user_by_username(username).await.unwrap().expect(username);
    Principal { user, ip: "127.0.0.1".into(), session: None }
}

fn citizen_id(first17: &str) -> String {
    format!("{first17}{}", gongkai_domain::codes::citizen_id_check_char(first17).unwrap())
}

fn application() -> RequestInput {
    RequestInput {
        applicant_type: "person".into(),
        name: "欧阳明".into(),
        id_type: "citizen_id".into(),
        id_number: citizen_id("37010219850615123"),
        phone: "13905310000".into(),
        email: "ouyang@example.com".into(),
        address: "济南市历下区泉城路1号".into(),
        postcode: "250011".into(),
        description: "2025年济南市城乡居民医疗保险门诊慢特病病种目录及其调整依据".into(),
        provision_form: "electronic".into(),
        delivery: "email".into(),
        ..Default::default()
    }
}

/// A letter received today, registered by `handler` for their own unit.
async fn register(cx: &Context, handler: &Principal) -> requests::Acknowledgement {
    let today = gongkai_app::today().to_string();
    requests::register(cx, handler, &application(), "", "post", &today).await.unwrap()
}

/// What the letters of a case say, in order: clarification and extension notices.
async fn letters_of(cx: &Context, r: &gongkai_store::requests::Request) -> Vec<String> {
    let mut out = Vec::new();
    for kind in [LetterKind::Clarification, LetterKind::Extension] {
        let key = TemplateKey::new(kind, None).unwrap();
        out.push(letters::letter(cx, r, key).await.unwrap().plain_text());
    }
    out
}

store_test!(letters_read_the_events_facts_not_their_words, demo_base, |store: Store| async move {
    let cx = context(&store);
    let handler = principal(&store, "ybj_handler").await;
    let ack = register(&cx, &handler).await;
    let id = ack.request.id;
    let on = gongkai_app::today();
    requests::take_step(&cx, &handler, id, Step::RequestClarification { on, what: "请写明病种目录的年份".into() })
        .await
        .unwrap();
    requests::take_step(&cx, &handler, id, Step::ClarificationReceived { on, note: String::new() }).await.unwrap();
    let r = requests::take_step(
        &cx,
        &handler,
        id,
        Step::Extend { days: 10, reason: "需调取历年档案".into(), approver: "王主任".into(), on },
    )
    .await
    .unwrap();
    assert_eq!(r.state, RequestState::InProgress);

    // The facts are typed on the timeline.
    let events = store.request_events(id, false).await.unwrap();
    let kinds: Vec<EventKind> = events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::Registered,
            EventKind::ClarificationRequested,
            EventKind::ClarificationReceived,
            EventKind::Extended
        ]
    );
    assert_eq!(events[1].details.items.as_deref(), Some("请写明病种目录的年份"));
    assert_eq!((events[3].details.days, events[3].details.approver.as_deref()), (Some(10), Some("王主任")));

    let before = letters_of(&cx, &r).await;
    assert!(before[0].contains("请写明病种目录的年份"), "{}", before[0]);
    assert!(before[1].contains("需调取历年档案") && before[1].contains("10"), "{}", before[1]);

    // Reword every note on the timeline (as a new wording of every message would leave the
    // older rows): the letters stay word for word what they were.
    let mut conn = common::raw_conn(&store).await;
    sqlx::query("UPDATE request_events SET note = '（措辞已修改）'").execute(&mut conn).await.unwrap();
    assert_eq!(letters_of(&cx, &r).await, before);

    // The labels people read come from the kinds, whatever the stored words.
    let events = store.request_events(id, false).await.unwrap();
    for e in &events {
        assert_eq!(gongkai_domain::request_events::label(e.kind, &e.details), e.kind.label());
    }
});

store_test!(an_unknown_event_code_is_an_error_not_a_dropped_row, demo_base, |store: Store| async move {
    let cx = context(&store);
    let handler = principal(&store, "ybj_handler").await;
    let ack = register(&cx, &handler).await;
    let mut conn = common::raw_conn(&store).await;
    sqlx::query("UPDATE request_events SET kind = '登记申请'").execute(&mut conn).await.unwrap();
    let err = store.request_events(ack.request.id, false).await.unwrap_err();
    assert!(err.to_string().contains("request_events.kind"), "{err}");
});

store_test!(steps_check_rights_and_the_lifecycle_without_http, demo_base, |store: Store| async move {
    let cx = context(&store);
    let handler = principal(&store, "ybj_handler").await;
    let editor = principal(&store, "zjj_editor").await;
    let ack = register(&cx, &handler).await;
    let id = ack.request.id;
    // Another unit's editor does not even learn the case exists.
    let err = requests::take_step(&cx, &editor, id, Step::Archive).await.unwrap_err();
    assert!(matches!(err, gongkai_app::Error::NotFound), "{err:?}");
    // Archiving an open case does not fit its state.
    let err = requests::take_step(&cx, &handler, id, Step::Archive).await.unwrap_err();
    match err {
        gongkai_app::Error::Conflict(inv) => assert_eq!(inv.0[0].field, "state"),
        other => panic!("{other:?}"),
    }
    // Nothing was written for the refused steps.
    assert_eq!(store.request_events(id, false).await.unwrap().len(), 1);
});

store_test!(the_migration_turns_older_timelines_into_kinds_and_facts, demo_base, |store: Store| async move {
    let cx = context(&store);
    let handler = principal(&store, "ybj_handler").await;
    let ack = register(&cx, &handler).await;
    let id = ack.request.id;
    let mut conn = common::raw_conn(&store).await;
    sqlx::query(&format!("UPDATE requests SET extension_days = 15 WHERE id = {id}")).execute(&mut conn).await.unwrap();
    // The timeline as migration 10 found it: Chinese words as kinds, facts only in the notes.
    for sql in [
        "DELETE FROM request_events".to_string(),
        "ALTER TABLE request_events DROP COLUMN details".to_string(),
        "DELETE FROM schema_migrations WHERE version = 10".to_string(),
    ] {
        sqlx::query(&sql).execute(&mut conn).await.unwrap();
    }
    let legacy = [
        ("登记申请", "信函申请，受理机关：济南市医疗保障局"),
        ("告知补正", "请补正：请写明病种目录的年份"),
        ("延长答复期限", "经王主任同意，答复期限延长 15 个工作日。理由：需调取历年档案"),
        ("申请人补正", "目录年份为2025年"),
        ("电话沟通", "已电话告知申请人办理进度"),
    ];
    for (kind, note) in legacy {
        sqlx::query(
            "INSERT INTO request_events (request_id, at, on_date, kind, actor_name, public, note) \
             VALUES ($1, '2026-11-02T01:00:00Z', '2026-11-02', $2, 'ybj_handler', 1, $3)",
        )
        .bind(id)
        .bind(kind)
        .bind(note)
        .execute(&mut conn)
        .await
        .unwrap();
    }
    assert_eq!(gongkai_store::migrate::run(&store).await.unwrap(), vec![10]);
    let events = store.request_events(id, false).await.unwrap();
    let kinds: Vec<EventKind> = events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::Registered,
            EventKind::ClarificationRequested,
            EventKind::Extended,
            EventKind::CorrectionReceived,
            EventKind::Other
        ]
    );
    assert_eq!(events[1].details.items.as_deref(), Some("请写明病种目录的年份"));
    let ext = &events[2].details;
    assert_eq!(
        (ext.days, ext.approver.as_deref(), ext.reason.as_deref()),
        (Some(15), Some("王主任"), Some("需调取历年档案"))
    );
    assert_eq!(events[3].details.text.as_deref(), Some("目录年份为2025年"));
    assert_eq!(gongkai_domain::request_events::label(events[4].kind, &events[4].details), "电话沟通");
    // The words stay as they were written.
    for (e, (_, note)) in events.iter().zip(legacy) {
        assert_eq!(e.note, note);
    }
});
