//! Standard lists, unit catalogues, columns, the guide and the dashboard's disclosure flags,
//! over HTTP on SQLite and PostgreSQL.

use crate::common;
use common::{App, client, location};
use gongkai_domain::catalogue::CatalogueRow;
use gongkai_domain::validation::Invalid;
use gongkai_export::catalogue_xlsx::{rows_from_cells, write_rows};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Reads an exported list back as the server reads an upload (minus the child process).
fn read_rows(bytes: &[u8]) -> Result<Vec<CatalogueRow>, Invalid> {
    match gongkai_extract::run_child(gongkai_extract::Kind::CatalogueXlsx, bytes, usize::MAX) {
        gongkai_extract::Answer::Cells(cells) => rows_from_cells(&cells),
        other => panic!("not a readable list: {other:?}"),
    }
}

async fn upload_list(app: &App, token: &str, level: &str, domain: &str, bytes: Vec<u8>) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("level", level.to_string())
        .text("domain", domain.to_string())
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name("清单.xlsx"));
    client().post(app.url("/api/v1/staff/standards")).bearer_auth(token).multipart(form).send().await.unwrap()
}

both!(standard_lists_import_and_export_as_xlsx, |app: App| async move {
    app.load_disclosure_demo().await;
    // The demo lists, read publicly.
    let list: Value =
        app.get("/api/v1/standards?level=city&domain=%E5%8C%BB%E7%96%97%E4%BF%9D%E9%9A%9C").await.json().await.unwrap();
    let items = list.as_array().unwrap();
    assert_eq!(items.len(), 10, "the city list leaves out rows for counties only");
    assert!(items.iter().all(|i| i["level"] == "city" && i["domain"] == "医疗保障"));
    let policy = items.iter().find(|i| i["level2"] == "政策文件").unwrap();
    assert_eq!(policy["time_limit_working_days"], 20);
    assert_eq!(policy["channels"], json!(["website", "gazette", "new_media"]));
    let county: Value = app.get("/api/v1/standards?level=%E5%8E%BF%E7%BA%A7").await.json().await.unwrap();
    assert_eq!(county.as_array().unwrap().len(), 18, "both domains at county level");
    assert_eq!(app.get("/api/v1/standards?level=province").await.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The disclosure office exports the list, edits it and imports it back.
    let office = app.login("gkb").await;
    let res =
        office.get("/admin/catalogue/standards.xlsx?level=city&domain=%E5%8C%BB%E7%96%97%E4%BF%9D%E9%9A%9C").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-disposition"].to_str().unwrap().contains("filename*=UTF-8''"));
    let mut rows = read_rows(&res.bytes().await.unwrap()).unwrap();
    assert_eq!(rows.len(), 10);
    rows.retain(|r| r.level2 != "基金预决算");
    rows[0].content = "医疗保障领域法律、法规、规章、规范性文件及其解读".into();
    let mut cells = rows[0].to_cells();
    cells[1] = "长期护理保险".into();
    rows.push(CatalogueRow::from_cells(&cells).unwrap());
    let token = app.token("gkb").await;
    let res = upload_list(&app, &token, "city", "医疗保障", write_rows("清单", &rows).unwrap()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"added": 1, "updated": 9, "removed": 1}));
    // The unit that had instantiated the removed row keeps it as its own item.
    let ybj = app.unit_id("济南市医疗保障局").await;
    let catalogue: Value = app.get(&format!("/api/v1/units/{ybj}/catalogue")).await.json().await.unwrap();
    let kept = catalogue.as_array().unwrap().iter().find(|i| i["level2"] == "基金预决算").unwrap();
    assert_eq!(kept["standard_item_id"], Value::Null);

    // Bad files are refused whole, with row numbers and the field named.
    let mut bad = rows.iter().map(|r| r.to_cells()).collect::<Vec<_>>();
    bad[2][6] = "微博".into();
    bad[4][1] = String::new();
    let res = upload_list(&app, &token, "city", "医疗保障", sheet(&bad)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = res.json().await.unwrap();
    let detail = problem.to_string();
    assert!(
        detail.contains("第 4 行") && detail.contains("微博") && detail.contains("第 6 行：“二级事项”不能为空"),
        "{detail}"
    );
    let res = upload_list(&app, &token, "city", "医疗保障", b"not a workbook".to_vec()).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = upload_list(&app, &token, "", "", Vec::new()).await;
    let problem: Value = res.json().await.unwrap();
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["level", "domain", "file"]);
    let after: Value =
        app.get("/api/v1/standards?level=city&domain=%E5%8C%BB%E7%96%97%E4%BF%9D%E9%9A%9C").await.json().await.unwrap();
    assert_eq!(after.as_array().unwrap().len(), 10, "nothing half-written");

    // Only the disclosure office maintains the lists.
    let editor = app.token("ybj_editor").await;
    let res = upload_list(&app, &editor, "city", "医疗保障", write_rows("清单", &rows).unwrap()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // The console import answers in the page, naming the field.
    let form = reqwest::multipart::Form::new().text("level", "city").text("domain", "医疗保障");
    let res = office
        .client
        .post(office.url(&format!("/admin/catalogue/standards?_csrf={}", office.csrf)))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("请选择 XLSX 格式的清单文件"));
    let records = app
        .store
        .audit_list(&gongkai_store::AuditFilter { action: Some("standard.import".into()), ..Default::default() }, 10, 0)
        .await
        .unwrap()
        .items;
    assert!(records.iter().any(|r| r.summary.contains("新增 1 项，更新 9 项，删除 1 项")), "the import is audited");
});

