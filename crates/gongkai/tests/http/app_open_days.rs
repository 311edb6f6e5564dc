//! The open-day use cases, called directly on SQLite and PostgreSQL: admission, the waitlist
//! under concurrent cancellations, selection, check-in, and the kept counts against a recount.

use crate::common::solve;

use gongkai_app::open_day::registrations::{self, Decision};
use gongkai_app::open_day::{self, ReviewAction};
use gongkai_app::{Context, Error, NoEffects, Options, Principal};
use gongkai_domain::open_day::input::{EventInput, RegistrationInput};
use gongkai_domain::open_day::registration::{CheckIn, RegistrationStatus};
use gongkai_store::Store;
use std::sync::Arc;

fn context(store: &Store) -> Arc<Context> {
    Arc::new(Context::new(store.clone(), Options::default(), Arc::new(NoEffects)))
}

async fn principal(store: &Store, username: &str) -> Principal {
    let user = store.user_by_username(username).await.unwrap().expect(username);
    Principal { user, ip: "127.0.0.1".into(), session: None }
}

/// A valid ID number of someone born in 1980 + `n % 30`.
fn citizen_id(n: u32) -> String {
    let first17 = format!("370102{}0615{:03}", 1980 + n % 30, n % 1000);
    format!("{first17}{}", gongkai_domain::codes::citizen_id_check_char(&first17).unwrap())
}

fn local(at: chrono::DateTime<chrono::Utc>) -> String {
    gongkai_domain::time::local_minute_at(at)
}

/// An event open for registration now, with `open` seats for registrants.
fn event(cx: &Context, approval: &str, open: u32) -> EventInput {
    let now = cx.now();
    let day = chrono::Duration::days(1);
    EventInput {
        kind: "visit".into(),
        title: "走进住房公积金服务大厅".into(),
        description: "参观服务大厅，了解公积金提取和贷款办理流程。".into(),
        place: "济南市市中区经十路某号".into(),
        registration_opens_at: local(now - day),
        registration_closes_at: local(now + day),
        starts_at: local(now + day * 2),
        ends_at: local(now + day * 2 + chrono::Duration::hours(2)),
        capacity: open + 2,
        reserved: 2,
        approval: approval.into(),
        ..Default::default()
    }
}

/// Drafts, reviews and publishes an event of 住建局.
async fn published(cx: &Context, store: &Store, input: &EventInput) -> i64 {
    let editor = principal(store, "zjj_editor").await;
    let e = open_day::create(cx, &editor, input).await.unwrap();
    open_day::act(cx, &editor, e.id, &ReviewAction::Submit).await.unwrap();
    for r in ["zjj_reviewer1", "zjj_reviewer2", "zjj_reviewer3"] {
        open_day::act(cx, &principal(store, r).await, e.id, &ReviewAction::Approve).await.unwrap();
    }
    e.id
}

async fn registration(cx: &Context, n: u32) -> RegistrationInput {
    let c = gongkai_app::challenge::issue_at(cx, chrono::Utc::now()).await.unwrap();
    RegistrationInput {
        name: format!("市民{n}"),
        id_number: citizen_id(n),
        phone: format!("139{n:08}"),
        challenge_answer: solve(&c.question),
        challenge_id: c.id,
        ..Default::default()
    }
}

async fn register(cx: &Context, event: i64, n: u32) -> Result<registrations::Ack, Error> {
    registrations::register(cx, event, &registration(cx, n).await, &format!("10.0.{}.{}", n / 200, n % 200)).await
}

/// The kept counts agree with the registrations, and nobody holds a seat beyond the open ones.
async fn counts_hold(store: &Store, event: i64, open: u32) -> gongkai_store::open_day::Counts {
    let kept = store.open_day(event).await.unwrap().unwrap().counts;
    assert_eq!(kept, store.registration_counts(event).await.unwrap(), "kept counts = recount");
    assert!(kept.holding <= open, "{} seats held of {open}", kept.holding);
    kept
}

