-- Issue 21: a task's frame rate (generate's "fps": 30 or 60); 0 is the
-- default, 30, which every task before this migration has.
ALTER TABLE mvgen_task ADD COLUMN fps INTEGER NOT NULL DEFAULT 0;
