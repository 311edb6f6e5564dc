//! What every page's layout needs: the site, the reader's display preferences, the meta tags
//! of the 政府网站发展指引 and, in the console, the signed-in user and the form token.

use crate::config::SiteConfig;
use askama::Template;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

pub const ELDER_COOKIE: &str = "gk_elder";

/// Display preferences kept in a cookie, so they work without JavaScript and persist.
#[derive(Debug, Clone, Copy, Default)]
pub struct Prefs {
    /// 适老化: larger text, higher contrast, wider spacing.
    pub elder: bool,
}

impl Prefs {
    pub fn from_headers(headers: &HeaderMap) -> Self {
        Prefs { elder: cookie_value(headers, ELDER_COOKIE).as_deref() == Some("1") }
    }
}

pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| cookie::Cookie::parse(c.trim().to_string()).ok())
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

/// Meta tags of the 政府网站发展指引 (国办发〔2017〕47号, 附件 网页元数据): site tags on
/// every page, column tags on column pages, article tags on article pages.
#[derive(Debug, Clone, Default)]
pub struct GovMeta {
    pub column_name: String,
    pub column_type: String,
    pub column_description: String,
    pub column_keywords: String,
    pub article_title: String,
    pub pub_date: String,
    pub content_source: String,
    pub keywords: String,
    pub description: String,
    pub url: String,
}

pub struct Page {
    pub title: String,
    /// The site's identity, shared by every page (cloning the `Arc` costs nothing).
    pub site: Arc<SiteConfig>,
    /// The host for `SiteDomain` when none is configured.
    request_host: String,
    pub meta: GovMeta,
    pub prefs: Prefs,
    /// The key of the active top navigation item.
    pub nav: String,
    /// The path of this page, for the display-mode switch to return to.
    pub path: String,
    pub breadcrumbs: Vec<(String, String)>,
    /// Console only.
    pub csrf: String,
    pub staff_name: String,
    pub staff_unit: String,
    pub notice: String,
    /// Console menu: (key, link, label), only the entries the user may use.
    pub menu: Vec<(&'static str, &'static str, &'static str)>,
    /// Console only: how many documents wait for this reviewer (待我审核), shown in the menu.
    pub review_count: usize,
    /// A unit's 政府信息公开 section: its left navigation, on every page of the section.
    pub unit_nav: Option<UnitNav>,
}

/// The left navigation of a unit's 政府信息公开 section, as on government portals: the same
/// entries on each of its pages, the current one marked.
pub struct UnitNav {
    pub unit_id: i64,
    pub unit_name: String,
    /// One of `UnitNav::KEYS`.
    pub current: &'static str,
}

impl UnitNav {
    /// (key, label, short label for phones).
    pub const KEYS: [(&'static str, &'static str, &'static str); 7] = [
        ("home", "公开首页", "首页"),
        ("guide", "政府信息公开指南", "指南"),
        ("rules", "政府信息公开制度", "制度"),
        ("catalogue", "法定主动公开内容", "主动公开"),
        ("reports", "政府信息公开年报", "年报"),
        ("requests", "依申请公开", "依申请"),
        ("all", "全部公开信息", "全部信息"),
    ];

    /// The label of a key.
    pub fn label(key: &str) -> &'static str {
        Self::KEYS.iter().find(|(k, _, _)| *k == key).map(|(_, l, _)| *l).unwrap_or("政府信息公开")
    }

    /// The address of each entry for this unit.
    pub fn href(unit_id: i64, key: &str) -> String {
        match key {
            "guide" => format!("/gongkai/guide?unit={unit_id}"),
            "rules" => format!("/gongkai/rules?unit={unit_id}"),
            "catalogue" => format!("/units/{unit_id}/catalogue"),
            "reports" => format!("/gongkai/annual-reports?unit={unit_id}"),
            "requests" => format!("/requests?unit={unit_id}"),
            "all" => format!("/gongkai/catalogue?unit={unit_id}"),
            _ => format!("/units/{unit_id}/gongkai"),
        }
    }

