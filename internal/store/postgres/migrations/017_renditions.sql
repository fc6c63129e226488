-- Issue 20: a task's further videos (generate's "renditions", contract
-- §6.5). Rendition 0, the request's own aspect and resolution, stays the
-- task's row; renditions 1, 2, ... are rows here, in request order: what
-- was asked (aspect, resolution, full frame, clip), then, once the task
-- succeeded, what was made (the video's blob key, size in pixels, place in
-- the song and caption files). mvgen_task.renditions counts them, so that
-- reading a task without renditions costs no second query, and so that
-- the cap on unfinished tasks counts every video. A shared render's
-- start_ms is where it starts in the song (a clip's, for reuse).
ALTER TABLE mvgen_task ADD COLUMN renditions bigint NOT NULL DEFAULT 0;
CREATE TABLE mvgen_rendition (
    task_id          text NOT NULL REFERENCES mvgen_task (id),
    idx              integer NOT NULL,
    aspect           text NOT NULL,
    resolution       text NOT NULL DEFAULT '',
    full_frame       boolean NOT NULL DEFAULT false,
    clip             boolean NOT NULL DEFAULT false,
    clip_start_ms    bigint NOT NULL DEFAULT 0,
    clip_auto        boolean NOT NULL DEFAULT false,
    clip_duration_ms bigint NOT NULL DEFAULT 0,
    render_key       text NOT NULL,
    video_key        text NOT NULL DEFAULT '',
    width            integer NOT NULL DEFAULT 0,
    height           integer NOT NULL DEFAULT 0,
    start_ms         bigint NOT NULL DEFAULT 0,
    duration_ms      bigint NOT NULL DEFAULT 0,
    captions         text NOT NULL DEFAULT '',
    PRIMARY KEY (task_id, idx)
);
ALTER TABLE mvgen_video ADD COLUMN start_ms bigint NOT NULL DEFAULT 0;
