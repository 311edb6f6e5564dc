//! The enterprise register (企业名录) staff import to run a policy against every enterprise: a
//! table (CSV or the first sheet of a workbook) whose header names profile fields — by code
//! (`credit_code`) or by label (统一社会信用代码) — one enterprise per row, keyed by its credit
//! code. Every row is checked; the errors name the row as the spreadsheet numbers it.

use super::profile::{EnterpriseProfile, FIELDS};
use crate::validation::{FieldError, Invalid};
use chrono::NaiveDate;
use serde_json::{Map, Value};

/// An enterprise of the register.
#[derive(Debug, Clone, PartialEq)]
pub struct Enterprise {
    pub credit_code: String,
    pub name: String,
    pub profile: EnterpriseProfile,
}

/// Most rows a register may have in one file.
pub const MAX_ROWS: usize = 200_000;

fn row_error(line: usize, message: impl std::fmt::Display) -> FieldError {
    FieldError { field: format!("line {line}"), message: format!("第 {line} 行：{message}") }
}

/// The column of each header cell: a profile field's code or label (others are refused, so
/// that a misspelt column is not silently ignored).
fn columns(header: &[String], line: usize) -> Result<Vec<&'static str>, Invalid> {
    let mut out = Vec::new();
    for h in header {
        let h = h.trim().trim_start_matches('\u{feff}');
        let field = FIELDS.iter().filter(|(f, _)| *f != "as_of").find(|(f, l)| *f == h || *l == h).map(|(f, _)| *f);
        match field {
            Some(f) if out.contains(&f) => return Err(Invalid(vec![row_error(line, format!("表头“{h}”重复"))])),
            Some(f) => out.push(f),
            None => {
                return Err(Invalid(vec![row_error(
                    line,
                    format!("表头“{h}”不是企业画像的字段（如 统一社会信用代码、企业名称、从业人员）"),
                )]));
            }
        }
    }
    for required in ["credit_code", "name"] {
        if !out.contains(&required) {
            return Err(Invalid(vec![row_error(line, format!("缺少“{}”列", super::profile::label(required)))]));
        }
    }
    Ok(out)
}

/// Reads a register from its rows (each with its line number, the header first); nothing is
/// returned unless every row is good.
pub fn read(rows: &[(usize, Vec<String>)], today: NaiveDate) -> Result<Vec<Enterprise>, Invalid> {
    let mut rows = rows.iter().filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()));
    let Some((header_line, header)) = rows.next() else {
        return Err(Invalid(vec![row_error(1, "文件是空的：第一行应为表头")]));
    };
    let columns = columns(header, *header_line)?;
    let mut errors = Vec::new();
    let mut out: Vec<Enterprise> = Vec::new();
    let mut admit = Admit::default();
    for (line, cells) in rows {
        if out.len() + errors.len() >= MAX_ROWS {
            errors.push(row_error(*line, format!("一次最多导入 {MAX_ROWS} 家企业")));
            break;
        }
        let mut object = Map::new();
        for (field, cell) in columns.iter().zip(cells) {
            let value = match *field {
                "qualifications" => Value::Array(
                    cell.split([',', '，', '、', ';', '；', ' '])
                        .filter(|t| !t.trim().is_empty())
                        .map(|t| Value::from(t.trim()))
                        .collect(),
                ),
                _ => Value::from(cell.trim()),
            };
            object.insert(field.to_string(), value);
        }
        match EnterpriseProfile::from_json(&Value::Object(object), today) {
            Ok(profile) => match admit.one(profile, *line) {
                Ok(e) => out.push(e),
                Err(Refusal::Missing) => errors.push(row_error(*line, "统一社会信用代码和企业名称不能为空")),
                Err(Refusal::Repeated { code, first }) => {
                    errors.push(row_error(*line, format!("统一社会信用代码 {code} 与第 {first} 行重复")))
                }
            },
            Err(e) => errors.extend(e.0.into_iter().map(|fe| row_error(*line, fe.message))),
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(Invalid(errors)) }
}

