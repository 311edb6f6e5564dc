//! Backup and restore of the embedded mode: one `.tar.gz` holding a consistent copy of the
//! SQLite database (made with `VACUUM INTO`, so the server may keep running) and the files
//! folder. PostgreSQL deployments use `pg_dump`, which knows their replication set-up.

use crate::db::{Backend, DatabaseSettings, SQLITE_FILE, Store};
use crate::error::{Result, StoreError};
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use gongkai_domain::audit::ChainBreak;
use std::fs::File;
use std::path::{Component, Path, PathBuf};

const MANIFEST: &str = "gongkai-backup.toml";
const FILES_DIR: &str = "files";

#[derive(Debug)]
pub struct BackupSummary {
    pub path: PathBuf,
    pub bytes: u64,
    pub audit_records: i64,
}

pub async fn backup(store: &Store, out: &Path) -> Result<BackupSummary> {
    if store.backend() != Backend::Sqlite {
        return Err(StoreError::Other("PostgreSQL 模式请使用 pg_dump 备份数据库".into()));
    }
    let dir = tempfile_dir(out)?;
    let copy = dir.join(SQLITE_FILE);
    sqlx::query("VACUUM INTO $1").bind(copy.display().to_string()).execute(&store.pool).await?;
    let audit_records = match store.audit_verify().await? {
        Ok(n) => n,
        Err(b) => return Err(StoreError::Other(format!("审计日志校验失败，拒绝备份：{b}"))),
    };
    let manifest = format!(
        "format = 1\ncreated_at = \"{}\"\nprogram_version = \"{}\"\naudit_records = {audit_records}\n",
        crate::now_text(),
        env!("CARGO_PKG_VERSION")
    );
    let data_dir = store.data_dir().to_path_buf();
    let out_path = out.to_path_buf();
    let result = tokio::task::spawn_blocking(move || -> Result<u64> {
        let tmp_out = out_path.with_extension("partial");
        {
            let file = File::create(&tmp_out)?;
            let mut tar = tar::Builder::new(GzEncoder::new(file, flate2::Compression::default()));
            let mut header = tar::Header::new_gnu();
            header.set_size(manifest.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append_data(&mut header, MANIFEST, manifest.as_bytes())?;
            tar.append_path_with_name(&copy, SQLITE_FILE)?;
            let files = data_dir.join(FILES_DIR);
            if files.is_dir() {
                tar.append_dir_all(FILES_DIR, &files)?;
            }
            tar.into_inner()?.finish()?.sync_all()?;
        }
        std::fs::rename(&tmp_out, &out_path)?;
        Ok(std::fs::metadata(&out_path)?.len())
    })
    .await
    .map_err(|e| StoreError::Other(e.to_string()))?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(BackupSummary { path: out.to_path_buf(), bytes: result?, audit_records })
}

/// Unpacks a backup into `settings.data_dir`, which must not hold a database unless `force`.
/// The archive is unpacked beside the data folder and checked (database opens, audit chain
/// intact) before anything in the data folder is replaced.
pub async fn restore(settings: &DatabaseSettings, archive: &Path, force: bool) -> Result<i64> {
    if settings.backend()? != Backend::Sqlite {
        return Err(StoreError::Other("PostgreSQL 模式请使用 pg_restore 恢复数据库".into()));
    }
    let target = settings.data_dir.clone();
    if target.join(SQLITE_FILE).exists() && !force {
        return Err(StoreError::Other(format!(
            "数据目录 {} 中已有数据库；确认要覆盖请加 --force（请先停止服务）",
            target.display()
        )));
    }
    std::fs::create_dir_all(&target)?;
    let staging = tempfile_dir(&target.join("restore"))?;
    let archive = archive.to_path_buf();
    let unpack_to = staging.clone();
    tokio::task::spawn_blocking(move || -> Result<()> {
        let mut tar = tar::Archive::new(GzDecoder::new(File::open(&archive)?));
        for entry in tar.entries()? {
            let mut entry = entry?;
            let path = entry.path()?.into_owned();
            // Refuse anything that would land outside the staging folder.
            if path.components().any(|c| !matches!(c, Component::Normal(_))) {
                return Err(StoreError::Other(format!("备份文件中有不安全的路径：{}", path.display())));
            }
            entry.unpack_in(&unpack_to)?;
        }
        Ok(())
    })
    .await
    .map_err(|e| StoreError::Other(e.to_string()))??;
    if !staging.join(MANIFEST).exists() || !staging.join(SQLITE_FILE).exists() {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(StoreError::Other("这不是 gongkai 的备份文件".into()));
    }
    // The chain is checked with the target's keys: the backup holds no key (keys are kept
    // apart from the data), so the operator brings the key files along.
    let check = DatabaseSettings::new(&staging, None).with_audit_keys(settings.audit_keys.as_ref().clone());
    let store = Store::connect(&check).await?;
    let verified = store.audit_verify().await;
    store.close().await;
    let records = match verified {
        Ok(Ok(n)) => n,
        Ok(Err(b)) => {
            let _ = std::fs::remove_dir_all(&staging);
            let hint = match b {
                ChainBreak::MissingKey { .. } => format!(
                    "；请先把原数据目录中的 {key}（及 {key}.N）复制到 {}，或设置 {env}",
                    target.display(),
                    key = crate::audit_keys::KEY_FILE,
                    env = crate::audit_keys::KEY_ENV
                ),
                _ => String::new(),
            };
            return Err(StoreError::Other(format!("备份中的审计日志校验失败：{}（{b}）{hint}", b.zh())));
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    for stale in [format!("{SQLITE_FILE}-wal"), format!("{SQLITE_FILE}-shm")] {
        let _ = std::fs::remove_file(target.join(stale));
    }
    std::fs::rename(staging.join(SQLITE_FILE), target.join(SQLITE_FILE))?;
    if staging.join(FILES_DIR).is_dir() {
        let _ = std::fs::remove_dir_all(target.join(FILES_DIR));
        std::fs::rename(staging.join(FILES_DIR), target.join(FILES_DIR))?;
    }
    let _ = std::fs::remove_dir_all(&staging);
    Ok(records)
}

/// A fresh folder beside `near`, so renames stay on one file system.
fn tempfile_dir(near: &Path) -> Result<PathBuf> {
    let parent = near.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let dir = parent
        .join(format!(".gongkai-tmp-{}", crate::credentials::new_secret("").chars().take(12).collect::<String>()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
