//! Schemas of parameters and fields whose accepted values come from the domain's code lists,
//! so that the OpenAPI document lists exactly what the server accepts (clients and
//! Schemathesis generate from it). The code lists carry no OpenAPI derive (the domain's form
//! inputs do, to be read once by both faces): each schema here is built from the list's own
//! `ALL`, never from a copy of it.

use gongkai_domain::{
    annual_report, business_policy, columns, consultation, documents, request_lifecycle, staff, units, wordcheck,
    workflow,
};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

/// A string schema that accepts exactly `values`.
fn one_of(values: Vec<String>, description: &str) -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values)).description(Some(description)).into()
}

/// Declares a schema-only type for `inline(…)` in parameter lists and `value_type` on fields.
macro_rules! string_enum {
    ($($(#[$meta:meta])* $name:ident = ($description:literal, $values:expr);)+) => {
        $(
            $(#[$meta])*
            pub struct $name;
            impl utoipa::PartialSchema for $name {
                fn schema() -> RefOr<Schema> {
                    one_of($values, $description)
                }
            }
            impl utoipa::ToSchema for $name {}
        )+
    };
}

/// Codes and their Chinese labels: the parsers accept either.
macro_rules! codes_and_labels {
    ($list:expr) => {
        $list.iter().flat_map(|v| [v.code().to_string(), v.label().to_string()]).collect()
    };
}

string_enum! {
    GenreCode = ("体裁（代码或中文名称）", codes_and_labels!(documents::Genre::ALL));
    TopicCode = ("主题分类（代码或中文名称）", codes_and_labels!(documents::Topic::ALL));
    ValidityCode = ("有效性（代码或中文名称）", codes_and_labels!(documents::Validity::ALL));
    UnitKindCode = ("单位类型", units::UnitKind::ALL.iter().map(|k| k.as_str().to_string()).collect());
    LevelCode = (
        "层级：city、county、township 或 市级、县级、乡级",
        codes_and_labels!(units::Level::ALL)
    );
    RoleCode = ("角色", staff::Role::ALL.iter().map(|r| r.as_str().to_string()).collect());
    RequestStateCode = ("办理状态（代码或中文名称）", codes_and_labels!(request_lifecycle::RequestState::ALL));
    DocStateCode = ("稿件状态", workflow::State::ALL.iter().map(|s| s.code().to_string()).collect());
    SortCode = ("排序", vec!["relevance".into(), "date".into()]);
    DueCode = ("期限", vec!["soon".into(), "overdue".into()]);
    ScopeCode = ("统计范围", vec!["unit".into(), "all".into()]);
    ReportFormatCode = ("格式", vec!["json".into(), "xlsx".into(), "docx".into()]);
    LetterFormatCode = ("格式", vec!["docx".into(), "pdf".into()]);
    ColumnKindCode = (
        "栏目类型（代码或中文名称），空为 special",
        std::iter::once(String::new()).chain(columns::ColumnKind::ALL.iter().flat_map(|v| [v.code().to_string(), v.label().to_string()])).collect()
    );
    WordKindCode = ("sensitive（敏感词）或 wrong（错误表述）", [wordcheck::WordKind::Sensitive, wordcheck::WordKind::Wrong].iter().map(|k| k.code().to_string()).collect());
    DocActionCode = ("操作", ["submit", "approve", "reject", "revise", "discard", "withdraw"].map(String::from).to_vec());
    ReviewKindCode = ("类型（代码或中文名称）", codes_and_labels!(annual_report::ReviewKind::ALL));
    ReviewResultCode = ("结果（代码或中文名称）", codes_and_labels!(annual_report::ReviewResult::ALL));
    DayKindCode = ("holiday（放假）或 workday（调休上班）", vec!["holiday".into(), "workday".into()]);
    PolicyLevelCode = ("政策层级（代码或中文名称）", codes_and_labels!(business_policy::Level::ALL));
    BenefitTypeCode = ("扶持方式（代码或中文名称）", codes_and_labels!(business_policy::BenefitType::ALL));
    PolicyModeCode = ("兑现方式（代码或中文名称）", codes_and_labels!(business_policy::Mode::ALL));
    PolicyValidityCode = ("有效性：in_force（有效）或 expired（已失效）", vec!["in_force".into(), "expired".into()]);
    ConsultationPhaseCode = (
        "upcoming（即将开始）、open（正在征集）或 closed（已结束）",
        vec!["upcoming".into(), "open".into(), "closed".into()]
    );
    OpinionStatusCode = (
        "pending（待审核）、published（已公开）或 hidden（不予公开）",
        vec!["pending".into(), "published".into(), "hidden".into()]
    );
    ChannelCode = ("渠道（代码或中文名称）", codes_and_labels!(consultation::Channel::ALL));
    OpenDayPhaseCode = (
        "announced（即将报名）、registration_open（报名中）、registration_closed（报名已截止）、ongoing（进行中）或 finished（已结束）",
        ["announced", "registration_open", "registration_closed", "ongoing", "finished"].map(String::from).to_vec()
    );
}

// Text fields as `gongkai_domain::validation::{line, text}` read them: white space (Unicode
// White_Space, as `str::trim`) around the value is dropped; what is left has at most `MAX`
// characters and no control characters (text keeps line breaks and tabs, a line keeps tabs),
// and for required fields is not empty. Written as patterns (in the syntax that ECMAScript,
// Python and Rust share) so that clients and Schemathesis know what the server will take.
const SPACE: &str = r"[\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]";
/// Characters a line may hold inside: no control character but the tab.
const LINE_CHAR: &str = r"[^\u0000-\u0008\u000a-\u001f\u007f-\u009f]";
/// Characters a text may hold inside: no control character but tab and line breaks.
const TEXT_CHAR: &str = r"[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]";
/// The first and last character of the trimmed value: neither space nor control character.
const EDGE_CHAR: &str = r"[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]";

fn text_schema(inner: &str, required: bool, max: usize) -> utoipa::openapi::Object {
    // The limit counts the trimmed value, so it is part of the pattern (first and last
    // character and at most `max - 2` between), not a `maxLength` of the whole string.
    let core = match max {
        0 => String::new(),
        1 => EDGE_CHAR.to_string(),
        _ => format!("{EDGE_CHAR}(?:{inner}{{0,{}}}{EDGE_CHAR})?", max - 2),
    };
    let pattern = if required { format!("^{SPACE}*{core}{SPACE}*$") } else { format!("^{SPACE}*(?:{core})?{SPACE}*$") };
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .min_length(Some(usize::from(required)))
        .description(Some(format!("{}，不超过 {max} 个字", if required { "必填" } else { "可不填" })))
        .build()
}

/// A required single-line text of at most `MAX` characters.
pub fn line<const MAX: usize>() -> utoipa::openapi::Object {
    text_schema(LINE_CHAR, true, MAX)
}

/// An optional single-line text of at most `MAX` characters.
pub fn line_opt<const MAX: usize>() -> utoipa::openapi::Object {
    text_schema(LINE_CHAR, false, MAX)
}

/// A required text (line breaks allowed) of at most `MAX` characters.
pub fn text<const MAX: usize>() -> utoipa::openapi::Object {
    text_schema(TEXT_CHAR, true, MAX)
}

/// An optional text (line breaks allowed) of at most `MAX` characters.
pub fn text_opt<const MAX: usize>() -> utoipa::openapi::Object {
    text_schema(TEXT_CHAR, false, MAX)
}

/// A calendar date, `YYYY-MM-DD`.
pub fn date() -> utoipa::openapi::Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Date)))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(o: &utoipa::openapi::Object) -> regex::Regex {
        regex::Regex::new(o.pattern.as_deref().unwrap()).unwrap()
    }

    /// The patterns accept exactly what the domain's text rules accept.
    #[test]
    fn text_patterns_match_the_domain_rules() {
        use gongkai_domain::validation::{Invalid, line as line_rule, text as text_rule};
        let samples = [
            "济南",
            "  济南 ",
            "",
            "   ",
            "a\u{0}b",
            "两行\n文字",
            "制表\t符",
            "\u{85}",
            "x\u{7f}",
            "\u{3000}",
            "\u{3000}济南\u{3000}",
            "a\u{1c}",
            "\u{1c}",
            "a\u{85}",
            "\ta",
            "a\r\n",
            "\n\n",
            "a b",
            "a\u{a0}b",
            "\u{9f}",
            "\u{a0}x\u{a0}",
            "x\u{2028}y",
            "\u{85}0\u{85}\u{85}\u{85}",
            "一二三",
            "一二三四",
            " 一二三 ",
            "a",
            " a ",
        ];
        for s in samples {
            for required in [true, false] {
                let mut e = Invalid::default();
                line_rule(&mut e, "f", "f", s, required, 3);
                let schema = if required { line::<3>() } else { line_opt::<3>() };
                assert_eq!(pattern(&schema).is_match(s), e.0.is_empty(), "line {s:?} required={required} max 3");
                let mut e = Invalid::default();
                line_rule(&mut e, "f", "f", s, required, 100);
                let schema = if required { line::<100>() } else { line_opt::<100>() };
                assert_eq!(pattern(&schema).is_match(s), e.0.is_empty(), "line {s:?} required={required}");
                let mut e = Invalid::default();
                text_rule(&mut e, "f", "f", s, required, 100);
                let schema = if required { text::<100>() } else { text_opt::<100>() };
                assert_eq!(pattern(&schema).is_match(s), e.0.is_empty(), "text {s:?} required={required}");
            }
        }
    }
}
