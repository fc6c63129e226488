-- Issue 19: whether a track's lyrics are synced (have a line a video can
-- show), recorded when they are stored, so that listing tracks reads no
-- lyrics (they can be 256 KiB a track) and parses none. NULL is "not
-- recorded": a track a binary older than this migration writes during a
-- rolling upgrade; reads then test its lyrics in SQL (postgres/dialect.go's
-- syncedLyrics, the same test as below). Existing rows are backfilled with
-- that test: timestamped lyrics are always synced (the upstream lookup keeps
-- only timed ones), LRC when a line starts with a time tag ("[" and a digit,
-- the first line possibly after a byte-order mark), none are not.
ALTER TABLE mvgen_track ADD COLUMN synced_lyrics boolean;
UPDATE mvgen_track SET synced_lyrics = CASE lyrics_format WHEN 'timestamped' THEN true
	WHEN 'lrc' THEN lyrics ~ '(^\uFEFF?|\n)\[[0-9]' ELSE false END;
