//! A policy record (惠企政策): what it gives, to whom (its rule), how it is redeemed and when,
//! with its 申兑指南. [`PolicyInput`] is the one input of the console's form, the staff API
//! and the bulk import; [`PolicyFields::parse`] checks it.

use super::profile::EnterpriseProfile;
use super::rule::{Facts, Field, Rule, RuleRow, from_rows};
use super::{BenefitType, Level, Mode};
use crate::validation::{Invalid, line, text};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

// The doc comments are the OpenAPI schema's descriptions.
/// 惠企政策（新建、保存或批量导入时提交）
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = PolicyBody)]
#[serde(deny_unknown_fields)]
pub struct PolicyInput {
    /// 发布单位，不填为本人所在单位（仅新建时有效）
    pub unit_id: Option<i64>,
    #[serde(default)]
    pub title: String,
    /// 政策摘要（一两句话说明给什么、给谁）
    #[serde(default)]
    pub summary: String,
    /// national / provincial / city / district（国家级、省级、市级、区县级）
    #[serde(default)]
    pub level: String,
    /// 文号，如“济政办发〔2025〕8号”
    #[serde(default)]
    pub doc_no: String,
    /// 有效期至 YYYY-MM-DD，不填为长期有效
    #[serde(default)]
    pub valid_until: String,
    /// subsidy / tax_relief / loan_interest / talent / land / financing / honour / other
    #[serde(default)]
    pub benefit_type: String,
    /// exempt_apply（免申即享）/ quick_apply（快申快享）/ regular（常规申报）
    #[serde(default)]
    pub mode: String,
    /// 扶持金额：{"fixed_yuan": N}，或 {"rate": R, "of": 字段, "cap_yuan": N}（按企业该项数值（万元）× 10000 × R 计，最高 N 元）
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub amount: Option<Value>,
    /// 申报时间：{"opens_on": "YYYY-MM-DD", "closes_on": "YYYY-MM-DD"}，不填为常年受理
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub window: Option<Value>,
    /// 办理时限：快申快享的申请受理后须在多少个工作日内办结，不填为 10
    #[serde(default)]
    #[schema(minimum = 1, maximum = 60)]
    pub handling_days: Option<u32>,
    /// 申兑指南
    #[serde(default)]
    pub guide: GuideInput,
    /// 适用条件：{"all": […]}、{"any": […]}、{"not": …} 或 {"field", "op", "value"}
    #[serde(default)]
    #[schema(value_type = Object)]
    pub rule: Value,
    /// 政策原文（本平台文件的 id）
    #[serde(default)]
    pub document_ids: Vec<i64>,
    /// 政策解读（本平台文件的 id）
    #[serde(default)]
    pub interpretation_ids: Vec<i64>,
}

/// 申兑指南
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = PolicyGuide)]
#[serde(default, deny_unknown_fields)]
pub struct GuideInput {
    /// 惠及对象
    pub beneficiaries: String,
    /// 申报条件（文字说明）
    pub conditions: String,
    /// 所需材料
    pub materials: String,
    /// 受理地址
    pub address: String,
    /// 咨询电话
    pub phone: String,
    /// 兑现时限，如“受理后20个工作日内”
    pub time_limit: String,
}

/// How much a policy gives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Amount {
    Fixed {
        fixed_yuan: i64,
    },
    /// min(rate × the field's value in 万元 × 10,000, cap).
    Rate {
        rate: f64,
        of: Field,
        cap_yuan: Option<i64>,
    },
}

/// The fields an amount may be a rate of: money in 万元.
const MONEY_FIELDS: [Field; 5] =
    [Field::RegisteredCapitalWan, Field::RevenueWan, Field::TaxPaidWan, Field::RdExpenseWan, Field::TotalAssetsWan];

impl Amount {
    /// The amount for an enterprise, in whole yuan; none when the field it depends on is
    /// unknown.
    pub fn yuan(&self, facts: &Facts) -> Option<i64> {
        match self {
            Amount::Fixed { fixed_yuan } => Some(*fixed_yuan),
            Amount::Rate { rate, of, cap_yuan } => {
                let raw = (rate * facts.number(*of)? * 10_000.0).round();
                let raw = if raw.is_finite() { raw as i64 } else { i64::MAX };
                Some(cap_yuan.map_or(raw, |cap| raw.min(cap)))
            }
        }
    }

