//! Benchmark of issue 16, public consultations (意见征集):
//!
//!   consultbench group --count 1000000
//!       generates opinions deterministically (80–300 characters; about 30 % near-duplicates:
//!       edited copies of earlier opinions and of a few campaign letters copied thousands of
//!       times), groups them with `grouping::group_all` and reports time, peak memory and the
//!       pair precision and recall against the generator's truth (which opinion each is a copy
//!       of), counted exactly over all pairs from the group × family table.
//!
//! Each command prints one JSON line on stdout.

use anyhow::{Result, anyhow, bail};
use gongkai_domain::consultation::grouping;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

/// A small deterministic generator (xorshift): the same opinions on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Common characters, for made-up place names and edits.
const COMMON: &str = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研";

const PLACE_KINDS: [&str; 12] =
    ["路", "街", "小区", "社区", "村", "公园", "中学", "小学", "医院", "广场", "菜市场", "花园"];

const SUBJECTS: [&str; 30] = [
    "道路拥堵",
    "老旧小区改造",
    "加装电梯",
    "夜间施工噪音",
    "垃圾分类",
    "公交线路",
    "学校周边交通",
    "社区养老",
    "路灯维修",
    "共享单车停放",
    "餐饮油烟",
    "电动车充电",
    "路面积水",
    "公共厕所",
    "菜市场管理",
    "停车难",
    "河道治理",
    "物业服务",
    "冬季供暖",
    "燃气安全",
    "消防通道",
    "学区划分",
    "托育服务",
    "无障碍设施",
    "绿化养护",
    "外卖电动车",
    "夜市管理",
    "医保报销",
    "社区医院",
    "快递柜收费",
];

/// Everyday words of opinions, separated by spaces.
const WORDS: &str = "群众 居民 老人 孩子 上班族 出行 安全 隐患 环境 卫生 秩序 管理 部门 \
     街道 物业 业主 社区 政府 方案 资金 补贴 标准 规划 建设 改造 维修 \
     维护 巡查 整改 落实 监督 投诉 热线 答复 意见 建议 希望 尽快 及时 \
     长期 经常 严重 非常 特别 每天 晚上 早上 周末 高峰 雨天 冬天 夏天 \
     附近 周边 门口 对面 楼下 路口 车辆 行人 车位 电梯 楼道 管道 线路 \
     站点 班次 费用 价格 收费 服务 质量 效率 态度 问题 情况 现象 原因 \
     结果 影响 困难 矛盾 需求 期待 满意 不便 拥挤 混乱 破损 积水 噪音 \
     异味 灰尘 油烟 排队 等待 绕路 堵车 停放 占用 清理 清运 增设 增加 \
     减少 调整 优化 完善 加强 推进 协调 解决 公开 征求 参与 共建 共治 \
     共享 便民 惠民 民生 实事";

const OPENERS: [&str; 8] = [
    "关于{place}的{subject}问题，我想提几点意见：",
    "我是{place}的居民，想反映一下{subject}的情况。",
    "{subject}是大家关心的事，{place}这边尤其突出。",
    "针对{place}{subject}，提出以下建议。",
    "各位领导好！{place}附近的{subject}问题困扰我们很久了。",
    "看到这次意见征集，我说说{place}{subject}的事。",
    "{place}{subject}的问题需要重视。",
    "作为在{place}住了多年的老住户，谈谈{subject}。",
];

const CLOSINGS: [&str; 8] = ["谢谢！", "盼复。", "以上意见供参考。", "", "希望得到重视。", "辛苦了！", "", "此致敬礼"];

