//! The public portal: home page, section pages, site map, search, display preferences.
//! Units have their own module (`crate::units::portal`).

mod guide;
use crate::app::AppState;
use crate::errors::{AppError, ErrorInfo, PageResult};
use crate::forms::Query;
use crate::page::{ELDER_COOKIE, Page, Prefs, html};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gongkai_domain::units::{Unit, UnitKind, UnitTree};
use std::sync::Arc;

pub struct NavItem {
    pub key: &'static str,
    pub path: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
    /// What the section will hold, shown while it is being built.
    pub coming: &'static str,
    pub children: &'static [NavItem],
}

const fn leaf(
    key: &'static str,
    path: &'static str,
    title: &'static str,
    summary: &'static str,
    coming: &'static str,
) -> NavItem {
    NavItem { key, path, title, summary, coming, children: &[] }
}

/// The portal's structure, as the navigation, the landing pages and the site map show it.
pub const NAV: &[NavItem] = &[
    NavItem {
        key: "gongkai",
        path: "/gongkai",
        title: "政务公开",
        summary: "依照《中华人民共和国政府信息公开条例》主动公开的政府信息，以及依申请公开的渠道。",
        coming: "",
        children: &[
            leaf(
                "guide",
                "/gongkai/guide",
                "政府信息公开指南",
                "公开的范围、方式、途径，依申请公开的办理流程和联系方式。",
                "各机构的政府信息公开指南将在这里发布：主动公开的范围和方式、依申请公开的受理机构、办理流程、收费标准和监督渠道。",
            ),
            leaf(
                "rules",
                "/gongkai/rules",
                "政府信息公开制度",
                "保密审查、发布协调、依申请公开办理等工作制度。",
                "各机构的政府信息公开工作制度将在这里公开，包括保密审查、发布协调、考核评议和责任追究等制度。",
            ),
            leaf(
                "catalogue",
                "/gongkai/catalogue",
                "法定主动公开内容",
                "按主动公开基本目录分类的机构职能、规范性文件、规划、财政、人事等信息。",
                "各机构依照主动公开基本目录发布的政府信息将在这里按目录分类展示，并可按机构、体裁、主题和年度筛选。",
            ),
            leaf(
                "reports",
                "/gongkai/annual-reports",
                "政府信息公开年报",
                "各机构每年的政府信息公开工作年度报告。",
                "各机构的政府信息公开工作年度报告将在这里发布，部门于每年1月31日前、政府于3月31日前公布上一年度报告。",
            ),
            leaf(
                "requests",
                "/requests",
                "依申请公开",
                "在线申请政府信息公开，凭申请编号和查询码查询办理进度。",
                "公民、法人和其他组织可在这里在线提交政府信息公开申请，无需注册账号；提交后获得申请编号和查询码，可随时查询办理进度和答复。",
            ),
            leaf(
                "interpretations",
                "/interpretations",
                "政策解读",
                "文字、图解、音视频、专家解读和新闻发布会等形式的政策解读。",
                "重要政策文件的解读材料将在这里发布，并与所解读的文件相互链接。",
            ),
            leaf(
                "meetings",
                "/meetings",
                "政府会议",
                "政府常务会议的会前预告、议题和会议决定，及据此公开的文件和解读。",
                "政府常务会议的会前预告、议题和会议决定将在这里公开。",
            ),
            leaf(
                "policies",
                "/policies",
                "政策库",
                "惠企政策的适用条件、支持内容、申报时间和申兑指南。",
                "面向企业的惠企政策将在这里集中公开，企业可按条件查找适用政策，了解申报时间和申兑方式。",
            ),
        ],
    },
    NavItem {
        key: "hudong",
        path: "/hudong",
        title: "互动交流",
        summary: "参与政策制定，走进政府机关，关注政府常务会议。",
        coming: "",
        children: &[
            leaf(
                "consultations",
                "/consultations",
                "意见征集",
                "政策文件草案、规划和工作报告公开征求意见，并反馈采纳情况。",
                "政策文件草案、规划和政府工作报告将在这里公开征求意见，征集结束后公布意见采纳情况。",
            ),
            leaf(
                "concerns",
                "/concerns",
                "回应关切",
                "对社会关注的热点问题的回应，及从关切出现到回应所用的时间。",
                "各单位对社会关切的回应将在这里集中发布。",
            ),
            leaf(
                "open_days",
                "/open-days",
                "政府开放",
                "政府开放活动的预告、报名和活动回顾。",
                "政府开放活动的预告和报名将在这里发布，市民可在线报名走进政府机关。",
            ),
            leaf(
                "live",
                "/live",
                "图文直播",
                "政府常务会议、新闻发布会的图文直播和网民提问。",
                "政府常务会议和新闻发布会的图文直播将在这里进行，网民可以提问，经审核后展示。",
            ),
        ],
    },
    leaf(
        "invest",
        "/invest",
        "投资济南",
        "投资项目、土地、标准厂房、楼宇和园区的投资活力图。",
        "各区县的投资项目、可供地块、标准厂房、商务楼宇和产业园区将在这里以地图方式展示，投资者可按条件查找并在线对接。",
    ),
    leaf("search", "/search", "搜索", "检索本站公开的政府信息和机构。", ""),
];