/// Reads a register given as JSON profiles (the API's); the errors name the item
/// (`enterprises[3].employees`).
pub fn read_json(items: &[Value], today: NaiveDate) -> Result<Vec<Enterprise>, Invalid> {
    if items.len() > MAX_ROWS {
        return Err(Invalid::one("enterprises", "企业", format!("一次最多导入 {MAX_ROWS} 家企业")));
    }
    let mut errors = Invalid::default();
    let mut out = Vec::new();
    let mut admit = Admit::default();
    for (i, item) in items.iter().enumerate() {
        match EnterpriseProfile::from_json(item, today) {
            Ok(profile) => match admit.one(profile, i) {
                Ok(e) => out.push(e),
                Err(Refusal::Missing) => {
                    errors.push(&format!("enterprises[{i}]"), "企业", "统一社会信用代码和企业名称不能为空")
                }
                Err(Refusal::Repeated { code, first }) => errors.push(
                    &format!("enterprises[{i}].credit_code"),
                    "统一社会信用代码",
                    format!("{code} 与 enterprises[{first}] 重复"),
                ),
            },
            Err(e) => errors.0.extend(
                e.0.into_iter()
                    .map(|fe| FieldError { field: format!("enterprises[{i}].{}", fe.field), message: fe.message }),
            ),
        }
    }
    errors.into_result(out)
}

/// Why a checked profile is not an enterprise of the register.
enum Refusal {
    /// No credit code or no name.
    Missing,
    /// The credit code came before, at `first`.
    Repeated { code: String, first: usize },
}

/// The register's own rules over checked profiles, for both readers: a credit code and a name,
/// and each credit code once.
#[derive(Default)]
struct Admit(std::collections::HashMap<String, usize>);

impl Admit {
    fn one(&mut self, profile: EnterpriseProfile, at: usize) -> Result<Enterprise, Refusal> {
        let (Some(code), Some(name)) = (profile.credit_code.clone(), profile.name.clone()) else {
            return Err(Refusal::Missing);
        };
        if let Some(first) = self.0.get(&code) {
            return Err(Refusal::Repeated { code, first: *first });
        }
        self.0.insert(code.clone(), at);
        Ok(Enterprise { credit_code: code, name, profile })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &[&[&str]]) -> Vec<(usize, Vec<String>)> {
        text.iter().enumerate().map(|(i, r)| (i + 1, r.iter().map(|c| c.to_string()).collect())).collect()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()
    }

    #[test]
    fn a_register_reads_by_code_or_label() {
        let a = crate::business_policy::profile::tests::credit_code("91370100MA3C5K1X2");
        let b = crate::business_policy::profile::tests::credit_code("91370112MA3D7P2Y4");
        let read = read(
            &rows(&[
                &["统一社会信用代码", "企业名称", "注册地", "employees", "资质"],
                &[&a, "济南泉城软件有限公司", "370112", "120", "high_tech、tech_sme"],
                &["", "", "", "", ""],
                &[&b, "济南历城食品有限公司", "370112", "", ""],
            ]),
            today(),
        )
        .unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].profile.employees, Some(120));
        assert_eq!(read[0].profile.qualifications.as_ref().map(Vec::len), Some(2));
        assert_eq!(read[1].profile.employees, None, "an empty cell is not given");
    }

    #[test]
    fn json_items_are_named_by_their_index() {
        let a = crate::business_policy::profile::tests::credit_code("91370100MA3C5K1X2");
        let items = [
            serde_json::json!({"credit_code": a, "name": "甲公司"}),
            serde_json::json!({"credit_code": a, "name": "乙公司"}),
            serde_json::json!({"name": "丙公司"}),
            serde_json::json!({"credit_code": a, "name": "丁公司", "employees": -1}),
        ];
        let e = read_json(&items, today()).unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["enterprises[1].credit_code", "enterprises[2]", "enterprises[3].employees"]);
        assert!(e.0[0].message.contains("enterprises[0]"), "{e}");
        assert_eq!(read_json(&items[..1], today()).unwrap()[0].name, "甲公司");
    }

    #[test]
    fn bad_rows_are_named_by_their_line() {
        let a = crate::business_policy::profile::tests::credit_code("91370100MA3C5K1X2");
        let e = read(
            &rows(&[
                &["credit_code", "name", "employees"],
                &[&a, "甲公司", "-1"],
                &["123", "乙公司", "5"],
                &[&a, "丙公司", "5"],
            ]),
            today(),
        )
        .unwrap_err();
        let messages: Vec<&str> = e.0.iter().map(|f| f.message.as_str()).collect();
        assert!(messages[0].starts_with("第 2 行：从业人员"), "{messages:?}");
        assert!(messages[1].starts_with("第 3 行：统一社会信用代码"), "{messages:?}");
        assert_eq!(e.0.len(), 2, "the third row's code is the first's, but the first was refused: {messages:?}");
        assert!(read(&rows(&[&["credit_code", "颜色"]]), today()).unwrap_err().to_string().contains("颜色"));
        assert!(read(&rows(&[&["credit_code", "employees"]]), today()).unwrap_err().to_string().contains("企业名称"));
    }
}
