-- Proactive disclosure: standard lists, unit catalogues, columns, documents with their
-- versions, reviews and attachments, the 索引号 sequences, word lists, and the outbox that
-- feeds the search index.

CREATE TABLE standard_items (
    id {{id}},
    level TEXT NOT NULL,
    domain TEXT NOT NULL DEFAULT '',
    level1 TEXT NOT NULL,
    level2 TEXT NOT NULL,
    content TEXT NOT NULL DEFAULT '',
    basis TEXT NOT NULL DEFAULT '',
    time_limit TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    channels TEXT NOT NULL DEFAULT '',
    audience TEXT NOT NULL,
    mode TEXT NOT NULL,
    layer TEXT NOT NULL DEFAULT '',
    sort_order BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX standard_items_level ON standard_items(level, domain);

CREATE TABLE catalogue_items (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    standard_item_id BIGINT REFERENCES standard_items(id),
    level1 TEXT NOT NULL,
    level2 TEXT NOT NULL,
    content TEXT NOT NULL DEFAULT '',
    basis TEXT NOT NULL DEFAULT '',
    time_limit TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    channels TEXT NOT NULL DEFAULT '',
    audience TEXT NOT NULL,
    mode TEXT NOT NULL,
    layer TEXT NOT NULL DEFAULT '',
    applicable BIGINT NOT NULL DEFAULT 1,
    not_applicable_reason TEXT NOT NULL DEFAULT '',
    sort_order BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX catalogue_items_unit ON catalogue_items(unit_id);
CREATE UNIQUE INDEX catalogue_items_standard ON catalogue_items(unit_id, standard_item_id);

CREATE TABLE special_columns (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL DEFAULT 'special',
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    sort_order BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX special_columns_unit ON special_columns(unit_id);

CREATE TABLE documents (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    index_no TEXT UNIQUE,
    status TEXT NOT NULL,
    title TEXT NOT NULL,
    publisher TEXT NOT NULL,
    doc_no TEXT NOT NULL DEFAULT '',
    doc_no_key TEXT NOT NULL DEFAULT '',
    written_on TEXT,
    publish_at TEXT,
    topic TEXT NOT NULL,
    genre TEXT NOT NULL,
    keywords TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    disclosure_mode TEXT NOT NULL,
    catalogue_item_id BIGINT REFERENCES catalogue_items(id),
    column_id BIGINT REFERENCES special_columns(id),
    interprets_id BIGINT REFERENCES documents(id),
    interpretation_form TEXT NOT NULL DEFAULT '',
    body_html TEXT NOT NULL DEFAULT '',
    body_text TEXT NOT NULL DEFAULT '',
    validity TEXT NOT NULL,
    validity_on TEXT,
    replaced_by BIGINT REFERENCES documents(id),
    author_id BIGINT,
    reviewer_first BIGINT,
    reviewer_second BIGINT,
    reviewer_final BIGINT,
    checks_override TEXT NOT NULL DEFAULT '',
    change_note TEXT NOT NULL DEFAULT '',
    minor_change BIGINT NOT NULL DEFAULT 0,
    live_version BIGINT NOT NULL DEFAULT 0,
    published_on TEXT,
    last_published_at TEXT,
    withdrawal TEXT,
    withdrawal_note TEXT NOT NULL DEFAULT '',
    withdrawn_at TEXT,
    import_key TEXT UNIQUE,
    created_by BIGINT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX documents_unit ON documents(unit_id, status);
CREATE INDEX documents_doc_no_key ON documents(doc_no_key);
CREATE INDEX documents_interprets ON documents(interprets_id);
CREATE INDEX documents_published ON documents(last_published_at);

-- What the public saw, version by version ("更新记录").
CREATE TABLE document_versions (
    id {{id}},
    document_id BIGINT NOT NULL REFERENCES documents(id),
    version BIGINT NOT NULL,
    title TEXT NOT NULL,
    publisher TEXT NOT NULL,
    doc_no TEXT NOT NULL DEFAULT '',
    doc_no_key TEXT NOT NULL DEFAULT '',
    written_on TEXT,
    topic TEXT NOT NULL,
    genre TEXT NOT NULL,
    keywords TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    disclosure_mode TEXT NOT NULL,
    catalogue_item_id BIGINT,
    column_id BIGINT,
    interprets_id BIGINT,
    interpretation_form TEXT NOT NULL DEFAULT '',
    body_html TEXT NOT NULL,
    body_text TEXT NOT NULL,
    change_note TEXT NOT NULL DEFAULT '',
    minor_change BIGINT NOT NULL DEFAULT 0,
    published_at TEXT NOT NULL,
    published_by BIGINT
);
CREATE UNIQUE INDEX document_versions_number ON document_versions(document_id, version);
CREATE INDEX document_versions_column ON document_versions(column_id);
CREATE INDEX document_versions_catalogue ON document_versions(catalogue_item_id);
CREATE INDEX document_versions_interprets ON document_versions(interprets_id);

CREATE TABLE document_reviews (
    id {{id}},
    document_id BIGINT NOT NULL REFERENCES documents(id),
    stage TEXT NOT NULL,
    decision TEXT NOT NULL,
    reviewer_id BIGINT,
    comment TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL
);
CREATE INDEX document_reviews_document ON document_reviews(document_id);

CREATE TABLE attachments (
    id {{id}},
    document_id BIGINT NOT NULL REFERENCES documents(id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    alt TEXT NOT NULL DEFAULT '',
    sort_order BIGINT NOT NULL DEFAULT 0,
    -- The first published version that has the file, and the first that no longer has it:
    -- a revision's attachments stay out of public view until it passes 终审.
    from_version BIGINT NOT NULL,
    until_version BIGINT,
    created_at TEXT NOT NULL
);
CREATE INDEX attachments_document ON attachments(document_id);

-- Gapless 索引号 serials per unit and year, taken inside the publishing transaction.
CREATE TABLE index_no_sequences (
    unit_id BIGINT NOT NULL,
    year BIGINT NOT NULL,
    last_serial BIGINT NOT NULL,
    PRIMARY KEY (unit_id, year)
);

CREATE TABLE word_entries (
    id {{id}},
    kind TEXT NOT NULL,
    word TEXT NOT NULL,
    suggestion TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX word_entries_word ON word_entries(kind, word);

-- Committed with each change to public content; search indexes on every node follow it.
CREATE TABLE outbox (
    id {{id}},
    topic TEXT NOT NULL,
    object_id BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
