-- Issue 20: whether a task asked for its lyrics muxed into the MP4 as a
-- mov_text track ("embedCaptions": true).
ALTER TABLE mvgen_task ADD COLUMN embed_captions boolean NOT NULL DEFAULT false;
