-- Up Migration

-- The pg-writer consumer's role. The consumer parses what devices sent (through Kafka), so it
-- gets only what storing visits takes (data-access/visits-repo.ts, insertVisits):
--   - the ids of devices, locked FOR KEY SHARE so that an erase cannot slip between the check
--     and the write. PostgreSQL allows a row lock only with UPDATE on some column of the table:
--     created_at is that column, a timestamp, which can carry no text into the dashboards;
--   - INSERT into visits (COPY, and INSERT ... ON CONFLICT DO NOTHING for a resent batch).
-- No token hashes, no other reads, no DELETE, no DDL: partition maintenance and retention run as
-- the schema owner in a process of their own (compose: the partitions service).
DO $$
BEGIN
  CREATE ROLE tracksphere_writer NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;

GRANT USAGE ON SCHEMA public TO tracksphere_writer;
GRANT SELECT (id), UPDATE (created_at) ON devices TO tracksphere_writer;
GRANT INSERT ON visits TO tracksphere_writer;

-- Down Migration
REVOKE INSERT ON visits FROM tracksphere_writer;
REVOKE SELECT (id), UPDATE (created_at) ON devices FROM tracksphere_writer;
REVOKE USAGE ON SCHEMA public FROM tracksphere_writer;
