-- Throttles check and count in one step. A transaction first takes the rows of its keys'
-- stripes here with an upsert, which locks each row on PostgreSQL until the transaction ends
-- and makes the transaction the one writer on SQLite, then reads and records its events in
-- login_failures. A fixed number of stripes keeps this table small.
CREATE TABLE throttle_stripes (
    stripe BIGINT PRIMARY KEY,
    touched_at TEXT NOT NULL
);
CREATE INDEX login_failures_at ON login_failures(at);

-- Challenges are signed tokens that no table holds. Only the nonces of answered challenges
-- are kept, until the challenge expires, so that none is answered twice.
DROP TABLE challenges;
CREATE TABLE challenge_nonces (
    nonce TEXT PRIMARY KEY,
    expires_at TEXT NOT NULL
);
CREATE INDEX challenge_nonces_expires ON challenge_nonces(expires_at);

-- Keys that every node shares, such as the one that signs challenges, made on first use.
CREATE TABLE server_keys (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at TEXT NOT NULL
);
