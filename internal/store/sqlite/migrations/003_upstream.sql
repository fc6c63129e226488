-- Upstream track lookup (contract §6.1): a key's upstream API key (a secret,
-- '' when none), and which catalogue tracks came from the upstream.
ALTER TABLE mvgen_key ADD COLUMN upstream_key TEXT NOT NULL DEFAULT '';
ALTER TABLE mvgen_track ADD COLUMN upstream INTEGER NOT NULL DEFAULT 0;
