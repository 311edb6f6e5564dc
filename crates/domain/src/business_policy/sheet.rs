//! Policies as a spreadsheet (the console's XLSX import): a header row naming the columns — by
//! the import's field names (`title`, `rule`, `guide.phone`) or their Chinese labels (政策名称,
//! 适用条件, 咨询电话) — then one policy per row. Each row becomes the JSON object a line of the
//! JSON Lines import is, so both imports check and write the same way; cells of JSON columns
//! (适用条件, 扶持金额) hold JSON text.

use crate::validation::{FieldError, Invalid};
use serde_json::{Map, Value};

/// How a column's cells are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cell {
    Text,
    /// JSON text (the rule, the amount).
    Json,
    /// A whole number.
    Whole,
    /// Document ids separated by commas.
    Ids,
}

/// The columns: field name, Chinese label, how cells are read.
pub const COLUMNS: [(&str, &str, &str); 22] = [
    ("title", "政策名称", "text"),
    ("unit", "发布单位", "text"),
    ("key", "导入键", "text"),
    ("summary", "政策摘要", "text"),
    ("level", "政策层级", "text"),
    ("doc_no", "文号", "text"),
    ("valid_until", "有效期至", "text"),
    ("benefit_type", "扶持方式", "text"),
    ("mode", "兑现方式", "text"),
    ("amount", "扶持金额", "json"),
    ("opens_on", "申报开始日期", "text"),
    ("closes_on", "申报截止日期", "text"),
    ("handling_days", "办理时限", "whole"),
    ("rule", "适用条件", "json"),
    ("guide.beneficiaries", "惠及对象", "text"),
    ("guide.conditions", "申报条件", "text"),
    ("guide.materials", "所需材料", "text"),
    ("guide.address", "受理地址", "text"),
    ("guide.phone", "咨询电话", "text"),
    ("guide.time_limit", "兑现时限", "text"),
    ("document_ids", "政策原文", "ids"),
    ("interpretation_ids", "政策解读", "ids"),
];

fn kind(code: &str) -> Cell {
    match code {
        "json" => Cell::Json,
        "whole" => Cell::Whole,
        "ids" => Cell::Ids,
        _ => Cell::Text,
    }
}

fn row_error(line: usize, message: impl std::fmt::Display) -> FieldError {
    FieldError { field: format!("line {line}"), message: format!("第 {line} 行：{message}") }
}

