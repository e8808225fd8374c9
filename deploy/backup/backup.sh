#!/bin/sh
# The backup service (docker-compose.yml): dumps the Tracksphere database with `pg_dump -Fc`
# into BACKUP_DIR on a schedule and prunes old dumps. Restore one with deploy/backup/restore.sh.
#
#   backup.sh           dump now, then every BACKUP_INTERVAL seconds (the service's command)
#   backup.sh --once    dump once and prune; exit status says whether it worked
#   backup.sh --check   the healthcheck: the last dump succeeded within two intervals
#
# Connection from the standard PG* variables (PGHOST, PGUSER, PGPASSWORD, PGDATABASE).
#   BACKUP_DIR        where dumps go (default /backups)
#   BACKUP_INTERVAL   seconds between dumps (default 86400: daily)
#   BACKUP_KEEP       complete dumps kept, newest first (default 14; 0 = no count limit)
#   BACKUP_KEEP_DAYS  also delete dumps older than this many days (default unset: no age limit)
#   BACKUP_RETRY      seconds before retrying a failed dump (default 600)
#
# A dump is written to a hidden .partial name, checked with `pg_restore --list`, flushed to disk,
# and only then renamed to <database>-<UTC time>.dump: a dump that was cut short (disk full,
# container stopped) never has the name of a complete one, and pruning counts complete ones only.
# The newest complete dump is never pruned, whatever its age.
set -eu

dir="${BACKUP_DIR:-/backups}"
interval="${BACKUP_INTERVAL:-86400}"
keep="${BACKUP_KEEP:-14}"
keep_days="${BACKUP_KEEP_DAYS:-}"
retry="${BACKUP_RETRY:-600}"
heartbeat="${BACKUP_HEARTBEAT:-/tmp/backup-succeeded}"
: "${PGDATABASE:?PGDATABASE is not set}"

for value in "$interval" "$keep" "$retry" ${keep_days:+"$keep_days"}; do
  case "$value" in
    '' | *[!0-9]*)
      echo "backup: BACKUP_INTERVAL, BACKUP_KEEP, BACKUP_KEEP_DAYS and BACKUP_RETRY take whole numbers, not '$value'" >&2
      exit 2
      ;;
  esac
done
if [ "$interval" -lt 1 ] || [ "${keep_days:-1}" -lt 1 ]; then
  echo "backup: BACKUP_INTERVAL and BACKUP_KEEP_DAYS must be at least 1" >&2
  exit 2
fi

log() { echo "backup: $(date -u +%Y-%m-%dT%H:%M:%SZ) $*"; }

# Complete dumps of this database, oldest first (the UTC time in the name sorts as text).
complete_dumps() {
  for file in "$dir/$PGDATABASE"-*.dump; do
    [ -f "$file" ] && echo "$file"
  done
  return 0
}

prune() {
  total=$(complete_dumps | wc -l)
  newest=$(complete_dumps | tail -n 1)
  index=0
  complete_dumps | while IFS= read -r file; do
    index=$((index + 1))
    [ "$file" = "$newest" ] && continue
    if [ "$keep" -gt 0 ] && [ "$((total - index))" -ge "$keep" ]; then
      rm -f -- "$file" && log "pruned $(basename "$file") (more than $keep dumps)"
    elif [ -n "$keep_days" ] && [ -n "$(find "$file" -mtime +"$((keep_days - 1))" 2>/dev/null)" ]; then
      rm -f -- "$file" && log "pruned $(basename "$file") (older than $keep_days days)"
    fi
  done
  # Partial files a stopped container left behind.
  find "$dir" -maxdepth 1 -name ".$PGDATABASE-*.dump.partial" -mmin +60 -exec rm -f {} + 2>/dev/null || true
}

dump_once() {
  mkdir -p "$dir"
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  final="$dir/$PGDATABASE-$stamp.dump"
  n=1
  while [ -e "$final" ]; do
    final="$dir/$PGDATABASE-$stamp-$n.dump"
    n=$((n + 1))
  done
  partial="$dir/.$(basename "$final").partial"
  if ! pg_dump --format=custom --no-password --file="$partial"; then
    rm -f -- "$partial"
    log "FAILED: pg_dump of $PGDATABASE"
    return 1
  fi
  if ! pg_restore --list "$partial" >/dev/null; then
    rm -f -- "$partial"
    log "FAILED: the dump of $PGDATABASE is unreadable"
    return 1
  fi
  sync "$partial" 2>/dev/null || sync
  mv -- "$partial" "$final"
  log "dumped $PGDATABASE to $final ($(wc -c <"$final") bytes)"
  prune
  touch "$heartbeat"
}

case "${1:-}" in
  --once)
    umask 077
    dump_once
    ;;
  --check)
    [ -f "$heartbeat" ] || exit 1
    age=$(($(date +%s) - $(date -r "$heartbeat" +%s)))
    [ "$age" -le "$((2 * interval + retry))" ]
    ;;
  '')
    umask 077
    log "every $interval s into $dir, keeping ${keep} dumps${keep_days:+ and none older than $keep_days days}"
    while :; do
      if dump_once; then sleep "$interval"; else sleep "$retry"; fi
    done
    ;;
  *)
    echo "usage: backup.sh [--once | --check]" >&2
    exit 2
    ;;
esac
