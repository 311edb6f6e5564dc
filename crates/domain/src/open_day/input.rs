//! What a citizen gives to register ([`RegistrationInput`], checked against the event's own form
//! fields into [`RegistrationFields`]), and the event's own fields themselves ([`FormField`]):
//! besides name, ID number, phone and district, an event may ask, for example, the
//! organisation of a seminar's participants or the question someone wants to raise.

use super::eligibility::Rules;
use super::seats::Seats;
use super::{ApprovalMode, EventKind, Schedule};
use crate::business_policy::{district_code, district_name};
use crate::codes::CitizenId;
use crate::request_form::check_phone;
use crate::validation::{Invalid, line, local_minute, text};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An event may ask this many questions of its own at most.
pub const MAX_FIELDS: usize = 10;
/// The longest answer to a field, in characters.
pub const ANSWER_MAX_CHARS: usize = 500;

code_list! {
    /// How a field of the event's form is answered.
    FieldKind {
        Line = ("line", "单行文字"),
        Paragraph = ("paragraph", "多行文字"),
        Choice = ("choice", "单项选择"),
    }
}

/// 活动自设的报名栏目
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FormField {
    /// 栏目标识（字母、数字或下划线），回答以它为键
    pub key: String,
    /// 栏目名称
    pub label: String,
    /// line（单行文字）、paragraph（多行文字）或 choice（单项选择）
    #[schema(value_type = String)]
    #[serde(with = "kind_code")]
    pub kind: FieldKind,
    pub required: bool,
    /// The choices of a `choice` field.
    #[serde(default)]
    pub options: Vec<String>,
}

/// A field's kind in JSON: its code, as everywhere in the API.
mod kind_code {
    use super::FieldKind;
    use serde::Deserialize;

    pub fn serialize<S: serde::Serializer>(k: &FieldKind, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(k.code())
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<FieldKind, D::Error> {
        let raw = String::deserialize(d)?;
        FieldKind::from_code(&raw).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "应为 line、paragraph 或 choice，而不是“{}”",
                raw.chars().take(20).collect::<String>()
            ))
        })
    }
}

/// Checks the fields an organiser defines: keys unique and plain, labels given, choices for a
/// choice field, at most [`MAX_FIELDS`].
pub fn check_fields(fields: &[FormField]) -> Result<(), Invalid> {
    let mut e = Invalid::default();
    if fields.len() > MAX_FIELDS {
        e.push("fields", "报名表栏目", format!("最多 {MAX_FIELDS} 个"));
    }
    for (i, f) in fields.iter().enumerate() {
        let n = i + 1;
        if f.key.is_empty() || f.key.len() > 20 || !f.key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            e.push("fields", "报名表栏目", format!("第 {n} 个栏目的标识应为不超过 20 个字母、数字或下划线"));
        }
        if fields[..i].iter().any(|g| g.key == f.key) {
            e.push("fields", "报名表栏目", format!("第 {n} 个栏目的标识与前面的重复"));
        }
        if f.label.trim().is_empty() || f.label.chars().count() > 50 {
            e.push("fields", "报名表栏目", format!("第 {n} 个栏目的名称应为 1 至 50 个字"));
        }
        if f.kind == FieldKind::Choice && f.options.len() < 2 {
            e.push("fields", "报名表栏目", format!("第 {n} 个栏目是选择题，至少要有两个选项"));
        }
    }
    e.into_result(())
}

// The doc comments are the OpenAPI schema's descriptions.
/// 政府开放活动（新建或保存时提交）
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = OpenDayBody)]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    /// 主办单位，不填为本人所在单位（仅新建时有效）
    pub unit_id: Option<i64>,
    /// 所属系列活动（如某区的政府开放月），可不填
    pub series_id: Option<i64>,
    /// visit（参观）、seminar（座谈）、lecture（讲座）、observe_meeting（旁听常务会议）、online（线上）
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// 地点；线上活动填写参加方式
    #[serde(default)]
    pub place: String,
    /// 开始时间 YYYY-MM-DD HH:MM（北京时间）
    #[serde(default)]
    pub starts_at: String,
    /// 结束时间 YYYY-MM-DD HH:MM（北京时间）
    #[serde(default)]
    pub ends_at: String,
    /// 报名开始时间 YYYY-MM-DD HH:MM（北京时间）
    #[serde(default)]
    pub registration_opens_at: String,
    /// 报名截止时间 YYYY-MM-DD HH:MM（北京时间），不晚于活动开始
    #[serde(default)]
    pub registration_closes_at: String,
    /// 总名额
    #[serde(default)]
    pub capacity: u32,
    /// 预留名额（不对外报名），少于总名额
    #[serde(default)]
    pub reserved: u32,
    /// first_come（先到先得，满额后候补）或 selection（审核选取）
    #[serde(default)]
    pub approval: String,
    /// 最小年龄（周岁）
    pub min_age: Option<u32>,
    /// 最大年龄（周岁）
    pub max_age: Option<u32>,
    /// 限定居住区县（行政区划代码），不填为不限
    #[serde(default)]
    pub districts: Vec<String>,
    /// 活动自设的报名栏目
    #[serde(default)]
    pub fields: Vec<FormField>,
}

