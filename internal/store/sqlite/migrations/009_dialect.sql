-- Issue 22: the API a task was created through ('' for /api/v1/mp4/generate,
-- 'jobs' for /api/v1/jobs/createTask), which decides its callback's body,
-- and the create request as sent (the jobs dialect's "param"; '' otherwise).
ALTER TABLE mvgen_task ADD COLUMN dialect TEXT NOT NULL DEFAULT '';
ALTER TABLE mvgen_task ADD COLUMN param TEXT NOT NULL DEFAULT '';
