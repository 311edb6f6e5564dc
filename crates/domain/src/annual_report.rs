//! 政府信息公开工作年度报告 (art. 49–50) in the national format of 国办公开办函〔2021〕30号:
//! six sections, of which 二, 三 and 四 are tables with fixed rows and columns. The numbers of
//! table 三 are derived from the requests themselves, never typed in, so that the report
//! agrees with the register; the rules of what counts where live here so that a database query
//! and an in-memory count can be checked against each other.
//!
//! The JSON shape of [`AnnualReport`] (also what is stored when a report is frozen):
//!
//! ```json
//! {
//!   "unit_name": "济南市某某局", "year": 2024,
//!   "sections": { "overall": "…", "problems": "…", "other": "…" },
//!   "table2": {
//!     "rules": { "issued": 0, "repealed": 0, "in_force": 3 },
//!     "normative": { "issued": 5, "repealed": 1, "in_force": 40 },
//!     "licensing": 1200, "penalty": 35, "enforcement": 2, "fees_wan_yuan": "12.5"
//!   },
//!   "table3": {
//!     "new":             { "person": 10, "organisation.business": 2, …, "total": 12 },
//!     "carried_over":    { … },
//!     "outcomes":        { "disclosed": { "person": 4, …, "total": 5 }, …21 outcome codes… },
//!     "replied_total":   { … },
//!     "carried_forward": { … }
//!   },
//!   "table4": {
//!     "review":               { "upheld": 1, "corrected": 0, "other": 0, "pending": 1, "total": 2 },
//!     "lawsuit_direct":       { … },
//!     "lawsuit_after_review": { … }
//!   }
//! }
//! ```
//!
//! Every `total` and `replied_total` is computed; when read back they are ignored, so an edited
//! file can never carry a total that disagrees with its parts. Rows and columns appear in the
//! order of the printed table.

use crate::requests::{ApplicantType, Outcome};
use crate::validation::{Invalid, text};
use chrono::NaiveDate;
use serde::de::{self, Deserializer};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The Regulation came into force on 1 May 2008; no report is older.
pub const FIRST_YEAR: i32 = 2008;

/// The six sections in order, as headed in the national format.
pub const SECTION_TITLES: [&str; 6] = [
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
];

/// The longest text section, in characters: several pages, far more than any real report.
pub const MAX_SECTION_CHARS: usize = 20_000;

/// First and last day of a report year. Years outside the calendar's range clamp to its ends,
/// which simply match no request.
pub fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN),
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX),
    )
}

/// A report year typed by staff.
pub fn parse_year(input: &str) -> Result<i32, Invalid> {
    let err = |p: String| Invalid::one("year", "报告年度", p);
    let s = normalise_digits(input.trim());
    if s.is_empty() {
        return Err(err("不能为空".into()));
    }
    match s.parse::<i32>() {
        Ok(y) if (FIRST_YEAR..=9999).contains(&y) => Ok(y),
        _ => Err(err(format!("应为 {FIRST_YEAR} 年以后的四位年份"))),
    }
}

/// Art. 49–50: a department sends its report to the government by 31 January; a government
/// publishes its own (and its departments') by 31 March of the following year.
pub fn report_deadline(year: i32, is_government: bool) -> NaiveDate {
    let month = if is_government { 3 } else { 1 };
    year.checked_add(1).and_then(|next| NaiveDate::from_ymd_opt(next, month, 31)).unwrap_or(NaiveDate::MAX)
}

/// Whether a report missed its deadline: published after it, or still unpublished once it
/// has passed. The deadline day itself is still in time.
pub fn is_late(deadline: NaiveDate, published_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    published_on.unwrap_or(today) > deadline
}

// ---------------------------------------------------------------------------------------------
// Table 二

/// 本年制发件数 / 本年废止件数 / 现行有效件数 of 规章 or 行政规范性文件.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedRepealedInForce {
    pub issued: u64,
    pub repealed: u64,
    pub in_force: u64,
}

/// Table 二, 主动公开政府信息情况 (art. 20 items 1, 5, 6 and 8). `rules` and `normative` come
/// from the published documents; the rest is typed in by staff ([`ManualTable2`]), since the
/// platform does not handle licences, penalties or fees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table2 {
    /// 规章
    pub rules: IssuedRepealedInForce,
    /// 行政规范性文件
    pub normative: IssuedRepealedInForce,
    /// 行政许可 本年处理决定数量
    pub licensing: u64,
    /// 行政处罚 本年处理决定数量
    pub penalty: u64,
    /// 行政强制 本年处理决定数量
    pub enforcement: u64,
    /// 行政事业性收费 本年收费金额, in 万元, as a normalised decimal string (at most 4
    /// decimals) so that the amount prints exactly as entered and never as a binary fraction.
    pub fees_wan_yuan: String,
}

impl Default for Table2 {
    fn default() -> Self {
        Table2::new(IssuedRepealedInForce::default(), IssuedRepealedInForce::default(), ManualTable2::default())
    }
}

impl Table2 {
    pub fn new(rules: IssuedRepealedInForce, normative: IssuedRepealedInForce, manual: ManualTable2) -> Table2 {
        Table2 {
            rules,
            normative,
            licensing: manual.licensing,
            penalty: manual.penalty,
            enforcement: manual.enforcement,
            fees_wan_yuan: manual.fees_wan_yuan,
        }
    }

    /// The staff-entered part, e.g. to prefill the form.
    pub fn manual(&self) -> ManualTable2 {
        ManualTable2 {
            licensing: self.licensing,
            penalty: self.penalty,
            enforcement: self.enforcement,
            fees_wan_yuan: self.fees_wan_yuan.clone(),
        }
    }
}

/// The part of table 二 that staff type in, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManualTable2 {
    pub licensing: u64,
    pub penalty: u64,
    pub enforcement: u64,
    pub fees_wan_yuan: String,
}

impl Default for ManualTable2 {
    fn default() -> Self {
        ManualTable2 { licensing: 0, penalty: 0, enforcement: 0, fees_wan_yuan: "0".into() }
    }
}

/// The form as submitted; text so that bad input is answered with a message naming the field.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ManualTable2Input {
    pub licensing: String,
    pub penalty: String,
    pub enforcement: String,
    pub fees_wan_yuan: String,
}

const FEES_FIELD: (&str, &str) = ("fees_wan_yuan", "行政事业性收费本年收费金额（万元）");

impl ManualTable2 {
    /// Every field is required: a blank in a published report reads as "not reported", so
    /// staff must write 0 when there was nothing.
    pub fn parse(input: &ManualTable2Input) -> Result<ManualTable2, Invalid> {
        let mut errors = Invalid::default();
        let licensing = count(&mut errors, "licensing", "行政许可本年处理决定数量", &input.licensing);
        let penalty = count(&mut errors, "penalty", "行政处罚本年处理决定数量", &input.penalty);
        let enforcement = count(&mut errors, "enforcement", "行政强制本年处理决定数量", &input.enforcement);
        let fees_wan_yuan = fees(&mut errors, &input.fees_wan_yuan);
        errors.into_result(ManualTable2 { licensing, penalty, enforcement, fees_wan_yuan })
    }
}

/// 本年收费金额 in 万元: a non-negative decimal with at most 4 decimals (4 decimals of 万元
/// is one yuan), normalised without leading zeros ("0012.50" → "12.50"; ".5" → "0.5").
/// Full-width digits from a Chinese input method are accepted.
pub fn parse_fees_wan_yuan(input: &str) -> Result<String, Invalid> {
    let mut errors = Invalid::default();
    let v = fees(&mut errors, input);
    errors.into_result(v)
}

