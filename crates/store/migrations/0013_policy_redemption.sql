-- 兑现: from a policy to money paid.
--
-- The latest saved run of a policy against the register: the enterprises it matched (the
-- statistics' "matched" figure), replaced by the next run.
CREATE TABLE policy_matches (
    policy_id BIGINT NOT NULL REFERENCES business_policies(id),
    credit_code TEXT NOT NULL,
    name TEXT NOT NULL,
    district TEXT,
    amount_yuan BIGINT,
    run_on TEXT NOT NULL,
    PRIMARY KEY (policy_id, credit_code)
);

-- 公示名单: the enterprises a 免申即享 policy will pay, drawn from a run against the register,
-- reviewed like a document (初审/复审/终审), then public (names and credit codes only) for the
-- 公示期; the entry keeps the district and amount for the unit's own figures.
CREATE TABLE policy_lists (
    id {{id}},
    policy_id BIGINT NOT NULL REFERENCES business_policies(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    status TEXT NOT NULL,
    author_id BIGINT REFERENCES users(id),
    reviewer_first BIGINT REFERENCES users(id),
    reviewer_second BIGINT REFERENCES users(id),
    reviewer_final BIGINT REFERENCES users(id),
    title TEXT NOT NULL,
    notice TEXT NOT NULL,
    run_on TEXT NOT NULL,
    eligible INTEGER NOT NULL,
    published_at TEXT,
    publicity_ends_on TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX policy_lists_policy ON policy_lists(policy_id);

CREATE TABLE policy_list_entries (
    list_id BIGINT NOT NULL REFERENCES policy_lists(id),
    credit_code TEXT NOT NULL,
    name TEXT NOT NULL,
    district TEXT,
    amount_yuan BIGINT,
    PRIMARY KEY (list_id, credit_code)
);

-- 快申快享: an enterprise's online application under a policy, followed with its tracking
-- number and query code as applications for disclosure are, due in working days.
CREATE TABLE policy_claims (
    id {{id}},
    policy_id BIGINT NOT NULL REFERENCES business_policies(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    tracking_no TEXT NOT NULL UNIQUE,
    code_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    credit_code TEXT NOT NULL,
    enterprise_name TEXT NOT NULL,
    district TEXT,
    contact_name TEXT NOT NULL,
    phone TEXT NOT NULL,
    statement TEXT NOT NULL,
    amount_yuan BIGINT,
    received_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    decided_on TEXT,
    reason TEXT,
    handler_id BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX policy_claims_policy ON policy_claims(policy_id);
CREATE INDEX policy_claims_unit ON policy_claims(unit_id, status);

-- The steps of a claim the enterprise sees when it follows it.
CREATE TABLE policy_claim_events (
    id {{id}},
    claim_id BIGINT NOT NULL REFERENCES policy_claims(id),
    status TEXT NOT NULL,
    note TEXT NOT NULL,
    on_date TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX policy_claim_events_claim ON policy_claim_events(claim_id);

-- 兑现记录: one per enterprise and policy, from a published list or an approved claim.
CREATE TABLE policy_payouts (
    id {{id}},
    policy_id BIGINT NOT NULL REFERENCES business_policies(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    credit_code TEXT NOT NULL,
    name TEXT NOT NULL,
    district TEXT,
    list_id BIGINT REFERENCES policy_lists(id),
    claim_id BIGINT REFERENCES policy_claims(id),
    amount_yuan BIGINT,
    status TEXT NOT NULL,
    paid_on TEXT,
    reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (policy_id, credit_code)
);
CREATE INDEX policy_payouts_unit ON policy_payouts(unit_id);
