//! The eligibility rule of a policy: a condition tree over the enterprise profile, stored and
//! exchanged as JSON of exactly this shape —
//! `{"all": [C, …]}`, `{"any": [C, …]}`, `{"not": C}` or a leaf
//! `{"field": F, "op": OP, "value": V}` — evaluated in three-valued logic (a field the
//! enterprise has not given is unknown), explained leaf by leaf, and read out in Chinese words.

use super::profile::{EnterpriseProfile, label};
use super::{Ownership, Qualification, Size, district_name, is_division_code};
use crate::codes::CreditCode;
use crate::validation::Invalid;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Deepest nesting a rule may have (the root is level 1).
pub const MAX_DEPTH: usize = 16;
/// Most leaves a rule may have.
pub const MAX_LEAVES: usize = 500;

code_list! {
    /// The profile fields a rule may test.
    Field {
        CreditCode = ("credit_code", "统一社会信用代码"),
        District = ("district", "注册地"),
        Industry = ("industry", "所属行业"),
        Size = ("size", "企业规模"),
        FoundedOn = ("founded_on", "成立日期"),
        AgeYears = ("age_years", "成立年限"),
        RegisteredCapitalWan = ("registered_capital_wan", "注册资本"),
        Employees = ("employees", "从业人员"),
        RevenueWan = ("revenue_wan", "营业收入"),
        TaxPaidWan = ("tax_paid_wan", "纳税额"),
        RdExpenseWan = ("rd_expense_wan", "研发投入"),
        RdRatio = ("rd_ratio", "研发投入占比"),
        TotalAssetsWan = ("total_assets_wan", "资产总额"),
        Qualifications = ("qualifications", "资质"),
        Ownership = ("ownership", "所有制"),
        Export = ("export", "出口业务"),
    }
}

code_list! {
    /// Comparison operators.
    Op {
        Eq = ("==", "等于"),
        Ne = ("!=", "不等于"),
        Lt = ("<", "小于"),
        Le = ("<=", "不大于"),
        Gt = (">", "大于"),
        Ge = (">=", "不小于"),
        In = ("in", "属于"),
        NotIn = ("not_in", "不属于"),
        Contains = ("contains", "包含"),
        Prefix = ("prefix", "开头为"),
    }
}

/// What kind of value a field holds, which decides the operators it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Code,
    Size,
    Date,
    Number,
    List,
    Choice,
    Bool,
}

impl Field {
    fn kind(self) -> Kind {
        use Field::*;
        match self {
            CreditCode | District | Industry => Kind::Code,
            Size => Kind::Size,
            FoundedOn => Kind::Date,
            AgeYears | RegisteredCapitalWan | Employees | RevenueWan | TaxPaidWan | RdExpenseWan | RdRatio
            | TotalAssetsWan => Kind::Number,
            Qualifications => Kind::List,
            Ownership => Kind::Choice,
            Export => Kind::Bool,
        }
    }

    fn ops(self) -> &'static [Op] {
        use Op::*;
        match self.kind() {
            Kind::Code => &[Eq, Ne, In, NotIn, Prefix],
            Kind::Size | Kind::Date | Kind::Number => &[Eq, Ne, Lt, Le, Gt, Ge, In, NotIn],
            Kind::List => &[Contains],
            Kind::Choice => &[Eq, Ne, In, NotIn],
            Kind::Bool => &[Eq, Ne],
        }
    }

    /// The unit a number is read out with.
    fn unit(self) -> &'static str {
        match self {
            Field::AgeYears => "年",
            Field::Employees => "人",
            Field::RdRatio => "",
            _ => "万元",
        }
    }
}

/// A typed operand, checked when the rule is read.
#[derive(Debug, Clone, PartialEq)]
enum Scalar {
    Text(String),
    Num(f64),
    Date(NaiveDate),
    Bool(bool),
    Size(Size),
    Ownership(Ownership),
    Qualification(Qualification),
}

impl Scalar {
    fn to_json(&self) -> Value {
        match self {
            Scalar::Text(s) => json!(s),
            Scalar::Num(n) => number_json(*n),
            Scalar::Date(d) => json!(d.to_string()),
            Scalar::Bool(b) => json!(b),
            Scalar::Size(s) => json!(s.code()),
            Scalar::Ownership(o) => json!(o.code()),
            Scalar::Qualification(q) => json!(q.code()),
        }
    }

    fn order(&self, other: &Scalar) -> Option<std::cmp::Ordering> {
        match (self, other) {
            (Scalar::Num(a), Scalar::Num(b)) => a.partial_cmp(b),
            (Scalar::Date(a), Scalar::Date(b)) => Some(a.cmp(b)),
            (Scalar::Size(a), Scalar::Size(b)) => Some((*a as u8).cmp(&(*b as u8))),
            _ => None,
        }
    }
}

/// Integers print without a fraction, as people wrote them.
fn number_json(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9e15 { json!(n as i64) } else { json!(n) }
}

#[derive(Debug, Clone, PartialEq)]
enum Operand {
    One(Scalar),
    Many(Vec<Scalar>),
}

/// One test of one field.
#[derive(Debug, Clone)]
pub struct Leaf {
    pub field: Field,
    pub op: Op,
    operand: Operand,
    /// What a reason says of this test whatever the enterprise, as written [0] and under a
    /// `not` [1]: made on first use and kept, since the library's rules are explained for
    /// every request of the calculator. Boxed, to keep the tree that evaluation walks small.
    said: [std::sync::OnceLock<Box<Said>>; 2],
}

/// The enterprise-independent part of a reason for one test.
#[derive(Debug, Clone)]
struct Said {
    op: Op,
    negated: bool,
    words: String,
    value: Value,
    /// The reason's JSON up to its `actual`: `{"field":…,"op":…,"value":…,"actual":`.
    head: Vec<u8>,
    /// The words as the inside of a JSON string.
    words_json: Vec<u8>,
}

