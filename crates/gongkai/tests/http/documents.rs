//! Documents in the store on SQLite and PostgreSQL: the review workflow with its separation of
//! reviewers, versions and change notes, 索引号 under concurrent publication, withdrawal,
//! validity, and the outbox.

use crate::common;
use gongkai_app::documents::DocAction;
use gongkai_domain::documents::{DocumentFields, DocumentInput, Validity, Withdrawal};
use gongkai_domain::workflow::State;
use gongkai_store::documents::{Imported, PublicFilter};
use gongkai_store::{Actor, Store, StoreError};

fn fields(title: &str) -> DocumentFields {
    let input = DocumentInput {
        title: title.into(),
        doc_no: "济医保字〔2025〕3号".into(),
        written_on: "2025-03-03".into(),
        topic: "health".into(),
        genre: "normative".into(),
        body: "<p>为进一步做好门诊慢特病保障工作，现将有关事项通知如下。</p>".into(),
        ..Default::default()
    };
    DocumentFields::parse(&input, "济南市医疗保障局").unwrap()
}

struct People {
    unit: i64,
    editor: i64,
    r1: i64,
    r2: i64,
    r3: i64,
}

async fn people(store: &Store) -> People {
    let id = |name: &'static str| async move { store.user_by_username(name).await.unwrap().unwrap() };
    let editor = id("ybj_editor").await;
    People {
        unit: editor.unit_id,
        editor: editor.id,
        r1: id("ybj_reviewer1").await.id,
        r2: id("ybj_reviewer2").await.id,
        r3: id("ybj_reviewer3").await.id,
    }
}

async fn act(
    store: &Store,
    doc: i64,
    action: DocAction,
    by: i64,
) -> Result<gongkai_store::documents::Document, gongkai_app::Error> {
    let mut w = store
        .write(Actor { user_id: Some(by), name: format!("u{by}"), unit_id: None, ip: String::new() })
        .await
        .unwrap();
    let result = gongkai_app::documents::apply(&mut w, doc, &action, Some(by), chrono::Utc::now()).await;
    if result.is_ok() {
        w.commit().await.unwrap();
    }
    result
}

fn approve() -> DocAction {
    DocAction::Approve { checks_clear: true, override_reason: String::new() }
}

async fn draft(store: &Store, p: &People, title: &str) -> i64 {
    let mut w = store.write(Actor::system("test")).await.unwrap();
    let id = w.document_create(p.unit, &fields(title), Some(p.editor), None).await.unwrap();
    w.commit().await.unwrap();
    id
}

async fn publish(store: &Store, p: &People, id: i64) {
    act(store, id, DocAction::Submit, p.editor).await.unwrap();
    act(store, id, approve(), p.r1).await.unwrap();
    act(store, id, approve(), p.r2).await.unwrap();
    let doc = act(store, id, approve(), p.r3).await.unwrap();
    assert_eq!(doc.status, State::Published);
}

store_test!(three_different_reviewers_publish_a_document, demo_base, |store: Store| async move {
    let p = people(&store).await;
    let id = draft(&store, &p, "关于调整门诊慢特病待遇的通知").await;
    assert!(store.public_document(id).await.unwrap().is_none(), "drafts are not public");
    act(&store, id, DocAction::Submit, p.editor).await.unwrap();
    // The author cannot review, nor can one person do two stages.
    assert!(matches!(act(&store, id, approve(), p.editor).await, Err(gongkai_app::Error::Invalid(_))));
    act(&store, id, approve(), p.r1).await.unwrap();
    let err = act(&store, id, approve(), p.r1).await.unwrap_err();
    assert!(err.to_string().contains("每一审核环节须由不同的人完成"), "{err}");
    act(&store, id, approve(), p.r2).await.unwrap();
    // 终审 is blocked while checks are open, unless a reason is recorded.
    let err = act(&store, id, DocAction::Approve { checks_clear: false, override_reason: String::new() }, p.r3)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("发布前检查"), "{err}");
    let doc = act(
        &store,
        id,
        DocAction::Approve {
            checks_clear: false, override_reason: "号码为单位公开电话，非个人信息".into()
        },
        p.r3,
    )
    .await
    .unwrap();
    assert_eq!(doc.status, State::Published);
    let code = store.unit(p.unit).await.unwrap().unwrap().credit_code.unwrap();
    let index_no = doc.index_no.clone().unwrap();
    assert!(index_no.starts_with(&format!("{code}/")) && index_no.ends_with("-00001"), "{index_no}");
    let public = store.public_document(id).await.unwrap().unwrap();
    assert_eq!((public.version, public.doc_no.as_str()), (1, "济医保字〔2025〕3号"));
    let reviews = store.document_reviews(id).await.unwrap();
    assert_eq!(
        reviews.iter().map(|r| r.decision.as_str()).collect::<Vec<_>>(),
        vec!["approve", "approve", "approve_override"]
    );
    assert!(store.audit_verify().await.unwrap().is_ok());
});

