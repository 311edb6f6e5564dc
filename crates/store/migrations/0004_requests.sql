-- Applications for disclosure (依申请公开): the applications with their reply clock, the
-- timeline of what happened, consultations of third parties and coordination with other
-- units, files, administrative reviews and lawsuits, the editable letter templates, the
-- annual reports' own text, and the challenges that keep robots off the public form.

-- `applicant` holds the applicant's identity and contact details (JSON) and is shown only to
-- the handlers of `unit_id`; everything else is the case. `code_hash` is the hash of the
-- query code (查询码), never the code. `due_on` is the reply due date as last computed, kept
-- for the due-soon and overdue queues (NULL while the clock stands still); `closed_on` is the
-- day the application left the count of open ones (reply sent or withdrawn), which the
-- annual report uses together with `received_on`.
CREATE TABLE requests (
    id {{id}},
    tracking_no TEXT NOT NULL UNIQUE,
    code_hash TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    channel TEXT NOT NULL,
    applicant_type TEXT NOT NULL,
    applicant TEXT NOT NULL,
    description TEXT NOT NULL,
    provision_form TEXT NOT NULL,
    delivery TEXT NOT NULL,
    state TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    received_on TEXT,
    clarification_requested_on TEXT,
    clarification_received_on TEXT,
    extension_days BIGINT NOT NULL DEFAULT 0,
    excessive_due_on TEXT,
    due_on TEXT,
    handler_id BIGINT REFERENCES users(id),
    drafter_id BIGINT REFERENCES users(id),
    approver_id BIGINT REFERENCES users(id),
    outcome TEXT,
    reply TEXT NOT NULL DEFAULT '{}',
    replied_on TEXT,
    closed_on TEXT,
    fee_yuan BIGINT,
    fee_noticed_on TEXT,
    fee_paid_on TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX requests_unit_state ON requests(unit_id, state);
CREATE INDEX requests_unit_received ON requests(unit_id, received_on);
CREATE INDEX requests_unit_closed ON requests(unit_id, closed_on);
CREATE INDEX requests_state_due ON requests(state, due_on);

-- The case file's timeline. `public` events are shown to the applicant on the tracking page;
-- the others (审签 returned, internal notes) only to staff.
CREATE TABLE request_events (
    id {{id}},
    request_id BIGINT NOT NULL REFERENCES requests(id),
    at TEXT NOT NULL,
    on_date TEXT NOT NULL,
    kind TEXT NOT NULL,
    actor_id BIGINT,
    actor_name TEXT NOT NULL,
    public BIGINT NOT NULL DEFAULT 1,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX request_events_request ON request_events(request_id, id);

-- 征求第三方意见 (kind third_party, art. 32) and 会商/协查 with another unit of the platform
-- (kind coordination, art. 34, answered in that unit's queue). Both stop the reply clock from
-- `sent_on` until `answered_on`, or until `due_on` when no answer came (silence is consent).
CREATE TABLE request_consultations (
    id {{id}},
    request_id BIGINT NOT NULL REFERENCES requests(id),
    kind TEXT NOT NULL,
    target_unit_id BIGINT REFERENCES units(id),
    third_party TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    sent_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    answered_on TEXT,
    answer TEXT NOT NULL DEFAULT '',
    answered_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX request_consultations_request ON request_consultations(request_id);
CREATE INDEX request_consultations_target ON request_consultations(target_unit_id, answered_on);

-- Files of a case: the applicant's identity proof (role identity_proof, personal data), the
-- information provided with the reply (provided) and the letters sent (letter). Contents live
-- in the content-addressed file store; `public` files are downloadable with the query code.
CREATE TABLE request_files (
    id {{id}},
    request_id BIGINT NOT NULL REFERENCES requests(id),
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    public BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX request_files_request ON request_files(request_id);

-- 行政复议 and 行政诉讼 about replies (annual-report table 四), counted in the year filed.
CREATE TABLE review_cases (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    request_id BIGINT REFERENCES requests(id),
    kind TEXT NOT NULL,
    result TEXT NOT NULL,
    filed_on TEXT NOT NULL,
    decided_on TEXT,
    authority TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX review_cases_unit ON review_cases(unit_id, filed_on);

-- Templates of letters an administrator has changed; the shipped text is used otherwise.
CREATE TABLE letter_templates (
    template_key TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);

-- What a unit writes into its annual report (sections 一, 五, 六 and the entered rows of
-- table 二), and the document that publishes it (published when that document is).
CREATE TABLE annual_reports (
    unit_id BIGINT NOT NULL REFERENCES units(id),
    year BIGINT NOT NULL,
    sections TEXT NOT NULL DEFAULT '{}',
    manual TEXT NOT NULL DEFAULT '{}',
    document_id BIGINT REFERENCES documents(id),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (unit_id, year)
);

-- One-use answers of the public form's challenge; a node may check what another issued.
CREATE TABLE challenges (
    id TEXT PRIMARY KEY,
    answer TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX challenges_expires ON challenges(expires_at);
