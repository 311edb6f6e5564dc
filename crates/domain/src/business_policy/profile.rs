//! The enterprise profile (企业画像, `enterprise_profile`): what an enterprise says about itself
//! on the calculator, what the register holds, what a rule is evaluated against. Every field
//! is optional — a field not given is unknown, never zero — and every given field is checked.

use super::size::{self, Derived};
use super::{Ownership, Qualification, Size, is_division_code, is_industry_code};
use crate::codes::CreditCode;
use crate::validation::Invalid;
use chrono::NaiveDate;
use serde_json::{Map, Value, json};

/// The fields of a profile in the order of the form, with their Chinese labels.
pub const FIELDS: [(&str, &str); 18] = [
    ("credit_code", "统一社会信用代码"),
    ("name", "企业名称"),
    ("district", "注册地"),
    ("industry", "所属行业"),
    ("size", "企业规模"),
    ("founded_on", "成立日期"),
    ("age_years", "成立年限"),
    ("registered_capital_wan", "注册资本"),
    ("employees", "从业人员"),
    ("revenue_wan", "营业收入"),
    ("tax_paid_wan", "纳税额"),
    ("rd_expense_wan", "研发投入"),
    ("rd_ratio", "研发投入占比"),
    ("total_assets_wan", "资产总额"),
    ("qualifications", "资质"),
    ("ownership", "所有制"),
    ("export", "出口业务"),
    ("as_of", "测算日期"),
];

pub fn label(field: &str) -> &'static str {
    FIELDS.iter().find(|(f, _)| *f == field).map(|(_, l)| *l).unwrap_or("字段")
}

/// An enterprise profile as checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnterpriseProfile {
    pub credit_code: Option<String>,
    pub name: Option<String>,
    pub district: Option<String>,
    pub industry: Option<String>,
    /// Given by the enterprise; when none, [`EnterpriseProfile::size`] derives it.
    pub size: Option<Size>,
    pub founded_on: Option<NaiveDate>,
    /// Given only when the founding date is not: otherwise derived from it.
    pub age_years: Option<i64>,
    pub registered_capital_wan: Option<f64>,
    pub employees: Option<i64>,
    pub revenue_wan: Option<f64>,
    pub tax_paid_wan: Option<f64>,
    pub rd_expense_wan: Option<f64>,
    /// 0–1.
    pub rd_ratio: Option<f64>,
    pub total_assets_wan: Option<f64>,
    pub qualifications: Option<Vec<Qualification>>,
    pub ownership: Option<Ownership>,
    pub export: Option<bool>,
}