/// Full-width digits and point, as a Chinese input method types them, read as ASCII.
fn normalise_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' | '。' => '.',
            c => c,
        })
        .collect()
}

fn count(errors: &mut Invalid, field: &str, label: &str, input: &str) -> u64 {
    let s = normalise_digits(input.trim());
    if s.is_empty() {
        errors.push(field, label, "不能为空，没有的请填 0");
        return 0;
    }
    if !s.chars().all(|c| c.is_ascii_digit()) {
        errors.push(field, label, "应为不小于 0 的整数");
        return 0;
    }
    // Larger than any real count; also keeps sums far from overflow.
    match s.parse::<u64>() {
        Ok(n) if n <= 999_999_999 => n,
        _ => {
            errors.push(field, label, "数字过大");
            0
        }
    }
}

fn fees(errors: &mut Invalid, input: &str) -> String {
    let (field, label) = FEES_FIELD;
    let s = normalise_digits(input.trim());
    if s.is_empty() {
        errors.push(field, label, "不能为空，没有收费的请填 0");
        return String::new();
    }
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (s.as_str(), None),
    };
    let digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    let frac_ok = frac.is_none_or(|f| !f.is_empty() && digits(f));
    if (whole.is_empty() && frac.is_none()) || !digits(whole) || !frac_ok {
        errors.push(field, label, "应为不小于 0 的数字，如 12.5");
        return String::new();
    }
    if frac.is_some_and(|f| f.len() > 4) {
        errors.push(field, label, "最多保留 4 位小数（单位为万元）");
        return String::new();
    }
    let whole = whole.trim_start_matches('0');
    // Ten digits of 万元 is beyond any budget, and keeps the amount exact as an f64 in a
    // spreadsheet.
    if whole.len() > 10 {
        errors.push(field, label, "金额过大，请确认单位为万元");
        return String::new();
    }
    let whole = if whole.is_empty() { "0" } else { whole };
    match frac {
        Some(f) => format!("{whole}.{f}"),
        None => whole.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Table 三

/// Printed column headings of table 三, in [`ApplicantType::ALL`] order and then 总计. The
/// last organisation column is headed 其他 under 法人或其他组织, not the type's own label.
pub const TABLE3_COLUMNS: [&str; 7] =
    ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"];

/// The note in the top-left header cell of table 三.
pub const TABLE3_NOTE: &str = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）";

/// Number of rows of table 三: 一, 二, the 21 outcomes, 三（七）总计, 四.
pub const TABLE3_ROWS: usize = 25;

const OUTCOMES: usize = 21;
const _: () = assert!(Outcome::ALL.len() == OUTCOMES && ApplicantType::ALL.len() == 6);

const PART_NEW: &str = "一、本年新收政府信息公开申请数量";
const PART_CARRIED_OVER: &str = "二、上年结转政府信息公开申请数量";
const PART_RESULTS: &str = "三、本年度办理结果";
const GROUP_TOTAL: &str = "（七）总计";
const PART_CARRIED_FORWARD: &str = "四、结转下年度继续办理";

fn column(t: ApplicantType) -> usize {
    ApplicantType::ALL.iter().position(|x| *x == t).unwrap_or(0)
}

fn outcome_index(o: Outcome) -> usize {
    Outcome::ALL.iter().position(|x| *x == o).unwrap_or(0)
}

/// The heading of a row of table 三 at its three levels, as printed: 三、本年度办理结果 /
/// （三）不予公开 / 1.属于国家秘密. Rows 一, 二 and 四 have only the first level; 予以公开,
/// 部分公开 and 总计 stop at the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RowLabel {
    pub part: &'static str,
    pub group: Option<&'static str>,
    pub item: Option<&'static str>,
}

impl RowLabel {
    const fn part(part: &'static str) -> RowLabel {
        RowLabel { part, group: None, item: None }
    }

    /// The innermost heading, enough where the hierarchy is shown by the layout.
    pub fn leaf(&self) -> &'static str {
        self.item.or(self.group).unwrap_or(self.part)
    }

    /// The label of an outcome row.
    pub fn of_outcome(o: Outcome) -> RowLabel {
        use Outcome::*;
        let (group, item) = match o {
            Disclosed => ("（一）予以公开", None),
            PartiallyDisclosed => ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", None),
            StateSecret => ("（三）不予公开", Some("1.属于国家秘密")),
            ProhibitedByLaw => ("（三）不予公开", Some("2.其他法律行政法规禁止公开")),
            ThreeSafeties => ("（三）不予公开", Some("3.危及“三安全一稳定”")),
            ThirdPartyRights => ("（三）不予公开", Some("4.保护第三方合法权益")),
            InternalAffairs => ("（三）不予公开", Some("5.属于三类内部事务信息")),
            ProcessInformation => ("（三）不予公开", Some("6.属于四类过程性信息")),
            EnforcementFile => ("（三）不予公开", Some("7.属于行政执法案卷")),
            InquiryMatter => ("（三）不予公开", Some("8.属于行政查询事项")),
            NotHeld => ("（四）无法提供", Some("1.本机关不掌握相关政府信息")),
            NeedsCreation => ("（四）无法提供", Some("2.没有现成信息需要另行制作")),
            StillUnclear => ("（四）无法提供", Some("3.补正后申请内容仍不明确")),
            Petition => ("（五）不予处理", Some("1.信访举报投诉类申请")),
            Repeated => ("（五）不予处理", Some("2.重复申请")),
            Publication => ("（五）不予处理", Some("3.要求提供公开出版物")),
            Excessive => ("（五）不予处理", Some("4.无正当理由大量反复申请")),
            Reconfirmation => ("（五）不予处理", Some("5.要求行政机关确认或重新出具已获取信息")),
            NoClarification => {
                ("（六）其他处理", Some("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"))
            }
            FeeUnpaid => {
                ("（六）其他处理", Some("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"))
            }
            OtherOutcome => ("（六）其他处理", Some("3.其他")),
        };
        RowLabel { part: PART_RESULTS, group: Some(group), item }
    }

    /// The label of row `i` (0-based, as [`Table3::row`]).
    ///
    /// # Panics
    /// When `i >= TABLE3_ROWS`.
    pub fn of_row(i: usize) -> RowLabel {
        match i {
            0 => RowLabel::part(PART_NEW),
            1 => RowLabel::part(PART_CARRIED_OVER),
            2..=22 => RowLabel::of_outcome(Outcome::ALL[i - 2]),
            23 => RowLabel { part: PART_RESULTS, group: Some(GROUP_TOTAL), item: None },
            24 => RowLabel::part(PART_CARRIED_FORWARD),
            _ => panic!("table 三 has {TABLE3_ROWS} rows, not row {i}"),
        }
    }
}

impl fmt::Display for RowLabel {
    /// The full path, for flat lists: “三、本年度办理结果／（三）不予公开／1.属于国家秘密”.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.part)?;
        for level in [self.group, self.item].into_iter().flatten() {
            write!(f, "／{level}")?;
        }
        Ok(())
    }
}

/// One row of table 三: a count per applicant type, in [`ApplicantType::ALL`] order.
/// Serialized as `{ "person": n, …, "organisation.other": n, "total": n }`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ByApplicant(pub [u64; 6]);

impl ByApplicant {
    pub fn get(&self, t: ApplicantType) -> u64 {
        self.0[column(t)]
    }

    pub fn add(&mut self, t: ApplicantType, n: u64) {
        let c = &mut self.0[column(t)];
        *c = c.saturating_add(n);
    }

    pub fn total(&self) -> u64 {
        self.0.iter().fold(0u64, |a, b| a.saturating_add(*b))
    }