    /// (key, address, label, short label) of every entry.
    pub fn links(&self) -> Vec<(&'static str, String, &'static str, &'static str)> {
        Self::KEYS.iter().map(|(k, l, s)| (*k, Self::href(self.unit_id, k), *l, *s)).collect()
    }
}

impl Page {
    pub fn new(site: &Arc<SiteConfig>, title: &str, path: &str, prefs: Prefs, nav: &str) -> Page {
        Page {
            title: title.to_string(),
            site: site.clone(),
            request_host: String::new(),
            meta: GovMeta::default(),
            prefs,
            nav: nav.to_string(),
            path: path.to_string(),
            breadcrumbs: Vec::new(),
            csrf: String::new(),
            staff_name: String::new(),
            staff_unit: String::new(),
            notice: String::new(),
            menu: Vec::new(),
            review_count: 0,
            unit_nav: None,
        }
    }

    /// A page of a unit's 政府信息公开 section: the section's left navigation, and the unit in
    /// the breadcrumbs (首页 › 政府机构 › unit › 政府信息公开 › page), replacing any given before.
    pub fn in_unit_gongkai(mut self, unit_id: i64, unit_name: &str, current: &'static str) -> Self {
        self.breadcrumbs = vec![
            ("政府机构".into(), "/units".into()),
            (unit_name.to_string(), format!("/units/{unit_id}")),
            ("政府信息公开".into(), UnitNav::href(unit_id, "home")),
        ];
        if current != "home" {
            self.breadcrumbs.push((UnitNav::label(current).to_string(), UnitNav::href(unit_id, current)));
        }
        self.unit_nav = Some(UnitNav { unit_id, unit_name: unit_name.to_string(), current });
        self
    }

    /// A column page (栏目页).
    pub fn column(mut self, name: &str, column_type: &str, description: &str) -> Self {
        self.meta.column_name = name.to_string();
        self.meta.column_type = column_type.to_string();
        self.meta.column_description = description.to_string();
        self.meta.column_keywords = name.to_string();
        self.meta.description = description.to_string();
        self
    }

    /// An article page (文章页).
    pub fn article(mut self, column: &str, title: &str, pub_date: &str, source: &str, description: &str) -> Self {
        self.meta.column_name = column.to_string();
        self.meta.column_type = "信息公开".into();
        self.meta.article_title = title.to_string();
        self.meta.pub_date = pub_date.to_string();
        self.meta.content_source = source.to_string();
        self.meta.keywords = title.to_string();
        self.meta.description = description.chars().take(120).collect();
        self.meta.url = format!("{}{}", self.site.public_url.trim_end_matches('/'), self.path);
        self
    }

    pub fn crumb(mut self, label: &str, href: &str) -> Self {
        self.breadcrumbs.push((label.to_string(), href.to_string()));
        self
    }

    pub fn full_title(&self) -> String {
        if self.title.is_empty() || self.title == self.site.site_name {
            format!("{}{}", self.site.site_name, self.site.site_subtitle)
        } else {
            format!("{} - {}", self.title, self.site.site_name)
        }
    }

    /// `SiteDomain`: configured, else the host of the public URL, else the listening address.
    pub fn domain(&self) -> &str {
        let from_url = self.site.public_url.trim_start_matches("https://").trim_start_matches("http://");
        let from_url = from_url.split('/').next().unwrap_or("");
        if !self.site.site_domain.is_empty() {
            &self.site.site_domain
        } else if !from_url.is_empty() {
            from_url
        } else {
            &self.request_host
        }
    }

    pub fn elder(&self) -> bool {
        self.prefs.elder
    }

    /// The link that switches the display mode and comes back here.
    pub fn elder_toggle_href(&self) -> String {
        let on = if self.prefs.elder { 0 } else { 1 };
        let back: String = url::form_urlencoded::byte_serialize(self.path.as_bytes()).collect();
        format!("/preferences/elder?on={on}&return={back}")
    }

    pub fn nav_is(&self, key: &str) -> bool {
        self.nav == key
    }

