//! The keyed audit chain against someone who can write the database: rewrites recomputed with
//! SHA-256 or a guessed key, truncation below a kept checkpoint, key rotation and missing keys,
//! the periodic checkpoint; on SQLite and PostgreSQL, and the commands of the binary.

use crate::common;
use gongkai_domain::audit::{AuditKey, AuditRecord, ChainBreak, CheckpointProblem, KeyRing};
use gongkai_domain::units::{UnitFields, UnitKind};
use gongkai_store::{Actor, Store};
use std::path::Path;
use std::process::{Command, Output};

/// `n` audited writes (one unit each, under a root made first); returns the last seq.
async fn writes(store: &Store, n: usize) -> i64 {
    let root = match store.units_all().await.unwrap().first() {
        Some(u) => u.id,
        None => {
            let mut w = store.write(Actor::system("test")).await.unwrap();
            let f = UnitFields {
                name: "测试市人民政府".into(), division_code: "370100".into(), ..Default::default()
            };
            let id = w.unit_create(None, UnitKind::Government, &f, 0, None).await.unwrap();
            w.commit().await.unwrap();
            id
        }
    };
    let mut last = 0;
    for _ in 0..n {
        let name = format!("部门{}", gongkai_store::credentials::new_secret("").chars().take(8).collect::<String>());
        let f = UnitFields { name: name.clone(), short_name: name, ..Default::default() };
        let mut w = store.write(Actor::system("test")).await.unwrap();
        w.unit_create(Some(root), UnitKind::Department, &f, 0, None).await.unwrap();
        last = *w.commit().await.unwrap().last().unwrap();
    }
    last
}

async fn records(store: &Store) -> Vec<AuditRecord> {
    let gongkai_store::Page { items: mut all, total: _ } = store.audit_list(&Default::default(), 500, 0).await.unwrap();
    all.reverse();
    all
}

