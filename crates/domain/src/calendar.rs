//! The working-day calendar (工作日历).
//!
//! The law counts its time limits in working days (工作日), and which days those are is decided
//! each year by a State Council General Office notice that moves weekend days around the public
//! holidays (调休). A weekday formula alone is wrong several times a year, so every count goes
//! through a [`Calendar`] built from those notices.
//!
//! The notices are kept as text in `data/holidays.txt` in the same line format an administrator
//! types in the console when the next year's notice appears (see the head of that file).

use std::collections::HashMap;
use std::ops::Range;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// The notices for 2019 onwards as this project transcribed them.
const OFFICIAL_TEXT: &str = include_str!("../data/holidays.txt");

code_list! {
    /// Where a year's schedule came from.
    ScheduleSource {
        /// Shipped with the program.
        Official = ("official", "随程序发布"),
        /// Entered or changed in the console.
        Admin = ("admin", "管理员录入或修改"),
    }
}

/// How a listed day departs from the rule that Monday to Friday are working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DayKind {
    /// A day off inside an announced holiday (放假), whether it falls on a weekday or a weekend.
    Holiday,
    /// A weekend day that is a working day (调休上班).
    Workday,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }

    pub fn parse(text: &str) -> Option<DayKind> {
        match text {
            "holiday" => Some(DayKind::Holiday),
            "workday" => Some(DayKind::Workday),
            _ => None,
        }
    }

    /// The word the notices use, for pages shown to people.
    pub fn label(self) -> &'static str {
        match self {
            DayKind::Holiday => "放假",
            DayKind::Workday => "上班",
        }
    }
}

/// One exception to the weekday rule, named after the holiday it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarDay {
    pub date: NaiveDate,
    pub kind: DayKind,
    pub name: String,
}

/// One year's announced schedule: the notice it comes from and its days, sorted by date.
/// A holiday that starts in the previous December (元旦 2019 from 2018-12-30) belongs to the
/// year of the notice that announced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearSchedule {
    pub year: i32,
    pub notice: String,
    pub days: Vec<CalendarDay>,
}

/// A line of schedule text that cannot be accepted. `message` is the Chinese description of the
/// problem; `Display` prefixes it with the line number ("第 3 行：…").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("第 {line} 行：{message}")]
pub struct ScheduleError {
    /// 1-based, counting comments and blank lines, so it matches what the administrator sees.
    pub line: usize,
    pub message: String,
}

