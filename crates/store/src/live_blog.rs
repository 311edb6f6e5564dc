//! 图文直播: live pages, their posts and photos, citizens' questions, and the outbox of changes
//! viewers must see (`live_events`, whose `seq` is the Server-Sent Event id).

use crate::audit::Writer;
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::row::Named;
use chrono::{DateTime, Utc};
use gongkai_domain::live_blog::{BlogStatus, HideReason, PostKind, PostState, QuestionStatus, SubjectKind};
use gongkai_domain::time::format_instant;
use sqlx::any::AnyRow;

/// A live page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blog {
    pub id: i64,
    pub unit_id: i64,
    pub title: String,
    pub summary: String,
    pub subject_kind: SubjectKind,
    pub subject_id: Option<i64>,
    pub status: BlogStatus,
    pub starts_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// A post as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    pub id: i64,
    pub blog_id: i64,
    pub kind: PostKind,
    pub state: PostState,
    pub text: String,
    pub speaker: String,
    pub image_id: Option<i64>,
    pub alt: String,
    pub retract_note: Option<String>,
    pub posted_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
}

/// A citizen's question; `text` as sent (for moderators), `public_text` with personal data
/// masked (all viewers see).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub id: i64,
    pub blog_id: i64,
    pub name: String,
    pub text: String,
    pub public_text: String,
    pub status: QuestionStatus,
    pub hide_reason: Option<HideReason>,
    pub answer: Option<String>,
    pub received_at: DateTime<Utc>,
}

/// A change viewers must see, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveEvent {
    pub seq: i64,
    pub blog_id: i64,
    /// `post`, `question`, `question_hidden` or `status`.
    pub kind: String,
    pub object_id: i64,
    /// The JSON the viewer's page reads.
    pub payload: String,
}

const BLOG: &str = "SELECT id, unit_id, title, summary, subject_kind, subject_id, status, starts_at, started_at, \
     ended_at FROM live_blogs";
const POST: &str = "SELECT id, blog_id, kind, state, text, speaker, image_id, alt, retract_note, posted_at, edited_at \
     FROM live_posts";
const QUESTION: &str = "SELECT id, blog_id, name, text, public_text, status, hide_reason, answer, received_at \
     FROM live_questions";
const EVENT: &str = "SELECT seq, blog_id, kind, object_id, payload FROM live_events";

fn blog(row: &AnyRow) -> Result<Blog> {
    let r = Named::new(row, "live_blogs");
    Ok(Blog {
        id: r.get("id")?,
        unit_id: r.get("unit_id")?,
        title: r.get("title")?,
        summary: r.get("summary")?,
        subject_kind: r.code("subject_kind", SubjectKind::from_code)?,
        subject_id: r.get("subject_id")?,
        status: r.code("status", BlogStatus::from_code)?,
        starts_at: r.instant("starts_at")?,
        started_at: r.instant_opt("started_at")?,
        ended_at: r.instant_opt("ended_at")?,
    })
}

fn post(row: &AnyRow) -> Result<Post> {
    let r = Named::new(row, "live_posts");
    Ok(Post {
        id: r.get("id")?,
        blog_id: r.get("blog_id")?,
        kind: r.code("kind", PostKind::from_code)?,
        state: r.code("state", PostState::from_code)?,
        text: r.get("text")?,
        speaker: r.get("speaker")?,
        image_id: r.get("image_id")?,
        alt: r.get("alt")?,
        retract_note: r.get("retract_note")?,
        posted_at: r.instant("posted_at")?,
        edited_at: r.instant_opt("edited_at")?,
    })
}

fn question(row: &AnyRow) -> Result<Question> {
    let r = Named::new(row, "live_questions");
    Ok(Question {
        id: r.get("id")?,
        blog_id: r.get("blog_id")?,
        name: r.get("name")?,
        text: r.get("text")?,
        public_text: r.get("public_text")?,
        status: r.code("status", QuestionStatus::from_code)?,
        hide_reason: r.code_opt("hide_reason", HideReason::from_code)?,
        answer: r.get("answer")?,
        received_at: r.instant("received_at")?,
    })
}

fn event(row: &AnyRow) -> Result<LiveEvent> {
    let r = Named::new(row, "live_events");
    Ok(LiveEvent {
        seq: r.get("seq")?,
        blog_id: r.get("blog_id")?,
        kind: r.get("kind")?,
        object_id: r.get("object_id")?,
        payload: r.get("payload")?,
    })
}

/// A new live page.
#[derive(Debug, Clone)]
pub struct NewBlog<'a> {
    pub unit_id: i64,
    pub title: &'a str,
    pub summary: &'a str,
    pub subject_kind: SubjectKind,
    pub subject_id: Option<i64>,
    pub starts_at: DateTime<Utc>,
}

