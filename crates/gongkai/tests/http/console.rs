//! The staff console over HTTP: logging in, sessions, form tokens, users, units, the holiday
//! calendar and the audit log.

use crate::common;
use common::{App, client, csrf_in, location};
use reqwest::StatusCode;

both!(login_dashboard_logout, |app: App| async move {
    // Anonymous visitors are sent to the login page, and come back after it.
    let res = app.get("/admin/users").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/admin/login?next=%2Fadmin%2Fusers");

    let s = app.login("admin").await;
    let (status, html) = s.text("/admin").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1>工作台</h1>") && html.contains("系统管理员"));
    for item in ["单位管理", "用户管理", "节假日安排", "审计日志", "API 令牌"] {
        assert!(html.contains(item), "menu has {item}");
    }
    let res = s.post("/admin/logout", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/admin/login");
    assert_eq!(s.get("/admin").await.status(), StatusCode::SEE_OTHER, "the session is gone after logout");

    // An editor sees only what an editor may use.
    let s = app.login("ybj_editor").await;
    let (_, html) = s.text("/admin").await;
    assert!(!html.contains("用户管理") && !html.contains("节假日安排") && html.contains("API 令牌"));
});

both!(session_cookie_is_safe_and_rotated, |app: App| async move {
    let c = client();
    let page = c.get(app.url("/admin/login")).send().await.unwrap();
    let pre = page.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(pre.contains("HttpOnly") && pre.contains("SameSite=Strict"), "{pre}");
    let token = csrf_in(&page.text().await.unwrap()).unwrap();
    // A session id planted before login is not adopted.
    let res = c
        .post(app.url("/admin/login"))
        .header("cookie", format!("gk_csrf={token}; gk_session=attacker-chosen"))
        .form(&[("csrf", token.as_str()), ("username", "admin"), ("password", "Gongkai-admin-2026")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(cookie.starts_with("gk_session=") && !cookie.contains("attacker-chosen"));
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/admin"),
        "{cookie}"
    );
    // Only a hash of the cookie value is stored.
    let secret = cookie.trim_start_matches("gk_session=").split(';').next().unwrap().to_string();
    let user = app.store.user_by_username("admin").await.unwrap().unwrap();
    assert!(app.store.session_user(&secret).await.unwrap().is_some_and(|f| f.user.id == user.id));
    assert!(app.store.session_user("attacker-chosen").await.unwrap().is_none());
});

both!(wrong_passwords_are_answered_in_chinese_and_throttled, |app: App| async move {
    let err = app.login_with("admin", "wrong-password").await.err().unwrap();
    assert_eq!(err.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = err.text().await.unwrap();
    assert!(html.contains("用户名或密码：不正确，或该账号已停用"), "{html}");
    assert!(html.contains("value=\"admin\""), "the name is kept");
    assert!(!html.contains("wrong-password"), "the password is never echoed");
    // Unknown names get the same answer.
    let err = app.login_with("nobody", "whatever-it-is").await.err().unwrap();
    assert_eq!(err.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The unknown name counted against itself, not against admin: four more make five.
    for _ in 0..4 {
        assert!(app.login_with("admin", "wrong-again").await.is_err());
    }
    // Five failures lock the account for a while: even the right password is refused.
    let err = app.login_with("admin", "Gongkai-admin-2026").await.err().unwrap();
    assert_eq!(err.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(err.headers().contains_key("retry-after"));
    assert!(err.text().await.unwrap().contains("登录失败次数过多"));
    // Other accounts are not affected.
    app.login("gkb").await;
});

both!(forms_without_the_right_token_are_refused, |app: App| async move {
    let s = app.login("admin").await;
    let before = app.store.user_count().await.unwrap();
    let fields = [
        ("username", "csrf_victim"),
        ("display_name", "测试"),
        ("unit_id", "1"),
        ("roles", "editor"),
        ("password", "Csrf-Test-2026!"),
    ];
    let res = s.client.post(s.url("/admin/users")).form(&fields).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("表单已过期"));
    let mut with_wrong = vec![("csrf", "not-the-token")];
    with_wrong.extend_from_slice(&fields);
    assert_eq!(
        s.client.post(s.url("/admin/users")).form(&with_wrong).send().await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    // A cross-site post is refused even with the token.
    let mut with_token = vec![("csrf", s.csrf.as_str())];
    with_token.extend_from_slice(&fields);
    let res = s
        .client
        .post(s.url("/admin/users"))
        .header("origin", "https://evil.example")
        .form(&with_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.store.user_count().await.unwrap(), before, "nothing was created");
    // The login form needs its token too.
    let res = client()
        .post(app.url("/admin/login"))
        .form(&[("username", "admin"), ("password", "Gongkai-admin-2026")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
});

both!(unit_admin_manages_users_of_their_unit_only, |app: App| async move {
    let ybj = app.unit_id("济南市医疗保障局").await.to_string();
    let zjj = app.unit_id("济南市住房和城乡建设局").await.to_string();
    let s = app.login("ybj_admin").await;
    let (status, html) = s.text("/admin/users").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("ybj_editor") && !html.contains("zjj_editor"), "lists only its own unit's staff");

    // Bad input: every problem named, in Chinese.
    let res = s
        .post(
            "/admin/users",
            &[
                ("username", "1x"),
                ("display_name", ""),
                ("unit_id", &ybj),
                ("roles", "root"),
                ("password", "short"),
                ("email", "no-at"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    for message in [
        "用户名：应以英文字母开头",
        "姓名：不能为空",
        "角色：“root”不是可选的角色",
        "密码：至少 10 个字符",
        "电子邮箱：格式不正确",
    ] {
        assert!(html.contains(message), "error summary names: {message}");
    }
    assert!(html.contains("href=\"#f-username\""), "errors link to their fields");

    let res = s
        .post(
            "/admin/users",
            &[
                ("username", "ybj_clerk"),
                ("display_name", "吴敏"),
                ("unit_id", &ybj),
                ("roles", "editor"),
                ("roles", "reviewer"),
                ("password", "Clerk-Pass-2026"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{:?}", res.text().await);
    let created = app.store.user_by_username("ybj_clerk").await.unwrap().unwrap();
    assert_eq!(created.roles.len(), 2);
    app.login_with("ybj_clerk", "Clerk-Pass-2026").await.expect("the new account can log in");

    // Not in another unit, and no system administrators.
    let res = s
        .post(
            "/admin/users",
            &[
                ("username", "zjj_x"),
                ("display_name", "某某"),
                ("unit_id", &zjj),
                ("roles", "editor"),
                ("password", "Clerk-Pass-2026"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = s
        .post(
            "/admin/users",
            &[
                ("username", "ybj_root"),
                ("display_name", "某某"),
                ("unit_id", &ybj),
                ("roles", "system_admin"),
                ("password", "Clerk-Pass-2026"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let zjj_editor = app.store.user_by_username("zjj_editor").await.unwrap().unwrap();
    assert_eq!(s.get(&format!("/admin/users/{}", zjj_editor.id)).await.status(), StatusCode::FORBIDDEN);

    // Disable, reset a password; the disabled account can no longer log in.
    let id = created.id.to_string();
    let res = s
        .post(
            &format!("/admin/users/{id}"),
            &[("display_name", "吴敏"), ("unit_id", &ybj), ("roles", "editor"), ("active", "0")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(app.login_with("ybj_clerk", "Clerk-Pass-2026").await.is_err());
    let res = s
        .post(
            &format!("/admin/users/{id}"),
            &[("display_name", "吴敏"), ("unit_id", &ybj), ("roles", "editor"), ("active", "1")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = s
        .post(
            &format!("/admin/users/{id}/password"),
            &[("password", "New-Clerk-2026"), ("confirm_password", "New-Clerk-2026")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    app.login_with("ybj_clerk", "New-Clerk-2026").await.expect("the new password works");

    // Administrators cannot lock themselves out.
    let me = app.store.user_by_username("ybj_admin").await.unwrap().unwrap();
    let res = s
        .post(
            &format!("/admin/users/{}", me.id),
            &[("display_name", "刘洋"), ("unit_id", &ybj), ("roles", "unit_admin"), ("active", "0")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("不能停用自己的账号"));
});

both!(system_admin_creates_renames_moves_and_closes_units, |app: App| async move {
    let s = app.login("admin").await;
    let lixia = app.unit_id("济南市历下区人民政府").await.to_string();
    let shizhong = app.unit_id("济南市市中区人民政府").await.to_string();

    let res = s
        .post(
            "/admin/units",
            &[
                ("parent_id", &lixia),
                ("kind", "department"),
                ("name", "济南市历下区数据局"),
                ("credit_code", "113701000041890666"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("统一社会信用代码：校验位不正确"));
    let res = s
        .post(
            "/admin/units",
            &[
                ("parent_id", &lixia),
                ("kind", "department"),
                ("name", "济南市历下区数据局"),
                ("credit_code", "113701000041890665"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("统一社会信用代码：已被其他单位使用"));
    let res = s
        .post(
            "/admin/units",
            &[
                ("parent_id", &lixia),
                ("kind", "department"),
                ("name", "济南市历下区数据局"),
                ("short_name", "历下区数据局"),
                ("phone", "0531-88000000"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let id: i64 = location(&res).trim_start_matches("/admin/units/").split('?').next().unwrap().parse().unwrap();
    let (status, html) = app.text(&format!("/units/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("济南市历下区数据局") && html.contains("0531-88000000"));

    // Rename keeps the former name.
    let res = s
        .post(
            &format!("/admin/units/{id}"),
            &[("name", "济南市历下区大数据局"), ("short_name", "历下区大数据局"), ("phone", "0531-88000000")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.text(&format!("/units/{id}")).await;
    assert!(
        html.contains("<h1>济南市历下区大数据局</h1>")
            && html.contains("曾用名")
            && html.contains("济南市历下区数据局（使用至")
    );

    // A move into the unit's own subtree is refused; a move to another district works.
    let res = s.post(&format!("/admin/units/{lixia}/move"), &[("parent_id", &id.to_string())]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = s.post(&format!("/admin/units/{id}/move"), &[("parent_id", &shizhong)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.store.unit(id).await.unwrap().unwrap().parent_id.map(|p| p.to_string()), Some(shizhong.clone()));

    // A unit with open units below it cannot be closed; a leaf can, and keeps its page.
    let res =
        s.post(&format!("/admin/units/{shizhong}/close"), &[("reason", "测试"), ("closed_on", "2026-11-30")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("个未撤销的下级单位，请先移动或撤销它们"));
    let res = s.post(&format!("/admin/units/{id}/close"), &[("reason", ""), ("closed_on", "2026-13-01")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("撤销日期：应为 YYYY-MM-DD") && html.contains("撤销原因：不能为空"));
    let res = s
        .post(&format!("/admin/units/{id}/close"), &[("reason", "根据机构改革方案撤销"), ("closed_on", "2026-11-30")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (status, html) = app.text(&format!("/units/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("该机构已于 2026-11-30 撤销") && html.contains("根据机构改革方案撤销"));
    let (_, home) = app.text("/units").await;
    assert!(!home.contains(&format!("href=\"/units/{id}\"")), "closed units leave the lists");

    // All of it is in the audit log.
    let records = app
        .store
        .audit_list(&gongkai_store::AuditFilter { object_id: Some(id.to_string()), ..Default::default() }, 50, 0)
        .await
        .unwrap()
        .items;
    let actions: Vec<&str> = records.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, vec!["unit.close", "unit.move", "unit.rename", "unit.create"]);
    assert!(records.iter().all(|r| r.actor_name == "admin" && r.ip == "127.0.0.1"));
});

both!(unit_admin_corrects_contacts_but_not_the_name, |app: App| async move {
    let ybj = app.unit_id("济南市医疗保障局").await;
    let s = app.login("ybj_admin").await;
    let unit = app.store.unit(ybj).await.unwrap().unwrap();
    let res = s
        .post(
            &format!("/admin/units/{ybj}"),
            &[
                ("name", &unit.name),
                ("short_name", &unit.short_name),
                ("credit_code", unit.credit_code.as_deref().unwrap_or("")),
                ("phone", "0531-12345678"),
                ("address", "济南市历下区新地址1号"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.store.unit(ybj).await.unwrap().unwrap().phone, "0531-12345678");
    let res = s
        .post(
            &format!("/admin/units/{ybj}"),
            &[("name", "改名"), ("credit_code", unit.credit_code.as_deref().unwrap_or(""))],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let zjj = app.unit_id("济南市住房和城乡建设局").await;
    assert_eq!(s.get(&format!("/admin/units/{zjj}")).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        s.post("/admin/units", &[("parent_id", "1"), ("kind", "department"), ("name", "新部门")]).await.status(),
        StatusCode::FORBIDDEN
    );
});

both!(administrators_enter_next_years_holidays, |app: App| async move {
    let s = app.login("admin").await;
    let (status, html) = s.text("/admin/calendar?year=2027").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("2027 年的节假日安排尚未录入"));
    let res = app.get("/api/v1/calendar/is-workday?date=2027-02-08").await;
    let before: serde_json::Value = res.json().await.unwrap();
    assert_eq!(before["workday"], true);
    assert_eq!(before["assumed_years"], serde_json::json!([2027]));

    let res =
        s.post("/admin/calendar/years", &[("schedule", "年份 2027 国办发明电〔2026〕9号\n春节 2027-02-30 放假")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("第 2 行"), "errors name the line");
    let text = "年份 2027 国办发明电〔2026〕9号\n元旦 2027-01-01至2027-01-03 放假\n春节 2027-02-05至2027-02-11 放假；2027-01-31、2027-02-20 上班";
    let res = s.post("/admin/calendar/years", &[("schedule", text), ("year", "2027")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let after: serde_json::Value = app.get("/api/v1/calendar/is-workday?date=2027-02-08").await.json().await.unwrap();
    assert_eq!(after["workday"], false);
    assert_eq!(after["assumed_years"], serde_json::json!([]));
    let sunday: serde_json::Value = app.get("/api/v1/calendar/is-workday?date=2027-01-31").await.json().await.unwrap();
    assert_eq!(sunday["workday"], true, "调休 Sunday is a working day");

    // A single day, then cleared again.
    let res = s.post("/admin/calendar/days", &[("date", "2027-03-03"), ("kind", "workday"), ("name", "测试")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "a weekday cannot be a makeup working day");
    let res =
        s.post("/admin/calendar/days", &[("date", "2027-03-03"), ("kind", "holiday"), ("name", "临时安排")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let day: serde_json::Value = app.get("/api/v1/calendar/is-workday?date=2027-03-03").await.json().await.unwrap();
    assert_eq!(day["workday"], false);
    let res = s.post("/admin/calendar/days/2027-03-03/clear", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let day: serde_json::Value = app.get("/api/v1/calendar/is-workday?date=2027-03-03").await.json().await.unwrap();
    assert_eq!(day["workday"], true);
    let (_, html) = s.text("/admin/calendar?year=2027").await;
    assert!(html.contains("国办发明电〔2026〕9号") && html.contains("管理员录入或修改"));

    // Only system administrators edit the calendar.
    let other = app.login("ybj_admin").await;
    assert_eq!(other.get("/admin/calendar").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        other
            .post("/admin/calendar/days", &[("date", "2027-03-04"), ("kind", "holiday"), ("name", "x")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
});

both!(audit_log_page_filters_and_verifies, |app: App| async move {
    let s = app.login("admin").await;
    let (status, html) = s.text("/admin/audit?action=user.login").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("admin 登录管理后台"));
    assert!(!html.contains("新建账号 ybj_editor"), "the filter applies");
    let (_, html) = s.text("/admin/audit?actor=system%3Ademo&q=ybj_editor").await;
    assert!(html.contains("新建账号 ybj_editor"));
    let (status, html) = s.text("/admin/audit?from=2026-13-40").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("开始日期：应为 YYYY-MM-DD 格式的日期"));
    let (_, html) = s.text("/admin/audit/verify").await;
    assert!(html.contains("审计日志完整"), "{html}");
    // A unit administrator sees their subtree only.
    let unit_admin = app.login("ybj_admin").await;
    let (status, html) = unit_admin.text("/admin/audit").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("ybj_editor") && !html.contains("新建账号 zjj_editor"));
    assert_eq!(unit_admin.get("/admin/audit/verify").await.status(), StatusCode::FORBIDDEN);
});

both!(own_password_and_tokens_in_the_console, |app: App| async move {
    let s = app.login("ybj_editor").await;
    let res = s
        .post(
            "/admin/account/password",
            &[("current_password", "wrong"), ("new_password", "x"), ("confirm_password", "y")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("当前密码：不正确")
            && html.contains("密码：至少 10 个字符")
            && html.contains("确认新密码：与新密码不一致")
    );
    let other = app.login("ybj_editor").await;
    let res = s
        .post(
            "/admin/account/password",
            &[
                ("current_password", "Gongkai-ybj_editor-2026"),
                ("new_password", "Editor-New-2026"),
                ("confirm_password", "Editor-New-2026"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(s.get("/admin").await.status(), StatusCode::OK, "this session stays");
    assert_eq!(other.get("/admin").await.status(), StatusCode::SEE_OTHER, "other sessions end");

    let res = s.post("/admin/tokens", &[("name", "")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = s.post("/admin/tokens", &[("name", "12345 热线工单对接")]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    let secret = html.split("id=\"new-token\">").nth(1).unwrap().split('<').next().unwrap().to_string();
    assert!(secret.starts_with("gk_"));
    let me: serde_json::Value = app.api_get(&secret, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["username"], "ybj_editor");
    let tokens = app.store.tokens_of_user(me["id"].as_i64().unwrap()).await.unwrap();
    let res = s.post(&format!("/admin/tokens/{}/revoke", tokens[0].id), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.api_get(&secret, "/api/v1/me").await.status(), StatusCode::UNAUTHORIZED);
});