/// The schedules shipped with the program.
pub fn official_schedules() -> Vec<YearSchedule> {
    match parse_schedules(OFFICIAL_TEXT) {
        Ok(schedules) => schedules,
        // A unit test parses the shipped file, so this is unreachable in a tested build.
        Err(error) => panic!("data/holidays.txt is broken: {error}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing

/// Parses schedule text (the format described at the head of `data/holidays.txt`). Schedules
/// are returned in year order, each with its days sorted by date.
pub fn parse_schedules(text: &str) -> Result<Vec<YearSchedule>, ScheduleError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut schedules: Vec<YearSchedule> = Vec::new();
    // Parallel to `schedules`: the line of each year header, for error messages.
    let mut header_lines: Vec<usize> = Vec::new();
    // Every date seen so far and its line: a date listed twice is a typing mistake even when
    // the two entries agree, and across years it would make the result depend on line order.
    let mut seen: HashMap<NaiveDate, usize> = HashMap::new();

    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let line = Line::new(raw);
        let content = line.trimmed(0..line.len());
        if content.is_empty() || line.norm[content.start] == '#' {
            continue;
        }
        let fail = |message: String| ScheduleError { line: number, message };
        if line.starts_with(content.start, "年份") {
            let (year, notice) = parse_header(&line, content).map_err(fail)?;
            if let Some(position) = schedules.iter().position(|s| s.year == year) {
                return Err(fail(format!("年份 {year} 重复：第 {} 行已有", header_lines[position])));
            }
            ensure_not_empty(&schedules, &header_lines)?;
            schedules.push(YearSchedule { year, notice, days: Vec::new() });
            header_lines.push(number);
        } else {
            let Some(schedule) = schedules.last_mut() else {
                return Err(fail("此行之前缺少年份行，应先写“年份 <年份> <通知文号>”".to_string()));
            };
            let entries = parse_holiday_line(&line, content, schedule.year).map_err(fail)?;
            for (date, kind, name) in entries {
                if let Some(previous) = seen.insert(date, number) {
                    return Err(fail(format!("日期“{date}”重复：第 {previous} 行已有")));
                }
                schedule.days.push(CalendarDay { date, kind, name });
            }
        }
    }
    ensure_not_empty(&schedules, &header_lines)?;

    for schedule in &mut schedules {
        schedule.days.sort_by_key(|day| day.date);
    }
    schedules.sort_by_key(|schedule| schedule.year);
    Ok(schedules)
}

/// A year header with nothing under it would mark the year as scheduled with no holidays at
/// all, silently shortening every deadline in it.
fn ensure_not_empty(schedules: &[YearSchedule], header_lines: &[usize]) -> Result<(), ScheduleError> {
    match (schedules.last(), header_lines.last()) {
        (Some(schedule), Some(&line)) if schedule.days.is_empty() => {
            Err(ScheduleError { line, message: format!("年份 {} 下没有任何节假日行", schedule.year) })
        }
        _ => Ok(()),
    }
}

/// One line, kept twice with the same character positions: normalised (full-width ASCII
/// folded to ASCII) for parsing, raw for quoting back to the administrator and for the notice
/// number, whose full-width brackets and parentheses are part of how it is written.
struct Line {
    raw: Vec<char>,
    norm: Vec<char>,
}

impl Line {
    fn new(raw: &str) -> Line {
        let raw: Vec<char> = raw.chars().collect();
        let norm = raw.iter().map(|&c| normalise(c)).collect();
        Line { raw, norm }
    }

    fn len(&self) -> usize {
        self.norm.len()
    }

    fn trimmed(&self, mut range: Range<usize>) -> Range<usize> {
        while range.start < range.end && self.norm[range.start].is_whitespace() {
            range.start += 1;
        }
        while range.start < range.end && self.norm[range.end - 1].is_whitespace() {
            range.end -= 1;
        }
        range
    }

    fn starts_with(&self, at: usize, word: &str) -> bool {
        (at..).zip(word.chars()).all(|(position, expected)| self.norm.get(position) == Some(&expected))
    }

    fn ends_with(&self, range: &Range<usize>, word: &str) -> bool {
        let length = word.chars().count();
        range.end - range.start >= length && self.starts_with(range.end - length, word)
    }

    fn raw_text(&self, range: Range<usize>) -> String {
        self.raw[range].iter().collect()
    }
}

fn normalise(c: char) -> char {
    match c {
        // Full-width forms of ASCII (０-９, －, ；, ，, ：, ～, …) sit at a fixed offset.
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        '\u{3000}' => ' ',
        '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
        '\u{301c}' => '~',
        _ => c,
    }
}

fn parse_header(line: &Line, content: Range<usize>) -> Result<(i32, String), String> {
    const EXAMPLE: &str = "年份行应写作“年份 2027 国办发明电〔2026〕N号”";
    let chars = &line.norm;
    let mut position = content.start + "年份".chars().count();
    while position < content.end && (chars[position].is_whitespace() || chars[position] == ':') {
        position += 1;
    }
    let digits_start = position;
    while position < content.end && chars[position].is_ascii_digit() {
        position += 1;
    }
    if position - digits_start != 4 {
        return Err(EXAMPLE.to_string());
    }
    let year: i32 =
        chars[digits_start..position].iter().collect::<String>().parse().map_err(|_| EXAMPLE.to_string())?;
    if position < content.end && !chars[position].is_whitespace() {
        return Err(EXAMPLE.to_string());
    }
    let notice = line.raw_text(line.trimmed(position..content.end));
    if notice.is_empty() {
        return Err(format!("年份 {year} 缺少通知文号（如“国办发明电〔2026〕N号”）"));
    }
    Ok((year, notice))
}

/// Parses `<name> <dates> 放假[；<dates> 上班]` into (date, kind, name) entries, checked
/// against the schedule's year but not yet against other lines.
fn parse_holiday_line(
    line: &Line,
    content: Range<usize>,
    year: i32,
) -> Result<Vec<(NaiveDate, DayKind, String)>, String> {
    let chars = &line.norm;
    // Digits end the name too, so that "春节2027-02-05…" is understood without a space.
    let mut position = content.start;
    while position < content.end
        && !chars[position].is_whitespace()
        && chars[position] != ':'
        && !chars[position].is_ascii_digit()
    {
        position += 1;
    }
    if position == content.start {
        return Err("无法识别此行：应为“年份 <年份> <通知文号>”或“<节日名称> <日期> 放假；<日期> 上班”".to_string());
    }
    let name = line.raw_text(content.start..position);
    while position < content.end && (chars[position].is_whitespace() || chars[position] == ':') {
        position += 1;
    }

    // Earliest and latest dates one year's notice may name: the holiday around New Year can
    // start in the previous December. Anything else is most likely a mistyped year.
    let earliest = NaiveDate::from_ymd_opt(year - 1, 12, 1);
    let latest = NaiveDate::from_ymd_opt(year, 12, 31);

    let mut entries = Vec::new();
    let mut has_holiday = false;
    for segment in split(chars, position..content.end, |c| c == ';') {
        let mut segment = line.trimmed(segment);
        while segment.start < segment.end && matches!(chars[segment.end - 1], '。' | '.') {
            segment.end -= 1;
        }
        let segment = line.trimmed(segment);
        if segment.is_empty() {
            continue;
        }
        let Some((kind, keyword)) = [
            (DayKind::Holiday, "放假调休"),
            (DayKind::Holiday, "放假"),
            (DayKind::Workday, "调休上班"),
            (DayKind::Workday, "上班"),
        ]
        .into_iter()
        .find(|(_, keyword)| line.ends_with(&segment, keyword)) else {
            return Err(format!("“{}”应以“放假”或“上班”结尾", line.raw_text(segment)));
        };
        let dates = line.trimmed(segment.start..segment.end - keyword.chars().count());
        if dates.is_empty() {
            return Err(format!("“{keyword}”前缺少日期"));
        }
        for item in split(chars, dates, |c| c == '、' || c == ',') {
            let item = line.trimmed(item);
            if item.is_empty() {
                return Err(format!("“{}”中有空的日期", line.raw_text(segment.clone())));
            }
            let (start, end) = parse_item(line, item.clone())?;
            for date in [start, end] {
                if earliest.is_none_or(|e| date < e) || latest.is_none_or(|l| date > l) {
                    return Err(format!(
                        "日期“{date}”不在 {year} 年的安排之内（只能是 {year} 年内，或元旦假期所在的上一年 12 月）"
                    ));
                }
            }
            let mut date = start;
            loop {
                if kind == DayKind::Workday && !is_weekend(date) {
                    return Err(format!("调休上班日“{date}”是{}，不是星期六或星期日", weekday_name(date.weekday())));
                }
                entries.push((date, kind, name.clone()));
                has_holiday |= kind == DayKind::Holiday;
                if date >= end {
                    break;
                }
                match date.succ_opt() {
                    Some(next) => date = next,
                    None => break,
                }
            }
        }
    }
    if !has_holiday {
        return Err(format!("“{name}”没有放假日期"));
    }
    Ok(entries)
}

/// Splits `range` at every character matching `separator`; the pieces are index ranges.
fn split(chars: &[char], range: Range<usize>, separator: impl Fn(char) -> bool) -> Vec<Range<usize>> {
    let mut pieces = Vec::new();
    let mut start = range.start;
    for position in range.clone() {
        if separator(chars[position]) {
            pieces.push(start..position);
            start = position + 1;
        }
    }
    pieces.push(start..range.end);
    pieces
}

enum DateError {
    Unrecognised,
    Invalid(Range<usize>),
}

/// Parses one date or one range of dates.
fn parse_item(line: &Line, item: Range<usize>) -> Result<(NaiveDate, NaiveDate), String> {
    let unrecognised =
        || format!("无法识别日期“{}”：日期应写作 YYYY-MM-DD，连续的日期写作“开始至结束”", line.raw_text(item.clone()));
    let describe = |error: DateError| match error {
        DateError::Unrecognised => unrecognised(),
        DateError::Invalid(range) => format!("日期“{}”无效", line.raw_text(range)),
    };
    let chars = &line.norm;
    let mut position = item.start;
    let start = read_date(chars, &mut position, item.end).map_err(describe)?;
    skip_whitespace(chars, &mut position, item.end);
    if position == item.end {
        return Ok((start, start));
    }
    if !read_range_separator(chars, &mut position, item.end) {
        return Err(unrecognised());
    }
    skip_whitespace(chars, &mut position, item.end);
    let end = read_date(chars, &mut position, item.end).map_err(describe)?;
    skip_whitespace(chars, &mut position, item.end);
    if position != item.end {
        return Err(unrecognised());
    }
    if end < start {
        return Err(format!("日期范围“{}”的结束日期早于开始日期", line.raw_text(item.clone())));
    }
    Ok((start, end))
}

fn skip_whitespace(chars: &[char], position: &mut usize, end: usize) {
    while *position < end && chars[*position].is_whitespace() {
        *position += 1;
    }
}

/// Accepts 至, 到, and runs of -, ~ or at least two dots. A single '-' is unambiguous because
/// a date always ends with its day digits (or 日).
fn read_range_separator(chars: &[char], position: &mut usize, end: usize) -> bool {
    let Some(&first) = chars.get(*position).filter(|_| *position < end) else {
        return false;
    };
    match first {
        '至' | '到' => {
            *position += 1;
            true
        }
        '-' | '~' | '.' => {
            let start = *position;
            while *position < end && chars[*position] == first {
                *position += 1;
            }
            first != '.' || *position - start >= 2
        }
        _ => false,
    }
}

/// Reads `YYYY-M-D`, where the separators may be '-', '/', '.' or 年/月 (with an optional 日).
fn read_date(chars: &[char], position: &mut usize, end: usize) -> Result<NaiveDate, DateError> {
    let start = *position;
    let year = read_number(chars, position, end, 4, 4).ok_or(DateError::Unrecognised)?;
    read_one_of(chars, position, end, &['-', '/', '.', '年']).ok_or(DateError::Unrecognised)?;
    let month = read_number(chars, position, end, 1, 2).ok_or(DateError::Unrecognised)?;
    read_one_of(chars, position, end, &['-', '/', '.', '月']).ok_or(DateError::Unrecognised)?;
    let day = read_number(chars, position, end, 1, 2).ok_or(DateError::Unrecognised)?;
    let _ = read_one_of(chars, position, end, &['日']);
    let year = i32::try_from(year).map_err(|_| DateError::Unrecognised)?;
    NaiveDate::from_ymd_opt(year, month, day).ok_or(DateError::Invalid(start..*position))
}

fn read_number(chars: &[char], position: &mut usize, end: usize, min_digits: usize, max_digits: usize) -> Option<u32> {
    let start = *position;
    let mut value = 0u32;
    while *position < end && *position - start < max_digits {
        let Some(digit) = chars[*position].to_digit(10) else {
            break;
        };
        value = value * 10 + digit;
        *position += 1;
    }
    (*position - start >= min_digits).then_some(value)
}

fn read_one_of(chars: &[char], position: &mut usize, end: usize, options: &[char]) -> Option<char> {
    let c = *chars.get(*position).filter(|_| *position < end)?;
    options.contains(&c).then(|| {
        *position += 1;
        c
    })
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

fn weekday_name(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Mon => "星期一",
        Weekday::Tue => "星期二",
        Weekday::Wed => "星期三",
        Weekday::Thu => "星期四",
        Weekday::Fri => "星期五",
        Weekday::Sat => "星期六",
        Weekday::Sun => "星期日",
    }
}

/// Writes schedules back in the line format, so the console can show an administrator the
/// years already entered in the form they would type them. `parse_schedules` reads the
/// result back to the same schedules.
pub fn format_schedules(schedules: &[YearSchedule]) -> String {
    let mut out = String::new();
    for (index, schedule) in schedules.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        out.push_str(&format!("年份 {:04} {}\n", schedule.year, schedule.notice));
        // One line per holiday name, in the order the holidays come in the year.
        let mut names: Vec<(&str, NaiveDate)> = Vec::new();
        for day in &schedule.days {
            match names.iter_mut().find(|(name, _)| *name == day.name) {
                Some((_, first)) => *first = (*first).min(day.date),
                None => names.push((day.name.as_str(), day.date)),
            }
        }
        names.sort_by_key(|&(_, first)| first);
        for (name, _) in names {
            let mut days: Vec<&CalendarDay> = schedule.days.iter().filter(|d| d.name == name).collect();
            days.sort_by_key(|d| d.date);
            let mut ranges: Vec<(NaiveDate, NaiveDate)> = Vec::new();
            let mut workdays: Vec<String> = Vec::new();
            for day in days {
                match day.kind {
                    DayKind::Workday => workdays.push(day.date.to_string()),
                    DayKind::Holiday => match ranges.last_mut() {
                        Some((_, end)) if end.succ_opt() == Some(day.date) => *end = day.date,
                        _ => ranges.push((day.date, day.date)),
                    },
                }
            }
            let ranges: Vec<String> = ranges
                .into_iter()
                .map(|(start, end)| if start == end { start.to_string() } else { format!("{start}至{end}") })
                .collect();
            out.push_str(name);
            if !ranges.is_empty() {
                out.push_str(&format!(" {} 放假", ranges.join("、")));
            }
            if !workdays.is_empty() {
                if !ranges.is_empty() {
                    out.push('；');
                }
                out.push_str(&format!("{} 上班", workdays.join("、")));
            }
            out.push('\n');
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Counting

/// A computed value and the years it had to guess: each year touched by the computation that
/// has no announced schedule, where days were counted by weekdays alone (Mon–Fri). Callers
/// flag such results to users, because the real notice may move them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Counted<T> {
    pub value: T,
    pub assumed_years: Vec<i32>,
}

impl<T> Counted<T> {
    pub fn is_assumed(&self) -> bool {
        !self.assumed_years.is_empty()
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Counted<U> {
        Counted { value: f(self.value), assumed_years: self.assumed_years }
    }
}

/// The exceptions, indexed for counting. Counting works on a rank: R(x) is the number of
/// working days up to and including day x (from an arbitrary origin). The weekday part of R
/// is arithmetic; the exceptions add a correction that is constant between two listed days,
/// so both "how many working days between" and "the n-th working day after" take two binary
/// searches over a few hundred entries, whatever the distance.
#[derive(Debug, Clone, Copy)]
struct Mark {
    day: i64,
    working: bool,
    /// Listed days up to and including this one: working days gained minus days lost
    /// against the weekday rule.
    correction: i64,
    /// R(day).
    rank: i64,
}

/// The working-day calendar: the announced schedules plus the weekday rule for everything
/// else.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    years: Vec<i32>,
    days: Vec<CalendarDay>,
    marks: Vec<Mark>,
}

impl Calendar {
    /// `scheduled_years` are the years whose notice is known; `days` are the exceptions. Days
    /// outside the scheduled years are honoured too (2019's notice makes 2018-12-29 a working
    /// Saturday), but their years still count as assumed. If a date is listed more than once
    /// the last entry wins.
    pub fn new(
        scheduled_years: impl IntoIterator<Item = i32>,
        days: impl IntoIterator<Item = CalendarDay>,
    ) -> Calendar {
        let mut years: Vec<i32> = scheduled_years.into_iter().collect();
        years.sort_unstable();
        years.dedup();

        let mut days: Vec<CalendarDay> = days.into_iter().collect();
        // Reversed before a stable sort so that, among equal dates, the last entry comes
        // first and survives the dedup.
        days.reverse();
        days.sort_by_key(|day| day.date);
        days.dedup_by_key(|day| day.date);

        let mut correction = 0;
        let marks = days
            .iter()
            .map(|day| {
                let number = day_number(day.date);
                let working = day.kind == DayKind::Workday;
                correction += i64::from(working) - i64::from(is_weekday_number(number));
                Mark { day: number, working, correction, rank: weekday_rank(number) + correction }
            })
            .collect();
        Calendar { years, days, marks }
    }

    pub fn from_schedules(schedules: &[YearSchedule]) -> Calendar {
        Calendar::new(
            schedules.iter().map(|schedule| schedule.year),
            schedules.iter().flat_map(|schedule| schedule.days.iter().cloned()),
        )
    }

    /// The calendar of the schedules shipped with the program.
    pub fn official() -> Calendar {
        Calendar::from_schedules(&official_schedules())
    }

    pub fn has_schedule(&self, year: i32) -> bool {
        self.years.binary_search(&year).is_ok()
    }

    pub fn scheduled_years(&self) -> Vec<i32> {
        self.years.clone()
    }

    /// The listed days whose date falls in `year` (by date, not by notice), sorted.
    pub fn days_in_year(&self, year: i32) -> Vec<CalendarDay> {
        let start = self.days.partition_point(|day| day.date.year() < year);
        let end = self.days.partition_point(|day| day.date.year() <= year);
        self.days[start..end].to_vec()
    }

    /// The listed exception on `date`, if any, to show why a day is or is not a working day.
    pub fn day(&self, date: NaiveDate) -> Option<&CalendarDay> {
        self.days.binary_search_by_key(&date, |day| day.date).ok().map(|index| &self.days[index])
    }

    pub fn is_workday(&self, date: NaiveDate) -> Counted<bool> {
        let number = day_number(date);
        let value = match self.marks.binary_search_by_key(&number, |mark| mark.day) {
            Ok(index) => self.marks[index].working,
            Err(_) => is_weekday_number(number),
        };
        Counted { value, assumed_years: self.assumed(Some(date), date) }
    }

    /// The n-th working day after `date`: day 0 is `date` itself and counting starts the next
    /// day, so "within 20 working days of receipt" ends on `add_workdays(received, 20)`.
    /// `n = 0` returns `date` unchanged, whatever kind of day it is.
    ///
    /// Panics if the result lies beyond the last date chrono represents (year 262143), which
    /// takes n in the tens of millions; see [`Calendar::checked_add_workdays`].
    pub fn add_workdays(&self, date: NaiveDate, n: u32) -> Counted<NaiveDate> {
        self.checked_add_workdays(date, n).expect("add_workdays: result beyond the representable dates")
    }

    pub fn checked_add_workdays(&self, date: NaiveDate, n: u32) -> Option<Counted<NaiveDate>> {
        if n == 0 {
            return Some(Counted { value: date, assumed_years: Vec::new() });
        }
        let target = self.rank(day_number(date)) + i64::from(n);
        let value = date_of(self.select(target))?;
        Some(Counted { value, assumed_years: self.assumed(date.succ_opt(), value) })
    }

    /// The number of working days d with `from < d <= to`, negative (mirrored) when `to` is
    /// before `from`, so that `workdays_between(d, add_workdays(d, n)) == n`.
    pub fn workdays_between(&self, from: NaiveDate, to: NaiveDate) -> Counted<i64> {
        let value = self.rank(day_number(to)) - self.rank(day_number(from));
        let (low, high) = if from <= to { (from, to) } else { (to, from) };
        let assumed_years = if low == high { Vec::new() } else { self.assumed(low.succ_opt(), high) };
        Counted { value, assumed_years }
    }

    /// R(day): working days up to and including `day`.
    fn rank(&self, day: i64) -> i64 {
        let listed = self.marks.partition_point(|mark| mark.day <= day);
        let correction = match listed {
            0 => 0,
            _ => self.marks[listed - 1].correction,
        };
        weekday_rank(day) + correction
    }

    /// The first day whose rank reaches `target`; that day is always a working day.
    fn select(&self, target: i64) -> i64 {
        // Marks before `after` have a rank below the target, so the answer lies after the last
        // of them, where the correction is constant up to the next mark.
        let after = self.marks.partition_point(|mark| mark.rank < target);
        let correction = match after {
            0 => 0,
            _ => self.marks[after - 1].correction,
        };
        let candidate = weekday_select(target - correction);
        match self.marks.get(after) {
            // The next mark already reaches the target before the weekday rule would.
            Some(mark) if candidate >= mark.day => mark.day,
            _ => candidate,
        }
    }

    /// Years without a schedule among those of the days `first..=last`.
    fn assumed(&self, first: Option<NaiveDate>, last: NaiveDate) -> Vec<i32> {
        match first {
            Some(first) if first <= last => {
                (first.year()..=last.year()).filter(|&year| !self.has_schedule(year)).collect()
            }
            _ => Vec::new(),
        }
    }
}

/// Days since 0001-01-01, which was a Monday, so that `day % 7` is the weekday from Monday.
fn day_number(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) - 1
}

fn date_of(day: i64) -> Option<NaiveDate> {
    i32::try_from(day + 1).ok().and_then(NaiveDate::from_num_days_from_ce_opt)
}

fn is_weekday_number(day: i64) -> bool {
    day.rem_euclid(7) < 5
}

/// Monday-to-Friday days up to and including `day`, from the origin.
fn weekday_rank(day: i64) -> i64 {
    5 * day.div_euclid(7) + (day.rem_euclid(7) + 1).min(5)
}

/// The first day whose `weekday_rank` is `rank`.
fn weekday_select(rank: i64) -> i64 {
    let before = rank - 1;
    7 * before.div_euclid(5) + before.rem_euclid(5)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;
    use std::sync::LazyLock;

    static OFFICIAL: LazyLock<Calendar> = LazyLock::new(Calendar::official);

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test date")
    }

    const REFERENCE: &str =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/calendar/cn-holidays-2004-2026.json");

    #[derive(Deserialize)]
    struct Reference {
        holidays: BTreeMap<NaiveDate, String>,
        workdays: BTreeMap<NaiveDate, String>,
    }

    fn reference() -> Reference {
        let text = std::fs::read_to_string(REFERENCE)
            .unwrap_or_else(|e| panic!("reference calendar {REFERENCE} must be present: {e}"));
        serde_json::from_str(&text).expect("reference calendar parses")
    }

    #[test]
    fn shipped_file_parses_and_covers_2019_to_2026() {
        let schedules = parse_schedules(OFFICIAL_TEXT).expect("shipped holidays.txt parses");
        let years: Vec<i32> = schedules.iter().map(|s| s.year).collect();
        assert_eq!(years, (2019..=2026).collect::<Vec<_>>());
        for schedule in &schedules {
            assert!(schedule.notice.starts_with("国办发明电〔"), "{}", schedule.notice);
        }
        assert_eq!(OFFICIAL.scheduled_years(), years);
    }

    #[test]
    fn every_day_2019_to_2026_matches_the_reference() {
        let reference = reference();
        let mut date = d("2019-01-01");
        let mut mismatches = Vec::new();
        while date <= d("2026-12-31") {
            let expected = reference.workdays.contains_key(&date)
                || (!is_weekend(date) && !reference.holidays.contains_key(&date));
            let actual = OFFICIAL.is_workday(date);
            assert!(!actual.is_assumed(), "{date} should be scheduled");
            if actual.value != expected {
                mismatches.push(format!("{date}: ours {} reference {expected}", actual.value));
            }
            date = date.succ_opt().unwrap();
        }
        assert!(mismatches.is_empty(), "{mismatches:#?}");
    }

    #[test]
    fn exception_names_and_december_days_match_the_reference() {
        let reference = reference();
        for schedule in official_schedules() {
            for day in &schedule.days {
                // Only days that change the working status carry a name worth checking; a
                // weekend inside a holiday is off either way.
                let (map, matters) = match day.kind {
                    DayKind::Holiday => (&reference.holidays, !is_weekend(day.date)),
                    DayKind::Workday => (&reference.workdays, true),
                };
                if !matters {
                    continue;
                }
                let name =
                    map.get(&day.date).unwrap_or_else(|| panic!("{} {:?} missing in reference", day.date, day.kind));
                // The reference shortens 清明节 to 清明 and names combined holidays per day.
                assert!(day.name.contains(name.as_str()), "{}: {} vs {name}", day.date, day.name);
            }
        }
    }

    #[test]
    fn the_weekday_arithmetic_agrees_with_chrono() {
        let mut date = d("1999-12-01");
        for _ in 0..800 {
            let number = day_number(date);
            assert_eq!(is_weekday_number(number), !is_weekend(date), "{date}");
            assert_eq!(date_of(number), Some(date));
            assert_eq!(weekday_rank(number) - weekday_rank(number - 1), i64::from(!is_weekend(date)));
            if !is_weekend(date) {
                assert_eq!(weekday_select(weekday_rank(number)), number);
            }
            date = date.succ_opt().unwrap();
        }
    }

    struct Deadline {
        what: &'static str,
        from: &'static str,
        n: u32,
        due: &'static str,
        assumed: &'static [i32],
    }

    #[test]
    fn law_deadlines_across_holidays() {
        let table = [
            Deadline {
                what: "art. 33 reply: 20 working days across National Day 2024 (9-29 and 10-12 worked)",
                from: "2024-09-27",
                n: 20,
                due: "2024-10-30",
                assumed: &[],
            },
            Deadline {
                what: "art. 30 clarification: 7 working days across the Spring Festival 2025",
                from: "2025-01-24",
                n: 7,
                due: "2025-02-10",
                assumed: &[],
            },
            Deadline {
                what: "clarification across Mid-Autumn + National Day 2023, 10-07/08 worked",
                from: "2023-09-27",
                n: 7,
                due: "2023-10-12",
                assumed: &[],
            },
            Deadline {
                what: "reply across the combined National Day + Mid-Autumn 2025",
                from: "2025-09-26",
                n: 20,
                due: "2025-10-30",
                assumed: &[],
            },
            Deadline {
                what: "third party 15 working days across the nine-day Spring Festival 2026",
                from: "2026-02-10",
                n: 15,
                due: "2026-03-09",
                assumed: &[],
            },
            Deadline {
                what: "2020 extension: Saturday 2020-02-01 was no longer worked",
                from: "2020-01-23",
                n: 1,
                due: "2020-02-03",
                assumed: &[],
            },
            Deadline { what: "a makeup Sunday counts", from: "2020-01-17", n: 3, due: "2020-01-21", assumed: &[] },
            Deadline { what: "from inside a holiday", from: "2024-10-03", n: 1, due: "2024-10-08", assumed: &[] },
            Deadline { what: "from a weekend", from: "2024-10-13", n: 1, due: "2024-10-14", assumed: &[] },
            Deadline {
                what: "from a makeup Saturday; the Sunday after is off",
                from: "2024-10-12",
                n: 1,
                due: "2024-10-14",
                assumed: &[],
            },
            Deadline {
                what: "n = 0 is the day itself, even a holiday",
                from: "2024-10-03",
                n: 0,
                due: "2024-10-03",
                assumed: &[],
            },
            Deadline { what: "New Year's Day 2020", from: "2019-12-31", n: 1, due: "2020-01-02", assumed: &[] },
            Deadline {
                what: "into 2027, not yet announced: weekdays only, flagged",
                from: "2026-12-25",
                n: 20,
                due: "2027-01-22",
                assumed: &[2027],
            },
            Deadline {
                what: "2018 is not scheduled, but 2019's notice makes 2018-12-29 a working Saturday",
                from: "2018-12-28",
                n: 1,
                due: "2018-12-29",
                assumed: &[2018],
            },
            Deadline {
                what: "across the whole of 2019 from 2018",
                from: "2018-12-28",
                n: 251,
                due: "2019-12-31",
                assumed: &[2018],
            },
        ];
        for row in table {
            let from = d(row.from);
            let got = OFFICIAL.add_workdays(from, row.n);
            assert_eq!(got.value, d(row.due), "{}", row.what);
            assert_eq!(got.assumed_years, row.assumed, "{}", row.what);
            assert_eq!(got.is_assumed(), !row.assumed.is_empty(), "{}", row.what);
            let back = OFFICIAL.workdays_between(from, got.value);
            assert_eq!(back.value, i64::from(row.n), "{}", row.what);
            assert_eq!(back.assumed_years, row.assumed, "{}", row.what);
        }
    }

    #[test]
    fn working_days_between_and_single_days() {
        let between = |a: &str, b: &str| OFFICIAL.workdays_between(d(a), d(b));
        assert_eq!(between("2024-10-30", "2024-09-27").value, -20);
        assert_eq!(between("2024-10-01", "2024-10-07").value, 0);
        assert_eq!(between("2024-09-30", "2024-10-08").value, 1);
        assert_eq!(between("2024-10-08", "2024-10-08"), Counted { value: 0, assumed_years: vec![] });
        assert_eq!(between("2019-01-01", "2019-12-31").value, 250);
        assert_eq!(between("2027-01-22", "2026-12-25").assumed_years, vec![2027]);
        assert_eq!(between("2030-01-01", "2017-01-01").assumed_years, vec![2017, 2018, 2027, 2028, 2029, 2030]);

        assert!(OFFICIAL.is_workday(d("2024-10-12")).value);
        assert!(!OFFICIAL.is_workday(d("2024-10-01")).value);
        assert!(!OFFICIAL.is_workday(d("2024-10-13")).value);
        assert!(!OFFICIAL.is_workday(d("2020-02-01")).value);
        let guess = OFFICIAL.is_workday(d("2027-01-01"));
        assert_eq!(guess, Counted { value: true, assumed_years: vec![2027] });
        assert_eq!(serde_json::to_value(&guess).unwrap(), serde_json::json!({"value": true, "assumed_years": [2027]}));
        assert_eq!(OFFICIAL.day(d("2024-10-12")).map(|day| day.name.as_str()), Some("国庆节"));
        assert_eq!(OFFICIAL.day(d("2024-10-14")), None);
    }

    #[test]
    fn years_and_days_in_year() {
        assert!(OFFICIAL.has_schedule(2026));
        assert!(!OFFICIAL.has_schedule(2027));
        let days = OFFICIAL.days_in_year(2026);
        assert!(days.windows(2).all(|w| w[0].date < w[1].date));
        assert_eq!(days.first().map(|day| day.date), Some(d("2026-01-01")));
        assert_eq!(days.iter().filter(|day| day.kind == DayKind::Workday).count(), 6);
        // By date, not by notice: the start of 2019's New Year holiday is listed under 2018.
        let december = OFFICIAL.days_in_year(2018);
        assert_eq!(december.len(), 3);
        assert_eq!(december[0].kind, DayKind::Workday);
        assert!(OFFICIAL.days_in_year(2027).is_empty());
    }

    #[test]
    fn calendar_new_lets_the_last_entry_win() {
        let holiday =
            |date: &str, name: &str| CalendarDay { date: d(date), kind: DayKind::Holiday, name: name.to_string() };
        let workday = CalendarDay { date: d("2030-01-05"), kind: DayKind::Workday, name: "测试".to_string() };
        let calendar =
            Calendar::new([2030, 2030], [holiday("2030-01-05", "旧"), workday.clone(), holiday("2030-01-02", "元旦")]);
        assert_eq!(calendar.scheduled_years(), vec![2030]);
        assert_eq!(calendar.days_in_year(2030), vec![holiday("2030-01-02", "元旦"), workday]);
        assert!(calendar.is_workday(d("2030-01-05")).value);
        // 2030-01-01 is a Tuesday; the 2nd is off, Saturday the 5th is worked.
        assert_eq!(calendar.add_workdays(d("2030-01-01"), 3).value, d("2030-01-05"));
        let empty = Calendar::default();
        assert_eq!(empty.add_workdays(d("2024-10-01"), 5).assumed_years, vec![2024]);
    }

    #[test]
    fn day_kind_names() {
        for kind in [DayKind::Holiday, DayKind::Workday] {
            assert_eq!(DayKind::parse(kind.as_str()), Some(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), serde_json::json!(kind.as_str()));
        }
        assert_eq!(DayKind::parse("Holiday"), None);
        assert_eq!(DayKind::Workday.label(), "上班");
    }

    // --- parser ---

    fn parse_error(text: &str) -> ScheduleError {
        parse_schedules(text).expect_err("should be rejected")
    }

    #[test]
    fn parses_the_documented_format_with_punctuation_variants() {
        let text = "\u{feff}# 2030 example\n\
                    \n\
                    年份：2030 国办发明电〔2029〕1号（测试）\n\
                    元旦 2030-01-01 放假\n\
                    春节：2030/02/02~2030/02/08 放假; 2030-01-26,2030-02-09 上班。\n\
                    清明节 2030.04.05..2030.04.07放假\n\
                    劳动节 ２０３０－０５－０１到２０３０－０５－０５ 放假调休；２０３０－０４－２８ 上班\n\
                    端午节 2030年6月5日 放假\r\n\
                    中秋节、国庆节 2030-09-12-2030-09-13、2030-10-01至2030-10-07 放假；2030-09-29、2030-10-12 调休上班\n\
                    \n\
                    年份 2029 国办发明电〔2028〕9号\n\
                    元旦 2028-12-30至2029-01-01 放假；2028-12-23 上班\n";
        let schedules = parse_schedules(text).expect("parses");
        assert_eq!(schedules.len(), 2);
        assert_eq!(schedules[0].year, 2029, "sorted by year");
        assert_eq!(schedules[0].days.len(), 4);
        assert_eq!(schedules[0].days[0].date, d("2028-12-23"));
        let y2030 = &schedules[1];
        assert_eq!(y2030.notice, "国办发明电〔2029〕1号（测试）");
        let of = |kind: DayKind, name: &str| -> Vec<NaiveDate> {
            y2030.days.iter().filter(|day| day.kind == kind && day.name == name).map(|day| day.date).collect()
        };
        assert_eq!(of(DayKind::Holiday, "元旦"), vec![d("2030-01-01")]);
        assert_eq!(of(DayKind::Holiday, "春节").len(), 7);
        assert_eq!(of(DayKind::Workday, "春节"), vec![d("2030-01-26"), d("2030-02-09")]);
        assert_eq!(of(DayKind::Holiday, "清明节").len(), 3);
        assert_eq!(of(DayKind::Holiday, "劳动节").len(), 5);
        assert_eq!(of(DayKind::Workday, "劳动节"), vec![d("2030-04-28")]);
        assert_eq!(of(DayKind::Holiday, "端午节"), vec![d("2030-06-05")]);
        assert_eq!(of(DayKind::Holiday, "中秋节、国庆节").len(), 9);
        assert_eq!(of(DayKind::Workday, "中秋节、国庆节").len(), 2);
        assert!(y2030.days.windows(2).all(|w| w[0].date < w[1].date));

        // And back again.
        assert_eq!(parse_schedules(&format_schedules(&schedules)), Ok(schedules));
        let official = official_schedules();
        assert_eq!(parse_schedules(&format_schedules(&official)), Ok(official));
        assert_eq!(parse_schedules("# nothing yet\n\n"), Ok(vec![]));
    }

    #[test]
    fn rejects_with_line_and_reason() {
        let head = "年份 2027 国办发明电〔2026〕1号\n";
        let cases: &[(String, usize, &str)] = &[
            (format!("{head}# 注释\n春节 2027-02-30 放假"), 3, "日期“2027-02-30”无效"),
            (format!("{head}春节 ２０２７－０２－３０ 放假"), 2, "日期“２０２７－０２－３０”无效"),
            (
                format!("{head}春节 2027-02-11至2027-02-05 放假"),
                2,
                "日期范围“2027-02-11至2027-02-05”的结束日期早于开始日期",
            ),
            (
                format!("{head}春节 2027-02-05 放假；2027-02-03 上班"),
                2,
                "调休上班日“2027-02-03”是星期三，不是星期六或星期日",
            ),
            (
                format!("{head}春节 2027-02-05至2027-02-11 放假\n元宵 2027-02-11 放假"),
                3,
                "日期“2027-02-11”重复：第 2 行已有",
            ),
            (format!("{head}春节 2027-02-06 放假；2027-02-06 上班"), 2, "日期“2027-02-06”重复：第 2 行已有"),
            ("\n春节 2027-02-05 放假".to_string(), 2, "此行之前缺少年份行，应先写“年份 <年份> <通知文号>”"),
            (format!("{head}元旦 2027-01-01 放假\n\n年份 2027 又一份"), 4, "年份 2027 重复：第 1 行已有"),
            (format!("{head}\n年份 2028 X\n元旦 2028-01-01 放假"), 1, "年份 2027 下没有任何节假日行"),
            (head.to_string(), 1, "年份 2027 下没有任何节假日行"),
            ("年份 2027".to_string(), 1, "年份 2027 缺少通知文号（如“国办发明电〔2026〕N号”）"),
            ("年份 27 X".to_string(), 1, "年份行应写作“年份 2027 国办发明电〔2026〕N号”"),
            ("年份 2027X".to_string(), 1, "年份行应写作“年份 2027 国办发明电〔2026〕N号”"),
            (
                format!("{head}春节 2026-02-05 放假"),
                2,
                "日期“2026-02-05”不在 2027 年的安排之内（只能是 2027 年内，或元旦假期所在的上一年 12 月）",
            ),
            (
                format!("{head}春节 2027-02-05至02-11 放假"),
                2,
                "无法识别日期“2027-02-05至02-11”：日期应写作 YYYY-MM-DD，连续的日期写作“开始至结束”",
            ),
            (format!("{head}春节 2027-02-05"), 2, "“2027-02-05”应以“放假”或“上班”结尾"),
            (format!("{head}春节 放假"), 2, "“放假”前缺少日期"),
            (format!("{head}春节 2027-02-05、、2027-02-07 放假"), 2, "“2027-02-05、、2027-02-07 放假”中有空的日期"),
            (format!("{head}春节 2027-02-06 上班"), 2, "“春节”没有放假日期"),
            (
                format!("{head}2027-02-06 放假"),
                2,
                "无法识别此行：应为“年份 <年份> <通知文号>”或“<节日名称> <日期> 放假；<日期> 上班”",
            ),
        ];
        for (text, line, message) in cases {
            let error = parse_error(text);
            assert_eq!((error.line, error.message.as_str()), (*line, *message), "{text}");
        }
        assert_eq!(
            parse_error(&format!("{head}\n\n春节 2027-02-30 放假")).to_string(),
            "第 4 行：日期“2027-02-30”无效"
        );
    }

    // --- properties ---

    fn any_date(from_year: i32, years: u32) -> impl Strategy<Value = NaiveDate> {
        let start = NaiveDate::from_ymd_opt(from_year, 1, 1).unwrap();
        (0..years * 366).prop_map(move |offset| start + chrono::Days::new(u64::from(offset)))
    }

    /// A random calendar, with the kinds the parser refuses (a working weekday, a weekend
    /// holiday) and years left unscheduled, to exercise the counting on its own.
    fn any_calendar() -> impl Strategy<Value = Calendar> {
        (
            proptest::collection::vec((any_date(2020, 4), any::<bool>()), 0..80),
            proptest::collection::vec(2019i32..2025, 0..4),
        )
            .prop_map(|(days, years)| {
                Calendar::new(
                    years,
                    days.into_iter().map(|(date, working)| CalendarDay {
                        date,
                        kind: if working { DayKind::Workday } else { DayKind::Holiday },
                        name: String::new(),
                    }),
                )
            })
    }

    fn naive_add(calendar: &Calendar, date: NaiveDate, n: u32) -> NaiveDate {
        let mut left = n;
        let mut day = date;
        while left > 0 {
            day = day.succ_opt().unwrap();
            if calendar.is_workday(day).value {
                left -= 1;
            }
        }
        day
    }

    fn token_soup() -> impl Strategy<Value = String> {
        let tokens = prop_oneof![
            Just("年份"),
            Just(" "),
            Just("\n"),
            Just("2027"),
            Just("2026"),
            Just("-"),
            Just("02"),
            Just("30"),
            Just("12"),
            Just("1"),
            Just("至"),
            Just("到"),
            Just(".."),
            Just("~"),
            Just("、"),
            Just(","),
            Just("；"),
            Just(";"),
            Just("放假"),
            Just("上班"),
            Just("春节"),
            Just("国办发明电〔2026〕1号"),
            Just("年"),
            Just("月"),
            Just("日"),
            Just("#"),
            Just("。"),
            Just("：")
        ];
        proptest::collection::vec(tokens, 0..60).prop_map(|tokens| tokens.concat())
    }

    /// Well-formed schedules of a few years, built directly rather than from text.
    fn any_schedules() -> impl Strategy<Value = Vec<YearSchedule>> {
        const NAMES: [&str; 4] = ["元旦", "春节", "清明节", "中秋节、国庆节"];
        proptest::collection::btree_set(2020i32..2030, 1..4).prop_flat_map(|years| {
            let years: Vec<i32> = years.into_iter().collect();
            let count = years.len();
            (
                Just(years),
                proptest::collection::vec(
                    proptest::collection::vec((0u64..396, any::<bool>(), 0usize..NAMES.len()), 1..30),
                    count,
                ),
            )
                .prop_map(|(years, picks)| {
                    let mut seen = std::collections::BTreeSet::new();
                    let mut schedules = Vec::new();
                    for (year, picks) in years.into_iter().zip(picks) {
                        let first = NaiveDate::from_ymd_opt(year - 1, 12, 1).unwrap();
                        let mut days: Vec<CalendarDay> = Vec::new();
                        for (offset, working, name) in picks {
                            let date = first + chrono::Days::new(offset);
                            let kind = if working && is_weekend(date) { DayKind::Workday } else { DayKind::Holiday };
                            if date.year() <= year && seen.insert(date) {
                                days.push(CalendarDay { date, kind, name: NAMES[name].to_string() });
                            }
                        }
                        // A makeup day needs a holiday of the same name to hang on.
                        let named: Vec<String> = days
                            .iter()
                            .filter(|day| day.kind == DayKind::Holiday)
                            .map(|day| day.name.clone())
                            .collect();
                        for day in &mut days {
                            if !named.contains(&day.name) {
                                day.kind = DayKind::Holiday;
                            }
                        }
                        days.sort_by_key(|day| day.date);
                        if !days.is_empty() {
                            schedules.push(YearSchedule {
                                year,
                                notice: format!("国办发明电〔{}〕{}号", year - 1, year % 17),
                                days,
                            });
                        }
                    }
                    schedules
                })
        })
    }

    proptest! {
        #[test]
        fn added_days_are_working_days(date in any_date(2015, 15), n in 1u32..300) {
            let due = OFFICIAL.add_workdays(date, n);
            prop_assert!(OFFICIAL.is_workday(due.value).value);
            prop_assert!(due.value > date);
        }

        #[test]
        fn between_inverts_add(date in any_date(2015, 15), n in 0u32..300) {
            let due = OFFICIAL.add_workdays(date, n);
            let back = OFFICIAL.workdays_between(date, due.value);
            prop_assert_eq!(back.value, i64::from(n));
            prop_assert_eq!(back.assumed_years, due.assumed_years);
        }

        #[test]
        fn add_is_strictly_increasing(date in any_date(2015, 15), n in 0u32..300) {
            prop_assert!(OFFICIAL.add_workdays(date, n).value < OFFICIAL.add_workdays(date, n + 1).value);
        }

        #[test]
        fn between_is_antisymmetric(a in any_date(2015, 15), b in any_date(2015, 15)) {
            let forward = OFFICIAL.workdays_between(a, b);
            let backward = OFFICIAL.workdays_between(b, a);
            prop_assert_eq!(forward.value, -backward.value);
            prop_assert_eq!(forward.assumed_years, backward.assumed_years);
        }

        #[test]
        fn counting_matches_walking_day_by_day(
            calendar in any_calendar(),
            date in any_date(2019, 6),
            n in 0u32..120,
            other in any_date(2019, 6),
        ) {
            let due = calendar.add_workdays(date, n).value;
            prop_assert_eq!(due, naive_add(&calendar, date, n));
            prop_assert!(n == 0 || calendar.is_workday(due).value);
            let (low, high) = if date <= other { (date, other) } else { (other, date) };
            let walked = low
                .iter_days()
                .skip(1)
                .take_while(|day| *day <= high)
                .filter(|day| calendar.is_workday(*day).value)
                .count() as i64;
            let sign = if date <= other { 1 } else { -1 };
            prop_assert_eq!(calendar.workdays_between(date, other).value, sign * walked);
        }

        #[test]
        fn formatted_schedules_parse_back(schedules in any_schedules()) {
            prop_assert_eq!(parse_schedules(&format_schedules(&schedules)), Ok(schedules));
        }

        #[test]
        fn parser_never_panics(text in any::<String>()) {
            let _ = parse_schedules(&text);
        }

        #[test]
        fn parser_never_panics_on_near_misses(text in token_soup()) {
            if let Ok(schedules) = parse_schedules(&text) {
                prop_assert_eq!(parse_schedules(&format_schedules(&schedules)), Ok(schedules));
            }
        }

        #[test]
        fn parser_never_panics_on_edited_official_text(at in 0usize..4000, junk in "\\PC{0,3}") {
            let chars: Vec<char> = OFFICIAL_TEXT.chars().collect();
            let at = at.min(chars.len());
            let text: String = chars[..at].iter().chain(junk.chars().collect::<Vec<_>>().iter()).chain(chars[at..].iter()).collect();
            let _ = parse_schedules(&text);
        }
    }
}
