-- 政府常务会议公开: a government's meeting (kind, number, time, place, agenda, observers), its
-- preview notice published before it, and after it the decision on each agenda item linked to
-- the documents and interpretations published from it. `fields` is the checked input as JSON.
CREATE TABLE meetings (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL,
    number BIGINT NOT NULL,
    title TEXT NOT NULL,
    held_at TEXT NOT NULL,
    fields TEXT NOT NULL,
    status TEXT NOT NULL,
    announced_at TEXT,
    announced_by BIGINT REFERENCES users(id),
    live_blog_id BIGINT,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX meetings_number ON meetings(unit_id, kind, number);
CREATE INDEX meetings_held ON meetings(unit_id, held_at);

CREATE TABLE meeting_decisions (
    id {{id}},
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    item BIGINT NOT NULL,
    decision TEXT NOT NULL,
    document_ids TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX meeting_decisions_item ON meeting_decisions(meeting_id, item);

-- 图文直播: a live page of a meeting, an open day or a press event. Its posts (text, photo with
-- alt text, quote) in order, each edited (the page says so) or retracted (a notice remains);
-- citizens' questions, moderated (published, answered, hidden with a reason). Every change a
-- viewer must see is also a row of `live_events`, the outbox: its `seq` is the Server-Sent
-- Event's id, so a viewer reconnecting with Last-Event-ID gets exactly what it missed, and a
-- node that missed a notification reads what it has not seen.
CREATE TABLE live_blogs (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id BIGINT,
    status TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    started_at TEXT,
    ended_at TEXT,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX live_blogs_unit ON live_blogs(unit_id, starts_at);

CREATE TABLE live_images (
    id {{id}},
    blog_id BIGINT NOT NULL REFERENCES live_blogs(id),
    content_type TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    bytes {{blob}} NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX live_images_blog ON live_images(blog_id);

CREATE TABLE live_posts (
    id {{id}},
    blog_id BIGINT NOT NULL REFERENCES live_blogs(id),
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    text TEXT NOT NULL,
    speaker TEXT NOT NULL,
    image_id BIGINT REFERENCES live_images(id),
    alt TEXT NOT NULL,
    retract_note TEXT,
    author_id BIGINT REFERENCES users(id),
    posted_at TEXT NOT NULL,
    edited_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX live_posts_blog ON live_posts(blog_id, id);

CREATE TABLE live_questions (
    id {{id}},
    blog_id BIGINT NOT NULL REFERENCES live_blogs(id),
    name TEXT NOT NULL,
    text TEXT NOT NULL,
    public_text TEXT NOT NULL,
    status TEXT NOT NULL,
    hide_reason TEXT,
    answer TEXT,
    answered_by BIGINT REFERENCES users(id),
    moderated_by BIGINT REFERENCES users(id),
    received_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX live_questions_blog ON live_questions(blog_id, status, id);

CREATE TABLE live_events (
    seq {{id}},
    blog_id BIGINT NOT NULL REFERENCES live_blogs(id),
    kind TEXT NOT NULL,
    object_id BIGINT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX live_events_blog ON live_events(blog_id, seq);