store_test!(revisions_keep_the_live_version_until_approved, demo_base, |store: Store| async move {
    let p = people(&store).await;
    let id = draft(&store, &p, "第一版标题").await;
    publish(&store, &p, id).await;
    let first_index_no = store.document(id).await.unwrap().unwrap().index_no;
    act(&store, id, DocAction::Revise, p.editor).await.unwrap();
    let mut w = store.write(Actor::system("test")).await.unwrap();
    let mut changed = fields("第二版标题");
    changed.change_note = "更正附件中的联系电话".into();
    w.document_update(id, &changed).await.unwrap();
    w.commit().await.unwrap();
    assert_eq!(
        store.public_document(id).await.unwrap().unwrap().title,
        "第一版标题",
        "the public still sees version 1"
    );
    // A rejected revision goes back to the author with the comment.
    act(&store, id, DocAction::Submit, p.editor).await.unwrap();
    act(&store, id, DocAction::Reject { comment: "请核对电话".into() }, p.r1).await.unwrap();
    publish(&store, &p, id).await;
    let doc = store.document(id).await.unwrap().unwrap();
    assert_eq!(doc.index_no, first_index_no, "索引号 never changes");
    let versions = store.document_versions(id).await.unwrap();
    assert_eq!(
        versions.iter().map(|v| (v.version, v.title.as_str())).collect::<Vec<_>>(),
        vec![(2, "第二版标题"), (1, "第一版标题")]
    );
    assert_eq!(versions[0].change_note, "更正附件中的联系电话");
    // Discarding a revision restores the live text.
    act(&store, id, DocAction::Revise, p.editor).await.unwrap();
    let mut w = store.write(Actor::system("test")).await.unwrap();
    w.document_update(id, &fields("被放弃的修改")).await.unwrap();
    w.commit().await.unwrap();
    let doc = act(&store, id, DocAction::Discard, p.editor).await.unwrap();
    assert_eq!((doc.status, doc.title.as_str()), (State::Published, "第二版标题"));
    // Published documents cannot be edited in place.
    let mut w = store.write(Actor::system("test")).await.unwrap();
    assert!(matches!(w.document_update(id, &fields("偷偷修改")).await, Err(StoreError::Conflict(_))));
});

