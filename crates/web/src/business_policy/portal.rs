//! The public pages of the policy library: the list with its filters, each policy with its
//! 申兑指南, the calculator (works without JavaScript), and the Atom feed.

use super::{PolicyRow, district_options, public_filter, row};
use crate::app::AppState;
use crate::errors::{AppError, PageResult};
use crate::forms::{Fields, Form, Query, path_id};
use crate::page::{html, page_links};
use crate::portal::page;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::routing::get;
use gongkai_app::business_policy::library;
use gongkai_app::business_policy::matching::{self, MatchResult};
use gongkai_domain::business_policy::profile::EnterpriseProfile;
use gongkai_domain::business_policy::rule::describe;
use gongkai_domain::business_policy::{BenefitType, Level, Mode, Ownership, Qualification, Size};
use gongkai_domain::time::format_instant;
use gongkai_domain::validation::Invalid;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(super::claims::portal_routes())
        .merge(super::redemption::portal_routes())
        .merge(super::subscriptions::portal_routes())
        .route("/policies", get(list))
        .route("/policies/feed.atom", get(feed))
        .route("/policies/calculator", get(calculator).post(calculate))
        .route("/policies/{id}", get(show))
}

const PER_PAGE: i64 = 20;

/// The sections of GB/T 4754-2017 offered as the industry filter.
const SECTIONS: [(&str, &str); 12] = [
    ("A", "农、林、牧、渔业"),
    ("B", "采矿业"),
    ("C", "制造业"),
    ("D", "电力、热力、燃气及水"),
    ("E", "建筑业"),
    ("F", "批发和零售业"),
    ("G", "交通运输、仓储和邮政业"),
    ("H", "住宿和餐饮业"),
    ("I", "信息传输、软件和信息技术服务业"),
    ("K", "房地产业"),
    ("L", "租赁和商务服务业"),
    ("M", "科学研究和技术服务业"),
];

#[derive(Template)]
#[template(path = "portal/policies.html")]
struct ListTemplate {
    page: crate::page::Page,
    form: Fields,
    items: Vec<PolicyRow>,
    total: usize,
    pages: Vec<crate::page::PageLink>,
    levels: &'static [Level],
    benefits: &'static [BenefitType],
    modes: &'static [Mode],
    sections: &'static [(&'static str, &'static str)],
    districts: Vec<(String, String)>,
    feed: String,
}

async fn list(State(state): State<AppState>, headers: HeaderMap, Query(q): Query) -> PageResult {
    let (filter, _) = public_filter(&q);
    let lib = library::library(&state).await?;
    let today = state.today();
    let (found, _) = library::search(&lib, &filter, today);
    let tree = state.unit_tree().await?;
    let page_no = q.page();
    let items = found
        .iter()
        .skip(((page_no - 1) * PER_PAGE) as usize)
        .take(PER_PAGE as usize)
        .map(|p| row(&tree, p, today))
        .collect();
    const KEPT: [&str; 8] = ["q", "level", "unit", "benefit_type", "mode", "industry", "district", "validity"];
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(KEPT.iter().filter_map(|k| q.opt(k).map(|v| (*k, v))))
        .finish();
    let p = page(&state, &headers, "惠企政策库", "/policies", "gongkai")
        .crumb("政务公开", "/gongkai")
        .crumb("政策库", "/policies");
    Ok(html(&ListTemplate {
        page: p,
        pages: page_links(
            &format!("/policies?{query}{}", if query.is_empty() { "" } else { "&" }),
            found.len() as i64,
            PER_PAGE,
            page_no,
        ),
        total: found.len(),
        items,
        form: q,
        levels: Level::ALL,
        benefits: BenefitType::ALL,
        modes: Mode::ALL,
        sections: &SECTIONS,
        districts: district_options(),
        feed: "/policies/feed.atom".into(),
    }))
}

struct DocLink {
    id: i64,
    title: String,
}

#[derive(Template)]
#[template(path = "portal/policy.html")]
struct ShowTemplate {
    page: crate::page::Page,
    p: PolicyRow,
    summary: String,
    doc_no: String,
    valid_until: String,
    rule_text: String,
    guide: gongkai_domain::business_policy::policy::GuideInput,
    documents: Vec<DocLink>,
    interpretations: Vec<DocLink>,
    unit_id: i64,
    unit_name: String,
    published: String,
    open_now: bool,
    /// 快申快享: the online form, or why it is closed.
    quick: bool,
    closed: Option<String>,
    /// Published 公示名单: title, enterprises, end of the 公示期.
    lists: Vec<(String, usize, String)>,
}