/// A sheet written cell by cell, as a person fills the template in: the header on row 1.
fn sheet(rows: &[Vec<String>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (c, name) in gongkai_domain::catalogue::COLUMNS.iter().enumerate() {
        ws.write_string(0, c as u16, *name).unwrap();
    }
    for (r, cells) in rows.iter().enumerate() {
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, v).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

both!(units_instantiate_their_catalogues_and_the_public_sees_the_tree, |app: App| async move {
    app.load_disclosure_demo().await;
    let lixia_ybj = app.unit_id("济南市历下区医疗保障局").await;
    let admin = app.token("lixia_admin").await;
    let path = format!("/api/v1/staff/units/{lixia_ybj}/catalogue");
    // The level comes from the unit's place: a district's bureau takes the county list.
    let res = app.api_json(Method::POST, &admin, &path, json!({"domain": "医疗保障"})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"added": 10}));
    let res = app.api_json(Method::POST, &admin, &path, json!({"domain": "医疗保障"})).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "nothing new to add");
    // Outside one's reach.
    let other = app.token("ybj_admin").await;
    assert_eq!(app.api_json(Method::POST, &other, &path, json!({})).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.api_json(Method::POST, &app.token("ybj_editor").await, &path, json!({})).await.status(),
        StatusCode::FORBIDDEN
    );

    let items: Value = app.get(&format!("/api/v1/units/{lixia_ybj}/catalogue")).await.json().await.unwrap();
    let rescue = items.as_array().unwrap().iter().find(|i| i["level2"] == "医疗救助").unwrap()["id"].as_i64().unwrap();
    let item_path = format!("/api/v1/staff/catalogue/items/{rescue}");
    let res = app.api_json(Method::PATCH, &admin, &item_path, json!({"applicable": false, "reason": " "})).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["errors"][0]["field"], "reason");
    let reason = "本区医疗救助由区民政局会同区医疗保障服务中心办理，相关信息在区政府网站公开。";
    let res = app.api_json(Method::PATCH, &admin, &item_path, json!({"applicable": false, "reason": reason})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["applicable"], false);

    // An own item from the console form, with channels as checkboxes; a bad one names the field.
    let session = app.login("lixia_admin").await;
    let form_path = format!("/admin/catalogue/units/{lixia_ybj}/items");
    let res = session
        .post(
            &form_path,
            &[
                ("level1", "经办服务"),
                ("level2", "长护险经办"),
                ("time_limit", "及时"),
                ("audience", "全社会"),
                ("mode", "主动公开"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("href=\"#f-channels\"") && html.contains("至少选择一项"), "the channels field is named");
    let res = session
        .post(
            &form_path,
            &[
                ("level1", "经办服务"),
                ("level2", "长护险经办"),
                ("content", "长期护理保险的参保、评估和待遇申请"),
                ("time_limit", "20个工作日"),
                ("channels", "政府网站"),
                ("channels", "便民服务站"),
                ("audience", "全社会"),
                ("mode", "主动公开"),
                ("layer", "县级"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let items: Value = app.get(&format!("/api/v1/units/{lixia_ybj}/catalogue")).await.json().await.unwrap();
    let own = items.as_array().unwrap().iter().find(|i| i["level2"] == "长护险经办").unwrap().clone();
    assert_eq!(own["channels"], json!(["website", "service_station"]));
    assert_eq!(own["standard_item_id"], Value::Null);
    // Standard items cannot be deleted, own ones can.
    let res = session.post(&format!("/admin/catalogue/items/{rescue}/delete"), &[]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res =
        app.api_json(Method::DELETE, &admin, &format!("/api/v1/staff/catalogue/items/{}", own["id"]), json!({})).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    // The public tree: groups, the 未涉及说明, and the documents filed under each item.
    let (status, html) = app.text(&format!("/units/{lixia_ybj}/catalogue")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("医疗保障待遇") && html.contains("未涉及说明") && html.contains(reason));
    let ybj = app.unit_id("济南市医疗保障局").await;
    let (_, html) = app.text(&format!("/units/{ybj}/catalogue")).await;
    let policy = html.find("政策文件").unwrap();
    let doc = html.find("关于调整城乡居民基本医疗保险门诊慢特病待遇的通知").unwrap();
    assert!(doc > policy, "the document is listed under its item");
    assert!(html.contains("异地联网结算"), "the bureau's own item");
    // An item with many documents lists the newest 20 and links to the rest by item.
    let items: Value = app.get(&format!("/api/v1/units/{ybj}/catalogue")).await.json().await.unwrap();
    let rescue = items.as_array().unwrap().iter().find(|i| i["level2"] == "定点申请受理和评估结果").unwrap()["id"]
        .as_i64()
        .unwrap();
    let mut w = app.store.write(gongkai_store::Actor::system("test")).await.unwrap();
    for n in 0..22 {
        let input = gongkai_domain::documents::DocumentInput {
            title: format!("第{n}批定点医药机构评估结果"),
            topic: "health".into(),
            genre: "notice".into(),
            body: "<p>评估结果见附表。</p>".into(),
            catalogue_item_id: Some(rescue),
            ..Default::default()
        };
        let fields = gongkai_domain::documents::DocumentFields::parse(&input, "济南市医疗保障局").unwrap();
        w.document_import(ybj, &fields, &format!("many:{n}"), None).await.unwrap();
    }
    w.commit().await.unwrap();
    // Written behind the server's back, as the command line does: the server learns of it from
    // the outbox (its indexer), which drops the kept pages.
    app.sync_search().await;
    let (_, html) = app.text(&format!("/units/{ybj}/catalogue")).await;
    assert!(html.contains("22 条") && html.contains("评估结果</a>"));
    assert_eq!(html.matches("批定点医药机构评估结果</a>").count(), 20, "the newest 20 only");
    let all = format!("/gongkai/catalogue?unit={ybj}&amp;item={rescue}");
    assert!(html.contains(&all));
    let (_, list) = app.text(&all.replace("&amp;", "&")).await;
    assert!(list.contains("共 22 条"), "the list filtered by item");
    // The unit page links to the catalogue and the columns with their last update.
    let (_, html) = app.text(&format!("/units/{ybj}")).await;
    assert!(
        html.contains(&format!("/units/{ybj}/catalogue"))
            && html.contains("经办电话")
            && html.contains("最近更新：2025-02-10")
    );
    // The public export is the same catalogue.
    let res = app.get(&format!("/units/{ybj}/catalogue.xlsx")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let rows = read_rows(&res.bytes().await.unwrap()).unwrap();
    let api: Value = app.get(&format!("/api/v1/units/{ybj}/catalogue")).await.json().await.unwrap();
    assert_eq!(rows.len(), api.as_array().unwrap().len());
    assert_eq!(rows.len(), 11);
    let zjj = app.unit_id("济南市住房和城乡建设局").await;
    let api: Value = app.get(&format!("/api/v1/units/{zjj}/catalogue")).await.json().await.unwrap();
    assert_eq!(api.as_array().unwrap().iter().filter(|i| i["applicable"] == false).count(), 2);
    assert_eq!(app.get("/units/999999/catalogue").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/v1/units/999999/catalogue").await.status(), StatusCode::NOT_FOUND);
});

both!(columns_are_managed_published_into_and_dated, |app: App| async move {
    app.load_disclosure_demo().await;
    let ybj = app.unit_id("济南市医疗保障局").await;
    let columns: Value = app.get(&format!("/api/v1/columns?unit={ybj}")).await.json().await.unwrap();
    let phones = columns.as_array().unwrap().iter().find(|c| c["name"] == "经办电话").unwrap().clone();
    assert_eq!(phones["last_updated_on"], "2025-02-10");
    let (status, html) = app.text(phones["url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("最近更新：<strong>2025-02-10</strong>") && html.contains("济南市医疗保障经办机构地址及咨询电话")
    );
    assert!(html.contains("<meta name=\"ColumnName\" content=\"经办电话\">"));

    // A unit administrator adds a column; names are unique per unit; editors may not. The
    // unit page, read before, lists it at once.
    let (_, before) = app.text(&format!("/units/{ybj}")).await;
    assert!(!before.contains("医保电子凭证"));
    let admin = app.token("ybj_admin").await;
    let res = app
        .api_json(
            Method::POST,
            &admin,
            "/api/v1/staff/columns",
            json!({"name": "医保电子凭证", "description": "激活和使用医保电子凭证。"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["unit_id"], ybj);
    assert_eq!(created["last_updated_on"], Value::Null);
    let (_, after) = app.text(&format!("/units/{ybj}")).await;
    assert!(after.contains("医保电子凭证"), "the unit page lists the new column");
    let res = app.api_json(Method::POST, &admin, "/api/v1/staff/columns", json!({"name": "医保电子凭证"})).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = app.api_json(Method::POST, &admin, "/api/v1/staff/columns", json!({"name": "", "kind": "x"})).await;
    let fields: Vec<String> = res.json::<Value>().await.unwrap()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["name", "kind"]);
    let editor = app.token("ybj_editor").await;
    assert_eq!(
        app.api_json(Method::POST, &editor, "/api/v1/staff/columns", json!({"name": "x"})).await.status(),
        StatusCode::FORBIDDEN
    );
    let zjj = app.unit_id("济南市住房和城乡建设局").await;
    assert_eq!(
        app.api_json(Method::POST, &admin, "/api/v1/staff/columns", json!({"name": "x", "unit_id": zjj}))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    // An editor files a document into it; after review the column's date moves.
    let id = created["id"].as_i64().unwrap();
    let res = app
        .api_json(
            Method::POST,
            &editor,
            "/api/v1/staff/documents",
            json!({"title": "医保电子凭证激活指南", "topic": "health", "genre": "notice", "body": "<p>打开国家医保服务平台，按提示激活。</p>", "column_id": id}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let doc = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    // A column of another unit is refused.
    let other =
        app.api_get(&admin, &format!("/api/v1/columns?unit={zjj}")).await.json::<Value>().await.unwrap()[0]["id"]
            .clone();
    let res = app
        .api_json(Method::PUT, &editor, &format!("/api/v1/staff/documents/{doc}"), json!({"title": "医保电子凭证激活指南", "topic": "health", "genre": "notice", "body": "<p>x</p>", "column_id": other}))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    app.api_json(Method::POST, &editor, &format!("/api/v1/staff/documents/{doc}/actions"), json!({"action": "submit"}))
        .await;
    for r in ["ybj_reviewer1", "ybj_reviewer2", "ybj_reviewer3"] {
        let res = app
            .api_json(
                Method::POST,
                &app.token(r).await,
                &format!("/api/v1/staff/documents/{doc}/actions"),
                json!({"action": "approve"}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{r}");
    }
    let column: Value = app.get(&format!("/api/v1/columns?unit={ybj}")).await.json().await.unwrap();
    let mine = column.as_array().unwrap().iter().find(|c| c["id"] == id).unwrap();
    let today = gongkai_domain::time::date_in_china(chrono::Utc::now()).to_string();
    assert_eq!(mine["last_updated_on"], today);
    // A column with documents cannot be deleted; an empty one can, from the console.
    assert_eq!(
        app.api_json(Method::DELETE, &admin, &format!("/api/v1/staff/columns/{id}"), json!({})).await.status(),
        StatusCode::CONFLICT
    );
    let session = app.login("ybj_admin").await;
    let res = session
        .post("/admin/columns", &[("unit_id", &ybj.to_string()), ("name", "临时专栏"), ("kind", "special")])
        .await;
    assert_eq!(location(&res), "/admin/columns?notice=column_created");
    let (_, page) = session.text("/admin/columns").await;
    assert!(page.contains("临时专栏") && page.contains("医保电子凭证"));
    let empty = app.store.columns(Some(ybj)).await.unwrap().into_iter().find(|c| c.name == "临时专栏").unwrap();
    let res = session
        .post(
            &format!("/admin/columns/{}", empty.id),
            &[("name", "参保缴费"), ("kind", "special"), ("description", "")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.store.column(empty.id).await.unwrap().unwrap().name, "参保缴费");
    assert_eq!(session.post(&format!("/admin/columns/{}/delete", empty.id), &[]).await.status(), StatusCode::SEE_OTHER);
    assert!(app.store.column(empty.id).await.unwrap().is_none());
    // The editor's form offers the unit's items and columns.
    let (_, form) = app.login("ybj_editor").await.text("/admin/documents/new").await;
    assert!(
        form.contains("name=\"catalogue_item_id\"")
            && form.contains("医保电子凭证")
            && form.contains("医疗保障政策 / 政策文件")
    );
});

both!(guide_rules_and_reports_pages, |app: App| async move {
    app.load_disclosure_demo().await;
    let ybj = app.unit_id("济南市医疗保障局").await;
    let (status, html) = app.text(&format!("/gongkai/guide?unit={ybj}")).await;
    assert_eq!(status, StatusCode::OK);
    for needle in [
        "济南市医疗保障局政府信息公开指南",
        "济南市历下区龙鼎大道1号龙奥大厦",
        "0531-66607301",
        &format!("/units/{ybj}/catalogue"),
        "20 个工作日内答复",
        "国办函〔2020〕109号",
        "60 日",
        "异地联网结算",
    ] {
        assert!(html.contains(needle), "guide lacks {needle}");
    }
    assert!(!html.contains("本栏目正在建设中"));
    let (_, html) = app.text("/gongkai/guide").await;
    assert!(html.contains(&format!("/gongkai/guide?unit={ybj}")), "a unit to choose");
    let (_, html) = app.text(&format!("/gongkai/rules?unit={ybj}")).await;
    assert!(html.contains("济南市医疗保障局政府信息公开保密审查制度") && !html.contains("年度报告"));
    let (_, html) = app.text("/gongkai/annual-reports").await;
    assert!(html.contains("济南市医疗保障局2025年政府信息公开工作年度报告") && !html.contains("保密审查制度"));
});

both!(dashboard_flags_time_limits_and_interpretations, |app: App| async move {
    app.load_disclosure_demo().await;
    let admin = app.token("admin").await;
    let flags: Value = app.api_get(&admin, "/api/v1/staff/documents/flags").await.json().await.unwrap();
    // The housing bureau's normative document has no interpretation; the medical insurance
    // bureau's was interpreted the same day.
    let missing = flags["not_in_step"].as_array().unwrap();
    assert_eq!(missing.len(), 1);
    assert!(missing[0]["title"].as_str().unwrap().contains("住宅专项维修资金"));
    assert_eq!(missing[0]["status"], "missing");
    let rates = flags["rates"].as_array().unwrap();
    let rate = |name: &str| rates.iter().find(|r| r["unit"] == name).unwrap()["in_step_percent"].clone();
    assert_eq!(rate("市医保局"), 100);
    assert_eq!(rate("市住房城乡建设局"), 0);
    assert!(flags["late"].as_array().unwrap().is_empty());

    // A draft under an item with a 20-working-day limit, written long ago, is late; one
    // written today is not flagged; one under a "timely" item never is.
    let ybj = app.unit_id("济南市医疗保障局").await;
    let items: Value = app.get(&format!("/api/v1/units/{ybj}/catalogue")).await.json().await.unwrap();
    let item = |name: &str| items.as_array().unwrap().iter().find(|i| i["level2"] == name).unwrap()["id"].clone();
    let editor = app.token("ybj_editor").await;
    let today = gongkai_domain::time::date_in_china(chrono::Utc::now()).to_string();
    for (title, written, item_name) in [
        ("关于做好2025年城乡居民医保集中参保工作的通知", "2025-01-02", "政策文件"),
        ("关于调整职工医保个人账户划入标准的通知", today.as_str(), "政策文件"),
        ("关于医保政策的解读", "2025-01-02", "政策解读"),
    ] {
        let res = app
            .api_json(
                Method::POST,
                &editor,
                "/api/v1/staff/documents",
                json!({"title": title, "topic": "health", "genre": "notice", "body": "<p>正文</p>", "written_on": written, "catalogue_item_id": item(item_name)}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED, "{title}");
    }
    let flags: Value = app.api_get(&editor, "/api/v1/staff/documents/flags").await.json().await.unwrap();
    let late = flags["late"].as_array().unwrap();
    assert_eq!(late.len(), 1, "{flags}");
    // 20 working days after 2 January 2025: Sunday 26 January was a working day (调休), 28 January
    // to 4 February the Spring Festival.
    assert_eq!(late[0]["due_on"], "2025-02-06");
    assert!(late[0]["working_days_left"].as_i64().unwrap() < 0);
    assert!(flags["due_soon"].as_array().unwrap().is_empty());
    // The editor sees only their unit: the housing bureau's flag is not theirs.
    assert!(flags["not_in_step"].as_array().unwrap().is_empty());
    let zjj = app.unit_id("济南市住房和城乡建设局").await;
    assert_eq!(
        app.api_get(&editor, &format!("/api/v1/staff/documents/flags?unit={zjj}")).await.status(),
        StatusCode::FORBIDDEN
    );
    // The dashboard says the same.
    let (_, html) = app.login("ybj_editor").await.text("/admin").await;
    assert!(html.contains("1 篇信息已超过目录事项规定的公开时限") && html.contains("2025-02-06"));
    let (_, html) = app.login("zjj_editor").await.text("/admin").await;
    assert!(html.contains("未同步解读的规章和行政规范性文件") && html.contains("未发布解读"));
});