    /// The printed row: six columns and 总计.
    pub fn with_total(&self) -> [u64; 7] {
        let [a, b, c, d, e, f] = self.0;
        [a, b, c, d, e, f, self.total()]
    }

    fn plus(&self, other: &ByApplicant) -> ByApplicant {
        ByApplicant(std::array::from_fn(|i| self.0[i].saturating_add(other.0[i])))
    }
}

impl Serialize for ByApplicant {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(7))?;
        for (t, n) in ApplicantType::ALL.iter().zip(self.0) {
            map.serialize_entry(t.code(), &n)?;
        }
        map.serialize_entry("total", &self.total())?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for ByApplicant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, u64>::deserialize(d)?;
        let mut row = ByApplicant::default();
        for (key, n) in map {
            match ApplicantType::parse(&key) {
                Some(t) => row.add(t, n),
                None if key == "total" => {}
                None => return Err(de::Error::custom(format!("未知的申请人类型“{key}”"))),
            }
        }
        Ok(row)
    }
}

/// The facts about one request that table 三 needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestRecord {
    pub applicant_type: ApplicantType,
    /// 收到申请之日; `None` while an online application awaits confirmation: not yet a request
    /// in law, so it counts nowhere.
    pub received_on: Option<NaiveDate>,
    /// The outcome and the day of the reply.
    pub closed: Option<(Outcome, NaiveDate)>,
}

/// Table 三 from counts a database computes with `GROUP BY`. Pairs may repeat; they are added.
/// With `start`/`end` the first and last day of the year (see [`year_bounds`]) and
/// `closed = MAX(closed_on, received_on)` (see [`Table3::from_records`] on why), the queries
/// are, per applicant type:
///
/// - `new`: `received_on BETWEEN start AND end`;
/// - `carried_over`: `received_on < start AND (closed IS NULL OR closed >= start)`;
/// - `replied`, also per outcome: `closed BETWEEN start AND end` (received is set);
/// - `carried_forward`: `received_on <= end AND (closed IS NULL OR closed > end)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table3Counts {
    pub new: Vec<(ApplicantType, u64)>,
    pub carried_over: Vec<(ApplicantType, u64)>,
    pub replied: Vec<(ApplicantType, Outcome, u64)>,
    pub carried_forward: Vec<(ApplicantType, u64)>,
}

/// Table 三, 收到和处理政府信息公开申请情况. The 总计 column and row 三（七）are computed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "Table3Wire", from = "Table3Wire")]
pub struct Table3 {
    /// 一、本年新收
    pub new: ByApplicant,
    /// 二、上年结转
    pub carried_over: ByApplicant,
    /// 三（一）…（六）, in [`Outcome::ALL`] order.
    pub outcomes: [ByApplicant; OUTCOMES],
    /// 四、结转下年度继续办理
    pub carried_forward: ByApplicant,
}

impl Table3 {
    /// Counts the requests for `year`. A request counts once it is received: in 一 if
    /// received in the year, in 二 if received earlier and still open on 1 January; it leaves
    /// through 三 if replied within the year, or through 四 if still open on 31 December. So
    /// 一 + 二 = 三（七）+ 四 holds by construction.
    ///
    /// A reply dated before the receipt is a data error; it is read as a reply on the day of
    /// receipt, because otherwise a request could enter the table and never leave it (or the
    /// reverse), and the published identity would fail.
    pub fn from_records(year: i32, records: &[RequestRecord]) -> Table3 {
        let (start, end) = year_bounds(year);
        let mut t = Table3::default();
        for r in records {
            let Some(received) = r.received_on else { continue };
            let closed = r.closed.map(|(o, on)| (o, on.max(received)));
            let closed_on = closed.map(|(_, on)| on);
            if (start..=end).contains(&received) {
                t.new.add(r.applicant_type, 1);
            }
            if received < start && closed_on.is_none_or(|on| on >= start) {
                t.carried_over.add(r.applicant_type, 1);
            }
            if let Some((o, on)) = closed
                && (start..=end).contains(&on)
            {
                t.outcomes[outcome_index(o)].add(r.applicant_type, 1);
            }
            if received <= end && closed_on.is_none_or(|on| on > end) {
                t.carried_forward.add(r.applicant_type, 1);
            }
        }
        t
    }

    pub fn from_counts(counts: &Table3Counts) -> Table3 {
        let sum = |pairs: &[(ApplicantType, u64)]| {
            let mut row = ByApplicant::default();
            for (t, n) in pairs {
                row.add(*t, *n);
            }
            row
        };
        let mut t = Table3 {
            new: sum(&counts.new),
            carried_over: sum(&counts.carried_over),
            outcomes: [ByApplicant::default(); OUTCOMES],
            carried_forward: sum(&counts.carried_forward),
        };
        for (a, o, n) in &counts.replied {
            t.outcomes[outcome_index(*o)].add(*a, *n);
        }
        t
    }

    pub fn outcome(&self, o: Outcome) -> &ByApplicant {
        &self.outcomes[outcome_index(o)]
    }

    /// 三（七）总计: the sum of the outcome rows.
    pub fn replied(&self) -> ByApplicant {
        self.outcomes.iter().fold(ByApplicant::default(), |a, b| a.plus(b))
    }

    /// Row `i` as printed (0 = 一, 1 = 二, 2..=22 the outcomes as [`Outcome::table3_row`],
    /// 23 = 三（七）总计, 24 = 四), with the 总计 column last.
    ///
    /// # Panics
    /// When `i >= TABLE3_ROWS`.
    pub fn row(&self, i: usize) -> [u64; 7] {
        match i {
            0 => self.new.with_total(),
            1 => self.carried_over.with_total(),
            2..=22 => self.outcomes[i - 2].with_total(),
            23 => self.replied().with_total(),
            24 => self.carried_forward.with_total(),
            _ => panic!("table 三 has {TABLE3_ROWS} rows, not row {i}"),
        }
    }

    /// Every row with its label, in printed order.
    pub fn rows(&self) -> Vec<(RowLabel, [u64; 7])> {
        (0..TABLE3_ROWS).map(|i| (RowLabel::of_row(i), self.row(i))).collect()
    }

    /// The identity printed in the table's corner: 一 + 二 = 三（七）+ 四 in every column.
    /// Always true of [`Table3::from_records`]; counts from elsewhere are checked before
    /// publishing.
    pub fn check_identity(&self) -> Result<(), IdentityError> {
        let replied = self.replied();
        let columns: Vec<ColumnMismatch> = (0..6)
            .filter_map(|c| {
                let received = self.new.0[c].saturating_add(self.carried_over.0[c]);
                let settled = replied.0[c].saturating_add(self.carried_forward.0[c]);
                (received != settled).then_some(ColumnMismatch { column: TABLE3_COLUMNS[c], received, settled })
            })
            .collect();
        if columns.is_empty() { Ok(()) } else { Err(IdentityError { columns }) }
    }
}

#[derive(Serialize, Deserialize)]
struct Table3Wire {
    new: ByApplicant,
    carried_over: ByApplicant,
    outcomes: OutcomeRows,
    #[serde(skip_deserializing)]
    replied_total: ByApplicant,
    carried_forward: ByApplicant,
}

impl From<Table3> for Table3Wire {
    fn from(t: Table3) -> Self {
        Table3Wire {
            replied_total: t.replied(),
            new: t.new,
            carried_over: t.carried_over,
            outcomes: OutcomeRows(t.outcomes),
            carried_forward: t.carried_forward,
        }
    }
}

impl From<Table3Wire> for Table3 {
    fn from(w: Table3Wire) -> Self {
        Table3 { new: w.new, carried_over: w.carried_over, outcomes: w.outcomes.0, carried_forward: w.carried_forward }
    }
}