    pub fn to_json(&self) -> Value {
        match self {
            Amount::Fixed { fixed_yuan } => serde_json::json!({ "fixed_yuan": fixed_yuan }),
            Amount::Rate { rate, of, cap_yuan: Some(cap) } => {
                serde_json::json!({ "rate": rate, "of": of.code(), "cap_yuan": cap })
            }
            Amount::Rate { rate, of, cap_yuan: None } => serde_json::json!({ "rate": rate, "of": of.code() }),
        }
    }

    /// In words: “一次性补贴 50 万元”, “按研发投入的 10% 补贴，最高 200 万元”.
    pub fn words(&self) -> String {
        match self {
            Amount::Fixed { fixed_yuan } => yuan_words(*fixed_yuan),
            Amount::Rate { rate, of, cap_yuan } => {
                let pct = (rate * 10000.0).round() / 100.0;
                let cap = cap_yuan.map(|c| format!("，最高{}", yuan_words(c))).unwrap_or_default();
                format!("按{}的{pct}%计{cap}", of.label())
            }
        }
    }
}

/// An amount in yuan as people read it: 万元 when whole ten-thousands.
pub fn yuan_words(y: i64) -> String {
    if y >= 10_000 && y % 100 == 0 {
        let wan = y as f64 / 10_000.0;
        format!("{}万元", if wan.fract() == 0.0 { format!("{}", wan as i64) } else { format!("{wan}") })
    } else {
        format!("{y}元")
    }
}

/// When applications are taken; none means all year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
}

/// How many condition rows the console's builder offers.
pub const FORM_RULE_ROWS: usize = 10;

/// A form's values by name (`get` gives "" for an absent one).
struct Form<'a>(&'a dyn Fn(&str) -> String);

impl Form<'_> {
    fn get(&self, name: &str) -> String {
        (self.0)(name)
    }
}

