//! What a citizen gives to register ([`RegistrationInput`], checked against the event's own form
//! fields into [`RegistrationFields`]), and the event's own fields themselves ([`FormField`]):
//! besides name, ID number, phone and district, an event may ask, for example, the
//! organisation of a seminar's participants or the question someone wants to raise.

use crate::business_policy::{JINAN_DISTRICTS, district_name};
use crate::codes::CitizenId;
use crate::request_form::check_phone;
use crate::validation::{Invalid, line, text};
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

/// A field of an event's registration form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormField {
    /// Its key in the answers (`f1`, `f2`, … as the console numbers them).
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    pub required: bool,
    /// The choices of a `choice` field.
    #[serde(default)]
    pub options: Vec<String>,
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
            d => match JINAN_DISTRICTS.iter().find(|(code, label)| *code == d || *label == d) {
                Some((code, _)) => Some(code.to_string()),
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
}
