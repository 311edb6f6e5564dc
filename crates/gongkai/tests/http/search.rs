//! Search on the shared laws corpus (a slice of it, imported as the command line does), on
//! SQLite and PostgreSQL: titles, 文号 found through the history lines, two-character words,
//! synonyms, facets, hostile queries, and the index's recovery from crashes and damage.

use crate::common;
use common::App;
use reqwest::StatusCode;
use serde_json::Value;
use std::io::Read;

/// Lines of the corpus about the subjects the tests ask for, and a spread of others.
fn corpus_slice() -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/laws/corpus.jsonl.gz");
    let raw = std::fs::read(path).expect("the shared laws corpus is beside the project (../shared/data)");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&raw[..]).read_to_string(&mut text).unwrap();
    let wanted = ["政府信息公开", "住房公积金", "医疗保障", "社会保险", "保守国家秘密", "个人信息保护", "12345"];
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let title = line.split("\"title\": \"").nth(1).unwrap_or("").split('"').next().unwrap_or("");
        if wanted.iter().any(|w| title.contains(w)) || i % 97 == 0 {
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
    }
    out
}

async fn import(app: &App) -> usize {
    let city = app.unit_id("济南市人民政府").await;
    let gongkai_store::import::PreparedFile { items: docs, errors } =
        gongkai_store::import::prepare(&app.store, &corpus_slice(), Some(city)).await.unwrap();
    assert!(errors.is_empty(), "{:?}", errors.iter().map(|e| (e.line, &e.message)).collect::<Vec<_>>());
    let report = gongkai_store::import::write(&app.store, &docs, 100, gongkai_store::Actor::system("import"), |_| {})
        .await
        .unwrap();
    assert_eq!(report.imported, docs.len());
    app.sync_search().await;
    docs.len()
}

async fn search(app: &App, q: &str) -> Value {
    let url = format!("/api/v1/search?q={}", url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>());
    let res = app.get(&url).await;
    assert_eq!(res.status(), StatusCode::OK, "{q}");
    res.json().await.unwrap()
}

fn titles(v: &Value) -> Vec<String> {
    v["hits"].as_array().unwrap().iter().map(|h| h["title"].as_str().unwrap().to_string()).collect()
}

