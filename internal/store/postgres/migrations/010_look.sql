-- Issue 21: a task's look. fps is generate's frame rate (30 or 60; 0 is the
-- default, 30, which every task before this migration has); accent_color
-- is its accentColor ("#rrggbb"; '' picks the colour from the cover, as
-- before).
ALTER TABLE mvgen_task ADD COLUMN fps INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mvgen_task ADD COLUMN accent_color TEXT NOT NULL DEFAULT '';
