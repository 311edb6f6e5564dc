//! The staff console at `/admin`: layout, menu and dashboard. The pages of each domain live in
//! that domain's module (`crate::units::console`, `crate::staff::console`, …).

use crate::app::AppState;
use crate::auth::{Principal, Staff, console_session};
use crate::errors::PageResult;
use crate::forms::Query;
use crate::page::{Page, Prefs, html};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::middleware;
use axum::routing::get;
use chrono::{Datelike, Utc};
use gongkai_domain::audit::AuditRecord;
use gongkai_domain::staff::{Action, Reach};
use gongkai_domain::time::{date_in_china, display_instant};

pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard))
        .route("/reviews", get(reviews))
        .merge(crate::staff::console::routes())
        .merge(crate::units::console::routes())
        .merge(crate::calendar::console::routes())
        .merge(crate::audit::console::routes())
        .merge(crate::documents::console::routes(state.server.attachment_limit))
        .merge(crate::catalogue::console::routes(state.server.attachment_limit))
        .merge(crate::columns::console::routes())
        .merge(crate::business_policy::console::routes(state.server.attachment_limit))
        .merge(crate::consultation::console::routes())
        .merge(crate::open_day::console::routes())
        .merge(crate::live_blog::console::routes(state.server.attachment_limit))
        .merge(crate::meeting::console_routes())
        .merge(crate::wordlists::console_routes())
        .merge(crate::requests::console::routes(state.server.attachment_limit))
        .layer(middleware::from_fn_with_state(state, console_session))
}

/// Messages shown after a successful action; the key travels in the redirect's query string
/// so the page after Post/Redirect/Get can say what happened.
pub fn notice_text(key: &str) -> &'static str {
    match key {
        "unit_created" => "单位已创建。",
        "unit_saved" => "单位信息已保存。",
        "unit_moved" => "单位已移动到新的上级单位下。",
        "unit_closed" => "单位已撤销，其历史信息仍予保留。",
        "user_created" => "账号已创建。请通过安全途径把初始密码告知本人。",
        "user_saved" => "账号已保存。",
        "password_reset" => "密码已重置，该账号的其他登录会话已全部退出。",
        "password_changed" => "您的密码已修改，其他登录会话已全部退出。",
        "token_revoked" => "令牌已吊销，使用它的系统将无法再访问接口。",
        "year_saved" => "该年度节假日安排已保存，期限计算立即按新安排执行。",
        "day_saved" => "日期安排已保存。",
        "day_cleared" => "该日期已恢复按周一至周五计算。",
        "year_deleted" => "该年度节假日安排已删除。",
        "logged_in" => "登录成功。",
        "document_saved" => "草稿已保存。",
        "document_submit" => "已提交初审。",
        "document_approve" => "审核已通过。",
        "document_reject" => "已退回撰稿人修改。",
        "document_revise" => "已开始修订，修订通过终审前公众看到的仍是现行版本。",
        "document_discard" => "已放弃修订。",
        "document_withdraw" => "已撤稿。",
        "document_masked" => "个人信息已遮盖。",
        "document_validity" => "有效性已更新。",
        "attachment_added" => "附件已上传。",
        "attachment_removed" => "附件已删除。",
        "catalogue_instantiated" => "已依据标准清单生成目录事项。",
        "catalogue_item_added" => "特色事项已增加。",
        "catalogue_item_marked" => "目录事项状态已更新。",
        "catalogue_item_removed" => "特色事项已删除。",
        "column_created" => "栏目已建立。",
        "column_saved" => "栏目已保存。",
        "column_removed" => "栏目已删除。",
        "policy_saved" => "政策草稿已保存。",
        "policy_submit" => "已提交初审。",
        "policy_approve" => "审核已通过；终审通过的政策已发布。",
        "policy_reject" => "已退回撰稿人修改。",
        "policy_revise" => "已开始修订，修订通过终审前公众看到的仍是现行版本。",
        "policy_discard" => "已放弃修订。",
        "policy_withdraw" => "政策已撤下。",
        "claim_accept" => "已受理，企业查询进度时可见。",
        "claim_approve" => "审核通过，已记为待兑现。",
        "claim_reject" => "已作出不予支持的决定，理由企业可见。",
        "run_saved" => "测算结果已保存，计入“匹配企业数”。",
        "list_created" => "公示名单已拟定，请提交审核。",
        "list_submit" => "公示名单已提交初审。",
        "list_approve" => "审核已通过；终审通过的名单已公示，名单内企业记为待兑现。",
        "list_reject" => "公示名单已退回。",
        "list_withdraw" => "公示名单已撤下，未兑现的记录已退回。",
        "payout_saved" => "兑现记录已更新。",
        "consultation_saved" => "意见征集已保存。",
        "feedback_saved" => "采纳情况反馈草稿已保存。",
        "opinion_entered" => "意见已录入，已自动归入相似意见组。",
        "opinion_moderated" => "审核结果已保存。",
        "opinion_split" => "已移出原意见组，单独成组。",
        "group_decided" => "办理结果已保存，提交意见的人凭查询码可见。",
        "group_forwarded" => "已转办，承办单位将在期限内答复。",
        "groups_merged" => "意见组已合并。",
        "forward_saved" => "转办件已更新。",
        "concern_saved" => "社会关切已登记。",
        "concern_answered" => "回应已记录，用时按工作日计算。",
        "word_added" => "已加入词表，此后的审核检查即按新词表进行。",
        "word_removed" => "已从词表删除。",
        "open_day_saved" => "活动已保存。",
        "series_saved" => "系列活动已新建。",
        "open_day_record" => "活动记录已关联，门户页面将显示。",
        "registration_decided" => "审核结果已保存，并已通知报名人。",
        "live_saved" => "图文直播已新建。",
        "live_status" => "直播状态已更新，观众页面即时显示。",
        "live_posted" => "已发布，观众页面即时显示。",
        "question_moderated" => "提问已处理。",
        "meeting_saved" => "会议已保存。",
        "meeting_announced" => "会议预告已发布。",
        "meeting_withdrawn" => "会议预告已撤回，门户网站不再显示。",
        "meeting_decided" => "会议决定已保存并公开。",
        _ => "",
    }
}

