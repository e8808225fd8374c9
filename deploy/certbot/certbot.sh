#!/bin/sh
# The certbot service (docker-compose.yml): gets nginx its certificate from an ACME CA (Let's
# Encrypt by default) with the HTTP-01 challenge, and renews it before it expires.
#
#   certbot.sh                  loop: ensure a pair, obtain or renew, install; every ACME_CHECK_INTERVAL
#   certbot.sh --once [args]    one round; extra arguments go to certbot (e.g. --force-renewal)
#
# Environment:
#   PUBLIC_HOSTNAME      the name to certify (required)
#   ACME_EMAIL           the CA's contact for expiry notices; EMPTY switches ACME off: the pair in
#                        CERTS_DIR is used as it is (scripts/make-cert.sh, or one you put there)
#   ACME_DIRECTORY_URL   the CA's directory (default Let's Encrypt's production one)
#   CERTS_DIR            where nginx reads fullchain.pem and privkey.pem (default /certs)
#   ACME_WEBROOT         the folder nginx serves /.well-known/acme-challenge/ from (default /var/www/acme)
#   CERTBOT_DIR          certbot's state: account, keys, certificates (default /etc/letsencrypt)
#   ACME_CHECK_INTERVAL  seconds between renewal checks (default 43200: twice a day)
#   ACME_RETRY_INTERVAL  seconds before retrying after a failure (default 3600: the CA limits
#                        failed validations per hour)
#
# nginx needs a pair before it starts, and the CA needs nginx to serve the challenge: so when
# CERTS_DIR holds no pair, a temporary self-signed one is made first (self-signed.py) and the
# service turns healthy; nginx starts on it. certbot then runs `certonly --webroot`, which
# obtains the certificate once and afterwards renews it only when it is due (30 days before it
# expires). Whenever certbot's current certificate differs from the one in CERTS_DIR, it is copied
# there (key first, each file by rename), and nginx's watcher reloads nginx
# (deploy/nginx/40-reload-on-certificate-change.sh).
set -eu

: "${PUBLIC_HOSTNAME:?PUBLIC_HOSTNAME is not set}"
email="${ACME_EMAIL:-}"
directory="${ACME_DIRECTORY_URL:-https://acme-v02.api.letsencrypt.org/directory}"
certs="${CERTS_DIR:-/certs}"
webroot="${ACME_WEBROOT:-/var/www/acme}"
state="${CERTBOT_DIR:-/etc/letsencrypt}"
check_interval="${ACME_CHECK_INTERVAL:-43200}"
retry_interval="${ACME_RETRY_INTERVAL:-3600}"
here=$(dirname "$0")
name=tracksphere

log() { echo "certbot: $(date -u +%Y-%m-%dT%H:%M:%SZ) $*"; }

ensure_pair() {
  if [ ! -s "$certs/fullchain.pem" ] || [ ! -s "$certs/privkey.pem" ]; then
    python3 "$here/self-signed.py" "$certs" "$PUBLIC_HOSTNAME" 30
    log "made a temporary self-signed pair in $certs for nginx to start on"
  fi
}

# Copies certbot's current pair into CERTS_DIR when it differs from what is there.
install_pair() {
  live="$state/live/$name"
  [ -s "$live/fullchain.pem" ] || return 0
  if cmp -s "$live/fullchain.pem" "$certs/fullchain.pem" && cmp -s "$live/privkey.pem" "$certs/privkey.pem"; then
    return 0
  fi
  # The key first: nginx's watcher reloads when fullchain.pem changes, and by then both match.
  (umask 077 && cp "$live/privkey.pem" "$certs/.privkey.pem.new")
  mv -f "$certs/.privkey.pem.new" "$certs/privkey.pem"
  cp "$live/fullchain.pem" "$certs/.fullchain.pem.new"
  chmod 644 "$certs/.fullchain.pem.new"
  mv -f "$certs/.fullchain.pem.new" "$certs/fullchain.pem"
  log "installed the certificate for $PUBLIC_HOSTNAME in $certs"
}

round() {
  mkdir -p "$webroot" "$state"
  certbot certonly --webroot --webroot-path "$webroot" \
    --cert-name "$name" --domain "$PUBLIC_HOSTNAME" \
    --server "$directory" --email "$email" --agree-tos --no-eff-email \
    --non-interactive --keep-until-expiring \
    --config-dir "$state" --work-dir "$state/work" --logs-dir "$state/logs" \
    "$@"
  install_pair
}

ensure_pair
if [ -z "$email" ]; then
  log "ACME_EMAIL is empty: no certificate is requested; nginx uses the pair in $certs as it is"
  [ "${1:-}" = --once ] && exit 0
  # Nothing to do, but a service that exits would be restarted over and over.
  while :; do sleep 86400; done
fi

case "${1:-}" in
  --once)
    shift
    round "$@"
    ;;
  '')
    log "certificates for $PUBLIC_HOSTNAME from $directory; checking every $check_interval s"
    while :; do
      if round; then sleep "$check_interval"; else
        log "FAILED; retrying in $retry_interval s"
        sleep "$retry_interval"
      fi
    done
    ;;
  *)
    echo "usage: certbot.sh [--once [certbot arguments]]" >&2
    exit 2
    ;;
esac
