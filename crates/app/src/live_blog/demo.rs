//! The demo's meetings and live broadcasts, for 槐荫区: the 第66次常务会议 twenty days ago, with
//! its agenda, its decisions linked to the documents published from them and its archived
//! text-and-photo broadcast (more than forty posts, photos, moderated questions); and the
//! 第67次常务会议 on air now, to which [`ticker`] adds a post every half minute while the demo
//! server runs, so a visitor can watch the page update. Dates count from the day the demo is
//! loaded; each step runs through the use cases with the context's clock set to its time.

use super::{BlogInput, Decision, PostView, outbox};
use crate::demo::{account, at};
use crate::{Context, Error, NoEffects, Options};
use chrono::{DateTime, Duration, Utc};
use gongkai_domain::live_blog::input::{PostInput, QuestionFields, QuestionInput};
use gongkai_domain::live_blog::{BlogStatus, HideReason, PostKind};
use gongkai_domain::meeting::input::{DecisionInput, MeetingInput};
use gongkai_domain::time::{date_in_china, local_minute_at};
use gongkai_store::{Actor, Store};
use std::sync::Arc;

type Result<T> = std::result::Result<T, Error>;

const EDITOR: &str = "huaiyin_editor";
const REVIEWERS: [&str; 3] = ["huaiyin_reviewer1", "huaiyin_reviewer2", "huaiyin_reviewer3"];

/// The demo's photos (drawn for the demo, marked 示意图), by name.
const PHOTOS: [(&str, &[u8]); 4] = [
    ("hall", include_bytes!("../../demo/live/hall.jpg")),
    ("speech", include_bytes!("../../demo/live/speech.jpg")),
    ("report", include_bytes!("../../demo/live/report.jpg")),
    ("observers", include_bytes!("../../demo/live/observers.jpg")),
];

