-- The LSH index of the grouping without its foreign key to opinions: each opinion's twenty band
-- rows are written in the same transaction as the opinion itself, and opinions are never
-- deleted, so the key checked nothing that could fail and cost twenty lookups per opinion at
-- intake (about a tenth of PostgreSQL's work per opinion in bench/consultations.sh).
-- SQLite cannot drop a constraint, so the table is rebuilt on both databases.
CREATE TABLE opinion_bands_new (
    consultation_id BIGINT NOT NULL,
    band BIGINT NOT NULL,
    band_key BIGINT NOT NULL,
    opinion_id BIGINT NOT NULL,
    PRIMARY KEY (consultation_id, band, band_key, opinion_id)
);
INSERT INTO opinion_bands_new (consultation_id, band, band_key, opinion_id)
    SELECT consultation_id, band, band_key, opinion_id FROM opinion_bands;
DROP TABLE opinion_bands;
ALTER TABLE opinion_bands_new RENAME TO opinion_bands;
