//! Configuration, layered: command-line flags, then `GONGKAI_…` environment variables (clap
//! reads both), then an optional TOML file, then defaults. Bad values are reported with the
//! name of the setting.

use anyhow::{Context, bail};
use gongkai_store::DatabaseSettings;
use gongkai_web::{ServerOptions, SiteConfig};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// What the optional file may hold; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub addr: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub public_url: Option<String>,
    pub trust_proxy: Option<bool>,
    pub body_limit_kb: Option<usize>,
    pub attachment_limit_mb: Option<usize>,
    pub log_format: Option<String>,
    /// Check external links in document bodies (default true).
    pub link_check: Option<bool>,
    /// The CJK font embedded in PDF letters (a .ttc/.otf/.ttf); default: Debian's Noto CJK.
    pub letter_font: Option<PathBuf>,
    pub site: Option<SiteConfig>,
}

impl FileConfig {
    pub fn load(path: Option<&Path>) -> anyhow::Result<FileConfig> {
        let Some(path) = path else { return Ok(FileConfig::default()) };
        let text = std::fs::read_to_string(path).with_context(|| format!("无法读取配置文件 {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("配置文件 {} 格式错误", path.display()))
    }
}

pub const DEFAULT_DATA_DIR: &str = "./gongkai-data";
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";

pub fn database(flag_dir: Option<PathBuf>, flag_url: Option<String>, file: &FileConfig) -> DatabaseSettings {
    let dir = flag_dir.or_else(|| file.data_dir.clone()).unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
    let url = flag_url.or_else(|| file.database_url.clone());
    DatabaseSettings::new(dir, url)
}

pub fn addr(flag: Option<String>, file: &FileConfig) -> anyhow::Result<SocketAddr> {
    let raw = flag.or_else(|| file.addr.clone()).unwrap_or_else(|| DEFAULT_ADDR.into());
    match raw.parse() {
        Ok(a) => Ok(a),
        Err(_) => bail!("监听地址 addr 的值“{raw}”无效，应为 IP:端口，例如 127.0.0.1:8080 或 0.0.0.0:80"),
    }
}

pub fn site(public_url: Option<String>, file: &FileConfig) -> anyhow::Result<SiteConfig> {
    let mut site = file.site.clone().unwrap_or_default();
    if let Some(url) = public_url.or_else(|| file.public_url.clone()) {
        site.public_url = url;
    }
    let u = site.public_url.trim();
    if !(u.is_empty() || u.starts_with("http://") || u.starts_with("https://")) {
        bail!("公开地址 public_url 的值“{u}”无效，应以 http:// 或 https:// 开头");
    }
    Ok(site)
}

#[allow(clippy::too_many_arguments)]
pub fn server(
    trust_proxy: bool,
    no_link_check: bool,
    letter_font: Option<PathBuf>,
    body_limit_kb: Option<usize>,
    attachment_limit_mb: Option<usize>,
    site: &SiteConfig,
    file: &FileConfig,
) -> anyhow::Result<ServerOptions> {
    let kb = body_limit_kb.or(file.body_limit_kb).unwrap_or(1024);
    if !(16..=1024 * 1024).contains(&kb) {
        bail!("请求大小上限 body_limit_kb 的值 {kb} 无效，应在 16 到 1048576 之间");
    }
    let mb = attachment_limit_mb.or(file.attachment_limit_mb).unwrap_or(50);
    if !(1..=2048).contains(&mb) {
        bail!("附件大小上限 attachment_limit_mb 的值 {mb} 无效，应在 1 到 2048 之间");
    }
    Ok(ServerOptions {
        body_limit: kb * 1024,
        attachment_limit: mb * 1024 * 1024,
        trust_proxy: trust_proxy || file.trust_proxy.unwrap_or(false),
        secure_cookies: site.is_https(),
        link_check: !no_link_check && file.link_check.unwrap_or(true),
        letter_font: letter_font.or_else(|| file.letter_font.clone()),
        extractor: None,
        extract_limits: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layering_and_bad_values() {
        let file: FileConfig =
            toml::from_str("addr = \"0.0.0.0:9000\"\ndata_dir = \"/srv/gk\"\n[site]\nsite_name = \"测试市人民政府\"\n")
                .unwrap();
        assert_eq!(addr(None, &file).unwrap().port(), 9000);
        assert_eq!(addr(Some("127.0.0.1:1".into()), &file).unwrap().port(), 1);
        assert!(addr(Some("localhost".into()), &file).unwrap_err().to_string().contains("addr"));
        assert_eq!(database(None, None, &file).data_dir, PathBuf::from("/srv/gk"));
        assert_eq!(site(None, &file).unwrap().site_name, "测试市人民政府");
        assert!(site(Some("ftp://x".into()), &file).unwrap_err().to_string().contains("public_url"));
        assert!(server(false, false, None, Some(1), None, &SiteConfig::default(), &file).is_err());
        assert!(server(false, false, None, None, Some(0), &SiteConfig::default(), &file).is_err());
        assert_eq!(
            server(false, false, None, None, Some(10), &SiteConfig::default(), &file).unwrap().attachment_limit,
            10 << 20
        );
        assert!(toml::from_str::<FileConfig>("unknown_key = 1").is_err());
    }
}