both!(search_quality_on_the_laws_corpus, |app: App| async move {
    let n = import(&app).await;
    assert!(n > 50, "{n} documents");
    // An exact title comes first.
    let r = search(&app, "中华人民共和国政府信息公开条例").await;
    assert_eq!(titles(&r)[0], "中华人民共和国政府信息公开条例");
    let r = search(&app, "住房公积金管理条例").await;
    assert_eq!(titles(&r)[0], "住房公积金管理条例");
    // A 文号 in any common form, found through the history lines.
    for q in ["国务院令第711号", "国务院令 第711号", "中华人民共和国国务院令第711号"] {
        let r = search(&app, q).await;
        assert_eq!(titles(&r).first().map(String::as_str), Some("中华人民共和国政府信息公开条例"), "{q}");
    }
    // Two-character words and synonyms.
    for (q, expect) in [("公积", "住房公积金"), ("社保", "社会保险"), ("医保", "医疗保障"), ("保密", "保守国家秘密")]
    {
        let r = search(&app, q).await;
        assert!(r["total"].as_i64().unwrap() > 0, "{q}");
        assert!(titles(&r).iter().any(|t| t.contains(expect)), "{q} finds {expect}: {:?}", titles(&r));
    }
    let r = search(&app, "医疗保障").await;
    let with_synonym = search(&app, "医保").await;
    assert!(with_synonym["total"].as_i64() >= r["total"].as_i64(), "医保 finds at least what 医疗保障 finds");
    // Snippets mark the words; facets count the results.
    let r = search(&app, "政府信息公开").await;
    assert!(r["hits"][0]["snippet"].as_str().unwrap().contains("<mark>"));
    let genres = r["facets"]["genre"].as_array().unwrap();
    assert_eq!(genres[0]["value"], "law");
    assert_eq!(genres[0]["count"].as_i64(), r["total"].as_i64());
    let validity: i64 = r["facets"]["validity"].as_array().unwrap().iter().map(|v| v["count"].as_i64().unwrap()).sum();
    assert_eq!(Some(validity), r["total"].as_i64(), "every match has one validity");
    let years: Vec<&str> =
        r["facets"]["year"].as_array().unwrap().iter().map(|v| v["value"].as_str().unwrap()).collect();
    assert!(!years.is_empty() && years.windows(2).all(|w| w[0] > w[1]), "years newest first: {years:?}");
    let bare: Value = app
        .get("/api/v1/search?q=%E6%94%BF%E5%BA%9C%E4%BF%A1%E6%81%AF%E5%85%AC%E5%BC%80&facets=false")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (bare["total"].clone(), bare["hits"][0]["id"].clone()),
        (r["total"].clone(), r["hits"][0]["id"].clone())
    );
    assert!(bare["facets"]["genre"].as_array().unwrap().is_empty(), "facets=false leaves the counts out");
    let res = app.get("/api/v1/search?q=%E6%9D%A1%E4%BE%8B&facets=maybe").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["field"], "facets");
    assert!(problem["detail"].as_str().unwrap().contains("应为 true 或 false"), "{problem}");
    let by_date = search(&app, "条例").await;
    assert!(by_date["total"].as_i64().unwrap() > 10);
    let dated: Value = app.get("/api/v1/search?q=%E6%9D%A1%E4%BE%8B&sort=date&per_page=20").await.json().await.unwrap();
    let dates: Vec<&str> =
        dated["hits"].as_array().unwrap().iter().map(|h| h["published_on"].as_str().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first: {dates:?}");
    let year = dates[0][..4].to_string();
    let filtered: Value =
        app.get(&format!("/api/v1/search?q=%E6%9D%A1%E4%BE%8B&year={year}")).await.json().await.unwrap();
    assert!(
        filtered["hits"].as_array().unwrap().iter().all(|h| h["published_on"].as_str().unwrap().starts_with(&year))
    );
    // The page shows the same.
    let (status, html) = app.text("/search?q=%E5%85%AC%E7%A7%AF").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("住房公积金管理条例") && html.contains("<mark>") && html.contains("发布机构"));
    let (_, html) = app
        .text("/search?q=%E4%B8%8D%E5%8F%AF%E8%83%BD%E5%AD%98%E5%9C%A8%E7%9A%84%E8%AF%8D%E8%AF%AD%E7%BB%84%E5%90%88")
        .await;
    assert!(html.contains("没有找到相关信息") && html.contains("试试"), "zero results suggest");
    // Hostile queries get safe answers.
    // (An address holds at most 64 KiB, so the longest query over HTTP is 5,000 characters;
    // the index itself is asked with 10,000.)
    for q in
        ["\"未闭合的引号", "AND OR NOT ((", "*:*", "<script>alert(1)</script>", "title:条例^99", &"医".repeat(5_000)]
    {
        let r = search(&app, q).await;
        assert!(r["total"].is_number(), "{q:.20}");
    }
    let long = app.state.search.search(&gongkai_search::SearchRequest {
        q: "条例".repeat(5_000),
        page: 1,
        per_page: 5,
        ..Default::default()
    });
    assert!(long.is_ok());
    let res = app.get("/api/v1/search?q=x&year=abc").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = app.text("/search?q=x&year=abc&page=-3&sort=bogus").await;
    assert_eq!(status, StatusCode::OK, "the page ignores bad filters");
    // Document pages and JSON.
    let id = search(&app, "中华人民共和国政府信息公开条例").await["hits"][0]["id"].as_i64().unwrap();
    let (status, html) = app.text(&format!("/documents/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("国务院令第711号修订") && html.contains("索引号") && html.contains("<meta name=\"ArticleTitle\"")
    );
    let doc: Value = app.get(&format!("/api/v1/documents/{id}")).await.json().await.unwrap();
    assert_eq!(doc["genre"], "law");
    assert!(doc["index_no"].as_str().unwrap().contains("/"));
});