impl PolicyInput {
    /// Reads the console's form: the amount as a choice (none, fixed, a rate in per cent with
    /// its field and cap), the window as two dates, the guide's fields by their own names, the
    /// rule as the builder's rows (`c0_group`, `c0_field`, `c0_op`, `c0_value`, …) or, when
    /// given, as JSON (`rule_json`); document ids separated by commas.
    pub fn from_form(get: &dyn Fn(&str) -> String) -> Result<PolicyInput, Invalid> {
        let f = Form(get);
        let mut e = Invalid::default();
        let ids = |e: &mut Invalid, name: &str, label: &str| -> Vec<i64> {
            f.get(name)
                .split([',', '，', '、', ' '])
                .filter(|t| !t.trim().is_empty())
                .filter_map(|t| {
                    t.trim().parse::<i64>().map_err(|_| e.push(name, label, "应为用逗号分隔的文件 id")).ok()
                })
                .collect()
        };
        let document_ids = ids(&mut e, "document_ids", "政策原文");
        let interpretation_ids = ids(&mut e, "interpretation_ids", "政策解读");
        let number = |t: &str| -> Value {
            match t.trim().parse::<f64>() {
                Ok(n) if n.fract() == 0.0 => Value::from(n as i64),
                Ok(n) => Value::from(n),
                Err(_) => Value::from(t.trim()),
            }
        };
        let amount = match f.get("amount_kind").as_str() {
            "fixed" => Some(serde_json::json!({ "fixed_yuan": number(&f.get("fixed_yuan")) })),
            "rate" => {
                let rate =
                    f.get("rate_pct").trim().parse::<f64>().map(|p| Value::from(p / 100.0)).unwrap_or(Value::Null);
                let mut o = serde_json::json!({ "rate": rate, "of": f.get("rate_of") });
                if !f.get("cap_yuan").trim().is_empty() {
                    o["cap_yuan"] = number(&f.get("cap_yuan"));
                }
                Some(o)
            }
            _ => None,
        };
        let window = match (f.get("opens_on").trim(), f.get("closes_on").trim()) {
            ("", "") => None,
            (o, c) => Some(serde_json::json!({ "opens_on": o, "closes_on": c })),
        };
        let rule = match f.get("rule_json").trim() {
            "" => {
                let rows: Vec<RuleRow> = (0..FORM_RULE_ROWS)
                    .map(|i| RuleRow {
                        group: f.get(&format!("c{i}_group")).trim().parse().unwrap_or(i as u32 + 1),
                        field: f.get(&format!("c{i}_field")),
                        op: f.get(&format!("c{i}_op")),
                        value: f.get(&format!("c{i}_value")),
                    })
                    .collect();
                match from_rows(&rows) {
                    Ok(r) => r.to_json(),
                    Err(err) => {
                        e.0.extend(err.0);
                        Value::Null
                    }
                }
            }
            text => match serde_json::from_str::<Value>(text) {
                Ok(v) => v,
                Err(err) => {
                    e.push("rule", "适用条件", format!("不是有效的 JSON（{err}）"));
                    Value::Null
                }
            },
        };
        let handling_days = match f.get("handling_days").trim() {
            "" => None,
            t => {
                t.parse::<u32>().map_err(|_| e.push("handling_days", "办理时限", "应为 1 至 60 的整数（工作日）")).ok()
            }
        };
        let input = PolicyInput {
            unit_id: f.get("unit_id").trim().parse().ok(),
            handling_days,
            title: f.get("title"),
            summary: f.get("summary"),
            level: f.get("level"),
            doc_no: f.get("doc_no"),
            valid_until: f.get("valid_until"),
            benefit_type: f.get("benefit_type"),
            mode: f.get("mode"),
            amount,
            window,
            guide: GuideInput {
                beneficiaries: f.get("beneficiaries"),
                conditions: f.get("conditions"),
                materials: f.get("materials"),
                address: f.get("address"),
                phone: f.get("phone"),
                time_limit: f.get("time_limit"),
            },
            rule,
            document_ids,
            interpretation_ids,
        };
        e.into_result(input)
    }
}

/// A checked policy.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyFields {
    pub title: String,
    pub summary: String,
    pub level: Level,
    pub doc_no: String,
    pub valid_until: Option<NaiveDate>,
    pub benefit_type: BenefitType,
    pub mode: Mode,
    pub amount: Option<Amount>,
    pub window: Option<Window>,
    /// Working days to decide a 快申快享 application; none: the default.
    pub handling_days: Option<u32>,
    pub guide: GuideInput,
    pub rule: Rule,
    pub document_ids: Vec<i64>,
    pub interpretation_ids: Vec<i64>,
}

const MAX_GUIDE: usize = 5000;

