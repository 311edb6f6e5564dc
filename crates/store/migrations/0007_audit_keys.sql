-- The keyed audit chain. Each key epoch names its key by id only (the key itself stays
-- outside the database) and the first record it covers. Records keep their epoch, 0 for the
-- unkeyed records written before. The chain head carries the epoch and key id of its record
-- so a writer knows which key to use from the row it locks.
CREATE TABLE audit_epochs (
    epoch BIGINT PRIMARY KEY,
    key_id TEXT NOT NULL,
    first_seq BIGINT NOT NULL,
    started_at TEXT NOT NULL
);
ALTER TABLE audit_log ADD COLUMN epoch BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_head ADD COLUMN epoch BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_head ADD COLUMN key_id TEXT NOT NULL DEFAULT '';

-- Signed checkpoints of the chain head, recorded periodically by the server.
CREATE TABLE audit_checkpoints (
    id {{id}},
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    epoch BIGINT NOT NULL,
    key_id TEXT NOT NULL,
    at TEXT NOT NULL,
    public_key TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE INDEX audit_checkpoints_at ON audit_checkpoints(at);