impl Store {
    pub async fn live_blog(&self, id: i64) -> Result<Option<Blog>> {
        let row = sqlx::query(&format!("{BLOG} WHERE id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(blog).transpose()
    }

    /// Every live page, the latest to start first.
    pub async fn live_blogs(&self) -> Result<Vec<Blog>> {
        let rows = sqlx::query(&format!("{BLOG} ORDER BY starts_at DESC, id DESC")).fetch_all(&self.pool).await?;
        rows.iter().map(blog).collect()
    }

    /// The posts of a page, oldest first.
    pub async fn live_posts(&self, blog_id: i64) -> Result<Vec<Post>> {
        let rows =
            sqlx::query(&format!("{POST} WHERE blog_id = $1 ORDER BY id")).bind(blog_id).fetch_all(&self.pool).await?;
        rows.iter().map(post).collect()
    }

    pub async fn live_post(&self, id: i64) -> Result<Option<Post>> {
        let row = sqlx::query(&format!("{POST} WHERE id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(post).transpose()
    }

    /// The questions of a page in order of arrival; only those in `statuses` when given.
    pub async fn live_questions(&self, blog_id: i64, statuses: Option<&[QuestionStatus]>) -> Result<Vec<Question>> {
        let rows = sqlx::query(&format!("{QUESTION} WHERE blog_id = $1 ORDER BY id"))
            .bind(blog_id)
            .fetch_all(&self.pool)
            .await?;
        let all: Result<Vec<Question>> = rows.iter().map(question).collect();
        Ok(all?.into_iter().filter(|q| statuses.is_none_or(|s| s.contains(&q.status))).collect())
    }

    pub async fn live_question(&self, id: i64) -> Result<Option<Question>> {
        let row = sqlx::query(&format!("{QUESTION} WHERE id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(question).transpose()
    }

    /// A photo: its content type and bytes.
    pub async fn live_image(&self, id: i64) -> Result<Option<(i64, String, Vec<u8>)>> {
        let row = sqlx::query("SELECT blog_id, content_type, bytes FROM live_images WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            None => Ok(None),
            Some(row) => {
                let r = Named::new(&row, "live_images");
                Ok(Some((r.get("blog_id")?, r.get("content_type")?, r.get("bytes")?)))
            }
        }
    }

    /// The changes of one page after `seq`, in order, at most `limit`.
    pub async fn live_events_after(&self, blog_id: i64, seq: i64, limit: i64) -> Result<Vec<LiveEvent>> {
        let rows = sqlx::query(&format!("{EVENT} WHERE blog_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"))
            .bind(blog_id)
            .bind(seq)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(event).collect()
    }

    /// The changes of every page after `seq`, in order, at most `limit` (what a node has not
    /// yet passed to its viewers).
    pub async fn live_events_since(&self, seq: i64, limit: i64) -> Result<Vec<LiveEvent>> {
        let rows = sqlx::query(&format!("{EVENT} WHERE seq > $1 ORDER BY seq LIMIT $2"))
            .bind(seq)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(event).collect()
    }

    /// The last change of one page (0 when none).
    pub async fn live_blog_last_seq(&self, blog_id: i64) -> Result<i64> {
        let row = sqlx::query("SELECT MAX(seq) AS n FROM live_events WHERE blog_id = $1")
            .bind(blog_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(i64::try_from(Named::new(&row, "live_events").count("n")?).unwrap_or(i64::MAX))
    }

    /// The last change's sequence number (0 when none).
    pub async fn live_last_seq(&self) -> Result<i64> {
        let row = sqlx::query("SELECT MAX(seq) AS n FROM live_events").fetch_one(&self.pool).await?;
        Ok(i64::try_from(Named::new(&row, "live_events").count("n")?).unwrap_or(i64::MAX))
    }
}

impl Writer {
    pub async fn live_blog_current(&mut self, id: i64) -> Result<Blog> {
        let row = sqlx::query(&format!("{BLOG} WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or(StoreError::NotFound("图文直播"))?;
        blog(&row)
    }

    pub async fn live_blog_create(&mut self, b: &NewBlog<'_>) -> Result<i64> {
        let now = crate::now_text();
        let by = self.actor().user_id;
        let row = sqlx::query(
            "INSERT INTO live_blogs (unit_id, title, summary, subject_kind, subject_id, status, starts_at, created_by, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
        )
        .bind(b.unit_id)
        .bind(b.title)
        .bind(b.summary)
        .bind(b.subject_kind.code())
        .bind(b.subject_id)
        .bind(BlogStatus::Scheduled.code())
        .bind(format_instant(b.starts_at))
        .bind(by)
        .bind(&now)
        .fetch_one(self.conn())
        .await?;
        let id: i64 = Named::new(&row, "live_blogs").get("id")?;
        self.record("live_blog.create", "live_blog", id, Some(b.unit_id), format!("新建图文直播《{}》", b.title));
        Ok(id)
    }

    /// Starts or ends the broadcast at `at`.
    pub async fn live_blog_set_status(&mut self, b: &Blog, status: BlogStatus, at: DateTime<Utc>) -> Result<()> {
        let now = format_instant(at);
        let column = match status {
            BlogStatus::Live => "started_at",
            BlogStatus::Ended => "ended_at",
            BlogStatus::Scheduled => "updated_at",
        };
        sqlx::query(&format!("UPDATE live_blogs SET status = $1, {column} = $2, updated_at = $2 WHERE id = $3"))
            .bind(status.code())
            .bind(&now)
            .bind(b.id)
            .execute(self.conn())
            .await?;
        self.record(
            "live_blog.status",
            "live_blog",
            b.id,
            Some(b.unit_id),
            format!("图文直播《{}》：{}", b.title, status.label()),
        );
        Ok(())
    }

    pub async fn live_image_insert(
        &mut self,
        blog_id: i64,
        content_type: &str,
        size: (u32, u32),
        bytes: &[u8],
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO live_images (blog_id, content_type, width, height, bytes, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
             RETURNING id",
        )
        .bind(blog_id)
        .bind(content_type)
        .bind(i64::from(size.0))
        .bind(i64::from(size.1))
        .bind(bytes)
        .bind(crate::now_text())
        .fetch_one(self.conn())
        .await?;
        Named::new(&row, "live_images").get("id")
    }

    pub async fn live_post_current(&mut self, id: i64) -> Result<Post> {
        let row = sqlx::query(&format!("{POST} WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or(StoreError::NotFound("直播内容"))?;
        post(&row)
    }

    /// Adds a post; returns it as stored.
    #[allow(clippy::too_many_arguments, reason = "the post's columns")]
    pub async fn live_post_insert(
        &mut self,
        b: &Blog,
        kind: PostKind,
        text: &str,
        speaker: &str,
        image_id: Option<i64>,
        alt: &str,
        at: DateTime<Utc>,
    ) -> Result<Post> {
        let now = crate::now_text();
        let row = sqlx::query(
            "INSERT INTO live_posts (blog_id, kind, state, text, speaker, image_id, alt, author_id, posted_at, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
        )
        .bind(b.id)
        .bind(kind.code())
        .bind(PostState::Published.code())
        .bind(text)
        .bind(speaker)
        .bind(image_id)
        .bind(alt)
        .bind(self.actor().user_id)
        .bind(format_instant(at))
        .bind(&now)
        .fetch_one(self.conn())
        .await?;
        let id: i64 = Named::new(&row, "live_posts").get("id")?;
        self.record("live_post.create", "live_post", id, Some(b.unit_id), format!("《{}》发布直播内容", b.title));
        self.live_post_current(id).await
    }

    /// Changes a post's words (its photo stays); the page shows it was edited.
    pub async fn live_post_edit(&mut self, b: &Blog, id: i64, text: &str, speaker: &str, alt: &str) -> Result<Post> {
        let now = crate::now_text();
        sqlx::query(
            "UPDATE live_posts SET state = $1, text = $2, speaker = $3, alt = $4, edited_at = $5, updated_at = $5 WHERE id = $6",
        )
        .bind(PostState::Edited.code())
        .bind(text)
        .bind(speaker)
        .bind(alt)
        .bind(&now)
        .bind(id)
        .execute(self.conn())
        .await?;
        self.record("live_post.edit", "live_post", id, Some(b.unit_id), format!("《{}》修改直播内容", b.title));
        self.live_post_current(id).await
    }

    /// Withdraws a post: its words are kept for the record, the page shows only the notice.
    pub async fn live_post_retract(&mut self, b: &Blog, id: i64, note: &str) -> Result<Post> {
        let now = crate::now_text();
        sqlx::query("UPDATE live_posts SET state = $1, retract_note = $2, updated_at = $3 WHERE id = $4")
            .bind(PostState::Retracted.code())
            .bind(note)
            .bind(&now)
            .bind(id)
            .execute(self.conn())
            .await?;
        self.record(
            "live_post.retract",
            "live_post",
            id,
            Some(b.unit_id),
            format!("《{}》撤回直播内容：{note}", b.title),
        );
        self.live_post_current(id).await
    }

    /// Stores a question received at `at`.
    pub async fn live_question_insert(
        &mut self,
        b: &Blog,
        name: &str,
        text: &str,
        public_text: &str,
        at: DateTime<Utc>,
    ) -> Result<i64> {
        let now = format_instant(at);
        let row = sqlx::query(
            "INSERT INTO live_questions (blog_id, name, text, public_text, status, received_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(b.id)
        .bind(name)
        .bind(text)
        .bind(public_text)
        .bind(QuestionStatus::Pending.code())
        .bind(&now)
        .fetch_one(self.conn())
        .await?;
        let id: i64 = Named::new(&row, "live_questions").get("id")?;
        self.record(
            "live_question.create",
            "live_question",
            id,
            Some(b.unit_id),
            format!("《{}》收到网民提问", b.title),
        );
        Ok(id)
    }

    pub async fn live_question_current(&mut self, id: i64) -> Result<Question> {
        let row = sqlx::query(&format!("{QUESTION} WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or(StoreError::NotFound("网民提问"))?;
        question(&row)
    }

    /// A moderator's decision on a question (its answer when answered, the reason when hidden).
    pub async fn live_question_moderate(
        &mut self,
        b: &Blog,
        id: i64,
        status: QuestionStatus,
        answer: Option<&str>,
        hide_reason: Option<HideReason>,
    ) -> Result<Question> {
        let by = self.actor().user_id;
        sqlx::query(
            "UPDATE live_questions SET status = $1, answer = COALESCE($2, answer), hide_reason = $3, moderated_by = $4, \
             answered_by = CASE WHEN $2 IS NULL THEN answered_by ELSE $4 END, updated_at = $5 WHERE id = $6",
        )
        .bind(status.code())
        .bind(answer)
        .bind(hide_reason.map(|r| r.code()))
        .bind(by)
        .bind(crate::now_text())
        .bind(id)
        .execute(self.conn())
        .await?;
        self.record(
            "live_question.moderate",
            "live_question",
            id,
            Some(b.unit_id),
            format!("《{}》网民提问：{}", b.title, status.label()),
        );
        self.live_question_current(id).await
    }

    /// Adds a change to the outbox, in the write that made it; returns its sequence number.
    pub async fn live_event_add(&mut self, blog_id: i64, kind: &str, object_id: i64, payload: &str) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO live_events (blog_id, kind, object_id, payload, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING seq",
        )
        .bind(blog_id)
        .bind(kind)
        .bind(object_id)
        .bind(payload)
        .bind(crate::now_text())
        .fetch_one(self.conn())
        .await?;
        Named::new(&row, "live_events").get("seq")
    }
}

/// The PostgreSQL channel on which writers tell every node that live changes committed.
const CHANNEL: &str = "gongkai_live";

/// Notices that a write on some node committed live changes (PostgreSQL's LISTEN). The
/// connection is made on first use and made again after a failure; a notice lost meanwhile is
/// no loss, since the hub reads the outbox every second anyway.
pub struct Listener {
    url: String,
    conn: Option<sqlx::postgres::PgListener>,
}

impl Listener {
    /// Waits for the next notice (or, after a failure, a second, so the caller reads the outbox).
    pub async fn next(&mut self) {
        if self.conn.is_none() {
            match sqlx::postgres::PgListener::connect(&self.url).await {
                Ok(mut l) => match l.listen(CHANNEL).await {
                    Ok(()) => self.conn = Some(l),
                    Err(e) => tracing::warn!(error = %e, "cannot listen for live changes"),
                },
                Err(e) => tracing::warn!(error = %e, "cannot connect to listen for live changes"),
            }
        }
        let failed = match self.conn.as_mut() {
            Some(l) => l.recv().await.is_err(),
            None => true,
        };
        if failed {
            self.conn = None;
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    }
}

impl Store {
    /// The listener of live changes on PostgreSQL; none on SQLite (one node, poked directly).
    pub fn live_listener(&self) -> Option<Listener> {
        match (self.backend(), &self.settings().url) {
            (crate::db::Backend::Postgres, Some(url)) => Some(Listener { url: url.clone(), conn: None }),
            _ => None,
        }
    }
}

impl Writer {
    /// Tells every node, when this write commits, that live changes are in the outbox.
    pub async fn live_notify(&mut self) -> Result<()> {
        if self.is_postgres() {
            // Delivered when (and only if) the transaction commits.
            sqlx::query(&format!("NOTIFY {CHANNEL}")).execute(self.conn()).await?;
        }
        Ok(())
    }
}
