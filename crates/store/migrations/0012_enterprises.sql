-- The enterprise register (企业名录) that policies are run against: one row per enterprise,
-- keyed by its 统一社会信用代码, with its checked profile as JSON.
CREATE TABLE enterprises (
    credit_code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    profile TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
