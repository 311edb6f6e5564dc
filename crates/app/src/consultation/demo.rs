//! The demo's consultations, through the use cases with the context's clock set to each step's
//! day: the closed 开门写报告 of the 2027 government work report with a few hundred opinions
//! from every channel, grouped, moderated, forwarded, decided and accounted for in a published
//! feedback; an open consultation on the draft 物业管理条例 with comments on its passages; and
//! two public concerns answered by documents of genre 回应关切.

use super::{ReviewAction, concerns, handling, opinions, report};
use crate::demo::{account, at, day, morning};
use crate::{Context, Error, NoEffects, Options};
use gongkai_domain::consultation::concern::ConcernInput;
use gongkai_domain::consultation::handling::{DecisionInput, ForwardStep, Moderation};
use gongkai_domain::consultation::input::{ConsultationInput, OpinionFields, OpinionInput};
use gongkai_domain::consultation::report::FeedbackInput;
use gongkai_domain::consultation::{Channel, HideReason};
use gongkai_domain::time::local_minute_at;
use gongkai_store::consultation::opinions::NewOpinion;
use gongkai_store::{Actor, Store};
use std::sync::Arc;

type Result<T> = std::result::Result<T, Error>;

/// The 开门写报告 topics and, for each, what people asked for (the demo's opinions are drawn
/// from these, so alike ones group).
const TOPICS: [(&str, &[&str]); 10] = [
    (
        "教育",
        &[
            "建议在历城区、高新区新建一批公办幼儿园和小学，解决新建小区孩子上学远、入园难的问题",
            "希望延长中小学课后服务时间到下午六点，方便双职工家庭接送孩子",
            "建议加快老旧校舍改造，给每间教室安装空调和新风系统",
            "希望扩大职业教育规模，让更多年轻人学到一技之长",
        ],
    ),
    (
        "医疗卫生",
        &[
            "建议在每个街道建设标准化社区卫生服务中心，让老人在家门口就能看病拿药",
            "希望三甲医院推行预约诊疗分时段就诊，减少排队时间",
            "建议医保门诊慢特病备案可以全程网上办理，不再跑腿",
            "希望增加儿科医生和夜间儿科门诊，孩子晚上发烧不用跑很远",
        ],
    ),
    (
        "交通出行",
        &[
            "建议优化公交线网，在新建小区和地铁站之间开通接驳公交",
            "希望加快地铁建设，尽早开通连接东部新区和西部的线路",
            "建议在学校和医院周边增设临时停车位，缓解接送和就医停车难",
            "希望完善非机动车道，把被占用的自行车道还给骑行者",
            "建议在老城区主要路口设置行人过街信号灯和安全岛",
        ],
    ),
    (
        "住房",
        &[
            "建议加快老旧小区加装电梯，简化审批流程，明确费用分摊办法",
            "希望增加保障性租赁住房供应，解决新市民和青年人住房困难",
            "建议加强物业服务监管，公开物业收费和公共收益使用情况",
        ],
    ),
    (
        "就业创业",
        &[
            "建议为高校毕业生提供更多见习岗位和创业担保贷款",
            "希望加强对灵活就业人员的社会保险补贴和技能培训",
            "建议举办更多面向四十岁以上人员的专场招聘会",
        ],
    ),
    (
        "营商环境",
        &[
            "建议推行涉企事项一网通办，减少企业重复提交材料",
            "希望惠企政策免申即享范围再扩大，资金拨付再快一些",
            "建议清理拖欠中小企业账款，政府部门带头按时付款",
        ],
    ),
    (
        "生态环境",
        &[
            "建议加强小清河沿线水环境治理，建设更多滨河步道",
            "希望冬季加强扬尘和散煤治理，让蓝天更多一些",
            "建议在社区推广垃圾分类定时定点投放，配足分类桶",
        ],
    ),
    (
        "养老托育",
        &[
            "建议在社区建设长者食堂，为高龄和独居老人提供助餐服务",
            "希望增加普惠托育机构，降低三岁以下婴幼儿托育费用",
            "建议对老旧小区进行适老化改造，增加扶手和无障碍坡道",
        ],
    ),
    (
        "城市管理",
        &[
            "建议规范早市夜市摊点管理，既保留烟火气又保证整洁",
            "希望增加城市公园和口袋公园，提供更多健身场地",
            "建议整治背街小巷的路面破损和积水问题",
        ],
    ),
    ("文化体育", &["建议公共体育场馆在节假日免费或低价向市民开放", "希望图书馆延长开放时间并增加社区分馆"]),
];