impl Said {
    fn of(l: &Leaf, under_not: bool) -> Said {
        let (op, negated) = match (under_not, opposite(l.op)) {
            (false, _) => (l.op, false),
            (true, Some(o)) => (o, false),
            (true, None) => (l.op, true),
        };
        let words = leaf_words(l, op, negated);
        let value = l.value();
        let mut head = br#"{"field":""#.to_vec();
        head.extend_from_slice(l.field.code().as_bytes());
        head.extend_from_slice(br#"","op":""#);
        head.extend_from_slice(op.code().as_bytes());
        head.extend_from_slice(br#"","value":"#);
        head.extend_from_slice(value.to_string().as_bytes());
        head.extend_from_slice(br#","actual":"#);
        Said { op, negated, words_json: string_inside(&words), words, value, head }
    }
}

/// A string as it stands between the quotes of a JSON string (escaping is per character, so
/// such insides join as their strings do).
fn string_inside(s: &str) -> Vec<u8> {
    let quoted = Value::from(s).to_string();
    quoted.as_bytes()[1..quoted.len() - 1].to_vec()
}

/// Two tests are the same by their field, operator and value (never by what is cached).
impl PartialEq for Leaf {
    fn eq(&self, other: &Leaf) -> bool {
        self.field == other.field && self.op == other.op && self.operand == other.operand
    }
}

impl Leaf {
    /// The value as it is stored (codes normalised).
    pub fn value(&self) -> Value {
        match &self.operand {
            Operand::One(s) => s.to_json(),
            Operand::Many(items) => Value::Array(items.iter().map(Scalar::to_json).collect()),
        }
    }

    /// The text values of a code field's positive test (`==`, `in`, `prefix`), for facets.
    pub fn codes(&self) -> Vec<String> {
        if !matches!(self.op, Op::Eq | Op::In | Op::Prefix) {
            return vec![];
        }
        let items = match &self.operand {
            Operand::One(s) => std::slice::from_ref(s),
            Operand::Many(items) => items.as_slice(),
        };
        items
            .iter()
            .filter_map(|s| match s {
                Scalar::Text(t) => Some(t.clone()),
                Scalar::Size(s) => Some(s.code().into()),
                Scalar::Ownership(o) => Some(o.code().into()),
                Scalar::Qualification(q) => Some(q.code().into()),
                _ => None,
            })
            .collect()
    }
}

/// A condition tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    All(Vec<Rule>),
    Any(Vec<Rule>),
    Not(Box<Rule>),
    Leaf(Leaf),
}

/// Three-valued truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Truth {
    True,
    False,
    Unknown,
}

impl std::ops::Not for Truth {
    type Output = Truth;

    /// Swaps true and false and keeps unknown.
    fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }
}

struct Reader {
    leaves: usize,
}

fn problem(path: &str, message: impl std::fmt::Display) -> Invalid {
    let at = if path.is_empty() { String::new() } else { format!("{path}：") };
    Invalid::one("rule", "适用条件", format!("{at}{message}"))
}

impl Rule {
    /// Reads and checks a rule; a problem names where it is (`all[1].any[0]`).
    pub fn from_json(value: &Value) -> Result<Rule, Invalid> {
        Reader { leaves: 0 }.read(value, "", 1)
    }

    /// Reads a rule from its JSON text.
    pub fn parse(text: &str) -> Result<Rule, Invalid> {
        let value: Value = serde_json::from_str(text).map_err(|e| problem("", format!("不是有效的 JSON（{e}）")))?;
        Rule::from_json(&value)
    }

    /// The rule as JSON of the documented shape.
    pub fn to_json(&self) -> Value {
        match self {
            Rule::All(parts) => json!({ "all": parts.iter().map(Rule::to_json).collect::<Vec<_>>() }),
            Rule::Any(parts) => json!({ "any": parts.iter().map(Rule::to_json).collect::<Vec<_>>() }),
            Rule::Not(part) => json!({ "not": part.to_json() }),
            Rule::Leaf(l) => json!({ "field": l.field.code(), "op": l.op.code(), "value": l.value() }),
        }
    }

    /// Every leaf, depth first.
    pub fn leaves(&self) -> Vec<&Leaf> {
        let mut out = Vec::new();
        fn walk<'a>(r: &'a Rule, out: &mut Vec<&'a Leaf>) {
            match r {
                Rule::All(parts) | Rule::Any(parts) => parts.iter().for_each(|p| walk(p, out)),
                Rule::Not(p) => walk(p, out),
                Rule::Leaf(l) => out.push(l),
            }
        }
        walk(self, &mut out);
        out
    }
}

impl Reader {
    fn read(&mut self, value: &Value, path: &str, depth: usize) -> Result<Rule, Invalid> {
        if depth > MAX_DEPTH {
            return Err(problem(path, format!("条件嵌套超过 {MAX_DEPTH} 层")));
        }
        let Some(object) = value.as_object() else {
            return Err(problem(
                path,
                "每个条件应为 JSON 对象：{\"all\": […]}、{\"any\": […]}、{\"not\": …} 或 {\"field\", \"op\", \"value\"}",
            ));
        };
        let keys: Vec<&str> = object.keys().map(String::as_str).collect();
        let join = |key: &str| if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
        match keys.as_slice() {
            [k @ ("all" | "any")] => {
                let Some(items) = object[*k].as_array() else {
                    return Err(problem(&join(k), "应为条件的列表"));
                };
                let mut parts = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    parts.push(self.read(item, &format!("{}[{i}]", join(k)), depth + 1)?);
                }
                Ok(if *k == "all" { Rule::All(parts) } else { Rule::Any(parts) })
            }
            ["not"] => Ok(Rule::Not(Box::new(self.read(&object["not"], &join("not"), depth + 1)?))),
            _ if object.contains_key("field") || object.contains_key("op") || object.contains_key("value") => {
                for k in &keys {
                    if !["field", "op", "value"].contains(k) {
                        return Err(problem(path, format!("条件中不能有“{k}”，只能有 field、op 和 value")));
                    }
                }
                self.leaves += 1;
                if self.leaves > MAX_LEAVES {
                    return Err(problem(path, format!("条件超过 {MAX_LEAVES} 个")));
                }
                Ok(Rule::Leaf(read_leaf(object, path)?))
            }
            _ => Err(problem(
                path,
                format!("不认识的条件（应为 all、any、not 之一，或 field/op/value 的比较）：{}", keys.join("、")),
            )),
        }
    }
}

fn read_leaf(object: &serde_json::Map<String, Value>, path: &str) -> Result<Leaf, Invalid> {
    let name =
        object.get("field").and_then(Value::as_str).ok_or_else(|| problem(path, "缺少 field（企业画像的字段名）"))?;
    let field = Field::from_code(name).ok_or_else(|| problem(path, format!("“{name}”不是企业画像的字段")))?;
    let op_name = object.get("op").and_then(Value::as_str).ok_or_else(|| problem(path, "缺少 op（比较方式）"))?;
    let op = Op::from_code(op_name).ok_or_else(|| {
        problem(path, format!("“{op_name}”不是可用的比较方式（==、!=、<、<=、>、>=、in、not_in、contains、prefix）"))
    })?;
    if !field.ops().contains(&op) {
        let ops: Vec<&str> = field.ops().iter().map(|o| o.code()).collect();
        return Err(problem(
            path,
            format!("{}（{name}）不能用“{op_name}”比较，可用：{}", field.label(), ops.join("、")),
        ));
    }
    let value = object.get("value").ok_or_else(|| problem(path, "缺少 value（比较的值）"))?;
    let at = format!("{}{}", if path.is_empty() { "" } else { path }, if path.is_empty() { "value" } else { ".value" });
    let operand = match op {
        Op::In | Op::NotIn | Op::Prefix => {
            let items = value.as_array().filter(|a| !a.is_empty()).ok_or_else(|| problem(&at, "应为非空的列表"))?;
            if items.len() > 1000 {
                return Err(problem(&at, "列表不能超过 1000 项"));
            }
            let mut scalars = Vec::with_capacity(items.len());
            for item in items {
                scalars.push(if op == Op::Prefix { prefix(field, item, &at)? } else { scalar(field, item, &at)? });
            }
            Operand::Many(scalars)
        }
        Op::Contains => Operand::One(qualification(value, &at)?),
        _ => Operand::One(scalar(field, value, &at)?),
    };
    Ok(Leaf { field, op, operand, said: Default::default() })
}