/// The policies of a sheet's rows (each with its row number, the header first) as import
/// objects with their row numbers; a level, benefit type or mode may be written in Chinese
/// (国家级, 资金补贴, 免申即享) as the import reads either. Nothing is returned unless every
/// cell could be read.
pub fn rows_to_objects(rows: &[(usize, Vec<String>)]) -> Result<Vec<(usize, Value)>, Invalid> {
    let mut rows = rows.iter().filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()));
    let Some((header_line, header)) = rows.next() else {
        return Err(Invalid(vec![row_error(1, "工作表是空的：第一行应为表头")]));
    };
    let mut columns = Vec::new();
    for h in header {
        let h = h.trim().trim_start_matches('\u{feff}');
        if h.is_empty() {
            columns.push(None);
            continue;
        }
        match COLUMNS.iter().find(|(code, label, _)| *code == h || *label == h) {
            Some(c) if columns.contains(&Some(*c)) => {
                return Err(Invalid(vec![row_error(*header_line, format!("表头“{h}”重复"))]));
            }
            Some(c) => columns.push(Some(*c)),
            None => {
                return Err(Invalid(vec![row_error(
                    *header_line,
                    format!("表头“{h}”不是政策的字段（如 政策名称、发布单位、适用条件）"),
                )]));
            }
        }
    }
    if !columns.iter().flatten().any(|(code, _, _)| *code == "title") {
        return Err(Invalid(vec![row_error(*header_line, "缺少“政策名称”列")]));
    }
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for (line, cells) in rows {
        let mut object = Map::new();
        let mut guide = Map::new();
        let mut window = Map::new();
        for (cell, column) in cells.iter().zip(&columns) {
            let (Some((code, label, how)), text) = (column, cell.trim()) else { continue };
            if text.is_empty() {
                continue;
            }
            let value = match kind(how) {
                Cell::Text => Value::from(text),
                Cell::Json => match serde_json::from_str::<Value>(text) {
                    Ok(v) => v,
                    Err(e) => {
                        errors.push(row_error(*line, format!("{label}：不是有效的 JSON（{e}）")));
                        continue;
                    }
                },
                // A workbook keeps whole numbers as 5 or 5.0.
                Cell::Whole => match text.parse::<f64>() {
                    Ok(n) if n.fract() == 0.0 && (0.0..=1e6).contains(&n) => Value::from(n as i64),
                    _ => {
                        errors.push(row_error(*line, format!("{label}：应为整数")));
                        continue;
                    }
                },
                Cell::Ids => {
                    let ids: Result<Vec<i64>, _> = text
                        .split([',', '，', '、', ' '])
                        .filter(|t| !t.trim().is_empty())
                        .map(|t| t.trim().trim_end_matches(".0").parse::<i64>())
                        .collect();
                    match ids {
                        Ok(ids) => Value::from(ids),
                        Err(_) => {
                            errors.push(row_error(*line, format!("{label}：应为用逗号分隔的文件 id")));
                            continue;
                        }
                    }
                }
            };
            match code.split_once('.') {
                Some(("guide", field)) => {
                    guide.insert(field.into(), value);
                }
                _ if *code == "opens_on" || *code == "closes_on" => {
                    window.insert((*code).into(), value);
                }
                _ => {
                    object.insert((*code).into(), value);
                }
            }
        }
        if !guide.is_empty() {
            object.insert("guide".into(), Value::Object(guide));
        }
        if !window.is_empty() {
            object.insert("window".into(), Value::Object(window));
        }
        out.push((*line, Value::Object(object)));
    }
    if errors.is_empty() { Ok(out) } else { Err(Invalid(errors)) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rows(lines: &[&[&str]]) -> Vec<(usize, Vec<String>)> {
        lines.iter().enumerate().map(|(i, l)| (i + 1, l.iter().map(|c| c.to_string()).collect())).collect()
    }

    #[test]
    fn labels_and_codes_read_the_same() {
        let by_label = rows(&[
            &[
                "政策名称",
                "发布单位",
                "兑现方式",
                "适用条件",
                "申报开始日期",
                "申报截止日期",
                "咨询电话",
                "办理时限",
                "政策原文",
            ],
            &["首台套奖励", "5", "免申即享", r#"{"all": []}"#, "2026-01-01", "2026-12-31", "0531-1", "5.0", "3，4"],
        ]);
        let by_code = rows(&[
            &["title", "unit", "mode", "rule", "opens_on", "closes_on", "guide.phone", "handling_days", "document_ids"],
            &["首台套奖励", "5", "免申即享", r#"{"all": []}"#, "2026-01-01", "2026-12-31", "0531-1", "5", "3,4"],
        ]);
        let expected = json!({
            "title": "首台套奖励", "unit": "5", "mode": "免申即享", "rule": {"all": []},
            "window": {"opens_on": "2026-01-01", "closes_on": "2026-12-31"},
            "guide": {"phone": "0531-1"}, "handling_days": 5, "document_ids": [3, 4]
        });
        assert_eq!(rows_to_objects(&by_label).unwrap(), vec![(2, expected.clone())]);
        assert_eq!(rows_to_objects(&by_code).unwrap(), vec![(2, expected)]);
    }

    #[test]
    fn bad_headers_and_cells_name_their_row() {
        let e = rows_to_objects(&rows(&[&["政策名称", "政策名"]])).unwrap_err();
        assert!(e.0[0].message.starts_with("第 1 行：表头“政策名”"), "{e}");
        let e = rows_to_objects(&rows(&[&["发布单位"]])).unwrap_err();
        assert!(e.0[0].message.contains("缺少“政策名称”列"));
        let e =
            rows_to_objects(&rows(&[&["政策名称", "适用条件", "办理时限"], &["甲", "{all", ""], &["乙", "", "三天"]]))
                .unwrap_err();
        let messages: Vec<&str> = e.0.iter().map(|f| f.message.as_str()).collect();
        assert!(messages[0].starts_with("第 2 行：适用条件：不是有效的 JSON"), "{messages:?}");
        assert_eq!(messages[1], "第 3 行：办理时限：应为整数");
        assert!(rows_to_objects(&[]).is_err());
    }
}
