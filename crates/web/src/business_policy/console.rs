//! Console pages of policies: the list of the units within reach, the form (with the
//! condition builder, its JSON for shapes the rows cannot hold, and the rule read out in
//! words), and each policy with its review actions.

use crate::app::AppState;
use crate::auth::{Principal, Staff};
use crate::console::{console_page, with_notice};
use crate::errors::{AppError, PageResult};
use crate::forms::{Fields, Form, FormView, Query, path_id, read_upload};
use crate::page::{Page, html, html_form};
use crate::units::{UnitOption, unit_options};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use gongkai_domain::business_policy::policy::PolicyInput;
use gongkai_domain::business_policy::rule::{Field, Op, describe, to_rows};
use gongkai_domain::business_policy::{BenefitType, Level, Mode};
use gongkai_domain::staff::{Action, Reach};
use gongkai_domain::validation::Invalid;
use gongkai_store::business_policy::Policy;
use serde_json::Value;

pub fn routes(upload_limit: usize) -> Router<AppState> {
    Router::new()
        .route("/policies", get(list))
        .route(
            "/policies/register",
            get(register_page).post(register_import).layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        )
        .route("/policies/{id}/register", get(register_run))
        .route(
            "/policies/import",
            get(import_page).post(import_upload).layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        )
        .route("/policies/import/template.xlsx", get(import_template))
        .merge(super::claims::console_routes())
        .merge(super::redemption::console_routes())
        .merge(super::stats::console_routes())
        .route("/policies/new", get(new).post(create))
        .route("/policies/{id}", get(show))
        .route("/policies/{id}/edit", get(edit).post(save))
        .route("/policies/{id}/actions", post(act))
}

/// How many condition rows the builder offers.
const ROWS: usize = gongkai_domain::business_policy::policy::FORM_RULE_ROWS;

struct Row {
    id: i64,
    title: String,
    unit: String,
    status: &'static str,
    live: bool,
    updated: String,
}

#[derive(Template)]
#[template(path = "console/policies.html")]
struct ListTemplate {
    page: Page,
    rows: Vec<Row>,
    may_draft: bool,
    may_import: bool,
}

async fn list(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Query(q): Query) -> PageResult {
    let policies = super::staff_list(&state, &p).await?;
    let tree = state.unit_tree().await?;
    let page = with_notice(console_page(&state, &headers, &p, "惠企政策", "/admin/policies", "policies").await, &q);
    let rows = policies
        .iter()
        .map(|x| Row {
            id: x.id,
            title: x.draft.title.clone(),
            unit: tree.get(x.unit_id).map(|u| u.short_name.clone()).unwrap_or_default(),
            status: x.status.label(),
            live: x.live.is_some(),
            updated: gongkai_domain::time::display_instant_at(x.updated_at),
        })
        .collect();
    let may_import = require_import(&p).is_ok();
    Ok(html(&ListTemplate { page, rows, may_draft: p.may(Action::DraftDocuments), may_import }))
}

#[derive(Template)]
#[template(path = "console/policy_form.html")]
struct FormTemplate {
    page: Page,
    form: FormView,
    policy_id: Option<i64>,
    units: Vec<UnitOption>,
    levels: &'static [Level],
    benefits: &'static [BenefitType],
    modes: &'static [Mode],
    fields: &'static [Field],
    ops: &'static [Op],
    rows: Vec<usize>,
    preview: String,
}

