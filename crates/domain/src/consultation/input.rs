//! What staff give for a consultation ([`ConsultationInput`], checked into
//! [`ConsultationFields`]) and what a citizen, a partner or staff give for an opinion
//! ([`OpinionInput`], checked against its consultation into [`OpinionFields`]). The console's
//! form, the API and the demo share them.

use super::Channel;
use crate::business_policy::{district_code, district_name};
use crate::privacy;
use crate::time::local_minute_at;
use crate::validation::{Invalid, line, local_minute, text};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The longest opinion, in characters.
pub const OPINION_MAX_CHARS: usize = 5000;
pub const MAX_QUESTIONS: usize = 10;
pub const MAX_TOPICS: usize = 20;

// The doc comments are the OpenAPI schema's descriptions.
/// 意见征集（新建或保存时提交）
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = ConsultationBody)]
#[serde(deny_unknown_fields)]
pub struct ConsultationInput {
    /// 发起单位，不填为本人所在单位（仅新建时有效）
    pub unit_id: Option<i64>,
    #[serde(default)]
    pub title: String,
    /// 征集背景与说明
    #[serde(default)]
    pub background: String,
    /// 征集的问题（至少一个），如“您对明年市政府工作有什么意见建议？”
    #[serde(default)]
    pub questions: Vec<String>,
    /// 征求意见稿（本平台文件的 id），可不填
    #[serde(default)]
    pub document_id: Option<i64>,
    /// 起草说明或解读（本平台文件的 id）
    #[serde(default)]
    pub interpretation_ids: Vec<i64>,
    /// 意见分类，如“教育”“交通出行”
    #[serde(default)]
    pub topics: Vec<String>,
    /// 开始时间 YYYY-MM-DD HH:MM（北京时间）
    #[serde(default)]
    pub opens_at: String,
    /// 截止时间 YYYY-MM-DD HH:MM（北京时间）
    #[serde(default)]
    pub closes_at: String,
    /// 接收渠道：portal、12345、newspaper、radio_tv、wechat、letter、phone、other；不填为全部
    #[serde(default)]
    pub channels: Vec<String>,
    /// 提交意见是否须留姓名和联系方式（以便反馈）
    #[serde(default)]
    pub contact_required: bool,
}

/// A checked consultation record (stored as JSON: the working copy and the published one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsultationFields {
    pub title: String,
    pub background: String,
    pub questions: Vec<String>,
    pub document_id: Option<i64>,
    pub interpretation_ids: Vec<i64>,
    pub topics: Vec<String>,
    #[serde(with = "crate::time::serde_instant")]
    pub opens_at: DateTime<Utc>,
    #[serde(with = "crate::time::serde_instant")]
    pub closes_at: DateTime<Utc>,
    pub channels: Vec<Channel>,
    pub contact_required: bool,
}

