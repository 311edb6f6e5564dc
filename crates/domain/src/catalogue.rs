//! The standard list (事项标准清单) of each level and each unit's proactive disclosure catalogue
//! (主动公开基本目录), in the columns of the State Council's grassroots standard catalogue, and
//! the publication time limit rule.

use crate::calendar::{Calendar, Counted};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

code_list! {
    /// 公开渠道和载体: the fixed checklist.
    Channel {
        Website = ("website", "政府网站"),
        Gazette = ("gazette", "政府公报"),
        NewMedia = ("new_media", "两微一端"),
        Hearing = ("hearing", "发布会/听证会"),
        Broadcast = ("broadcast", "广播电视"),
        Print = ("print", "纸质媒体"),
        ReadingPoint = ("reading_point", "公开查阅点"),
        ServiceCentre = ("service_centre", "政务服务中心"),
        ServiceStation = ("service_station", "便民服务站"),
        OnSite = ("on_site", "入户/现场"),
        NoticeBoard = ("notice_board", "公示栏"),
        Push = ("push", "精准推送"),
        Hotline = ("hotline", "12345热线"),
        Other = ("other", "其他"),
    }
}

code_list! {
    /// 公开对象
    Audience {
        Public = ("public", "全社会"),
        Group = ("group", "特定群体"),
    }
}

/// Standard lists exist per administrative level of the units that instantiate them.
pub use crate::units::Level;

/// 公开时限
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum TimeLimit {
    /// N working days from the information's formation or change.
    WorkingDays(u32),
    /// 实时
    RealTime,
    /// 及时
    Timely,
    /// A period in words, e.g. 每年1月31日前, 长期公示.
    Period(String),
}

impl TimeLimit {
    /// Reads the column as catalogues write it: "20个工作日", "自该政府信息形成或者变更之日起
    /// 20个工作日内", "实时", "及时", or any other period in words.
    pub fn parse(text: &str) -> Option<TimeLimit> {
        let t = text.trim();
        if t.is_empty() {
            return None;
        }
        if let Some(pos) = t.find("个工作日") {
            let digits: String = t[..pos]
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_digit())
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            if let Ok(n) = digits.parse::<u32>()
                && (1..=365).contains(&n)
            {
                return Some(TimeLimit::WorkingDays(n));
            }
        }
        match t {
            "实时" => Some(TimeLimit::RealTime),
            "及时" => Some(TimeLimit::Timely),
            _ => Some(TimeLimit::Period(t.chars().take(200).collect())),
        }
    }

    pub fn label(&self) -> String {
        match self {
            TimeLimit::WorkingDays(n) => format!("信息形成或者变更之日起{n}个工作日内"),
            TimeLimit::RealTime => "实时".into(),
            TimeLimit::Timely => "及时".into(),
            TimeLimit::Period(p) => p.clone(),
        }
    }
}