/// The form's values of a stored policy.
fn form_of(policy: &Policy) -> Fields {
    let input = policy.draft.input(Some(policy.unit_id));
    let mut pairs: Vec<(String, String)> = vec![
        ("unit_id".into(), policy.unit_id.to_string()),
        ("title".into(), input.title),
        ("summary".into(), input.summary),
        ("level".into(), input.level),
        ("doc_no".into(), input.doc_no),
        ("valid_until".into(), input.valid_until),
        ("benefit_type".into(), input.benefit_type),
        ("mode".into(), input.mode),
        ("handling_days".into(), input.handling_days.map(|d| d.to_string()).unwrap_or_default()),
        ("beneficiaries".into(), input.guide.beneficiaries),
        ("conditions".into(), input.guide.conditions),
        ("materials".into(), input.guide.materials),
        ("address".into(), input.guide.address),
        ("phone".into(), input.guide.phone),
        ("time_limit".into(), input.guide.time_limit),
        ("document_ids".into(), ids_text(&input.document_ids)),
        ("interpretation_ids".into(), ids_text(&input.interpretation_ids)),
    ];
    match policy.draft.amount.as_ref().map(|a| a.to_json()) {
        Some(Value::Object(o)) if o.contains_key("fixed_yuan") => {
            pairs.push(("amount_kind".into(), "fixed".into()));
            pairs.push(("fixed_yuan".into(), o["fixed_yuan"].to_string()));
        }
        Some(Value::Object(o)) => {
            pairs.push(("amount_kind".into(), "rate".into()));
            pairs.push((
                "rate_pct".into(),
                o["rate"].as_f64().map(|r| ((r * 10000.0).round() / 100.0).to_string()).unwrap_or_default(),
            ));
            pairs.push(("rate_of".into(), o["of"].as_str().unwrap_or("").into()));
            pairs.push(("cap_yuan".into(), o.get("cap_yuan").map(|c| c.to_string()).unwrap_or_default()));
        }
        _ => pairs.push(("amount_kind".into(), String::new())),
    }
    if let Some(w) = policy.draft.window {
        pairs.push(("opens_on".into(), w.opens_on.to_string()));
        pairs.push(("closes_on".into(), w.closes_on.to_string()));
    }
    match to_rows(&policy.draft.rule) {
        Some(rows) => {
            for (i, r) in rows.iter().enumerate() {
                pairs.push((format!("c{i}_group"), r.group.to_string()));
                pairs.push((format!("c{i}_field"), r.field.clone()));
                pairs.push((format!("c{i}_op"), r.op.clone()));
                pairs.push((format!("c{i}_value"), r.value.clone()));
            }
        }
        None => pairs.push(("rule_json".into(), serde_json::to_string_pretty(&input.rule).unwrap_or_default())),
    }
    let encoded = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    Fields::parse(encoded.as_bytes())
}

fn ids_text(ids: &[i64]) -> String {
    ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",")
}

/// The policy's input from the form (`PolicyInput::from_form`).
fn input_from(f: &Fields) -> Result<PolicyInput, Invalid> {
    PolicyInput::from_form(&|name| f.get(name).to_string())
}

async fn form_page(
    state: &AppState,
    headers: &HeaderMap,
    p: &Principal,
    id: Option<i64>,
    form: FormView,
) -> PageResult {
    let tree = state.unit_tree().await?;
    let within = if p.require(Action::DraftDocuments, Reach::Global).is_ok() { None } else { Some(p.user.unit_id) };
    let title = if id.is_some() { "修改政策" } else { "起草政策" };
    let page = console_page(state, headers, p, title, "/admin/policies", "policies").await;
    let preview = input_from(&form.values)
        .ok()
        .and_then(|i| gongkai_domain::business_policy::rule::Rule::from_json(&i.rule).ok())
        .map(|r| describe(&r))
        .unwrap_or_default();
    let failed = form.failed();
    Ok(html_form(
        &FormTemplate {
            page,
            form,
            policy_id: id,
            units: unit_options(&tree, within),
            levels: Level::ALL,
            benefits: BenefitType::ALL,
            modes: Mode::ALL,
            fields: Field::ALL,
            ops: Op::ALL,
            rows: (0..ROWS).collect(),
            preview,
        },
        failed,
    ))
}

async fn new(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff) -> PageResult {
    p.require(Action::DraftDocuments, Reach::Subtree)?;
    let form = FormView::from_pairs(&[
        ("unit_id", &p.user.unit_id.to_string()),
        ("level", "city"),
        ("benefit_type", "subsidy"),
        ("mode", "regular"),
    ]);
    form_page(&state, &headers, &p, None, form).await
}

/// Saves the form as a new policy (`id` none) or over policy `id`, or — the 预览 button —
/// shows the rule in words without saving.
async fn submit(state: &AppState, headers: &HeaderMap, p: &Principal, id: Option<i64>, f: Fields) -> PageResult {
    let input = match input_from(&f) {
        Ok(i) if f.get("_preview").is_empty() => i,
        Ok(_) => return form_page(state, headers, p, id, FormView::new(f)).await,
        Err(e) => return form_page(state, headers, p, id, FormView::with_errors(f, e)).await,
    };
    let saved = match id {
        None => super::create(state, p, &input).await,
        Some(id) => super::update(state, p, id, &input).await,
    };
    match saved {
        Ok(x) => Ok(Redirect::to(&format!("/admin/policies/{}?notice=policy_saved", x.id)).into_response()),
        Err(e) => {
            let e = AppError::from(e).form_errors()?;
            form_page(state, headers, p, id, FormView::with_errors(f, e)).await
        }
    }
}

async fn create(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Form(f): Form) -> PageResult {
    p.require(Action::DraftDocuments, Reach::Subtree)?;
    submit(&state, &headers, &p, None, f).await
}

async fn edit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
) -> PageResult {
    let policy = super::visible(&state, &p, path_id(&id)?).await?;
    p.require_for_unit(&state, Action::DraftDocuments, policy.unit_id).await?;
    form_page(&state, &headers, &p, Some(policy.id), FormView::new(form_of(&policy))).await
}