/// The console menu, showing only what the user may open.
fn menu(p: &Principal) -> Vec<(&'static str, &'static str, &'static str)> {
    let mut items = vec![("dashboard", "/admin", "工作台")];
    if p.may(Action::ReviewDocuments) {
        items.push(("reviews", "/admin/reviews", "待我审核"));
    }
    if p.may(Action::ViewDocuments) {
        items.push(("documents", "/admin/documents", "政府信息"));
    }
    if p.may(Action::ViewDocuments) {
        items.push(("policies", "/admin/policies", "惠企政策"));
    }
    if p.may(Action::ViewDocuments) {
        items.push(("consultations", "/admin/consultations", "意见征集"));
    }
    if p.may(Action::ViewDocuments) {
        items.push(("open_days", "/admin/open-days", "政府开放"));
        items.push(("meetings", "/admin/meetings", "政府会议"));
        items.push(("live", "/admin/live", "图文直播"));
    }
    if p.may(Action::HandleOpinions) {
        items.push(("forwards", "/admin/opinion-forwards", "转办的意见"));
    }
    if p.may(Action::ViewRequests) {
        items.push(("requests", "/admin/requests", "依申请公开"));
    }
    if p.may(Action::HandleRequests) {
        items.push(("coordinations", "/admin/coordinations", "会商协查"));
    }
    if p.may(Action::ManageCatalogue) || p.may(Action::ManageStandards) {
        items.push(("catalogue", "/admin/catalogue", "公开目录"));
    }
    if p.may(Action::ManageColumns) {
        items.push(("columns", "/admin/columns", "栏目管理"));
    }
    if p.may(Action::ManageUnitStructure) || p.may(Action::EditUnitContacts) {
        items.push(("units", "/admin/units", "单位管理"));
    }
    if p.may(Action::ManageUsers) {
        items.push(("users", "/admin/users", "用户管理"));
    }
    if p.may(Action::ManageCalendar) {
        items.push(("calendar", "/admin/calendar", "节假日安排"));
    }
    if p.may(Action::ManageLetterTemplates) {
        items.push(("letter-templates", "/admin/letter-templates", "告知书模板"));
    }
    if p.may(Action::ManageWordLists) {
        items.push(("wordlists", "/admin/wordlists", "检查词表"));
    }
    if p.may(Action::ViewAudit) {
        items.push(("audit", "/admin/audit", "审计日志"));
    }
    items.push(("tokens", "/admin/tokens", "API 令牌"));
    items.push(("account", "/admin/account", "我的账号"));
    items
}

