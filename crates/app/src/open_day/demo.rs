//! The demo's open days: 市中区's 政府开放月 with five events, one in each state a visitor should
//! see: finished with its record (纪要, published through the documents' review), registration
//! closed with staff's selection made, full with a waitlist, open, and announced. The dates are
//! counted from the day the demo is loaded, so the month is always "now"; every step runs
//! through the use cases with the context's clock set to when it happens.

use super::registrations::{self, admit_one};
use super::{ReviewAction, SeriesInput};
use crate::demo::{account, at};
use crate::{Context, Error, NoEffects, Options};
use chrono::{DateTime, Duration, Utc};
use gongkai_domain::open_day::input::{EventInput, FieldKind, FormField, RegistrationFields, RegistrationInput};
use gongkai_domain::time::{date_in_china, local_minute_at};
use gongkai_store::{Actor, Store};
use std::sync::Arc;

type Result<T> = std::result::Result<T, Error>;

const EDITOR: &str = "shizhong_editor";
const REVIEWERS: [&str; 3] = ["shizhong_reviewer1", "shizhong_reviewer2", "shizhong_reviewer3"];

/// Registrants' names, drawn in turn.
const NAMES: [&str; 24] = [
    "王秀英",
    "李建国",
    "张桂兰",
    "刘志强",
    "陈晓敏",
    "杨光辉",
    "赵淑珍",
    "黄海涛",
    "周玉梅",
    "吴振华",
    "徐丽娟",
    "孙德胜",
    "马春燕",
    "朱国庆",
    "胡晓峰",
    "郭红霞",
    "何文斌",
    "高雅琴",
    "林志远",
    "罗秀兰",
    "梁晨曦",
    "宋建平",
    "郑慧敏",
    "谢思远",
];

/// A valid ID number, born 1950 + `n * 7 % 55` (some of them elderly, as open-day visitors
/// often are), registered in 市中区.
fn citizen_id(n: usize) -> String {
    let first17 = format!("370103{}{:02}{:02}{:03}", 1950 + n * 7 % 55, 1 + n % 12, 1 + n * 3 % 28, 100 + n);
    let check = gongkai_domain::codes::citizen_id_check_char(&first17).unwrap_or('X');
    format!("{first17}{check}")
}

fn person(n: usize, answers: &[(&str, &str)]) -> Result<RegistrationFields> {
    let input = RegistrationInput {
        name: NAMES[n % NAMES.len()].into(),
        id_number: citizen_id(n),
        phone: format!("1370531{:04}", 1000 + n * 37 % 9000),
        district: "370103".into(),
        answers: answers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ..Default::default()
    };
    let fields = answer_fields();
    RegistrationFields::parse(&input, &fields).map_err(Error::Invalid)
}

/// The seminar's own question (the other events ask none).
fn answer_fields() -> Vec<FormField> {
    vec![FormField {
        key: "topic".into(),
        label: "您最想交流的话题".into(),
        kind: FieldKind::Line,
        required: false,
        options: vec![],
    }]
}

/// The times of an event: registration opens `open` days from now and closes `close` days from
/// now; the event starts `start` days from now at `hour` and lasts `hours`.
struct When {
    open: i64,
    close: i64,
    start: i64,
    hour: u32,
    hours: i64,
}

fn schedule(now: DateTime<Utc>, w: &When, input: &mut EventInput) {
    let day = |d: i64| date_in_china(now + Duration::days(d));
    let starts = at(day(w.start), w.hour, 0);
    input.registration_opens_at = local_minute_at(at(day(w.open), 9, 0));
    input.registration_closes_at = local_minute_at(at(day(w.close), 17, 0).min(starts));
    input.starts_at = local_minute_at(starts);
    input.ends_at = local_minute_at(starts + Duration::hours(w.hours));
}

/// Loads the month once (an audit record marks it loaded).
pub async fn load(store: &Store) -> Result<usize> {
    if store.audit_action_taken("demo.open_days").await? {
        return Ok(0);
    }
    let cx = Context::new(store.clone(), Options::default(), Arc::new(NoEffects));
    let now = Utc::now();
    let editor = account(store, EDITOR).await?;
    cx.clock.set(Some(now - Duration::days(30)));
    let first = date_in_china(now - Duration::days(20));
    let last = date_in_china(now + Duration::days(15));
    let series = super::create_series(
        &cx,
        &editor,
        &SeriesInput {
            unit_id: None,
            title: "市中区2026年政府开放月".into(),
            summary: "为推进决策、执行、管理、服务、结果公开，市中区组织开展政府开放月活动。活动期间，区政府各部门和街道陆续推出政务服务中心参观、老城区更新座谈、垃圾分类讲座、旁听区政府常务会议和线上开放日等活动，邀请市民、企业代表、人大代表和政协委员走进政府机关，看政府怎样办事，对政府工作提出意见建议。\n所有活动均免费，通过本平台报名，无需注册账号。"
                .into(),
            starts_on: first.to_string(),
            ends_on: last.to_string(),
        },
    )
    .await?;
    let mut added = 0;
    added += finished_visit(&cx, store, now, series.id).await?;
    added += closed_meeting(&cx, store, now, series.id).await?;
    added += full_seminar(&cx, store, now, series.id).await?;
    added += open_lecture(&cx, store, now, series.id).await?;
    announced_online(&cx, store, now, series.id).await?;
    let mut w = store.write(Actor::system("demo")).await?;
    w.record("demo.open_days", "demo", 0, None, "载入演示用政府开放活动数据");
    w.commit().await?;
    Ok(added)
}

