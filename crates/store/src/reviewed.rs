//! Records drafted and reviewed as documents are, each a working copy (`draft`) and the
//! published version (`live`) in its own table with the same review columns: `status`,
//! `author_id`, `reviewer_first`, `reviewer_second`, `reviewer_final`. The steps that only
//! touch those columns are written once here for every such table.

use crate::audit::Writer;
use crate::business_policy::reviewers_after;
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

/// A table of reviewed records: its name, and the audit's name of the object.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    pub table: &'static str,
    pub noun: &'static str,
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
        sqlx::query(&format!(
            "UPDATE {} SET status = $1, author_id = COALESCE($2, author_id), reviewer_first = $3, \
             reviewer_second = $4, reviewer_final = $5, updated_at = $6 WHERE id = $7",
            t.table
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
        self.record(&format!("{}.status", t.noun), t.noun, id, Some(unit_id), step.summary);
        Ok(())
    }

    /// Drops a revision: the working copy is the published version again.
    pub async fn reviewed_discard(&mut self, t: Table, id: i64, unit_id: i64, title: &str) -> Result<()> {
        sqlx::query(&format!(
            "UPDATE {} SET draft = live, status = $1, updated_at = $2 WHERE id = $3 AND live IS NOT NULL",
            t.table
        ))
        .bind(State::Published.code())
        .bind(crate::now_text())
        .bind(id)
        .execute(self.conn())
        .await?;
        self.record(&format!("{}.discard", t.noun), t.noun, id, Some(unit_id), format!("放弃对《{title}》的修订"));
        Ok(())
    }

    /// Takes the record down: the public no longer sees it.
    pub async fn reviewed_withdraw(&mut self, t: Table, id: i64, unit_id: i64, title: &str, note: &str) -> Result<()> {
        sqlx::query(&format!("UPDATE {} SET live = NULL, status = $1, updated_at = $2 WHERE id = $3", t.table))
            .bind(State::Withdrawn.code())
            .bind(crate::now_text())
            .bind(id)
            .execute(self.conn())
            .await?;
        self.record(&format!("{}.withdraw", t.noun), t.noun, id, Some(unit_id), format!("撤下《{title}》：{note}"));
        Ok(())
    }
}