/// When a document written on `written_on` is due for publication under `limit`.
pub fn publication_due(calendar: &Calendar, written_on: NaiveDate, limit: &TimeLimit) -> Option<Counted<NaiveDate>> {
    match limit {
        TimeLimit::WorkingDays(n) => Some(calendar.add_workdays(written_on, *n)),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum DueStatus {
    /// Published (or due) in time, `days_left` working days to go.
    OnTime {
        days_left: i64,
    },
    /// Three working days or fewer left.
    DueSoon {
        days_left: i64,
    },
    Late {
        days_over: i64,
    },
}

/// Where an unpublished document stands against its due date on `today`.
pub fn due_status(calendar: &Calendar, today: NaiveDate, due: NaiveDate) -> DueStatus {
    let left = calendar.workdays_between(today, due).value;
    if today > due {
        DueStatus::Late { days_over: -left }
    } else if left <= 3 {
        DueStatus::DueSoon { days_left: left }
    } else {
        DueStatus::OnTime { days_left: left }
    }
}

/// One row of a standard list or of a unit's catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueRow {
    /// 一级事项
    pub level1: String,
    /// 二级事项
    pub level2: String,
    /// 公开内容（要素）
    pub content: String,
    /// 公开依据
    pub basis: String,
    pub time_limit: TimeLimit,
    /// 公开主体
    pub subject: String,
    pub channels: Vec<Channel>,
    pub audience: Audience,
    pub mode: crate::documents::DisclosureMode,
    /// 公开层级, e.g. "市级、县级"
    pub layer: String,
}

/// The columns in the order of the national layout, for import and export.
pub const COLUMNS: [&str; 10] = [
    "一级事项",
    "二级事项",
    "公开内容（要素）",
    "公开依据",
    "公开时限",
    "公开主体",
    "公开渠道和载体",
    "公开对象",
    "公开方式",
    "公开层级",
];

/// The field names of the ten columns in forms and JSON.
pub const FIELDS: [&str; 10] =
    ["level1", "level2", "content", "basis", "time_limit", "subject", "channels", "audience", "mode", "layer"];

// A catalogue item as staff type it: the one input of the console's form
// (`CatalogueItemInput::from_form`) and of the API (schema `ItemBody`); `CatalogueRow::parse`
// checks it. The doc comments are the schema's descriptions.
/// 特色事项
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[schema(as = ItemBody)]
#[serde(default)]
pub struct CatalogueItemInput {
    pub level1: String,
    pub level2: String,
    pub content: String,
    pub basis: String,
    /// 如“20个工作日”“实时”“及时”
    pub time_limit: String,
    pub subject: String,
    /// 渠道代码或名称，如 ["website", "公示栏"]
    pub channels: Vec<String>,
    /// public / group 或 全社会 / 特定群体
    pub audience: String,
    /// proactive / on_request 或 主动公开 / 依申请公开
    pub mode: String,
    pub layer: String,
}

impl CatalogueItemInput {
    /// The input of a console form: `get` gives a field's value, `all` every value of the
    /// channel check boxes.
    pub fn from_form(get: &dyn Fn(&str) -> String, all: &dyn Fn(&str) -> Vec<String>) -> CatalogueItemInput {
        CatalogueItemInput {
            level1: get("level1"),
            level2: get("level2"),
            content: get("content"),
            basis: get("basis"),
            time_limit: get("time_limit"),
            subject: get("subject"),
            channels: all("channels"),
            audience: get("audience"),
            mode: get("mode"),
            layer: get("layer"),
        }
    }

    /// The ten cells of the national layout, codes written as their labels.
    fn cells(&self) -> Vec<String> {
        let channels: Vec<&str> =
            self.channels.iter().map(|c| Channel::parse(c).map(|c| c.label()).unwrap_or(c.as_str())).collect();
        vec![
            self.level1.clone(),
            self.level2.clone(),
            self.content.clone(),
            self.basis.clone(),
            self.time_limit.clone(),
            self.subject.clone(),
            channels.join("、"),
            Audience::parse(&self.audience).map(|a| a.label()).unwrap_or(&self.audience).to_string(),
            crate::documents::DisclosureMode::parse(&self.mode).map(|m| m.label()).unwrap_or(&self.mode).to_string(),
            self.layer.clone(),
        ]
    }
}

impl CatalogueRow {
    /// Builds a row from the ten cells of the national layout; errors name the column.
    pub fn from_cells(cells: &[String]) -> Result<CatalogueRow, String> {
        Self::check(cells).map_err(|(_, message)| message)
    }

    /// Checks a catalogue item typed into the console or sent to the API; the error names
    /// the field.
    pub fn parse(input: &CatalogueItemInput) -> Result<CatalogueRow, crate::validation::Invalid> {
        Self::check(&input.cells()).map_err(|(column, message)| {
            crate::validation::Invalid(vec![crate::validation::FieldError {
                field: FIELDS[column].to_string(),
                message,
            }])
        })
    }

    /// The row of the ten cells, or the index of the first column in error with its message.
    fn check(cells: &[String]) -> Result<CatalogueRow, (usize, String)> {
        let cell = |i: usize| cells.get(i).map(|s| s.trim().to_string()).unwrap_or_default();
        for (i, max) in
            [(0, 100), (1, 100), (2, 1000), (3, 1000), (4, 200), (5, 200), (6, 200), (7, 20), (8, 20), (9, 100)]
        {
            if cell(i).chars().count() > max {
                return Err((i, format!("“{}”不能超过 {max} 字", COLUMNS[i])));
            }
        }
        let level1 = cell(0);
        let level2 = cell(1);
        if level1.is_empty() {
            return Err((0, format!("“{}”不能为空", COLUMNS[0])));
        }
        if level2.is_empty() {
            return Err((1, format!("“{}”不能为空", COLUMNS[1])));
        }
        let time_limit = TimeLimit::parse(&cell(4)).ok_or_else(|| (4, format!("“{}”不能为空", COLUMNS[4])))?;
        let mut channels = Vec::new();
        for part in cell(6).split(['、', ',', '，', ';', '；', '■', ' ']).map(str::trim).filter(|p| !p.is_empty())
        {
            let c =
                Channel::parse(part).ok_or_else(|| (6, format!("“{}”中的“{part}”不在规定的渠道清单中", COLUMNS[6])))?;
            if !channels.contains(&c) {
                channels.push(c);
            }
        }
        if channels.is_empty() {
            return Err((6, format!("“{}”至少选择一项", COLUMNS[6])));
        }
        let audience_text = cell(7);
        let audience = if audience_text.contains("特定") { Audience::Group } else { Audience::Public };
        let mode = if cell(8).contains("依申请") {
            crate::documents::DisclosureMode::OnRequest
        } else {
            crate::documents::DisclosureMode::Proactive
        };
        Ok(CatalogueRow {
            level1,
            level2,
            content: cell(2),
            basis: cell(3),
            time_limit,
            subject: cell(5),
            channels,
            audience,
            mode,
            layer: cell(9),
        })
    }

    pub fn to_cells(&self) -> Vec<String> {
        vec![
            self.level1.clone(),
            self.level2.clone(),
            self.content.clone(),
            self.basis.clone(),
            self.time_limit.label(),
            self.subject.clone(),
            self.channels.iter().map(|c| c.label()).collect::<Vec<_>>().join("、"),
            self.audience.label().into(),
            self.mode.label().into(),
            self.layer.clone(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_limits_as_catalogues_write_them() {
        let cases: &[(&str, Option<TimeLimit>)] = &[
            ("20个工作日", Some(TimeLimit::WorkingDays(20))),
            ("自该政府信息形成或者变更之日起20个工作日内", Some(TimeLimit::WorkingDays(20))),
            ("信息形成或变更之日起5个工作日内公开", Some(TimeLimit::WorkingDays(5))),
            ("实时", Some(TimeLimit::RealTime)),
            ("及时", Some(TimeLimit::Timely)),
            ("每年1月31日前", Some(TimeLimit::Period("每年1月31日前".into()))),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(TimeLimit::parse(text), *expected, "{text}");
        }
        assert_eq!(TimeLimit::parse(&TimeLimit::WorkingDays(7).label()), Some(TimeLimit::WorkingDays(7)));
    }

    #[test]
    fn due_dates_count_working_days() {
        let cal = Calendar::official();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        // Written just before National Day 2024: 20 working days runs to 30 October.
        let due = publication_due(&cal, d("2024-09-27"), &TimeLimit::WorkingDays(20)).unwrap();
        assert_eq!(due.value, d("2024-10-30"));
        assert_eq!(publication_due(&cal, d("2024-09-27"), &TimeLimit::Timely), None);
        // Saturday 12 October 2024 was a working day (调休).
        assert_eq!(due_status(&cal, d("2024-10-10"), due.value), DueStatus::OnTime { days_left: 15 });
        assert_eq!(due_status(&cal, d("2024-10-25"), due.value), DueStatus::DueSoon { days_left: 3 });
        assert_eq!(due_status(&cal, d("2024-10-30"), due.value), DueStatus::DueSoon { days_left: 0 });
        assert_eq!(due_status(&cal, d("2024-11-01"), due.value), DueStatus::Late { days_over: 2 });
    }

    #[test]
    fn rows_from_the_national_layout() {
        let cells: Vec<String> = [
            "机关简介",
            "机构职能",
            "机关职能、办公地址、办公时间、联系方式",
            "《政府信息公开条例》第二十条（二）",
            "自该政府信息形成或者变更之日起20个工作日内",
            "市医疗保障局",
            "■政府网站、政务服务中心",
            "全社会",
            "主动公开",
            "市级",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let row = CatalogueRow::from_cells(&cells).unwrap();
        assert_eq!(row.channels, vec![Channel::Website, Channel::ServiceCentre]);
        assert_eq!(row.time_limit, TimeLimit::WorkingDays(20));
        assert_eq!(CatalogueRow::from_cells(&row.to_cells()).unwrap(), row);
        let mut bad = cells.clone();
        bad[6] = "微博".into();
        assert_eq!(CatalogueRow::from_cells(&bad).unwrap_err(), "“公开渠道和载体”中的“微博”不在规定的渠道清单中");
        bad[0] = String::new();
        assert_eq!(CatalogueRow::from_cells(&bad).unwrap_err(), "“一级事项”不能为空");
        bad[0] = "项".repeat(101);
        assert_eq!(CatalogueRow::from_cells(&bad).unwrap_err(), "“一级事项”不能超过 100 字");
        let named = |field: &str| cells[FIELDS.iter().position(|f| *f == field).unwrap()].clone();
        let typed = CatalogueItemInput::from_form(&named, &|_| vec!["website".into(), "政务服务中心".into()]);
        assert_eq!(CatalogueRow::parse(&typed).unwrap(), row);
        let e =
            CatalogueRow::parse(&CatalogueItemInput { channels: vec!["微博".into()], ..typed.clone() }).unwrap_err();
        assert_eq!(e.message_for("channels"), Some("“公开渠道和载体”中的“微博”不在规定的渠道清单中"), "{e}");
        let e = CatalogueRow::parse(&CatalogueItemInput { time_limit: " ".into(), ..typed.clone() }).unwrap_err();
        assert!(e.message_for("time_limit").is_some(), "{e}");
        let coded = CatalogueItemInput { audience: "group".into(), mode: "on_request".into(), ..typed };
        let row = CatalogueRow::parse(&coded).unwrap();
        assert_eq!((row.audience, row.mode), (Audience::Group, crate::documents::DisclosureMode::OnRequest));
    }
}
