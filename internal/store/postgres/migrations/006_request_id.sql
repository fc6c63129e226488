-- Issue 12: the id of the request that created a task (X-Request-Id), so the
-- render, fetch and callback lines about the task carry it too.
ALTER TABLE mvgen_task ADD COLUMN request_id text NOT NULL DEFAULT '';