/// What people put before and after their suggestion.
const OPENINGS: [&str; 8] = [
    "",
    "我是一名普通市民，",
    "作为双职工家庭的家长，",
    "我在历城区居住多年，",
    "退休职工，",
    "我是一名外卖骑手，",
    "我在高新区工作，",
    "建议：",
];
const CLOSINGS: [&str; 6] =
    ["。", "，希望明年能够落实。", "，谢谢！", "。盼望政府重视。", "，这是大家的共同心声。", "。"];

/// The channels in proportion: the portal, the hotline, media partners, letters and calls.
const CHANNELS: [Channel; 20] = [
    Channel::Portal,
    Channel::Portal,
    Channel::Portal,
    Channel::Portal,
    Channel::Portal,
    Channel::Portal,
    Channel::Portal,
    Channel::Hotline,
    Channel::Hotline,
    Channel::Hotline,
    Channel::Hotline,
    Channel::Hotline,
    Channel::Newspaper,
    Channel::Newspaper,
    Channel::RadioTv,
    Channel::RadioTv,
    Channel::Wechat,
    Channel::Wechat,
    Channel::Letter,
    Channel::Phone,
];

const DISTRICTS: [&str; 10] =
    ["370102", "370103", "370104", "370105", "370112", "370113", "370114", "370176", "370116", ""];

const SURNAMES: [&str; 12] = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "孙", "马"];

/// How many opinions the 开门写报告 demo holds.
pub const REPORT_OPINIONS: usize = 320;

/// Loads it once; answers how many opinions it added.
pub async fn load(store: &Store) -> Result<usize> {
    if store.audit_action_taken("demo.consultations").await? {
        return Ok(0);
    }
    let cx = Context::new(store.clone(), Options::default(), Arc::new(NoEffects));
    let units = store.units_all().await?;
    let unit = |name: &str| {
        units.iter().find(|u| u.name == name).map(|u| u.id).ok_or_else(|| Error::internal(format!("demo unit {name}")))
    };
    let mut added = work_report(&cx, store, &unit).await?;
    added += draft_regulation(&cx, store).await?;
    concerns_demo(&cx, store).await?;
    let mut w = store.write(Actor::system("demo")).await?;
    w.record("demo.consultations", "demo", 0, None, "载入演示用意见征集数据");
    w.commit().await?;
    Ok(added)
}

async fn publish_through_review(
    cx: &Context,
    store: &Store,
    id: i64,
    author: &str,
    reviewers: [&str; 3],
    days: [&str; 4],
) -> Result<()> {
    let author = account(store, author).await?;
    cx.clock.set(Some(morning(day(days[0]))));
    super::act(cx, &author, id, &ReviewAction::Submit).await?;
    for (r, on) in reviewers.iter().zip(&days[1..]) {
        cx.clock.set(Some(morning(day(on))));
        super::act(cx, &account(store, r).await?, id, &ReviewAction::Approve).await?;
    }
    Ok(())
}

