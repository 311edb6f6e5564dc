-- Document bodies stored once. The working copy (documents) and every published version
-- (document_versions) point at a row of document_texts, and a version whose body equals the
-- working copy's, or an earlier version's, shares that row: publishing copies a reference,
-- not the text. A text belongs to one document. Editing a working copy whose text a version
-- shares writes a new row, so every published version keeps the text the public saw.
CREATE TABLE document_texts (
    id {{id}},
    document_id BIGINT NOT NULL REFERENCES documents(id),
    body_html TEXT NOT NULL,
    body_text TEXT NOT NULL
);

-- One row for each distinct body of each document, whether in a version or the working copy.
INSERT INTO document_texts (document_id, body_html, body_text)
SELECT document_id, body_html, body_text FROM document_versions
UNION
SELECT id, body_html, body_text FROM documents;

CREATE INDEX document_texts_document ON document_texts(document_id);

ALTER TABLE documents ADD COLUMN text_id BIGINT REFERENCES document_texts(id);
ALTER TABLE document_versions ADD COLUMN text_id BIGINT REFERENCES document_texts(id);

UPDATE document_versions SET text_id = (
    SELECT MIN(t.id) FROM document_texts t
    WHERE t.document_id = document_versions.document_id
      AND t.body_html = document_versions.body_html
      AND t.body_text = document_versions.body_text
);

UPDATE documents SET text_id = (
    SELECT MIN(t.id) FROM document_texts t
    WHERE t.document_id = documents.id
      AND t.body_html = documents.body_html
      AND t.body_text = documents.body_text
);

-- The foreign keys check these when a working copy's own text is dropped.
CREATE INDEX documents_text ON documents(text_id);
CREATE INDEX document_versions_text ON document_versions(text_id);

ALTER TABLE document_versions DROP COLUMN body_html;
ALTER TABLE document_versions DROP COLUMN body_text;
ALTER TABLE documents DROP COLUMN body_html;
ALTER TABLE documents DROP COLUMN body_text;
