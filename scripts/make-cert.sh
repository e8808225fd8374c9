#!/usr/bin/env bash
# Makes a self-signed TLS certificate for nginx: fullchain.pem + privkey.pem (ECDSA P-256).
#
#   scripts/make-cert.sh [hostname] [folder]
#
# hostname: default $PUBLIC_HOSTNAME, else localhost. folder: default nginx/certs (mounted by
# docker-compose.yml). Browsers and the extension do not trust a self-signed certificate until
# it is imported; for a deployment others use, put a CA-issued pair (e.g. Let's Encrypt's
# fullchain.pem and privkey.pem) in the folder instead. Existing files are kept unless
# FORCE=1, so a real certificate is never overwritten by accident.
set -euo pipefail

host="${1:-${PUBLIC_HOSTNAME:-localhost}}"
out="${2:-$(dirname "$0")/../nginx/certs}"
days="${CERT_DAYS:-397}" # the longest validity browsers accept for a server certificate

if [[ ! "$host" =~ ^[A-Za-z0-9.-]+$ ]]; then
  echo "make-cert: '$host' is not a host name or IPv4 address" >&2
  exit 2
fi
if [[ -e "$out/privkey.pem" || -e "$out/fullchain.pem" ]] && [[ "${FORCE:-}" != 1 ]]; then
  echo "make-cert: $out already holds a certificate; FORCE=1 replaces it" >&2
  exit 1
fi

if [[ "$host" =~ ^[0-9.]+$ ]]; then san="IP:$host"; else san="DNS:$host"; fi
# Also valid on the server itself, for curl https://localhost/healthz.
[[ "$host" != localhost ]] && san="$san,DNS:localhost"
[[ "$host" != 127.0.0.1 ]] && san="$san,IP:127.0.0.1"

mkdir -p "$out"
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 -nodes \
  -days "$days" -subj "/CN=$host" -addext "subjectAltName=$san" \
  -keyout "$out/privkey.pem" -out "$out/fullchain.pem" 2>/dev/null
# The certificate is public; the key stays readable by its owner only (nginx's master process
# reads it as root).
chmod 644 "$out/fullchain.pem"
echo "make-cert: $out/fullchain.pem and $out/privkey.pem for $san, valid $days days"
