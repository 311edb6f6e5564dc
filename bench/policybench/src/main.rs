//! Benchmark of issue 15, the policy calculator (政策计算器):
//!
//!   policybench generate --count 10000 --unit CREDIT_CODE > policies.jsonl
//!       writes generated policies (rules of every field and operator, two to four levels
//!       deep) for `gongkai import policies`;
//!   policybench match --url http://127.0.0.1:18481 --requests 2000
//!       POSTs one enterprise profile to /api/v1/policies/match, one request at a time, and
//!       reports p50/p99 — with GET /healthz timed the same way as the floor of a round trip;
//!   policybench register --enterprises 100000
//!       evaluates one policy's rule (with its reasons) against generated profiles in process,
//!       as running a 免申即享 policy against the enterprise register does.
//!
//! Each command prints one JSON line on stdout (bench/policies.sh makes the table from it).

use anyhow::{Result, anyhow, bail};
use chrono::NaiveDate;
use gongkai_domain::business_policy::profile::EnterpriseProfile;
use gongkai_domain::business_policy::rule::{Facts, Rule, Truth};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// A small deterministic generator (xorshift): the same file on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const DISTRICTS: [&str; 13] = [
    "370102", "370103", "370104", "370105", "370112", "370113", "370114", "370115", "370116", "370117", "370124",
    "370126", "370176",
];
const INDUSTRIES: [&str; 12] =
    ["C3911", "C1391", "I6510", "I6420", "F5212", "G5430", "K7020", "M7320", "A0111", "E4710", "L7212", "H6110"];
const QUALIFICATIONS: [&str; 7] =
    ["high_tech", "specialized_new", "little_giant", "tech_sme", "gazelle", "unicorn", "listed"];

fn leaf(r: &mut Rng) -> Value {
    match r.below(10) {
        0 => json!({"field": "district", "op": "in", "value": [r.pick(&DISTRICTS), r.pick(&DISTRICTS)]}),
        1 => {
            json!({"field": "industry", "op": "prefix", "value": [&r.pick(&INDUSTRIES)[..1], &r.pick(&INDUSTRIES)[..3]]})
        }
        2 => json!({"field": "qualifications", "op": "contains", "value": r.pick(&QUALIFICATIONS)}),
        3 => json!({"field": "employees", "op": *r.pick(&["<", "<=", ">", ">="]), "value": r.below(1000)}),
        4 => json!({"field": "revenue_wan", "op": ">=", "value": r.below(50000)}),
        5 => json!({"field": "rd_ratio", "op": ">=", "value": r.below(10) as f64 / 100.0}),
        6 => json!({"field": "size", "op": "<=", "value": r.pick(&["small", "medium", "large"])}),
        7 => json!({"field": "age_years", "op": "<=", "value": r.below(10) + 1}),
        8 => json!({"field": "export", "op": "==", "value": r.below(2) == 0}),
        _ => json!({"field": "ownership", "op": "in", "value": [r.pick(&["private", "state", "foreign", "mixed"])]}),
    }
}

fn rule(r: &mut Rng, depth: u32) -> Value {
    if depth == 0 || r.below(3) == 0 {
        return leaf(r);
    }
    let parts: Vec<Value> = (0..2 + r.below(3)).map(|_| rule(r, depth - 1)).collect();
    match r.below(5) {
        0 => json!({"any": parts}),
        1 => json!({"not": parts[0]}),
        _ => json!({"all": parts}),
    }
}

fn generate(flags: &Flags) -> Result<()> {
    let count: u64 = flags.num("count", 10_000)?;
    let unit = flags.get("unit").ok_or_else(|| anyhow!("--unit CREDIT_CODE (or id) is needed"))?;
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let benefits = ["subsidy", "tax_relief", "loan_interest", "talent", "land", "financing", "honour", "other"];
    let modes = ["exempt_apply", "quick_apply", "regular"];
    let levels = ["national", "provincial", "city", "district"];
    for i in 0..count {
        let amount = if r.below(2) == 0 {
            json!({"fixed_yuan": (r.below(100) + 1) * 10_000})
        } else {
            json!({"rate": 0.05, "of": "rd_expense_wan", "cap_yuan": 1_000_000})
        };
        let line = json!({
            "unit": unit, "key": format!("bench-{i}"), "title": format!("测试政策第{i}号"),
            "level": r.pick(&levels), "benefit_type": r.pick(&benefits), "mode": r.pick(&modes),
            "amount": amount, "rule": rule(&mut r, 3),
        });
        println!("{line}");
    }
    Ok(())
}

