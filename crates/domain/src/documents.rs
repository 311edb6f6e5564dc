//! Government information (政府信息): the metadata of the 政府信息公开目录 — 文号, 索引号,
//! 体裁, 主题分类, 有效性 — and how withdrawn documents are treated.

use crate::codes::CreditCode;
use serde::{Deserialize, Serialize};
use std::fmt;

/// 文号 (发文字号): `济政发〔2021〕5号`, `济医保字〔2021〕12号`, or the numbering of orders and
/// announcements, `国务院令第711号`. Typed with any of the common brackets; kept in the
/// canonical form with 〔〕.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct DocNo {
    /// 机关代字 and category, e.g. `济政发`, `国务院令`.
    pub prefix: String,
    pub year: Option<i32>,
    pub serial: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocNoError {
    Empty,
    TooLong,
    MissingPrefix,
    MissingSerial,
    BadYear,
    Shape,
}

impl fmt::Display for DocNoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DocNoError::Empty => "不能为空",
            DocNoError::TooLong => "过长，请检查",
            DocNoError::MissingPrefix => "缺少发文机关代字，如“济政发”",
            DocNoError::MissingSerial => "缺少序号，应以“N号”结尾",
            DocNoError::BadYear => "年份应为四位数字，如〔2021〕",
            DocNoError::Shape => "格式不正确，应如“济政发〔2021〕5号”或“国务院令第711号”",
        })
    }
}

impl std::error::Error for DocNoError {}

const OPEN_BRACKETS: &[char] = &['〔', '[', '［', '(', '（', '【', '{', '〖', '<', '〈', '《'];
const CLOSE_BRACKETS: &[char] = &['〕', ']', '］', ')', '）', '】', '}', '〗', '>', '〉', '》'];

fn digit_value(c: char) -> Option<u32> {
    c.to_digit(10).or_else(|| {
        // Full-width digits, as pasted from Word.
        let v = c as u32;
        (0xFF10..=0xFF19).contains(&v).then(|| v - 0xFF10)
    })
}

impl DocNo {
    pub fn parse(input: &str) -> Result<DocNo, DocNoError> {
        let s: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if s.is_empty() {
            return Err(DocNoError::Empty);
        }
        if s.chars().count() > 40 {
            return Err(DocNoError::TooLong);
        }
        let body = s.strip_suffix('号').ok_or(DocNoError::MissingSerial)?;
        // The serial: the trailing digits.
        let chars: Vec<char> = body.chars().collect();
        let mut i = chars.len();
        while i > 0 && digit_value(chars[i - 1]).is_some() {
            i -= 1;
        }
        if i == chars.len() {
            return Err(DocNoError::MissingSerial);
        }
        let serial_text: String =
            chars[i..].iter().map(|c| char::from_digit(digit_value(*c).unwrap_or(0), 10).unwrap_or('0')).collect();
        let serial: u32 = serial_text.parse().map_err(|_| DocNoError::Shape)?;
        let head: &[char] = &chars[..i];
        // Either "…〔YYYY〕" or "…第" before the serial.
        if let Some(before) = head.strip_suffix(&['第']) {
            let prefix: String = before.iter().collect();
            if prefix.is_empty() || before.iter().any(|c| OPEN_BRACKETS.contains(c) || CLOSE_BRACKETS.contains(c)) {
                return Err(DocNoError::MissingPrefix);
            }
            return Ok(DocNo { prefix, year: None, serial });
        }
        let (close, rest) = head.split_last().ok_or(DocNoError::Shape)?;
        if !CLOSE_BRACKETS.contains(close) {
            return Err(DocNoError::Shape);
        }
        let open_at = rest.iter().rposition(|c| OPEN_BRACKETS.contains(c)).ok_or(DocNoError::Shape)?;
        let year_chars = &rest[open_at + 1..];
        if year_chars.len() != 4 || year_chars.iter().any(|c| digit_value(*c).is_none()) {
            return Err(DocNoError::BadYear);
        }
        let year = year_chars.iter().fold(0i32, |acc, c| acc * 10 + digit_value(*c).unwrap_or(0) as i32);
        if !(1949..=2100).contains(&year) {
            return Err(DocNoError::BadYear);
        }
        let prefix: String = rest[..open_at].iter().collect();
        if prefix.is_empty() {
            return Err(DocNoError::MissingPrefix);
        }
        if prefix.chars().any(|c| {
            OPEN_BRACKETS.contains(&c) || CLOSE_BRACKETS.contains(&c) || digit_value(c).is_some() && c.is_ascii()
        }) {
            return Err(DocNoError::Shape);
        }
        Ok(DocNo { prefix, year: Some(year), serial })
    }

