-- Issue 21: a task's theme (generate's "theme"; '' is the default, bars,
-- which every task before this migration has).
ALTER TABLE mvgen_task ADD COLUMN theme TEXT NOT NULL DEFAULT '';
