-- PostgreSQL's ceiling for a SCIM `GET /Users?filter=userName eq "…"`: the indexed page query
-- roster runs for it (roster also runs a COUNT(*) of the same condition), against the roster
-- database the benchmark seeded. Variables (pgbench -D): dir (quoted directory id), k (the
-- directory's seed number), nusers (users seeded per directory; names are seed<g>-<k>@example.com).
\set g random(1, :nusers)
SELECT * FROM users WHERE directory_id = :dir AND deleted_at IS NULL AND user_name_key = 'seed' || :g || '-' || :k || '@example.com' ORDER BY id LIMIT 100 OFFSET 0;