/// Drafts the event a month before now and publishes it through the three stages.
async fn publish(cx: &Context, store: &Store, now: DateTime<Utc>, input: &EventInput) -> Result<i64> {
    cx.clock.set(Some(now - Duration::days(30)));
    let editor = account(store, EDITOR).await?;
    let e = super::create(cx, &editor, input).await?;
    super::act(cx, &editor, e.id, &ReviewAction::Submit).await?;
    for (i, r) in REVIEWERS.iter().enumerate() {
        cx.clock.set(Some(now - Duration::days(29 - i as i64)));
        super::act(cx, &account(store, r).await?, e.id, &ReviewAction::Approve).await?;
    }
    Ok(e.id)
}

/// Registers people `from..to` at the given time; returns their codes.
async fn register(
    cx: &Context,
    event: i64,
    at: DateTime<Utc>,
    people: std::ops::Range<usize>,
    answers: &[(&str, &str)],
) -> Result<Vec<String>> {
    let mut codes = Vec::new();
    for n in people {
        cx.clock.set(Some(at + Duration::minutes(n as i64 * 17)));
        let actor = Actor { user_id: None, name: "公众".into(), unit_id: None, ip: "demo".into() };
        let mut w = cx.store.write(actor).await?;
        let (_, code) = admit_one(cx, &mut w, event, &person(n, answers)?).await?;
        w.commit().await?;
        codes.push(code);
    }
    Ok(codes)
}

fn event(kind: &str, title: &str, description: &str, place: &str, capacity: u32, reserved: u32) -> EventInput {
    EventInput {
        kind: kind.into(),
        title: title.into(),
        description: description.into(),
        place: place.into(),
        capacity,
        reserved,
        ..Default::default()
    }
}

async fn finished_visit(cx: &Context, store: &Store, now: DateTime<Utc>, series: i64) -> Result<usize> {
    let mut input = event(
        "visit",
        "走进市中区政务服务中心：体验“一窗受理、一次办好”",
        "参观区政务服务中心综合受理区、企业开办专区和“无证明城市”服务窗口，现场体验“高效办成一件事”的办理流程，与窗口工作人员面对面交流。\n集合地点：区政务服务中心一楼大厅东侧咨询台。请携带本人身份证，提前十分钟到达。",
        "济南市市中区二环南路2577号 市中区政务服务中心",
        30,
        4,
    );
    input.series_id = Some(series);
    schedule(now, &When { open: -25, close: -14, start: -12, hour: 9, hours: 2 }, &mut input);
    let id = publish(cx, store, now, &input).await?;
    let codes = register(cx, id, now - Duration::days(24), 0..22, &[]).await?;
    // Eighteen came.
    cx.clock.set(Some(now - Duration::days(12) + Duration::minutes(20)));
    let door = account(store, EDITOR).await?;
    registrations::check_in(cx, &door, id, &codes[..18]).await?;
    // The record, published through the documents' review, is linked to the event.
    let doc = record_document(cx, store, now - Duration::days(10)).await?;
    super::set_record(cx, &door, id, doc).await?;
    Ok(codes.len())
}

async fn record_document(cx: &Context, store: &Store, on: DateTime<Utc>) -> Result<i64> {
    use crate::documents::{self, ActionInput};
    cx.clock.set(Some(on));
    let editor = account(store, EDITOR).await?;
    let input = gongkai_domain::documents::DocumentInput {
        title: "市中区政府开放月“走进政务服务中心”活动纪要".into(),
        written_on: date_in_china(on).to_string(),
        topic: "general".into(),
        genre: "news".into(),
        body_is_text: true,
        body: "活动当天，18位市民和企业代表参观了区政务服务中心综合受理区、企业开办专区和“无证明城市”服务窗口，现场体验了个体工商户登记和社保卡补领的办理流程。\n参加单位：区行政审批服务局、区人力资源社会保障局、区市场监管局，大观园街道、魏家庄街道的居民代表和3家企业代表。\n现场交流中，市民提出的主要问题和答复如下：\n一、问：老年人不会用手机预约，现场办事要等多久？答：中心设有老年人绿色通道和帮办代办窗口，老年人无需预约，工作日随到随办。\n二、问：企业变更登记能否不跑腿？答：企业变更登记已实现全程网办，营业执照可邮寄送达，中心提供免费邮寄服务。\n三、问：周末能否办理社保业务？答：中心周六上午提供社保、医保、公积金等高频事项的延时服务。\n对活动中提出的“在社区设置自助办理终端”的建议，区行政审批服务局已列入明年工作计划，将在各街道便民服务中心增设自助终端。"
            .into(),
        ..Default::default()
    };
    let doc = documents::create(cx, &editor, &input).await?;
    let step = |action: &str| ActionInput { action: action.into(), ..Default::default() };
    documents::act(cx, &editor, doc.id, &step("submit")).await?;
    for r in REVIEWERS {
        documents::act(cx, &account(store, r).await?, doc.id, &step("approve")).await?;
    }
    Ok(doc.id)
}