async fn save(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    submit(&state, &headers, &p, Some(path_id(&id)?), f).await
}

#[derive(Template)]
#[template(path = "console/policy.html")]
struct ShowTemplate {
    page: Page,
    policy: Policy,
    unit: String,
    rule_text: String,
    amount: String,
    window: String,
    rule_json: String,
    actions: Vec<(&'static str, &'static str)>,
    error: String,
    lists: Vec<gongkai_store::business_policy::redemption::PolicyList>,
}

async fn show_page(
    state: &AppState,
    headers: &HeaderMap,
    p: &Principal,
    q: &Fields,
    id: i64,
    error: String,
) -> PageResult {
    let policy = super::visible(state, p, id).await?;
    let tree = state.unit_tree().await?;
    let page =
        with_notice(console_page(state, headers, p, &policy.draft.title, "/admin/policies", "policies").await, q);
    let actions = crate::console::review_actions(state, p, policy.unit_id, policy.status, policy.live.is_some()).await;
    let rule_json = serde_json::to_string_pretty(&policy.draft.rule.to_json()).unwrap_or_default();
    let status = if error.is_empty() { axum::http::StatusCode::OK } else { axum::http::StatusCode::CONFLICT };
    let mut res = html(&ShowTemplate {
        page,
        unit: tree.get(policy.unit_id).map(|u| u.name.clone()).unwrap_or_default(),
        rule_text: describe(&policy.draft.rule),
        amount: policy.draft.amount.as_ref().map(|a| a.words()).unwrap_or_else(|| "—".into()),
        window: policy.draft.window_words(),
        rule_json,
        actions,
        error,
        lists: gongkai_app::business_policy::redemption::lists_of(state, &policy).await?,
        policy,
    });
    *res.status_mut() = status;
    Ok(res)
}

async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Query(q): Query,
) -> PageResult {
    show_page(&state, &headers, &p, &q, path_id(&id)?, String::new()).await
}

async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    let outcome = match super::PolicyAction::parse(f.get("action"), f.get("comment")) {
        Ok(action) => super::act(&state, &p, id, &action).await.map_err(AppError::from),
        Err(e) => Err(AppError::Invalid(e)),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/admin/policies/{id}?notice=policy_{}", f.get("action"))).into_response()),
        Err(e) => {
            let e = e.form_errors()?;
            show_page(&state, &headers, &p, &Fields::default(), id, e.to_string()).await
        }
    }
}

#[derive(Template)]
#[template(path = "console/policy_register.html")]
struct RegisterTemplate {
    page: Page,
    count: i64,
    form: FormView,
}

async fn register_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Query(q): Query,
) -> PageResult {
    p.require(Action::DraftDocuments, Reach::Global)?;
    register_form(&state, &headers, &p, &q, FormView::default()).await
}

async fn register_form(state: &AppState, headers: &HeaderMap, p: &Principal, q: &Fields, form: FormView) -> PageResult {
    let mut page = console_page(state, headers, p, "企业名录", "/admin/policies", "policies").await;
    page.notice = q.get("report").chars().take(200).collect();
    let failed = form.failed();
    let count = super::register::count(state, p).await?;
    Ok(html_form(&RegisterTemplate { page, count, form }, failed))
}

async fn register_import(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    form: axum::extract::Multipart,
) -> PageResult {
    let upload = read_upload(form).await?;
    let Some((name, bytes)) = upload.file else {
        let e = Invalid::one("file", "名录文件", "请选择 CSV 或 XLSX 文件");
        return register_form(&state, &headers, &p, &Fields::default(), FormView::with_errors(Fields::default(), e))
            .await;
    };
    match super::register::import_file(&state, &p, &name, bytes.to_vec()).await {
        Ok(r) => {
            let report = format!("导入完成：新增 {} 家，更新 {} 家，未变 {} 家。", r.created, r.updated, r.unchanged);
            let q: String =
                url::form_urlencoded::Serializer::new(String::new()).append_pair("report", &report).finish();
            Ok(Redirect::to(&format!("/admin/policies/register?{q}")).into_response())
        }
        Err(e) => {
            let e = AppError::from(e).form_errors()?;
            register_form(&state, &headers, &p, &Fields::default(), FormView::with_errors(Fields::default(), e)).await
        }
    }
}

#[derive(Template)]
#[template(path = "console/policy_register_run.html")]
struct RunTemplate {
    page: Page,
    title: String,
    id: i64,
    run: super::register::RegisterRun,
    /// A published 免申即享 policy: a 公示名单 can be drawn from the run.
    exempt_live: bool,
    saved_on: Option<chrono::NaiveDate>,
    f: FormView,
}

