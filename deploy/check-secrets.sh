#!/bin/sh
# Refuses to let the stack start with a secret that is none: run by the secrets-check service,
# which everything holding a secret waits for (PostgreSQL first, so that no data volume is ever
# initialised with a placeholder password). The rules are the server's own (server/src/config.ts,
# weakSecretProblem): a secret must not be empty, must not contain change-me (in any case, with
# any separator: .env.example's placeholder) and must be at least 16 characters long.
#
# Checks every variable named in SECRETS; ENROLLMENT_KEY may be empty only with
# OPEN_REGISTRATION=true (registration then open to anyone, deliberately). Prints one line per
# problem, naming the variable and never its value, and exits 1 if there is any.
set -eu

: "${SECRETS:?SECRETS: the names of the variables to check, space-separated}"
MIN_LENGTH=16
failed=0

refuse() {
  echo "$1: $2 (set it in .env; e.g. openssl rand -hex 24)" >&2
  failed=1
}

for name in $SECRETS; do
  case "$name" in
    *[!A-Za-z0-9_]* | [0-9]*)
      echo "SECRETS: \"$name\" is not a variable name" >&2
      exit 2
      ;;
  esac
  # Unset and empty are the same here: compose's ${VAR:?} stops an unset one earlier anyway.
  eval "value=\${$name-}"
  if [ -z "$value" ]; then
    if [ "$name" = ENROLLMENT_KEY ]; then
      case "${OPEN_REGISTRATION:-false}" in true | 1) continue ;; esac
    fi
    refuse "$name" "is empty"
    continue
  fi
  normalized=$(printf '%s' "$value" | tr 'A-Z' 'a-z' | tr -d ' ._-')
  case "$normalized" in
    *changeme*)
      refuse "$name" "is a placeholder"
      continue
      ;;
  esac
  if [ "${#value}" -lt "$MIN_LENGTH" ]; then
    refuse "$name" "is shorter than $MIN_LENGTH characters"
  fi
done

if [ "$failed" -ne 0 ]; then
  echo "secrets-check: refusing to start the stack with the secrets above" >&2
  exit 1
fi
echo "secrets-check: every secret is set"