store_test!(index_numbers_have_no_gaps_or_duplicates_under_concurrency, demo_base, |store: Store| async move {
    let p = people(&store).await;
    let mut ids = Vec::new();
    for i in 0..12 {
        ids.push(draft(&store, &p, &format!("并发发布{i}")).await);
    }
    let mut tasks = Vec::new();
    for id in ids.clone() {
        let s = store.clone();
        let (editor, r1, r2, r3) = (p.editor, p.r1, p.r2, p.r3);
        tasks.push(tokio::spawn(async move {
            act(&s, id, DocAction::Submit, editor).await.unwrap();
            act(&s, id, approve(), r1).await.unwrap();
            act(&s, id, approve(), r2).await.unwrap();
            act(&s, id, approve(), r3).await.unwrap().index_no.unwrap()
        }));
    }
    let mut serials = Vec::new();
    for t in tasks {
        let index_no = t.await.unwrap();
        serials.push(index_no.rsplit('-').next().unwrap().parse::<u32>().unwrap());
    }
    serials.sort();
    assert_eq!(serials, (1..=12).collect::<Vec<_>>());
    // Another unit numbers from 1 on its own.
    let zjj_editor = store.user_by_username("zjj_editor").await.unwrap().unwrap();
    let mut w = store.write(Actor::system("test")).await.unwrap();
    let other = w.document_create(zjj_editor.unit_id, &fields("住建局文件"), Some(zjj_editor.id), None).await.unwrap();
    w.commit().await.unwrap();
    let q = People { unit: zjj_editor.unit_id, editor: zjj_editor.id, ..people(&store).await };
    publish(&store, &q, other).await;
    assert!(store.document(other).await.unwrap().unwrap().index_no.unwrap().ends_with("-00001"));
    assert!(store.audit_verify().await.unwrap().is_ok());
});

store_test!(withdrawal_validity_and_the_outbox, demo_base, |store: Store| async move {
    let p = people(&store).await;
    let before = store.outbox_last_id().await.unwrap();
    let old = draft(&store, &p, "旧办法").await;
    publish(&store, &p, old).await;
    let new = draft(&store, &p, "新办法").await;
    publish(&store, &p, new).await;
    let events = store.outbox_after(before, 100).await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.object_id).collect::<Vec<_>>(),
        vec![old, new],
        "each publication is an outbox event"
    );

    let mut w = store.write(Actor::system("test")).await.unwrap();
    w.document_set_validity(old, Validity::Repealed, chrono::NaiveDate::from_ymd_opt(2025, 6, 1), Some(new))
        .await
        .unwrap();
    w.commit().await.unwrap();
    let public = store.public_document(old).await.unwrap().unwrap();
    assert_eq!(
        (public.validity, public.validity_on.map(|d| d.to_string()).as_deref(), public.replaced_by),
        (Validity::Repealed, Some("2025-06-01"), Some(new))
    );

    let err = act(
        &store,
        old,
        DocAction::Withdraw { reason: Withdrawal::Replaced, note: "x".into(), replacement: None },
        p.r1,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("替代"), "{err}");
    act(
        &store,
        old,
        DocAction::Withdraw { reason: Withdrawal::Replaced, note: "由新办法替代".into(), replacement: Some(new) },
        p.r1,
    )
    .await
    .unwrap();
    let gongkai_store::Page { items: online, total } =
        store.public_documents(&PublicFilter { unit: Some(p.unit), ..Default::default() }, 50, 0).await.unwrap();
    assert_eq!(total, 1);
    assert_eq!(online[0].id, new);
    let gone = store.public_document(old).await.unwrap().unwrap();
    assert_eq!(gone.withdrawal, Some(Withdrawal::Replaced));
    assert!(store.outbox_after(before, 100).await.unwrap().len() >= 4);
    // Nothing that was never published can be withdrawn.
    let fresh = draft(&store, &p, "草稿").await;
    assert!(
        act(
            &store,
            fresh,
            DocAction::Withdraw { reason: Withdrawal::InError, note: String::new(), replacement: None },
            p.r1
        )
        .await
        .is_err()
    );
});

