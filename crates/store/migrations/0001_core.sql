-- Platform core: units, staff, sessions, tokens, audit, calendar.
-- Written once for both databases; {{id}} becomes the dialect's auto-increment key.
-- Dates are 'YYYY-MM-DD' text, instants fixed-width UTC text, flags 0/1 integers.

CREATE TABLE units (
    id {{id}},
    parent_id BIGINT REFERENCES units(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    short_name TEXT NOT NULL,
    division_code TEXT NOT NULL DEFAULT '',
    credit_code TEXT UNIQUE,
    address TEXT NOT NULL DEFAULT '',
    postcode TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    office_hours TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    sort_order BIGINT NOT NULL DEFAULT 0,
    demo_key TEXT UNIQUE,
    closed_on TEXT,
    closed_reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX units_parent ON units(parent_id);

-- Former names, so that a renamed unit's old documents still read right.
CREATE TABLE unit_former_names (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    name TEXT NOT NULL,
    short_name TEXT NOT NULL,
    until_on TEXT NOT NULL
);
CREATE INDEX unit_former_names_unit ON unit_former_names(unit_id);

CREATE TABLE users (
    id {{id}},
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    password_hash TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    active BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_login_at TEXT
);
CREATE INDEX users_unit ON users(unit_id);

CREATE TABLE user_roles (
    user_id BIGINT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

-- Sessions live in the database so that several nodes share them; only a hash of the cookie
-- value is stored, so a leaked table cannot be replayed.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id {{id}},
    user_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by BIGINT,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE login_failures (
    id {{id}},
    throttle_key TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures(throttle_key, at);

-- The head of the audit chain: every audited transaction updates this row first, which
-- serialises writers on both databases and gives the next sequence number and hash.
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    last_seq BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_seq, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id BIGINT,
    actor_name TEXT NOT NULL,
    unit_id BIGINT,
    subject_unit_id BIGINT,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    summary TEXT NOT NULL,
    ip TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_actor ON audit_log(actor_id);
CREATE INDEX audit_log_unit ON audit_log(unit_id);
CREATE INDEX audit_log_subject_unit ON audit_log(subject_unit_id);

CREATE TABLE calendar_years (
    year BIGINT PRIMARY KEY,
    notice TEXT NOT NULL,
    source TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- A day belongs to the notice that announced it: the 2019 notice also covers 2018-12-30.
CREATE TABLE calendar_days (
    day TEXT PRIMARY KEY,
    schedule_year BIGINT NOT NULL REFERENCES calendar_years(year),
    kind TEXT NOT NULL,
    name TEXT NOT NULL
);
CREATE INDEX calendar_days_year ON calendar_days(schedule_year);
