//! The background check of external links in document bodies. A check report asks for each
//! link (`Store::link_check_request`); this task takes the due ones, a few at a time, and
//! records what the far server answered, so a review page never waits on another host.

use crate::app::AppState;
use gongkai_domain::link_check::{LinkStatus, retry_with_get, verdict};
use std::time::Duration;

/// How many links one round takes, and how many are fetched at once.
const ROUND: i64 = 32;
const PARALLEL: usize = 4;

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::limited(5))
        .user_agent(concat!("gongkai-linkcheck/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// What one link answers: HEAD first, then GET for servers that answer HEAD wrongly.
pub async fn check(client: &reqwest::Client, url: &str) -> (LinkStatus, String) {
    let mut last = None;
    for method in [reqwest::Method::HEAD, reqwest::Method::GET] {
        match client.request(method, url).send().await {
            Ok(res) => {
                let code = res.status().as_u16();
                if !retry_with_get(code) {
                    return (verdict(code), format!("HTTP {code}"));
                }
                last = Some(Ok(code));
            }
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
pub async fn check_due(state: &AppState, client: &reqwest::Client) -> Result<usize, gongkai_store::StoreError> {
    let urls = state.store.link_checks_due(ROUND).await?;
    for batch in urls.chunks(PARALLEL) {
        let mut set = tokio::task::JoinSet::new();
        for url in batch {
            let (client, url) = (client.clone(), url.clone());
            set.spawn(async move {
                let verdict = check(&client, &url).await;
                (url, verdict)
            });
        }
        while let Some(done) = set.join_next().await {
            if let Ok((url, (status, detail))) = done {
                state.store.link_check_record(&url, status, &detail).await?;
            }
        }
    }
    Ok(urls.len())
}

/// Runs `check_due` whenever a report asked for links, and every minute for other nodes' asks.
pub fn spawn_link_checker(state: AppState) {
    tokio::spawn(async move {
        let client = client();
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
