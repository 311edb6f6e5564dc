-- 企业画像 kept by an enterprise for the calculator and its subscription: found again by the
-- credit code with a query code (stored only as a hash), followed as a feed by a random token.
CREATE TABLE enterprise_profiles (
    credit_code TEXT PRIMARY KEY,
    code_hash TEXT NOT NULL,
    feed_token TEXT NOT NULL UNIQUE,
    profile TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