    /// The key exact 文号 search matches on: the same for every way of typing it. The
    /// country's name before an organ (中华人民共和国国务院令) is often left out, so it is
    /// left out here too.
    pub fn key(&self) -> String {
        let prefix = self.prefix.strip_prefix("中华人民共和国").filter(|p| !p.is_empty()).unwrap_or(&self.prefix);
        match self.year {
            Some(y) => format!("{prefix}{y}-{}", self.serial),
            None => format!("{prefix}第{}", self.serial),
        }
    }
}

/// Every 文号 written in a text, such as the history lines under a law's title
/// ("2019年4月3日中华人民共和国国务院令第711号修订").
pub fn find_doc_numbers(text: &str) -> Vec<DocNo> {
    let chars: Vec<char> = text.chars().collect();
    let mut found: Vec<DocNo> = Vec::new();
    for (i, c) in chars.iter().enumerate() {
        if *c != '号' {
            continue;
        }
        // Back to the nearest boundary: a date's 日, a closing title mark, punctuation or space.
        let mut start = i;
        while start > 0 && i - start < 40 {
            let p = chars[start - 1];
            if p == '日'
                || p == '》'
                || p == '年' && start >= 2 && chars[start - 2].is_ascii_digit()
                || p.is_whitespace()
                || "，。、；：（）()【】“”\"".contains(p)
            {
                break;
            }
            start -= 1;
        }
        let candidate: String = chars[start..=i].iter().collect();
        if let Ok(d) = DocNo::parse(&candidate)
            && !found.contains(&d)
        {
            found.push(d);
        }
    }
    found
}

impl fmt::Display for DocNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.year {
            Some(y) => write!(f, "{}〔{}〕{}号", self.prefix, y, self.serial),
            None => write!(f, "{}第{}号", self.prefix, self.serial),
        }
    }
}

/// 索引号: `<统一社会信用代码>/<年>-<五位序号>`, given at first publication and never changed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct IndexNo(String);

impl IndexNo {
    pub fn new(credit_code: &CreditCode, year: i32, serial: u32) -> IndexNo {
        IndexNo(format!("{}/{}-{:05}", credit_code.as_str(), year, serial))
    }

