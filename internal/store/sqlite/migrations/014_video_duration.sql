-- Issue 20: the length of a task's video and of a shared render, for
-- record-info's response.videos[].duration (0: recorded before lengths).
ALTER TABLE mvgen_task ADD COLUMN duration_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mvgen_video ADD COLUMN duration_ms INTEGER NOT NULL DEFAULT 0;
