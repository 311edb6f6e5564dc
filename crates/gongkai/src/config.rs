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
    /// The audit key file; default `audit.key` in the data folder.
    pub audit_key_file: Option<PathBuf>,
    pub header_timeout_secs: Option<u64>,
    pub body_timeout_secs: Option<u64>,
    pub max_connections: Option<usize>,
    pub max_connections_per_ip: Option<usize>,
    /// Proxies (addresses or CIDR networks) whose X-Forwarded-For entries are believed.
    pub trusted_proxies: Option<Vec<String>>,
    /// Intranet hosts or networks the link checker may fetch.
    pub link_check_allow: Option<Vec<String>>,
    pub metrics_token: Option<String>,
    /// Keep finished public pages for anonymous readers (default true).
    pub page_cache: Option<bool>,
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

/// The audit key file: flag or `GONGKAI_AUDIT_KEY_FILE`, then the file's setting, then
/// `audit.key` in the data folder.
pub fn audit_key_file(flag: Option<PathBuf>, file: &FileConfig, settings: &DatabaseSettings) -> PathBuf {
    flag.or_else(|| file.audit_key_file.clone())
        .unwrap_or_else(|| settings.data_dir.join(gongkai_store::audit_keys::KEY_FILE))
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
    site.load_badge().map_err(anyhow::Error::msg)?;
    Ok(site)
}

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
        ..Default::default()
    })
}

/// The options of the network edge: timeouts, connection caps, proxies, the link checker's
/// allow-list and the metrics token.
#[derive(clap::Args, Default)]
pub struct EdgeArgs {
    /// 等待客户端发完请求头的时间（秒），也是空闲长连接的保持时间，默认 30
    #[arg(long, env = "GONGKAI_HEADER_TIMEOUT_SECS")]
    pub header_timeout_secs: Option<u64>,
    /// 请求体两段数据之间的最长间隔（秒），默认 60
    #[arg(long, env = "GONGKAI_BODY_TIMEOUT_SECS")]
    pub body_timeout_secs: Option<u64>,
    /// 同时打开的连接总数上限，默认 10000（不超过进程可打开文件数减 512）
    #[arg(long, env = "GONGKAI_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// 每个客户端地址（IPv6 按 /64）同时打开的连接数上限，默认 256；受信任的代理不受此限
    #[arg(long, env = "GONGKAI_MAX_CONNECTIONS_PER_IP")]
    pub max_connections_per_ip: Option<usize>,
    /// 受信任的反向代理地址或网段，逗号分隔（配合 --trust-proxy；不填则把直接连接方视为唯一的代理）
    #[arg(long, env = "GONGKAI_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<String>,
    /// 链接检查允许访问的内网主机名、IP 地址或网段，逗号分隔（默认不访问内部地址）
    #[arg(long, env = "GONGKAI_LINK_CHECK_ALLOW", value_delimiter = ',')]
    pub link_check_allow: Vec<String>,
    /// 访问 /metrics 的令牌（Authorization: Bearer 令牌）；不设时只允许本机访问
    #[arg(long, env = "GONGKAI_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
}

/// Applies the edge options (flags and environment, then the file, then defaults) to `server`.
pub fn edge(args: EdgeArgs, file: &FileConfig, server: &mut ServerOptions) -> anyhow::Result<()> {
    let secs = |flag: Option<u64>, from_file: Option<u64>, name: &str, default: std::time::Duration| match flag
        .or(from_file)
    {
        None => Ok(default),
        Some(n) if (1..=3600).contains(&n) => Ok(std::time::Duration::from_secs(n)),
        Some(n) => bail!("{name} 的值 {n} 无效，应在 1 到 3600 秒之间"),
    };
    server.header_read_timeout = secs(
        args.header_timeout_secs,
        file.header_timeout_secs,
        "请求头超时 header_timeout_secs",
        server.header_read_timeout,
    )?;
    server.body_read_timeout =
        secs(args.body_timeout_secs, file.body_timeout_secs, "请求体超时 body_timeout_secs", server.body_read_timeout)?;
    let count = |flag: Option<usize>, from_file: Option<usize>, name: &str, default: usize| match flag.or(from_file) {
        None => Ok(default),
        Some(n) if (1..=10_000_000).contains(&n) => Ok(n),
        Some(n) => bail!("{name} 的值 {n} 无效，应在 1 到 10000000 之间"),
    };
    server.max_connections =
        count(args.max_connections, file.max_connections, "连接总数上限 max_connections", server.max_connections)?;
    server.max_connections_per_ip = count(
        args.max_connections_per_ip,
        file.max_connections_per_ip,
        "每个地址的连接数上限 max_connections_per_ip",
        server.max_connections_per_ip,
    )?;
    let list = |flag: Vec<String>, from_file: &Option<Vec<String>>| {
        if flag.is_empty() { from_file.clone().unwrap_or_default().join(",") } else { flag.join(",") }
    };
    server.trusted_proxies = gongkai_web::net::NetList::parse(&list(args.trusted_proxies, &file.trusted_proxies))
        .map_err(|e| anyhow::anyhow!("受信任的代理 trusted_proxies 无效：{e}"))?;
    server.link_check_allow =
        gongkai_web::link_checker::AllowList::parse(&list(args.link_check_allow, &file.link_check_allow))
            .map_err(|e| anyhow::anyhow!("链接检查允许访问的地址 link_check_allow 无效：{e}"))?;
    server.metrics_token = args.metrics_token.or_else(|| file.metrics_token.clone()).filter(|t| !t.trim().is_empty());
    if server.metrics_token.as_ref().is_some_and(|t| t.trim().len() < 16) {
        bail!("指标令牌 metrics_token 太短，至少 16 个字符");
    }
    Ok(())
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

    #[test]
    fn edge_options() {
        let file: FileConfig = toml::from_str(
            "header_timeout_secs = 5\ntrusted_proxies = [\"10.0.0.0/8\"]\nlink_check_allow = [\"oa.intranet\", \"192.168.0.0/16\"]\n",
        )
        .unwrap();
        let mut server = ServerOptions::default();
        edge(EdgeArgs { max_connections_per_ip: Some(8), ..Default::default() }, &file, &mut server).unwrap();
        assert_eq!(server.header_read_timeout, std::time::Duration::from_secs(5));
        assert_eq!(server.body_read_timeout, ServerOptions::default().body_read_timeout);
        assert_eq!(server.max_connections_per_ip, 8);
        assert!(server.trusted_proxies.contains("10.1.2.3".parse().unwrap()));
        assert_eq!(server.link_check_allow.hosts, ["oa.intranet"]);
        let flags = EdgeArgs { trusted_proxies: vec!["192.0.2.1".into()], ..Default::default() };
        edge(flags, &file, &mut server).unwrap();
        assert!(!server.trusted_proxies.contains("10.1.2.3".parse().unwrap()), "flags win over the file");
        let bad =
            |args: EdgeArgs| edge(args, &FileConfig::default(), &mut ServerOptions::default()).unwrap_err().to_string();
        assert!(bad(EdgeArgs { header_timeout_secs: Some(0), ..Default::default() }).contains("header_timeout_secs"));
        assert!(
            bad(EdgeArgs { trusted_proxies: vec!["proxy".into()], ..Default::default() }).contains("trusted_proxies")
        );
        assert!(bad(EdgeArgs { metrics_token: Some("short".into()), ..Default::default() }).contains("metrics_token"));
    }
}