store_test!(a_batch_import_shares_the_index_numbers_with_review, demo_base, |store: Store| async move {
    let p = people(&store).await;
    // One document through review first: the import continues its unit's sequence.
    let reviewed = draft(&store, &p, "经审核发布的文件").await;
    publish(&store, &p, reviewed).await;
    let this_year = chrono::Utc::now().format("%Y").to_string();
    let (a, b, old) = (fields("导入一"), fields("导入二"), fields("二〇二〇年的文件"));
    let on = |s: &str| Some(chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap());
    let today = Some(chrono::Utc::now().date_naive());
    let item = |fields, key, published_on| gongkai_store::documents::ImportItem {
        line: 0,
        unit_id: p.unit,
        fields,
        key,
        published_on,
    };
    let mut w = store.write(Actor::system("test")).await.unwrap();
    let done = w
        .documents_import(&[
            item(&a, "k1", today),
            item(&old, "k-old", on("2020-06-01")),
            item(&b, "k2", today),
            item(&a, "k1", today),
        ])
        .await
        .unwrap();
    w.commit().await.unwrap();
    assert_eq!(
        done.iter().map(|d| d.fresh).collect::<Vec<_>>(),
        [true, true, true, false],
        "a repeated key is one document"
    );
    assert_eq!(done[0].id, done[3].id);
    let index_no = |id: i64| {
        let s = store.clone();
        async move { s.document(id).await.unwrap().unwrap().index_no.unwrap() }
    };
    assert!(index_no(reviewed).await.ends_with(&format!("/{this_year}-00001")));
    assert!(index_no(done[0].id).await.ends_with(&format!("/{this_year}-00002")));
    assert!(index_no(done[2].id).await.ends_with(&format!("/{this_year}-00003")));
    assert!(index_no(done[1].id).await.ends_with("/2020-00001"), "numbered in the year of publication");
    let doc = store.public_document(done[1].id).await.unwrap().unwrap();
    assert_eq!((doc.published_on.to_string().as_str(), doc.version), ("2020-06-01", 1));
    // Again: nothing new, the same ids, and the next review continues after the import.
    let mut w = store.write(Actor::system("test")).await.unwrap();
    let again = w.documents_import(&[item(&b, "k2", today), item(&a, "k1", today)]).await.unwrap();
    drop(w);
    assert_eq!(again, [Imported { id: done[2].id, fresh: false }, Imported { id: done[0].id, fresh: false }]);
    let next = draft(&store, &p, "导入之后审核的文件").await;
    publish(&store, &p, next).await;
    assert!(index_no(next).await.ends_with(&format!("/{this_year}-00004")));
    assert_eq!(
        store.outbox_after(0, 100).await.unwrap().iter().filter(|e| done.iter().any(|d| d.id == e.object_id)).count(),
        3
    );
    assert!(store.audit_verify().await.unwrap().is_ok());
});

fn fields_with_body(title: &str, body: &str) -> DocumentFields {
    DocumentFields { body_html: format!("<p>{body}</p>"), body_text: body.into(), ..fields(title) }
}

/// How a document's bodies are stored: the text rows it owns, the working copy's row, and
/// each published version's row, oldest first.
async fn stored_texts(store: &Store, id: i64) -> (i64, i64, Vec<i64>) {
    use sqlx::Row;
    let mut conn = common::raw_conn(store).await;
    let owned: i64 = sqlx::query("SELECT COUNT(*) FROM document_texts WHERE document_id = $1")
        .bind(id)
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get(0);
    let working: i64 =
        sqlx::query("SELECT text_id FROM documents WHERE id = $1").bind(id).fetch_one(&mut conn).await.unwrap().get(0);
    let versions = sqlx::query("SELECT text_id FROM document_versions WHERE document_id = $1 ORDER BY version")
        .bind(id)
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<i64, _>(0))
        .collect();
    (owned, working, versions)
}

async fn update(store: &Store, id: i64, f: &DocumentFields) {
    let mut w = store.write(Actor::system("test")).await.unwrap();
    w.document_update(id, f).await.unwrap();
    w.commit().await.unwrap();
}

