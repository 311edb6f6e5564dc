//! The demo's follow-through to money paid, through the use cases with the context's clock set
//! to the day of each step: every published policy run against the register (the "matched"
//! figures), a 免申即享 公示名单 of 市科技局 reviewed, published and mostly paid, a second list
//! still a draft, and 快申快享 claims in every state.

use super::claims;
use super::redemption::{self, ListAction, NewList};
use crate::demo::{account as person, day, morning};
use crate::{Context, Error, NoEffects, Options};
use gongkai_domain::business_policy::redemption::{ClaimEvent, ClaimFields, PayoutEvent};
use gongkai_store::{Actor, Store};
use std::sync::Arc;

type Result<T> = std::result::Result<T, Error>;

async fn policy_titled(store: &Store, title: &str) -> Result<i64> {
    store
        .policies_live()
        .await?
        .into_iter()
        .find(|p| p.live.as_ref().is_some_and(|l| l.title == title))
        .map(|p| p.id)
        .ok_or_else(|| Error::internal(format!("demo policy {title}")))
}

/// Loads it once; answers how many claims it added.
pub async fn load(store: &Store) -> Result<usize> {
    if store.audit_action_taken("demo.redemption").await? {
        return Ok(0);
    }
    let cx = Context::new(store.clone(), Options::default(), Arc::new(NoEffects));
    let admin = person(store, "admin").await?;
    let editor = person(store, "kjj_editor").await?;
    let reviewers = [
        person(store, "kjj_reviewer1").await?,
        person(store, "kjj_reviewer2").await?,
        person(store, "kjj_reviewer3").await?,
    ];

    // Every published policy against the register, as the policy offices did on 2 November.
    cx.clock.set(Some(morning(day("2026-11-02"))));
    for p in store.policies_live().await? {
        redemption::save_run(&cx, &admin, p.id).await?;
    }

    // 高新技术企业认定奖励: the list drawn, reviewed and published for its 公示期 …
    let award = policy_titled(store, "济南市高新技术企业认定奖励").await?;
    let list = redemption::create_list(&cx, &editor, award, &NewList::default()).await?;
    redemption::act_list(&cx, &editor, list.id, &ListAction::Submit).await?;
    for (r, on) in reviewers.iter().zip(["2026-11-03", "2026-11-04", "2026-11-05"]) {
        cx.clock.set(Some(morning(day(on))));
        redemption::act_list(&cx, r, list.id, &ListAction::Approve).await?;
    }
    // … then paid after it, but for one enterprise whose account was closed.
    cx.clock.set(Some(morning(day("2026-11-20"))));
    let payouts = store.policy_payouts(award).await?;
    for (i, p) in payouts.iter().enumerate() {
        let event = if i == 2 {
            PayoutEvent::Return {
                reason: "企业基本存款账户已注销，待企业提供新账户后重新兑现".into()
            }
        } else if i + 1 == payouts.len() && payouts.len() > 3 {
            continue; // still 待兑现: the bank's transfer is pending
        } else {
            PayoutEvent::Pay { on: day("2026-11-19"), amount_yuan: p.amount_yuan.unwrap_or(200_000) }
        };
        redemption::set_payout(&cx, &editor, p.id, &event).await?;
    }

    // 快申快享: 研发费用后补助, claims from enterprises of the register in every state.
    let subsidy = policy_titled(store, "济南市科技型中小企业研发费用后补助").await?;
    let live = super::library::published(&cx, subsidy).await?;
    let enterprises = store.enterprises().await?;
    // (received on, fixed numbers, the unit's steps with their days)
    type Story<'a> = (&'a str, Option<(&'a str, &'a str)>, &'a [(&'a str, ClaimEvent)]);
    let stories: [Story; 6] = [
        (
            "2026-10-12",
            Some(("Q20261000000001", "KJJ7DEMQ")),
            &[("2026-10-13", ClaimEvent::Accept), ("2026-10-21", ClaimEvent::Approve { amount_yuan: 326_000 })],
        ),
        (
            "2026-10-20",
            None,
            &[
                ("2026-10-21", ClaimEvent::Accept),
                (
                    "2026-10-30",
                    ClaimEvent::Reject {
                        reason: "申报的研发费用未经专项审计，且未在企业所得税年度申报中归集；请按申报指南补充专项审计报告后重新申报。"
                            .into(),
                    },
                ),
            ],
        ),
        (
            "2026-11-03",
            None,
            &[("2026-11-04", ClaimEvent::Accept), ("2026-11-13", ClaimEvent::Approve { amount_yuan: 185_000 })],
        ),
        ("2026-11-24", None, &[("2026-11-25", ClaimEvent::Accept)]),
        ("2026-12-01", None, &[]),
        ("2026-12-04", None, &[]),
    ];
    let statements = [
        "本公司2025年度研发费用486万元，已通过科技型中小企业评价（入库编号2025370100000123），研发费用经专项审计。",
        "本公司为科技型中小企业，2025年度研发投入约120万元，申请研发费用后补助。",
        "本公司2025年度研发费用185万元，主要投向工业软件国产化适配，已附专项审计报告。",
        "本公司2025年研发费用92万元，占营业收入6.1%，申请后补助。",
        "申请2025年度研发费用后补助，研发费用专项审计报告已上传至市科技局业务系统。",
        "本公司新入库科技型中小企业，2025年研发费用68万元。",
    ];
    let contacts = [
        ("刘洋", "13905310001"),
        ("张磊", "0531-88112233"),
        ("王芳", "13806400002"),
        ("李静", "15165010003"),
        ("赵刚", "0531-67890123"),
        ("陈晨", "18653110004"),
    ];
    let mut added = 0;
    for (i, (received, fixed, steps)) in stories.iter().enumerate() {
        let e = enterprises.get(i * 7).ok_or_else(|| Error::internal("demo register too small"))?;
        cx.clock.set(Some(morning(day(received))));
        let fields = ClaimFields {
            credit_code: e.credit_code.clone(),
            enterprise_name: e.name.clone(),
            contact_name: contacts[i].0.into(),
            phone: contacts[i].1.into(),
            statement: statements[i].into(),
            amount_yuan: None,
        };
        let ack = claims::store(&cx, &live, &fields, "", day(received), *fixed).await?;
        for (on, event) in *steps {
            cx.clock.set(Some(morning(day(on))));
            claims::act(&cx, &editor, ack.claim.id, event).await?;
        }
        added += 1;
    }
    // The first approved claim was paid.
    cx.clock.set(Some(morning(day("2026-11-06"))));
    if let Some(p) = store.policy_payouts(subsidy).await?.into_iter().find(|p| p.amount_yuan == Some(326_000)) {
        redemption::set_payout(&cx, &editor, p.id, &PayoutEvent::Pay { on: day("2026-11-05"), amount_yuan: 326_000 })
            .await?;
    }

    // A second 免申即享 list, drawn and still a draft (瞪羚企业成长奖励 of the 高新区).
    let gazelle = policy_titled(store, "济南高新区瞪羚企业成长奖励").await?;
    cx.clock.set(Some(morning(day("2026-12-02"))));
    match redemption::create_list(&cx, &admin, gazelle, &NewList::default()).await {
        // A register without a gazelle enterprise has no list to draw.
        Ok(_) | Err(Error::Invalid(_)) => {}
        Err(e) => return Err(e),
    }

    let mut w = store.write(Actor::system("demo")).await?;
    w.record("demo.redemption", "demo", 0, None, "载入演示用政策兑现数据");
    w.commit().await?;
    Ok(added)
}
