-- Up Migration

-- What every role gets by default (through PUBLIC) and the roles of this schema must not have.
-- grafana_reader runs whatever SQL a Grafana editor writes: its session settings
-- (default_transaction_read_only, statement_timeout) are its own to change, so what it may do
-- must be bounded by privileges instead. The schema owner (a superuser in the compose stack)
-- is not affected. Run as a role that is not a superuser, the REVOKEs on pg_catalog functions
-- only warn and change nothing (those functions belong to the bootstrap superuser).

-- No temporary tables (or functions in pg_temp): no writes and no disk use by way of them.
DO $$
BEGIN
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
END $$;

-- PostgreSQL 15 creates databases so already; one upgraded from an older release may not be.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- Large objects are writable storage open to every role, read-only transactions aside (which a
-- session may switch off): no role of this schema creates them.
REVOKE EXECUTE ON FUNCTION lo_creat(integer), lo_create(oid), lo_from_bytea(oid, bytea)
  FROM PUBLIC;

-- Advisory locks: held by an idle session they would stall the migrations (node-pg-migrate
-- waits for its lock) and skip partition maintenance (partitions.ts tries its lock) for as
-- long as the session lasts. The API's role keeps them: it takes node-pg-migrate's lock when it
-- checks for migrations at start (MIGRATE_ON_START).
DO $$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace = 'pg_catalog'::regnamespace
       AND p.proname ~ '^pg_(try_)?advisory_'
  LOOP
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO tracksphere_app', f);
  END LOOP;
END $$;

-- Down Migration
DO $$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace = 'pg_catalog'::regnamespace
       AND p.proname ~ '^pg_(try_)?advisory_'
  LOOP
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM tracksphere_app', f);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO PUBLIC', f);
  END LOOP;
END $$;
GRANT EXECUTE ON FUNCTION lo_creat(integer), lo_create(oid), lo_from_bytea(oid, bytea)
  TO PUBLIC;
DO $$
BEGIN
  EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO PUBLIC', current_database());
END $$;