impl PolicyFields {
    /// Checks every field and reports every problem, naming the field.
    pub fn parse(input: &PolicyInput) -> Result<PolicyFields, Invalid> {
        let mut e = Invalid::default();
        let title = line(&mut e, "title", "政策名称", &input.title, true, 200);
        let summary = text(&mut e, "summary", "政策摘要", &input.summary, false, 500);
        let level = Level::parse(&input.level).unwrap_or_else(|| {
            e.push("level", "政策层级", "应为 national、provincial、city 或 district（国家级、省级、市级、区县级）");
            Level::City
        });
        let doc_no = match input.doc_no.trim() {
            "" => String::new(),
            raw => match crate::documents::DocNo::parse(raw) {
                Ok(d) => d.to_string(),
                Err(err) => {
                    e.push("doc_no", "文号", err);
                    String::new()
                }
            },
        };
        let date = |e: &mut Invalid, field: &str, label: &str, raw: &str| match raw.trim() {
            "" => None,
            t => crate::time::parse_date(t).or_else(|| {
                e.push(field, label, "应为 YYYY-MM-DD 格式的日期");
                None
            }),
        };
        let valid_until = date(&mut e, "valid_until", "有效期至", &input.valid_until);
        let benefit_type = BenefitType::parse(&input.benefit_type).unwrap_or_else(|| {
            let all: Vec<&str> = BenefitType::ALL.iter().map(|b| b.code()).collect();
            e.push("benefit_type", "扶持方式", format!("应为 {} 之一", all.join("、")));
            BenefitType::Other
        });
        let mode = Mode::parse(&input.mode).unwrap_or_else(|| {
            e.push("mode", "兑现方式", "应为 exempt_apply（免申即享）、quick_apply（快申快享）或 regular（常规申报）");
            Mode::Regular
        });
        let amount = match &input.amount {
            None | Some(Value::Null) => None,
            Some(v) => parse_amount(v).map_err(|m| e.push("amount", "扶持金额", m)).ok(),
        };
        let window = match &input.window {
            None | Some(Value::Null) => None,
            Some(v) => parse_window(v).map_err(|m| e.push("window", "申报时间", m)).ok(),
        };
        if input.handling_days.is_some_and(|d| !(1..=60).contains(&d)) {
            e.push("handling_days", "办理时限", "应为 1 至 60 个工作日");
        }
        let g = &input.guide;
        let guide = GuideInput {
            beneficiaries: text(&mut e, "guide.beneficiaries", "惠及对象", &g.beneficiaries, false, MAX_GUIDE),
            conditions: text(&mut e, "guide.conditions", "申报条件", &g.conditions, false, MAX_GUIDE),
            materials: text(&mut e, "guide.materials", "所需材料", &g.materials, false, MAX_GUIDE),
            address: text(&mut e, "guide.address", "受理地址", &g.address, false, 500),
            phone: line(&mut e, "guide.phone", "咨询电话", &g.phone, false, 100),
            time_limit: line(&mut e, "guide.time_limit", "兑现时限", &g.time_limit, false, 200),
        };
        let rule = match &input.rule {
            Value::Null => {
                e.push("rule", "适用条件", "不能为空；适用于所有企业的政策写 {\"all\": []}");
                None
            }
            v => match Rule::from_json(v) {
                Ok(r) => Some(r),
                Err(err) => {
                    e.0.extend(err.0);
                    None
                }
            },
        };
        for (field, label, ids) in [
            ("document_ids", "政策原文", &input.document_ids),
            ("interpretation_ids", "政策解读", &input.interpretation_ids),
        ] {
            if ids.len() > 50 || ids.iter().any(|i| *i <= 0) {
                e.push(field, label, "应为不超过 50 个文件 id");
            }
        }
        let fields = PolicyFields {
            title,
            summary,
            level,
            doc_no,
            valid_until,
            benefit_type,
            mode,
            amount,
            window,
            handling_days: input.handling_days,
            guide,
            rule: rule.unwrap_or(Rule::All(vec![])),
            document_ids: dedup(&input.document_ids),
            interpretation_ids: dedup(&input.interpretation_ids),
        };
        e.into_result(fields)
    }

    /// The policy back as its input (for the edit form and for comparing an import).
    pub fn input(&self, unit_id: Option<i64>) -> PolicyInput {
        PolicyInput {
            unit_id,
            title: self.title.clone(),
            summary: self.summary.clone(),
            level: self.level.code().into(),
            doc_no: self.doc_no.clone(),
            valid_until: self.valid_until.map(|d| d.to_string()).unwrap_or_default(),
            benefit_type: self.benefit_type.code().into(),
            mode: self.mode.code().into(),
            amount: self.amount.as_ref().map(Amount::to_json),
            window: self.window.map(|w| serde_json::json!({"opens_on": w.opens_on, "closes_on": w.closes_on})),
            handling_days: self.handling_days,
            guide: self.guide.clone(),
            rule: self.rule.to_json(),
            document_ids: self.document_ids.clone(),
            interpretation_ids: self.interpretation_ids.clone(),
        }
    }

    /// The application window in words.
    pub fn window_words(&self) -> String {
        match self.window {
            Some(w) => format!("{} 至 {}", w.opens_on, w.closes_on),
            None => "常年受理".into(),
        }
    }

