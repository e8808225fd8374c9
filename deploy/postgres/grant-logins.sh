#!/bin/sh
# Gives the database roles their logins and passwords (deploy/postgres/grant-logins.sql).
# Connection from the standard PG* variables (PGHOST, PGUSER, PGPASSWORD, PGDATABASE); the
# passwords from APP_DB_PASSWORD, WRITER_DB_PASSWORD and GRAFANA_DB_PASSWORD. psql quotes them
# (:'name'), so any character is safe in SQL. GRAFANA_STUDY_DB_PASSWORD (the Study datasource's
# grafana_study_reader; compose requires it) is optional here: unset, that role keeps no login.
# MIN_GROUP_DEVICES (default 5, at least 2): the smallest group the Study views show.
set -eu
: "${APP_DB_PASSWORD:?APP_DB_PASSWORD is not set}" "${GRAFANA_DB_PASSWORD:?GRAFANA_DB_PASSWORD is not set}"
: "${WRITER_DB_PASSWORD:?WRITER_DB_PASSWORD is not set}"
min_group="${MIN_GROUP_DEVICES:-5}"
case "$min_group" in
  '' | *[!0-9]*)
    echo "MIN_GROUP_DEVICES: \"$min_group\" is not a whole number" >&2
    exit 1
    ;;
esac
if [ "$min_group" -lt 2 ]; then
  echo "MIN_GROUP_DEVICES: must be at least 2 (a group of 1 is one person)" >&2
  exit 1
fi
set -- -v min_group_devices="$min_group"
if [ -n "${GRAFANA_STUDY_DB_PASSWORD:-}" ]; then
  set -- "$@" -v study_password="$GRAFANA_STUDY_DB_PASSWORD"
fi
exec psql --no-psqlrc -v ON_ERROR_STOP=1 \
  -v app_password="$APP_DB_PASSWORD" \
  -v writer_password="$WRITER_DB_PASSWORD" \
  -v grafana_password="$GRAFANA_DB_PASSWORD" \
  "$@" \
  -f "$(dirname "$0")/grant-logins.sql"