async fn work_report(cx: &Context, store: &Store, unit: &impl Fn(&str) -> Result<i64>) -> Result<usize> {
    let editor = account(store, "bgt_editor").await?;
    cx.clock.set(Some(morning(day("2026-10-09"))));
    let input = ConsultationInput {
        unit_id: Some(editor.user.unit_id),
        title: "“开门写报告”——2027年市政府工作报告意见建议征集".into(),
        background: "为充分听取社会各界对市政府工作的意见建议，使2027年市政府工作报告更好地集中民智、反映民意，现面向社会公开征集意见建议。\n\
            市民可通过中国·济南政府网站、12345市民服务热线、济南日报、济南广播电视台、“爱济南”客户端以及来信来电等方式参与。\n\
            征集结束后，起草组将对意见建议逐条研究，对采纳情况予以反馈。"
            .into(),
        questions: vec!["您对明年市政府工作有什么意见建议？".into(), "您最希望市政府明年办好哪些民生实事？".into()],
        topics: TOPICS.iter().map(|(t, _)| t.to_string()).chain(std::iter::once("其他".to_string())).collect(),
        opens_at: local_minute_at(at(day("2026-10-15"), 9, 0)),
        closes_at: local_minute_at(at(day("2026-11-15"), 18, 0)),
        channels: vec![],
        contact_required: false,
        ..Default::default()
    };
    let c = super::create(cx, &editor, &input).await?;
    publish_through_review(
        cx,
        store,
        c.id,
        "bgt_editor",
        ["bgt_reviewer1", "bgt_reviewer2", "bgt_reviewer3"],
        ["2026-10-10", "2026-10-12", "2026-10-13", "2026-10-14"],
    )
    .await?;
    let live = super::published(cx, c.id).await?;

    let partners = [
        (Channel::Hotline, account(store, "partner_12345").await?),
        (Channel::Newspaper, account(store, "partner_daily").await?),
        (Channel::RadioTv, account(store, "partner_radio").await?),
        (Channel::Wechat, account(store, "partner_wechat").await?),
    ];
    let mut stored = Vec::with_capacity(REPORT_OPINIONS + 8);
    let start = day("2026-10-15");
    for i in 0..REPORT_OPINIONS {
        let (topic, asks) = TOPICS[(i * 7 + i / 13) % TOPICS.len()];
        let ask = asks[(i * 3 + i / 29) % asks.len()];
        let text = format!("{}{ask}{}", OPENINGS[(i * 5) % OPENINGS.len()], CLOSINGS[(i * 11) % CLOSINGS.len()]);
        let channel = CHANNELS[(i * 13) % CHANNELS.len()];
        let on = start + chrono::Days::new((i * 31 / REPORT_OPINIONS) as u64);
        cx.clock.set(Some(at(on, 8 + (i % 12) as u32, (i * 7 % 60) as u32)));
        let with_contact = i % 3 != 0;
        let input = OpinionInput {
            question: Some(if i % 4 == 0 { 2 } else { 1 }),
            text,
            topic: if i % 9 == 0 { String::new() } else { topic.into() },
            district: DISTRICTS[(i * 3) % DISTRICTS.len()].into(),
            name: if with_contact { format!("{}先生", SURNAMES[i % SURNAMES.len()]) } else { String::new() },
            contact: if with_contact { format!("139{:08}", 53_100_000 + i * 7_919 % 1_000_000) } else { String::new() },
            received_on: on.to_string(),
            channel: channel.code().into(),
            ..Default::default()
        };
        let ack = match channel {
            Channel::Letter | Channel::Phone => opinions::enter(cx, &editor, c.id, &input).await?,
            Channel::Portal => {
                let fields = OpinionFields::parse(&input, &live.fields, None)?;
                let fixed = (i == 0).then_some(("Y20261000000001", "YJ7DEMQ8"));
                let new = NewOpinion {
                    consultation_id: c.id,
                    channel,
                    partner_id: None,
                    entered_by: None,
                    received_on: on,
                    fields: &fields,
                };
                let actor = Actor { user_id: None, name: "公众".into(), unit_id: None, ip: String::new() };
                opinions::store(cx, actor, &new, fixed).await?
            }
            partner => {
                let p = &partners.iter().find(|(c, _)| *c == partner).ok_or_else(|| Error::internal("partner"))?.1;
                opinions::submit_as_partner(cx, p, c.id, &OpinionInput { channel: String::new(), ..input }).await?
            }
        };
        stored.push(ack.opinion);
    }
    // What a moderator keeps back, given on the form like the rest.
    let held: [(&str, HideReason); 5] = [
        ("专业代办各类证件，加微信 zb8888 联系，价格优惠", HideReason::Spam),
        ("这些当官的就知道开会，全是废物！", HideReason::Abusive),
        ("请问明天济南天气怎么样？要不要带伞？", HideReason::OffTopic),
        ("我叫王某某，身份证号370102198001011234，我家的低保为什么被取消了？请给我打电话", HideReason::PersonalData),
        ("建议优化公交线网，在新建小区和地铁站之间开通接驳公交。", HideReason::Duplicate),
    ];
    let mut hide = Vec::new();
    for (i, (text, reason)) in held.iter().enumerate() {
        let on = day("2026-11-10");
        cx.clock.set(Some(at(on, 20, i as u32)));
        let input = OpinionInput { text: text.to_string(), ..Default::default() };
        let fields = OpinionFields::parse(&input, &live.fields, None)?;
        let new = NewOpinion {
            consultation_id: c.id,
            channel: Channel::Portal,
            partner_id: None,
            entered_by: None,
            received_on: on,
            fields: &fields,
        };
        let actor = Actor { user_id: None, name: "公众".into(), unit_id: None, ip: String::new() };
        hide.push((opinions::store(cx, actor, &new, None).await?.opinion.id, *reason));
    }
    // Moderated as they came in; published unless held back.
    cx.clock.set(Some(morning(day("2026-11-16"))));
    for o in &stored {
        opinions::moderate(cx, &editor, o.id, Moderation::Publish).await?;
    }
    for (id, reason) in &hide {
        opinions::moderate(cx, &editor, *id, Moderation::Hide(*reason)).await?;
    }

    // The largest groups forwarded to the bureaus in charge on 17 November.
    let groups = store.opinion_groups_page(c.id, false, 0, 1_000).await?.items;
    let in_charge = [
        ("教育", "济南市教育局", Some("jyj_editor")),
        ("交通出行", "济南市城乡交通运输局", Some("jtj_editor")),
        ("住房", "济南市住房和城乡建设局", Some("zjj_editor")),
        ("医疗卫生", "济南市卫生健康委员会", None),
    ];
    cx.clock.set(Some(morning(day("2026-11-17"))));
    let mut forwarded = Vec::new();
    for g in groups.iter().take(12) {
        let Some(first) = g.representative_id else { continue };
        let topic = store.opinion(first).await?.and_then(|o| o.topic).unwrap_or_default();
        let Some((_, name, answerer)) = in_charge.iter().find(|(t, _, _)| *t == topic) else { continue };
        if forwarded.iter().any(|(t, _, _)| t == &topic) {
            continue;
        }
        let f =
            handling::forward(cx, &editor, g.id, unit(name)?, "请研究提出办理意见，并在期限内答复。", Some(10)).await?;
        forwarded.push((topic, f.id, *answerer));
    }
    cx.clock.set(Some(morning(day("2026-11-25"))));
    for (topic, id, answerer) in &forwarded {
        let Some(who) = answerer else { continue }; // 市卫健委's is still waiting (overdue)
        let answer = format!(
            "关于{topic}方面的意见建议，我局已逐条研究：相关内容已纳入明年工作计划，将会同各区县分步实施，并通过部门网站公开进展。"
        );
        handling::forward_step(cx, &account(store, who).await?, *id, ForwardStep::Answer, &answer).await?;
    }

    // Every group decided by the drafting group.
    cx.clock.set(Some(morning(day("2026-11-27"))));
    for (i, g) in groups.iter().enumerate() {
        let (decision, reason) = match i {
            0..=4 => ("adopted", "已吸收进2027年市政府工作报告，列入年度重点工作，由相关部门牵头落实。"),
            5..=9 => ("partly_adopted", "相关内容已写入报告，具体标准将结合财力状况分步实施。"),
            10..=12 => ("not_adopted", "该事项属于国家和省级事权，市级无权调整，已转报有关部门研究。"),
            _ => ("answered", "已由相关部门结合职责研究，并通过答复向反映人作出说明。"),
        };
        handling::decide(cx, &editor, g.id, &DecisionInput::parse(decision, reason)?).await?;
    }

    // The feedback, reviewed and published.
    cx.clock.set(Some(morning(day("2026-12-01"))));
    let summary = FeedbackInput {
        summary: format!(
            "2026年10月15日至11月15日，市政府办公厅通过政府网站、12345市民服务热线、济南日报、济南广播电视台、“爱济南”客户端和来信来电等渠道，面向社会公开征集对2027年市政府工作报告的意见建议，共收到有效意见建议{}条。\n\
             起草组对意见建议逐条登记、归并研究，涉及教育、医疗卫生、交通出行、住房等方面的意见已转相关部门研究办理。多数意见建议已在报告中予以吸收，未采纳的已说明理由。感谢广大市民的关心和支持！",
            stored.len()
        ),
    };
    report::save(cx, &editor, c.id, &summary).await?;
    report::act(cx, &editor, c.id, &ReviewAction::Submit).await?;
    for (r, on) in
        ["bgt_reviewer1", "bgt_reviewer2", "bgt_reviewer3"].iter().zip(["2026-12-02", "2026-12-03", "2026-12-04"])
    {
        cx.clock.set(Some(morning(day(on))));
        report::act(cx, &account(store, r).await?, c.id, &ReviewAction::Approve).await?;
    }
    Ok(stored.len() + hide.len())
}