/// The outcome rows keyed by outcome code, in table order.
struct OutcomeRows([ByApplicant; OUTCOMES]);

impl Serialize for OutcomeRows {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(OUTCOMES))?;
        for (o, row) in Outcome::ALL.iter().zip(&self.0) {
            map.serialize_entry(o.code(), row)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for OutcomeRows {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, ByApplicant>::deserialize(d)?;
        let mut rows = [ByApplicant::default(); OUTCOMES];
        for (key, row) in map {
            let o = Outcome::parse(&key).ok_or_else(|| de::Error::custom(format!("未知的办理结果“{key}”")))?;
            rows[outcome_index(o)] = rows[outcome_index(o)].plus(&row);
        }
        Ok(OutcomeRows(rows))
    }
}

/// One column of table 三 where 一 + 二 ≠ 三（七）+ 四.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnMismatch {
    /// The printed column heading (自然人, 商业企业, …).
    pub column: &'static str,
    /// 一 + 二
    pub received: u64,
    /// 三（七）+ 四
    pub settled: u64,
}

/// Table 三 does not balance; every failing column is named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdentityError {
    pub columns: Vec<ColumnMismatch>,
}

impl fmt::Display for IdentityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("表三数据不平衡，第一项加第二项之和应等于第三项加第四项之和：")?;
        let parts: Vec<String> = self
            .columns
            .iter()
            .map(|m| format!("“{}”列为 {} 件，但办理结果总计加结转下年度为 {} 件", m.column, m.received, m.settled))
            .collect();
        f.write_str(&parts.join("；"))
    }
}

impl std::error::Error for IdentityError {}

// ---------------------------------------------------------------------------------------------
// Table 四

code_list! {
    /// 行政复议, or 行政诉讼 with or without review first: the three groups of table 四.
    ReviewKind {
        Review = ("review", "行政复议"),
        LawsuitDirect = ("lawsuit_direct", "未经复议直接起诉"),
        LawsuitAfterReview = ("lawsuit_after_review", "复议后起诉"),
    }
}

code_list! {
    /// The result of a review or lawsuit as table 四 counts it.
    ReviewResult {
        Upheld = ("upheld", "维持"),
        Corrected = ("corrected", "纠正"),
        Other = ("other", "其他结果"),
        Pending = ("pending", "尚未审结"),
    }
}

/// Printed headings of the five columns of each group of table 四.
pub const TABLE4_RESULT_COLUMNS: [&str; 5] = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"];

fn result_index(r: ReviewResult) -> usize {
    ReviewResult::ALL.iter().position(|x| *x == r).unwrap_or(0)
}

/// The cases of one group by result, in [`ReviewResult::ALL`] order. Serialized as
/// `{ "upheld": n, "corrected": n, "other": n, "pending": n, "total": n }`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ByResult(pub [u64; 4]);

impl ByResult {
    pub fn get(&self, r: ReviewResult) -> u64 {
        self.0[result_index(r)]
    }

    pub fn add(&mut self, r: ReviewResult, n: u64) {
        let c = &mut self.0[result_index(r)];
        *c = c.saturating_add(n);
    }

    pub fn total(&self) -> u64 {
        self.0.iter().fold(0u64, |a, b| a.saturating_add(*b))
    }
}

impl Serialize for ByResult {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(5))?;
        for (r, n) in ReviewResult::ALL.iter().zip(self.0) {
            map.serialize_entry(r.code(), &n)?;
        }
        map.serialize_entry("total", &self.total())?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for ByResult {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, u64>::deserialize(d)?;
        let mut row = ByResult::default();
        for (key, n) in map {
            match ReviewResult::parse(&key) {
                Some(r) => row.add(r, n),
                None if key == "total" => {}
                None => return Err(de::Error::custom(format!("未知的复议诉讼结果“{key}”"))),
            }
        }
        Ok(row)
    }
}

/// Table 四, 政府信息公开行政复议、行政诉讼情况: cases about this unit's disclosure
/// decisions, by kind and result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table4 {
    pub review: ByResult,
    pub lawsuit_direct: ByResult,
    pub lawsuit_after_review: ByResult,
}

impl Table4 {
    pub fn from_records(cases: &[(ReviewKind, ReviewResult)]) -> Table4 {
        let mut t = Table4::default();
        for (k, r) in cases {
            t.group_mut(*k).add(*r, 1);
        }
        t
    }

    pub fn from_counts(counts: &[(ReviewKind, ReviewResult, u64)]) -> Table4 {
        let mut t = Table4::default();
        for (k, r, n) in counts {
            t.group_mut(*k).add(*r, *n);
        }
        t
    }

    pub fn group(&self, k: ReviewKind) -> &ByResult {
        match k {
            ReviewKind::Review => &self.review,
            ReviewKind::LawsuitDirect => &self.lawsuit_direct,
            ReviewKind::LawsuitAfterReview => &self.lawsuit_after_review,
        }
    }

    fn group_mut(&mut self, k: ReviewKind) -> &mut ByResult {
        match k {
            ReviewKind::Review => &mut self.review,
            ReviewKind::LawsuitDirect => &mut self.lawsuit_direct,
            ReviewKind::LawsuitAfterReview => &mut self.lawsuit_after_review,
        }
    }