    pub fn parse(input: &str) -> Option<IndexNo> {
        let (code, rest) = input.trim().split_once('/')?;
        let code = CreditCode::parse(code).ok()?;
        let (year, serial) = rest.split_once('-')?;
        let year: i32 = year.parse().ok().filter(|y| (1949..=2100).contains(y))?;
        if serial.len() < 5 || !serial.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(IndexNo::new(&code, year, serial.parse().ok()?))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IndexNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

code_list! {
    /// 体裁
    Genre {
        Regulation = ("regulation", "规章"),
        Normative = ("normative", "行政规范性文件"),
        OtherDocument = ("other_document", "其他文件"),
        Notice = ("notice", "通知公告"),
        News = ("news", "工作动态"),
        Plan = ("plan", "规划计划"),
        Statistics = ("statistics", "统计数据"),
        Personnel = ("personnel", "人事信息"),
        Finance = ("finance", "财政信息"),
        Report = ("report", "工作报告"),
        Law = ("law", "法律法规"),
        Interpretation = ("interpretation", "政策解读"),
        /// 回应关切: a response to a public concern.
        Response = ("response", "回应关切"),
        Other = ("other", "其他"),
    }
}

code_list! {
    /// 主题分类 (国务院公文主题分类)
    Topic {
        General = ("general", "综合政务"),
        Economy = ("economy", "国民经济管理、国有资产监管"),
        Finance = ("finance", "财政、金融、审计"),
        Land = ("land", "国土资源、能源"),
        Agriculture = ("agriculture", "农业、林业、水利"),
        Industry = ("industry", "工业、交通"),
        Commerce = ("commerce", "商贸、海关、旅游"),
        Market = ("market", "市场监管、安全生产监管"),
        Construction = ("construction", "城乡建设、环境保护"),
        Science = ("science", "科技、教育"),
        Culture = ("culture", "文化、广电、新闻出版"),
        Health = ("health", "卫生、体育"),
        Population = ("population", "人口与计划生育、妇女儿童工作"),
        Labour = ("labour", "劳动、人事、监察"),
        Security = ("security", "公安、安全、司法"),
        CivilAffairs = ("civil_affairs", "民政、扶贫、救灾"),
        Ethnic = ("ethnic", "民族、宗教"),
        Foreign = ("foreign", "对外事务"),
        Compatriots = ("compatriots", "港澳台侨工作"),
        Defence = ("defence", "国防"),
        Other = ("other", "其他"),
    }
}

code_list! {
    /// 有效性
    Validity {
        Valid = ("valid", "有效"),
        Expired = ("expired", "失效"),
        Repealed = ("repealed", "废止"),
    }
}

code_list! {
    /// 公开方式
    DisclosureMode {
        Proactive = ("proactive", "主动公开"),
        OnRequest = ("on_request", "依申请公开"),
    }
}

code_list! {
    /// Why a published document was taken down (撤稿), after GOV.UK's unpublishing reasons.
    Withdrawal {
        /// Published in error: the page is gone, a notice stays at its address.
        InError = ("in_error", "误发撤回"),
        /// Replaced by another document: the address redirects to it.
        Replaced = ("replaced", "已被替代"),
        /// Withdrawn: the page stays with a notice saying so.
        Withdrawn = ("withdrawn", "撤回留存"),
    }
}

code_list! {
    /// Forms of a policy interpretation.
    InterpretationForm {
        Text = ("text", "文字解读"),
        Graphic = ("graphic", "图解"),
        Media = ("media", "音视频"),
        Expert = ("expert", "专家解读"),
        PressConference = ("press_conference", "新闻发布会"),
        Qa = ("qa", "问答"),
    }
}

impl Genre {
    /// Policies whose interpretation must be drafted, signed off and published with them
    /// (三同步).
    pub fn needs_interpretation(self) -> bool {
        matches!(self, Genre::Regulation | Genre::Normative)
    }
}

// What an editor types for a document, as strings: the one input of the console's form
// (`DocumentInput::from_form`) and of the API, whose OpenAPI schema is `DocumentBody`;
// `DocumentFields::parse` checks it. The doc comments are the schema's descriptions.
/// 文件草稿（新建或保存时提交）
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[schema(as = DocumentBody)]
#[serde(deny_unknown_fields)]
pub struct DocumentInput {
    /// 发布单位，不填为本人所在单位（仅新建时有效）
    pub unit_id: Option<i64>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub publisher: String,
    /// 文号，如“济医保字〔2025〕3号”
    #[serde(default)]
    pub doc_no: String,
    /// 成文日期 YYYY-MM-DD
    #[serde(default)]
    pub written_on: String,
    /// 定时发布时间 YYYY-MM-DD HH:MM
    #[serde(default)]
    pub publish_at: String,
    /// 主题分类代码或名称
    #[serde(default)]
    pub topic: String,
    /// 体裁代码或名称
    #[serde(default)]
    pub genre: String,
    #[serde(default)]
    pub keywords: String,
    /// 题注（题目下注明何时经何会议通过、修订的文字）
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub disclosure_mode: String,
    pub catalogue_item_id: Option<i64>,
    pub column_id: Option<i64>,
    pub interprets_id: Option<i64>,
    #[serde(default)]
    pub interpretation_form: String,
    /// 正文 HTML（会被清理），或 body_is_text 为 true 时的纯文本
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub body_is_text: bool,
    /// 问答解读的问答，按印发时的样子书写：问题以“问：”开头，回答以“答：”开头（给出 qa_pairs 时不读）
    #[serde(default)]
    pub qa: String,
    /// 问答解读的问答，每组一问一答（解读形式为 qa 时必填）
    #[serde(default)]
    pub qa_pairs: Option<Vec<crate::qa::QaPair>>,
    #[serde(default)]
    pub change_note: String,
    #[serde(default)]
    pub minor_change: bool,
}

impl DocumentInput {
    /// The input of a console form, whose fields are all text: an id that is not a number is
    /// none (the form only offers numbers), a check box is on when it sends "1".
    pub fn from_form(get: &dyn Fn(&str) -> String) -> DocumentInput {
        let id = |name: &str| get(name).trim().parse::<i64>().ok();
        DocumentInput {
            unit_id: id("unit_id"),
            title: get("title"),
            publisher: get("publisher"),
            doc_no: get("doc_no"),
            written_on: get("written_on"),
            publish_at: get("publish_at"),
            topic: get("topic"),
            genre: get("genre"),
            keywords: get("keywords"),
            note: get("note"),
            disclosure_mode: get("disclosure_mode"),
            catalogue_item_id: id("catalogue_item_id"),
            column_id: id("column_id"),
            interprets_id: id("interprets_id"),
            interpretation_form: get("interpretation_form"),
            body: get("body"),
            body_is_text: get("body_is_text") == "1",
            qa: get("qa"),
            qa_pairs: None,
            change_note: get("change_note"),
            minor_change: get("minor_change") == "1",
        }
    }
}

/// The validated working copy of a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentFields {
    pub title: String,
    pub publisher: String,
    pub doc_no: String,
    pub doc_no_key: String,
    pub written_on: Option<chrono::NaiveDate>,
    /// Local date and time (YYYY-MM-DD HH:MM) at which to publish, if scheduled.
    pub publish_at: Option<String>,
    pub topic: Topic,
    pub genre: Genre,
    pub keywords: String,
    pub note: String,
    pub disclosure_mode: DisclosureMode,
    pub catalogue_item_id: Option<i64>,
    pub column_id: Option<i64>,
    pub interprets_id: Option<i64>,
    pub interpretation_form: Option<InterpretationForm>,
    pub body_html: String,
    pub body_text: String,
    /// Question–answer pairs (问答 interpretations; empty otherwise).
    pub qa: Vec<crate::qa::QaPair>,
    pub change_note: String,
    pub minor_change: bool,
}

impl DocumentFields {
    /// Validates every field and reports all problems at once; `default_publisher` is the
    /// unit's full name, used when the field is left empty.
    pub fn parse(input: &DocumentInput, default_publisher: &str) -> Result<DocumentFields, crate::validation::Invalid> {
        use crate::validation::{Invalid, line, text};
        let mut errors = Invalid::default();
        let title = line(&mut errors, "title", "标题", &input.title, true, 200);
        let mut publisher = line(&mut errors, "publisher", "发布机构", &input.publisher, false, 80);
        if publisher.is_empty() {
            publisher = default_publisher.to_string();
        }
        let (doc_no, doc_no_key) = match input.doc_no.trim() {
            "" => (String::new(), String::new()),
            raw => match DocNo::parse(raw) {
                Ok(d) => (d.to_string(), d.key()),
                Err(e) => {
                    errors.push("doc_no", "文号", e);
                    (String::new(), String::new())
                }
            },
        };
        let written_on = match input.written_on.trim() {
            "" => None,
            raw => match crate::time::parse_date(raw) {
                Some(d) => Some(d),
                None => {
                    errors.push("written_on", "成文日期", "应为 YYYY-MM-DD 格式的日期");
                    None
                }
            },
        };
        let publish_at = match input.publish_at.trim() {
            "" => None,
            raw => {
                let normalized = raw.replace('T', " ");
                match chrono::NaiveDateTime::parse_from_str(&normalized, "%Y-%m-%d %H:%M") {
                    Ok(t) => Some(t.format("%Y-%m-%d %H:%M").to_string()),
                    Err(_) => {
                        errors.push("publish_at", "定时发布时间", "应为 YYYY-MM-DD HH:MM 格式");
                        None
                    }
                }
            }
        };
        let topic = Topic::parse(&input.topic).unwrap_or_else(|| {
            errors.push("topic", "主题分类", "请选择");
            Topic::Other
        });
        let genre = Genre::parse(&input.genre).unwrap_or_else(|| {
            errors.push("genre", "体裁", "请选择");
            Genre::Other
        });
        let keywords = line(&mut errors, "keywords", "主题词", &input.keywords, false, 100);
        let note = text(&mut errors, "note", "题注", &input.note, false, 2000);
        let disclosure_mode = match input.disclosure_mode.trim() {
            "" => DisclosureMode::Proactive,
            raw => DisclosureMode::parse(raw).unwrap_or_else(|| {
                errors.push("disclosure_mode", "公开方式", "应为主动公开或依申请公开");
                DisclosureMode::Proactive
            }),
        };
        let interpretation_form = match input.interpretation_form.trim() {
            "" => None,
            raw => InterpretationForm::parse(raw).or_else(|| {
                errors.push("interpretation_form", "解读形式", "不是可选的解读形式");
                None
            }),
        };
        if genre == Genre::Interpretation && input.interprets_id.is_none() {
            errors.push("interprets_id", "所解读的文件", "政策解读须关联所解读的政策文件");
        }
        let mut raw_body = text(&mut errors, "body", "正文", &input.body, false, 2_000_000);
        if !input.body_is_text && crate::html::nesting_depth(&raw_body) > crate::html::MAX_DEPTH {
            errors.push("body", "正文", format!("标签嵌套超过 {} 层，请清除格式后重新粘贴", crate::html::MAX_DEPTH));
            raw_body.clear();
        }
        let body_html =
            if input.body_is_text { crate::html::from_plain_text(&raw_body) } else { crate::html::sanitize(&raw_body) };
        let body_text = crate::html::to_text(&body_html);
        let qa = match &input.qa_pairs {
            Some(pairs) => crate::qa::check(pairs.clone()),
            None => crate::qa::parse(&input.qa),
        }
        .unwrap_or_else(|e| {
            errors.push("qa", "问答", e);
            Vec::new()
        });
        let is_qa = genre == Genre::Interpretation && interpretation_form == Some(InterpretationForm::Qa);
        if is_qa && qa.is_empty() && errors.message_for("qa").is_none() {
            errors.push("qa", "问答", "问答形式的解读至少要有一组问答（每个问题以“问：”开头，回答以“答：”开头）");
        }
        let change_note = text(&mut errors, "change_note", "修改说明", &input.change_note, false, 500);
        errors.into_result(DocumentFields {
            title,
            publisher,
            doc_no,
            doc_no_key,
            written_on,
            publish_at,
            topic,
            genre,
            keywords,
            note,
            disclosure_mode,
            catalogue_item_id: input.catalogue_item_id,
            column_id: input.column_id,
            interprets_id: input.interprets_id.filter(|_| genre == Genre::Interpretation),
            interpretation_form: if genre == Genre::Interpretation {
                interpretation_form.or(Some(InterpretationForm::Text))
            } else {
                None
            },
            body_html,
            body_text,
            qa: if is_qa { qa } else { Vec::new() },
            change_note,
            minor_change: input.minor_change,
        })
    }
}

/// Whether a policy was interpreted "in step" (三同步: interpretations are drafted, approved and
/// published together with the policy they explain).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SyncStatus {
    /// An interpretation was published on or before the policy's publication day.
    InStep,
    /// The first interpretation followed `days` calendar days later.
    Late {
        days: i64,
    },
    Missing,
}

