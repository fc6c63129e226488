-- Issue 13: a track's lyrics as given (contract §6.2) and their format
-- ('lrc' or 'timestamped'; '' without lyrics); a task's resolution ('' is
-- the default 720p) and whether it leaves the lyrics out ("lyrics": false).
ALTER TABLE mvgen_track ADD COLUMN lyrics TEXT NOT NULL DEFAULT '';
ALTER TABLE mvgen_track ADD COLUMN lyrics_format TEXT NOT NULL DEFAULT '';
ALTER TABLE mvgen_task ADD COLUMN resolution TEXT NOT NULL DEFAULT '';
ALTER TABLE mvgen_task ADD COLUMN no_lyrics INTEGER NOT NULL DEFAULT 0;
