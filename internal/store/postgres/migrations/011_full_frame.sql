-- Issue 20: whether a 9:16 task asked for the full-frame layout
-- ("safeArea": false) instead of the platform-safe one, the default.
ALTER TABLE mvgen_task ADD COLUMN full_frame boolean NOT NULL DEFAULT false;
