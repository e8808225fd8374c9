#!/bin/sh
# Gives the database roles their logins and passwords (deploy/postgres/grant-logins.sql).
# Connection from the standard PG* variables (PGHOST, PGUSER, PGPASSWORD, PGDATABASE); the
# passwords from APP_DB_PASSWORD, WRITER_DB_PASSWORD and GRAFANA_DB_PASSWORD. psql quotes them
# (:'name'), so any character is safe in SQL.
set -eu
: "${APP_DB_PASSWORD:?APP_DB_PASSWORD is not set}" "${GRAFANA_DB_PASSWORD:?GRAFANA_DB_PASSWORD is not set}"
: "${WRITER_DB_PASSWORD:?WRITER_DB_PASSWORD is not set}"
exec psql --no-psqlrc -v ON_ERROR_STOP=1 \
  -v app_password="$APP_DB_PASSWORD" \
  -v writer_password="$WRITER_DB_PASSWORD" \
  -v grafana_password="$GRAFANA_DB_PASSWORD" \
  -f "$(dirname "$0")/grant-logins.sql"