/// The size an enterprise has for matching, and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub enum SizeOf {
    Given(Size),
    /// Derived by the 2017 table from the industry group named.
    Derived(Size, &'static str),
    /// Not given and not derivable: these fields are missing.
    Unknown(Vec<&'static str>),
}

impl SizeOf {
    pub fn size(&self) -> Option<Size> {
        match self {
            SizeOf::Given(s) | SizeOf::Derived(s, _) => Some(*s),
            SizeOf::Unknown(_) => None,
        }
    }
}

/// Most money an enterprise figure may be, in 万元 (a trillion yuan): beyond it, a typo.
const MAX_WAN: f64 = 1e8;
const MAX_EMPLOYEES: i64 = 10_000_000;

impl EnterpriseProfile {
    /// Reads a profile from JSON (the API, the register's rows); `today` bounds the founding
    /// date. A field that is null or an empty string is not given. Numbers may be written as
    /// strings (forms, spreadsheets). Every problem is reported, naming the field.
    pub fn from_json(value: &Value, today: NaiveDate) -> Result<EnterpriseProfile, Invalid> {
        let mut e = Invalid::default();
        let Some(object) = value.as_object() else {
            return Err(Invalid::one("profile", "企业画像", "应为 JSON 对象"));
        };
        for key in object.keys() {
            if !FIELDS.iter().any(|(f, _)| f == key) || key == "as_of" {
                e.push(key, &format!("字段 {key}"), "不是企业画像的字段");
            }
        }
        let given = |k: &str| object.get(k).filter(|v| !v.is_null() && v.as_str().is_none_or(|s| !s.trim().is_empty()));
        let mut p = EnterpriseProfile::default();
        let text = |e: &mut Invalid, k: &str| -> Option<String> {
            let v = given(k)?;
            match v.as_str() {
                Some(s) => Some(s.trim().to_string()),
                None => {
                    e.push(k, label(k), "应为文字");
                    None
                }
            }
        };
        if let Some(c) = text(&mut e, "credit_code") {
            match CreditCode::parse(&c) {
                Ok(c) => p.credit_code = Some(c.as_str().to_string()),
                Err(err) => e.push("credit_code", label("credit_code"), err),
            }
        }
        if let Some(n) = text(&mut e, "name") {
            if n.chars().count() > 100 || n.chars().any(char::is_control) {
                e.push("name", label("name"), "不能超过 100 个字，不能含控制字符");
            } else {
                p.name = Some(n);
            }
        }
        if let Some(d) = text(&mut e, "district") {
            if is_division_code(&d) {
                p.district = Some(d);
            } else {
                e.push("district", label("district"), "应为 6 位行政区划代码，如 370102（历下区）");
            }
        }
        if let Some(i) = text(&mut e, "industry") {
            let i = i.to_ascii_uppercase();
            if is_industry_code(&i) {
                p.industry = Some(i);
            } else {
                e.push("industry", label("industry"), "应为《国民经济行业分类》(GB/T 4754-2017) 代码，如 C3911 或 I65");
            }
        }
        if let Some(s) = text(&mut e, "size") {
            match Size::parse(&s) {
                Some(s) => p.size = Some(s),
                None => e.push("size", label("size"), "应为 large、medium、small 或 micro（大型、中型、小型、微型）"),
            }
        }
        if let Some(d) = text(&mut e, "founded_on") {
            match crate::time::parse_date(&d) {
                Some(d) if d > today => e.push("founded_on", label("founded_on"), "不能晚于今天"),
                Some(d) => p.founded_on = Some(d),
                None => e.push("founded_on", label("founded_on"), "应为 YYYY-MM-DD 格式的日期"),
            }
        }
        let number = |e: &mut Invalid, k: &str, max: f64| -> Option<f64> {
            let v = given(k)?;
            let n = match v {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
                _ => None,
            };
            match n {
                None => e.push(k, label(k), "应为数字"),
                Some(n) if n < 0.0 => e.push(k, label(k), "不能为负数"),
                Some(n) if n > max => e.push(k, label(k), format!("不能大于 {max}")),
                Some(n) => return Some(n),
            }
            None
        };
        let whole = |e: &mut Invalid, k: &str, max: i64| -> Option<i64> {
            let n = number(e, k, max as f64)?;
            if n.fract() != 0.0 {
                e.push(k, label(k), "应为整数");
                return None;
            }
            Some(n as i64)
        };
        p.age_years = whole(&mut e, "age_years", 1000);
        p.employees = whole(&mut e, "employees", MAX_EMPLOYEES);
        p.registered_capital_wan = number(&mut e, "registered_capital_wan", MAX_WAN);
        p.revenue_wan = number(&mut e, "revenue_wan", MAX_WAN);
        p.tax_paid_wan = number(&mut e, "tax_paid_wan", MAX_WAN);
        p.rd_expense_wan = number(&mut e, "rd_expense_wan", MAX_WAN);
        p.total_assets_wan = number(&mut e, "total_assets_wan", MAX_WAN);
        if given("rd_ratio").is_some() {
            match number(&mut Invalid::default(), "rd_ratio", f64::MAX) {
                Some(r) if (0.0..=1.0).contains(&r) => p.rd_ratio = Some(r),
                _ => e.push("rd_ratio", label("rd_ratio"), "应为 0 到 1 之间的小数，如 0.05 表示 5%"),
            }
        }
        if let Some(v) = given("qualifications") {
            let items: Option<Vec<&str>> = match v {
                Value::Array(items) => items.iter().map(Value::as_str).collect(),
                Value::String(s) => Some(s.split([',', '，', '、', ' ']).filter(|t| !t.is_empty()).collect()),
                _ => None,
            };
            match items {
                None => e.push("qualifications", label("qualifications"), "应为资质代码的列表"),
                Some(items) => {
                    let mut list = Vec::new();
                    for item in items {
                        match Qualification::parse(item) {
                            Some(q) if !list.contains(&q) => list.push(q),
                            Some(_) => {}
                            None => {
                                e.push("qualifications", label("qualifications"), format!("“{item}”不是可选的资质"))
                            }
                        }
                    }
                    p.qualifications = Some(list);
                }
            }
        }
        if let Some(o) = text(&mut e, "ownership") {
            match Ownership::parse(&o) {
                Some(o) => p.ownership = Some(o),
                None => e.push("ownership", label("ownership"), "应为 private、state、foreign 或 mixed"),
            }
        }
        if let Some(v) = given("export") {
            match v {
                Value::Bool(b) => p.export = Some(*b),
                Value::String(s) => match s.trim() {
                    "true" | "1" | "是" | "有" => p.export = Some(true),
                    "false" | "0" | "否" | "无" => p.export = Some(false),
                    _ => e.push("export", label("export"), "应为 true 或 false"),
                },
                _ => e.push("export", label("export"), "应为 true 或 false"),
            }
        }
        e.into_result(p)
    }

    /// A profile from a form, whose fields are text: `get` gives a field's value, `all` the
    /// values of the qualification check boxes.
    pub fn from_form(
        get: &dyn Fn(&str) -> String,
        all: &dyn Fn(&str) -> Vec<String>,
        today: NaiveDate,
    ) -> Result<EnterpriseProfile, Invalid> {
        let mut object = Map::new();
        for (field, _) in FIELDS.iter().filter(|(f, _)| *f != "as_of") {
            let value = match *field {
                "qualifications" => {
                    let items = all(field);
                    // An empty list is "has none" only when the form says it gave the list.
                    if items.is_empty() && get("qualifications_given") != "1" { Value::Null } else { json!(items) }
                }
                _ => Value::String(get(field)),
            };
            object.insert(field.to_string(), value);
        }
        EnterpriseProfile::from_json(&Value::Object(object), today)
    }

    /// The profile as JSON, the fields given only (the shape `from_json` reads).
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                o.insert(k.into(), v);
            }
        };
        put("credit_code", self.credit_code.clone().map(Value::from));
        put("name", self.name.clone().map(Value::from));
        put("district", self.district.clone().map(Value::from));
        put("industry", self.industry.clone().map(Value::from));
        put("size", self.size.map(|s| s.code().into()));
        put("founded_on", self.founded_on.map(|d| d.to_string().into()));
        if self.founded_on.is_none() {
            put("age_years", self.age_years.map(Value::from));
        }
        put("registered_capital_wan", self.registered_capital_wan.map(Value::from));
        put("employees", self.employees.map(Value::from));
        put("revenue_wan", self.revenue_wan.map(Value::from));
        put("tax_paid_wan", self.tax_paid_wan.map(Value::from));
        put("rd_expense_wan", self.rd_expense_wan.map(Value::from));
        put("rd_ratio", self.rd_ratio.map(Value::from));
        put("total_assets_wan", self.total_assets_wan.map(Value::from));
        put(
            "qualifications",
            self.qualifications.as_ref().map(|q| q.iter().map(|q| q.code()).collect::<Vec<_>>().into()),
        );
        put("ownership", self.ownership.map(|o| o.code().into()));
        put("export", self.export.map(Value::from));
        Value::Object(o)
    }

    /// Whole years from the founding date to `as_of` (a birthday count), or the age given.
    pub fn age_years_at(&self, as_of: NaiveDate) -> Option<i64> {
        let Some(f) = self.founded_on else { return self.age_years };
        Some(i64::from(crate::time::whole_years(f, as_of)))
    }

    /// The size for matching: as given, else derived from the industry and its indicators.
    pub fn size(&self) -> SizeOf {
        if let Some(s) = self.size {
            return SizeOf::Given(s);
        }
        let Some(industry) = &self.industry else {
            return SizeOf::Unknown(vec!["industry"]);
        };
        match size::classify(industry, self.employees.map(|n| n as f64), self.revenue_wan, self.total_assets_wan) {
            Derived::Size { size, group } => SizeOf::Derived(size, group),
            Derived::Missing(fields) => SizeOf::Unknown(fields),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()
    }

    /// A credit code with a correct check character.
    pub(crate) fn credit_code(first17: &str) -> String {
        CreditCode::complete(first17).unwrap().as_str().to_string()
    }

    #[test]
    fn a_full_profile_reads_and_writes_back() {
        let code = credit_code("91370100MA3C5K1X2");
        let v = json!({
            "credit_code": code.to_lowercase(), "district": "370112", "industry": "c3911", "founded_on": "2019-07-01",
            "registered_capital_wan": 1000, "employees": "120", "revenue_wan": 8000.5, "rd_ratio": 0.06,
            "qualifications": ["high_tech", "专精特新企业"], "ownership": "民营", "export": "是"
        });
        let p = EnterpriseProfile::from_json(&v, today()).unwrap();
        assert_eq!(p.credit_code, Some(code));
        assert_eq!(p.industry.as_deref(), Some("C3911"));
        assert_eq!(p.employees, Some(120));
        assert_eq!(p.qualifications, Some(vec![Qualification::HighTech, Qualification::SpecializedNew]));
        assert_eq!(p.ownership, Some(Ownership::Private));
        assert_eq!(p.export, Some(true));
        assert_eq!(p.age_years_at(today()), Some(7));
        assert_eq!(p.age_years_at(NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()), Some(6));
        assert_eq!(p.size(), SizeOf::Derived(Size::Small, "工业"), "120 people are below the 300 of a medium one");
        assert_eq!(EnterpriseProfile::from_json(&p.to_json(), today()).unwrap(), p);
    }

    #[test]
    fn impossible_values_name_their_field() {
        let cases = [
            (json!({"employees": -3}), "employees", "不能为负数"),
            (json!({"employees": 2.5}), "employees", "应为整数"),
            (json!({"employees": "很多"}), "employees", "应为数字"),
            (json!({"founded_on": "2099-01-01"}), "founded_on", "不能晚于今天"),
            (json!({"founded_on": "2020-02-30"}), "founded_on", "YYYY-MM-DD"),
            (json!({"credit_code": "91370100MA3C5K1X2"}), "credit_code", "18 位"),
            (json!({"rd_ratio": 5}), "rd_ratio", "0 到 1"),
            (json!({"district": "3701"}), "district", "6 位"),
            (json!({"industry": "Z99"}), "industry", "GB/T 4754"),
            (json!({"size": "huge"}), "size", "micro"),
            (json!({"qualifications": ["nobel"]}), "qualifications", "nobel"),
            (json!({"ownership": "collective"}), "ownership", "private"),
            (json!({"export": 3}), "export", "true"),
            (json!({"revenue": 3}), "revenue", "不是企业画像的字段"),
            (json!({"revenue_wan": 1e12}), "revenue_wan", "不能大于"),
        ];
        for (v, field, words) in cases {
            let e = EnterpriseProfile::from_json(&v, today()).unwrap_err();
            let m = e.message_for(field).unwrap_or_else(|| panic!("{v}: {e}"));
            assert!(m.contains(words), "{v}: {m}");
        }
        assert!(EnterpriseProfile::from_json(&json!([1]), today()).is_err());
    }

    #[test]
    fn empty_and_null_are_not_given() {
        let p =
            EnterpriseProfile::from_json(&json!({"employees": "", "district": null, "export": " "}), today()).unwrap();
        assert_eq!(p, EnterpriseProfile::default());
        assert_eq!(p.size(), SizeOf::Unknown(vec!["industry"]));
    }
}
