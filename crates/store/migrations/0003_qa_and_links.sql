-- Question–answer pairs of 问答 interpretations (JSON), part of the working copy and of
-- every published version.
ALTER TABLE documents ADD COLUMN qa_pairs TEXT NOT NULL DEFAULT '[]';
ALTER TABLE document_versions ADD COLUMN qa_pairs TEXT NOT NULL DEFAULT '[]';

-- External links found in document bodies, checked in the background. `due` is set when a
-- check report wants a fresh answer (a new link, or a result older than a week); the checker
-- takes due links, records what it saw and clears `due`, keeping the last result meanwhile.
CREATE TABLE link_checks (
    url TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    requested_at TEXT NOT NULL,
    checked_at TEXT,
    due BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX link_checks_due ON link_checks(due);