async fn document_titled(store: &Store, title: &str) -> Result<i64> {
    let f = gongkai_store::documents::DocumentFilter { q: Some(title.into()), ..Default::default() };
    store
        .documents_list(&f, 5, 0)
        .await?
        .items
        .into_iter()
        .find(|d| d.title == title)
        .map(|d| d.id)
        .ok_or_else(|| Error::internal(format!("demo document {title}")))
}

/// The draft 物业管理条例 open for comments, several on its passages.
async fn draft_regulation(cx: &Context, store: &Store) -> Result<usize> {
    let editor = account(store, "zjj_editor").await?;
    let draft = document_titled(store, "济南市物业管理条例（修订草案征求意见稿）").await?;
    cx.clock.set(Some(morning(day("2026-11-20"))));
    let input = ConsultationInput {
        unit_id: Some(editor.user.unit_id),
        title: "《济南市物业管理条例（修订草案征求意见稿）》公开征求意见".into(),
        background: "为进一步规范物业管理活动，市住房城乡建设局起草了《济南市物业管理条例（修订草案征求意见稿）》，现向社会公开征求意见。\n\
            对具体条款有意见的，请在提交时引用原文，以便起草组逐条研究。"
            .into(),
        questions: vec!["您对修订草案有什么意见建议？".into()],
        document_id: Some(draft),
        topics: vec!["业主组织".into(), "物业服务".into(), "安全管理".into(), "其他".into()],
        opens_at: local_minute_at(at(day("2026-11-25"), 9, 0)),
        closes_at: local_minute_at(at(day("2026-12-25"), 18, 0)),
        channels: vec!["portal".into(), "12345".into(), "wechat".into(), "letter".into()],
        contact_required: false,
        ..Default::default()
    };
    let c = super::create(cx, &editor, &input).await?;
    publish_through_review(
        cx,
        store,
        c.id,
        "zjj_editor",
        ["zjj_reviewer1", "zjj_reviewer2", "zjj_reviewer3"],
        ["2026-11-21", "2026-11-23", "2026-11-24", "2026-11-24"],
    )
    .await?;
    let live = super::published(cx, c.id).await?;
    let body = opinions::draft_text(cx, &live).await?.unwrap_or_default();
    let comments: [(&str, &str, &str); 10] = [
        (
            "业主委员会委员实行任期制，每届任期不超过五年，可以连选连任",
            "业主组织",
            "建议将业主委员会每届任期缩短为三年，五年太长，不利于监督。",
        ),
        (
            "应当使用市住房城乡建设主管部门建立的电子投票平台",
            "业主组织",
            "电子投票平台要考虑老年业主不会用手机的情况，建议保留纸质投票并由社区见证。",
        ),
        (
            "物业服务人不得采取停止供电、供水、供热、供燃气以及限制业主进出等方式催交物业费",
            "物业服务",
            "赞成这一条，建议同时明确物业违规停水停电的处罚标准。",
        ),
        (
            "禁止在楼道、楼梯间、安全出口等公共区域停放或者充电",
            "安全管理",
            "建议要求新建小区按户数比例配建电动自行车集中充电设施，否则禁止了也没处充。",
        ),
        (
            "公示物业服务内容、服务标准、收费项目、收费标准",
            "物业服务",
            "公示还应包括停车费、广告费等公共收益的收支情况，每季度公布一次。",
        ),
        (
            "按时交纳物业费和专项维修资金",
            "业主组织",
            "以是否按时交物业费作为业委会委员条件不妥，有的业主是因为物业服务差才拒交。",
        ),
        ("本条例自2027年7月1日起施行", "其他", "建议给老旧小区留出过渡期，电梯、消防等设施改造需要时间。"),
        ("", "物业服务", "希望条例明确物业公司退出时的交接程序，防止物业撂挑子。"),
        ("", "安全管理", "建议对高空抛物明确物业服务人的安全防范义务。"),
        ("", "其他", "条例中的“物业使用人”建议给出定义，租户的权利义务要写清楚。"),
    ];
    let mut added = 0;
    for (i, (passage, topic, text)) in comments.iter().enumerate() {
        let on = day("2026-11-25") + chrono::Days::new((i / 2) as u64);
        cx.clock.set(Some(at(on, 10 + (i % 8) as u32, 15)));
        if !passage.is_empty() && !body.contains(passage) {
            return Err(Error::internal(format!("demo passage not in the draft: {passage}")));
        }
        let input = OpinionInput {
            text: text.to_string(),
            topic: topic.to_string(),
            passage: passage.to_string(),
            district: DISTRICTS[i % DISTRICTS.len()].into(),
            ..Default::default()
        };
        let fields = OpinionFields::parse(&input, &live.fields, Some(&body))?;
        let channel = if i % 4 == 3 { Channel::Wechat } else { Channel::Portal };
        let new = NewOpinion {
            consultation_id: c.id,
            channel,
            partner_id: None,
            entered_by: None,
            received_on: on,
            fields: &fields,
        };
        let actor = Actor { user_id: None, name: "公众".into(), unit_id: None, ip: String::new() };
        let ack = opinions::store(cx, actor, &new, None).await?;
        // The first seven are moderated and public; the rest wait for the moderator.
        if i < 7 {
            opinions::moderate(cx, &editor, ack.opinion.id, Moderation::Publish).await?;
        }
        added += 1;
    }
    Ok(added)
}