/// Campaign letters: many people send the same text, with a few changes and their name.
const CAMPAIGNS: [&str; 5] = [
    "我们强烈要求在幸福里小区东侧规划建设一所公办小学。目前小区及周边有三千多户居民，适龄儿童每年超过四百人，孩子们每天要跨过两条主干道去三公里外的学校上学，早晚高峰车流量大，安全隐患突出，家长接送也非常困难。恳请教育部门和规划部门把这件事列入今年的民生实事，尽快启动选址和建设。",
    "反对在滨河公园北侧建设垃圾中转站。该地块紧邻居民区和幼儿园，距离最近的住宅楼不到五十米，中转站运行后产生的异味、噪音和运输车辆将严重影响周边居民的生活和孩子的健康。建议重新论证选址，公开环评报告，并召开听证会充分听取周边居民的意见。",
    "建议延长地铁二号线至科技园片区。科技园现有企业两百多家，从业人员超过五万人，目前只有两条公交线路，高峰时段排队上车要等半个小时以上，很多年轻人因为通勤问题离开园区。希望把二号线延伸纳入下一轮轨道交通建设规划，近期先开通直达地铁站的接驳公交。",
    "请求为东关街道老旧小区统一加装电梯。这些小区建于上世纪九十年代，六层以上的楼房没有电梯，住户中六十岁以上老人占比超过四成，很多老人常年下不了楼。建议政府加大补贴力度，简化审批流程，由街道统一组织设计施工，解决低层住户的顾虑。",
    "希望整治和平路夜市的占道经营和噪音问题。夜市每天营业到凌晨两点，摊位占满人行道和非机动车道，行人只能走机动车道，烧烤油烟直接飘进居民家里，音响声音很大，周边居民长期无法正常休息。建议划定经营区域和时间，安排城管定时巡查，设置油烟净化设施。",
];

const SURNAMES: &str = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段漕钱汤尹黎易常武乔贺赖龚文";

struct Generator {
    r: Rng,
    common: Vec<char>,
    surnames: Vec<char>,
    words: Vec<&'static str>,
}

impl Generator {
    fn place(&mut self) -> String {
        let (a, b) = (self.common[self.r.below(self.common.len())], self.common[self.r.below(self.common.len())]);
        format!("{a}{b}{}", self.r.pick(&PLACE_KINDS))
    }

    /// A distinct opinion of about 80–300 characters: an opener about a place and a subject,
    /// sentences of words in random order with numbers, and a closing.
    fn opinion(&mut self) -> String {
        let opener = self.r.pick(&OPENERS);
        let (place, subject) = (self.place(), self.r.pick(&SUBJECTS));
        let mut text = opener.replace("{place}", &place).replace("{subject}", subject);
        let target = 80 + self.r.below(200);
        while text.chars().count() < target {
            for _ in 0..3 + self.r.below(6) {
                text.push_str(self.r.pick(&self.words));
                if self.r.below(6) == 0 {
                    text.push_str(&format!("{}", 1 + self.r.below(500)));
                }
                if self.r.below(5) == 0 {
                    text.push(self.common[self.r.below(self.common.len())]);
                }
            }
            text.push_str(self.r.pick(&["，", "。", "；", "！", "、"]));
        }
        text.push_str(self.r.pick(&CLOSINGS));
        text
    }

    /// An edited copy: up to three characters inserted, deleted or substituted, punctuation
    /// and whitespace changed.
    fn edit(&mut self, text: &str, max_edits: usize) -> String {
        let mut chars: Vec<char> = text.chars().collect();
        for _ in 0..self.r.below(max_edits + 1) {
            let at = self.r.below(chars.len());
            let c = self.common[self.r.below(self.common.len())];
            match self.r.below(3) {
                0 => chars.insert(at, c),
                1 if chars.len() > 20 => {
                    chars.remove(at);
                }
                _ => chars[at] = c,
            }
        }
        for _ in 0..self.r.below(4) {
            let at = self.r.below(chars.len() + 1);
            chars.insert(at, *['，', ' ', '\n', '。', '!'].get(self.r.below(5)).unwrap_or(&' '));
        }
        chars.into_iter().collect()
    }

    /// A copy of a campaign letter, edited and often signed.
    fn campaign_copy(&mut self, letter: &str) -> String {
        let mut text = self.edit(letter, 3);
        if self.r.below(2) == 0 {
            let surname = self.surnames[self.r.below(self.surnames.len())];
            let title = self.r.pick(&["先生", "女士", "某", "老师"]);
            text.push_str(&format!("（居民{surname}{title}）"));
        }
        text
    }
}