    /// Working days the unit has to decide a 快申快享 application.
    pub fn handling_workdays(&self) -> u32 {
        self.handling_days.unwrap_or(super::redemption::DEFAULT_HANDLING_WORKDAYS)
    }

    /// In force on `day`: not past its validity.
    pub fn in_force(&self, day: NaiveDate) -> bool {
        self.valid_until.is_none_or(|v| day <= v)
    }

    /// Taking applications on `day`: in force and inside its window (if it has one).
    pub fn open_on(&self, day: NaiveDate) -> bool {
        self.in_force(day) && self.window.is_none_or(|w| w.opens_on <= day && day <= w.closes_on)
    }

    /// The districts (six-digit codes) the rule names in its positive tests; a wider prefix
    /// such as the city's “3701” is not one.
    pub fn districts(&self) -> Vec<String> {
        self.codes_of(Field::District).into_iter().filter(|c| super::is_division_code(c)).collect()
    }

    /// The codes and prefixes of the rule's positive district tests: a policy names a district
    /// when one of them starts it (the city's “3701” names every district of the city).
    pub fn district_tests(&self) -> Vec<String> {
        self.codes_of(Field::District)
    }

    /// The industry codes and prefixes the rule names in its positive tests.
    pub fn industries(&self) -> Vec<String> {
        self.codes_of(Field::Industry)
    }

    fn codes_of(&self, f: Field) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for leaf in self.rule.leaves().into_iter().filter(|l| l.field == f) {
            for c in leaf.codes() {
                if !out.contains(&c) {
                    out.push(c);
                }
            }
        }
        out
    }
}

fn dedup(ids: &[i64]) -> Vec<i64> {
    let mut out: Vec<i64> = Vec::new();
    for i in ids {
        if !out.contains(i) {
            out.push(*i);
        }
    }
    out
}

fn parse_amount(v: &Value) -> Result<Amount, String> {
    let o = v.as_object().ok_or("应为 {\"fixed_yuan\": N} 或 {\"rate\": R, \"of\": 字段, \"cap_yuan\": N}")?;
    let whole = |k: &str| -> Result<Option<i64>, String> {
        match o.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(n) => n
                .as_f64()
                .filter(|n| n.is_finite() && *n >= 0.0 && n.fract() == 0.0 && *n <= 1e13)
                .map(|n| Some(n as i64))
                .ok_or(format!("{k} 应为不小于 0 的整数（元）")),
        }
    };
    if o.contains_key("fixed_yuan") {
        if o.len() != 1 {
            return Err("固定金额只写 fixed_yuan".into());
        }
        return Ok(Amount::Fixed { fixed_yuan: whole("fixed_yuan")?.ok_or("fixed_yuan 不能为空")? });
    }
    for k in o.keys() {
        if !["rate", "of", "cap_yuan"].contains(&k.as_str()) {
            return Err(format!("不认识的“{k}”：应为 fixed_yuan，或 rate、of、cap_yuan"));
        }
    }
    let rate = o
        .get("rate")
        .and_then(Value::as_f64)
        .filter(|r| r.is_finite() && *r > 0.0 && *r <= 10.0)
        .ok_or("rate 应为大于 0 的比例，如 0.1 表示 10%")?;
    let of = o
        .get("of")
        .and_then(Value::as_str)
        .and_then(Field::from_code)
        .filter(|f| MONEY_FIELDS.contains(f))
        .ok_or_else(|| {
            let all: Vec<&str> = MONEY_FIELDS.iter().map(|f| f.code()).collect();
            format!("of 应为以万元计的企业数据：{}", all.join("、"))
        })?;
    Ok(Amount::Rate { rate, of, cap_yuan: whole("cap_yuan")? })
}

fn parse_window(v: &Value) -> Result<Window, String> {
    let o = v.as_object().ok_or("应为 {\"opens_on\": \"YYYY-MM-DD\", \"closes_on\": \"YYYY-MM-DD\"}")?;
    for k in o.keys() {
        if !["opens_on", "closes_on"].contains(&k.as_str()) {
            return Err(format!("不认识的“{k}”：只有 opens_on 和 closes_on"));
        }
    }
    let date = |k: &str| {
        o.get(k)
            .and_then(Value::as_str)
            .and_then(crate::time::parse_date)
            .ok_or(format!("{k} 应为 YYYY-MM-DD 格式的日期"))
    };
    let (opens_on, closes_on) = (date("opens_on")?, date("closes_on")?);
    if closes_on < opens_on {
        return Err("截止日期不能早于开始日期".into());
    }
    Ok(Window { opens_on, closes_on })
}

