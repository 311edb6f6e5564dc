//! Bulk import of policies (`gongkai import policies FILE.jsonl[.gz]`): one policy per line, as
//! the staff API takes it but with `unit` (credit code or id) for `unit_id`, and an optional
//! `key` that names the policy across runs (default: unit, title and 文号). Every line is
//! checked before anything is written; then one transaction creates, updates or leaves each
//! policy and publishes it, as an audited administrative action. Running the same file again
//! changes nothing.

use crate::{Context, Error};
use gongkai_domain::business_policy::policy::{PolicyFields, PolicyInput};
use gongkai_domain::validation::{FieldError, Invalid};
use gongkai_store::Actor;
use serde_json::Value;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

struct Line {
    unit_id: i64,
    key: String,
    fields: PolicyFields,
}

fn line_error(n: usize, message: impl std::fmt::Display) -> FieldError {
    FieldError { field: format!("line {n}"), message: format!("第 {n} 行：{message}") }
}

/// The objects of `text` (JSON Lines) with their line numbers, and the errors of lines that
/// are not one.
fn objects(text: &str) -> (Vec<(usize, Value)>, Vec<FieldError>) {
    let (mut out, mut errors) = (Vec::new(), Vec::new());
    for (i, raw) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        match serde_json::from_str(raw) {
            Ok(v @ Value::Object(_)) => out.push((i + 1, v)),
            Ok(_) => errors.push(line_error(i + 1, "每行应为一个 JSON 对象")),
            Err(e) => errors.push(line_error(i + 1, format!("不是有效的 JSON（{e}）"))),
        }
    }
    (out, errors)
}

/// Checks every object (a line of JSON Lines, a row of a sheet); the errors name their line.
async fn read(cx: &Context, items: Vec<(usize, Value)>, mut errors: Vec<FieldError>) -> Result<Vec<Line>, Error> {
    let tree = cx.unit_tree().await?;
    let mut lines = Vec::new();
    let mut keys = std::collections::HashMap::new();
    for (n, mut value) in items {
        let Some(object) = value.as_object_mut() else { continue };
        let unit = object.remove("unit");
        let key = object.remove("key");
        let unit_id = match &unit {
            Some(Value::Number(id)) => id.as_i64().filter(|id| tree.get(*id).is_some()),
            Some(Value::String(s)) => match s.trim().parse::<i64>() {
                Ok(id) => tree.get(id).map(|u| u.id),
                Err(_) => {
                    tree.all().iter().find(|u| u.credit_code.as_deref() == Some(&s.trim().to_uppercase())).map(|u| u.id)
                }
            },
            _ => None,
        };
        let Some(unit_id) = unit_id else {
            errors.push(line_error(n, "unit（发布单位）应为本平台单位的 id 或统一社会信用代码"));
            continue;
        };
        let input: PolicyInput = match serde_json::from_value(value) {
            Ok(i) => i,
            Err(e) => {
                errors.push(line_error(n, format!("字段有误（{e}）")));
                continue;
            }
        };
        let fields = match PolicyFields::parse(&input) {
            Ok(f) => f,
            Err(invalid) => {
                errors.extend(invalid.0.into_iter().map(|e| line_error(n, format!("{}（{}）", e.message, e.field))));
                continue;
            }
        };
        let key = match key {
            Some(Value::String(k)) if !k.trim().is_empty() && k.len() <= 200 => k.trim().to_string(),
            Some(_) => {
                errors.push(line_error(n, "key 应为不超过 200 字节的文字"));
                continue;
            }
            None => format!("{unit_id}|{}|{}", fields.title, fields.doc_no),
        };
        if let Some(first) = keys.insert(key.clone(), n) {
            errors.push(line_error(n, format!("与第 {first} 行是同一项政策（{key}）")));
            continue;
        }
        lines.push(Line { unit_id, key, fields });
    }
    errors.sort_by_key(|e| e.field.trim_start_matches("line ").parse::<usize>().unwrap_or(0));
    if errors.is_empty() { Ok(lines) } else { Err(Error::Invalid(Invalid(errors))) }
}

/// Imports the policies of `text` (JSON Lines) as `actor`; nothing is written if a line is
/// wrong.
pub async fn import_policies(cx: &Context, actor: Actor, text: &str) -> Result<ImportReport, Error> {
    let (items, errors) = objects(text);
    let lines = read(cx, items, errors).await?;
    write(cx, actor, &lines).await
}

/// Who may import policies in the console: it publishes without the review, so only who may
/// both draft and review city-wide (the system administrators).
fn require(p: &crate::Principal) -> Result<(), Error> {
    use gongkai_domain::staff::{Action, Reach};
    p.require(Action::DraftDocuments, Reach::Global)?;
    p.require(Action::ReviewDocuments, Reach::Global)
}

/// Imports the policies of a workbook's first sheet (see `gongkai_domain::business_policy::sheet`),
/// read in the extractor's bounded child process, as `p`.
pub async fn import_xlsx(cx: &Context, p: &crate::Principal, bytes: Vec<u8>) -> Result<ImportReport, Error> {
    require(p)?;
    let file_error = |m: String| Error::Invalid(Invalid::one("file", "政策文件", m));
    let cells = match cx.extractor.catalogue_cells(bytes).await {
        Ok(Ok(cells)) => cells,
        Ok(Err(message)) => return Err(file_error(message)),
        Err(e) => {
            tracing::warn!(error = %e, "policy workbook not read");
            return Err(file_error("文件无法读取（可能已损坏或过于庞大），请上传 XLSX 工作簿".into()));
        }
    };
    let rows = gongkai_export::register_table::rows_of_cells(&cells);
    let items = gongkai_domain::business_policy::sheet::rows_to_objects(&rows)?;
    let lines = read(cx, items, vec![]).await?;
    write(cx, p.actor(), &lines).await
}

async fn write(cx: &Context, actor: Actor, lines: &[Line]) -> Result<ImportReport, Error> {
    let mut report = ImportReport::default();
    let mut w = cx.store.write(actor).await?;
    for line in lines {
        match cx.store.policy_by_import_key(&line.key).await? {
            Some(old) if old.live.as_ref() == Some(&line.fields) && old.unit_id == line.unit_id => {
                report.unchanged += 1;
            }
            Some(old) => {
                w.policy_update(old.id, &line.fields).await?;
                w.policy_publish(old.id).await?;
                report.updated += 1;
            }
            None => {
                let id = w.policy_create(line.unit_id, &line.fields, None, Some(&line.key)).await?;
                w.policy_publish(id).await?;
                report.created += 1;
            }
        }
    }
    w.record(
        "policy.import",
        "business_policy",
        0,
        None,
        format!("批量导入政策：新增 {} 项，更新 {} 项，未变 {} 项", report.created, report.updated, report.unchanged),
    );
    w.commit().await?;
    if report.created + report.updated > 0 {
        cx.public_changed();
    }
    Ok(report)
}

/// The import as the command line runs it: on its own context, as the system.
pub async fn import_file(store: &gongkai_store::Store, text: &str) -> Result<ImportReport, Error> {
    let cx = Context::new(store.clone(), crate::Options::default(), std::sync::Arc::new(crate::NoEffects));
    import_policies(&cx, Actor::system("import"), text).await
}
