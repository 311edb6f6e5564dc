//! The JSON API at `/api/v1`. Routes are declared with their OpenAPI description next to the
//! handler, and the document at `/api/v1/openapi.json` is generated from those declarations,
//! so every route in the document is a route of the server.

pub use gongkai_app::schema;

use crate::app::AppState;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "gongkai 政务公开平台开放接口",
        version = "1.0.0",
        description = "政务公开平台的 JSON 接口。公开数据（机构、工作日历）无需认证；工作人员操作使用 API 令牌，在请求头中携带 `Authorization: Bearer <令牌>`，权限与令牌所属账号相同。错误以 RFC 9457 problem 文档返回，`title`、`detail` 为中文，`field` 指出出错的字段。"
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "units", description = "机构"),
        (name = "staff", description = "工作人员账号与 API 令牌"),
        (name = "calendar", description = "节假日与工作日"),
        (name = "audit", description = "审计日志"),
        (name = "documents", description = "政府信息"),
        (name = "search", description = "全文检索"),
        (name = "requests", description = "依申请公开"),
        (name = "reports", description = "政府信息公开工作年度报告"),
        (name = "policies", description = "惠企政策库与政策计算器"),
        (name = "consultations", description = "意见征集、采纳情况反馈与回应关切")
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some("API 令牌")).build(),
            ),
        );
    }
}

/// The API: each feature registers its own routes (`<feature>::api::routes`), as it does its
/// console and portal routes.
pub fn router(upload_limit: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(crate::units::api::routes())
        .merge(crate::staff::api::routes())
        .merge(crate::calendar::api::routes())
        .merge(crate::audit::api::routes())
        .merge(crate::documents::api::routes(upload_limit))
        .merge(crate::search::api::routes())
        .merge(crate::catalogue::api::routes(upload_limit))
        .merge(crate::columns::api::routes())
        .merge(crate::business_policy::api::routes())
        .merge(crate::consultation::api::routes())
        .merge(crate::open_day::api::routes())
        .merge(crate::live_blog::api::routes(upload_limit))
        .merge(crate::meeting::api_routes())
        .merge(crate::requests::api::routes(upload_limit))
        .merge(crate::wordlists::api_routes())
}

/// What the route declarations cannot say themselves, applied once to the whole document:
/// errors are RFC 9457 problem documents, so every 4xx and 5xx response is documented as
/// `application/problem+json`; and every operation documents a `default` problem response
/// for the statuses its own list does not name (a body that is not JSON, a body too large, too
/// many requests, a proxy's timeout), so a client knows the shape of every answer.
pub fn finish(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::{ContentBuilder, RefOr, ResponseBuilder};
    const PROBLEM: &str = "application/problem+json";
    let problem =
        || ContentBuilder::new().schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("Problem")))).build();
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
            &mut item.head,
            &mut item.options,
            &mut item.trace,
        ];
        for op in operations.into_iter().flatten() {
            for (status, response) in op.responses.responses.iter_mut() {
                let is_error = status.starts_with('4') || status.starts_with('5');
                if let (true, RefOr::T(r)) = (is_error, response)
                    && let Some(content) = r.content.shift_remove("application/json")
                {
                    r.content.insert(PROBLEM.into(), content);
                }
            }
            op.responses.responses.entry("default".into()).or_insert_with(|| {
                RefOr::T(
                    ResponseBuilder::new()
                        .description("其他错误，以 RFC 9457 problem 文档说明原因")
                        .content(PROBLEM, problem())
                        .build(),
                )
            });
        }
    }
    doc
}

/// Page and page size from the query string: `page` from 1 (default 1), `per_page` from 1 to
/// `max` (default `default`). A value that is not such a number is refused naming the
/// parameter, as the OpenAPI document promises, rather than quietly replaced.
pub fn paging(
    q: &crate::forms::Fields,
    default: i64,
    max: i64,
) -> Result<(i64, i64), gongkai_domain::validation::Invalid> {
    let mut errors = gongkai_domain::validation::Invalid::default();
    let mut read = |name: &str, fallback: i64, top: i64| match q.opt(name) {
        None => fallback,
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (1..=top).contains(&n) => n,
            _ => {
                errors.push(name, &format!("参数 {name}"), format!("应为 1 到 {top} 之间的整数"));
                fallback
            }
        },
    };
    let page = read("page", 1, MAX_PAGE);
    let per_page = read("per_page", default, max);
    if errors.0.is_empty() { Ok((page, per_page)) } else { Err(errors) }
}

/// The highest page number any list answers (deeper pages of a big list are reached by
/// narrowing the filters).
pub const MAX_PAGE: i64 = 100_000;