/// One step of a broadcast: text, a quote (speaker, words) or a photo (name, alt, caption).
enum Step {
    Text(&'static str),
    Quote(&'static str, &'static str),
    Photo(&'static str, &'static str, &'static str),
}

use Step::{Photo, Quote, Text};

const AGENDA_66: [&str; 4] = [
    "研究《槐荫区老旧小区改造三年行动方案（2026—2028年）》",
    "研究《槐荫区促进民营经济高质量发展若干措施》",
    "听取全区冬季供暖保障工作情况汇报",
    "研究区政府信息公开工作年度报告编制工作",
];

/// The 66th meeting's broadcast, in order (two and a half hours).
const BROADCAST_66: [Step; 42] = [
    Text("各位网友，上午好！槐荫区人民政府第66次常务会议即将开始，本次会议进行图文直播，欢迎大家关注并在线提问。"),
    Photo("hall", "区政府第一会议室全景，会议桌两侧就座的参会人员，正面屏幕显示会议名称", "会议现场"),
    Text("本次会议由区长主持，区政府副区长、各部门主要负责同志参加，3名市民代表、2名企业代表和1名专家应邀列席。"),
    Text(
        "会议共有四项议题：老旧小区改造三年行动方案、促进民营经济高质量发展若干措施、冬季供暖保障工作汇报、政府信息公开年度报告编制。",
    ),
    Quote("区长", "今天请市民代表和企业代表列席，就是要让群众看到政府怎么议事、怎么决策，也请大家对议题直接提意见。"),
    Text("会议进行第一项议题：研究《槐荫区老旧小区改造三年行动方案（2026—2028年）》。"),
    Text(
        "区住房城乡建设局汇报：三年计划改造老旧小区126个、涉及居民2.8万户，重点解决管网老化、加装电梯、停车难和无障碍设施不足等问题。",
    ),
    Photo("report", "屏幕上的柱状图显示2026年老旧小区改造逐月完成进度", "区住房城乡建设局汇报改造进度"),
    Text("方案征求意见期间共收到意见建议312条，采纳和部分采纳87条，主要集中在加装电梯费用分摊和施工期间出行安排。"),
    Quote(
        "市民代表 张桂兰（振兴街街道居民）",
        "我们小区六层没有电梯，老人下楼难。希望加装电梯的审批能再快一些，低层住户的补偿办法也写清楚。",
    ),
    Text(
        "区住房城乡建设局回应：方案已明确加装电梯实行联合审查、一次办结，低层住户补偿参照全市指导标准，由街道组织协商。",
    ),
    Quote(
        "专家 刘志强（山东建筑大学教授）",
        "建议把雨污分流和燃气管道改造放在前面，避免路面反复开挖；同时建立改造后的长效物业管理机制。",
    ),
    Quote("区长", "改造不是一刷了之，要把群众最急最盼的事放在前面，施工要公开时间表，接受居民监督。"),
    Text("会议原则通过该方案，要求区住房城乡建设局根据会上意见修改完善后按程序印发实施，并同步发布政策解读。"),
    Text("会议进行第二项议题：研究《槐荫区促进民营经济高质量发展若干措施》。"),
    Text("区发展改革局汇报：措施共20条，包括降低融资成本、支持技术改造、拖欠账款清理、涉企检查“综合查一次”等内容。"),
    Quote(
        "企业代表 黄海涛（济南某智能装备有限公司）",
        "企业最关心政策能不能快兑现。建议把技术改造补贴的申报材料再减一减，能免申即享的尽量免申即享。",
    ),
    Text("区发展改革局回应：措施中7项奖补已纳入“免申即享”，其余事项实行“快申快享”，承诺10个工作日内完成审核。"),
    Photo("speech", "区长在主席台讲话", "区长讲话"),
    Quote("区长", "对企业要“无事不扰、有求必应”，政策兑现情况要按季度公开，让企业看得见、算得清。"),
    Text("会议原则通过该措施，要求有关部门抓紧制定申报指南，政策文件和解读同步公开。"),
    Text("会议进行第三项议题：听取全区冬季供暖保障工作情况汇报。"),
    Text(
        "区城市管理局汇报：今年供暖期全区供热面积较去年增加46万平方米，已完成老旧供热管网改造18公里，设立24小时供热服务热线。",
    ),
    Text("截至目前，供暖开栓后共受理供热诉求1,236件，已办结1,198件，其余正在处理，平均响应时间2.3小时。"),
    Quote("市民代表 王秀英（西市场街道居民）", "有的老楼顶层和边户室温偏低，希望能上门测温，不达标的及时处理。"),
    Text("区城市管理局回应：将组织供热企业对投诉集中的楼栋逐户入户测温，室温低于18摄氏度的限期整改，并公开整改结果。"),
    Text("会议要求，供热企业和各街道要落实属地责任，做好困难群众、独居老人的供暖保障，遇到极端天气及时启动应急预案。"),
    Text("会议进行第四项议题：研究区政府信息公开工作年度报告编制工作。"),
    Text(
        "区政府办公室汇报：年度报告将按国务院办公厅规定格式编制，统计依申请公开的收到、办结和结果等情况，于明年1月31日前公开。",
    ),
    Quote("区长", "年度报告要如实反映工作中的问题，不报喜不报忧，对群众反映的问题要写明怎么改。"),
    Text("会议同意年度报告编制工作安排。"),
    Photo("observers", "列席旁听的市民代表和企业代表在会场后排就座", "列席代表"),
    Text("会议议题全部研究完毕，列席代表进行了发言。"),
    Quote(
        "企业代表 周玉梅（槐荫区某商贸有限公司）",
        "第一次坐在会场里听政府研究政策，感觉很受尊重，回去要把今天的政策讲给身边的企业听。",
    ),
    Quote("市民代表 吴振华（段店北路街道居民）", "希望以后这样的会多开，也希望会上说的事都能一件件落实。"),
    Text("会议对本次网民提问进行了集中回应，详见右侧“网民提问”栏目。"),
    Text("本次直播共收到网民提问9条，经审核公开7条，已当场回答6条。"),
    Quote("区长", "会上定下的事，会后要一件件抓落实，落实情况要向社会公开。"),
    Text("会议决定和据此印发的文件、解读将在“政府会议”栏目公开，欢迎持续关注。"),
    Text("槐荫区人民政府第66次常务会议结束。"),
    Text("本次图文直播到此结束，感谢各位网友的关注和参与！"),
    Text("直播页面保留为存档，可随时回看。"),
];

/// The 67th meeting's first posts (on air when the demo loads).
const BROADCAST_67_START: [Step; 6] = [
    Text("各位网友好！槐荫区人民政府第67次常务会议正在召开，欢迎关注本次图文直播并在线提问。"),
    Photo("hall", "区政府第一会议室全景，参会人员就座，屏幕显示会议名称", "会议现场"),
    Text("本次会议有三项议题：中小学课后服务提质方案、背街小巷整治提升计划、区级重大行政决策事项目录。"),
    Text("会议进行第一项议题：研究《槐荫区中小学课后服务提质方案》。"),
    Text("区教育和体育局汇报：全区72所中小学已全部开展课后服务，参加学生5.6万人，参与率91%。"),
    Quote("区长", "课后服务要让家长放心、学生开心，收费标准和服务内容必须向家长公开。"),
];

/// What [`ticker`] posts next, one every half minute, while the demo runs.
const BROADCAST_67_NEXT: [Step; 14] = [
    Text("方案提出将课后服务结束时间统一延长至18:00，并增加体育、艺术和科技类课程。"),
    Quote("市民代表 陈晓敏（学生家长）", "双职工家庭接孩子难，延长到六点帮了大忙。希望收费能再透明一些。"),
    Text("区教育和体育局回应：课后服务收费标准将在每所学校校门口和区政府网站同步公示，接受家长监督。"),
    Text("会议原则通过该方案。"),
    Text("会议进行第二项议题：研究《槐荫区背街小巷整治提升计划》。"),
    Photo("report", "屏幕上的柱状图显示背街小巷整治完成进度", "区城市管理局汇报"),
    Text("计划今年整治背街小巷85条，重点解决路面破损、私搭乱建、照明不足和停车无序等问题。"),
    Quote("专家 刘志强（山东建筑大学教授）", "整治要和老旧小区改造统筹安排，一次施工解决多个问题。"),
    Text("会议原则通过该计划，要求各街道公开整治清单和完成时限。"),
    Text("会议进行第三项议题：研究区级重大行政决策事项目录。"),
    Text(
        "区司法局汇报：目录共列入6项重大行政决策事项，均须履行公众参与、专家论证、风险评估、合法性审查和集体讨论决定程序。",
    ),
    Quote("区长", "重大行政决策事项目录要向社会公布，决策草案要公开征求意见。"),
    Text("会议同意该目录，由区政府办公室按程序公布。"),
    Text("本次会议议题已全部研究完毕，感谢各位网友关注！"),
];

/// Questions to the 66th meeting, with what moderators did.
const QUESTIONS_66: [(&str, &str, Option<&str>, Option<HideReason>); 9] = [
    (
        "网友“泉城老张”",
        "老旧小区改造会不会增加物业费？",
        Some("改造完成后由业主大会决定是否调整物业费，政府不统一要求涨价，对困难家庭有物业费补贴。"),
        None,
    ),
    (
        "段店北路居民",
        "我们小区什么时候能改造？在哪里能查到名单？",
        Some("2026年改造名单已在区政府网站“重点领域信息公开—老旧小区改造”栏目公布，后两年名单将于每年一季度公布。"),
        None,
    ),
    (
        "网友",
        "加装电梯政府补贴多少钱？",
        Some("每台电梯补贴20万元，其中市级补贴10万元、区级补贴10万元，申请流程见区住房城乡建设局网站。"),
        None,
    ),
    (
        "一家小微企业",
        "免申即享的奖补资金多久能到账？",
        Some("免申即享事项经公示无异议后，10个工作日内拨付到企业账户。"),
        None,
    ),
    ("网友“暖冬”", "供暖不热打哪个电话？", Some("可拨打区供热服务热线或12345热线，接诉后2小时内响应。"), None),
    (
        "西市场街道居民",
        "年度报告里能不能把每个部门的依申请公开数量都列出来？",
        Some("区政府年度报告汇总全区情况，各部门的年度报告分别公开，其中有本部门的详细数据。"),
        None,
    ),
    ("网友", "希望直播能有视频。", None, None),
    ("网友", "我的手机号13912345678，请联系我谈房子的事。", None, Some(HideReason::PersonalData)),
    ("网友", "推荐一个理财产品，收益很高。", None, Some(HideReason::Spam)),
];

fn photo(name: &str) -> &'static [u8] {
    PHOTOS.iter().find(|(n, _)| *n == name).map(|(_, b)| *b).unwrap_or(PHOTOS[0].1)
}

/// Posts one step at the context's time. Demo photos are the demo's own files, already the
/// size shown, so they are stored as they are rather than read in the bounded process.
async fn post_step(cx: &Context, p: &crate::Principal, blog: i64, step: &Step) -> Result<()> {
    let (input, image): (PostInput, Option<&[u8]>) = match step {
        Text(t) => (PostInput { text: (*t).into(), ..Default::default() }, None),
        Quote(who, words) => (
            PostInput { kind: "quote".into(), text: (*words).into(), speaker: (*who).into(), ..Default::default() },
            None,
        ),
        Photo(name, alt, caption) => (
            PostInput { kind: "photo".into(), alt: (*alt).into(), text: (*caption).into(), ..Default::default() },
            Some(photo(name)),
        ),
    };
    let fields = gongkai_domain::live_blog::input::PostFields::parse(&input, image.is_some())?;
    let mut w = cx.store.write(p.actor()).await?;
    let b = w.live_blog_current(blog).await?;
    let image_id = match image {
        Some(bytes) => Some(w.live_image_insert(blog, "image/jpeg", (800, 450), bytes).await?),
        None => None,
    };
    let kind = if image.is_some() { PostKind::Photo } else { fields.kind };
    let post = w.live_post_insert(&b, kind, &fields.text, &fields.speaker, image_id, &fields.alt, cx.now()).await?;
    outbox(&mut w, blog, "post", post.id, serde_json::to_string(&PostView::of(&post)).map_err(Error::internal)?)
        .await?;
    super::commit(cx, w).await
}

/// Loads the meetings and broadcasts once (an audit record marks them loaded); the number of
/// posts.
pub async fn load(store: &Store) -> Result<usize> {
    if store.audit_action_taken("demo.live").await? {
        return Ok(0);
    }
    let cx = Context::new(store.clone(), Options::default(), Arc::new(NoEffects));
    let now = Utc::now();
    let editor = account(store, EDITOR).await?;
    let reviewer = account(store, REVIEWERS[0]).await?;
    let day = |d: i64| date_in_china(now + Duration::days(d));

    // 第66次常务会议, twenty days ago, from its notice to its decisions.
    let held = at(day(-20), 9, 0);
    cx.clock.set(Some(held - Duration::days(3)));
    let m66 =
        crate::meeting::create(&cx, &editor, &notice(66, held, AGENDA_66.iter().map(|s| s.to_string()).collect()))
            .await?;
    crate::meeting::announce(&cx, &reviewer, m66.id).await?;
    let blog66 = broadcast(&cx, &editor, m66.id, "槐荫区人民政府第66次常务会议图文直播", held).await?;
    let mut posts = 0;
    for (i, step) in BROADCAST_66.iter().enumerate() {
        cx.clock.set(Some(held + Duration::minutes(i as i64 * 150 / BROADCAST_66.len() as i64)));
        post_step(&cx, &editor, blog66, step).await?;
        posts += 1;
    }
    questions(&cx, store, &editor, blog66, held).await?;
    cx.clock.set(Some(held + Duration::minutes(155)));
    super::set_status(&cx, &editor, blog66, BlogStatus::Ended).await?;
    // The documents the decisions led to, published through review, then the decisions.
    let plan = publish(
        &cx,
        store,
        "槐荫区老旧小区改造三年行动方案（2026—2028年）",
        "construction",
        PLAN,
        held + Duration::days(5),
    )
    .await?;
    let measures =
        publish(&cx, store, "槐荫区促进民营经济高质量发展若干措施", "economy", MEASURES, held + Duration::days(6))
            .await?;
    cx.clock.set(Some(held + Duration::days(7)));
    for (item, decision, docs) in [
        (1, "原则通过。由区住房城乡建设局根据会议意见修改完善后按程序印发实施，同步发布政策解读。", vec![plan]),
        (2, "原则通过。由区发展改革局按程序印发，并抓紧制定申报指南，政策兑现情况按季度公开。", vec![measures]),
        (3, "会议听取了汇报。要求供热企业对投诉集中的楼栋入户测温，限期整改并公开整改结果。", vec![]),
        (4, "同意年度报告编制工作安排，于次年1月31日前公开。", vec![]),
    ] {
        let input = DecisionInput { item, decision: decision.into(), document_ids: docs };
        crate::meeting::decide(&cx, &editor, m66.id, &input).await?;
    }

    // 第67次常务会议, on air now.
    let start = Utc::now() - Duration::minutes(40);
    cx.clock.set(Some(start - Duration::days(2)));
    let agenda67 = vec![
        "研究《槐荫区中小学课后服务提质方案》".to_string(),
        "研究《槐荫区背街小巷整治提升计划》".to_string(),
        "研究区级重大行政决策事项目录".to_string(),
    ];
    let m67 = crate::meeting::create(&cx, &editor, &notice(67, start, agenda67)).await?;
    crate::meeting::announce(&cx, &reviewer, m67.id).await?;
    let blog67 = broadcast(&cx, &editor, m67.id, "槐荫区人民政府第67次常务会议图文直播", start).await?;
    for (i, step) in BROADCAST_67_START.iter().enumerate() {
        cx.clock.set(Some(start + Duration::minutes(i as i64 * 6)));
        post_step(&cx, &editor, blog67, step).await?;
        posts += 1;
    }
    // 第68次常务会议: its notice published, then withdrawn when the meeting was put off.
    let later = at(day(9), 9, 0);
    cx.clock.set(Some(start - Duration::days(1)));
    let agenda68 = vec!["研究《槐荫区城市更新专项规划（征求意见稿）》".to_string()];
    let m68 = crate::meeting::create(&cx, &editor, &notice(68, later, agenda68)).await?;
    crate::meeting::announce(&cx, &reviewer, m68.id).await?;
    cx.clock.set(Some(start - Duration::hours(3)));
    crate::meeting::withdraw(&cx, &reviewer, m68.id, "因工作安排调整，会议延期召开，具体时间另行通知。").await?;

    let mut w = store.write(Actor::system("demo")).await?;
    w.record("demo.live", "demo", 0, None, "载入演示用政府会议和图文直播数据");
    w.commit().await?;
    Ok(posts)
}

fn notice(number: u32, held: DateTime<Utc>, agenda: Vec<String>) -> MeetingInput {
    MeetingInput {
        unit_id: None,
        kind: "executive".into(),
        number: number.to_string(),
        held_at: local_minute_at(held),
        place: "槐荫区人民政府第一会议室".into(),
        agenda,
        observers: "市民代表、企业代表、专家".into(),
        public_seats: 6,
    }
}

/// Creates the meeting's live page and starts it at `start`.
async fn broadcast(cx: &Context, p: &crate::Principal, meeting: i64, title: &str, start: DateTime<Utc>) -> Result<i64> {
    let input = BlogInput {
        unit_id: None,
        title: title.into(),
        summary: "会议议题、讨论情况和会议决定实时发布；网民提问经审核后公开，工作人员现场回答。".into(),
        subject_kind: "meeting".into(),
        subject_id: Some(meeting),
        starts_at: local_minute_at(start),
    };
    let b = super::create(cx, p, &input).await?;
    cx.clock.set(Some(start - Duration::minutes(5)));
    super::set_status(cx, p, b.id, BlogStatus::Live).await?;
    Ok(b.id)
}

async fn questions(
    cx: &Context,
    store: &Store,
    moderator: &crate::Principal,
    blog: i64,
    held: DateTime<Utc>,
) -> Result<()> {
    for (i, (name, text, answer, hide)) in QUESTIONS_66.iter().enumerate() {
        cx.clock.set(Some(held + Duration::minutes(20 + i as i64 * 12)));
        let f =
            QuestionFields::parse(&QuestionInput { name: (*name).into(), text: (*text).into(), ..Default::default() })?;
        let actor = Actor { user_id: None, name: "公众".into(), unit_id: None, ip: "demo".into() };
        let mut w = store.write(actor).await?;
        let b = w.live_blog_current(blog).await?;
        let id = w.live_question_insert(&b, &f.name, &f.text, &f.public_text, cx.now()).await?;
        w.commit().await?;
        let d = match (answer, hide) {
            (_, Some(r)) => Decision::Hide(*r),
            (Some(a), None) => Decision::Answer((*a).into()),
            (None, None) => Decision::Publish,
        };
        super::moderate(cx, moderator, id, &d).await?;
    }
    Ok(())
}

const PLAN: &str = "为改善老旧小区居民居住条件，根据国家和省、市有关部署，结合我区实际，制定本方案。\n一、目标任务。2026年至2028年，全区改造2000年底前建成的老旧小区126个，涉及居民2.8万户。\n二、改造内容。基础类改造包括供水、排水、供气、供热管网和道路、照明等；完善类改造包括加装电梯、停车设施和无障碍设施；提升类改造包括养老、托育等社区服务设施。\n三、工作要求。改造项目须经居民表决同意，施工时间表在小区公示，改造完成后建立长效管理机制。";
const MEASURES: &str = "为进一步优化营商环境，促进民营经济高质量发展，制定以下措施。\n一、降低融资成本。对符合条件的民营企业贷款给予贴息支持。\n二、支持技术改造。对设备投资500万元以上的技术改造项目按投资额给予奖补，纳入“免申即享”。\n三、清理拖欠账款。建立政府部门和国有企业拖欠民营企业账款清偿台账，按季度公开清偿进度。\n四、规范涉企检查。推行“综合查一次”，无事不扰。";

/// Publishes a document of 槐荫区 through the three stages, at `on`; its id.
async fn publish(cx: &Context, store: &Store, title: &str, topic: &str, body: &str, on: DateTime<Utc>) -> Result<i64> {
    use crate::documents::{self, ActionInput};
    cx.clock.set(Some(on));
    let editor = account(store, EDITOR).await?;
    let input = gongkai_domain::documents::DocumentInput {
        title: title.into(),
        written_on: date_in_china(on).to_string(),
        topic: topic.into(),
        genre: "other_document".into(),
        body_is_text: true,
        body: body.into(),
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

/// While the demo server runs: a post every half minute to the broadcast on air, from the
/// 67th meeting's script, until the script is done.
pub async fn ticker(cx: &Context) {
    let interval = std::time::Duration::from_secs(30);
    for step in &BROADCAST_67_NEXT {
        tokio::time::sleep(interval).await;
        let found = async {
            let blogs = cx.store.live_blogs().await?;
            let Some(b) = blogs.into_iter().find(|b| b.status == BlogStatus::Live && b.title.contains("第67次"))
            else {
                return Ok::<_, Error>(false);
            };
            let editor = account(&cx.store, EDITOR).await?;
            post_step(cx, &editor, b.id, step).await?;
            Ok(true)
        };
        match found.await {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => {
                tracing::warn!(error = %e, "the demo broadcast could not post");
                return;
            }
        }
    }
}
