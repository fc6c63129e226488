-- Issue 20: what a finished task's video has of caption files: '' none
-- (no lyrics, or made before caption files), 'stored' (SRT, WebVTT and LRC
-- beside the video), 'untimed' (the track's lyrics have no times).
ALTER TABLE mvgen_task ADD COLUMN captions text NOT NULL DEFAULT '';
