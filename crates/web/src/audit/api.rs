//! The audit log API.

use crate::api::paging;
use crate::app::AppState;
use crate::auth::ApiStaff;
use crate::errors::{ApiResult, Problem};
use crate::forms::ApiQuery;
use axum::Json;
use axum::extract::State;
use gongkai_domain::audit::AuditRecord;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditOut {
    pub seq: i64,
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    /// 操作人所在单位
    pub unit_id: Option<i64>,
    /// 被操作对象所属单位
    pub subject_unit_id: Option<i64>,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub summary: String,
    pub ip: String,
    pub prev_hash: String,
    pub hash: String,
}

impl From<AuditRecord> for AuditOut {
    fn from(r: AuditRecord) -> Self {
        AuditOut {
            seq: r.seq,
            at: r.at,
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            unit_id: r.unit_id,
            subject_unit_id: r.subject_unit_id,
            action: r.action,
            object_type: r.object_type,
            object_id: r.object_id,
            summary: r.summary,
            ip: r.ip,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<AuditOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyOut {
    /// 哈希链是否完整
    pub intact: bool,
    pub records: i64,
    /// 发现的第一个问题
    pub problem: Option<String>,
}

/// 审计日志（系统管理员：全部；单位管理员、考核评估人员：本单位及下级）
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("bearer" = [])),
    params(("actor" = Option<String>, Query, description = "操作人用户名"), ("action" = Option<String>, Query, description = "操作类型，以“.”结尾表示前缀"),
        ("object_type" = Option<String>, Query), ("object_id" = Option<String>, Query),
        ("from" = Option<String>, Query, format = Date, description = "开始日期 YYYY-MM-DD"), ("to" = Option<String>, Query, format = Date, description = "结束日期 YYYY-MM-DD"),
        ("q" = Option<String>, Query, description = "内容包含"), ("page" = Option<i64>, Query, minimum = 1, maximum = 100000), ("per_page" = Option<i64>, Query, minimum = 1, maximum = 500)),
    responses((status = 200, body = AuditList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list_audit(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    ApiQuery(q): ApiQuery,
) -> ApiResult<Json<AuditList>> {
    let filter = super::filter_from(&p, &q)?;
    let (page, per_page) = paging(&q, 50, 500)?;
    let gongkai_store::Page { items: records, total } =
        gongkai_app::audit::list(&state, &p, filter, per_page, (page - 1) * per_page).await?;
    Ok(Json(AuditList { total, page, per_page, items: records.into_iter().map(AuditOut::from).collect() }))
}

/// 校验审计日志哈希链（系统管理员）
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit", security(("bearer" = [])),
    responses((status = 200, body = VerifyOut), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn verify_audit(State(state): State<AppState>, ApiStaff(p): ApiStaff) -> ApiResult<Json<VerifyOut>> {
    Ok(Json(match gongkai_app::audit::verify(&state, &p).await? {
        Ok(n) => VerifyOut { intact: true, records: n, problem: None },
        Err(b) => VerifyOut { intact: false, records: 0, problem: Some(b.to_string()) },
    }))
}

/// The audit log's API routes.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new().routes(routes!(list_audit)).routes(routes!(verify_audit))
}
