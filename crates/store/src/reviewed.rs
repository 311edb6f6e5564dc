//! Records drafted and reviewed as documents are, each a working copy (`draft`) and the
//! published version (`live`) in its own table with the same review columns: `status`,
//! `author_id`, `reviewer_first`, `reviewer_second`, `reviewer_final` (after a prefix when a
//! table reviews two parts). The steps that only touch those columns are written once here
//! for every such table: policies, 公示名单, consultations and their feedback, open days.

use crate::audit::Writer;
use crate::error::Result;
use crate::row::Named;
use gongkai_domain::workflow::{Stage, State};

/// A reviewed copy's state: who wrote the revision and who approved each stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub status: State,
    pub author_id: Option<i64>,
    pub reviewers: [Option<i64>; 3],
}

impl Review {
    /// What the workflow rule needs to know.
    pub fn facts(&self, has_live: bool) -> gongkai_domain::workflow::Facts {
        gongkai_domain::workflow::Facts { author: self.author_id.unwrap_or(0), reviewers: self.reviewers, has_live }
    }

    /// The review columns of a row, their names after `prefix` (a table may review two parts).
    pub(crate) fn read(r: &Named<'_>, prefix: &str) -> Result<Review> {
        Ok(Review {
            status: r.code(&format!("{prefix}status"), State::parse)?,
            author_id: r.get(&format!("{prefix}author_id"))?,
            reviewers: [
                r.get(&format!("{prefix}reviewer_first"))?,
                r.get(&format!("{prefix}reviewer_second"))?,
                r.get(&format!("{prefix}reviewer_final"))?,
            ],
        })
    }
}

/// A table of reviewed records (or one reviewed part of its rows).
#[derive(Debug, Clone, Copy)]
pub struct Table {
    pub table: &'static str,
    /// The audit's name of the object.
    pub noun: &'static str,
    /// The audit's actions are `{action}.status`, `{action}.discard`, `{action}.withdraw`.
    pub action: &'static str,
    /// The prefix of the part's columns (`report_status`, `report_draft`, …); empty for most.
    pub prefix: &'static str,
    /// What the audit's summaries call a record before its title (“政策”), or nothing.
    pub what: &'static str,
}

impl Table {
    /// A table whose audit action is its object's name, with unprefixed columns.
    pub const fn named(table: &'static str, noun: &'static str) -> Table {
        Table { table, noun, action: noun, prefix: "", what: "" }
    }

    /// The same table's part whose columns start with `prefix`.
    pub const fn with_prefix(self, prefix: &'static str) -> Table {
        Table { prefix, ..self }
    }
}

/// Who has approved each stage after a move from `old` to `status`: every review is cleared
/// when the working copy goes back to draft or starts a new round; `reviewer` approved a stage.
pub(crate) fn reviewers_after(
    old: State,
    reviewers: [Option<i64>; 3],
    status: State,
    reviewer: Option<(Stage, i64)>,
) -> [Option<i64>; 3] {
    let mut out = reviewers;
    if status == State::Draft || status == State::InReview(Stage::First) && old == State::Draft {
        out = [None; 3];
    }
    if let Some((stage, by)) = reviewer {
        out[stage.index()] = Some(by);
    }
    out
}

/// One review step of a record: the status it goes to, who starts a revision (submit or
/// revise) or approves a stage.
#[derive(Debug, Clone)]
pub struct Step {
    pub status: State,
    pub author: Option<i64>,
    pub reviewer: Option<(Stage, i64)>,
    pub summary: String,
}

impl Writer {
    /// Moves a record's working copy to the step's status; every review is cleared when it
    /// goes back to draft or is submitted anew.
    pub async fn reviewed_set_status(
        &mut self,
        t: Table,
        id: i64,
        unit_id: i64,
        before: &Review,
        step: Step,
    ) -> Result<()> {
        let reviewers = reviewers_after(before.status, before.reviewers, step.status, step.reviewer);
        let (table, p) = (t.table, t.prefix);
        sqlx::query(&format!(
            "UPDATE {table} SET {p}status = $1, {p}author_id = COALESCE($2, {p}author_id), {p}reviewer_first = $3, \
             {p}reviewer_second = $4, {p}reviewer_final = $5, updated_at = $6 WHERE id = $7"
        ))
        .bind(step.status.code())
        .bind(step.author)
        .bind(reviewers[0])
        .bind(reviewers[1])
        .bind(reviewers[2])
        .bind(crate::now_text())
        .bind(id)
        .execute(self.conn())
        .await?;
        self.record(&format!("{}.status", t.action), t.noun, id, Some(unit_id), step.summary);
        Ok(())
    }

    /// Drops a revision: the working copy is the published version again.
    pub async fn reviewed_discard(&mut self, t: Table, id: i64, unit_id: i64, title: &str) -> Result<()> {
        let (table, p) = (t.table, t.prefix);
        sqlx::query(&format!(
            "UPDATE {table} SET {p}draft = {p}live, {p}status = $1, updated_at = $2 WHERE id = $3 AND {p}live IS NOT NULL"
        ))
        .bind(State::Published.code())
        .bind(crate::now_text())
        .bind(id)
        .execute(self.conn())
        .await?;
        let what = t.what;
        self.record(
            &format!("{}.discard", t.action),
            t.noun,
            id,
            Some(unit_id),
            format!("放弃对{what}《{title}》的修订"),
        );
        Ok(())
    }

    /// Takes the record down: the public no longer sees it.
    pub async fn reviewed_withdraw(&mut self, t: Table, id: i64, unit_id: i64, title: &str, note: &str) -> Result<()> {
        let (table, p) = (t.table, t.prefix);
        sqlx::query(&format!("UPDATE {table} SET {p}live = NULL, {p}status = $1, updated_at = $2 WHERE id = $3"))
            .bind(State::Withdrawn.code())
            .bind(crate::now_text())
            .bind(id)
            .execute(self.conn())
            .await?;
        let what = t.what;
        self.record(
            &format!("{}.withdraw", t.action),
            t.noun,
            id,
            Some(unit_id),
            format!("撤下{what}《{title}》：{note}"),
        );
        Ok(())
    }
}