impl ConsultationFields {
    pub fn parse(input: &ConsultationInput) -> Result<ConsultationFields, Invalid> {
        let mut e = Invalid::default();
        let title = line(&mut e, "title", "标题", &input.title, true, 100);
        let background = text(&mut e, "background", "征集说明", &input.background, true, 5000);
        let questions = lines(&mut e, "questions", "征集问题", &input.questions, MAX_QUESTIONS, 200);
        if questions.is_empty() && e.message_for("questions").is_none() {
            e.push("questions", "征集问题", "至少填写一个问题");
        }
        let topics = lines(&mut e, "topics", "意见分类", &input.topics, MAX_TOPICS, 20);
        let opens_at = local_minute(&mut e, "opens_at", "开始时间", &input.opens_at);
        let closes_at = local_minute(&mut e, "closes_at", "截止时间", &input.closes_at);
        if let (Some(o), Some(c)) = (opens_at, closes_at)
            && c <= o
        {
            e.push("closes_at", "截止时间", "应晚于开始时间");
        }
        let mut channels = Vec::new();
        for raw in input.channels.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
            match Channel::parse(raw) {
                Some(c) if !channels.contains(&c) => channels.push(c),
                Some(_) => {}
                None => e.push("channels", "接收渠道", format!("“{raw}”不是可用的渠道")),
            }
        }
        if channels.is_empty() {
            channels = Channel::ALL.to_vec();
        }
        let mut interpretation_ids = input.interpretation_ids.clone();
        interpretation_ids.dedup();
        match (opens_at, closes_at) {
            (Some(opens_at), Some(closes_at)) if e.is_empty() => Ok(ConsultationFields {
                title,
                background,
                questions,
                document_id: input.document_id,
                interpretation_ids,
                topics,
                opens_at,
                closes_at,
                channels,
                contact_required: input.contact_required,
            }),
            _ => Err(e),
        }
    }

    /// The input these fields were checked from (the console's form is filled with it).
    pub fn to_input(&self, unit_id: Option<i64>) -> ConsultationInput {
        ConsultationInput {
            unit_id,
            title: self.title.clone(),
            background: self.background.clone(),
            questions: self.questions.clone(),
            document_id: self.document_id,
            interpretation_ids: self.interpretation_ids.clone(),
            topics: self.topics.clone(),
            opens_at: local_minute_at(self.opens_at),
            closes_at: local_minute_at(self.closes_at),
            channels: self.channels.iter().map(|c| c.code().to_string()).collect(),
            contact_required: self.contact_required,
        }
    }

    pub fn accepts(&self, channel: Channel) -> bool {
        self.channels.contains(&channel)
    }
}

/// Distinct, trimmed, non-empty lines, at most `max` of at most `chars` characters each.
fn lines(e: &mut Invalid, field: &str, label: &str, items: &[String], max: usize, chars: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        let v = line(e, field, label, item, false, chars);
        if !v.is_empty() && !out.contains(&v) {
            out.push(v);
        }
    }
    if out.len() > max {
        e.push(field, label, format!("最多 {max} 项（现有 {} 项）", out.len()));
    }
    out
}

/// 意见（市民在网站提交，合作渠道或工作人员录入）
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = OpinionBody)]
#[serde(deny_unknown_fields)]
pub struct OpinionInput {
    /// 回答的问题序号（从 1 开始），不填为第一个问题
    #[serde(default)]
    pub question: Option<u32>,
    /// 意见内容，不超过 5000 字
    #[serde(default)]
    pub text: String,
    /// 意见分类（本次征集的分类之一），可不填
    #[serde(default)]
    pub topic: String,
    /// 所在区县（区划代码，如 370102），可不填
    #[serde(default)]
    pub district: String,
    /// 姓名，可不填（征集要求留联系方式时必填）
    #[serde(default)]
    pub name: String,
    /// 联系方式（电话或电子邮箱），可不填（征集要求留联系方式时必填）
    #[serde(default)]
    pub contact: String,
    /// 针对征求意见稿的哪一段（引用原文），可不填
    #[serde(default)]
    pub passage: String,
    /// 工作人员录入来信来电时：渠道（letter、phone、other）；合作渠道由账号确定，不必填写
    #[serde(default)]
    pub channel: String,
    /// 工作人员录入时：收到日期 YYYY-MM-DD
    #[serde(default)]
    pub received_on: String,
    /// 公众提交时：验证题编号（GET /api/v1/requests/challenge）；合作渠道和工作人员不填
    #[serde(default)]
    pub challenge_id: String,
    /// 公众提交时：验证题答案
    #[serde(default)]
    pub challenge_answer: String,
}

impl OpinionInput {
    /// The input of the public form or the console's entry form.
    pub fn from_form(get: &dyn Fn(&str) -> String) -> OpinionInput {
        OpinionInput {
            question: get("question").trim().parse().ok(),
            text: get("text"),
            topic: get("topic"),
            district: get("district"),
            name: get("name"),
            contact: get("contact"),
            passage: get("passage"),
            channel: get("channel"),
            received_on: get("received_on"),
            challenge_id: get("challenge_id"),
            challenge_answer: get("challenge_answer"),
        }
    }
}

