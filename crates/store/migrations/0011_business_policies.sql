-- 惠企政策: a working copy (draft) and the published version (live), each the policy's
-- checked input as JSON, with the review state of the working copy as documents have it.
-- Public lists, facets and matching read every live policy into memory (a city has a few
-- thousand), so only what identifies and orders a policy is a column of its own.
CREATE TABLE business_policies (
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
    import_key TEXT UNIQUE,
    published_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX business_policies_unit ON business_policies(unit_id);
CREATE INDEX business_policies_updated ON business_policies(updated_at);
