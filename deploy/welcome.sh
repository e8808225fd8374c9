#!/bin/sh
# The welcome service (docker-compose.yml): a one-shot that runs once the API, Grafana and nginx
# are healthy, and tells the admin where everything is. `docker compose up` shows it as it
# happens; after `docker compose up -d`: `docker compose logs welcome`.
set -eu
host="${PUBLIC_HOSTNAME:?PUBLIC_HOSTNAME is not set}"
cat <<TEXT
Tracksphere is up.

  API (the extension's server address):  https://$host
  Liveness:                              https://$host/healthz
  Grafana (dashboards):                  https://$host/grafana/  (user ${GRAFANA_ADMIN_USER:-admin}, password GRAFANA_ADMIN_PASSWORD in .env)

Enrolment codes for the people you enrol, per cohort:
  docker compose exec api npm run start:admin -- codes create --cohort <name>
  docker compose exec api npm run start:admin -- --help    (every admin command)

TEXT
if [ -n "${ACME_EMAIL:-}" ]; then
  directory="${ACME_DIRECTORY_URL:-https://acme-v02.api.letsencrypt.org/directory}"
  echo "Certificate: for $host from $directory, renewed by the certbot service"
  echo "  (until it is issued nginx serves a temporary self-signed one: docker compose logs certbot)."
else
  echo "Certificate: the pair in nginx/certs (ACME_EMAIL is empty, so none is requested)."
fi
echo "Backups: every ${BACKUP_INTERVAL:-86400} s into ${BACKUP_PATH:-./backups} on this host (docs/deployment.md, \"Backups\")."