/// A checked event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventFields {
    pub series_id: Option<i64>,
    pub kind: EventKind,
    pub title: String,
    pub description: String,
    pub place: String,
    pub schedule: ScheduleText,
    pub capacity: u32,
    pub reserved: u32,
    pub approval: ApprovalMode,
    pub rules: Rules,
    pub fields: Vec<FormField>,
}

/// The schedule as stored (UTC instants in RFC 3339).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleText {
    pub registration_opens: chrono::DateTime<chrono::Utc>,
    pub registration_closes: chrono::DateTime<chrono::Utc>,
    pub starts: chrono::DateTime<chrono::Utc>,
    pub ends: chrono::DateTime<chrono::Utc>,
}

impl EventFields {
    pub fn schedule(&self) -> Schedule {
        let s = self.schedule;
        Schedule {
            registration_opens: s.registration_opens,
            registration_closes: s.registration_closes,
            starts: s.starts,
            ends: s.ends,
        }
    }

    pub fn seats(&self) -> Seats {
        Seats { capacity: self.capacity, reserved: self.reserved }
    }

    /// Checks an event as staff give it; every problem named by its field. Observing an
    /// executive meeting is limited to once a year per person by law of the practice.
    pub fn parse(input: &EventInput) -> Result<EventFields, Invalid> {
        let mut e = Invalid::default();
        let kind = EventKind::parse(&input.kind);
        if kind.is_none() {
            e.push("kind", "活动类型", "应为参观、座谈、讲座、旁听常务会议或线上");
        }
        let title = line(&mut e, "title", "活动名称", &input.title, true, 100);
        let description = text(&mut e, "description", "活动介绍", &input.description, true, 5000);
        let place = line(&mut e, "place", "地点", &input.place, true, 200);
        let starts = local_minute(&mut e, "starts_at", "开始时间", &input.starts_at);
        let ends = local_minute(&mut e, "ends_at", "结束时间", &input.ends_at);
        let opens = local_minute(&mut e, "registration_opens_at", "报名开始时间", &input.registration_opens_at);
        let closes = local_minute(&mut e, "registration_closes_at", "报名截止时间", &input.registration_closes_at);
        let schedule = match (opens, closes, starts, ends) {
            (Some(registration_opens), Some(registration_closes), Some(starts), Some(ends)) => {
                let s = Schedule { registration_opens, registration_closes, starts, ends };
                if let Some((field, label, why)) = s.problem() {
                    e.push(field, label, why);
                }
                Some(ScheduleText { registration_opens, registration_closes, starts, ends })
            }
            _ => None,
        };
        let seats = Seats { capacity: input.capacity, reserved: input.reserved };
        if let Some((field, label, why)) = seats.problem() {
            e.push(field, label, why);
        }
        if input.capacity > 100_000 {
            e.push("capacity", "名额", "不超过 100000");
        }
        let approval = match input.approval.trim() {
            "" => Some(ApprovalMode::FirstCome),
            a => ApprovalMode::parse(a),
        };
        if approval.is_none() {
            e.push("approval", "报名方式", "应为 first_come（先到先得）或 selection（审核选取）");
        }
        if let (Some(min), Some(max)) = (input.min_age, input.max_age)
            && min > max
        {
            e.push("max_age", "最大年龄", "不能小于最小年龄");
        }
        if input.max_age.is_some_and(|a| a > 150) || input.min_age.is_some_and(|a| a > 150) {
            e.push("max_age", "最大年龄", "应为 0 至 150 周岁");
        }
        let mut districts: Vec<String> = Vec::new();
        for d in input.districts.iter().map(|d| d.trim()).filter(|d| !d.is_empty()) {
            match district_code(d) {
                Some(code) if !districts.iter().any(|x| x == code) => districts.push(code.to_string()),
                Some(_) => {}
                None => e.push(
                    "districts",
                    "限定区县",
                    format!("“{}”不是本市的区县", d.chars().take(20).collect::<String>()),
                ),
            }
        }
        if let Err(x) = check_fields(&input.fields) {
            e.0.extend(x.0);
        }
        let (Some(kind), Some(schedule), Some(approval)) = (kind, schedule, approval) else { return Err(e) };
        let rules = Rules {
            min_age: input.min_age,
            max_age: input.max_age,
            districts,
            once_a_year: kind == EventKind::ObserveMeeting,
        };
        e.into_result(EventFields {
            series_id: input.series_id,
            kind,
            title,
            description,
            place,
            schedule,
            capacity: input.capacity,
            reserved: input.reserved,
            approval,
            rules,
            fields: input.fields.clone(),
        })
    }
}