async fn show(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> PageResult {
    let policy = library::published(&state, path_id(&id)?).await?;
    let tree = state.unit_tree().await?;
    let today = state.today();
    let f = &policy.fields;
    // One query for both kinds of linked document.
    let all: Vec<i64> = f.document_ids.iter().chain(&f.interpretation_ids).copied().collect();
    let found = gongkai_app::documents::public::documents(&state, &all).await?;
    let links = |ids: &[i64]| -> Vec<DocLink> {
        found.iter().filter(|d| ids.contains(&d.id)).map(|d| DocLink { id: d.id, title: d.title.clone() }).collect()
    };
    let documents = links(&f.document_ids);
    let interpretations = links(&f.interpretation_ids);
    let lists = gongkai_app::business_policy::redemption::published_lists(&state, policy.id)
        .await?
        .into_iter()
        .map(|(l, entries)| (l.title, entries.len(), l.publicity_ends_on.map(|d| d.to_string()).unwrap_or_default()))
        .collect();
    let closed = gongkai_app::business_policy::claims::closed_reason(&policy, today);
    let unit = tree.get(policy.unit_id);
    let path = format!("/policies/{}", policy.id);
    let p = page(&state, &headers, &f.title, &path, "gongkai")
        .crumb("政务公开", "/gongkai")
        .crumb("政策库", "/policies")
        .crumb(&f.title, &path);
    Ok(html(&ShowTemplate {
        page: p,
        p: row(&tree, &policy, today),
        summary: f.summary.clone(),
        doc_no: f.doc_no.clone(),
        valid_until: f.valid_until.map(|d| d.to_string()).unwrap_or_else(|| "长期有效".into()),
        rule_text: describe(&f.rule),
        guide: f.guide.clone(),
        documents,
        interpretations,
        unit_id: policy.unit_id,
        unit_name: unit.map(|u| u.name.clone()).unwrap_or_default(),
        published: gongkai_domain::time::date_in_china(policy.published_at).to_string(),
        open_now: f.open_on(today),
        quick: f.mode == Mode::QuickApply,
        closed,
        lists,
    }))
}

/// A policy of a calculator's result as the page shows it.
struct ResultRow {
    id: i64,
    title: String,
    amount: String,
    reasons: Vec<String>,
}

#[derive(Template)]
#[template(path = "portal/policy_calculator.html")]
struct CalculatorTemplate {
    page: crate::page::Page,
    form: crate::forms::FormView,
    districts: Vec<(String, String)>,
    sizes: &'static [Size],
    ownerships: &'static [Ownership],
    qualifications: &'static [Qualification],
    checked: Vec<String>,
    result: Option<(Vec<ResultRow>, Vec<ResultRow>, Vec<ResultRow>)>,
    derived_size: String,
    as_of: String,
}

async fn calculator(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    render_calculator(&state, &headers, crate::forms::FormView::default(), None, String::new(), String::new())
}

fn render_calculator(
    state: &AppState,
    headers: &HeaderMap,
    form: crate::forms::FormView,
    result: Option<MatchResult>,
    derived_size: String,
    as_of: String,
) -> PageResult {
    let p = page(state, headers, "政策计算器", "/policies/calculator", "gongkai")
        .crumb("政务公开", "/gongkai")
        .crumb("政策库", "/policies")
        .crumb("政策计算器", "/policies/calculator");
    let checked = form.values.all("qualifications").into_iter().map(str::to_string).collect();
    let result = result.map(|r| {
        let eligible = r
            .eligible
            .into_iter()
            .map(|e| ResultRow {
                id: e.policy_id,
                title: e.title,
                amount: e.amount_yuan.map(gongkai_domain::business_policy::policy::yuan_words).unwrap_or_default(),
                reasons: e.why.into_iter().map(|w| w.text).collect(),
            })
            .collect();
        let possible = r
            .possible
            .into_iter()
            .map(|p| ResultRow { id: p.policy_id, title: p.title, amount: String::new(), reasons: p.unknown_labels })
            .collect();
        let ineligible = r
            .ineligible
            .into_iter()
            .map(|i| ResultRow {
                id: i.policy_id,
                title: i.title,
                amount: String::new(),
                reasons: i.failed.into_iter().map(|f| f.text).collect(),
            })
            .collect();
        (eligible, possible, ineligible)
    });
    let status =
        if form.errors.is_empty() { axum::http::StatusCode::OK } else { axum::http::StatusCode::UNPROCESSABLE_ENTITY };
    let mut res = html(&CalculatorTemplate {
        page: p,
        form,
        districts: district_options(),
        sizes: Size::ALL,
        ownerships: Ownership::ALL,
        qualifications: Qualification::ALL,
        checked,
        result,
        derived_size,
        as_of,
    });
    *res.status_mut() = status;
    Ok(res)
}

/// Reads the calculator's form: the research ratio is typed in per cent.
pub(crate) fn profile_of(f: &Fields, today: chrono::NaiveDate) -> Result<EnterpriseProfile, Invalid> {
    let get = |name: &str| -> String {
        match name {
            "rd_ratio" => match f.get("rd_ratio_pct").trim() {
                "" => String::new(),
                t => t.parse::<f64>().map(|p| (p / 100.0).to_string()).unwrap_or_else(|_| t.to_string()),
            },
            "qualifications_given" => "1".into(),
            other => f.get(other).to_string(),
        }
    };
    let all = |name: &str| f.all(name).into_iter().map(str::to_string).collect();
    EnterpriseProfile::from_form(&get, &all, today).map_err(|mut e| {
        for fe in &mut e.0 {
            if fe.field == "rd_ratio" {
                fe.field = "rd_ratio_pct".into();
                fe.message = "研发投入占比：应为 0 到 100 之间的百分数".into();
            }
        }
        e
    })
}

async fn calculate(State(state): State<AppState>, headers: HeaderMap, Form(f): Form) -> PageResult {
    let today = state.today();
    let as_of = match f.get("as_of").trim() {
        "" => Ok(today),
        d => gongkai_domain::time::parse_date(d)
            .ok_or_else(|| Invalid::one("as_of", "测算日期", "应为 YYYY-MM-DD 格式的日期")),
    };
    let profile = profile_of(&f, today);
    match (profile, as_of) {
        (Ok(profile), Ok(as_of)) => {
            let lib = library::library(&state).await?;
            let matched = profile.clone();
            let result = tokio::task::spawn_blocking(move || matching::match_profile(&lib, &matched, as_of))
                .await
                .map_err(|e| AppError::Internal(format!("matching: {e}")))?;
            let derived_size = match profile.size() {
                gongkai_domain::business_policy::profile::SizeOf::Derived(s, group) => {
                    format!("按《统计上大中小微型企业划分办法（2017）》，{group}企业测算为{}企业。", s.label())
                }
                _ => String::new(),
            };
            render_calculator(
                &state,
                &headers,
                crate::forms::FormView::new(f),
                Some(result),
                derived_size,
                as_of.to_string(),
            )
        }
        (p, a) => {
            let mut e = Invalid::default();
            if let Err(pe) = p {
                e.0.extend(pe.0);
            }
            if let Err(ae) = a {
                e.0.extend(ae.0);
            }
            render_calculator(
                &state,
                &headers,
                crate::forms::FormView::with_errors(f, e),
                None,
                String::new(),
                String::new(),
            )
        }
    }
}

pub(crate) struct FeedEntry {
    /// The entry's page, from the site's root.
    pub path: String,
    pub title: String,
    pub updated: String,
    pub author: String,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "portal/policy_feed.xml")]
