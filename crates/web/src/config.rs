//! What the operator configures about the site and the server.

use serde::Deserialize;

/// The identity of the site, shown in the header and footer and in the meta tags required by
/// the State Council's 政府网站发展指引. Defaults are the demo's: clearly fictitious but
/// well-formed (all-zero record numbers, an address under the reserved `.test` domain), so a
/// deployment that forgot to configure them is seen at once without looking broken.
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
    /// The 政府网站找错 page the footer links to; `{site_id_code}` is replaced by the site's
    /// identification code. Empty hides the link.
    pub error_report_url: String,
    /// The 党政机关网站标识 image file (PNG, GIF, JPEG or SVG) supplied by the deployment,
    /// served at `/site-badge`; empty shows no badge.
    pub badge_image: String,
    /// Where the badge links to (the registration page of the site at 中国机构编制网).
    pub badge_link: String,
    /// The badge's bytes and media type, read at start from `badge_image`.
    #[serde(skip)]
    pub badge: Option<std::sync::Arc<(Vec<u8>, &'static str)>>,
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
            contact_email: "gongkai@jinan-demo.test".into(),
            contact_address: "济南市历下区龙鼎大道1号龙奥大厦（演示地址）".into(),
            icp_record: "鲁ICP备00000000号-1".into(),
            police_record: "鲁公网安备37010002000000号".into(),
            public_url: String::new(),
            error_report_url: "https://zfwzzc.www.gov.cn/check_web/errorInfo/jcInfoNew?sitecode={site_id_code}".into(),
            badge_image: String::new(),
            badge_link: "https://bszs.conac.cn/".into(),
            badge: None,
        }
    }
}

impl SiteConfig {
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    pub fn error_report_url_for_site(&self) -> String {
        self.error_report_url.replace("{site_id_code}", &self.site_id_code)
    }

    pub fn has_badge(&self) -> bool {
        self.badge.is_some()
    }

    /// Reads the badge image named by `badge_image`; the media type comes from the file's
    /// first bytes, and anything that is not an image is refused with the setting's name.
    pub fn load_badge(&mut self) -> Result<(), String> {
        let path = self.badge_image.trim();
        if path.is_empty() {
            self.badge = None;
            return Ok(());
        }
        let bytes = std::fs::read(path).map_err(|e| format!("无法读取网站标识图片 badge_image（{path}）：{e}"))?;
        if bytes.len() > 512 * 1024 {
            return Err(format!("网站标识图片 badge_image（{path}）超过 512 KB"));
        }
        let kind = match bytes.as_slice() {
            [0x89, b'P', b'N', b'G', ..] => "image/png",
            [b'G', b'I', b'F', b'8', ..] => "image/gif",
            [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
            b if std::str::from_utf8(&b[..b.len().min(512)]).is_ok_and(|t| t.contains("<svg")) => "image/svg+xml",
            _ => return Err(format!("网站标识图片 badge_image（{path}）不是 PNG、GIF、JPEG 或 SVG 图片")),
        };
        self.badge = Some(std::sync::Arc::new((bytes, kind)));
        Ok(())
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
    /// Opinions one partner account may send at once; a tenth of it comes back each minute.
    pub partner_opinions_burst: u32,
    /// The program that extracts text from uploaded files in a limited child process (the
    /// gongkai binary itself, `gongkai extract …`); `None` extracts nothing: every PDF, DOCX
    /// and XLSX is stored with its text marked unavailable, and standard lists cannot be imported.
    pub extractor: Option<std::path::PathBuf>,
    /// Memory, CPU, wall-time, output and concurrency limits of those child processes.
    pub extract_limits: gongkai_extract::Limits,
    /// Keep finished public pages for anonymous readers (`crate::page_cache`); off only to
    /// look into a problem or to measure what the cache saves.
    pub page_cache: bool,
    /// For tests: count the SQL statements each request runs and send the count in the
    /// `x-gongkai-statements` header (`gongkai_store::counting`). Off in service.
    pub count_statements: bool,
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
            partner_opinions_burst: gongkai_app::Options::default().partner_opinions_burst,
            extractor: None,
            extract_limits: gongkai_extract::Limits::default(),
            page_cache: true,
            count_statements: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SiteConfig;

    fn with_file(name: &str, bytes: &[u8]) -> (SiteConfig, std::path::PathBuf) {
        let path = std::env::temp_dir().join(format!("gongkai-badge-{}-{name}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        let site = SiteConfig { badge_image: path.display().to_string(), ..Default::default() };
        (site, path)
    }

    #[test]
    fn the_badge_is_read_with_its_media_type_and_anything_else_refused() {
        let cases: [(&str, &[u8], Result<&str, &str>); 5] = [
            ("png", b"\x89PNG\r\n\x1a\n....", Ok("image/png")),
            ("gif", b"GIF89a....", Ok("image/gif")),
            ("jpg", b"\xFF\xD8\xFF\xE0....", Ok("image/jpeg")),
            ("svg", b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>", Ok("image/svg+xml")),
            ("html", b"<html><script>alert(1)</script></html>", Err("不是 PNG、GIF、JPEG 或 SVG 图片")),
        ];
        for (name, bytes, want) in cases {
            let (mut site, path) = with_file(name, bytes);
            let got = site.load_badge();
            std::fs::remove_file(&path).unwrap();
            match want {
                Ok(kind) => {
                    assert_eq!(got, Ok(()), "{name}");
                    let badge = site.badge.as_ref().expect(name);
                    assert_eq!((badge.0.as_slice(), badge.1), (bytes, kind), "{name}");
                    assert!(site.has_badge());
                }
                Err(message) => {
                    assert!(got.as_ref().is_err_and(|e| e.contains(message) && e.contains("badge_image")), "{got:?}");
                    assert!(!site.has_badge());
                }
            }
        }
    }

    #[test]
    fn no_badge_configured_means_none_and_a_missing_file_names_the_setting() {
        let mut site = SiteConfig::default();
        assert_eq!(site.load_badge(), Ok(()));
        assert!(!site.has_badge());
        site.badge_image = "/nonexistent/badge.png".into();
        assert!(site.load_badge().is_err_and(|e| e.contains("badge_image")));
    }

    #[test]
    fn the_error_report_link_carries_the_site_code() {
        let site = SiteConfig { site_id_code: "3701000099".into(), ..Default::default() };
        assert!(site.error_report_url_for_site().ends_with("sitecode=3701000099"));
        assert!(!site.error_report_url_for_site().contains('{'));
    }
}