/// 活动报名（无需注册账号）
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = RegistrationBody)]
#[serde(deny_unknown_fields)]
pub struct RegistrationInput {
    #[serde(default)]
    pub name: String,
    /// 居民身份证号码（仅主办单位可见，其他地方均遮盖）
    #[serde(default)]
    pub id_number: String,
    /// 手机或固定电话
    #[serde(default)]
    pub phone: String,
    /// 居住区县（行政区划代码，如 370103）；活动限定区县时必填
    #[serde(default)]
    pub district: String,
    /// 活动自设栏目的回答，键为栏目标识
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
    /// 验证问题编号（网页表单）
    #[serde(default)]
    pub challenge_id: String,
    /// 验证问题的答案
    #[serde(default)]
    pub challenge_answer: String,
}

/// A checked registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationFields {
    pub name: String,
    pub id: CitizenId,
    pub phone: String,
    pub district: Option<String>,
    /// The answers to the event's fields, in the fields' order (empty ones left out).
    pub answers: Vec<(String, String)>,
}

impl RegistrationFields {
    /// Checks a registration against the event's own fields; every problem is named by field
    /// (the event's fields as `answers.<key>`).
    pub fn parse(input: &RegistrationInput, fields: &[FormField]) -> Result<RegistrationFields, Invalid> {
        let mut e = Invalid::default();
        let name = line(&mut e, "name", "姓名", &input.name, true, 50);
        let raw_id = line(&mut e, "id_number", "身份证号码", &input.id_number, true, 30);
        let id = if raw_id.is_empty() {
            None
        } else {
            CitizenId::parse(&raw_id)
                .map_err(|why| e.push("id_number", "身份证号码", format!("不是有效的居民身份证号码：{why}")))
                .ok()
        };
        let phone = line(&mut e, "phone", "联系电话", &input.phone, true, 30);
        if !phone.is_empty()
            && let Err(why) = check_phone(&phone)
        {
            e.push("phone", "联系电话", why);
        }
        let district = match input.district.trim() {
            "" => None,
            d => match district_code(d) {
                Some(code) => Some(code.to_string()),
                None => {
                    e.push("district", "居住区县", "请从列表中选择");
                    None
                }
            },
        };
        for key in input.answers.keys() {
            if !fields.iter().any(|f| &f.key == key) {
                e.push(
                    "answers",
                    "报名表栏目",
                    format!("本活动没有“{}”这一栏", key.chars().take(20).collect::<String>()),
                );
            }
        }
        let mut answers = Vec::new();
        for f in fields {
            let field = format!("answers.{}", f.key);
            let raw = input.answers.get(&f.key).map(String::as_str).unwrap_or("");
            let v = match f.kind {
                FieldKind::Paragraph => text(&mut e, &field, &f.label, raw, f.required, ANSWER_MAX_CHARS),
                _ => line(&mut e, &field, &f.label, raw, f.required, ANSWER_MAX_CHARS),
            };
            if f.kind == FieldKind::Choice && !v.is_empty() && !f.options.contains(&v) {
                e.push(&field, &f.label, "请从选项中选择");
                continue;
            }
            if !v.is_empty() {
                answers.push((f.key.clone(), v));
            }
        }
        let Some(id) = id else { return Err(e) };
        e.into_result(RegistrationFields { name, id, phone, district, answers })
    }