pub(crate) struct FeedTemplate {
    pub title: String,
    pub base: String,
    pub feed_path: String,
    pub alternate: String,
    pub updated: String,
    pub entries: Vec<FeedEntry>,
}

impl FeedTemplate {
    /// The feed as an Atom response.
    pub fn response(&self) -> PageResult {
        let xml = self.render()?;
        Ok(([(axum::http::header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")], xml).into_response())
    }
}

/// An Atom feed of the newest published policies, filtered like the list.
async fn feed(State(state): State<AppState>, Query(q): Query) -> PageResult {
    let (filter, _) = public_filter(&q);
    let lib = library::library(&state).await?;
    let (found, _) = library::search(&lib, &filter, state.today());
    let tree = state.unit_tree().await?;
    let mut newest: Vec<_> = found.into_iter().collect();
    newest.sort_by(|a, b| b.published_at.cmp(&a.published_at).then(b.id.cmp(&a.id)));
    let entries: Vec<FeedEntry> = newest
        .iter()
        .take(50)
        .map(|p| FeedEntry {
            path: format!("/policies/{}", p.id),
            title: p.fields.title.clone(),
            updated: format_instant(p.published_at),
            author: tree.get(p.unit_id).map(|u| u.name.clone()).unwrap_or_default(),
            summary: format!("{}（{}，{}）", p.fields.summary, p.fields.benefit_type.label(), p.fields.window_words()),
        })
        .collect();
    let updated = entries.first().map(|e| e.updated.clone()).unwrap_or_else(|| "2000-01-01T00:00:00Z".into());
    let title = format!("{} · 惠企政策", state.site.site_name);
    FeedTemplate {
        title,
        base: state.base_url(),
        feed_path: "/policies/feed.atom".into(),
        alternate: "/policies".into(),
        updated,
        entries,
    }
    .response()
}