impl SyncStatus {
    pub fn label(&self) -> String {
        match self {
            SyncStatus::InStep => "同步解读".into(),
            SyncStatus::Late { days } => format!("解读晚于文件 {days} 天发布"),
            SyncStatus::Missing => "未发布解读".into(),
        }
    }
}

/// The 三同步 status of a published document: `None` for genres that need no interpretation
/// (only 规章 and 行政规范性文件 do).
pub fn sync_status(
    genre: Genre,
    published: chrono::NaiveDate,
    first_interpretation: Option<chrono::NaiveDate>,
) -> Option<SyncStatus> {
    if !matches!(genre, Genre::Regulation | Genre::Normative) {
        return None;
    }
    Some(match first_interpretation {
        None => SyncStatus::Missing,
        Some(d) if d <= published => SyncStatus::InStep,
        Some(d) => SyncStatus::Late { days: (d - published).num_days() },
    })
}

/// The interpretation rate of a set of policies: (interpreted at all, interpreted in step,
/// total), and the in-step share in whole percent when there is any policy.
pub fn interpretation_rate(statuses: &[SyncStatus]) -> (usize, usize, usize, Option<u32>) {
    let total = statuses.len();
    let in_step = statuses.iter().filter(|s| **s == SyncStatus::InStep).count();
    let interpreted = statuses.iter().filter(|s| **s != SyncStatus::Missing).count();
    let share = (total > 0).then(|| ((in_step * 100 + total / 2) / total) as u32);
    (interpreted, in_step, total, share)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_numbers_in_every_common_form() {
        let cases: &[(&str, &str, &str)] = &[
            ("济政发〔2021〕5号", "济政发〔2021〕5号", "济政发2021-5"),
            ("济政发[2021]5号", "济政发〔2021〕5号", "济政发2021-5"),
            ("济政发（2021）5号", "济政发〔2021〕5号", "济政发2021-5"),
            ("济政发(2021)5号", "济政发〔2021〕5号", "济政发2021-5"),
            ("济政发【2021】5号", "济政发〔2021〕5号", "济政发2021-5"),
            (" 济医保字〔2021〕12号 ", "济医保字〔2021〕12号", "济医保字2021-12"),
            ("济医保字〔２０２１〕１２号", "济医保字〔2021〕12号", "济医保字2021-12"),
            ("国务院令第711号", "国务院令第711号", "国务院令第711"),
            ("济南市人民政府令第268号", "济南市人民政府令第268号", "济南市人民政府令第268"),
            ("国办发明电〔2018〕15号", "国办发明电〔2018〕15号", "国办发明电2018-15"),
        ];
        for (input, canonical, key) in cases {
            let d = DocNo::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(d.to_string(), *canonical, "{input}");
            assert_eq!(d.key(), *key, "{input}");
        }
        let bad: &[(&str, DocNoError)] = &[
            ("", DocNoError::Empty),
            ("济政发〔2021〕5", DocNoError::MissingSerial),
            ("济政发〔2021〕号", DocNoError::MissingSerial),
            ("〔2021〕5号", DocNoError::MissingPrefix),
            ("济政发〔21〕5号", DocNoError::BadYear),
            ("济政发〔1800〕5号", DocNoError::BadYear),
            ("济政发2021年5号", DocNoError::Shape),
            ("第5号", DocNoError::MissingPrefix),
            ("<script>alert(1)</script>号", DocNoError::MissingSerial),
        ];
        for (input, err) in bad {
            assert_eq!(DocNo::parse(input).as_ref().err(), Some(err), "{input}");
        }
    }

    #[test]
    fn doc_numbers_in_history_lines() {
        let note = "2007年4月5日中华人民共和国国务院令第492号公布　2019年4月3日中华人民共和国国务院令第711号修订";
        let keys: Vec<String> = find_doc_numbers(note).iter().map(|d| d.key()).collect();
        assert_eq!(keys, vec!["国务院令第492", "国务院令第711"]);
        assert_eq!(DocNo::parse("国务院令第711号").unwrap().key(), "国务院令第711");
        let keys: Vec<String> =
            find_doc_numbers("根据《关于修改部分规章的决定》（济南市人民政府令第268号）修正，济政发〔2021〕5号")
                .iter()
                .map(|d| d.key())
                .collect();
        assert_eq!(keys, vec!["济南市人民政府令第268", "济政发2021-5"]);
        assert!(find_doc_numbers("没有文号的一段话，编号为号").is_empty());
    }

    #[test]
    fn index_numbers() {
        let code = CreditCode::parse("113701000041890665").unwrap();
        let n = IndexNo::new(&code, 2025, 51);
        assert_eq!(n.as_str(), "113701000041890665/2025-00051");
        assert_eq!(IndexNo::parse("113701000041890665/2025-00051"), Some(n));
        assert_eq!(
            IndexNo::parse("113701000041890665/2025-123456").unwrap().as_str(),
            "113701000041890665/2025-123456"
        );
        for bad in [
            "113701000041890666/2025-00051",
            "113701000041890665/25-00051",
            "113701000041890665-2025-00051",
            "113701000041890665/2025-51",
        ] {
            assert_eq!(IndexNo::parse(bad), None, "{bad}");
        }
    }

    /// Found by the security test's look at every parser: the sanitiser took minutes on a
    /// megabyte of nested tags. Such a body is refused before it is parsed.
    #[test]
    fn deeply_nested_bodies_are_refused_before_parsing() {
        let input = |body: String| DocumentInput {
            title: "嵌套测试".into(),
            topic: "general".into(),
            genre: "notice".into(),
            body,
            ..Default::default()
        };
        let deep = "<div>".repeat(200_000) + "正文";
        let err = DocumentFields::parse(&input(deep), "济南市医疗保障局").unwrap_err();
        assert!(err.message_for("body").unwrap().contains("嵌套超过 256 层"), "{err}");
        let ordinary = "<div>".repeat(20) + "正文" + &"</div>".repeat(20);
        assert!(DocumentFields::parse(&input(ordinary), "济南市医疗保障局").is_ok());
    }

    #[test]
    fn code_lists_round_trip() {
        for g in Genre::ALL {
            assert_eq!(Genre::parse(g.code()), Some(*g));
            assert_eq!(Genre::parse(g.label()), Some(*g));
        }
        for t in Topic::ALL {
            assert_eq!(Topic::parse(t.label()), Some(*t));
        }
        assert_eq!(Validity::parse("废止"), Some(Validity::Repealed));
        assert_eq!(Withdrawal::parse("replaced"), Some(Withdrawal::Replaced));
        assert!(Genre::Normative.needs_interpretation() && !Genre::News.needs_interpretation());
        assert_eq!(Genre::parse("诗歌"), None);
    }

    #[test]
    fn document_fields_validate_and_clean() {
        let input = DocumentInput {
            title: " 济南市医疗保障局关于调整门诊慢特病待遇的通知 ".into(),
            doc_no: "济医保字[2025]3号".into(),
            written_on: "2025-03-03".into(),
            topic: "卫生、体育".into(),
            genre: "normative".into(),
            body: "<p style='x'>正文<script>bad()</script></p>".into(),
            ..Default::default()
        };
        let f = DocumentFields::parse(&input, "济南市医疗保障局").unwrap();
        assert_eq!(f.doc_no, "济医保字〔2025〕3号");
        assert_eq!(f.publisher, "济南市医疗保障局");
        assert_eq!(f.body_html, "<p>正文</p>");
        assert_eq!(f.body_text, "正文");
        assert_eq!(f.disclosure_mode, DisclosureMode::Proactive);
        let bad = DocumentInput {
            doc_no: "济医保字2025年3号".into(),
            written_on: "2025-02-30".into(),
            genre: "poem".into(),
            ..Default::default()
        };
        let e = DocumentFields::parse(&bad, "x").unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["title", "doc_no", "written_on", "topic", "genre"]);
        assert!(e.message_for("doc_no").unwrap().starts_with("文号："));
        let interp = DocumentInput {
            title: "解读".into(),
            topic: "other".into(),
            genre: "interpretation".into(),
            ..Default::default()
        };
        assert_eq!(
            DocumentFields::parse(&interp, "x").unwrap_err().message_for("interprets_id"),
            Some("所解读的文件：政策解读须关联所解读的政策文件")
        );
    }

    proptest::proptest! {
        #[test]
        fn doc_no_parser_never_panics(s in "\\PC{0,50}") {
            let _ = DocNo::parse(&s);
        }

        #[test]
        fn canonical_doc_numbers_parse_back(prefix in "[济鲁国][政医住办][发字函]{1,2}", year in 1990i32..2030, serial in 1u32..100000) {
            let d = DocNo { prefix, year: Some(year), serial };
            proptest::prop_assert_eq!(DocNo::parse(&d.to_string()).unwrap(), d);
        }
    }

    #[test]
    fn three_sync_statuses_and_rate() {
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let cases: &[(Genre, &str, Option<&str>, Option<SyncStatus>)] = &[
            (Genre::Normative, "2025-03-20", Some("2025-03-20"), Some(SyncStatus::InStep)),
            (Genre::Regulation, "2025-03-20", Some("2025-03-18"), Some(SyncStatus::InStep)),
            (Genre::Normative, "2025-03-20", Some("2025-03-27"), Some(SyncStatus::Late { days: 7 })),
            (Genre::Normative, "2025-03-20", None, Some(SyncStatus::Missing)),
            (Genre::Notice, "2025-03-20", None, None),
            (Genre::Interpretation, "2025-03-20", None, None),
        ];
        for (genre, published, interpreted, expected) in cases {
            assert_eq!(sync_status(*genre, d(published), interpreted.map(d)), *expected, "{genre:?} {interpreted:?}");
        }
        let all = [SyncStatus::InStep, SyncStatus::Late { days: 2 }, SyncStatus::Missing];
        assert_eq!(interpretation_rate(&all), (2, 1, 3, Some(33)));
        assert_eq!(interpretation_rate(&[]), (0, 0, 0, None));
        assert_eq!(interpretation_rate(&[SyncStatus::InStep, SyncStatus::InStep]).3, Some(100));
    }
}
