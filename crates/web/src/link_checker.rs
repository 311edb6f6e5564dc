//! The background check of external links in document bodies. A check report asks for each
//! link (`Store::link_check_request`); this task takes the due ones, a few at a time, and
//! records what the far server answered, so a review page never waits on another host.
//!
//! Links are written by editors, and what the checker finds is shown to them, so it must not
//! become a way to probe the server's own network: a link to this host, a private, link-local,
//! shared or unique-local address is not fetched (`LinkStatus::Refused`) unless the deployment
//! allows that host or network. The address is checked where it is decided: for address
//! literals before the request and after every redirect, for names in the resolver, so the
//! connection goes only to an address that passed (no second lookup a DNS answer could change).

use crate::app::AppState;
use crate::net::{NetList, is_public, parse_net};
use gongkai_app::documents::checks;
use gongkai_domain::link_check::{LinkStatus, retry_with_get, verdict};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// How many links one round takes, and how many are fetched at once.
const ROUND: i64 = 32;
const PARALLEL: usize = 4;
/// Redirects followed before giving up.
const MAX_REDIRECTS: usize = 5;

/// What a refused link shows as its detail.
pub const REFUSED_DETAIL: &str = "内部地址，不检查";

/// Intranet hosts (by name) and networks a deployment wants checked although they are internal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    /// Lower-case host names, without a trailing dot.
    pub hosts: Vec<String>,
    pub nets: NetList,
}

impl AllowList {
    /// Parses entries separated by commas or whitespace: host names, addresses, CIDR networks.
    pub fn parse(raw: &str) -> Result<AllowList, String> {
        let mut list = AllowList::default();
        for entry in raw.split([',', ' ', '\n', '\t']).filter(|s| !s.is_empty()) {
            if entry.parse::<IpAddr>().is_ok() || entry.contains('/') {
                list.nets.0.push(parse_net(entry)?);
            } else {
                let host = url::Host::parse(entry).map_err(|_| format!("“{entry}”不是主机名、IP 地址或网段"))?;
                match host {
                    url::Host::Domain(d) => list.hosts.push(d.trim_end_matches('.').to_string()),
                    url::Host::Ipv4(ip) => list.nets.0.push(IpAddr::V4(ip).into()),
                    url::Host::Ipv6(ip) => list.nets.0.push(IpAddr::V6(ip).into()),
                }
            }
        }
        Ok(list)
    }

    fn allows_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.hosts.contains(&host)
    }

    /// Whether `ip`, reached under the name `host` (if any), may be fetched.
    fn allows(&self, host: Option<&str>, ip: IpAddr) -> bool {
        is_public(ip) || self.nets.contains(ip) || host.is_some_and(|h| self.allows_host(h))
    }
}

/// The error that marks a refused target, found again in reqwest's error chain.
#[derive(Debug)]
struct InternalTarget;

impl std::fmt::Display for InternalTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the target is an internal address")
    }
}

impl std::error::Error for InternalTarget {}