both!(lists_feeds_and_sitemaps, |app: App| async move {
    let n = import(&app).await as i64;
    let (status, html) = app.text("/gongkai/catalogue").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("共 {n} 条")) && html.contains("aria-label=\"分页\""),
        "lists every document with pages"
    );
    let (_, html) = app.text("/gongkai/catalogue?genre=law&page=2").await;
    assert!(html.contains(&format!("共 {n} 条")) && html.contains("aria-current=\"page\">2<"));
    let (_, html) = app.text("/gongkai/catalogue?genre=notice").await;
    assert!(html.contains("共 0 条") && html.contains("暂无符合条件的信息"));
    let city = app.unit_id("济南市人民政府").await;
    let (_, html) = app.text(&format!("/gongkai/catalogue?unit={city}")).await;
    assert!(html.contains("济南市人民政府 · 全部公开信息"));
    let (_, html) = app.text(&format!("/units/{city}")).await;
    assert!(html.contains("最新信息") && html.contains("/documents/"));
    let (status, html) = app.text("/interpretations").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1>政策解读</h1>"));
    let res = app.get(&format!("/feeds/documents.atom?unit={city}&genre=law")).await;
    assert_eq!(res.headers()["content-type"], "application/atom+xml; charset=utf-8");
    let atom = res.text().await.unwrap();
    assert!(
        atom.starts_with("<?xml")
            && atom.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">")
            && atom.matches("<entry>").count() == 50.min(n as usize)
    );
    let index = app.get("/sitemap.xml").await.text().await.unwrap();
    assert!(
        index.contains("<sitemapindex")
            && index.contains("/sitemaps/pages.xml")
            && index.contains("/sitemaps/documents-1.xml")
    );
    let docs = app.get("/sitemaps/documents-1.xml").await.text().await.unwrap();
    assert_eq!(docs.matches("<url>").count() as i64, n);
    let pages = app.get("/sitemaps/pages.xml").await.text().await.unwrap();
    assert!(pages.contains(&format!("/units/{city}</loc>")));
    assert_eq!(app.get("/sitemaps/documents-9.xml").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get("/sitemaps/documents-x.xml").await.status(), StatusCode::NOT_FOUND);
});

both!(the_index_survives_crashes_and_damage, |app: App| async move {
    import(&app).await;
    let before = search(&app, "住房公积金管理条例").await["total"].as_i64().unwrap();
    let path = app.state.search.path().to_path_buf();
    let cursor = app.state.search.cursor();
    assert!(cursor > 0);
    // A crash between the database commit and the index update: the outbox still holds the
    // change, and a fresh index process applies it.
    let p = app.store.user_by_username("admin").await.unwrap().unwrap();
    let fields = gongkai_domain::documents::DocumentFields::parse(
        &gongkai_domain::documents::DocumentInput {
            title: "崩溃后仍可检索的通知".into(),
            topic: "general".into(),
            genre: "notice".into(),
            body: "<p>测试正文</p>".into(),
            ..Default::default()
        },
        "济南市人民政府",
    )
    .unwrap();
    let mut w = app.store.write(gongkai_store::Actor::system("test")).await.unwrap();
    w.document_import(p.unit_id, &fields, "crash-test", None).await.unwrap();
    w.commit().await.unwrap();
    let other_dir = tempfile::tempdir().unwrap();
    let copy = other_dir.path().join("index");
    copy_dir(&path, &copy);
    let (reopened, needs) = gongkai_search::SearchIndex::open(&copy, &[]).unwrap();
    assert!(!needs, "an intact index is reused");
    assert_eq!(reopened.cursor(), cursor, "the cursor is stored with the index's last commit");
    assert!(reopened.sync(&app.store).await.unwrap() >= 1);
    let found = reopened
        .search(&gongkai_search::SearchRequest {
            q: "崩溃后仍可检索".into(),
            page: 1,
            per_page: 5,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(found.total, 1);
    // A damaged index is noticed and rebuilt from the store.
    let damaged = other_dir.path().join("damaged");
    copy_dir(&path, &damaged);
    for entry in std::fs::read_dir(&damaged).unwrap() {
        let p = entry.unwrap().path();
        if p.file_name().unwrap() == "meta.json" {
            std::fs::write(&p, b"{ not json").unwrap();
        }
    }
    let (fresh, needs) = gongkai_search::SearchIndex::open(&damaged, &[]).unwrap();
    assert!(needs, "a damaged index asks to be rebuilt");
    let n = fresh.rebuild(&app.store, |_| {}).await.unwrap();
    assert!(n > 50);
    let again = fresh
        .search(&gongkai_search::SearchRequest {
            q: "住房公积金管理条例".into(),
            page: 1,
            per_page: 5,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(again.total as i64, before);
});

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() != ".tantivy-writer.lock" && entry.file_name() != ".tantivy-meta.lock" {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}
