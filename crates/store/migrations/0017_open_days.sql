-- 政府开放活动: a unit's events, each a working copy (draft) and the published version (live),
-- the checked input as JSON, with the review state documents have. The schedule and the seats
-- of the live version are columns to list and order by; `holding`, `waiting`, `pending` and
-- `attended` count the registrations in each state, kept in the transaction that changes them
-- so lists need no count per event. The record after the event (纪要, photos, the answers
-- given) is a document published through the documents' review, linked here.
CREATE TABLE open_day_series (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX open_day_series_unit ON open_day_series(unit_id, starts_on);

CREATE TABLE open_days (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    series_id BIGINT REFERENCES open_day_series(id),
    status TEXT NOT NULL,
    author_id BIGINT REFERENCES users(id),
    reviewer_first BIGINT REFERENCES users(id),
    reviewer_second BIGINT REFERENCES users(id),
    reviewer_final BIGINT REFERENCES users(id),
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    draft TEXT NOT NULL,
    live TEXT,
    starts_at TEXT,
    registration_closes_at TEXT,
    published_at TEXT,
    holding BIGINT NOT NULL DEFAULT 0,
    waiting BIGINT NOT NULL DEFAULT 0,
    pending BIGINT NOT NULL DEFAULT 0,
    attended BIGINT NOT NULL DEFAULT 0,
    record_document_id BIGINT REFERENCES documents(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX open_days_unit ON open_days(unit_id, starts_at);
CREATE INDEX open_days_series ON open_days(series_id);
CREATE INDEX open_days_starts ON open_days(starts_at);

-- A registration, without an account. The code is the registrant's key (to look up, cancel,
-- check in): only its hash is kept. The ID number is kept for the organiser (who checks it at
-- the door) and masked everywhere else; its hash finds a second registration of the same
-- person. `seq` orders arrival, which orders the waitlist. `year` and `kind` are the event's,
-- for the once-a-year rule of observing executive meetings.
CREATE TABLE open_day_registrations (
    id {{id}},
    open_day_id BIGINT NOT NULL REFERENCES open_days(id),
    code_hash TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    name TEXT NOT NULL,
    id_number TEXT NOT NULL,
    id_hash TEXT NOT NULL,
    phone TEXT NOT NULL,
    district TEXT,
    answers TEXT NOT NULL,
    kind TEXT NOT NULL,
    year BIGINT NOT NULL,
    received_at TEXT NOT NULL,
    decided_at TEXT,
    decided_by BIGINT REFERENCES users(id),
    checked_in_at TEXT,
    checked_in_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX open_day_registrations_person ON open_day_registrations(open_day_id, id_hash)
    WHERE status <> 'cancelled';
CREATE INDEX open_day_registrations_event ON open_day_registrations(open_day_id, status, id);
CREATE INDEX open_day_registrations_yearly ON open_day_registrations(id_hash, kind, year);

-- What a registrant is told (a seat after waiting, a choice by staff, a cancellation by the
-- organiser): shown when they look up their code, and handed to the notifier (SMS, e-mail),
-- whose outcome is noted.
CREATE TABLE open_day_notices (
    id {{id}},
    registration_id BIGINT NOT NULL REFERENCES open_day_registrations(id),
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    delivery TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX open_day_notices_registration ON open_day_notices(registration_id);