/// The opinions, for each its family (the index of the first opinion of its family) and the
/// families of the campaign letters.
fn generate(count: usize) -> (Vec<String>, Vec<u32>, Vec<u32>) {
    let mut g = Generator {
        r: Rng(0x1600_C0FF_EE00_0016),
        common: COMMON.chars().collect(),
        surnames: SURNAMES.chars().collect(),
        words: WORDS.split_whitespace().collect(),
    };
    let mut texts: Vec<String> = Vec::with_capacity(count);
    let mut families: Vec<u32> = Vec::with_capacity(count);
    // The first copy of each campaign letter founds its family.
    let mut campaign_family: [Option<u32>; CAMPAIGNS.len()] = [None; CAMPAIGNS.len()];
    for i in 0..count {
        let id = i as u32;
        let roll = g.r.below(100);
        if roll < 10 {
            // 10 %: copies of the campaign letters, the first two most popular.
            let which = [0, 0, 0, 1, 1, 2, 3, 4][g.r.below(8)];
            texts.push(g.campaign_copy(CAMPAIGNS[which]));
            families.push(*campaign_family[which].get_or_insert(id));
        } else if roll < 30 && i > 0 {
            // 20 %: an edited copy of an earlier opinion (sometimes of a copy).
            let source = g.r.below(i);
            let copy = g.edit(&texts[source], 3);
            texts.push(copy);
            families.push(families[source]);
        } else {
            texts.push(g.opinion());
            families.push(id);
        }
    }
    (texts, families, campaign_family.into_iter().flatten().collect())
}

/// Pair-level precision and recall of `groups` against `families`, counted exactly from the
/// sizes of groups, families and their intersections: pairs = Σ n(n-1)/2.
fn pair_scores(groups: &[u32], families: &[u32]) -> (f64, f64, u64, u64) {
    let pairs = |counts: HashMap<(u32, u32), u64>| counts.values().map(|&n| n * (n - 1) / 2).sum::<u64>();
    let mut by_group = HashMap::new();
    let mut by_family = HashMap::new();
    let mut by_both = HashMap::new();
    for (&g, &f) in groups.iter().zip(families) {
        *by_group.entry((g, 0)).or_insert(0u64) += 1;
        *by_family.entry((f, 0)).or_insert(0u64) += 1;
        *by_both.entry((g, f)).or_insert(0u64) += 1;
    }
    let (predicted, truth, both) = (pairs(by_group), pairs(by_family), pairs(by_both));
    let ratio = |a: u64, b: u64| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    (ratio(both, predicted), ratio(both, truth), predicted, truth)
}

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn round(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

fn group(flags: &Flags) -> Result<()> {
    let count: usize = flags.num("count", 1_000_000)?;
    let started = Instant::now();
    let (texts, families, campaigns) = generate(count);
    let generate_seconds = started.elapsed().as_secs_f64();
    let rss_before_mib = rss_kib("VmRSS:") as f64 / 1024.0;
    let chars: usize = texts.iter().map(|t| t.chars().count()).sum();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();

    let started = Instant::now();
    let groups = grouping::group_all(&refs);
    let seconds = started.elapsed().as_secs_f64();
    let peak_rss_mib = rss_kib("VmHWM:") as f64 / 1024.0;

    let mut sizes: HashMap<u32, u64> = HashMap::new();
    for &g in &groups {
        *sizes.entry(g).or_insert(0) += 1;
    }
    let grouped: u64 = sizes.values().filter(|&&n| n >= 2).sum();
    let largest = sizes.values().copied().max().unwrap_or(0);
    let (precision, recall, predicted_pairs, true_pairs) = pair_scores(&groups, &families);
    // The same without the five campaign families, whose pairs dominate the counts.
    let (rest_groups, rest_families): (Vec<u32>, Vec<u32>) =
        groups.iter().zip(&families).filter(|(_, f)| !campaigns.contains(f)).map(|(g, f)| (*g, *f)).unzip();
    let (rest_precision, rest_recall, _, _) = pair_scores(&rest_groups, &rest_families);
    println!(
        "{}",
        json!({
            "opinions": count,
            "mean_chars": round(chars as f64 / count.max(1) as f64, 1),
            "groups": sizes.len(),
            "grouped_opinions": grouped,
            "largest_group": largest,
            "seconds": round(seconds, 2),
            "peak_rss_mib": round(peak_rss_mib, 0),
            "rss_before_grouping_mib": round(rss_before_mib, 0),
            "generate_seconds": round(generate_seconds, 2),
            "pair_precision": round(precision, 4),
            "pair_recall": round(recall, 4),
            "predicted_pairs": predicted_pairs,
            "true_pairs": true_pairs,
            "pair_precision_without_campaigns": round(rest_precision, 4),
            "pair_recall_without_campaigns": round(rest_recall, 4),
        })
    );
    Ok(())
}

struct Flags(BTreeMap<String, String>);

impl Flags {
    fn parse(args: impl Iterator<Item = String>) -> Result<Flags> {
        let mut map = BTreeMap::new();
        let mut it = args;
        while let Some(flag) = it.next() {
            let Some(name) = flag.strip_prefix("--") else { bail!("unexpected argument {flag}") };
            map.insert(name.to_string(), it.next().ok_or_else(|| anyhow!("{flag} needs a value"))?);
        }
        Ok(Flags(map))
    }

    fn num<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T> {
        match self.0.get(name) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| anyhow!("--{name} {v} is not a number")),
        }
    }
}