fn qualification(v: &Value, at: &str) -> Result<Scalar, Invalid> {
    let s = v.as_str().ok_or_else(|| problem(at, "应为资质代码（文字）"))?;
    Qualification::parse(s).map(Scalar::Qualification).ok_or_else(|| {
        let all: Vec<&str> = Qualification::ALL.iter().map(|q| q.code()).collect();
        problem(at, format!("“{s}”不是可选的资质（{}）", all.join("、")))
    })
}

fn prefix(field: Field, v: &Value, at: &str) -> Result<Scalar, Invalid> {
    let s = v.as_str().map(str::trim).filter(|s| !s.is_empty()).ok_or_else(|| problem(at, "前缀应为非空的文字"))?;
    let s = s.to_ascii_uppercase();
    let ok = match field {
        Field::Industry => {
            let mut c = s.chars();
            c.next().is_some_and(|l| ('A'..='T').contains(&l)) && s.len() <= 5 && c.all(|d| d.is_ascii_digit())
        }
        Field::District => s.len() <= 6 && s.bytes().all(|b| b.is_ascii_digit()),
        _ => s.len() <= 18 && s.bytes().all(|b| b.is_ascii_alphanumeric()),
    };
    if !ok {
        return Err(problem(at, format!("“{s}”不是{}代码的开头", field.label())));
    }
    Ok(Scalar::Text(s))
}

fn scalar(field: Field, v: &Value, at: &str) -> Result<Scalar, Invalid> {
    let text = || v.as_str().map(str::trim).ok_or_else(|| problem(at, format!("{}的值应为文字", field.label())));
    Ok(match field.kind() {
        Kind::Code => {
            let s = text()?;
            match field {
                Field::District if !is_division_code(s) => {
                    return Err(problem(at, format!("“{s}”不是 6 位行政区划代码")));
                }
                Field::Industry if !super::is_industry_code(&s.to_ascii_uppercase()) => {
                    return Err(problem(at, format!("“{s}”不是国民经济行业分类代码")));
                }
                Field::CreditCode => {
                    let c = CreditCode::parse(s).map_err(|e| problem(at, format!("统一社会信用代码{e}")))?;
                    return Ok(Scalar::Text(c.as_str().to_string()));
                }
                _ => {}
            }
            Scalar::Text(s.to_ascii_uppercase())
        }
        Kind::Size => {
            let s = text()?;
            Scalar::Size(
                Size::parse(s)
                    .ok_or_else(|| problem(at, format!("“{s}”不是企业规模（large、medium、small、micro）")))?,
            )
        }
        Kind::Choice => {
            let s = text()?;
            Scalar::Ownership(
                Ownership::parse(s)
                    .ok_or_else(|| problem(at, format!("“{s}”不是所有制（private、state、foreign、mixed）")))?,
            )
        }
        Kind::Date => {
            let s = text()?;
            Scalar::Date(
                crate::time::parse_date(s).ok_or_else(|| problem(at, format!("“{s}”不是 YYYY-MM-DD 格式的日期")))?,
            )
        }
        Kind::Number => {
            let n = v
                .as_f64()
                .filter(|n| n.is_finite())
                .ok_or_else(|| problem(at, format!("{}的值应为数字", field.label())))?;
            if field == Field::RdRatio && !(0.0..=1.0).contains(&n) {
                return Err(problem(at, "研发投入占比应为 0 到 1 之间的小数，如 0.05 表示 5%"));
            }
            Scalar::Num(n)
        }
        Kind::Bool => Scalar::Bool(v.as_bool().ok_or_else(|| problem(at, "出口业务的值应为 true 或 false"))?),
        Kind::List => qualification(v, at)?,
    })
}

/// The values of a profile's fields at a date, computed once for evaluating many rules.
#[derive(Debug, Clone)]
pub struct Facts {
    values: Vec<Option<Fact>>,
    /// Each field's value as a reason quotes it, made when a reason first does and kept: a
    /// calculation gives thousands of reasons, while a run over the register makes one set of
    /// facts per enterprise for a single rule.
    actual: Vec<std::sync::OnceLock<Quote>>,
}

/// A field's value as reasons quote it.
#[derive(Debug, Clone)]
struct Quote {
    /// As JSON (null when not given).
    value: Value,
    /// The words added to a reason's text, “（企业情况：…）”, empty when not given.
    words: String,
    /// `value` written out, and `words` as the inside of a JSON string.
    value_json: Vec<u8>,
    words_json: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq)]
enum Fact {
    One(Scalar),
    List(Vec<Qualification>),
}

impl Facts {
    pub fn of(p: &EnterpriseProfile, as_of: NaiveDate) -> Facts {
        let values = Field::ALL
            .iter()
            .map(|f| {
                let num = |n: Option<f64>| n.map(|n| Fact::One(Scalar::Num(n)));
                let text = |t: &Option<String>| t.clone().map(|t| Fact::One(Scalar::Text(t)));
                match f {
                    Field::CreditCode => text(&p.credit_code),
                    Field::District => text(&p.district),
                    Field::Industry => text(&p.industry),
                    Field::Size => p.size().size().map(|s| Fact::One(Scalar::Size(s))),
                    Field::FoundedOn => p.founded_on.map(|d| Fact::One(Scalar::Date(d))),
                    Field::AgeYears => num(p.age_years_at(as_of).map(|a| a as f64)),
                    Field::RegisteredCapitalWan => num(p.registered_capital_wan),
                    Field::Employees => num(p.employees.map(|n| n as f64)),
                    Field::RevenueWan => num(p.revenue_wan),
                    Field::TaxPaidWan => num(p.tax_paid_wan),
                    Field::RdExpenseWan => num(p.rd_expense_wan),
                    Field::RdRatio => num(p.rd_ratio),
                    Field::TotalAssetsWan => num(p.total_assets_wan),
                    Field::Qualifications => p.qualifications.clone().map(Fact::List),
                    Field::Ownership => p.ownership.map(|o| Fact::One(Scalar::Ownership(o))),
                    Field::Export => p.export.map(|b| Fact::One(Scalar::Bool(b))),
                }
            })
            .collect();
        Facts { values, actual: Field::ALL.iter().map(|_| std::sync::OnceLock::new()).collect() }
    }

    /// [`Facts::actual`] with its words, made once.
    fn quoted(&self, f: Field) -> &Quote {
        self.actual[f as usize].get_or_init(|| {
            let value = self.actual(f);
            let words = if value.is_null() {
                String::new()
            } else {
                format!("（企业情况：{}）", actual_words(f, &value))
            };
            Quote { value_json: value.to_string().into_bytes(), words_json: string_inside(&words), value, words }
        })
    }

