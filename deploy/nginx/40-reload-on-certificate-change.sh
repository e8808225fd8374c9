#!/bin/sh
# Run by the nginx image's entrypoint before nginx starts (mounted into /docker-entrypoint.d/):
# starts a watcher in the background that reloads nginx (`nginx -s reload`: new workers on the
# new certificate, open connections finish on the old one) when the certificate in
# /etc/nginx/certs changes, i.e. when the certbot service installs a new or renewed one.
#
#   NGINX_CERT_FILE            the file watched (default /etc/nginx/certs/fullchain.pem)
#   NGINX_CERT_CHECK_INTERVAL  seconds between looks (default 60)
#   NGINX_COMMAND              how to call nginx (default nginx; the tests add -p/-c)
set -eu

file="${NGINX_CERT_FILE:-/etc/nginx/certs/fullchain.pem}"
interval="${NGINX_CERT_CHECK_INTERVAL:-60}"
command="${NGINX_COMMAND:-nginx}"

fingerprint() {
  # Modification time, size and inode: a rename (as certbot.sh installs) changes the inode.
  stat -c '%Y %s %i' "$file" 2>/dev/null || echo missing
}

watch() {
  last=$(fingerprint)
  while :; do
    sleep "$interval"
    now=$(fingerprint)
    if [ "$now" != "$last" ]; then
      last="$now"
      # shellcheck disable=SC2086 # the command's words
      if $command -t -q; then
        echo "reload-on-certificate-change: $file changed; reloading nginx"
        # shellcheck disable=SC2086
        $command -s reload || true
      else
        echo "reload-on-certificate-change: $file changed but nginx -t fails; not reloading" >&2
      fi
    fi
  done
}

case "${1:-}" in
  --foreground) watch ;;
  *)
    watch &
    echo "reload-on-certificate-change: watching $file every $interval s"
    ;;
esac
