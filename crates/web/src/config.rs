//! What the operator configures about the site and the server.

use serde::Deserialize;

/// The identity of the site, shown in the header and footer and in the meta tags required by
/// the State Council's 政府网站发展指引. Defaults are the demo's; the placeholders in the
/// footer are deliberately visible as placeholders until configured.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct SiteConfig {
    pub site_name: String,
    pub site_subtitle: String,
    /// Host name for the `SiteDomain` meta tag; empty means "the host the request came to".
    pub site_domain: String,
    /// 网站标识码: 10 characters issued by the State Council General Office.
    pub site_id_code: String,
    /// 主办单位
    pub sponsor: String,
    /// 承办单位
    pub operator: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub contact_address: String,
    /// ICP 备案号
    pub icp_record: String,
    /// 公安机关互联网站安全备案号
    pub police_record: String,
    /// The public address (`https://…`) used in `Url` meta tags and to decide Secure cookies.
    pub public_url: String,
}

impl Default for SiteConfig {
    fn default() -> Self {
        SiteConfig {
            site_name: "济南市人民政府".into(),
            site_subtitle: "政务公开平台".into(),
            site_domain: String::new(),
            site_id_code: "3701000000".into(),
            sponsor: "济南市人民政府办公厅".into(),
            operator: "济南市大数据局".into(),
            contact_phone: "0531-12345".into(),
            contact_email: "gongkai@example.gov.cn".into(),
            contact_address: "济南市历下区龙鼎大道1号龙奥大厦".into(),
            icp_record: "鲁ICP备XXXXXXXX号".into(),
            police_record: "鲁公网安备 XXXXXXXXXXXXXX号".into(),
            public_url: String::new(),
        }
    }
}

impl SiteConfig {
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Largest request body accepted, in bytes (forms and JSON).
    pub body_limit: usize,
    /// Largest attachment upload, in bytes.
    pub attachment_limit: usize,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_proxy: bool,
    /// Mark cookies Secure and send HSTS; on when the public URL is https.
    pub secure_cookies: bool,
    /// Check external links in document bodies from this server; off where the server may not
    /// reach other hosts (the reports then say so instead of waiting).
    pub link_check: bool,
    /// The CJK font for PDF letters; `None` looks for Debian's Noto CJK.
    pub letter_font: Option<std::path::PathBuf>,
    /// Time a client has to send a request's headers, counted from when the connection waits
    /// for a request: it also closes idle keep-alive connections (hyper starts the header timer
    /// as soon as a connection is ready for its next request).
    pub header_read_timeout: std::time::Duration,
    /// Longest pause between two parts of a request body before the request is refused.
    pub body_read_timeout: std::time::Duration,
    /// Connections open at once from one client address (an IPv6 /64 counts as one); trusted
    /// proxies count only toward `max_connections`. Past it, new connections are closed.
    pub max_connections_per_ip: usize,
    /// Connections open at once in all.
    pub max_connections: usize,
    /// Proxies whose `X-Forwarded-For` entries are believed (with `trust_proxy`); empty means
    /// the peer itself is the one proxy.
    pub trusted_proxies: crate::net::NetList,
    /// Intranet hosts the link checker may fetch although they resolve to internal addresses.
    pub link_check_allow: crate::link_checker::AllowList,
    /// `/metrics` answers loopback peers, and others that send `Authorization: Bearer <token>`.
    pub metrics_token: Option<String>,
    /// The longest wait before a password or query code is checked when its account or
    /// application has failed many times from all addresses (the wait grows with the failures).
    pub throttle_delay_max: std::time::Duration,
    /// Challenges of the application form one address may get per minute (and at once).
    pub challenges_per_minute: u32,
    /// The program that extracts text from uploaded files in a limited child process (the
    /// gongkai binary itself, `gongkai extract …`); `None` extracts nothing: every PDF, DOCX
    /// and XLSX is stored with its text marked unavailable, and standard lists cannot be imported.
    pub extractor: Option<std::path::PathBuf>,
    /// Memory, CPU, wall-time, output and concurrency limits of those child processes.
    pub extract_limits: gongkai_extract::Limits,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            body_limit: 1024 * 1024,
            attachment_limit: 50 * 1024 * 1024,
            trust_proxy: false,
            secure_cookies: false,
            link_check: true,
            letter_font: None,
            header_read_timeout: std::time::Duration::from_secs(30),
            body_read_timeout: std::time::Duration::from_secs(60),
            max_connections_per_ip: 256,
            max_connections: 10_000,
            trusted_proxies: Default::default(),
            link_check_allow: Default::default(),
            metrics_token: None,
            throttle_delay_max: std::time::Duration::from_secs(4),
            challenges_per_minute: 60,
            extractor: None,
            extract_limits: gongkai_extract::Limits::default(),
        }
    }
}