/// The run of a policy against the register, with the forms to save it and draw a list.
pub async fn run_page(
    state: &AppState,
    headers: &HeaderMap,
    p: &Principal,
    id: i64,
    q: &Fields,
    f: FormView,
) -> PageResult {
    let run = super::register::run(state, p, id).await?;
    let policy = super::visible(state, p, id).await?;
    let exempt_live = policy.live.as_ref().is_some_and(|l| l.mode == Mode::ExemptApply);
    let saved_on = gongkai_app::business_policy::redemption::saved_on(state, &policy).await?;
    let page = with_notice(console_page(state, headers, p, "按企业名录测算", "/admin/policies", "policies").await, q);
    let failed = f.failed();
    let t = RunTemplate { page, title: policy.draft.title, id, run, exempt_live, saved_on, f };
    Ok(html_form(&t, failed))
}

async fn register_run(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Query(q): Query,
) -> PageResult {
    run_page(&state, &headers, &p, path_id(&id)?, &q, FormView::default()).await
}

#[derive(Template)]
#[template(path = "console/policy_import.html")]
struct ImportTemplate {
    page: Page,
    form: FormView,
    columns: &'static [(&'static str, &'static str, &'static str)],
}

fn require_import(p: &Principal) -> Result<(), AppError> {
    p.require(Action::DraftDocuments, Reach::Global)?;
    p.require(Action::ReviewDocuments, Reach::Global)?;
    Ok(())
}

async fn import_form(state: &AppState, headers: &HeaderMap, p: &Principal, q: &Fields, form: FormView) -> PageResult {
    let mut page = console_page(state, headers, p, "批量导入政策", "/admin/policies", "policies").await;
    page.notice = q.get("report").chars().take(200).collect();
    let failed = form.failed();
    Ok(html_form(&ImportTemplate { page, form, columns: &gongkai_domain::business_policy::sheet::COLUMNS }, failed))
}

async fn import_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Query(q): Query,
) -> PageResult {
    require_import(&p)?;
    import_form(&state, &headers, &p, &q, FormView::default()).await
}

async fn import_upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    form: axum::extract::Multipart,
) -> PageResult {
    require_import(&p)?;
    let upload = read_upload(form).await?;
    let failed = |e: Invalid| FormView::with_errors(Fields::default(), e);
    let Some((_, bytes)) = upload.file.filter(|(_, b)| !b.is_empty()) else {
        let e = Invalid::one("file", "政策工作簿", "请选择 XLSX 文件");
        return import_form(&state, &headers, &p, &Fields::default(), failed(e)).await;
    };
    match super::import::import_xlsx(&state, &p, bytes.to_vec()).await {
        Ok(r) => {
            let report = format!("导入完成：新增 {} 项，更新 {} 项，未变 {} 项。", r.created, r.updated, r.unchanged);
            let q: String =
                url::form_urlencoded::Serializer::new(String::new()).append_pair("report", &report).finish();
            Ok(Redirect::to(&format!("/admin/policies/import?{q}")).into_response())
        }
        Err(e) => {
            let e = AppError::from(e).form_errors()?;
            import_form(&state, &headers, &p, &Fields::default(), failed(e)).await
        }
    }
}

/// A workbook with the header and one example row.
async fn import_template(Staff(p): Staff) -> Result<axum::response::Response, AppError> {
    require_import(&p)?;
    use gongkai_domain::business_policy::sheet::COLUMNS;
    let headers: Vec<&str> = COLUMNS.iter().map(|(_, label, _)| *label).collect();
    let example: Vec<String> = COLUMNS
        .iter()
        .map(|(code, _, _)| {
            match *code {
                "title" => "济南市首台（套）重大技术装备奖励",
                "unit" => "11370100004188578X",
                "level" => "市级",
                "benefit_type" => "资金补贴",
                "mode" => "免申即享",
                "doc_no" => "济工信发〔2025〕6号",
                "valid_until" => "2027-12-31",
                "amount" => r#"{"fixed_yuan": 500000}"#,
                "rule" => r#"{"all": [{"field": "industry", "op": "prefix", "value": ["C34", "C35"]}, {"field": "district", "op": "prefix", "value": ["3701"]}]}"#,
                "guide.beneficiaries" => "首台（套）产品经省级认定的装备制造企业",
                "guide.phone" => "0531-12345",
                _ => "",
            }
            .to_string()
        })
        .collect();
    let bytes = gongkai_export::table_xlsx::write("政策", &headers, &[example]).map_err(AppError::internal)?;
    Ok(crate::documents::files::as_download(
        bytes,
        gongkai_store::attachments::FileKind::Xlsx.content_type(),
        "政策导入模板.xlsx",
    ))
}