/// The amount an enterprise would receive under `amount`, for the calculator.
pub fn amount_for(amount: Option<&Amount>, profile: &EnterpriseProfile, as_of: NaiveDate) -> Option<i64> {
    amount?.yuan(&Facts::of(profile, as_of))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(v: Value) -> PolicyInput {
        serde_json::from_value(v).unwrap()
    }

    fn good() -> Value {
        json!({
            "title": "济南市高新技术企业认定奖励", "level": "city", "doc_no": "济科发[2025]3号",
            "benefit_type": "subsidy", "mode": "exempt_apply", "amount": {"fixed_yuan": 200000},
            "window": {"opens_on": "2026-03-01", "closes_on": "2026-12-31"}, "valid_until": "2027-12-31",
            "guide": {"beneficiaries": "首次认定的高新技术企业", "phone": "0531-12345"},
            "rule": {"field": "qualifications", "op": "contains", "value": "high_tech"}
        })
    }

    #[test]
    fn a_policy_reads_and_comes_back() {
        let f = PolicyFields::parse(&input(good())).unwrap();
        assert_eq!(f.doc_no, "济科发〔2025〕3号");
        assert_eq!(f.amount.as_ref().unwrap().words(), "20万元");
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(f.open_on(d("2026-03-01")) && f.open_on(d("2026-12-31")));
        assert!(!f.open_on(d("2026-02-28")) && !f.open_on(d("2027-01-01")));
        assert!(f.in_force(d("2027-12-31")) && !f.in_force(d("2028-01-01")));
        assert_eq!(PolicyFields::parse(&f.input(None)).unwrap(), f);
    }

    #[test]
    fn rate_amounts_are_capped() {
        let mut v = good();
        v["amount"] = json!({"rate": 0.1, "of": "rd_expense_wan", "cap_yuan": 2_000_000});
        let f = PolicyFields::parse(&input(v)).unwrap();
        let at = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let p = |v: Value| EnterpriseProfile::from_json(&v, at).unwrap();
        assert_eq!(amount_for(f.amount.as_ref(), &p(json!({"rd_expense_wan": 300})), at), Some(300_000));
        assert_eq!(amount_for(f.amount.as_ref(), &p(json!({"rd_expense_wan": 5000})), at), Some(2_000_000));
        assert_eq!(amount_for(f.amount.as_ref(), &p(json!({})), at), None);
        assert_eq!(f.amount.unwrap().words(), "按研发投入的10%计，最高200万元");
    }

    #[test]
    fn every_bad_field_is_named() {
        let v = json!({
            "title": "", "level": "galactic", "doc_no": "??", "valid_until": "2026-13-01", "benefit_type": "gift",
            "mode": "auto", "amount": {"rate": 0.1, "of": "employees"}, "window": {"opens_on": "2026-05-01", "closes_on": "2026-04-01"},
            "rule": {"field": "colour", "op": "==", "value": "red"}, "document_ids": [-1]
        });
        let e = PolicyFields::parse(&input(v)).unwrap_err();
        for field in [
            "title",
            "level",
            "doc_no",
            "valid_until",
            "benefit_type",
            "mode",
            "amount",
            "window",
            "rule",
            "document_ids",
        ] {
            assert!(e.message_for(field).is_some(), "{field}: {e}");
        }
        assert!(serde_json::from_value::<PolicyInput>(json!({"titel": "x"})).is_err(), "unknown fields");
        let e = PolicyFields::parse(&input(
            json!({"title": "x", "level": "city", "benefit_type": "other", "mode": "regular"}),
        ))
        .unwrap_err();
        assert!(e.message_for("rule").is_some(), "a rule is required");
    }
}