    fn get(&self, f: Field) -> Option<&Fact> {
        self.values[f as usize].as_ref()
    }

    /// A field's value as JSON, or null when not given (the `actual` of a reason).
    pub fn actual(&self, f: Field) -> Value {
        match self.get(f) {
            None => Value::Null,
            Some(Fact::One(s)) => s.to_json(),
            Some(Fact::List(l)) => json!(l.iter().map(|q| q.code()).collect::<Vec<_>>()),
        }
    }

    /// A numeric field's value (for amounts).
    pub fn number(&self, f: Field) -> Option<f64> {
        match self.get(f) {
            Some(Fact::One(Scalar::Num(n))) => Some(*n),
            _ => None,
        }
    }
}

impl Leaf {
    pub fn eval(&self, facts: &Facts) -> Truth {
        let Some(fact) = facts.get(self.field) else { return Truth::Unknown };
        let yes = |b: bool| if b { Truth::True } else { Truth::False };
        match (fact, &self.operand) {
            (Fact::List(list), Operand::One(Scalar::Qualification(q))) => yes(list.contains(q)),
            (Fact::One(actual), Operand::One(v)) => match self.op {
                Op::Eq => yes(actual == v),
                Op::Ne => yes(actual != v),
                op => match actual.order(v) {
                    Some(o) => yes(match op {
                        Op::Lt => o.is_lt(),
                        Op::Le => o.is_le(),
                        Op::Gt => o.is_gt(),
                        _ => o.is_ge(),
                    }),
                    None => Truth::Unknown,
                },
            },
            (Fact::One(actual), Operand::Many(items)) => match (self.op, actual) {
                (Op::Prefix, Scalar::Text(t)) => {
                    yes(items.iter().any(|p| matches!(p, Scalar::Text(p) if t.starts_with(p.as_str()))))
                }
                (Op::In, _) => yes(items.contains(actual)),
                (Op::NotIn, _) => yes(!items.contains(actual)),
                _ => Truth::Unknown,
            },
            _ => Truth::Unknown,
        }
    }
}

impl Rule {
    /// The rule's truth for these facts.
    pub fn eval(&self, facts: &Facts) -> Truth {
        match self {
            Rule::Leaf(l) => l.eval(facts),
            Rule::Not(p) => !p.eval(facts),
            Rule::All(parts) => {
                let mut unknown = false;
                for p in parts {
                    match p.eval(facts) {
                        Truth::False => return Truth::False,
                        Truth::Unknown => unknown = true,
                        Truth::True => {}
                    }
                }
                if unknown { Truth::Unknown } else { Truth::True }
            }
            Rule::Any(parts) => {
                let mut unknown = false;
                for p in parts {
                    match p.eval(facts) {
                        Truth::True => return Truth::True,
                        Truth::Unknown => unknown = true,
                        Truth::False => {}
                    }
                }
                if unknown { Truth::Unknown } else { Truth::False }
            }
        }
    }

    /// The truth with its reasons: for true, the tests that made it so; for false, the tests
    /// that failed; for unknown, the fields whose absence leaves it open.
    pub fn explain(&self, facts: &Facts) -> Explained {
        let truth = self.eval(facts);
        let mut reasons = Vec::new();
        let mut unknown = Vec::new();
        match truth {
            Truth::Unknown => self.open_fields(facts, &mut unknown),
            decided => self.witness(facts, decided, false, &mut |l, n| reasons.push(Reason::of(l, facts, n))),
        }
        Explained { truth, reasons, unknown }
    }

    /// The `reasons` of [`Rule::explain`] for this rule, which has the truth `truth`, written
    /// straight as the JSON list that serialising them gives (`[]` for unknown): the
    /// calculator sends the failed tests of thousands of policies per request, and this
    /// copies each test's kept words and the enterprise's kept figures instead of building a
    /// [`Reason`] and serialising it.
    pub fn write_reasons(&self, facts: &Facts, truth: Truth, out: &mut Vec<u8>) {
        out.push(b'[');
        if truth != Truth::Unknown {
            let mut first = true;
            self.witness(facts, truth, false, &mut |l, under_not| {
                if !std::mem::take(&mut first) {
                    out.push(b',');
                }
                let said = l.said(under_not);
                let quote = facts.quoted(l.field);
                out.extend_from_slice(&said.head);
                out.extend_from_slice(&quote.value_json);
                out.extend_from_slice(br#","text":""#);
                out.extend_from_slice(&said.words_json);
                out.extend_from_slice(&quote.words_json);
                out.push(b'"');
                if said.negated {
                    out.extend_from_slice(br#","negated":true"#);
                }
                out.push(b'}');
            });
        }
        out.push(b']');
    }

    /// Hands `leaf` each test that gives this part the truth `want` (which it has), with
    /// whether it sits under an odd number of `not`s (so is reported turned round).
    fn witness(&self, facts: &Facts, want: Truth, negated: bool, leaf: &mut impl FnMut(&Leaf, bool)) {
        match self {
            Rule::Leaf(l) => leaf(l, negated),
            Rule::Not(p) => p.witness(facts, !want, !negated, leaf),
            Rule::All(parts) | Rule::Any(parts) => {
                let conjunction = matches!(self, Rule::All(_));
                // An `all` is true by all its parts, false by its false ones; an `any` the
                // other way round.
                let every = (conjunction && want == Truth::True) || (!conjunction && want == Truth::False);
                for p in parts {
                    if p.eval(facts) == want {
                        p.witness(facts, want, negated, leaf);
                        if !every {
                            break;
                        }
                    }
                }
            }
        }
    }

    fn open_fields(&self, facts: &Facts, out: &mut Vec<Field>) {
        match self {
            Rule::Leaf(l) => {
                if !out.contains(&l.field) {
                    out.push(l.field);
                }
            }
            Rule::Not(p) => p.open_fields(facts, out),
            Rule::All(parts) | Rule::Any(parts) => {
                for p in parts.iter().filter(|p| p.eval(facts) == Truth::Unknown) {
                    p.open_fields(facts, out);
                }
            }
        }
    }
}

/// A rule's truth for a profile and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Explained {
    pub truth: Truth,
    /// True or false: the deciding tests.
    pub reasons: Vec<Reason>,
    /// Unknown: the fields to fill in.
    pub unknown: Vec<Field>,
}

/// One test and how the profile met or failed it, in codes and in words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    pub field: &'static str,
    pub op: &'static str,
    pub value: Value,
    pub actual: Value,
    /// The test in words, e.g. “研发投入占比不低于5%（填写的是 3%）”.
    pub text: String,
    /// The test sits under a `not` and has no opposite operator to be shown with.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub negated: bool,
}

impl Reason {
    fn of(l: &Leaf, facts: &Facts, under_not: bool) -> Reason {
        let said = l.said(under_not);
        let quote = facts.quoted(l.field);
        Reason {
            field: l.field.code(),
            op: said.op.code(),
            value: said.value.clone(),
            actual: quote.value.clone(),
            text: format!("{}{}", said.words, quote.words),
            negated: said.negated,
        }
    }
}

