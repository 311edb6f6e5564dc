//! The audit key ring on disk. The current key comes from `GONGKAI_AUDIT_KEY` (hex or base64)
//! or from the key file (`audit.key` in the data folder unless configured), which is created
//! with mode 0600 on first use when neither exists. Keys of earlier epochs are kept beside the
//! key file as `audit.key.<epoch>`. Keys never go into the database or a log: the database
//! stores key ids, logs name files and ids.

use crate::error::{Result, StoreError};
use base64::Engine;
use gongkai_domain::audit::{AuditKey, KeyRing};
use rand::RngCore;
use std::io::Write;
use std::path::{Path, PathBuf};

pub const KEY_FILE: &str = "audit.key";
pub const KEY_ENV: &str = "GONGKAI_AUDIT_KEY";

/// Reads a key written as hex or as base64 (standard or URL-safe, padded or not).
pub fn parse_key(text: &str) -> std::result::Result<AuditKey, String> {
    let text = text.trim();
    let bytes = if text.len().is_multiple_of(2) && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(text).map_err(|e| e.to_string())?
    } else {
        use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
        [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|e| e.decode(text).ok())
            .ok_or_else(|| "审计密钥应为十六进制或 base64 编码".to_string())?
    };
    AuditKey::from_bytes(&bytes)
}

/// A fresh random key of 32 bytes.
pub fn random_key() -> AuditKey {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    AuditKey::from_bytes(&bytes).expect("32 bytes is a valid key")
}

/// A ring with one random key: the default of `DatabaseSettings`, so tests and embedded uses
/// get a keyed chain without configuration. The binary always passes the configured ring.
pub fn random_ring() -> KeyRing {
    KeyRing::new(Some(random_key()), [])
}

/// Where the current key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Env,
    File(PathBuf),
    /// The key file did not exist and was created now.
    Created(PathBuf),
    /// No current key (only when loading without creating).
    None,
}

/// The key file's path for epoch `epoch` once it is no longer current.
pub fn older_key_path(key_file: &Path, epoch: i64) -> PathBuf {
    let mut name = key_file.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{epoch}"));
    key_file.with_file_name(name)
}

fn read_key_file(path: &Path) -> Result<AuditKey> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| StoreError::Other(format!("无法读取审计密钥文件 {}：{e}", path.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(file = %path.display(), "the audit key file is readable by others; set its mode to 0600");
        }
    }
    parse_key(&text).map_err(|e| StoreError::Other(format!("审计密钥文件 {} 无效：{e}", path.display())))
}

/// Writes a key file that must not exist yet, readable by the owner only.
pub fn write_key_file(path: &Path, key: &AuditKey) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file =
        options.open(path).map_err(|e| StoreError::Other(format!("无法写入审计密钥文件 {}：{e}", path.display())))?;
    file.write_all(format!("{}\n", hex::encode(key.bytes())).as_bytes())?;
    file.sync_all()?;
    Ok(())
}

/// A key ring as loaded, and where its current key came from.
pub struct LoadedRing {
    pub ring: KeyRing,
    pub source: KeySource,
}

/// Loads the ring: the current key from `env_key` (the value of `GONGKAI_AUDIT_KEY`) or from
/// `key_file` — created when missing if `create` — and every `<key_file>.<epoch>` beside it.
pub fn load_ring(env_key: Option<&str>, key_file: &Path, create: bool) -> Result<LoadedRing> {
    let (current, source) = match env_key.filter(|k| !k.trim().is_empty()) {
        Some(text) => {
            let key = parse_key(text).map_err(|e| StoreError::Other(format!("环境变量 {KEY_ENV} 无效：{e}")))?;
            (Some(key), KeySource::Env)
        }
        None if key_file.exists() => (Some(read_key_file(key_file)?), KeySource::File(key_file.to_path_buf())),
        None if create => {
            let key = random_key();
            write_key_file(key_file, &key)?;
            tracing::info!(file = %key_file.display(), key_id = key.id(), "audit key created");
            (Some(key), KeySource::Created(key_file.to_path_buf()))
        }
        None => (None, KeySource::None),
    };
    let mut older = Vec::new();
    let dir = key_file.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let prefix = format!("{}.", key_file.file_name().unwrap_or_default().to_string_lossy());
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_older = name
                .strip_prefix(&prefix)
                .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()));
            if is_older {
                older.push(read_key_file(&entry.path())?);
            }
        }
    }
    Ok(LoadedRing { ring: KeyRing::new(current, older), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_from_hex_or_base64_and_short_ones_are_refused() {
        let bytes = [7u8; 32];
        let hex_key = parse_key(&format!(" {}\n", hex::encode(bytes))).unwrap();
        let b64_key = parse_key(&base64::engine::general_purpose::STANDARD.encode(bytes)).unwrap();
        assert_eq!(hex_key.id(), b64_key.id());
        assert!(parse_key(&hex::encode([7u8; 16])).unwrap_err().contains("32"));
        assert!(parse_key("不是密钥").is_err());
    }

    #[test]
    fn ring_is_created_once_and_finds_older_keys() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(KEY_FILE);
        let LoadedRing { ring, source } = load_ring(None, &file, false).unwrap();
        assert!(ring.current().is_none() && source == KeySource::None && !file.exists());
        let LoadedRing { ring, source } = load_ring(None, &file, true).unwrap();
        assert_eq!(source, KeySource::Created(file.clone()));
        let id = ring.current().unwrap().id().to_string();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let old = random_key();
        write_key_file(&older_key_path(&file, 1), &old).unwrap();
        std::fs::write(dir.path().join("audit.key.new"), "x").unwrap();
        let LoadedRing { ring, source } = load_ring(None, &file, true).unwrap();
        assert_eq!((source, ring.current().unwrap().id()), (KeySource::File(file.clone()), id.as_str()));
        assert!(ring.get(old.id()).is_some() && ring.has_older_keys());
        let env = hex::encode([9u8; 32]);
        let LoadedRing { ring, source } = load_ring(Some(&env), &file, true).unwrap();
        assert_eq!(source, KeySource::Env);
        assert_ne!(ring.current().unwrap().id(), id);
    }
}
