-- 意见征集: a consultation's record is a working copy (draft) and the published version
-- (live), each its checked input as JSON, with the review state of the working copy as
-- documents have it. Opening and closing follow the clock (opens_at, closes_at of the live
-- version, kept as columns to list and order by). The adoption feedback (采纳情况反馈) is
-- reviewed apart, with its own state and reviewers.
CREATE TABLE consultations (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    status TEXT NOT NULL,
    author_id BIGINT REFERENCES users(id),
    reviewer_first BIGINT REFERENCES users(id),
    reviewer_second BIGINT REFERENCES users(id),
    reviewer_final BIGINT REFERENCES users(id),
    title TEXT NOT NULL,
    draft TEXT NOT NULL,
    live TEXT,
    opens_at TEXT,
    closes_at TEXT,
    published_at TEXT,
    report_status TEXT,
    report_author_id BIGINT REFERENCES users(id),
    report_reviewer_first BIGINT REFERENCES users(id),
    report_reviewer_second BIGINT REFERENCES users(id),
    report_reviewer_final BIGINT REFERENCES users(id),
    report_draft TEXT,
    report_live TEXT,
    report_published_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX consultations_unit ON consultations(unit_id);
CREATE INDEX consultations_closes ON consultations(closes_at);

-- Similar opinions, grouped automatically (MinHash/LSH) or by staff, and the decision that
-- ends them. `size` counts the group's opinions; `representative_id` is the first.
CREATE TABLE opinion_groups (
    id {{id}},
    consultation_id BIGINT NOT NULL REFERENCES consultations(id),
    representative_id BIGINT,
    size BIGINT NOT NULL DEFAULT 0,
    tags TEXT NOT NULL DEFAULT '',
    decision TEXT,
    reason TEXT,
    decided_by BIGINT REFERENCES users(id),
    decided_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX opinion_groups_consultation ON opinion_groups(consultation_id, size);

-- An opinion from any channel. `text` is as received (for the staff handling it);
-- `public_text` has personal data masked and is all the public sees, without name and
-- contact. The receipt number and a hash of the query code let the person follow it.
CREATE TABLE opinions (
    id {{id}},
    consultation_id BIGINT NOT NULL REFERENCES consultations(id),
    receipt_no TEXT NOT NULL UNIQUE,
    code_hash TEXT,
    channel TEXT NOT NULL,
    partner_id BIGINT REFERENCES users(id),
    entered_by BIGINT REFERENCES users(id),
    received_on TEXT NOT NULL,
    question BIGINT NOT NULL,
    text TEXT NOT NULL,
    public_text TEXT NOT NULL,
    topic TEXT,
    district TEXT,
    name TEXT NOT NULL,
    contact TEXT NOT NULL,
    passage TEXT,
    passage_at BIGINT,
    status TEXT NOT NULL,
    hide_reason TEXT,
    moderated_by BIGINT REFERENCES users(id),
    group_id BIGINT REFERENCES opinion_groups(id),
    tags TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX opinions_consultation ON opinions(consultation_id, status);
CREATE INDEX opinions_group ON opinions(group_id);

-- The LSH index of the grouping: one row per band of each opinion's MinHash signature;
-- opinions sharing a (band, key) are candidates, verified on their texts.
CREATE TABLE opinion_bands (
    consultation_id BIGINT NOT NULL,
    band BIGINT NOT NULL,
    band_key BIGINT NOT NULL,
    opinion_id BIGINT NOT NULL REFERENCES opinions(id),
    PRIMARY KEY (consultation_id, band, band_key, opinion_id)
);

-- A group (or one opinion) forwarded to the unit that is to answer it, due in working days.
CREATE TABLE opinion_forwards (
    id {{id}},
    consultation_id BIGINT NOT NULL REFERENCES consultations(id),
    group_id BIGINT NOT NULL REFERENCES opinion_groups(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    state TEXT NOT NULL,
    note TEXT NOT NULL,
    due_on TEXT NOT NULL,
    answer TEXT,
    answered_by BIGINT REFERENCES users(id),
    answered_on TEXT,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX opinion_forwards_unit ON opinion_forwards(unit_id, state, due_on);
CREATE INDEX opinion_forwards_group ON opinion_forwards(group_id);

-- 回应关切: a public concern a unit recorded and the document (genre 回应关切) answering it.
CREATE TABLE concerns (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    source TEXT NOT NULL,
    arose_on TEXT NOT NULL,
    consultation_id BIGINT REFERENCES consultations(id),
    response_document_id BIGINT REFERENCES documents(id),
    responded_on TEXT,
    response_workdays BIGINT,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX concerns_unit ON concerns(unit_id, arose_on);

-- A partner account (12345, a newspaper, …) submits opinions through the API with its
-- channel fixed here; staff accounts have none.
ALTER TABLE users ADD COLUMN partner_channel TEXT;