    /// The single printed row: for each of 行政复议, 未经复议直接起诉 and 复议后起诉 the
    /// results 维持, 纠正, 其他, 尚未审结 and their 总计.
    pub fn cells(&self) -> [u64; 15] {
        let mut out = [0; 15];
        for (g, k) in ReviewKind::ALL.iter().enumerate() {
            let group = self.group(*k);
            out[g * 5..g * 5 + 4].copy_from_slice(&group.0);
            out[g * 5 + 4] = group.total();
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Text sections and the whole report

/// Sections 一 总体情况, 五 存在的主要问题及改进情况 and 六 其他需要报告的事项. Paragraphs
/// are separated by line breaks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sections {
    pub overall: String,
    pub problems: String,
    pub other: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SectionsInput {
    pub overall: String,
    pub problems: String,
    pub other: String,
}

impl Sections {
    /// Trims and limits each section. Blank sections are allowed so that a draft can be saved
    /// half-written; [`AnnualReport::check_publishable`] insists on them.
    pub fn parse(input: &SectionsInput) -> Result<Sections, Invalid> {
        let mut errors = Invalid::default();
        let overall = text(&mut errors, "overall", SECTION_TITLES[0], &input.overall, false, MAX_SECTION_CHARS);
        let problems = text(&mut errors, "problems", SECTION_TITLES[4], &input.problems, false, MAX_SECTION_CHARS);
        let other = text(&mut errors, "other", SECTION_TITLES[5], &input.other, false, MAX_SECTION_CHARS);
        errors.into_result(Sections { overall, problems, other })
    }
}

/// A unit's annual report; the JSON shape is in the module documentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnualReport {
    pub unit_name: String,
    pub year: i32,
    pub sections: Sections,
    pub table2: Table2,
    pub table3: Table3,
    pub table4: Table4,
}

impl AnnualReport {
    /// “济南市某某局2024年政府信息公开工作年度报告”, the title the national format uses.
    pub fn title(&self) -> String {
        format!("{}{}年政府信息公开工作年度报告", self.unit_name, self.year)
    }

    /// What must hold before the report is published: every text section written (“无” is
    /// an answer, a blank is not) and table 三 balanced.
    pub fn check_publishable(&self) -> Result<(), Invalid> {
        let mut errors = Invalid::default();
        let s = &self.sections;
        for (field, title, value) in [
            ("overall", SECTION_TITLES[0], &s.overall),
            ("problems", SECTION_TITLES[4], &s.problems),
            ("other", SECTION_TITLES[5], &s.other),
        ] {
            if value.trim().is_empty() {
                errors.push(field, title, "不能为空，没有需要报告的内容请写“无”");
            }
        }
        if let Err(e) = self.table3.check_identity() {
            errors.push("table3", "表三", e);
        }
        errors.into_result(())
    }
}

// ---------------------------------------------------------------------------------------------
// Printed layout

/// The printed layout of tables 二, 三 and 四 in the national format: each table as a grid of
/// cells with their spans, so that every writer (XLSX, DOCX, HTML) draws the same merged
/// headings from one description.
pub mod layout {
    use super::*;

    /// What a cell holds.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    #[serde(tag = "kind", content = "value", rename_all = "snake_case")]
    pub enum Content {
        /// A column heading (centred, often bold).
        Heading(&'static str),
        /// A row heading.
        Label(&'static str),
        Count(u64),
        /// A decimal amount, exact as entered (本年收费金额).
        Amount(String),
    }

    /// A cell at (`row`, `col`) spanning `rows` × `cols` grid positions.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    pub struct Cell {
        pub row: usize,
        pub col: usize,
        pub rows: usize,
        pub cols: usize,
        pub content: Content,
    }

    /// A table as cells in row-major order that cover every grid position exactly once.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    pub struct Grid {
        pub rows: usize,
        pub cols: usize,
        /// Rows at the top that are column headings, to repeat on each printed page.
        pub header_rows: usize,
        pub cells: Vec<Cell>,
    }

    impl Grid {
        /// The cell covering (`row`, `col`), whether it starts there or is merged into it.
        pub fn covering(&self, row: usize, col: usize) -> Option<&Cell> {
            self.cells.iter().find(|c| (c.row..c.row + c.rows).contains(&row) && (c.col..c.col + c.cols).contains(&col))
        }
    }

    struct Builder {
        cells: Vec<Cell>,
    }

    impl Builder {
        fn put(&mut self, row: usize, col: usize, rows: usize, cols: usize, content: Content) {
            self.cells.push(Cell { row, col, rows, cols, content });
        }

        fn grid(mut self, rows: usize, cols: usize, header_rows: usize) -> Grid {
            self.cells.sort_by_key(|c| (c.row, c.col));
            Grid { rows, cols, header_rows, cells: self.cells }
        }
    }

    /// Table 二: four blocks, each a heading row naming the item of art. 20, a row of column
    /// headings and the rows of figures; 4 columns.
    pub fn table2(t: &Table2) -> Grid {
        use Content::{Count, Heading, Label};
        let mut b = Builder { cells: Vec::new() };
        b.put(0, 0, 1, 4, Heading("第二十条第（一）项"));
        for (c, h) in ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"].into_iter().enumerate()
        {
            b.put(1, c, 1, 1, Heading(h));
        }
        for (r, (label, v)) in [("规章", t.rules), ("行政规范性文件", t.normative)].into_iter().enumerate() {
            b.put(2 + r, 0, 1, 1, Label(label));
            for (c, n) in [v.issued, v.repealed, v.in_force].into_iter().enumerate() {
                b.put(2 + r, 1 + c, 1, 1, Count(n));
            }
        }
        let blocks = [
            ("第二十条第（五）项", "本年处理决定数量", vec![("行政许可", Count(t.licensing))]),
            (
                "第二十条第（六）项",
                "本年处理决定数量",
                vec![("行政处罚", Count(t.penalty)), ("行政强制", Count(t.enforcement))],
            ),
            (
                "第二十条第（八）项",
                "本年收费金额（单位：万元）",
                vec![("行政事业性收费", Content::Amount(t.fees_wan_yuan.clone()))],
            ),
        ];
        let mut r = 4;
        for (item, column, rows) in blocks {
            b.put(r, 0, 1, 4, Heading(item));
            b.put(r + 1, 0, 1, 1, Heading("信息内容"));
            b.put(r + 1, 1, 1, 3, Heading(column));
            r += 2;
            for (label, value) in rows {
                b.put(r, 0, 1, 1, Label(label));
                b.put(r, 1, 1, 3, value);
                r += 1;
            }
        }
        b.grid(r, 4, 0)
    }

    /// Table 三: three columns of row headings (merged where a heading covers several rows or
    /// has no deeper level), then the seven columns of [`TABLE3_COLUMNS`]; three header rows.
    pub fn table3(t: &Table3) -> Grid {
        use Content::{Count, Heading, Label};
        let mut b = Builder { cells: Vec::new() };
        b.put(0, 0, 3, 3, Heading(TABLE3_NOTE));
        b.put(0, 3, 1, 7, Heading("申请人情况"));
        b.put(1, 3, 2, 1, Heading(TABLE3_COLUMNS[0]));
        b.put(1, 4, 1, 5, Heading("法人或其他组织"));
        b.put(1, 9, 2, 1, Heading(TABLE3_COLUMNS[6]));
        for (c, h) in TABLE3_COLUMNS[1..6].iter().copied().enumerate() {
            b.put(2, 4 + c, 1, 1, Heading(h));
        }
        let rows = t.rows();
        let labels: Vec<RowLabel> = rows.iter().map(|(l, _)| *l).collect();
        // How many rows from `i` on share a heading, so it is printed once, merged down.
        let run = |i: usize, same: &dyn Fn(&RowLabel, &RowLabel) -> bool| {
            labels[i..].iter().take_while(|l| same(l, &labels[i])).count()
        };
        for (i, (label, cells)) in rows.iter().enumerate() {
            let r = 3 + i;
            let first = |same: &dyn Fn(&RowLabel, &RowLabel) -> bool| i == 0 || !same(&labels[i - 1], label);
            match (label.group, label.item) {
                (None, _) => b.put(r, 0, 1, 3, Label(label.part)),
                (Some(group), item) => {
                    let same_part = |a: &RowLabel, b: &RowLabel| a.part == b.part && a.group.is_some();
                    if first(&same_part) {
                        b.put(r, 0, run(i, &same_part), 1, Label(label.part));
                    }
                    match item {
                        None => b.put(r, 1, 1, 2, Label(group)),
                        Some(item) => {
                            let same_group = |a: &RowLabel, b: &RowLabel| a.group == b.group && a.item.is_some();
                            if first(&same_group) {
                                b.put(r, 1, run(i, &same_group), 1, Label(group));
                            }
                            b.put(r, 2, 1, 1, Label(item));
                        }
                    }
                }
            }
            for (c, n) in cells.iter().enumerate() {
                b.put(r, 3 + c, 1, 1, Count(*n));
            }
        }
        b.grid(3 + TABLE3_ROWS, 10, 3)
    }

    /// Table 四: 行政复议 (5 columns) and 行政诉讼 (10 columns, split into 未经复议直接起诉
    /// and 复议后起诉); three header rows and one row of figures.
    pub fn table4(t: &Table4) -> Grid {
        use Content::{Count, Heading};
        let mut b = Builder { cells: Vec::new() };
        b.put(0, 0, 1, 5, Heading(ReviewKind::Review.label()));
        b.put(0, 5, 1, 10, Heading("行政诉讼"));
        for (c, h) in TABLE4_RESULT_COLUMNS.into_iter().enumerate() {
            b.put(1, c, 2, 1, Heading(h));
        }
        for (g, k) in [ReviewKind::LawsuitDirect, ReviewKind::LawsuitAfterReview].into_iter().enumerate() {
            let at = 5 + g * 5;
            b.put(1, at, 1, 5, Heading(k.label()));
            for (c, h) in TABLE4_RESULT_COLUMNS.into_iter().enumerate() {
                b.put(2, at + c, 1, 1, Heading(h));
            }
        }
        for (c, n) in t.cells().into_iter().enumerate() {
            b.put(3, c, 1, 1, Count(n));
        }
        b.grid(4, 15, 3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;
    use proptest::prelude::*;
    use std::collections::HashMap;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn rec(t: ApplicantType, received: Option<&str>, closed: Option<(Outcome, &str)>) -> RequestRecord {
        RequestRecord { applicant_type: t, received_on: received.map(d), closed: closed.map(|(o, on)| (o, d(on))) }
    }

    /// The rows (一, 二, 三（七）, 四) a single record lands in for 2024, as column totals.
    fn placement(r: RequestRecord) -> [u64; 4] {
        let t = Table3::from_records(2024, &[r]);
        [t.row(0)[6], t.row(1)[6], t.row(23)[6], t.row(24)[6]]
    }

    #[test]
    fn each_record_lands_in_the_right_rows() {
        use ApplicantType::*;
        use Outcome::*;
        let cases = [
            (
                rec(Person, Some("2023-12-20"), Some((Disclosed, "2024-01-10"))),
                [0, 1, 1, 0],
                "last year's, replied now",
            ),
            (rec(Business, Some("2024-12-28"), None), [1, 0, 0, 1], "received in December, still open"),
            (rec(Research, Some("2024-12-20"), Some((NotHeld, "2025-01-15"))), [1, 0, 0, 1], "replied next year"),
            (rec(Person, None, None), [0, 0, 0, 0], "awaiting confirmation of receipt"),
            (rec(Person, None, Some((Disclosed, "2024-05-01"))), [0, 0, 0, 0], "never received: nowhere"),
            (rec(Person, Some("2024-03-01"), Some((Repeated, "2024-03-20"))), [1, 0, 1, 0], "in and out this year"),
            (rec(Person, Some("2023-06-01"), Some((Disclosed, "2023-07-01"))), [0, 0, 0, 0], "all last year"),
            (rec(Person, Some("2023-12-31"), Some((Disclosed, "2023-12-31"))), [0, 0, 0, 0], "closed on 12-31"),
            (rec(Person, Some("2023-12-31"), Some((Disclosed, "2024-01-01"))), [0, 1, 1, 0], "closed on 1-1"),
            (rec(Person, Some("2022-05-01"), None), [0, 1, 0, 1], "open for two years"),
            (rec(Person, Some("2025-01-01"), None), [0, 0, 0, 0], "next year's"),
            (rec(Person, Some("2024-12-31"), Some((Disclosed, "2024-12-31"))), [1, 0, 1, 0], "same day, 12-31"),
            (
                rec(Person, Some("2024-05-10"), Some((Disclosed, "2024-05-01"))),
                [1, 0, 1, 0],
                "reply dated before receipt counts on receipt",
            ),
            (
                rec(Person, Some("2025-01-05"), Some((Disclosed, "2024-12-30"))),
                [0, 0, 0, 0],
                "reply dated before a receipt next year stays out",
            ),
        ];
        for (r, want, why) in cases {
            assert_eq!(placement(r), want, "{why}");
        }
    }

    #[test]
    fn outcomes_and_columns_land_in_their_cells() {
        use ApplicantType::*;
        use Outcome::*;
        let records = [
            rec(Person, Some("2023-12-20"), Some((Disclosed, "2024-01-10"))),
            rec(Business, Some("2024-12-28"), None),
            rec(Research, Some("2024-12-20"), Some((NotHeld, "2025-01-15"))),
            rec(Person, None, None),
            rec(LegalService, Some("2024-02-01"), Some((ThirdPartyRights, "2024-02-20"))),
            rec(OtherOrganisation, Some("2024-04-01"), Some((OtherOutcome, "2024-04-02"))),
        ];
        let t = Table3::from_records(2024, &records);
        assert_eq!(t.row(0), [0, 1, 1, 0, 1, 1, 4]);
        assert_eq!(t.row(1), [1, 0, 0, 0, 0, 0, 1]);
        assert_eq!(t.row(Disclosed.table3_row()), [1, 0, 0, 0, 0, 0, 1]);
        assert_eq!(t.row(ThirdPartyRights.table3_row()), [0, 0, 0, 0, 1, 0, 1]);
        assert_eq!(t.row(OtherOutcome.table3_row()), [0, 0, 0, 0, 0, 1, 1]);
        assert_eq!(t.row(NotHeld.table3_row()), [0; 7]);
        assert_eq!(t.row(23), [1, 0, 0, 0, 1, 1, 3]);
        assert_eq!(t.row(24), [0, 1, 1, 0, 0, 0, 2]);
        assert_eq!(t.outcome(ThirdPartyRights).get(LegalService), 1);
        assert_eq!(t.check_identity(), Ok(()));
    }

    #[test]
    fn row_labels_follow_the_national_format() {
        let rows = Table3::default().rows();
        assert_eq!(rows.len(), TABLE3_ROWS);
        assert_eq!(rows[0].0.leaf(), "一、本年新收政府信息公开申请数量");
        assert_eq!(rows[1].0.leaf(), "二、上年结转政府信息公开申请数量");
        assert_eq!(rows[2].0.to_string(), "三、本年度办理结果／（一）予以公开");
        assert_eq!(rows[4].0.to_string(), "三、本年度办理结果／（三）不予公开／1.属于国家秘密");
        assert_eq!(rows[22].0.to_string(), "三、本年度办理结果／（六）其他处理／3.其他");
        assert_eq!(rows[23].0.leaf(), "（七）总计");
        assert_eq!(rows[24].0.leaf(), "四、结转下年度继续办理");
        // The groups and the outcome labels say the same thing.
        for o in Outcome::ALL {
            let label = RowLabel::of_outcome(*o);
            let group = label.group.unwrap().split_once('）').unwrap().1;
            let kind = o.label().split('：').next().unwrap();
            assert!(group.starts_with(kind), "{o:?}: {group} / {kind}");
            assert_eq!(RowLabel::of_row(o.table3_row()), label);
        }
    }

    #[test]
    fn identity_errors_name_the_columns() {
        let mut t = Table3::from_records(
            2024,
            &[rec(ApplicantType::Person, Some("2024-01-05"), Some((Outcome::Disclosed, "2024-01-10")))],
        );
        assert_eq!(t.check_identity(), Ok(()));
        t.new.add(ApplicantType::Person, 2);
        t.carried_forward.add(ApplicantType::PublicInterest, 1);
        let err = t.check_identity().unwrap_err();
        assert_eq!(err.columns.len(), 2);
        let msg = err.to_string();
        assert!(msg.contains("“自然人”列为 3 件，但办理结果总计加结转下年度为 1 件"), "{msg}");
        assert!(msg.contains("“社会公益组织”列为 0 件"), "{msg}");
    }

    #[test]
    fn json_shape_uses_codes_and_totals_are_computed() {
        let t = Table3::from_records(
            2024,
            &[
                rec(ApplicantType::Business, Some("2024-01-05"), Some((Outcome::StateSecret, "2024-01-10"))),
                rec(ApplicantType::Person, Some("2024-01-05"), None),
            ],
        );
        let v = serde_json::to_value(&t).unwrap();
        assert_eq!(v["new"]["organisation.business"], 1);
        assert_eq!(v["new"]["total"], 2);
        assert_eq!(v["outcomes"]["withheld.state_secret"]["total"], 1);
        assert_eq!(v["replied_total"]["organisation.business"], 1);
        assert_eq!(v["carried_forward"]["person"], 1);
        let text = serde_json::to_string(&t).unwrap();
        assert!(text.find("\"disclosed\"").unwrap() < text.find("\"other.other\"").unwrap(), "table order");
        assert!(text.find("\"person\"").unwrap() < text.find("\"organisation.business\"").unwrap());
        assert_eq!(serde_json::from_value::<Table3>(v).unwrap(), t);
        // Totals in the input are ignored, unknown codes refused.
        let edited = serde_json::json!({
            "new": { "person": 1, "total": 99 }, "carried_over": {}, "outcomes": { "disclosed": { "person": 1 } },
            "replied_total": { "person": 42 }, "carried_forward": {}
        });
        let t: Table3 = serde_json::from_value(edited).unwrap();
        assert_eq!((t.new.total(), t.replied().total()), (1, 1));
        let bad = serde_json::json!({"new": {"alien": 1}, "carried_over": {}, "outcomes": {}, "carried_forward": {}});
        assert!(serde_json::from_value::<Table3>(bad).unwrap_err().to_string().contains("未知的申请人类型“alien”"));

        let t4 = Table4::from_records(&[(ReviewKind::Review, ReviewResult::Upheld)]);
        let v = serde_json::to_value(t4).unwrap();
        assert_eq!(v["review"], serde_json::json!({"upheld": 1, "corrected": 0, "other": 0, "pending": 0, "total": 1}));
        assert_eq!(serde_json::from_value::<Table4>(v).unwrap(), t4);
    }

    #[test]
    fn table4_groups_and_totals() {
        use ReviewKind::*;
        use ReviewResult::*;
        let records = [
            (Review, Upheld),
            (Review, Upheld),
            (Review, Corrected),
            (Review, Pending),
            (LawsuitDirect, Other),
            (LawsuitAfterReview, Upheld),
            (LawsuitAfterReview, Pending),
        ];
        let t = Table4::from_records(&records);
        assert_eq!(t.cells(), [2, 1, 0, 1, 4, 0, 0, 1, 0, 1, 1, 0, 0, 1, 2]);
        let counts = [(Review, Upheld, 2), (Review, Corrected, 1), (Review, Pending, 1), (LawsuitDirect, Other, 1)];
        let mut c = counts.to_vec();
        c.extend([(LawsuitAfterReview, Upheld, 1), (LawsuitAfterReview, Pending, 1)]);
        assert_eq!(Table4::from_counts(&c), t);
        assert_eq!(t.group(Review).get(Upheld), 2);
        assert_eq!(Table4::default().cells(), [0; 15]);
        assert_eq!(ReviewKind::parse("复议后起诉"), Some(LawsuitAfterReview));
        assert_eq!(ReviewResult::parse("pending"), Some(Pending));
    }

    #[test]
    fn deadlines() {
        for (year, government, want) in
            [(2024, false, "2025-01-31"), (2024, true, "2025-03-31"), (2027, true, "2028-03-31")]
        {
            assert_eq!(report_deadline(year, government), d(want));
        }
        let due = report_deadline(2024, false);
        for (published, today, late, why) in [
            (Some("2025-01-31"), "2025-06-01", false, "published on the day"),
            (Some("2025-02-01"), "2025-02-01", true, "published a day late"),
            (None, "2025-01-31", false, "not yet, still in time"),
            (None, "2025-02-01", true, "not published and past the day"),
            (Some("2024-12-30"), "2025-03-01", false, "early"),
        ] {
            assert_eq!(is_late(due, published.map(d), d(today)), late, "{why}");
        }
        assert_eq!(year_bounds(2024), (d("2024-01-01"), d("2024-12-31")));
        assert_eq!(report_deadline(i32::MAX, true), NaiveDate::MAX, "never panics");
        assert_eq!(parse_year(" ２０２４ "), Ok(2024));
        assert_eq!(parse_year("2007").unwrap_err().message_for("year"), Some("报告年度：应为 2008 年以后的四位年份"));
        assert_eq!(parse_year("").unwrap_err().message_for("year"), Some("报告年度：不能为空"));
    }

    #[test]
    fn fees_are_normalised_decimals() {
        let label = "行政事业性收费本年收费金额（万元）";
        for (input, want) in [
            ("0", Ok("0")),
            (" 12.5 ", Ok("12.5")),
            ("0012.5000", Ok("12.5000")),
            (".5", Ok("0.5")),
            ("１２．３４", Ok("12.34")),
            ("000", Ok("0")),
            ("", Err("不能为空，没有收费的请填 0")),
            ("12.", Err("应为不小于 0 的数字，如 12.5")),
            ("-1", Err("应为不小于 0 的数字，如 12.5")),
            ("1,200", Err("应为不小于 0 的数字，如 12.5")),
            ("1.2.3", Err("应为不小于 0 的数字，如 12.5")),
            (".", Err("应为不小于 0 的数字，如 12.5")),
            ("1e5", Err("应为不小于 0 的数字，如 12.5")),
            ("1.23456", Err("最多保留 4 位小数（单位为万元）")),
            ("12345678901", Err("金额过大，请确认单位为万元")),
        ] {
            let got = parse_fees_wan_yuan(input);
            match want {
                Ok(v) => assert_eq!(got, Ok(v.to_string()), "{input:?}"),
                Err(m) => {
                    let e = got.unwrap_err();
                    assert_eq!(e.message_for("fees_wan_yuan"), Some(format!("{label}：{m}").as_str()), "{input:?}");
                }
            }
        }
    }

    #[test]
    fn manual_table2_names_every_bad_field() {
        let input = ManualTable2Input {
            licensing: "１２0".into(),
            penalty: "".into(),
            enforcement: "3.5".into(),
            fees_wan_yuan: "abc".into(),
        };
        let e = ManualTable2::parse(&input).unwrap_err();
        assert_eq!(e.0.len(), 3);
        assert_eq!(e.message_for("penalty"), Some("行政处罚本年处理决定数量：不能为空，没有的请填 0"));
        assert_eq!(e.message_for("enforcement"), Some("行政强制本年处理决定数量：应为不小于 0 的整数"));
        assert!(e.message_for("fees_wan_yuan").unwrap().starts_with("行政事业性收费本年收费金额（万元）："));
        let big = ManualTable2Input { licensing: "99999999999999999999999".into(), ..input.clone() };
        assert_eq!(
            ManualTable2::parse(&big).unwrap_err().message_for("licensing"),
            Some("行政许可本年处理决定数量：数字过大")
        );
        let ok = ManualTable2Input {
            licensing: " 120 ".into(),
            penalty: "0".into(),
            enforcement: "7".into(),
            fees_wan_yuan: "3.25".into(),
        };
        let m = ManualTable2::parse(&ok).unwrap();
        assert_eq!(m, ManualTable2 { licensing: 120, penalty: 0, enforcement: 7, fees_wan_yuan: "3.25".into() });
        let rules = IssuedRepealedInForce { issued: 1, repealed: 0, in_force: 9 };
        let t2 = Table2::new(rules, IssuedRepealedInForce::default(), m.clone());
        assert_eq!((t2.licensing, t2.manual()), (120, m));
        assert_eq!(Table2::default().fees_wan_yuan, "0");
    }

    #[test]
    fn sections_are_trimmed_limited_and_required_to_publish() {
        let long = "字".repeat(MAX_SECTION_CHARS + 1);
        let input =
            SectionsInput {
                overall: "  总体情况良好。\n第二段。 ".into(), problems: long, other: "\u{7}".into()
            };
        let e = Sections::parse(&input).unwrap_err();
        assert_eq!(
            e.message_for("problems"),
            Some(format!("五、存在的主要问题及改进情况：不能超过 {MAX_SECTION_CHARS} 个字（现有 20001 个）").as_str())
        );
        assert_eq!(e.message_for("other"), Some("六、其他需要报告的事项：含有不可见的控制字符"));
        let s = Sections::parse(&SectionsInput {
            overall: "  总体情况良好。\n第二段。 ".into(), ..Default::default()
        })
        .unwrap();
        assert_eq!(s.overall, "总体情况良好。\n第二段。");
        let mut report = AnnualReport {
            unit_name: "济南市示例局".into(),
            year: 2024,
            sections: s,
            table2: Table2::default(),
            table3: Table3::default(),
            table4: Table4::default(),
        };
        assert_eq!(report.title(), "济南市示例局2024年政府信息公开工作年度报告");
        let e = report.check_publishable().unwrap_err();
        assert_eq!(
            e.message_for("problems"),
            Some("五、存在的主要问题及改进情况：不能为空，没有需要报告的内容请写“无”")
        );
        assert!(e.message_for("overall").is_none());
        report.sections.problems = "无".into();
        report.sections.other = "无".into();
        assert_eq!(report.check_publishable(), Ok(()));
        report.table3.new.add(ApplicantType::Person, 1);
        assert!(report.check_publishable().unwrap_err().message_for("table3").unwrap().starts_with("表三："));
    }

    /// Every grid position is covered by exactly one cell and every cell lies inside the grid.
    fn assert_tiles(g: &layout::Grid) {
        let mut seen = vec![0u8; g.rows * g.cols];
        for c in &g.cells {
            assert!(c.rows > 0 && c.cols > 0 && c.row + c.rows <= g.rows && c.col + c.cols <= g.cols, "{c:?}");
            for r in c.row..c.row + c.rows {
                for k in c.col..c.col + c.cols {
                    seen[r * g.cols + k] += 1;
                }
            }
        }
        assert!(seen.iter().all(|n| *n == 1), "{seen:?}");
    }

    #[test]
    fn layouts_tile_their_grids_like_the_national_format() {
        use layout::Content::*;
        let mut t3 = Table3::default();
        t3.outcomes[0].add(ApplicantType::Research, 4);
        let g = layout::table3(&t3);
        assert_tiles(&g);
        assert_eq!((g.rows, g.cols), (28, 10));
        let at = |g: &layout::Grid, r, c| g.covering(r, c).map(|c| (c.row, c.col, c.rows, c.cols, c.content.clone()));
        assert_eq!(at(&g, 3, 2), Some((3, 0, 1, 3, Label("一、本年新收政府信息公开申请数量"))));
        assert_eq!(at(&g, 20, 0), Some((5, 0, 22, 1, Label("三、本年度办理结果"))));
        assert_eq!(at(&g, 10, 1), Some((7, 1, 8, 1, Label("（三）不予公开"))));
        assert_eq!(at(&g, 5, 2), Some((5, 1, 1, 2, Label("（一）予以公开"))));
        assert_eq!(at(&g, 26, 2), Some((26, 1, 1, 2, Label("（七）总计"))));
        assert_eq!(at(&g, 5, 5), Some((5, 5, 1, 1, Count(4))));
        assert_eq!(at(&g, 26, 9), Some((26, 9, 1, 1, Count(4))));
        assert_eq!(at(&g, 2, 3), Some((1, 3, 2, 1, Heading("自然人"))));

        let g = layout::table4(&Table4::from_records(&[(ReviewKind::LawsuitAfterReview, ReviewResult::Corrected)]));
        assert_tiles(&g);
        assert_eq!(at(&g, 0, 9), Some((0, 5, 1, 10, Heading("行政诉讼"))));
        assert_eq!(at(&g, 2, 4), Some((1, 4, 2, 1, Heading("总计"))));
        assert_eq!(at(&g, 1, 12), Some((1, 10, 1, 5, Heading("复议后起诉"))));
        assert_eq!(at(&g, 3, 11), Some((3, 11, 1, 1, Count(1))));

        let t2 = Table2 { licensing: 5, fees_wan_yuan: "1.5".into(), ..Table2::default() };
        let g = layout::table2(&t2);
        assert_tiles(&g);
        assert_eq!(g.rows, 14);
        assert_eq!(at(&g, 6, 3), Some((6, 1, 1, 3, Count(5))));
        assert_eq!(at(&g, 13, 2), Some((13, 1, 1, 3, Amount("1.5".into()))));
        assert_eq!(at(&g, 12, 1), Some((12, 1, 1, 3, Heading("本年收费金额（单位：万元）"))));
    }

    fn any_record() -> impl Strategy<Value = RequestRecord> {
        let start = d("2022-01-01");
        let day = move |n: u64| start + chrono::Days::new(n);
        (
            0usize..6,
            proptest::option::weighted(0.9, 0u64..1100),
            proptest::option::weighted(0.7, (0usize..OUTCOMES, 0u64..1100)),
        )
            .prop_map(move |(t, received, closed)| RequestRecord {
                applicant_type: ApplicantType::ALL[t],
                received_on: received.map(day),
                closed: closed.map(|(o, n)| (Outcome::ALL[o], day(n))),
            })
    }

    /// What the store's GROUP BY queries would return, written as the SQL conditions in the
    /// documentation of `Table3Counts`.
    fn grouped(year: i32, records: &[RequestRecord]) -> Table3Counts {
        let (start, end) = year_bounds(year);
        let mut new = HashMap::new();
        let mut over = HashMap::new();
        let mut replied = HashMap::new();
        let mut forward = HashMap::new();
        for r in records {
            let Some(received) = r.received_on else { continue };
            let closed = r.closed.map(|(o, on)| (o, std::cmp::max(on, received)));
            let t = r.applicant_type;
            if received >= start && received <= end {
                *new.entry(t).or_insert(0) += 1;
            }
            let open_on = |day: NaiveDate| match closed {
                None => true,
                Some((_, on)) => on >= day,
            };
            if received < start && open_on(start) {
                *over.entry(t).or_insert(0) += 1;
            }
            if let Some((o, on)) = closed
                && on >= start
                && on <= end
            {
                *replied.entry((t, o)).or_insert(0) += 1;
            }
            if received <= end && open_on(end + chrono::Days::new(1)) {
                *forward.entry(t).or_insert(0) += 1;
            }
        }
        Table3Counts {
            new: new.into_iter().collect(),
            carried_over: over.into_iter().collect(),
            replied: replied.into_iter().map(|((t, o), n)| (t, o, n)).collect(),
            carried_forward: forward.into_iter().collect(),
        }
    }

    proptest! {
        #[test]
        fn the_identity_holds_and_counts_agree(
            records in proptest::collection::vec(any_record(), 0..60),
            year in 2022i32..2026,
        ) {
            let t = Table3::from_records(year, &records);
            prop_assert_eq!(t.check_identity(), Ok(()));
            prop_assert_eq!(&Table3::from_counts(&grouped(year, &records)), &t);
            let totals: Vec<[u64; 7]> = (0..TABLE3_ROWS).map(|i| t.row(i)).collect();
            for row in &totals {
                prop_assert_eq!(row[6], row[..6].iter().sum::<u64>());
            }
            let outcome_sum: u64 = totals[2..23].iter().map(|r| r[6]).sum();
            prop_assert_eq!(totals[23][6], outcome_sum);
            let counted = records.iter().filter(|r| r.received_on.is_some_and(|on| on.year() == year)).count();
            prop_assert_eq!(totals[0][6], counted as u64);
            let back: Table3 = serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
            prop_assert_eq!(back, t);
        }
    }
}
