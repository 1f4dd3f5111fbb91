#!/bin/sh
# Entry point of the laas image: the first argument says which process this container is.
# exec: node replaces the shell, so `docker stop`'s SIGTERM reaches it directly.
set -eu
cd /app
role="${1:-api}"
[ $# -gt 0 ] && shift
case "$role" in
  api) exec node --import tsx /app/api/main.ts "$@" ;;
  worker) exec node --import tsx /app/workers/main.ts "$@" ;;
  # Creates the database when missing and applies pending migrations; safe to repeat.
  migrate) exec node --import tsx /app/scripts/db-migrate.ts "$@" ;;
  laas) exec node /app/bin/laas.js "$@" ;;
  *)
    echo "laas image: unknown role '$role' (api, worker, migrate, or laas <command>)" >&2
    exit 64
    ;;
esac