store_test!(a_published_version_shares_the_working_copy_text, demo_base, |store: Store| async move {
    let p = people(&store).await;
    let id = draft(&store, &p, "共用正文的文件").await;
    publish(&store, &p, id).await;
    let (owned, working, versions) = stored_texts(&store, id).await;
    assert_eq!((owned, versions.clone()), (1, vec![working]), "one copy for the working copy and version 1");
    let public = store.public_document(id).await.unwrap().unwrap();
    let doc = store.document(id).await.unwrap().unwrap();
    assert_eq!(
        (public.body_html.as_str(), public.body_text.as_str()),
        (doc.body_html.as_str(), doc.body_text.as_str())
    );
    assert_eq!(doc.body_text, "为进一步做好门诊慢特病保障工作，现将有关事项通知如下。");
    // A revision of the title alone publishes version 2 on the same text.
    act(&store, id, DocAction::Revise, p.editor).await.unwrap();
    update(&store, id, &fields("共用正文的文件（修订）")).await;
    publish(&store, &p, id).await;
    assert_eq!(stored_texts(&store, id).await, (1, working, vec![working, working]));
    assert_eq!(store.public_document(id).await.unwrap().unwrap().title, "共用正文的文件（修订）");
    // An imported document, published at once, keeps one copy too.
    let imported = fields("导入的文件");
    let mut w = store.write(Actor::system("test")).await.unwrap();
    let done = w
        .documents_import(&[gongkai_store::documents::ImportItem {
            line: 0,
            unit_id: p.unit,
            fields: &imported,
            key: "shared-text",
            published_on: None,
        }])
        .await
        .unwrap();
    w.commit().await.unwrap();
    let (owned, working, versions) = stored_texts(&store, done[0].id).await;
    assert_eq!((owned, versions), (1, vec![working]));
    let public = store.public_document(done[0].id).await.unwrap().unwrap();
    assert_eq!((public.body_html, public.body_text), (imported.body_html, imported.body_text));
});

store_test!(editing_after_publishing_keeps_each_version_text, demo_base, |store: Store| async move {
    let p = people(&store).await;
    let id = draft(&store, &p, "正文修订").await;
    update(&store, id, &fields_with_body("正文修订", "第一版正文")).await;
    publish(&store, &p, id).await;
    let (_, first, _) = stored_texts(&store, id).await;
    let body = |v: i64| {
        let s = store.clone();
        async move {
            let b = s.document_version_body(id, v).await.unwrap().unwrap();
            (b.body_html, b.body_text)
        }
    };
    // The revision's body gets a row of its own; version 1 and the public page keep theirs.
    act(&store, id, DocAction::Revise, p.editor).await.unwrap();
    update(&store, id, &fields_with_body("正文修订", "修订中的正文")).await;
    let (owned, revision, versions) = stored_texts(&store, id).await;
    assert_eq!((owned, versions.clone()), (2, vec![first]));
    assert_ne!(revision, first);
    assert_eq!(body(1).await, ("<p>第一版正文</p>".to_string(), "第一版正文".to_string()));
    assert_eq!(store.public_document(id).await.unwrap().unwrap().body_text, "第一版正文");
    assert_eq!(store.document(id).await.unwrap().unwrap().body_text, "修订中的正文");
    // Further edits of the revision rewrite its own row.
    update(&store, id, &fields_with_body("正文修订", "再次修订的正文")).await;
    let mut w = store.write(Actor::system("test")).await.unwrap();
    w.document_replace_body(id, "<p>遮盖后的正文</p>", &[]).await.unwrap();
    w.commit().await.unwrap();
    assert_eq!(stored_texts(&store, id).await, (2, revision, vec![first]));
    assert_eq!(store.document(id).await.unwrap().unwrap().body_text, "遮盖后的正文");
    assert_eq!(body(1).await.1, "第一版正文");
    // Discarding the revision drops its text and brings back version 1's.
    act(&store, id, DocAction::Discard, p.editor).await.unwrap();
    assert_eq!(stored_texts(&store, id).await, (1, first, vec![first]));
    assert_eq!(store.document(id).await.unwrap().unwrap().body_html, "<p>第一版正文</p>");
    // A revision that is published: both versions stay readable.
    act(&store, id, DocAction::Revise, p.editor).await.unwrap();
    update(&store, id, &fields_with_body("正文修订", "第二版正文")).await;
    publish(&store, &p, id).await;
    let (owned, second, versions) = stored_texts(&store, id).await;
    assert_eq!((owned, versions), (2, vec![first, second]));
    assert_eq!(body(1).await.1, "第一版正文");
    assert_eq!(body(2).await.1, "第二版正文");
    assert_eq!(store.public_document(id).await.unwrap().unwrap().body_html, "<p>第二版正文</p>");
    assert!(store.document_version_body(id, 3).await.unwrap().is_none());
});
