-- Issue 11: the size of a rendered file as stored, so reuse of an identical
-- render can tell a whole file from one a power loss cut short (0: recorded
-- before this migration, not checked).
ALTER TABLE mvgen_video ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