impl Leaf {
    fn said(&self, under_not: bool) -> &Said {
        self.said[usize::from(under_not)].get_or_init(|| Box::new(Said::of(self, under_not)))
    }
}

fn opposite(op: Op) -> Option<Op> {
    Some(match op {
        Op::Eq => Op::Ne,
        Op::Ne => Op::Eq,
        Op::Lt => Op::Ge,
        Op::Ge => Op::Lt,
        Op::Le => Op::Gt,
        Op::Gt => Op::Le,
        Op::In => Op::NotIn,
        Op::NotIn => Op::In,
        Op::Contains | Op::Prefix => return None,
    })
}

// ---------------------------------------------------------------------------------------
// The console's condition rows

/// One row of the console's condition builder: rows of the same group are alternatives
/// (“或”), groups all apply (“且”). The value is typed as text; lists are separated by commas
/// or 、.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleRow {
    pub group: u32,
    pub field: String,
    pub op: String,
    pub value: String,
}

/// The rule of the builder's rows (rows without a field are skipped): one row is that test,
/// otherwise `all` of the groups, each group `any` of its rows.
pub fn from_rows(rows: &[RuleRow]) -> Result<Rule, Invalid> {
    let mut groups: std::collections::BTreeMap<u32, Vec<Value>> = Default::default();
    for (i, row) in rows.iter().enumerate().filter(|(_, r)| !r.field.trim().is_empty()) {
        let field = Field::from_code(row.field.trim())
            .ok_or_else(|| problem(&format!("第 {} 行", i + 1), format!("“{}”不是企业画像的字段", row.field)))?;
        let op = Op::from_code(row.op.trim()).unwrap_or(Op::Eq);
        let leaf = json!({ "field": field.code(), "op": op.code(), "value": typed_value(field, op, &row.value) });
        Rule::from_json(&leaf)
            .map_err(|e| problem(&format!("第 {} 行", i + 1), e.0[0].message.trim_start_matches("适用条件：")))?;
        groups.entry(row.group).or_default().push(leaf);
    }
    let mut parts: Vec<Value> =
        groups.into_values().map(|mut g| if g.len() == 1 { g.remove(0) } else { json!({ "any": g }) }).collect();
    let rule = match parts.len() {
        0 => json!({ "all": [] }),
        1 => parts.remove(0),
        _ => json!({ "all": parts }),
    };
    Rule::from_json(&rule)
}

/// The text of a row's value read by its field: numbers (a ratio may be written “5%”),
/// yes or no, or a list for `in`, `not_in` and `prefix`.
fn typed_value(field: Field, op: Op, text: &str) -> Value {
    let one = |t: &str| -> Value {
        let t = t.trim();
        match field.kind() {
            Kind::Number => {
                let (num, pct) = match t.strip_suffix(['%', '％']) {
                    Some(n) => (n.trim(), true),
                    None => (t, false),
                };
                match num.parse::<f64>() {
                    Ok(n) if pct => number_json(n / 100.0),
                    Ok(n) => number_json(n),
                    Err(_) => json!(t),
                }
            }
            Kind::Bool => match t {
                "true" | "是" | "有" | "1" => json!(true),
                "false" | "否" | "无" | "0" => json!(false),
                _ => json!(t),
            },
            _ => json!(t),
        }
    };
    match op {
        Op::In | Op::NotIn | Op::Prefix => Value::Array(
            text.split([',', '，', '、', ';', '；']).map(str::trim).filter(|t| !t.is_empty()).map(one).collect(),
        ),
        _ => one(text),
    }
}

