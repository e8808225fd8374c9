#!/bin/sh
# The db-watchdog service: runs grafana-watchdog.sql every WATCHDOG_INTERVAL seconds, so that a
# grafana_reader statement that lifted its own statement_timeout is canceled after
# GRAFANA_MAX_STATEMENT all the same. Connection from the standard PG* variables.
#
# Each successful round touches WATCHDOG_HEARTBEAT, which the service's healthcheck reads; a
# failed round (PostgreSQL restarting) is reported and retried. WATCHDOG_ONCE=1 runs one round
# and exits with its status (the tests).
set -eu
: "${GRAFANA_MAX_STATEMENT:=90 seconds}" "${GRAFANA_MAX_IDLE_TRANSACTION:=10 minutes}"
: "${WATCHDOG_INTERVAL:=10}" "${WATCHDOG_HEARTBEAT:=/tmp/watchdog-heartbeat}"
sql="$(dirname "$0")/grafana-watchdog.sql"

round() {
  psql --no-psqlrc -X -q -t -A -v ON_ERROR_STOP=1 \
    -v max_statement="$GRAFANA_MAX_STATEMENT" \
    -v max_idle_transaction="$GRAFANA_MAX_IDLE_TRANSACTION" \
    -f "$sql"
}

if [ "${WATCHDOG_ONCE:-0}" = 1 ]; then
  round
  exit
fi
echo "db-watchdog: grafana_reader statements end after $GRAFANA_MAX_STATEMENT"
while :; do
  if round; then
    touch "$WATCHDOG_HEARTBEAT"
  else
    echo "db-watchdog: round failed; retrying" >&2
  fi
  sleep "$WATCHDOG_INTERVAL"
done