store_test!(cancellations_together_promote_the_first_waiters_in_order, demo_base, |store: Store| async move {
    let cx = context(&store);
    let open = 4;
    let id = published(&cx, &store, &event(&cx, "first_come", open)).await;
    // Twelve arrive at once: four get seats, eight wait, in a single line.
    let mut arriving = Vec::new();
    for n in 0..12 {
        let cx = cx.clone();
        arriving.push(tokio::spawn(async move { register(&cx, id, n).await.unwrap() }));
    }
    let mut acks = Vec::new();
    for a in arriving {
        acks.push(a.await.unwrap());
    }
    let kept = counts_hold(&store, id, open).await;
    assert_eq!((kept.holding, kept.waiting), (4, 8));
    // The same person again is refused, naming the field.
    let again = register(&cx, id, 0).await.unwrap_err();
    assert!(matches!(&again, Error::Conflict(e) if e.0[0].field == "id_number"), "{again:?}");
    let all = store.registrations_of(id).await.unwrap();
    let waiting: Vec<i64> = all.iter().filter(|r| r.status == RegistrationStatus::Waitlisted).map(|r| r.id).collect();
    // Three seated and the first two waiters cancel, all at once.
    let code_of = |rid: i64| acks.iter().find(|a| a.registration.id == rid).unwrap().code.clone();
    let seated: Vec<i64> = all.iter().filter(|r| r.status == RegistrationStatus::Confirmed).map(|r| r.id).collect();
    let leaving: Vec<i64> = seated[..3].iter().chain(&waiting[..2]).copied().collect();
    let mut cancels = Vec::new();
    for (i, rid) in leaving.iter().enumerate() {
        let (cx, code) = (cx.clone(), code_of(*rid));
        cancels.push(tokio::spawn(async move { registrations::cancel(&cx, &code, &format!("10.9.0.{i}")).await }));
    }
    for c in cancels {
        assert_eq!(c.await.unwrap().unwrap().registration.status, RegistrationStatus::Cancelled);
    }
    let kept = counts_hold(&store, id, open).await;
    assert_eq!((kept.holding, kept.waiting), (4, 3));
    // The three seats went to the next three waiters in order of arrival: nobody passed over.
    let after = store.registrations_of(id).await.unwrap();
    let status_of = |rid: i64| after.iter().find(|r| r.id == rid).unwrap().status;
    for (i, rid) in waiting[2..].iter().enumerate() {
        let want = if i < 3 { RegistrationStatus::Confirmed } else { RegistrationStatus::Waitlisted };
        assert_eq!(status_of(*rid), want, "waiter {i}");
    }
    // The promoted are told, and see it when they look up their code.
    let seen = registrations::lookup(&cx, &code_of(waiting[2]), "10.8.0.1").await.unwrap();
    assert!(seen.notices.iter().any(|n| n.text.contains("由候补转为报名成功")), "{:?}", seen.notices);
    assert!(seen.notices[0].delivery.as_deref().is_some_and(|d| d.contains("日志")));
    // A cancelled code cannot cancel again.
    let twice = registrations::cancel(&cx, &code_of(leaving[0]), "10.9.0.0").await.unwrap_err();
    assert!(matches!(&twice, Error::Conflict(e) if e.0[0].message.contains("已取消")), "{twice:?}");
});

store_test!(the_door_admits_each_seat_once_and_no_other, demo_base, |store: Store| async move {
    let cx = context(&store);
    let id = published(&cx, &store, &event(&cx, "first_come", 1)).await;
    let other = published(&cx, &store, &event(&cx, "first_come", 1)).await;
    let seated = register(&cx, id, 1).await.unwrap();
    let waiting = register(&cx, id, 2).await.unwrap();
    let elsewhere = register(&cx, other, 3).await.unwrap();
    assert_eq!(waiting.registration.status, RegistrationStatus::Waitlisted);
    let door = principal(&store, "zjj_editor").await;
    // Lower case and a dash, as someone types it.
    let typed = format!("{}-{}", &seated.code[..4], &seated.code[4..]).to_lowercase();
    let codes = vec![typed, seated.code.clone(), waiting.code.clone(), elsewhere.code.clone(), "ABCDEFGH".into()];
    let (results, counts) = registrations::check_in(&cx, &door, id, &codes).await.unwrap();
    let outcomes: Vec<CheckIn> = results.iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        [
            CheckIn::Admitted,
            CheckIn::AlreadyIn,
            CheckIn::NoSeat(RegistrationStatus::Waitlisted),
            CheckIn::OtherEvent,
            CheckIn::Unknown
        ]
    );
    assert_eq!(counts.attended, 1);
    // The queue of a phone that was offline, sent twice, counts nobody again.
    let (again, counts) = registrations::check_in(&cx, &door, id, std::slice::from_ref(&seated.code)).await.unwrap();
    assert_eq!((again[0].outcome, counts.attended), (CheckIn::AlreadyIn, 1));
    counts_hold(&store, id, 1).await;
    // Someone of another unit cannot check in here (and does not learn the event exists).
    let stranger = principal(&store, "jyj_editor").await;
    assert!(registrations::check_in(&cx, &stranger, id, &codes).await.is_err());
});