/// Whether a URL may be fetched as far as can be told without resolving: an http(s) URL
/// whose host, when it is an address (the `url` crate has already read decimal, octal and
/// hex IPv4 forms), is allowed. Names are judged by the resolver.
fn url_allowed(url: &url::Url, allow: &AllowList) -> bool {
    if !matches!(url.scheme(), "http" | "https") {
        return false;
    }
    match url.host() {
        Some(url::Host::Ipv4(ip)) => allow.allows(None, IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => allow.allows(None, IpAddr::V6(ip)),
        Some(url::Host::Domain(d)) => {
            // "localhost" and its subdomains never reach the resolver's check on some systems.
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            !(d == "localhost" || d.ends_with(".localhost")) || allow.allows_host(&d)
        }
        None => false,
    }
}

/// Resolves with the system resolver and keeps only the addresses that may be fetched.
struct GuardedResolver {
    allow: Arc<AllowList>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow = self.allow.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let kept: Vec<SocketAddr> = found.into_iter().filter(|a| allow.allows(Some(&host), a.ip())).collect();
            if kept.is_empty() {
                return Err(Box::new(InternalTarget) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(kept.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The checker: its HTTP client and what it may fetch besides public addresses.
#[derive(Clone)]
pub struct Checker {
    http: reqwest::Client,
    allow: Arc<AllowList>,
}

/// The checker's HTTP client: nothing internal, no proxy from the environment (a proxy would
/// resolve names itself), every redirect checked again.
pub fn client(allow: &AllowList) -> Checker {
    let allow = Arc::new(allow.clone());
    Checker { http: http_client(allow.clone()), allow }
}

fn http_client(allow: Arc<AllowList>) -> reqwest::Client {
    let for_redirects = allow.clone();
    let policy = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else if !url_allowed(attempt.url(), &for_redirects) {
            attempt.error(InternalTarget)
        } else {
            attempt.follow()
        }
    });
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .redirect(policy)
        .no_proxy()
        .dns_resolver(Arc::new(GuardedResolver { allow }))
        .user_agent(concat!("gongkai-linkcheck/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_else(|e| {
            // Building fails only without a TLS backend; a client that cannot connect at all
            // is the safe fallback (every link then shows as unreachable).
            tracing::error!(error = %e, "link checker client could not be built");
            reqwest::Client::builder()
                .no_proxy()
                .dns_resolver(Arc::new(GuardedResolver { allow: Arc::new(AllowList::default()) }))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default()
        })
}

fn refused_by_guard(e: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<InternalTarget>() {
            return true;
        }
        source = err.source();
    }
    false
}

/// What one link answers: HEAD first, then GET for servers that answer HEAD wrongly.
pub async fn check(checker: &Checker, url: &str) -> (LinkStatus, String) {
    match url::Url::parse(url) {
        Ok(parsed) if !url_allowed(&parsed, &checker.allow) => {
            return if matches!(parsed.scheme(), "http" | "https") {
                (LinkStatus::Refused, REFUSED_DETAIL.into())
            } else {
                (LinkStatus::Broken, "地址无效".into())
            };
        }
        Ok(_) => {}
        Err(_) => return (LinkStatus::Broken, "地址无效".into()),
    }
    let mut last = None;
    for method in [reqwest::Method::HEAD, reqwest::Method::GET] {
        match checker.http.request(method, url).send().await {
            Ok(res) => {
                let code = res.status().as_u16();
                if !retry_with_get(code) {
                    return (verdict(code), format!("HTTP {code}"));
                }
                last = Some(Ok(code));
            }
            Err(e) if refused_by_guard(&e) => return (LinkStatus::Refused, REFUSED_DETAIL.into()),
            Err(e) => last = Some(Err(e)),
        }
    }
    match last {
        Some(Ok(code)) => (verdict(code), format!("HTTP {code}")),
        Some(Err(e)) if e.is_timeout() => (LinkStatus::Unreachable, "10 秒内没有响应".into()),
        Some(Err(e)) if e.is_redirect() => (LinkStatus::Unreachable, "重定向次数过多".into()),
        Some(Err(e)) if e.is_builder() => (LinkStatus::Broken, "地址无效".into()),
        Some(Err(_)) | None => (LinkStatus::Unreachable, "无法连接".into()),
    }
}

/// Checks the links that are due; returns how many were checked.
pub async fn check_due(state: &AppState, checker: &Checker) -> Result<usize, gongkai_app::Error> {
    let urls = checks::links_due(state, ROUND).await?;
    for batch in urls.chunks(PARALLEL) {
        let mut set = tokio::task::JoinSet::new();
        for url in batch {
            let (checker, url) = (checker.clone(), url.clone());
            set.spawn(async move {
                let verdict = check(&checker, &url).await;
                (url, verdict)
            });
        }
        while let Some(done) = set.join_next().await {
            if let Ok((url, (status, detail))) = done {
                checks::record_link(state, &url, status, &detail).await?;
            }
        }
    }
    Ok(urls.len())
}

/// Runs `check_due` whenever a report asked for links, and every minute for other nodes' asks.
pub fn spawn_link_checker(state: AppState) {
    tokio::spawn(async move {
        let client = client(&state.server.link_check_allow);
        loop {
            tokio::select! {
                _ = state.link_wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(60)) => {}
            }
            loop {
                match check_due(&state, &client).await {
                    Ok(n) if n as i64 == ROUND => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "link check failed");
                        break;
                    }
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_literals_are_judged_before_any_request() {
        let none = AllowList::default();
        for (raw, ok) in [
            ("http://127.0.0.1/", false),
            ("http://2130706433/", false),
            ("http://0x7f.1/", false),
            ("http://0177.0.0.1/", false),
            ("http://[::1]/", false),
            ("http://[::ffff:7f00:1]/", false),
            ("http://169.254.169.254/latest/meta-data/", false),
            ("http://10.1.2.3:8080/", false),
            ("http://localhost:9000/", false),
            ("http://LOCALHOST./", false),
            ("http://db.localhost/", false),
            ("ftp://8.8.8.8/", false),
            ("http://8.8.8.8/", true),
            ("https://www.gov.cn/zhengce/", true),
        ] {
            assert_eq!(url_allowed(&url::Url::parse(raw).unwrap(), &none), ok, "{raw}");
        }
        let allow = AllowList::parse("127.0.0.1, oa.intranet.example,10.0.0.0/8 localhost").unwrap();
        assert_eq!(allow.hosts, ["oa.intranet.example", "localhost"]);
        for raw in ["http://127.0.0.1/", "http://2130706433/", "http://10.9.9.9/", "http://localhost/"] {
            assert!(url_allowed(&url::Url::parse(raw).unwrap(), &allow), "{raw}");
        }
        assert!(!url_allowed(&url::Url::parse("http://127.0.0.2/").unwrap(), &allow));
        assert!(allow.allows(Some("OA.intranet.example."), "192.168.1.1".parse().unwrap()));
        assert!(!allow.allows(Some("other.example"), "192.168.1.1".parse().unwrap()));
        assert!(AllowList::parse("oa.example:8080").is_err() && AllowList::parse("10.0.0.0/40").is_err());
    }

    /// Names are judged where they are resolved, so the connection goes only to an address
    /// that passed: the client alone (without the check before the request) refuses them.
    #[tokio::test]
    async fn names_resolving_inside_are_refused_at_connect_time() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let app = axum::Router::new().fallback(|| async { "inside" });
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let url = format!("http://localhost:{port}/");
        let err = http_client(Arc::new(AllowList::default())).get(&url).send().await.unwrap_err();
        assert!(refused_by_guard(&err), "{err:?}");
        let res = http_client(Arc::new(AllowList::parse("localhost").unwrap())).get(&url).send().await.unwrap();
        assert_eq!(res.status(), 200, "a name on the allow-list is fetched");
    }
}
