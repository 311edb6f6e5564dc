//! Each form's one typed input reads the same from the console's text fields as from the
//! API's JSON: a field added to an input but forgotten by its `from_form` fails here.

use crate::catalogue::CatalogueItemInput;
use crate::documents::DocumentInput;
use crate::units::UnitInput;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The properties of an input's OpenAPI schema.
fn properties<T: utoipa::PartialSchema>() -> BTreeSet<String> {
    let schema = serde_json::to_value(T::schema()).unwrap();
    schema["properties"].as_object().unwrap().keys().cloned().collect()
}

/// What a browser sends for `sample`: text as it is, numbers in digits, `true` as the check
/// boxes' "1", a list as repeated values.
fn form_values(sample: &Value, name: &str) -> Vec<String> {
    match &sample[name] {
        Value::Null => vec![],
        Value::String(s) => vec![s.clone()],
        Value::Bool(b) => vec![if *b { "1".into() } else { String::new() }],
        Value::Array(items) => items.iter().flat_map(|v| form_values(&json!({ "v": v }), "v")).collect(),
        other => vec![other.to_string()],
    }
}

fn get(sample: &Value) -> impl Fn(&str) -> String + '_ {
    move |name| form_values(sample, name).join(",")
}

fn all(sample: &Value) -> impl Fn(&str) -> Vec<String> + '_ {
    move |name| form_values(sample, name)
}

fn keys(sample: &Value) -> BTreeSet<String> {
    sample.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn a_document_reads_the_same_from_the_form_and_from_json() {
    let sample = json!({
        "unit_id": 7, "title": "关于做好2026年医保工作的通知", "publisher": "济南市医疗保障局",
        "doc_no": "济医保字〔2026〕3号", "written_on": "2026-03-02", "publish_at": "2026-03-05 09:00",
        "topic": "health", "genre": "notice", "keywords": "医保", "note": "2026年3月2日局务会议通过",
        "disclosure_mode": "proactive", "catalogue_item_id": 11, "column_id": 12, "interprets_id": 13,
        "interpretation_form": "qa", "body": "<p>正文</p>", "body_is_text": true,
        "qa": "问：何时施行？\n答：发布之日起。", "change_note": "改正错字", "minor_change": true
    });
    // The form writes its pairs as text (`qa`); the structured pairs are the API's.
    let mut expected = properties::<DocumentInput>();
    expected.remove("qa_pairs");
    assert_eq!(keys(&sample), expected, "the sample gives every field");
    let from_json: DocumentInput = serde_json::from_value(sample.clone()).unwrap();
    assert_eq!(DocumentInput::from_form(&get(&sample)), from_json);
}

#[test]
fn a_unit_reads_the_same_from_the_form_and_from_json() {
    let sample = json!({
        "kind": "department", "name": "济南市医疗保障局", "short_name": "市医保局",
        "division_code": "370100", "credit_code": "11370100MB28532967", "address": "济南市龙奥北路",
        "postcode": "250099", "phone": "0531-12345", "email": "ybj@jinan.gov.cn",
        "office_hours": "工作日 9:00—17:00", "description": "负责全市医疗保障工作"
    });
    // The console checks the parent itself and hands it over.
    let mut expected = properties::<UnitInput>();
    expected.remove("parent_id");
    assert_eq!(keys(&sample), expected, "the sample gives every field");
    let from_json: UnitInput = serde_json::from_value(sample.clone()).unwrap();
    assert_eq!(UnitInput::from_form(&get(&sample)), from_json);
    assert!(
        serde_json::from_value::<UnitInput>(json!({"kind": "department", "name": "x", "nmae": "y"})).is_err(),
        "unknown fields"
    );
}

#[test]
fn a_catalogue_item_reads_the_same_from_the_form_and_from_json() {
    let sample = json!({
        "level1": "医保政策", "level2": "政策文件", "content": "医保政策文件全文",
        "basis": "《政府信息公开条例》第二十条", "time_limit": "20个工作日", "subject": "市医保局",
        "channels": ["website", "公示栏"], "audience": "public", "mode": "proactive", "layer": "市级"
    });
    assert_eq!(keys(&sample), properties::<CatalogueItemInput>(), "the sample gives every field");
    let from_json: CatalogueItemInput = serde_json::from_value(sample.clone()).unwrap();
    assert_eq!(CatalogueItemInput::from_form(&get(&sample), &all(&sample)), from_json);
}