/// The builder's rows of a rule, when it has their shape (a test, tests that all apply, or
/// groups of alternatives that all apply); otherwise none, and the console shows the JSON.
pub fn to_rows(rule: &Rule) -> Option<Vec<RuleRow>> {
    let row = |group: u32, l: &Leaf| {
        let value = match l.value() {
            Value::Array(items) => items.iter().map(value_text).collect::<Vec<_>>().join("、"),
            v => value_text(&v),
        };
        RuleRow { group, field: l.field.code().into(), op: l.op.code().into(), value }
    };
    let group_rows = |group: u32, r: &Rule| -> Option<Vec<RuleRow>> {
        match r {
            Rule::Leaf(l) => Some(vec![row(group, l)]),
            Rule::Any(parts) => {
                parts.iter().map(|p| if let Rule::Leaf(l) = p { Some(row(group, l)) } else { None }).collect()
            }
            _ => None,
        }
    };
    match rule {
        Rule::All(parts) => {
            let mut rows = Vec::new();
            for (g, p) in parts.iter().enumerate() {
                rows.extend(group_rows(g as u32 + 1, p)?);
            }
            Some(rows)
        }
        other => group_rows(1, other),
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------------------------------
// Words

/// The rule in Chinese, e.g. “注册地在历下区或历城区，且为高新技术企业或研发投入占比不低于5%”.
pub fn describe(rule: &Rule) -> String {
    match rule {
        Rule::All(parts) if parts.is_empty() => "所有企业".into(),
        Rule::Any(parts) if parts.is_empty() => "无（任何企业都不符合）".into(),
        _ => words(rule),
    }
}

fn words(rule: &Rule) -> String {
    match rule {
        Rule::Leaf(l) => leaf_words(l, l.op, false),
        Rule::Not(p) => match p.as_ref() {
            Rule::Leaf(l) => match opposite(l.op) {
                Some(op) => leaf_words(l, op, false),
                None => leaf_words(l, l.op, true),
            },
            other => format!("不属于“{}”的情形", words(other)),
        },
        Rule::All(parts) => parts
            .iter()
            .map(|p| match p {
                Rule::All(inner) if inner.len() > 1 => format!("（{}）", words(p)),
                _ => words(p),
            })
            .collect::<Vec<_>>()
            .join("，且"),
        Rule::Any(parts) => parts
            .iter()
            .map(|p| match p {
                Rule::All(inner) if inner.len() > 1 => format!("（{}）", words(p)),
                _ => words(p),
            })
            .collect::<Vec<_>>()
            .join("或"),
    }
}

fn number_words(field: Field, n: f64) -> String {
    let n = if field == Field::RdRatio { n * 100.0 } else { n };
    let shown = if n.fract() == 0.0 { format!("{}", n as i64) } else { format!("{}", (n * 10000.0).round() / 10000.0) };
    if field == Field::RdRatio { format!("{shown}%") } else { format!("{shown}{}", field.unit()) }
}

fn scalar_words(field: Field, s: &Scalar) -> String {
    match s {
        Scalar::Text(t) if field == Field::District => district_name(t),
        Scalar::Text(t) if field == Field::Industry => industry_words(t),
        Scalar::Text(t) => t.clone(),
        Scalar::Num(n) => number_words(field, *n),
        Scalar::Date(d) => format!("{}", d.format("%Y年%-m月%-d日")),
        Scalar::Bool(b) => (if *b { "有" } else { "无" }).into(),
        Scalar::Size(s) => s.label().into(),
        Scalar::Ownership(o) => o.label().into(),
        Scalar::Qualification(q) => q.label().into(),
    }
}

fn actual_words(field: Field, v: &Value) -> String {
    match (field, v) {
        (Field::Qualifications, Value::Array(items)) if items.is_empty() => "无".into(),
        (Field::Qualifications, Value::Array(items)) => items
            .iter()
            .filter_map(|q| q.as_str().and_then(Qualification::from_code).map(|q| q.label()))
            .collect::<Vec<_>>()
            .join("、"),
        (_, Value::Number(n)) => number_words(field, n.as_f64().unwrap_or_default()),
        (Field::District, Value::String(s)) => district_name(s),
        (Field::Industry, Value::String(s)) => s.clone(),
        (Field::Size, Value::String(s)) => Size::from_code(s).map(|s| s.label().to_string()).unwrap_or_default(),
        (Field::Ownership, Value::String(s)) => {
            Ownership::from_code(s).map(|s| s.label().to_string()).unwrap_or_default()
        }
        (Field::FoundedOn, Value::String(s)) => {
            crate::time::parse_date(s).map(|d| format!("{}", d.format("%Y年%-m月%-d日"))).unwrap_or_default()
        }
        (_, Value::Bool(b)) => (if *b { "有" } else { "无" }).into(),
        (_, Value::String(s)) => s.clone(),
        _ => v.to_string(),
    }
}

/// GB/T 4754-2017's twenty sections, for reading industry codes out.
const SECTIONS: [(char, &str); 20] = [
    ('A', "农、林、牧、渔业"),
    ('B', "采矿业"),
    ('C', "制造业"),
    ('D', "电力、热力、燃气及水生产和供应业"),
    ('E', "建筑业"),
    ('F', "批发和零售业"),
    ('G', "交通运输、仓储和邮政业"),
    ('H', "住宿和餐饮业"),
    ('I', "信息传输、软件和信息技术服务业"),
    ('J', "金融业"),
    ('K', "房地产业"),
    ('L', "租赁和商务服务业"),
    ('M', "科学研究和技术服务业"),
    ('N', "水利、环境和公共设施管理业"),
    ('O', "居民服务、修理和其他服务业"),
    ('P', "教育"),
    ('Q', "卫生和社会工作"),
    ('R', "文化、体育和娱乐业"),
    ('S', "公共管理、社会保障和社会组织"),
    ('T', "国际组织"),
];

/// “A、B或C”.
fn or_list(words: &[String]) -> String {
    match words.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{}或{last}", rest.join("、")),
    }
}

/// Industry prefixes: sections by name, other codes together (“制造业（C）或C13、C14类行业”).
fn industry_prefixes(items: &[Scalar]) -> String {
    let codes: Vec<&str> =
        items.iter().filter_map(|s| if let Scalar::Text(t) = s { Some(t.as_str()) } else { None }).collect();
    let mut words: Vec<String> = codes.iter().filter(|c| c.len() == 1).map(|c| industry_words(c)).collect();
    let classes: Vec<&str> = codes.iter().copied().filter(|c| c.len() > 1).collect();
    if !classes.is_empty() {
        words.push(format!("{}类行业", classes.join("、")));
    }
    or_list(&words)
}

fn industry_words(code: &str) -> String {
    match SECTIONS.iter().find(|(c, _)| code.len() == 1 && code.starts_with(*c)) {
        Some((c, name)) => format!("{name}（{c}）"),
        None => format!("{code}类行业"),
    }
}

/// A test in words, with `op` for the leaf's own (a test under `not` is read with its
/// opposite) and `negated` when it has none.
fn leaf_words(l: &Leaf, op: Op, negated: bool) -> String {
    let f = l.field;
    let many = |sep: &str| match &l.operand {
        Operand::Many(items) if f == Field::Industry && op == Op::Prefix => industry_prefixes(items),
        Operand::Many(items) => {
            let words: Vec<String> = items.iter().map(|s| scalar_words(f, s)).collect();
            if sep == "或" { or_list(&words) } else { words.join(sep) }
        }
        Operand::One(s) => scalar_words(f, s),
    };
    let one = || many("");
    match (f, op) {
        (Field::Qualifications, _) => format!("{}{}", if negated { "不是" } else { "为" }, one()),
        (Field::District, Op::Eq | Op::In) => format!("注册地在{}", many("或")),
        (Field::District, Op::Ne | Op::NotIn) => format!("注册地不在{}", many("、")),
        (Field::District, _) => format!("注册地区划代码{}以{}开头", if negated { "不" } else { "" }, many("或")),
        (Field::Industry, Op::Eq | Op::In) => format!("所属行业为{}", many("或")),
        (Field::Industry, Op::Ne | Op::NotIn) => format!("所属行业不是{}", many("、")),
        (Field::Industry, _) => format!("所属行业{}{}", if negated { "不属于" } else { "属于" }, many("或")),
        (Field::CreditCode, Op::Eq | Op::In) => format!("统一社会信用代码为{}", many("或")),
        (Field::CreditCode, Op::Ne | Op::NotIn) => format!("统一社会信用代码不是{}", many("、")),
        (Field::CreditCode, _) => format!("统一社会信用代码{}以{}开头", if negated { "不" } else { "" }, many("或")),
        (Field::Size, Op::Eq | Op::In) => format!("为{}企业", many("或")),
        (Field::Size, Op::Ne | Op::NotIn) => format!("不是{}企业", many("或")),
        (Field::Size, Op::Lt) => format!("企业规模在{}以下", one()),
        (Field::Size, Op::Le) => format!("企业规模为{}及以下", one()),
        (Field::Size, Op::Gt) => format!("企业规模在{}以上", one()),
        (Field::Size, _) => format!("企业规模为{}及以上", one()),
        (Field::Ownership, Op::Eq | Op::In) => format!("为{}企业", many("或")),
        (Field::Ownership, _) => format!("不是{}企业", many("或")),
        (Field::Export, op) => {
            let has = matches!(&l.operand, Operand::One(Scalar::Bool(true))) == (op == Op::Eq);
            (if has { "有出口业务" } else { "无出口业务" }).into()
        }
        (Field::FoundedOn, Op::Lt) => format!("成立于{}之前", one()),
        (Field::FoundedOn, Op::Le) => format!("成立日期不晚于{}", one()),
        (Field::FoundedOn, Op::Gt) => format!("成立于{}之后", one()),
        (Field::FoundedOn, Op::Ge) => format!("成立日期不早于{}", one()),
        (Field::FoundedOn, Op::Eq | Op::In) => format!("成立于{}", many("或")),
        (Field::FoundedOn, _) => format!("成立日期不是{}", many("、")),
        (f, op) => {
            let counted = matches!(f, Field::Employees | Field::AgeYears);
            let cmp = match op {
                Op::Lt if counted => "少于",
                Op::Lt => "低于",
                Op::Le => "不超过",
                Op::Gt if counted => "多于",
                Op::Gt => "高于",
                Op::Ge if counted => "不少于",
                Op::Ge => "不低于",
                Op::Eq | Op::In => "为",
                _ => "不为",
            };
            let sep = if matches!(op, Op::In) { "或" } else { "、" };
            format!("{}{cmp}{}", label(f.code()), many(sep))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rule(v: Value) -> Rule {
        Rule::from_json(&v).unwrap_or_else(|e| panic!("{v}: {e}"))
    }

    #[test]
    fn the_issue_s_example_reads_as_written() {
        let r = rule(json!({"all": [
            {"field": "district", "op": "in", "value": ["370102", "370112"]},
            {"any": [
                {"field": "qualifications", "op": "contains", "value": "high_tech"},
                {"field": "rd_ratio", "op": ">=", "value": 0.05}
            ]}
        ]}));
        assert_eq!(describe(&r), "注册地在历下区或历城区，且为高新技术企业或研发投入占比不低于5%");
        assert_eq!(Rule::from_json(&r.to_json()).unwrap(), r, "round trip");
    }

    #[test]
    fn words_for_each_kind() {
        let cases = [
            (json!({"field": "employees", "op": "<", "value": 300}), "从业人员少于300人"),
            (json!({"field": "revenue_wan", "op": ">=", "value": 2000}), "营业收入不低于2000万元"),
            (json!({"field": "age_years", "op": "<=", "value": 5}), "成立年限不超过5年"),
            (json!({"field": "size", "op": "<=", "value": "medium"}), "企业规模为中型及以下"),
            (json!({"field": "size", "op": "in", "value": ["small", "micro"]}), "为小型或微型企业"),
            (json!({"field": "industry", "op": "prefix", "value": ["C", "I65"]}), "所属行业属于制造业（C）或I65类行业"),
            (
                json!({"field": "industry", "op": "prefix", "value": ["C13", "C14", "C15"]}),
                "所属行业属于C13、C14、C15类行业",
            ),
            (json!({"field": "size", "op": "in", "value": ["medium", "small", "micro"]}), "为中型、小型或微型企业"),
            (json!({"field": "founded_on", "op": ">=", "value": "2021-01-01"}), "成立日期不早于2021年1月1日"),
            (json!({"field": "ownership", "op": "==", "value": "private"}), "为民营企业"),
            (json!({"field": "export", "op": "==", "value": true}), "有出口业务"),
            (json!({"not": {"field": "export", "op": "==", "value": true}}), "无出口业务"),
            (json!({"not": {"field": "qualifications", "op": "contains", "value": "listed"}}), "不是上市企业"),
            (json!({"not": {"field": "employees", "op": "<", "value": 10}}), "从业人员不少于10人"),
            (
                json!({"any": [{"all": [{"field": "employees", "op": "<", "value": 10}, {"field": "export", "op": "==", "value": false}]}, {"field": "size", "op": "==", "value": "micro"}]}),
                "（从业人员少于10人，且无出口业务）或为微型企业",
            ),
            (json!({"all": []}), "所有企业"),
        ];
        for (v, expected) in cases {
            assert_eq!(describe(&rule(v.clone())), expected, "{v}");
        }
    }

    #[test]
    fn malformed_rules_say_where() {
        let deep = (0..17).fold(json!({"field": "export", "op": "==", "value": true}), |acc, _| json!({"not": acc}));
        let wide =
            json!({"any": (0..501).map(|i| json!({"field": "employees", "op": ">", "value": i})).collect::<Vec<_>>()});
        let cases = [
            (json!({"all": [{"field": "colour", "op": "==", "value": "red"}]}), "all[0]：“colour”不是企业画像的字段"),
            (json!({"field": "employees", "op": "~", "value": 3}), "“~”不是可用的比较方式"),
            (json!({"field": "employees", "op": ">", "value": "many"}), "value：从业人员的值应为数字"),
            (json!({"field": "export", "op": "<", "value": true}), "不能用“<”比较"),
            (json!({"field": "district", "op": "in", "value": "370102"}), "应为非空的列表"),
            (json!({"field": "rd_ratio", "op": ">=", "value": 5}), "0 到 1"),
            (json!({"field": "qualifications", "op": "contains", "value": "nobel"}), "不是可选的资质"),
            (json!({"all": {"field": "export"}}), "all：应为条件的列表"),
            (json!({"all": [], "any": []}), "不认识的条件"),
            (json!({"field": "size", "op": "==", "value": "huge", "x": 1}), "不能有“x”"),
            (json!([1, 2]), "JSON 对象"),
            (deep, "嵌套超过 16 层"),
            (wide, "超过 500 个"),
        ];
        for (v, words) in cases {
            let e = Rule::from_json(&v).unwrap_err();
            assert_eq!(e.0[0].field, "rule");
            assert!(e.to_string().contains(words), "{v}: {e}");
        }
        let deepest = (0..15).fold(json!({"field": "export", "op": "==", "value": true}), |acc, _| json!({"not": acc}));
        assert!(Rule::from_json(&deepest).is_ok(), "16 levels are allowed");
    }

    #[test]
    fn rows_build_the_issue_s_example_and_come_back() {
        let rows = vec![
            RuleRow { group: 1, field: "district".into(), op: "in".into(), value: "370102、370112".into() },
            RuleRow { group: 2, field: "qualifications".into(), op: "contains".into(), value: "high_tech".into() },
            RuleRow { group: 2, field: "rd_ratio".into(), op: ">=".into(), value: "5%".into() },
            RuleRow::default(),
        ];
        let r = from_rows(&rows).unwrap();
        assert_eq!(describe(&r), "注册地在历下区或历城区，且为高新技术企业或研发投入占比不低于5%");
        let back = to_rows(&r).unwrap();
        assert_eq!(from_rows(&back).unwrap(), r);
        assert_eq!(from_rows(&[]).unwrap(), Rule::All(vec![]));
        let bad = [RuleRow { group: 1, field: "employees".into(), op: ">".into(), value: "很多".into() }];
        assert!(from_rows(&bad).unwrap_err().to_string().contains("第 1 行"));
        let nested = rule(json!({"not": {"any": [{"field": "export", "op": "==", "value": true}]}}));
        assert_eq!(to_rows(&nested), None, "shapes the rows cannot hold stay JSON");
    }

    fn profile(v: Value) -> EnterpriseProfile {
        EnterpriseProfile::from_json(&v, NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()).unwrap()
    }

    #[test]
    fn reasons_for_each_outcome() {
        let r = rule(json!({"all": [
            {"field": "district", "op": "in", "value": ["370102", "370112"]},
            {"any": [
                {"field": "qualifications", "op": "contains", "value": "high_tech"},
                {"field": "rd_ratio", "op": ">=", "value": 0.05}
            ]}
        ]}));
        let at = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let yes = r.explain(&Facts::of(&profile(json!({"district": "370112", "rd_ratio": 0.08})), at));
        assert_eq!(yes.truth, Truth::True);
        let fields: Vec<&str> = yes.reasons.iter().map(|r| r.field).collect();
        assert_eq!(fields, ["district", "rd_ratio"]);
        assert_eq!(yes.reasons[1].text, "研发投入占比不低于5%（企业情况：8%）");
        let no = r.explain(&Facts::of(&profile(json!({"district": "370104", "rd_ratio": 0.08})), at));
        assert_eq!(no.truth, Truth::False);
        assert_eq!(no.reasons.len(), 1);
        assert_eq!((no.reasons[0].field, no.reasons[0].actual.clone()), ("district", json!("370104")));
        let open = r.explain(&Facts::of(&profile(json!({"district": "370102", "rd_ratio": 0.01})), at));
        assert_eq!(open.truth, Truth::Unknown);
        assert_eq!(open.unknown, vec![Field::Qualifications]);
        // Under a `not`, a failed test is shown turned round.
        let r = rule(json!({"not": {"field": "employees", "op": ">", "value": 300}}));
        let no = r.explain(&Facts::of(&profile(json!({"employees": 500})), at));
        assert_eq!((no.truth, no.reasons[0].op), (Truth::False, "<="));
    }

    #[test]
    fn derived_fields_answer_rules() {
        let at = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let p = profile(json!({"founded_on": "2021-12-07", "industry": "I65", "employees": 50, "revenue_wan": 800}));
        let young = rule(json!({"field": "age_years", "op": "<", "value": 5}));
        assert_eq!(young.eval(&Facts::of(&p, at)), Truth::True, "four whole years on 2026-12-06");
        let small = rule(json!({"field": "size", "op": "==", "value": "small"}));
        assert_eq!(small.eval(&Facts::of(&p, at)), Truth::True, "software, 50 people and 800万元 is small");
    }

    // ---- three-valued evaluation against a straightforward reference

    /// The definition, written as plainly as possible.
    fn reference(r: &Rule, facts: &Facts) -> Truth {
        match r {
            Rule::Leaf(l) => l.eval(facts),
            Rule::Not(p) => match reference(p, facts) {
                Truth::True => Truth::False,
                Truth::False => Truth::True,
                Truth::Unknown => Truth::Unknown,
            },
            Rule::All(ps) => {
                let v: Vec<Truth> = ps.iter().map(|p| reference(p, facts)).collect();
                if v.contains(&Truth::False) {
                    Truth::False
                } else if v.contains(&Truth::Unknown) {
                    Truth::Unknown
                } else {
                    Truth::True
                }
            }
            Rule::Any(ps) => {
                let v: Vec<Truth> = ps.iter().map(|p| reference(p, facts)).collect();
                if v.contains(&Truth::True) {
                    Truth::True
                } else if v.contains(&Truth::Unknown) {
                    Truth::Unknown
                } else {
                    Truth::False
                }
            }
        }
    }

    fn leaf_strategy() -> impl Strategy<Value = Value> {
        prop_oneof![
            (0i64..400, prop::sample::select(vec!["<", "<=", ">", ">=", "==", "!="]))
                .prop_map(|(n, op)| json!({"field": "employees", "op": op, "value": n})),
            prop::sample::select(vec!["high_tech", "listed", "gazelle"])
                .prop_map(|q| json!({"field": "qualifications", "op": "contains", "value": q})),
            prop::sample::subsequence(vec!["370102", "370112", "370104"], 1..3)
                .prop_map(|d| json!({"field": "district", "op": "in", "value": d})),
            any::<bool>().prop_map(|b| json!({"field": "export", "op": "==", "value": b})),
            prop::sample::select(vec!["C", "I65", "C39"])
                .prop_map(|p| json!({"field": "industry", "op": "prefix", "value": [p]})),
            (0u32..=100, prop::sample::select(vec!["<", ">=", "!="]))
                .prop_map(|(n, op)| json!({"field": "rd_ratio", "op": op, "value": f64::from(n) / 100.0})),
        ]
    }

    fn rule_strategy() -> impl Strategy<Value = Value> {
        leaf_strategy().prop_recursive(5, 40, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(|v| json!({"all": v})),
                prop::collection::vec(inner.clone(), 0..4).prop_map(|v| json!({"any": v})),
                inner.prop_map(|v| json!({"not": v})),
            ]
        })
    }

    fn profile_strategy() -> impl Strategy<Value = Value> {
        (
            prop::option::of(0i64..400),
            prop::option::of(prop::sample::subsequence(vec!["high_tech", "listed", "gazelle"], 0..3)),
            prop::option::of(prop::sample::select(vec!["370102", "370112", "370104"])),
            prop::option::of(any::<bool>()),
            prop::option::of(prop::sample::select(vec!["C3911", "I6510", "F52"])),
            prop::option::of(0u32..=1000),
        )
            .prop_map(|(e, q, d, x, i, r)| {
                let rd_ratio = r.map(|r| f64::from(r) / 1000.0);
                json!({"employees": e, "qualifications": q, "district": d, "export": x, "industry": i, "rd_ratio": rd_ratio})
            })
    }

    proptest! {
        #[test]
        fn evaluation_follows_the_definition(r in rule_strategy(), p in profile_strategy()) {
            let r = Rule::from_json(&r).unwrap();
            let facts = Facts::of(&profile(p), NaiveDate::from_ymd_opt(2026, 12, 6).unwrap());
            let truth = r.eval(&facts);
            prop_assert_eq!(truth, reference(&r, &facts));
            let explained = r.explain(&facts);
            prop_assert_eq!(explained.truth, truth);
            // A reason is given for every decided rule with a leaf, and unknown names a field.
            match truth {
                Truth::Unknown => prop_assert!(!explained.unknown.is_empty()),
                _ if !r.leaves().is_empty() && !explained.reasons.is_empty() => {
                    // Every reason's test, taken alone, has the rule's truth (met for an
                    // eligible one, failed for an ineligible one), or the opposite when it
                    // is marked negated.
                    for reason in &explained.reasons {
                        let alone = Rule::from_json(&json!({"field": reason.field, "op": reason.op, "value": reason.value})).unwrap();
                        let expect = if reason.negated { !truth } else { truth };
                        prop_assert_eq!(alone.eval(&facts), expect, "{}", reason.text);
                    }
                }
                _ => {}
            }
            prop_assert_eq!(Rule::from_json(&r.to_json()).unwrap(), r);
        }

        #[test]
        fn written_reasons_are_the_serialised_ones(r in rule_strategy(), p in profile_strategy()) {
            let r = Rule::from_json(&r).unwrap();
            let facts = Facts::of(&profile(p), NaiveDate::from_ymd_opt(2026, 12, 6).unwrap());
            let explained = r.explain(&facts);
            // Twice: the second time from the kept words and figures.
            for _ in 0..2 {
                let mut written = Vec::new();
                r.write_reasons(&facts, explained.truth, &mut written);
                prop_assert_eq!(
                    String::from_utf8(written).unwrap(),
                    serde_json::to_string(&explained.reasons).unwrap()
                );
            }
        }
    }
}
