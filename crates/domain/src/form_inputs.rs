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

#[test]
fn a_policy_reads_the_same_from_the_form_and_from_json() {
    use crate::business_policy::policy::{PolicyFields, PolicyInput};
    // The console's form: the amount as a choice with a percentage, the window as two dates,
    // the guide's fields by name, the rule as the builder's rows, ids separated by commas.
    let form = json!({
        "unit_id": 7, "title": "济南市科技型中小企业研发费用后补助", "summary": "按研发费用的比例补助",
        "level": "city", "doc_no": "济科发〔2025〕3号", "valid_until": "2027-12-31", "benefit_type": "subsidy",
        "mode": "quick_apply", "handling_days": 5,
        "amount_kind": "rate", "rate_pct": 10, "rate_of": "rd_expense_wan", "cap_yuan": 500000,
        "opens_on": "2026-03-01", "closes_on": "2026-12-31",
        "beneficiaries": "科技型中小企业", "conditions": "上年度研发费用不低于50万元", "materials": "专项审计报告",
        "address": "济南市龙奥北路8号", "phone": "0531-66608000", "time_limit": "受理后5个工作日内",
        "c0_group": 1, "c0_field": "district", "c0_op": "in", "c0_value": "370102、370112",
        "c1_group": 2, "c1_field": "qualifications", "c1_op": "contains", "c1_value": "tech_sme",
        "c2_group": 2, "c2_field": "rd_ratio", "c2_op": ">=", "c2_value": "5%",
        "document_ids": "3,4", "interpretation_ids": "5"
    });
    let api = json!({
        "unit_id": 7, "title": "济南市科技型中小企业研发费用后补助", "summary": "按研发费用的比例补助",
        "level": "city", "doc_no": "济科发〔2025〕3号", "valid_until": "2027-12-31", "benefit_type": "subsidy",
        "mode": "quick_apply", "handling_days": 5,
        "amount": {"rate": 0.1, "of": "rd_expense_wan", "cap_yuan": 500000},
        "window": {"opens_on": "2026-03-01", "closes_on": "2026-12-31"},
        "guide": {"beneficiaries": "科技型中小企业", "conditions": "上年度研发费用不低于50万元", "materials": "专项审计报告",
                  "address": "济南市龙奥北路8号", "phone": "0531-66608000", "time_limit": "受理后5个工作日内"},
        "rule": {"all": [
            {"field": "district", "op": "in", "value": ["370102", "370112"]},
            {"any": [{"field": "qualifications", "op": "contains", "value": "tech_sme"},
                     {"field": "rd_ratio", "op": ">=", "value": 0.05}]}
        ]},
        "document_ids": [3, 4], "interpretation_ids": [5]
    });
    assert_eq!(keys(&api), properties::<PolicyInput>(), "the API sample gives every field");
    let from_form = PolicyInput::from_form(&get(&form)).unwrap();
    let from_json: PolicyInput = serde_json::from_value(api).unwrap();
    assert_eq!(from_form.unit_id, from_json.unit_id);
    assert_eq!(PolicyFields::parse(&from_form).unwrap(), PolicyFields::parse(&from_json).unwrap());
    // A fixed amount, no window, the rule as JSON text.
    let fixed = json!({"title": "奖励", "level": "city", "benefit_type": "honour", "mode": "exempt_apply",
        "amount_kind": "fixed", "fixed_yuan": 200000, "rule_json": "{\"all\": []}"});
    let input = PolicyInput::from_form(&get(&fixed)).unwrap();
    assert_eq!(
        (input.amount, input.window, input.rule),
        (Some(json!({"fixed_yuan": 200000})), None, json!({"all": []}))
    );
    let bad = json!({"title": "奖励", "handling_days": "三天", "document_ids": "3,x", "rule_json": "{all"});
    let fields: Vec<String> = PolicyInput::from_form(&get(&bad)).unwrap_err().0.into_iter().map(|e| e.field).collect();
    assert_eq!(fields, ["document_ids", "rule", "handling_days"]);
}
