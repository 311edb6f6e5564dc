-- A meeting's notice withdrawn (a wrong notice, a meeting called off): when and why. A notice
-- announced again clears them; the audit log keeps every withdrawal.
ALTER TABLE meetings ADD COLUMN withdrawn_at TEXT;
ALTER TABLE meetings ADD COLUMN withdrawn_note TEXT;
