#!/bin/sh
# Restores a dump made by backup.sh (pg_dump -Fc) into an EMPTY database: a new stack whose
# PostgreSQL has just initialised its volume, before the migrate service has run.
#
#   restore.sh /backups/tracksphere-20260101T030000Z.dump
#
# Connection from the standard PG* variables, as the schema owner (POSTGRES_USER, a superuser in
# the compose stack); PGDATABASE is the database to restore into, which must exist and hold no
# tables. docs/deployment.md ("Restoring a backup") walks through it with docker compose.
#
# What a dump does not carry, and this script adds:
#   - the roles the grants name. Roles belong to the cluster, not the database: tracksphere_app,
#     tracksphere_writer, grafana_reader and grafana_study_reader are created NOLOGIN, as the
#     migrations create them;
#     the db-roles service gives them their logins, passwords and settings on the next
#     `docker compose up` (deploy/postgres/grant-logins.sql).
#   - the database's own privileges: pg_restore applies them only when it creates the database
#     itself (--create, under the dumped name). The one the migrations change is revoked again
#     (TEMPORARY from PUBLIC, migration restrict-database-roles).
#   - planner statistics: ANALYZE at the end.
# And what it must not keep: the summary cursor's key (summary_cursor_key) is replaced by a new
# random one. A cursor a device got after the dump holds transaction ids the restored cluster
# hands out again; opened with the dump's key, it would hide the changes those ids then carry.
# With a new key every cursor from before the restore is refused once (400), and the device asks
# again without it. docs/deployment.md ("The summary cursor's key") says the same for PITR.
# Objects are owned by the role that restores (--no-owner), so the new stack's POSTGRES_USER may
# differ from the old one's. Everything runs in one transaction: a failed restore leaves the
# database empty, to try again.
set -eu

dump="${1:-}"
if [ -z "$dump" ] || [ ! -f "$dump" ]; then
  echo "usage: restore.sh <dump file made by backup.sh>" >&2
  exit 2
fi
: "${PGDATABASE:?PGDATABASE is not set}"
psql() { command psql --no-psqlrc --no-password -v ON_ERROR_STOP=1 --quiet "$@"; }

if ! pg_restore --list "$dump" >/dev/null; then
  echo "restore: $dump is not a readable pg_dump archive" >&2
  exit 1
fi

tables=$(psql -At -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'")
if [ "$tables" != 0 ]; then
  echo "restore: database $PGDATABASE is not empty ($tables relations). Restore into a new, empty" >&2
  echo "restore: database: a stack with a fresh PostgreSQL volume, before migrate has run." >&2
  exit 1
fi

echo "restore: roles"
psql <<'SQL'
DO $$
DECLARE
  name text;
BEGIN
  FOREACH name IN ARRAY ARRAY['tracksphere_app', 'tracksphere_writer', 'grafana_reader',
                              'grafana_study_reader'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = name) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN', name);
    END IF;
  END LOOP;
END $$;
SQL

echo "restore: $dump into $PGDATABASE"
pg_restore --no-password --dbname="$PGDATABASE" --no-owner --exit-on-error --single-transaction "$dump"

psql <<'SQL'
DO $$
BEGIN
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
  -- A dump from before migration summary-cursor-key has no key: migrate makes a new one.
  -- 32 bytes as the migration makes them (two random UUIDs: 244 random bits; no pgcrypto).
  IF to_regclass('summary_cursor_key') IS NOT NULL THEN
    UPDATE summary_cursor_key
       SET key = decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex');
  END IF;
END $$;
ANALYZE;
SQL

devices=$(psql -At -c 'SELECT count(*) FROM devices')
visits=$(psql -At -c 'SELECT count(*) FROM visits')
echo "restore: done: $devices devices, $visits visits. Next: docker compose up -d (migrate applies"
echo "restore: only migrations newer than the dump; db-roles gives the roles their passwords)."