async fn closed_meeting(cx: &Context, store: &Store, now: DateTime<Utc>, series: i64) -> Result<usize> {
    let mut input = event(
        "observe_meeting",
        "旁听市中区人民政府常务会议",
        "邀请市民代表列席旁听区政府常务会议，会议将研究老旧小区改造和背街小巷整治等议题。旁听代表在会议结束前可就议题发言。\n本次采取审核选取方式，主办单位综合考虑报名先后、所在街道和年龄结构选取旁听代表，结果将通知报名人。",
        "济南市市中区经八路122号 区政府第一会议室",
        8,
        2,
    );
    input.series_id = Some(series);
    input.approval = "selection".into();
    input.min_age = Some(18);
    input.districts = vec!["370103".into()];
    schedule(now, &When { open: -10, close: -1, start: 3, hour: 9, hours: 3 }, &mut input);
    let id = publish(cx, store, now, &input).await?;
    register(cx, id, now - Duration::days(9), 30..39, &[]).await?;
    // Staff chose six and told the other three.
    cx.clock.set(Some(now - Duration::hours(20)));
    let staff = account(store, EDITOR).await?;
    for (i, r) in store.registrations_of(id).await?.into_iter().enumerate() {
        let d = if i < 6 { registrations::Decision::Approve } else { registrations::Decision::Reject };
        registrations::decide(cx, &staff, r.id, d).await?;
    }
    Ok(9)
}

async fn full_seminar(cx: &Context, store: &Store, now: DateTime<Utc>, series: i64) -> Result<usize> {
    let mut input = event(
        "seminar",
        "老城区有机更新座谈会：魏家庄片区怎样改",
        "区住房城乡建设局、区城市更新服务中心介绍魏家庄片区有机更新方案（征求意见稿），听取居民、商户和规划专家的意见建议。\n座谈会名额有限，满额后可登记候补，有人取消时按报名先后自动递补。",
        "济南市市中区经三路76号 魏家庄街道办事处三楼会议室",
        12,
        2,
    );
    input.series_id = Some(series);
    input.fields = answer_fields();
    schedule(now, &When { open: -6, close: 5, start: 6, hour: 14, hours: 2 }, &mut input);
    let id = publish(cx, store, now, &input).await?;
    let topics = [("topic", "老房子加装电梯和停车位")];
    let codes = register(cx, id, now - Duration::days(5), 40..53, &topics).await?;
    // One seated person cancelled; the first waiter took the seat and was told.
    cx.clock.set(Some(now - Duration::days(2)));
    registrations::cancel(cx, &codes[2], "demo").await?;
    register(cx, id, now - Duration::days(1), 53..55, &topics).await?;
    Ok(codes.len() + 2)
}

async fn open_lecture(cx: &Context, store: &Store, now: DateTime<Utc>, series: i64) -> Result<usize> {
    let mut input = event(
        "lecture",
        "垃圾分类进社区：家庭厨余垃圾怎么分",
        "区城市管理局垃圾分类指导员讲解厨余垃圾、可回收物、有害垃圾和其他垃圾的分类方法，介绍积分兑换和上门回收服务，现场答疑。适合家庭成员一同参加。",
        "济南市市中区舜玉路25号 舜玉路街道新时代文明实践站",
        80,
        5,
    );
    input.series_id = Some(series);
    schedule(now, &When { open: -3, close: 9, start: 10, hour: 15, hours: 1 }, &mut input);
    let id = publish(cx, store, now, &input).await?;
    Ok(register(cx, id, now - Duration::days(2), 60..65, &[]).await?.len())
}

async fn announced_online(cx: &Context, store: &Store, now: DateTime<Utc>, series: i64) -> Result<()> {
    let mut input = event(
        "online",
        "线上开放日：市中区“十五五”规划编制网上问计",
        "区发展改革局在线介绍“十五五”规划编制思路，网友可在直播中提问，规划编制组现场回答。报名后将收到参加链接。",
        "线上（报名成功后通知参加方式）",
        500,
        0,
    );
    input.series_id = Some(series);
    schedule(now, &When { open: 3, close: 13, start: 14, hour: 19, hours: 1 }, &mut input);
    publish(cx, store, now, &input).await?;
    Ok(())
}
