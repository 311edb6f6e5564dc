//! What the dashboard warns a unit about: drafts near or past the publication time limit of
//! their catalogue item, and policies published without an interpretation in step (三同步),
//! with each unit's interpretation rate.

use crate::Context;
use crate::Error;
use chrono::Utc;
use gongkai_domain::catalogue::{DueStatus, due_status, publication_due};
use gongkai_domain::documents::{SyncStatus, interpretation_rate, sync_status};
use gongkai_domain::time::date_in_china;
use serde::Serialize;
use utoipa::ToSchema;

/// 公开时限提示
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DueRow {
    pub document_id: i64,
    pub title: String,
    pub unit_id: i64,
    pub written_on: String,
    /// 应公开日期
    pub due_on: String,
    /// 剩余工作日（逾期为负数）
    pub working_days_left: i64,
    pub late: bool,
}

/// 三同步提示
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SyncRow {
    pub document_id: i64,
    pub title: String,
    pub unit_id: i64,
    pub published_on: String,
    /// missing 或 late
    pub status: String,
    pub label: String,
}

/// 单位的政策解读率
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RateRow {
    pub unit_id: i64,
    pub unit: String,
    /// 规章和行政规范性文件数
    pub policies: usize,
    pub interpreted: usize,
    pub in_step: usize,
    /// 同步解读率（百分比）
    pub in_step_percent: u32,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Flags {
    pub late: Vec<DueRow>,
    pub due_soon: Vec<DueRow>,
    pub not_in_step: Vec<SyncRow>,
    pub rates: Vec<RateRow>,
}

/// The flags for the units given (a subtree), as of today in China.
pub async fn flags(cx: &Context, unit_ids: &[i64]) -> Result<Flags, Error> {
    let calendar = cx.calendar().await?;
    let tree = cx.unit_tree().await?;
    let today = date_in_china(Utc::now());
    let mut out = Flags::default();
    for d in cx.store.drafts_with_time_limits(unit_ids).await? {
        let Some(due) = publication_due(&calendar, d.written_on, &d.time_limit) else { continue };
        let row = |left: i64, late: bool| DueRow {
            document_id: d.id,
            title: d.title.clone(),
            unit_id: d.unit_id,
            written_on: d.written_on.to_string(),
            due_on: due.value.to_string(),
            working_days_left: left,
            late,
        };
        match due_status(&calendar, today, due.value) {
            DueStatus::Late { days_over } => out.late.push(row(-days_over, true)),
            DueStatus::DueSoon { days_left } => out.due_soon.push(row(days_left, false)),
            DueStatus::OnTime { .. } => {}
        }
    }
    let mut per_unit: std::collections::BTreeMap<i64, Vec<SyncStatus>> = Default::default();
    for p in cx.store.policies_and_interpretations(unit_ids).await? {
        let Some(status) = sync_status(p.genre, p.published_on, p.first_interpretation_on) else { continue };
        per_unit.entry(p.unit_id).or_default().push(status);
        if status != SyncStatus::InStep {
            out.not_in_step.push(SyncRow {
                document_id: p.id,
                title: p.title,
                unit_id: p.unit_id,
                published_on: p.published_on.to_string(),
                status: if status == SyncStatus::Missing { "missing" } else { "late" }.into(),
                label: status.label(),
            });
        }
    }
    for (unit_id, statuses) in per_unit {
        let (interpreted, in_step, policies, share) = interpretation_rate(&statuses);
        out.rates.push(RateRow {
            unit_id,
            unit: tree.get(unit_id).map(|u| u.short_name.clone()).unwrap_or_default(),
            policies,
            interpreted,
            in_step,
            in_step_percent: share.unwrap_or(0),
        });
    }
    Ok(out)
}
