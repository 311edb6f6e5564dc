//! Console page of the audit log.

use crate::app::AppState;
use crate::auth::Staff;
use crate::console::{AuditRow, console_page};
use crate::errors::{AppError, PageResult};
use crate::forms::{FormView, Query};
use crate::page::page_links;
use crate::page::{Page, html};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use gongkai_app::audit;
use gongkai_domain::staff::{Action, Reach};

pub fn routes() -> Router<AppState> {
    Router::new().route("/audit", get(list)).route("/audit/verify", get(verify))
}

const PER_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "console/audit.html")]
struct AuditTemplate {
    page: Page,
    form: FormView,
    rows: Vec<AuditRow>,
    total: i64,
    /// (code, label) of every action in the log.
    actions: Vec<(String, String)>,
    pages: Vec<crate::page::PageLink>,
    can_verify: bool,
    verify_result: String,
    verify_ok: bool,
}

async fn list(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Query(q): Query) -> PageResult {
    let page = console_page(&state, &headers, &p, "审计日志", "/admin/audit", "audit").await;
    let page_no = q.page();
    let (rows, total, form) = match super::filter_from(&p, &q) {
        Ok(filter) => {
            let gongkai_store::Page { items: records, total } =
                audit::list(&state, &p, filter, PER_PAGE, (page_no - 1) * PER_PAGE).await?;
            (records.iter().map(AuditRow::from).collect(), total, FormView::new(q.clone()))
        }
        Err(AppError::Invalid(e)) => (Vec::new(), 0, FormView::with_errors(q.clone(), e)),
        Err(e) => return Err(e),
    };
    // Keep the filters on the page links.
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(
            ["actor", "action", "object_type", "object_id", "from", "to", "q"]
                .iter()
                .map(|k| (*k, q.get(k)))
                .filter(|(_, v)| !v.is_empty()),
        )
        .finish();
    let failed = form.failed();
    let mut res = html(&AuditTemplate {
        page,
        form,
        rows,
        total,
        actions: action_choices(audit::actions(&state, &p).await?),
        pages: page_links(
            &if query.is_empty() { "/admin/audit?".into() } else { format!("/admin/audit?{query}&") },
            total,
            PER_PAGE,
            page_no,
        ),
        can_verify: p.require(Action::VerifyAudit, Reach::Global).is_ok(),
        verify_result: String::new(),
        verify_ok: false,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn verify(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff) -> PageResult {
    let (verify_ok, verify_result) = match audit::verify(&state, &p).await? {
        Ok(n) => (true, format!("审计日志完整：共 {n} 条记录，哈希链逐条校验一致。")),
        Err(b) => (false, format!("审计日志校验失败：{}。请立即报告安全管理员。", b.zh())),
    };
    let page = console_page(&state, &headers, &p, "审计日志", "/admin/audit", "audit").await;
    let gongkai_store::Page { items: records, total } =
        audit::list(&state, &p, Default::default(), PER_PAGE, 0).await?;
    Ok(html(&AuditTemplate {
        page,
        form: FormView::default(),
        rows: records.iter().map(AuditRow::from).collect(),
        total,
        actions: action_choices(audit::actions(&state, &p).await?),
        pages: page_links("/admin/audit?", total, PER_PAGE, 1),
        can_verify: true,
        verify_result,
        verify_ok,
    }))
}

/// The filter's choices: each action code with its Chinese name.
fn action_choices(codes: Vec<String>) -> Vec<(String, String)> {
    codes
        .into_iter()
        .map(|c| {
            let label = gongkai_domain::audit::action_label(&c).map(str::to_string).unwrap_or_else(|| c.clone());
            (c, label)
        })
        .collect()
}