fn profile() -> Value {
    json!({
        "district": "370112", "industry": "I6510", "founded_on": "2019-06-01", "employees": 120,
        "revenue_wan": 8000, "rd_expense_wan": 900, "rd_ratio": 0.11, "registered_capital_wan": 2000,
        "qualifications": ["high_tech", "tech_sme"], "ownership": "private", "export": false
    })
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

async fn timed<T: Default>(n: usize, mut call: impl AsyncFnMut() -> Result<T>) -> Result<(Vec<Duration>, T)> {
    let mut times = Vec::with_capacity(n);
    let mut last = T::default();
    for _ in 0..n {
        let t = Instant::now();
        last = call().await?;
        times.push(t.elapsed());
    }
    times.sort();
    Ok((times, last))
}

async fn match_bench(flags: &Flags) -> Result<()> {
    let url = flags.get("url").ok_or_else(|| anyhow!("--url is needed"))?.trim_end_matches('/').to_string();
    let n: usize = flags.num("requests", 2000)?;
    let client = reqwest::Client::new();
    let body = json!({"profile": profile()});
    let post = async || {
        let res = client.post(format!("{url}/api/v1/policies/match")).json(&body).send().await?;
        if !res.status().is_success() {
            bail!("match answered {}", res.status());
        }
        // The server's answer as bytes: parsing megabytes of JSON here would time this client,
        // not the server (the policies of the last answer are counted by their ids, untimed).
        Ok(res.bytes().await?)
    };
    let get = async || {
        let res = client.get(format!("{url}/healthz")).send().await?;
        if !res.status().is_success() {
            bail!("healthz answered {}", res.status());
        }
        Ok(res.bytes().await?.len())
    };
    timed(50, post).await?;
    let (matches, last) = timed(n, post).await?;
    let policies = last.windows(11).filter(|w| w == b"\"policy_id\"").count();
    let (floor, _) = timed(n, get).await?;
    eprintln!("{policies} policies open on the day, {n} requests each");
    println!(
        "{}",
        json!({
            "policies": policies, "requests": n,
            "match_p50_ms": percentile(&matches, 0.5), "match_p99_ms": percentile(&matches, 0.99),
            "healthz_p50_ms": percentile(&floor, 0.5), "healthz_p99_ms": percentile(&floor, 0.99),
        })
    );
    Ok(())
}

fn register(flags: &Flags) -> Result<()> {
    let n: u64 = flags.num("enterprises", 100_000)?;
    let today = NaiveDate::from_ymd_opt(2026, 12, 6).ok_or_else(|| anyhow!("date"))?;
    let mut r = Rng(0x2545_f491_4f6c_dd1d);
    let t = Instant::now();
    let profiles: Vec<EnterpriseProfile> = (0..n)
        .map(|_| {
            let mut v = json!({
                "district": r.pick(&DISTRICTS), "industry": r.pick(&INDUSTRIES), "employees": r.below(2000),
                "revenue_wan": r.below(100_000), "rd_ratio": r.below(20) as f64 / 100.0,
                "founded_on": format!("{}-0{}-1{}", 2000 + r.below(26), 1 + r.below(9), r.below(9)),
                "qualifications": [r.pick(&QUALIFICATIONS)], "export": r.below(2) == 0,
            });
            if r.below(4) == 0 {
                v.as_object_mut().map(|o| o.remove("rd_ratio"));
            }
            EnterpriseProfile::from_json(&v, today).map_err(|e| anyhow!("{e}"))
        })
        .collect::<Result<_>>()?;
    let read = t.elapsed();
    let policy = Rule::from_json(&json!({"all": [
        {"field": "district", "op": "in", "value": ["370102", "370112", "370176"]},
        {"any": [
            {"field": "qualifications", "op": "contains", "value": "high_tech"},
            {"all": [{"field": "rd_ratio", "op": ">=", "value": 0.05}, {"field": "size", "op": "<=", "value": "medium"}]}
        ]},
        {"not": {"field": "industry", "op": "prefix", "value": ["K", "F52"]}}
    ]}))
    .map_err(|e| anyhow!("{e}"))?;
    let t = Instant::now();
    let mut counts = [0usize; 3];
    for p in &profiles {
        let explained = policy.explain(&Facts::of(p, today));
        counts[match explained.truth {
            Truth::True => 0,
            Truth::Unknown => 1,
            Truth::False => 2,
        }] += 1;
    }
    let run = t.elapsed();
    println!(
        "{}",
        json!({
            "enterprises": n, "eligible": counts[0], "possible": counts[1], "ineligible": counts[2],
            "read_profiles_ms": read.as_secs_f64() * 1000.0, "evaluate_ms": run.as_secs_f64() * 1000.0,
        })
    );
    Ok(())
}

/// Where a match's time goes, in process: reading the rules, explaining each, serialising.
fn inproc(flags: &Flags) -> Result<()> {
    let count: u64 = flags.num("count", 10_000)?;
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let rules: Vec<Rule> =
        (0..count).map(|_| Rule::from_json(&rule(&mut r, 3)).map_err(|e| anyhow!("{e}"))).collect::<Result<_>>()?;
    let today = NaiveDate::from_ymd_opt(2026, 12, 6).ok_or_else(|| anyhow!("date"))?;
    let p = EnterpriseProfile::from_json(&profile(), today).map_err(|e| anyhow!("{e}"))?;
    let facts = Facts::of(&p, today);
    let t = Instant::now();
    let truths: Vec<Truth> = rules.iter().map(|r| r.eval(&facts)).collect();
    let eval = t.elapsed();
    // The library keeps its rules, so their words are made on the first request only: the
    // first pass is timed apart from a second.
    let t = Instant::now();
    let cold: Vec<_> = rules.iter().map(|r| r.explain(&facts)).collect();
    let explain_cold = t.elapsed();
    drop(cold);
    let t = Instant::now();
    let explained: Vec<_> = rules.iter().map(|r| r.explain(&facts)).collect();
    let explain = t.elapsed();
    let t = Instant::now();
    let json = serde_json::to_vec(&explained.iter().map(|e| &e.reasons).collect::<Vec<_>>())?;
    let serialise = t.elapsed();
    // What the calculator does for each policy: the truth, then the reasons written straight
    // as JSON from the kept words and figures (the words were made by the passes above).
    let t = Instant::now();
    let mut written = Vec::with_capacity(json.len());
    for r in &rules {
        let truth = r.eval(&facts);
        r.write_reasons(&facts, truth, &mut written);
    }
    let write = t.elapsed();
    println!(
        "{}",
        json!({
            "rules": rules.len(), "true": truths.iter().filter(|t| **t == Truth::True).count(),
            "eval_ms": eval.as_secs_f64() * 1000.0, "explain_ms": explain.as_secs_f64() * 1000.0,
            "explain_first_ms": explain_cold.as_secs_f64() * 1000.0,
            "serialise_ms": serialise.as_secs_f64() * 1000.0, "json_bytes": json.len(),
            "eval_and_write_ms": write.as_secs_f64() * 1000.0, "written_bytes": written.len(),
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

    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    fn num<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| anyhow!("--{name} {v} is not a number")),
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let flags = Flags::parse(args)?;
    match command.as_str() {
        "generate" => generate(&flags),
        "match" => match_bench(&flags).await,
        "register" => register(&flags),
        "inproc" => inproc(&flags),
        _ => bail!("usage: gongkai-policybench generate|match|register [--flag value]…"),
    }
}