    /// The `SiteDomain` when none is configured: the host the server knows itself by
    /// (`AppState::base_host`), never the request's `Host` header, which the client writes.
    pub fn host_from(mut self, host: String) -> Self {
        self.request_host = host;
        self
    }
}

/// A title split before its last two characters, which the page keeps together so that no
/// single character is left alone on the title's last line (as official documents are set).
pub fn title_parts(title: &str) -> (String, String) {
    let chars: Vec<char> = title.chars().collect();
    let cut = chars.len().saturating_sub(2);
    (chars[..cut].iter().collect(), chars[cut..].iter().collect())
}

/// A 303 See Other to `to`. axum's `Redirect::to` panics on a value that cannot be a header
/// (a control character: an unlogged 500); this goes to the home page instead. Targets from
/// input must go through `gongkai_domain::paths::same_site_path` first.
pub fn see_other(to: &str) -> Response {
    let location = HeaderValue::from_str(to).unwrap_or_else(|_| HeaderValue::from_static("/"));
    (axum::http::StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

/// After a console action: back to `path`, which shows the notice `notice` (a key of
/// `console::notice_text`).
pub fn see(path: String, notice: &str) -> Response {
    see_other(&format!("{path}?notice={notice}"))
}

/// A page holding a citizen's codes or personal data: no shared cache may keep it, and the
/// browser does not keep it on disk.
pub fn no_store(mut res: Response) -> Response {
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    res
}

/// A page answered again with what was wrong, as 422.
pub fn refused(mut res: Response) -> Response {
    *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    res
}

/// Renders a template into an HTML response; a template error is an internal error.
pub fn html(t: &impl Template) -> Response {
    match t.render() {
        Ok(body) => {
            let mut res = body.into_response();
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            res
        }
        Err(e) => crate::errors::AppError::from(e).into_response(),
    }
}

/// Renders a page that carries a form: 422 when the form came back with errors, so that
/// clients and tests can tell a refused submission from a fresh page.
pub fn html_form(t: &impl Template, failed: bool) -> Response {
    let mut res = html(t);
    if failed && res.status().is_success() {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

/// A link to one page of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageLink {
    pub n: i64,
    pub href: String,
    pub current: bool,
}

/// The links of a list's pagination, the same on the portal and in the console: the first and
/// the last page and those within three of the current one, of a list of `total` items shown
/// `per_page` to a page (at most 500 pages). `base` is the list's address with its filters,
/// ending in `?` or `&`, to which `page=N` is added.
pub fn page_links(base: &str, total: i64, per_page: i64, current: i64) -> Vec<PageLink> {
    page_links_up_to(base, total, per_page, current, 500)
}

/// [`page_links`] of a list that answers at most `max_pages` pages (search results).
pub fn page_links_up_to(base: &str, total: i64, per_page: i64, current: i64, max_pages: i64) -> Vec<PageLink> {
    let last = ((total + per_page.max(1) - 1) / per_page.max(1)).clamp(1, max_pages);
    (1..=last)
        .filter(|n| *n == 1 || *n == last || (n - current).abs() <= 3)
        .map(|n| PageLink { n, href: format!("{base}page={n}"), current: n == current })
        .collect()
}

#[cfg(test)]
mod page_link_tests {
    use super::page_links;

    #[test]
    fn first_last_and_the_neighbours_of_the_current_page() {
        let shown =
            |total, current| -> Vec<i64> { page_links("/x?", total, 20, current).iter().map(|l| l.n).collect() };
        assert_eq!(shown(0, 1), vec![1]);
        assert_eq!(shown(20, 1), vec![1]);
        assert_eq!(shown(21, 2), vec![1, 2]);
        assert_eq!(shown(400, 1), vec![1, 2, 3, 4, 20]);
        assert_eq!(shown(400, 10), vec![1, 7, 8, 9, 10, 11, 12, 13, 20]);
        assert_eq!(shown(1_000_000, 1).last(), Some(&500));
        let links = page_links("/admin/audit?action=x&", 45, 20, 2);
        assert_eq!(links[2].href, "/admin/audit?action=x&page=3");
        assert!(links[1].current && !links[0].current);
    }
}