/// Sections that have their real pages (elsewhere), not the "建设中" page.
const BUILT: [&str; 12] = [
    "catalogue",
    "interpretations",
    "guide",
    "rules",
    "reports",
    "requests",
    "policies",
    "consultations",
    "concerns",
    "open_days",
    "live",
    "meetings",
];

/// Whether a section exists for readers: built itself, or a group with a built section.
/// Sections still being built are not featured in the menus, the home page or the site map;
/// their addresses answer with the "建设中" page so that links from elsewhere do not break.
pub fn is_built(item: &NavItem) -> bool {
    if item.children.is_empty() {
        item.coming.is_empty() || BUILT.contains(&item.key)
    } else {
        item.children.iter().any(is_built)
    }
}

/// The top navigation as readers see it: only sections that exist.
pub fn nav() -> impl Iterator<Item = &'static NavItem> {
    NAV.iter().filter(|i| is_built(i))
}

/// The sections of a group that exist.
pub fn built_children(item: &'static NavItem) -> Vec<&'static NavItem> {
    item.children.iter().filter(|c| is_built(c)).collect()
}

pub fn find(key: &str) -> Option<(&'static NavItem, Option<&'static NavItem>)> {
    for top in NAV {
        if top.key == key {
            return Some((top, None));
        }
        for child in top.children {
            if child.key == key {
                return Some((child, Some(top)));
            }
        }
    }
    None
}

pub fn routes() -> Router<AppState> {
    let mut r = Router::new()
        .route("/", get(home))
        .route("/sitemap", get(sitemap))
        .route("/about", get(|s: State<AppState>, h: HeaderMap| about(s, h, "about")))
        .route("/contact", get(|s: State<AppState>, h: HeaderMap| about(s, h, "contact")))
        .route("/accessibility", get(|s: State<AppState>, h: HeaderMap| about(s, h, "accessibility")))
        .route("/preferences/elder", get(elder_preference))
        .route("/site-badge", get(site_badge))
        .route("/robots.txt", get(|| async { "User-agent: *\nDisallow: /admin\nDisallow: /api/\n" }));
    for top in NAV {
        if !top.children.is_empty() {
            r = r.route(top.path, get(move |s: State<AppState>, h: HeaderMap| landing(s, h, top)));
        }
        for item in
            top.children.iter().chain(std::iter::once(top)).filter(|i| !i.coming.is_empty() && !BUILT.contains(&i.key))
        {
            r = r.route(item.path, get(move |s: State<AppState>, h: HeaderMap, q: Query| building(s, h, q, item)));
        }
    }
    r.merge(crate::units::portal::routes())
        .merge(crate::search::portal::routes())
        .merge(crate::documents::portal::routes())
        .merge(crate::documents::files::public_routes())
        .merge(crate::catalogue::portal::routes())
        .route("/gongkai/guide", get(guide::guide))
        .merge(crate::columns::portal::routes())
        .merge(crate::requests::portal::routes())
        .merge(crate::business_policy::portal::routes())
        .merge(crate::consultation::portal::routes())
        .merge(crate::open_day::portal::routes())
        .merge(crate::live_blog::portal::routes())
        .merge(crate::meeting::portal_routes())
}

pub fn page(state: &AppState, headers: &HeaderMap, title: &str, path: &str, nav: &str) -> Page {
    Page::new(&state.site, title, path, Prefs::from_headers(headers), nav).host_from(state.base_host())
}

/// A link to a unit as list templates need it.
pub struct UnitLink {
    pub id: i64,
    pub name: String,
    pub short_name: String,
    pub closed: bool,
}

impl From<&Unit> for UnitLink {
    fn from(u: &Unit) -> Self {
        UnitLink { id: u.id, name: u.name.clone(), short_name: u.short_name.clone(), closed: u.is_closed() }
    }
}

/// A government or zone with its departments and towns, for the unit list and site map.
pub struct UnitGroup {
    pub id: i64,
    pub name: String,
    pub departments: Vec<UnitLink>,
    pub towns: Vec<UnitLink>,
}

pub fn unit_groups(tree: &UnitTree) -> Vec<UnitGroup> {
    let governments =
        tree.all().iter().filter(|u| !u.is_closed() && matches!(u.kind, UnitKind::Government | UnitKind::Zone));
    governments
        .map(|g| UnitGroup {
            id: g.id,
            name: g.name.clone(),
            departments: tree
                .children(g.id)
                .filter(|c| !c.is_closed() && c.kind == UnitKind::Department)
                .map(UnitLink::from)
                .collect(),
            towns: tree
                .children(g.id)
                .filter(|c| !c.is_closed() && matches!(c.kind, UnitKind::Town | UnitKind::Street))
                .map(UnitLink::from)
                .collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "portal/home.html")]
struct HomeTemplate {
    page: Page,
    /// The groups of sections (政务公开, 互动交流) with their sections that exist.
    sections: Vec<(&'static NavItem, Vec<&'static NavItem>)>,
    city: Option<UnitLink>,
    office: Option<UnitLink>,
    districts: Vec<UnitLink>,
    zones: Vec<UnitLink>,
    departments: Vec<UnitLink>,
    latest: Arc<Latest>,
}

/// A published document as the home page lists it.
pub struct LatestItem {
    pub id: i64,
    pub title: String,
    pub publisher: String,
    pub published_on: String,
}

/// The home page's 最新信息 (documents other than interpretations) and 政策解读.
pub struct Latest {
    pub documents: Vec<LatestItem>,
    pub interpretations: Vec<LatestItem>,
}

async fn latest(state: &AppState) -> Result<Arc<Latest>, AppError> {
    use gongkai_app::documents::public;
    use gongkai_domain::documents::Genre;
    use gongkai_store::documents::PublicFilter;
    let load = || async move {
        let list = |docs: Vec<gongkai_store::documents::PublicDocument>| {
            docs.into_iter()
                .map(|d| LatestItem {
                    id: d.id,
                    title: d.title,
                    publisher: d.publisher,
                    published_on: d.published_on.to_string(),
                })
                .collect::<Vec<_>>()
        };
        // Eight documents after dropping interpretations; asking for more keeps it one query.
        let gongkai_store::Page { items: mut recent, .. } =
            public::list(state, &PublicFilter::default(), 24, 0).await?;
        recent.retain(|d| d.genre != Genre::Interpretation);
        recent.truncate(8);
        let only = PublicFilter { genre: Some(Genre::Interpretation), ..Default::default() };
        let gongkai_store::Page { items: interpretations, .. } = public::list(state, &only, 5, 0).await?;
        Ok::<_, gongkai_app::Error>(Latest { documents: list(recent), interpretations: list(interpretations) })
    };
    state.home_latest.get(load).await.map_err(AppError::from)
}

async fn home(state: State<AppState>, headers: HeaderMap) -> PageResult {
    let tree = state.unit_tree().await?;
    let root = tree.roots().find(|u| u.kind == UnitKind::Government);
    let children: Vec<&Unit> =
        root.map(|r| tree.children(r.id).filter(|u| !u.is_closed()).collect()).unwrap_or_default();
    let of_kind =
        |kind: UnitKind| children.iter().filter(|u| u.kind == kind).map(|u| UnitLink::from(*u)).collect::<Vec<_>>();
    let mut departments = of_kind(UnitKind::Department);
    let office = if departments.first().is_some_and(|d| d.name.contains("办公厅")) {
        Some(departments.remove(0))
    } else {
        None
    };
    let t = HomeTemplate {
        page: page(&state, &headers, "", "/", "home"),
        sections: nav()
            .filter(|g| !g.children.is_empty())
            .map(|g| (g, built_children(g)))
            .filter(|(_, c)| !c.is_empty())
            .collect(),
        city: root.map(UnitLink::from),
        office,
        districts: of_kind(UnitKind::Government),
        zones: of_kind(UnitKind::Zone),
        departments,
        latest: latest(&state).await?,
    };
    Ok(html(&t))
}

#[derive(Template)]
#[template(path = "portal/landing.html")]
struct LandingTemplate {
    page: Page,
    section: &'static NavItem,
}

async fn landing(state: State<AppState>, headers: HeaderMap, section: &'static NavItem) -> Response {
    let page = page(&state, &headers, section.title, section.path, section.key)
        .column(section.title, "栏目首页", section.summary)
        .crumb(section.title, section.path);
    html(&LandingTemplate { page, section })
}

#[derive(Template)]
#[template(path = "portal/building.html")]
struct BuildingTemplate {
    page: Page,
    section: &'static NavItem,
    siblings: Vec<&'static NavItem>,
    unit: Option<String>,
}

/// Sections later releases fill: a clear "under construction" page, never a 404.
async fn building(
    state: State<AppState>,
    headers: HeaderMap,
    Query(q): Query,
    section: &'static NavItem,
) -> PageResult {
    let parent = find(section.key).and_then(|(_, p)| p);
    let unit = match q.opt("unit").and_then(|u| u.parse::<i64>().ok()) {
        Some(id) => state.unit_tree().await?.get(id).map(|u| u.name.clone()),
        None => None,
    };
    let mut page = page(&state, &headers, section.title, section.path, parent.map(|p| p.key).unwrap_or(section.key))
        .column(section.title, parent.map(|p| p.title).unwrap_or(section.title), section.summary);
    if let Some(p) = parent {
        page = page.crumb(p.title, p.path);
    }
    page = page.crumb(section.title, section.path);
    let siblings = parent.map(|p| p.children.iter().filter(|c| c.key != section.key).collect()).unwrap_or_default();
    Ok(html(&BuildingTemplate { page, section, siblings, unit }))
}

#[derive(Template)]
#[template(path = "portal/about.html")]
struct AboutTemplate {
    page: Page,
    key: &'static str,
}

async fn about(state: State<AppState>, headers: HeaderMap, key: &'static str) -> Response {
    let (title, path) = match key {
        "about" => ("关于本网", "/about"),
        "contact" => ("联系我们", "/contact"),
        _ => ("无障碍说明", "/accessibility"),
    };
    let page = page(&state, &headers, title, path, "").column(title, "其他", title).crumb(title, path);
    html(&AboutTemplate { page, key })
}

#[derive(Template)]
#[template(path = "portal/sitemap.html")]
struct SitemapTemplate {
    page: Page,
    groups: Vec<UnitGroup>,
}

async fn sitemap(state: State<AppState>, headers: HeaderMap) -> PageResult {
    let tree = state.unit_tree().await?;
    let page = page(&state, &headers, "网站地图", "/sitemap", "")
        .column("网站地图", "其他", "本站全部栏目和机构")
        .crumb("网站地图", "/sitemap");
    Ok(html(&SitemapTemplate { page, groups: unit_groups(&tree) }))
}

/// Units matching a query by name, short name or code, open ones first.
pub fn match_units(tree: &UnitTree, q: &str) -> Vec<UnitLink> {
    let q = q.trim().to_lowercase();
    if q.is_empty() {
        return Vec::new();
    }
    let mut found: Vec<&Unit> = tree
        .all()
        .iter()
        .filter(|u| {
            u.name.to_lowercase().contains(&q)
                || u.short_name.to_lowercase().contains(&q)
                || u.division_code == q
                || u.credit_code.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(&q))
        })
        .collect();
    found.sort_by_key(|u| u.is_closed());
    found.into_iter().take(200).map(UnitLink::from).collect()
}

/// Switches the elder-friendly mode without JavaScript: sets the cookie and goes back.
async fn elder_preference(state: State<AppState>, Query(q): Query) -> Response {
    let on = q.get("on") == "1";
    // Only paths on this site, so the link cannot send readers elsewhere.
    let back = gongkai_domain::paths::same_site_path(q.get("return"), "/");
    let cookie = cookie::Cookie::build((ELDER_COOKIE, if on { "1" } else { "0" }))
        .path("/")
        .max_age(cookie::time::Duration::days(365))
        .same_site(cookie::SameSite::Lax)
        .secure(state.server.secure_cookies)
        .build();
    let mut res = crate::page::see_other(&back);
    if let Ok(v) = cookie.to_string().parse() {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

/// The 党政机关网站标识 image the deployment supplied (`badge_image`), or 404.
async fn site_badge(State(state): State<AppState>) -> Result<Response, AppError> {
    let badge = state.site.badge.clone().ok_or(AppError::NotFound)?;
    let (bytes, kind) = badge.as_ref();
    Ok((
        [
            (header::CONTENT_TYPE, *kind),
            (header::CACHE_CONTROL, "public, max-age=86400"),
            // An SVG opened on its own runs no script and loads nothing.
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'; sandbox"),
        ],
        bytes.clone(),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "portal/error.html")]
struct ErrorTemplate<'a> {
    page: &'a Page,
    info: &'a ErrorInfo,
    console: bool,
}

pub fn error_page(page: &Page, info: &ErrorInfo, console: bool) -> Response {
    match (ErrorTemplate { page, info, console }).render() {
        Ok(body) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response(),
        // The error page itself failed: answer plainly rather than loop.
        Err(_) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], info.title.clone()).into_response(),
    }
}

/// Used by handlers that must answer 404 for an unknown id in an HTML context.
pub fn not_found() -> AppError {
    AppError::NotFound
}