/// `intake --url URL --token T --consultation ID [--clients 32] [--count 10000]`: `clients`
/// tasks send `count` opinions in all to `POST /api/v1/consultations/{id}/opinions` with a
/// partner's token, each as soon as the last was answered; prints the rate, the latency
/// percentiles and the receipt numbers acknowledged (to check that none is lost).
async fn intake(flags: &Flags) -> Result<()> {
    let url = flags.0.get("url").ok_or_else(|| anyhow!("--url is needed"))?.trim_end_matches('/').to_string();
    let token = flags.0.get("token").ok_or_else(|| anyhow!("--token is needed"))?.clone();
    let id: i64 = flags.num("consultation", 0)?;
    let clients: usize = flags.num("clients", 32)?;
    let count: usize = flags.num("count", 10_000)?;
    let client = reqwest::Client::builder().pool_max_idle_per_host(clients).build()?;
    let (texts, _, _) = generate(count);
    let texts = std::sync::Arc::new(texts);
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(clients);
    for _ in 0..clients {
        let (client, url, token, texts, next) =
            (client.clone(), url.clone(), token.clone(), texts.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut out: Vec<(f64, Option<String>)> = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(text) = texts.get(i) else { break };
                let t = Instant::now();
                let sent = client
                    .post(format!("{url}/api/v1/consultations/{id}/opinions"))
                    .bearer_auth(&token)
                    .json(&json!({"text": text}))
                    .send()
                    .await;
                let receipt = match sent {
                    Ok(res) if res.status() == reqwest::StatusCode::CREATED => res
                        .json::<serde_json::Value>()
                        .await
                        .ok()
                        .and_then(|v| v["receipt_no"].as_str().map(str::to_string)),
                    _ => None,
                };
                out.push((t.elapsed().as_secs_f64() * 1000.0, receipt));
            }
            out
        }));
    }
    let mut times = Vec::with_capacity(count);
    let mut receipts = Vec::with_capacity(count);
    for t in tasks {
        for (ms, receipt) in t.await? {
            times.push(ms);
            receipts.extend(receipt);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times.get(((times.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or(0.0);
    println!(
        "{}",
        json!({
            "opinions": count, "clients": clients, "acknowledged": receipts.len(),
            "errors": count - receipts.len(), "seconds": round(seconds, 2),
            "per_second": round(receipts.len() as f64 / seconds, 1),
            "p50_ms": round(pct(0.5), 2), "p99_ms": round(pct(0.99), 2), "receipts": receipts,
        })
    );
    Ok(())
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let flags = Flags::parse(args)?;
    match command.as_str() {
        "group" => group(&flags),
        "intake" => tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(intake(&flags)),
        _ => bail!(
            "usage: gongkai-consultbench group [--count N] | intake --url U --token T --consultation ID [--clients N] [--count N]"
        ),
    }
}
