-- A key's tasks newest first, all of them or those in one status (ListTasks).
CREATE INDEX mvgen_task_key_created ON mvgen_task (key_id, created_at DESC, id DESC);
CREATE INDEX mvgen_task_key_status_created ON mvgen_task (key_id, status, created_at DESC, id DESC);