/// A checked opinion. `text` is as given (for the staff handling it); `public_text` has
/// personal data masked and is all the public ever sees of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpinionFields {
    /// 1-based.
    pub question: u32,
    pub text: String,
    pub public_text: String,
    pub topic: Option<String>,
    pub district: Option<String>,
    pub name: String,
    pub contact: String,
    /// The quoted passage of the draft and where it starts in the draft's text (characters).
    pub passage: Option<(String, usize)>,
}

impl OpinionFields {
    /// Checks an opinion against its consultation; `draft` is the text of the draft under
    /// consultation, if any (a quoted passage must be found in it).
    pub fn parse(input: &OpinionInput, c: &ConsultationFields, draft: Option<&str>) -> Result<OpinionFields, Invalid> {
        let mut e = Invalid::default();
        let question = input.question.unwrap_or(1);
        if question == 0 || question as usize > c.questions.len() {
            e.push("question", "问题", format!("应为 1 到 {} 之间的序号", c.questions.len()));
        }
        let text = text(&mut e, "text", "意见内容", &input.text, true, OPINION_MAX_CHARS);
        let topic = match input.topic.trim() {
            "" => None,
            t if c.topics.iter().any(|x| x == t) => Some(t.to_string()),
            t => {
                e.push("topic", "意见分类", format!("“{}”不是本次征集的分类", t.chars().take(20).collect::<String>()));
                None
            }
        };
        let district = match input.district.trim() {
            "" => None,
            d => match district_code(d) {
                Some(code) => Some(code.to_string()),
                None => {
                    e.push("district", "所在区县", "请从列表中选择");
                    None
                }
            },
        };
        let name = line(&mut e, "name", "姓名", &input.name, c.contact_required, 50);
        let contact = line(&mut e, "contact", "联系方式", &input.contact, c.contact_required, 100);
        let passage = match (input.passage.trim(), draft) {
            ("", _) => None,
            (_, None) => {
                e.push("passage", "引用原文", "本次征集没有征求意见稿");
                None
            }
            (p, Some(draft)) => {
                let p = line(&mut e, "passage", "引用原文", p, false, 500);
                match find_chars(draft, &p) {
                    Some(at) => Some((p, at)),
                    None if !p.is_empty() => {
                        e.push("passage", "引用原文", "在征求意见稿中找不到这段文字，请直接复制原文");
                        None
                    }
                    None => None,
                }
            }
        };
        let public_text = privacy::mask_all(&text, &privacy::scan(&text));
        e.into_result(OpinionFields { question, text, public_text, topic, district, name, contact, passage })
    }

    pub fn district_name(&self) -> Option<String> {
        self.district.as_deref().map(district_name)
    }
}

/// Where `needle` starts in `hay`, in characters.
fn find_chars(hay: &str, needle: &str) -> Option<usize> {
    hay.find(needle).map(|byte| hay[..byte].chars().count())
}