    /// The district's name, for people.
    pub fn district_label(&self) -> Option<String> {
        self.district.as_deref().map(district_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Vec<FormField> {
        vec![
            FormField {
                key: "org".into(),
                label: "工作单位".into(),
                kind: FieldKind::Line,
                required: true,
                options: vec![],
            },
            FormField {
                key: "topic".into(),
                label: "最关心的话题".into(),
                kind: FieldKind::Choice,
                required: false,
                options: vec!["营商环境".into(), "城市更新".into()],
            },
        ]
    }

    fn good() -> RegistrationInput {
        RegistrationInput {
            name: "李华".into(),
            id_number: "11010519491231002x".into(),
            phone: "13912345678".into(),
            district: "370103".into(),
            answers: [("org".to_string(), "济南市某中学".to_string())].into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_registration_is_kept_canonical() {
        let r = RegistrationFields::parse(&good(), &fields()).expect("valid");
        assert_eq!(r.id.as_str(), "11010519491231002X");
        assert_eq!(r.district.as_deref(), Some("370103"));
        assert_eq!(r.answers, vec![("org".to_string(), "济南市某中学".to_string())]);
        assert!(!r.id.masked().contains("19491231"));
    }

    #[test]
    fn each_problem_names_its_field() {
        type Spoil = fn(&mut RegistrationInput);
        let cases: [(Spoil, &str); 9] = [
            (|i| i.name = " ".into(), "name"),
            (|i| i.id_number = "110105194912310021".into(), "id_number"),
            (|i| i.id_number = String::new(), "id_number"),
            (|i| i.phone = "12".into(), "phone"),
            (|i| i.district = "北京".into(), "district"),
            (|i| i.answers.clear(), "answers.org"),
            (
                |i| {
                    i.answers.insert("topic".into(), "别的".into());
                },
                "answers.topic",
            ),
            (
                |i| {
                    i.answers.insert("x".into(), "多出的".into());
                },
                "answers",
            ),
            (|i| i.name = "名".repeat(51), "name"),
        ];
        for (spoil, field) in cases {
            let mut input = good();
            spoil(&mut input);
            let e = RegistrationFields::parse(&input, &fields()).expect_err(field);
            assert!(e.message_for(field).is_some(), "{field}: {e:?}");
        }
    }

    fn event() -> EventInput {
        EventInput {
            kind: "参观".into(),
            title: "走进12345热线".into(),
            description: "参观市民服务热线受理中心。".into(),
            place: "市中区纬二路".into(),
            starts_at: "2026-12-20 09:00".into(),
            ends_at: "2026-12-20 11:30".into(),
            registration_opens_at: "2026-12-06 09:00".into(),
            registration_closes_at: "2026-12-18 17:00".into(),
            capacity: 30,
            reserved: 5,
            districts: vec!["市中区".into(), "370103".into()],
            fields: fields(),
            ..Default::default()
        }
    }

    #[test]
    fn an_event_is_checked_field_by_field() {
        let ok = EventFields::parse(&event()).expect("valid");
        assert_eq!(ok.approval, ApprovalMode::FirstCome);
        assert_eq!(ok.rules.districts, vec!["370103".to_string()]);
        assert!(!ok.rules.once_a_year);
        assert_eq!(ok.seats().open(), 25);
        let observe = EventFields::parse(&EventInput { kind: "observe_meeting".into(), ..event() }).expect("valid");
        assert!(observe.rules.once_a_year, "旁听 is once a year");
        type Spoil = fn(&mut EventInput);
        let cases: [(Spoil, &str); 10] = [
            (|i| i.kind = "游园".into(), "kind"),
            (|i| i.title = String::new(), "title"),
            (|i| i.starts_at = "明天".into(), "starts_at"),
            (|i| i.ends_at = "2026-12-20 08:00".into(), "ends_at"),
            (|i| i.registration_closes_at = "2026-12-20 10:00".into(), "registration_closes_at"),
            (|i| i.capacity = 0, "capacity"),
            (|i| i.reserved = 30, "reserved"),
            (|i| i.approval = "抽签".into(), "approval"),
            (
                |i| {
                    i.min_age = Some(60);
                    i.max_age = Some(18);
                },
                "max_age",
            ),
            (|i| i.districts = vec!["北京市".into()], "districts"),
        ];
        for (spoil, field) in cases {
            let mut input = event();
            spoil(&mut input);
            let e = EventFields::parse(&input).expect_err(field);
            assert!(e.message_for(field).is_some(), "{field}: {e:?}");
        }
    }

    #[test]
    fn organisers_fields_are_checked() {
        assert!(check_fields(&fields()).is_ok());
        let mut twice = fields();
        twice[1].key = "org".into();
        assert!(check_fields(&twice).is_err());
        let mut one_choice = fields();
        one_choice[1].options.truncate(1);
        assert!(check_fields(&one_choice).is_err());
        let mut odd_key = fields();
        odd_key[0].key = "工作 单位".into();
        assert!(check_fields(&odd_key).is_err());
        let many: Vec<FormField> = (0..=MAX_FIELDS)
            .map(|i| FormField {
                key: format!("f{i}"),
                label: "栏目".into(),
                kind: FieldKind::Line,
                required: false,
                options: vec![],
            })
            .collect();
        assert!(check_fields(&many).is_err());
    }

    #[test]
    fn a_field_reads_and_writes_its_kind_by_code() {
        let raw = r#"{"key":"org","label":"单位","kind":"choice","required":true,"options":["甲","乙"]}"#;
        let f: FormField = serde_json::from_str(raw).expect("a field");
        assert_eq!(f.kind, FieldKind::Choice);
        assert!(serde_json::to_string(&f).expect("json").contains(r#""kind":"choice""#));
        assert!(serde_json::from_str::<FormField>(&raw.replace("choice", "Choice")).is_err());
    }
}
