-- Whether an attachment's text could not be extracted (a hostile, broken or too large file):
-- such a file is stored, and the pre-publication checks say they skipped it.
ALTER TABLE attachments ADD COLUMN text_unavailable BIGINT NOT NULL DEFAULT 0;