/// What an attacker with write access to the database does: change the summary of record
/// `seq`, recompute every hash from there with `rehash` (and the epoch it gives), store the
/// records and move the head along.
async fn rewrite(store: &Store, seq: i64, rehash: impl Fn(&mut AuditRecord)) {
    let mut all = records(store).await;
    let from = all.iter().position(|r| r.seq == seq).unwrap();
    all[from].summary = "改写后的内容".into();
    let mut conn = common::raw_conn(store).await;
    for i in from..all.len() {
        if i > 0 {
            all[i].prev_hash = all[i - 1].hash.clone();
        }
        rehash(&mut all[i]);
        let r = &all[i];
        sqlx::query("UPDATE audit_log SET summary = $1, prev_hash = $2, hash = $3, epoch = $4 WHERE seq = $5")
            .bind(&r.summary)
            .bind(&r.prev_hash)
            .bind(&r.hash)
            .bind(r.epoch)
            .bind(r.seq)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let last = all.last().unwrap();
    sqlx::query("UPDATE audit_head SET last_hash = $1, epoch = $2 WHERE id = 1")
        .bind(&last.hash)
        .bind(last.epoch)
        .execute(&mut conn)
        .await
        .unwrap();
}

/// Cuts the log after `keep` and sets the head to match, as an attacker would.
async fn truncate(store: &Store, keep: i64) {
    let kept = records(store).await.into_iter().find(|r| r.seq == keep).unwrap();
    let mut conn = common::raw_conn(store).await;
    sqlx::query("DELETE FROM audit_log WHERE seq > $1").bind(keep).execute(&mut conn).await.unwrap();
    sqlx::query("UPDATE audit_head SET last_seq = $1, last_hash = $2 WHERE id = 1")
        .bind(keep)
        .bind(&kept.hash)
        .execute(&mut conn)
        .await
        .unwrap();
}

/// The same database seen with another key ring.
async fn with_ring(store: &Store, ring: KeyRing) -> Store {
    Store::connect(&store.settings().clone().with_audit_keys(ring)).await.unwrap()
}

fn other_key() -> AuditKey {
    AuditKey::from_bytes(&[42; 32]).unwrap()
}

store_test!(rewrite_recomputed_with_sha256_is_found, |store: Store| async move {
    let last = writes(&store, 5).await;
    assert_eq!(store.audit_verify().await.unwrap(), Ok(last));
    let target = last - 3;
    // Exactly the attack on the unkeyed chain: SHA-256 over every later record.
    rewrite(&store, target, |r| r.hash = r.compute_hash()).await;
    // From the rewrite on the log is a consistent SHA-256 chain: the unkeyed check passed it.
    let all = records(&store).await;
    for pair in all.windows(2) {
        assert_eq!(pair[1].prev_hash, pair[0].hash);
        if pair[1].seq >= target {
            assert_eq!(pair[1].hash, pair[1].compute_hash());
        }
    }
    let broken = store.audit_verify().await.unwrap().unwrap_err();
    assert_eq!(broken, ChainBreak::Altered { seq: target });
    // Claiming the records were never keyed does not help either.
    rewrite(&store, target, |r| {
        r.epoch = 0;
        r.hash = r.compute_hash();
    })
    .await;
    let broken = store.audit_verify().await.unwrap().unwrap_err();
    assert!(matches!(broken, ChainBreak::Epoch { found: 0, expected: 1, .. }), "{broken}");
});

store_test!(rewrite_recomputed_with_a_wrong_key_is_found, |store: Store| async move {
    let last = writes(&store, 4).await;
    let wrong = other_key();
    rewrite(&store, last - 1, |r| r.hash = r.compute_keyed_hash(&wrong)).await;
    let broken = store.audit_verify().await.unwrap().unwrap_err();
    assert_eq!(broken, ChainBreak::Altered { seq: last - 1 });
    assert!(broken.zh().contains(&format!("第 {} 条", last - 1)));
});

store_test!(truncation_or_rewrite_below_a_kept_checkpoint_is_found, |store: Store| async move {
    let mid = writes(&store, 3).await;
    let kept = store.audit_checkpoint(false).await.unwrap();
    assert_eq!(kept.seq, mid);
    let last = writes(&store, 3).await;
    assert_eq!(store.audit_verify_with(std::slice::from_ref(&kept)).await.unwrap(), Ok(last));
    // A checkpoint that was altered is refused by its signature.
    let mut forged = kept.clone();
    forged.seq -= 1;
    forged.hash = records(&store).await.into_iter().find(|r| r.seq == forged.seq).unwrap().hash;
    assert_eq!(
        store.audit_verify_with(&[forged]).await.unwrap(),
        Err(ChainBreak::Checkpoint { seq: mid - 1, problem: CheckpointProblem::Signature })
    );

    // Cutting the tail and moving the head back leaves a consistent chain…
    truncate(&store, mid - 1).await;
    assert_eq!(store.audit_verify().await.unwrap(), Ok(mid - 1));
    // …which the kept checkpoint gives away.
    let broken = store.audit_verify_with(std::slice::from_ref(&kept)).await.unwrap().unwrap_err();
    assert_eq!(
        broken,
        ChainBreak::Checkpoint { seq: mid, problem: CheckpointProblem::Truncated { last_seq: mid - 1 } }
    );
    assert!(broken.to_string().contains(&format!("record {mid}")), "{broken}");

    // A rewrite below the checkpoint is found by someone holding no key at all.
    let more = writes(&store, 3).await;
    let kept = store.audit_checkpoint(false).await.unwrap();
    assert_eq!(kept.seq, more);
    rewrite(&store, more - 2, |r| r.hash = r.compute_keyed_hash(&other_key())).await;
    let auditor = with_ring(&store, KeyRing::default()).await;
    let broken = auditor.audit_verify_with(std::slice::from_ref(&kept)).await.unwrap().unwrap_err();
    assert_eq!(broken, ChainBreak::Checkpoint { seq: more, problem: CheckpointProblem::Rewritten });
    auditor.close().await;
});

store_test!(rotation_keeps_old_epochs_verifiable, |store: Store| async move {
    let before = writes(&store, 2).await;
    let old = store.settings().audit_keys.current().unwrap().clone();
    let new = other_key();
    assert_eq!(store.audit_rotate_key(new.clone(), Actor::system("test")).await.unwrap(), 2);
    // This store still holds the old key only: it refuses to write into the new epoch.
    let mut w = store.write(Actor::system("test")).await.unwrap();
    w.record("test.noop", "test", 1, None, "无");
    let err = w.commit().await.unwrap_err().to_string();
    assert!(err.contains("审计密钥与数据库不符") && err.contains(new.id()), "{err}");
    assert!(store.audit_key_check().await.is_err());

    let rotated = with_ring(&store, KeyRing::new(Some(new.clone()), [old.clone()])).await;
    rotated.audit_key_check().await.unwrap();
    let last = writes(&rotated, 2).await;
    assert_eq!(rotated.audit_verify().await.unwrap(), Ok(last));
    let epochs = rotated.audit_epochs().await.unwrap();
    assert_eq!(epochs.iter().map(|e| (e.epoch, e.key_id.as_str())).collect::<Vec<_>>(), [(1, old.id()), (2, new.id())]);
    assert_eq!(epochs[1].first_seq, before + 1, "the rotation record opens epoch 2");
    // Without the old key the old epoch cannot be checked: reported, not a crash.
    let forgetful = with_ring(&store, KeyRing::new(Some(new.clone()), [])).await;
    let broken = forgetful.audit_verify().await.unwrap().unwrap_err();
    assert_eq!(broken, ChainBreak::MissingKey { epoch: 1, key_id: old.id().to_string(), first_seq: 1 });
    forgetful.close().await;
    rotated.close().await;
});

store_test!(checkpoints_are_recorded_when_due, |store: Store| async move {
    writes(&store, 1).await;
    let day = chrono::Duration::days(1);
    let first = store.audit_checkpoint_if_due(day).await.unwrap().expect("the first one is due");
    assert!(store.audit_checkpoint_if_due(day).await.unwrap().is_none(), "not again within the period");
    let last = writes(&store, 1).await;
    assert!(store.audit_checkpoint_if_due(day).await.unwrap().is_none(), "the period has not passed");
    let second = store.audit_checkpoint_if_due(chrono::Duration::zero()).await.unwrap().expect("due");
    assert_eq!((first.seq, second.seq), (last - 1, last));
    assert!(store.audit_checkpoint_if_due(chrono::Duration::zero()).await.unwrap().is_none(), "head unchanged");
    let kept = store.audit_checkpoints(10).await.unwrap();
    assert_eq!(kept, vec![second, first.clone()]);
    assert_eq!(store.audit_verify_with(&kept).await.unwrap(), Ok(last));
    assert_eq!(first.public_key, store.settings().audit_keys.current().unwrap().public_key());
});

// ---- the binary ----

fn gongkai(data: &Path, args: &[&str], env_key: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gongkai"));
    cmd.arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("GONGKAI_DATABASE_URL")
        .env_remove("GONGKAI_AUDIT_KEY")
        .env_remove("GONGKAI_AUDIT_KEY_FILE");
    if let Some(k) = env_key {
        cmd.env("GONGKAI_AUDIT_KEY", k);
    }
    cmd.output().expect("the binary runs")
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn failed(o: &Output) -> String {
    assert!(!o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn keys_checkpoints_and_rotation_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&gongkai(&data, &["demo"], None));
    let key_file = data.join("audit.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let key_text = std::fs::read_to_string(&key_file).unwrap();

    // A checkpoint is one line of signed JSON; kept, it is checked by verify.
    let line = ok(&gongkai(&data, &["audit", "checkpoint"], None));
    assert_eq!(line.trim().lines().count(), 1);
    let cp: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    assert!(cp["signature"].as_str().unwrap().len() == 128 && cp["seq"].as_i64().unwrap() > 0, "{cp}");
    assert!(!line.contains(key_text.trim()), "the key is never printed");
    let kept = dir.path().join("kept.txt");
    std::fs::write(&kept, &line).unwrap();
    ok(&gongkai(&data, &["token", "create", "--user", "admin"], None));
    let out = ok(&gongkai(&data, &["audit", "verify", "--checkpoint", kept.to_str().unwrap()], None));
    assert!(out.contains("1 checkpoints match"), "{out}");
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "nothing\n").unwrap();
    assert!(
        failed(&gongkai(&data, &["audit", "verify", "--checkpoint", empty.to_str().unwrap()], None))
            .contains("没有检查点")
    );

    // The key from the environment works as the file does; a wrong one is refused.
    ok(&gongkai(&data, &["audit", "verify"], Some(key_text.trim())));
    let wrong = "ab".repeat(32);
    let err = failed(&gongkai(&data, &["audit", "verify"], Some(&wrong)));
    assert!(err.contains("no audit key for epoch 1") && err.contains("缺少密钥纪元 1"), "{err}");
    let err = failed(&gongkai(&data, &["serve", "--addr", "127.0.0.1:0"], Some(&wrong)));
    assert!(err.contains("审计密钥与数据库不符"), "{err}");
    assert!(!err.contains(&wrong), "the key is never printed");
    assert!(failed(&gongkai(&data, &["audit", "verify"], Some("short"))).contains("GONGKAI_AUDIT_KEY"));

    // Rotation: the old key is kept by epoch, both epochs verify, the old key is needed.
    let out = ok(&gongkai(&data, &["audit", "rotate-key"], None));
    assert!(out.contains("纪元 2"), "{out}");
    assert_eq!(std::fs::read_to_string(data.join("audit.key.1")).unwrap(), key_text);
    assert_ne!(std::fs::read_to_string(&key_file).unwrap(), key_text);
    ok(&gongkai(&data, &["token", "create", "--user", "admin"], None));
    ok(&gongkai(&data, &["audit", "verify", "--checkpoint", kept.to_str().unwrap()], None));
    std::fs::rename(data.join("audit.key.1"), dir.path().join("aside")).unwrap();
    assert!(failed(&gongkai(&data, &["audit", "verify"], None)).contains("no audit key for epoch 1"));
    std::fs::rename(dir.path().join("aside"), data.join("audit.key.1")).unwrap();
    let out = ok(&gongkai(&data, &["audit", "verify"], None));
    assert!(out.contains("intact"), "{out}");

    // Truncation below the kept checkpoint, head moved to match: only the checkpoint sees it.
    let seq = cp["seq"].as_i64().unwrap();
    let url = format!("sqlite://{}", data.join("gongkai.db").display());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        sqlx::any::install_default_drivers();
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url).await.unwrap();
        sqlx::query("DELETE FROM audit_log WHERE seq >= $1").bind(seq).execute(&mut conn).await.unwrap();
        sqlx::query("DELETE FROM audit_epochs WHERE first_seq >= $1").bind(seq).execute(&mut conn).await.unwrap();
        sqlx::query(
            "UPDATE audit_head SET last_seq = l.seq, last_hash = l.hash, epoch = l.epoch FROM (SELECT seq, hash, epoch FROM audit_log ORDER BY seq DESC LIMIT 1) AS l WHERE id = 1",
        )
        .execute(&mut conn)
        .await
        .unwrap();
    });
    let err = failed(&gongkai(&data, &["audit", "verify", "--checkpoint", kept.to_str().unwrap()], None));
    assert!(err.contains(&format!("record {seq}")) && err.contains(&format!("第 {seq} 条")), "{err}");
}

store_test!(records_from_before_the_key_stay_verifiable, |store: Store| async move {
    // The state of a database written before the chain was keyed: SHA-256 records of epoch 0
    // and no epochs.
    let old = writes(&store, 3).await;
    let mut conn = common::raw_conn(&store).await;
    sqlx::query("DELETE FROM audit_epochs").execute(&mut conn).await.unwrap();
    sqlx::query("UPDATE audit_head SET key_id = '' WHERE id = 1").execute(&mut conn).await.unwrap();
    drop(conn);
    rewrite(&store, 1, |r| {
        r.epoch = 0;
        r.hash = r.compute_hash();
    })
    .await;
    assert_eq!(store.audit_verify().await.unwrap(), Ok(old));
    // The first keyed record starts epoch 1; both parts verify.
    let last = writes(&store, 2).await;
    let epochs = store.audit_epochs().await.unwrap();
    assert_eq!((epochs.len(), epochs[0].epoch, epochs[0].first_seq), (1, 1, old + 1));
    assert_eq!(store.audit_verify().await.unwrap(), Ok(last));
    let all = records(&store).await;
    assert!(all.iter().all(|r| r.epoch == i64::from(r.seq > old)));
});
