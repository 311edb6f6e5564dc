//! The public portal over HTTP: structure, meta tags, display mode, errors, assets, and that
//! no page loads anything from another host.

use crate::common;
use common::App;
use reqwest::StatusCode;

const SECTION_PAGES: &[(&str, &str)] = &[("/invest", "投资济南")];

both!(home_page_has_the_structure_of_a_government_portal, |app: App| async move {
    let (status, html) = app.text("/").await;
    assert_eq!(status, StatusCode::OK);
    // Header, navigation with its sections, footer placeholders.
    for needle in [
        "济南市人民政府",
        ">首页<",
        ">政务公开<",
        ">搜索<",
        "主办单位：济南市人民政府办公厅",
        "网站标识码：3701000000",
        "鲁ICP备00000000号-1",
        "政府网站找错",
        "鲁公网安备",
        "联系电话：",
    ] {
        assert!(html.contains(needle), "home page lacks {needle}");
    }
    // Sections still being built are not featured anywhere on the home page.
    for (path, title) in SECTION_PAGES {
        assert!(!html.contains(&format!("href=\"{path}\"")), "the home page features {title}, not built yet");
    }
    assert!(!html.contains("XXXX") && !html.contains("example.gov.cn"));
    // 互动交流 is there since 意见征集 and 回应关切 are built.
    assert!(html.contains("href=\"/hudong\"") && html.contains("href=\"/consultations\""), "互动交流 is featured");
    assert!(html.contains("href=\"/requests\">依申请公开</a>"), "navigation lacks 依申请公开");
    // Units: the city, the 12 districts and counties, zones and departments, each linked.
    for name in [
        "历下区",
        "市中区",
        "槐荫区",
        "天桥区",
        "历城区",
        "长清区",
        "章丘区",
        "济阳区",
        "莱芜区",
        "钢城区",
        "平阴县",
        "商河县",
    ] {
        assert!(html.contains(&format!(">{name}</a>")), "home page lacks {name}");
    }
    for name in [
        "高新区",
        "南部山区",
        "起步区",
        "济南市医疗保障局",
        "济南市住房和城乡建设局",
        "济南市投资促进局",
        "济南市统计局",
    ] {
        assert!(html.contains(name), "home page lacks {name}");
    }
    // Site meta tags of the 政府网站发展指引.
    assert!(html.contains("<meta name=\"SiteName\" content=\"济南市人民政府\">"));
    assert!(html.contains("<meta name=\"SiteIDCode\" content=\"3701000000\">"));
    assert!(html.contains("<meta name=\"SiteDomain\" content=\"127.0.0.1:"));
    assert!(html.contains("lang=\"zh-CN\""));
    assert!(html.contains("class=\"skip-link\" href=\"#main\""));
});