/// The date staff give for a letter or call: not in the future, not before the
/// consultation opened (a day's grace for the post).
pub fn received_on(raw: &str, c: &ConsultationFields, today: NaiveDate) -> Result<NaiveDate, Invalid> {
    let bad = |m: &str| Invalid::one("received_on", "收到日期", m);
    let d = crate::time::parse_date(raw.trim()).ok_or_else(|| bad("应为 YYYY-MM-DD 格式的日期"))?;
    if d > today {
        return Err(bad("不能晚于今天"));
    }
    if d < crate::time::date_in_china(c.opens_at) {
        return Err(bad("不能早于征集开始的日期"));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn consultation() -> ConsultationFields {
        ConsultationFields::parse(&ConsultationInput {
            title: "2027年市政府工作报告意见建议征集".into(),
            background: "开门问策".into(),
            questions: vec!["您对明年市政府工作有什么意见建议？".into(), " ".into(), "您最关心哪件民生实事？".into()],
            topics: vec!["教育".into(), "交通出行".into(), "教育".into()],
            opens_at: "2026-11-01 09:00".into(),
            closes_at: "2026-12-01 18:00".into(),
            ..Default::default()
        })
        .expect("a valid consultation")
    }

    #[test]
    fn a_consultation_is_checked_field_by_field() {
        let c = consultation();
        assert_eq!(c.questions.len(), 2, "blank questions dropped");
        assert_eq!(c.topics, ["教育", "交通出行"], "duplicates dropped");
        assert_eq!(c.channels, Channel::ALL, "no channels given means all");
        assert_eq!(ConsultationFields::parse(&c.to_input(None)), Ok(c.clone()), "the input comes back");
        let e = ConsultationFields::parse(&ConsultationInput {
            title: "a\nb".into(),
            opens_at: "2026-12-01 09:00".into(),
            closes_at: "2026-12-01 08:00".into(),
            channels: vec!["fax".into()],
            topics: (0..21).map(|i| format!("分类{i}")).collect(),
            ..Default::default()
        })
        .unwrap_err();
        for (field, part) in [
            ("title", "换行"),
            ("background", "不能为空"),
            ("questions", "至少填写一个问题"),
            ("closes_at", "应晚于开始时间"),
            ("channels", "“fax”不是可用的渠道"),
            ("topics", "最多 20 项"),
        ] {
            assert!(e.message_for(field).is_some_and(|m| m.contains(part)), "{field}: {e}");
        }
        let e = ConsultationFields::parse(&ConsultationInput { opens_at: "明天".into(), ..Default::default() })
            .unwrap_err();
        assert!(e.message_for("opens_at").is_some_and(|m| m.contains("YYYY-MM-DD HH:MM")));
    }

    #[test]
    fn an_opinion_is_checked_against_its_consultation() {
        let mut c = consultation();
        let draft = "第一条　为了规范物业管理活动，制定本条例。\n第二条　本条例适用于本市行政区域内的物业管理。";
        let ok = OpinionFields::parse(
            &OpinionInput {
                question: Some(2),
                text: "建议增加公交线路，我的电话13912345678".into(),
                topic: "交通出行".into(),
                district: "历城区".into(),
                passage: "本条例适用于本市行政区域内的物业管理".into(),
                ..Default::default()
            },
            &c,
            Some(draft),
        )
        .expect("a valid opinion");
        assert_eq!(ok.district.as_deref(), Some("370112"));
        assert_eq!(ok.public_text, "建议增加公交线路，我的电话139****5678");
        assert!(ok.text.contains("13912345678"), "staff see what was written");
        assert_eq!(ok.passage, Some(("本条例适用于本市行政区域内的物业管理".into(), 26)));

        c.contact_required = true;
        let e = OpinionFields::parse(
            &OpinionInput {
                question: Some(3),
                text: "字".repeat(OPINION_MAX_CHARS + 1),
                topic: "外星".into(),
                district: "999999".into(),
                passage: "不在稿中的话".into(),
                ..Default::default()
            },
            &c,
            Some(draft),
        )
        .unwrap_err();
        for (field, part) in [
            ("question", "1 到 2"),
            ("text", "不能超过 5000 个字"),
            ("topic", "不是本次征集的分类"),
            ("district", "请从列表中选择"),
            ("name", "不能为空"),
            ("contact", "不能为空"),
            ("passage", "找不到"),
        ] {
            assert!(e.message_for(field).is_some_and(|m| m.contains(part)), "{field}: {e}");
        }
        let e = OpinionFields::parse(
            &OpinionInput { text: "  ".into(), passage: "x".into(), ..Default::default() },
            &c,
            None,
        )
        .unwrap_err();
        assert!(e.message_for("text").is_some_and(|m| m.contains("不能为空")));
        assert!(e.message_for("passage").is_some_and(|m| m.contains("没有征求意见稿")));
    }

    #[test]
    fn received_dates_are_bounded() {
        let c = consultation();
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date");
        let today = d("2026-12-06");
        assert_eq!(received_on("2026-11-20", &c, today), Ok(d("2026-11-20")));
        for (raw, part) in [("2026-12-07", "晚于今天"), ("2026-10-31", "早于"), ("11月20日", "格式")] {
            let e = received_on(raw, &c, today).unwrap_err();
            assert!(e.message_for("received_on").is_some_and(|m| m.contains(part)), "{raw}");
        }
    }
}