/// Two concerns and the documents that answered them.
async fn concerns_demo(cx: &Context, store: &Store) -> Result<()> {
    let report = store.consultations_live().await?.into_iter().find(|c| c.title().contains("开门写报告")).map(|c| c.id);
    let cases = [
        (
            "zjj_editor",
            ConcernInput {
                title: "老旧小区加装电梯审批慢、费用分摊难".into(),
                summary: "“开门写报告”意见征集和12345热线中，多位市民反映加装电梯审批环节多、低层住户意见难统一。"
                    .into(),
                source: "opinions".into(),
                arose_on: "2026-11-02".into(),
                consultation_id: report,
                ..Default::default()
            },
            "关于老旧小区加装电梯审批慢、费用分摊难问题的回应",
            "2026-11-12",
        ),
        (
            "jyj_editor",
            ConcernInput {
                title: "中小学课后服务结束时间偏早、收费不透明".into(),
                summary: "媒体报道和家长留言集中反映课后服务结束时间早于下班时间，部分学校收费标准未公示。".into(),
                source: "media".into(),
                arose_on: "2026-11-18".into(),
                ..Default::default()
            },
            "关于中小学课后服务时间和收费问题的回应",
            "2026-11-26",
        ),
    ];
    for (who, input, response, on) in cases {
        let p = account(store, who).await?;
        cx.clock.set(Some(morning(day(&input.arose_on))));
        let c = concerns::create(cx, &p, &input).await?;
        cx.clock.set(Some(morning(day(on))));
        concerns::respond(cx, &p, c.id, document_titled(store, response).await?).await?;
    }
    Ok(())
}