/// The layout for a signed-in page.
pub async fn console_page(
    state: &AppState,
    headers: &HeaderMap,
    p: &Principal,
    title: &str,
    path: &str,
    nav: &str,
) -> Page {
    let mut page = Page::new(&state.site, title, path, Prefs::from_headers(headers), nav);
    page.csrf = p.csrf();
    page.staff_name = p.user.display_name.clone();
    page.staff_unit = match state.unit_tree().await {
        Ok(tree) => tree.get(p.user.unit_id).map(|u| u.short_name.clone()).unwrap_or_default(),
        Err(_) => String::new(),
    };
    page.menu = menu(p);
    if p.may(Action::ReviewDocuments) {
        page.review_count = crate::documents::reviews::queue(state, p).await.map(|q| q.len()).unwrap_or(0);
    }
    page
}

pub fn with_notice(mut page: Page, q: &crate::forms::Fields) -> Page {
    page.notice = notice_text(q.get("notice")).to_string();
    page
}

/// An audit record as console tables show it.
pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub summary: String,
    pub ip: String,
}

impl From<&AuditRecord> for AuditRow {
    fn from(r: &AuditRecord) -> Self {
        AuditRow {
            seq: r.seq,
            at: display_instant(&r.at),
            actor: r.actor_name.clone(),
            action: gongkai_domain::audit::action_label(&r.action)
                .map(str::to_string)
                .unwrap_or_else(|| r.action.clone()),
            object: format!(
                "{} {}",
                gongkai_domain::audit::object_label(&r.object_type).unwrap_or(&r.object_type),
                r.object_id
            ),
            summary: r.summary.clone(),
            ip: r.ip.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct DashboardTemplate {
    page: Page,
    unit_name: String,
    roles: Vec<&'static str>,
    today: String,
    today_is_workday: bool,
    today_assumed: bool,
    next_year_missing: Option<i32>,
    units_below: usize,
    users_below: i64,
    recent: Vec<AuditRow>,
    can_calendar: bool,
    can_users: bool,
    can_units: bool,
    flags: Option<crate::documents::flags::Flags>,
    /// 依申请公开 reminders: (label, link, count).
    requests: Vec<(String, String, i64)>,
    /// 待我审核, for reviewers.
    can_review: bool,
    queue: Vec<crate::documents::reviews::QueueRow>,
    /// 公众参与: forwarded opinions waiting and overdue, and the units' response times to
    /// public concerns (short name, concerns answered, average working days).
    participation: Option<(usize, usize, Vec<ResponseTime>)>,
}

/// A unit's responses to public concerns: its short name, how many, the average working days.
type ResponseTime = (String, usize, String);

async fn dashboard(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Query(q): Query) -> PageResult {
    let page = with_notice(console_page(&state, &headers, &p, "工作台", "/admin", "dashboard").await, &q);
    let tree = state.unit_tree().await?;
    let calendar = state.calendar().await?;
    let today = date_in_china(Utc::now());
    let workday = calendar.is_workday(today);
    // The State Council publishes next year's schedule in late autumn; remind administrators
    // from November on until it is entered.
    let next_year = today.year() + 1;
    let next_year_missing = (today.month() >= 11 && !calendar.has_schedule(next_year)).then_some(next_year);
    let (users_below, recent) = gongkai_app::audit::dashboard(&state, &p).await?;
    let recent = recent.iter().map(AuditRow::from).collect();
    let flags = if p.may(Action::ViewDocuments) {
        let units: Vec<i64> = if p.require(Action::ViewDocuments, Reach::Global).is_ok() {
            tree.all().iter().map(|u| u.id).collect()
        } else {
            tree.subtree(p.user.unit_id).iter().map(|u| u.id).collect()
        };
        Some(crate::documents::flags::flags(&state, &units).await?)
    } else {
        None
    };
    let requests =
        if p.may(Action::ViewRequests) { crate::requests::console::reminders(&state, &p).await? } else { Vec::new() };
    let participation = if p.may(Action::HandleOpinions) {
        use gongkai_app::consultation::{concerns, handling};
        let forwards = handling::dashboard(&state, &p).await?;
        let overdue = forwards.iter().filter(|(_, late)| *late).count();
        let times = concerns::response_times(&concerns::staff_list(&state, &p).await?)
            .into_iter()
            .map(|(u, n, avg)| (tree.get(u).map(|u| u.short_name.clone()).unwrap_or_default(), n, format!("{avg:.1}")))
            .collect();
        Some((handling::waiting(&forwards), overdue, times))
    } else {
        None
    };
    let can_review = p.may(Action::ReviewDocuments);
    let queue = if can_review { crate::documents::reviews::queue_rows(&state, &p).await? } else { Vec::new() };
    let t = DashboardTemplate {
        participation,
        can_review,
        queue,
        flags,
        requests,
        unit_name: tree.get(p.user.unit_id).map(|u| u.name.clone()).unwrap_or_default(),
        roles: p.user.roles.iter().map(|r| r.label()).collect(),
        today: format!("{}年{}月{}日", today.year(), today.month(), today.day()),
        today_is_workday: workday.value,
        today_assumed: workday.is_assumed(),
        next_year_missing: next_year_missing.filter(|_| p.may(Action::ManageCalendar)),
        units_below: tree.subtree(p.user.unit_id).len(),
        users_below,
        recent,
        can_calendar: p.may(Action::ManageCalendar),
        can_users: p.may(Action::ManageUsers),
        can_units: p.may(Action::ManageUnitStructure) || p.may(Action::EditUnitContacts),
        page,
    };
    Ok(html(&t))
}

#[derive(Template)]
#[template(path = "console/reviews.html")]
struct ReviewsTemplate {
    page: Page,
    queue: Vec<crate::documents::reviews::QueueRow>,
}

/// 待我审核: the documents this reviewer may approve now.
async fn reviews(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff) -> PageResult {
    p.require(Action::ReviewDocuments, Reach::Subtree)?;
    let page = console_page(&state, &headers, &p, "待我审核", "/admin/reviews", "reviews").await;
    let queue = crate::documents::reviews::queue_rows(&state, &p).await?;
    Ok(html(&ReviewsTemplate { page, queue }))
}

/// The review steps `p` may take on a record of `unit_id` in `status` (a policy, a
/// consultation, its feedback), with the buttons' words: submit or discard a draft, approve or
/// send back under review, revise or withdraw once published. The use case checks again.
pub async fn review_actions(
    state: &AppState,
    p: &Principal,
    unit_id: i64,
    status: gongkai_domain::workflow::State,
    has_live: bool,
) -> Vec<(&'static str, &'static str)> {
    use gongkai_domain::workflow::State;
    let may = |a: Action| async move { p.require_for_unit(state, a, unit_id).await.is_ok() };
    let (draft, review, withdraw) =
        (may(Action::DraftDocuments).await, may(Action::ReviewDocuments).await, may(Action::WithdrawDocuments).await);
    let mut actions = Vec::new();
    match status {
        State::Draft if draft => {
            actions.push(("submit", "提交审核"));
            if has_live {
                actions.push(("discard", "放弃修订"));
            }
        }
        State::InReview(_) if review => {
            actions.push(("approve", "审核通过"));
            actions.push(("reject", "退回修改"));
        }
        State::Published => {
            if draft {
                actions.push(("revise", "修订"));
            }
            if withdraw {
                actions.push(("withdraw", "撤下"));
            }
        }
        _ => {}
    }
    actions
}