/// The part of `html` from `start` to the next `end`.
fn section<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html.find(start).unwrap_or_else(|| panic!("{start} not in page"));
    let rest = &html[from..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

both!(home_page_lists_the_newest_documents_and_interpretations, |app: App| async move {
    // Nothing published yet: no empty boxes.
    let (_, html) = app.text("/").await;
    assert!(!html.contains("最新信息") && !html.contains("id=\"h-interpretations\""));

    app.load_disclosure_demo().await;
    app.sync_search().await;
    let (_, html) = app.text("/").await;
    let latest = section(&html, "id=\"h-latest\"", "</section>");
    let interpretations = section(&html, "id=\"h-interpretations\"", "</section>");
    // Newest first, interpretations apart, each with its publisher and date.
    let annual = latest.find("济南市医疗保障局2025年政府信息公开工作年度报告").expect("newest document listed");
    let allocation = latest.find("2025年第三批公共租赁住房分配结果公示").expect("second newest listed");
    assert!(annual < allocation, "{latest}");
    assert!(latest.contains("2026-01-20") && latest.contains("济南市医疗保障局"), "{latest}");
    assert!(!latest.contains("政策解读</a>"), "interpretations have their own list: {latest}");
    assert!(
        interpretations.contains("《关于调整城乡居民基本医疗保险门诊慢特病待遇的通知》政策解读"),
        "{interpretations}"
    );
    assert_eq!(latest.matches("<li>").count(), 8, "{latest}");

    // A document published later heads the list once the indexer has seen it.
    let id = app
        .published(
            "济南市医疗保障局",
            "济南市医疗保障局关于做好2027年度城乡居民医保集中参保工作的通知",
            "通知公告",
            "home-latest",
        )
        .await;
    app.sync_search().await;
    let (_, html) = app.text("/").await;
    let latest = section(&html, "id=\"h-latest\"", "</section>");
    let first = latest.find("<li>").unwrap();
    assert!(
        latest[first..].starts_with(&format!("<li><a href=\"/documents/{id}\">济南市医疗保障局关于做好2027年度")),
        "{latest}"
    );
});

both!(sections_still_to_come_say_so_and_are_not_404, |app: App| async move {
    for (path, title) in SECTION_PAGES {
        let (status, html) = app.text(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(html.contains(&format!("<h1>{title}")), "{path} title");
        assert!(html.contains("本栏目正在建设中"), "{path} says it is being built");
        assert!(html.contains(&format!("<meta name=\"ColumnName\" content=\"{title}\">")), "{path} column meta");
        assert!(html.contains("<meta name=\"ColumnType\""), "{path} column type");
    }
    // 依申请公开 is built now: its page is the section's, with the column's meta tags.
    let (status, html) = app.text("/requests").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1>依申请公开") && !html.contains("本栏目正在建设中"));
    assert!(html.contains("<meta name=\"ColumnName\" content=\"依申请公开\">"));
    assert!(html.contains("href=\"/requests/new\""));
    for (path, title) in [("/gongkai", "政务公开"), ("/hudong", "互动交流")] {
        let (status, html) = app.text(path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(&format!("<h1>{title}</h1>")));
    }
    // A unit's own disclosure section names the unit.
    let lixia = app.unit_id("济南市历下区人民政府").await;
    let (_, html) = app.text(&format!("/gongkai/guide?unit={lixia}")).await;
    assert!(html.contains("济南市历下区人民政府"));
});

both!(every_unit_has_its_page, |app: App| async move {
    let units = app.store.units_all().await.unwrap();
    assert!(units.len() >= 100);
    let (status, list) = app.text("/units").await;
    assert_eq!(status, StatusCode::OK);
    for u in &units {
        assert!(list.contains(&format!("href=\"/units/{}\"", u.id)), "unit list links {}", u.name);
    }
    let tongji = units.iter().find(|u| u.name == "济南市统计局").unwrap();
    let (status, html) = app.text(&format!("/units/{}", tongji.id)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1>济南市统计局</h1>"));
    assert!(html.contains("113701000041890665"));
    assert!(html.contains("<meta name=\"ArticleTitle\" content=\"济南市统计局\">"));
    assert!(html.contains("<meta name=\"PubDate\""));
    assert!(html.contains("<meta name=\"ContentSource\" content=\"济南市统计局\">"));
    assert!(html.contains("<meta name=\"Url\""));
    assert!(html.contains("href=\"/gongkai/guide?unit="));
    // A district lists its streets and towns.
    let lixia = units.iter().find(|u| u.name == "济南市历下区人民政府").unwrap();
    let (_, html) = app.text(&format!("/units/{}", lixia.id)).await;
    assert!(html.contains("370102"));
    assert!(html.contains("街道"));
    for (path, status) in [("/units/999999", 404), ("/units/abc", 404), ("/units/-1", 404), ("/units/1%00", 404)] {
        assert_eq!(app.get(path).await.status().as_u16(), status, "{path}");
    }
});

both!(site_map_and_unit_search, |app: App| async move {
    let (status, html) = app.text("/sitemap").await;
    assert_eq!(status, StatusCode::OK);
    for (path, _) in SECTION_PAGES {
        assert!(!html.contains(&format!("href=\"{path}\"")), "site map lists {path}, not built yet");
    }
    for path in [
        "/gongkai/guide",
        "/gongkai/catalogue",
        "/requests",
        "/interpretations",
        "/policies",
        "/consultations",
        "/concerns",
    ] {
        assert!(html.contains(&format!("href=\"{path}\"")), "site map lacks {path}");
    }
    assert!(html.contains("济南市历下区解放路街道办事处") || html.contains("解放路街道"));
    let (_, html) = app.text("/search?q=%E5%8C%BB%E4%BF%9D").await;
    assert!(html.contains("济南市医疗保障局"), "search for 医保 finds the bureau");
    let (_, html) = app.text("/search?q=370102").await;
    assert!(html.contains("济南市历下区人民政府"), "division codes are searchable");
    let (_, html) = app.text("/search?q=%E4%B8%8D%E5%AD%98%E5%9C%A8%E7%9A%84%E6%9C%BA%E6%9E%84").await;
    assert!(html.contains("没有找到"));
    let (_, html) = app.text("/units?q=%E5%8E%86%E4%B8%8B").await;
    assert!(html.contains("济南市历下区人民政府"));
});

both!(elder_mode_switches_without_javascript_and_persists, |app: App| async move {
    let c = common::client();
    let res = c.get(app.url("/preferences/elder?on=1&return=%2Funits")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(common::location(&res), "/units");
    let cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(cookie.starts_with("gk_elder=1") && cookie.contains("Max-Age="), "{cookie}");
    let html = c.get(app.url("/units")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("<html lang=\"zh-CN\" class=\"elder\">"));
    assert!(html.contains("返回标准版"));
    let res = c.get(app.url("/preferences/elder?on=0&return=%2F")).send().await.unwrap();
    assert_eq!(common::location(&res), "/");
    let html = c.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains("class=\"elder\""));
    // The return path stays on this site.
    for evil in ["%2F%2Fevil.example", "https%3A%2F%2Fevil.example", "%2F%5Cevil.example", "javascript%3Aalert(1)"] {
        let res = c.get(app.url(&format!("/preferences/elder?on=1&return={evil}"))).send().await.unwrap();
        assert_eq!(common::location(&res), "/", "{evil}");
    }
});

both!(unknown_pages_get_a_friendly_404, |app: App| async move {
    let res = app.get("/no/such/page").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = res.text().await.unwrap();
    assert!(html.contains("页面不存在") && html.contains("返回首页") && html.contains("主办单位"));
    let res = app.get("/api/v1/no/such").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], 404);
    assert_eq!(body["title"], "页面不存在");
    let res = common::client().delete(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(res.text().await.unwrap().contains("请求方法不允许"));
});

both!(security_headers_on_every_kind_of_response, |app: App| async move {
    for path in ["/", "/units", "/admin/login", "/api/v1/units", "/nope", "/static/site.css"] {
        let res = app.get(path).await;
        let h = res.headers();
        let csp = h.get("content-security-policy").unwrap_or_else(|| panic!("{path} CSP")).to_str().unwrap();
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert!(h.contains_key("referrer-policy"), "{path}");
    }
    let res = app.get("/admin/login").await;
    assert_eq!(res.headers()["cache-control"], "no-store");
});

both!(an_error_answer_to_a_request_with_a_body_closes_the_connection, |app: App| async move {
    let c = common::client();
    // Refused before the body is read: the wrong kind of body for the application form, and an
    // API write without a token. The connection must not be reused for the next request.
    let form = vec![("name", "A".repeat(300_000))];
    let res = c.post(app.url("/requests/new")).form(&form).send().await.unwrap();
    assert!(res.status().is_client_error(), "{}", res.status());
    assert_eq!(res.headers()["connection"], "close");
    let res = c.post(app.url("/api/v1/staff/columns")).json(&serde_json::json!({"name": "x"})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.headers()["connection"], "close");
    // Requests without a body keep their connection, errors or not.
    let res = c.get(app.url("/no/such/page")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.headers().get("connection").is_none_or(|v| v != "close"));
    let res = c.get(app.url("/")).send().await.unwrap();
    assert!(res.headers().get("connection").is_none_or(|v| v != "close"));
});

both!(operations_endpoints, |app: App| async move {
    let (status, body) = app.text("/healthz").await;
    assert_eq!((status, body.trim()), (StatusCode::OK, "ok"));
    let (status, body) = app.text("/readyz").await;
    assert_eq!((status, body.trim()), (StatusCode::OK, "ready"));
    app.get("/").await;
    let (status, metrics) = app.text("/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(metrics.contains("gongkai_http_requests_total"), "{metrics}");
    assert!(metrics.contains("route=\"/\""));
    assert!(metrics.contains("gongkai_http_request_duration_seconds_bucket"));
    // Readiness follows the database.
    app.store.close().await;
    let (status, _) = app.text("/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
});

both!(static_assets_are_compiled_in_and_cached, |app: App| async move {
    let (_, html) = app.text("/").await;
    let css = html.split("href=\"/static/site.css").nth(1).unwrap();
    let query = &css[..css.find('"').unwrap()];
    let res = app.get(&format!("/static/site.css{query}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/css; charset=utf-8");
    assert!(res.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    assert!(res.text().await.unwrap().contains("html.elder"));
    let again = common::client().get(app.url("/static/site.css")).header("if-none-match", etag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(app.get("/static/../Cargo.toml").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get("/static/%2e%2e/Cargo.toml").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get("/favicon.ico").await.status(), StatusCode::OK);
});

// Every page reachable from the site map and the home page, and what they reference.
both!(no_page_loads_anything_from_another_host, |app: App| async move {
    let mut pages: Vec<String> =
        vec!["/".into(), "/sitemap".into(), "/admin/login".into(), "/search?q=x".into(), "/nope".into()];
    let (_, sitemap) = app.text("/sitemap").await;
    for part in sitemap.split("href=\"").skip(1) {
        let href = &part[..part.find('"').unwrap()];
        if href.starts_with('/') && !pages.iter().any(|p| p == href) {
            pages.push(href.to_string());
        }
    }
    assert!(pages.len() > 100, "crawled {} pages", pages.len());
    for path in &pages {
        let (_, html) = app.text(path).await;
        for attr in ["src=\"", "href=\"", "action=\"", "url("] {
            let mut parts = html.split(attr);
            let mut before = parts.next().unwrap_or("");
            for part in parts {
                // The tag the attribute belongs to: what follows the last '<' before it.
                let tag = before.rsplit('<').next().unwrap_or("");
                before = part;
                let value = &part[..part.find(['"', ')']).unwrap_or(part.len())];
                let external = value.starts_with("//") || (value.contains("://") && !value.starts_with(&app.base));
                // A link people follow (the footer's 找错 and 备案 links) loads nothing.
                let followed_link = attr == "href=\"" && (tag.starts_with("a ") || tag == "a");
                assert!(!external || followed_link, "{path} references another host: {value}");
            }
        }
        assert!(!html.contains("@import"), "{path}");
    }
    let (_, css) = app.text("/static/site.css").await;
    assert!(!css.contains("://") && !css.contains("@import"), "stylesheet loads nothing external");
});