store_test!(selection_confirms_no_more_than_the_open_seats, demo_base, |store: Store| async move {
    let cx = context(&store);
    let id = published(&cx, &store, &event(&cx, "selection", 2)).await;
    let mut ids = Vec::new();
    for n in 0..4 {
        let ack = register(&cx, id, n).await.unwrap();
        assert_eq!(ack.registration.status, RegistrationStatus::Pending);
        ids.push(ack.registration.id);
    }
    let staff = principal(&store, "zjj_editor").await;
    for rid in &ids[..2] {
        assert_eq!(
            registrations::decide(&cx, &staff, *rid, Decision::Approve).await.unwrap().status,
            RegistrationStatus::Confirmed
        );
    }
    let full = registrations::decide(&cx, &staff, ids[2], Decision::Approve).await.unwrap_err();
    assert!(matches!(&full, Error::Conflict(e) if e.0[0].message.contains("已满")), "{full:?}");
    let no = registrations::decide(&cx, &staff, ids[3], Decision::Reject).await.unwrap();
    assert_eq!(no.status, RegistrationStatus::Rejected);
    let told = store.registration_notices(ids[3]).await.unwrap();
    assert!(told[0].text.contains("未能入选"));
    let kept = counts_hold(&store, id, 2).await;
    assert_eq!((kept.holding, kept.pending), (2, 1));
});

store_test!(registration_outside_its_window_or_rules_is_refused_by_field, demo_base, |store: Store| async move {
    let cx = context(&store);
    let mut input = event(&cx, "first_come", 3);
    input.kind = "observe_meeting".into();
    input.min_age = Some(18);
    input.districts = vec!["370103".into()];
    let id = published(&cx, &store, &input).await;
    let mut r = registration(&cx, 5).await;
    r.district = "370103".into();
    registrations::register(&cx, id, &r, "10.1.0.1").await.unwrap();
    // Observing executive meetings: once a year per person, across events.
    let second = published(&cx, &store, &input).await;
    let mut again = registration(&cx, 5).await;
    again.district = "370103".into();
    let e = registrations::register(&cx, second, &again, "10.1.0.2").await.unwrap_err();
    assert!(matches!(&e, Error::Invalid(x) if x.0[0].message.contains("每人每年")), "{e:?}");
    // Another district.
    let mut elsewhere = registration(&cx, 6).await;
    elsewhere.district = "370102".into();
    let e = registrations::register(&cx, second, &elsewhere, "10.1.0.3").await.unwrap_err();
    assert!(matches!(&e, Error::Invalid(x) if x.0[0].field == "district"), "{e:?}");
    // A minor (born this year).
    let mut young = registration(&cx, 7).await;
    let this_year = chrono::Datelike::year(&cx.today());
    let first17 = format!("370102{this_year}0101123");
    young.id_number = format!("{first17}{}", gongkai_domain::codes::citizen_id_check_char(&first17).unwrap());
    young.district = "370103".into();
    let e = registrations::register(&cx, second, &young, "10.1.0.4").await.unwrap_err();
    assert!(matches!(&e, Error::Invalid(x) if x.0[0].message.contains("18 周岁以上")), "{e:?}");
    // After closing.
    let mut late = event(&cx, "first_come", 3);
    let now = cx.now();
    late.registration_opens_at = local(now - chrono::Duration::days(3));
    late.registration_closes_at = local(now - chrono::Duration::days(1));
    let closed = published(&cx, &store, &late).await;
    let e = register(&cx, closed, 8).await.unwrap_err();
    assert!(matches!(&e, Error::Conflict(x) if x.0[0].message.contains("报名已截止")), "{e:?}");
    // A mistyped code is told at once; an unknown one after the check.
    let e = registrations::lookup(&cx, "ABC", "10.1.0.5").await.unwrap_err();
    assert!(matches!(&e, Error::Invalid(x) if x.0[0].field == "code"));
});
