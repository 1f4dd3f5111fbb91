#!/usr/bin/env bash
# The full Temporal server (the production server, not the dev server) on the local PostgreSQL:
# what docker-compose.yml runs in containers, done here with `go install` because this machine has
# no container engine.
#
#   bash scripts/full-temporal.sh install   build server + sql tool v1.29.1 into .tools/bin (quick when done)
#   bash scripts/full-temporal.sh schema    create both databases, bring their schemas up to date (idempotent)
#   bash scripts/full-temporal.sh run       install, schema, start the server, register the namespace and
#                                           laas's search attributes; stays up until Ctrl-C, then stops it
#   bash scripts/full-temporal.sh test      the same, then runs test/e2e/full-server.test.ts against it
#                                           (further arguments go to vitest)
#
# Settings (environment): TEMPORAL_FULL_PORT (frontend gRPC, 7243; the other services take the
# next ports, see below), TEMPORAL_FULL_DB_HOST/_DB_PORT/_DB_USER/_DB_PASSWORD (127.0.0.1, 5432,
# postgres, empty), TEMPORAL_FULL_DB and TEMPORAL_FULL_VISIBILITY_DB (temporal,
# temporal_visibility), TEMPORAL_FULL_NAMESPACE (default), TEMPORAL_FULL_RETENTION (72h),
# TEMPORAL_FULL_STATE_DIR (.data/full-temporal: the server's log).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
version="v1.29.1"
tools="$root/.tools/bin"

say() { echo "full-temporal: $*"; }
die() { echo "full-temporal: $*" >&2; exit 1; }

# Ports beside `npm start`'s 7233 (gRPC) / 8233 (UI), never on them.
: "${TEMPORAL_FULL_PORT:=7243}"
[[ "$TEMPORAL_FULL_PORT" =~ ^[0-9]+$ ]] && (( TEMPORAL_FULL_PORT >= 1400 && TEMPORAL_FULL_PORT <= 64000 )) ||
  die "TEMPORAL_FULL_PORT must be a port number between 1400 and 64000 (membership ports sit 300 below it), got '$TEMPORAL_FULL_PORT'"
p=$TEMPORAL_FULL_PORT
: "${TEMPORAL_FULL_HISTORY_PORT:=$((p + 1))}" "${TEMPORAL_FULL_MATCHING_PORT:=$((p + 2))}"
: "${TEMPORAL_FULL_WORKER_PORT:=$((p + 3))}" "${TEMPORAL_FULL_HTTP_PORT:=$((p + 10))}"
: "${TEMPORAL_FULL_FRONTEND_MEMBERSHIP_PORT:=$((p - 300))}" "${TEMPORAL_FULL_HISTORY_MEMBERSHIP_PORT:=$((p - 299))}"
: "${TEMPORAL_FULL_MATCHING_MEMBERSHIP_PORT:=$((p - 298))}" "${TEMPORAL_FULL_WORKER_MEMBERSHIP_PORT:=$((p - 297))}"
: "${TEMPORAL_FULL_DB_HOST:=127.0.0.1}" "${TEMPORAL_FULL_DB_PORT:=5432}" "${TEMPORAL_FULL_DB_USER:=postgres}"
: "${TEMPORAL_FULL_DB_PASSWORD:=}"
: "${TEMPORAL_FULL_DB:=temporal}" "${TEMPORAL_FULL_VISIBILITY_DB:=temporal_visibility}"
: "${TEMPORAL_FULL_NAMESPACE:=default}" "${TEMPORAL_FULL_RETENTION:=72h}"
: "${TEMPORAL_FULL_STATE_DIR:=$root/.data/full-temporal}"
ports=(TEMPORAL_FULL_PORT TEMPORAL_FULL_HISTORY_PORT TEMPORAL_FULL_MATCHING_PORT TEMPORAL_FULL_WORKER_PORT
  TEMPORAL_FULL_HTTP_PORT TEMPORAL_FULL_FRONTEND_MEMBERSHIP_PORT TEMPORAL_FULL_HISTORY_MEMBERSHIP_PORT
  TEMPORAL_FULL_MATCHING_MEMBERSHIP_PORT TEMPORAL_FULL_WORKER_MEMBERSHIP_PORT)
# The server renders deploy/full-temporal/development.yaml from these.
export "${ports[@]}" TEMPORAL_FULL_DB_HOST TEMPORAL_FULL_DB_PORT TEMPORAL_FULL_DB_USER TEMPORAL_FULL_DB_PASSWORD \
  TEMPORAL_FULL_DB TEMPORAL_FULL_VISIBILITY_DB
address="127.0.0.1:$TEMPORAL_FULL_PORT"

# Database names reach SQL (CREATE DATABASE) and the server's config: plain identifiers only.
for var in TEMPORAL_FULL_DB TEMPORAL_FULL_VISIBILITY_DB; do
  [[ "${!var}" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "$var must be a plain database name (lower-case letters, digits, _), got '${!var}'"
done
[[ "$TEMPORAL_FULL_NAMESPACE" =~ ^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$ ]] || die "TEMPORAL_FULL_NAMESPACE is not a valid namespace name: '$TEMPORAL_FULL_NAMESPACE'"
[[ "$TEMPORAL_FULL_RETENTION" =~ ^[0-9]+(h|d)$ ]] || die "TEMPORAL_FULL_RETENTION must look like 72h or 3d, got '$TEMPORAL_FULL_RETENTION'"

# laas's custom search attributes (workflows/definitions.ts uses them; the UI and CLI filter on them).
search_attributes=(BookingId=Keyword LabName=Keyword Project=Keyword Owner=Keyword BookingState=Keyword HostNames=KeywordList)

install() {
  # A marker records the version built, so a different pinned version rebuilds and a done one is instant.
  if [[ -x "$tools/server" && -x "$tools/sql" && "$(cat "$tools/.temporal-server-version" 2>/dev/null)" == "$version" ]]; then
    return
  fi
  command -v go >/dev/null 2>&1 || die "Go is needed to build the Temporal server $version (apt-get install golang, or see go.dev/dl)"
  say "building the Temporal server and its SQL tool $version with Go (first time only: several minutes)..."
  mkdir -p "$tools"
  CGO_ENABLED=0 GOBIN="$tools" go install "go.temporal.io/server/cmd/server@$version" "go.temporal.io/server/cmd/tools/sql@$version"
  echo "$version" >"$tools/.temporal-server-version"
}

psql_admin() {
  PGPASSWORD="$TEMPORAL_FULL_DB_PASSWORD" psql -X -q -At -v ON_ERROR_STOP=1 -h "$TEMPORAL_FULL_DB_HOST" -p "$TEMPORAL_FULL_DB_PORT" \
    -U "$TEMPORAL_FULL_DB_USER" -d postgres "$@"
}

# The SQL tool reads its connection from SQL_* variables, so the password never shows in `ps`.
# It logs every statement: kept in a file, shown only when it fails.
sql_tool() {
  local log="$TEMPORAL_FULL_STATE_DIR/sql-tool.log"
  mkdir -p "$TEMPORAL_FULL_STATE_DIR"
  SQL_PLUGIN=postgres12 SQL_HOST="$TEMPORAL_FULL_DB_HOST" SQL_PORT="$TEMPORAL_FULL_DB_PORT" SQL_USER="$TEMPORAL_FULL_DB_USER" \
    SQL_PASSWORD="$TEMPORAL_FULL_DB_PASSWORD" "$tools/sql" "$@" >"$log" 2>&1 ||
    { tail -n 20 "$log" >&2; die "temporal-sql-tool $* failed (log: $log)"; }
}

schema() {
  command -v psql >/dev/null 2>&1 || die "psql is needed to check for the databases (apt-get install postgresql-client)"
  psql_admin -c 'SELECT 1' >/dev/null || die "cannot reach PostgreSQL as $TEMPORAL_FULL_DB_USER at $TEMPORAL_FULL_DB_HOST:$TEMPORAL_FULL_DB_PORT"
  local db kind
  for kind in temporal visibility; do
    if [[ $kind == temporal ]]; then db=$TEMPORAL_FULL_DB; else db=$TEMPORAL_FULL_VISIBILITY_DB; fi
    if [[ -z "$(psql_admin -v name="$db" <<<"SELECT 1 FROM pg_database WHERE datname = :'name'")" ]]; then
      say "creating database $db"
      sql_tool --db "$db" create-database
    fi
    # setup-schema -v 0.0 only creates the version tables when missing; update-schema applies
    # just the versions above the one recorded, so both are safe to repeat.
    sql_tool --db "$db" setup-schema -v 0.0
    sql_tool --db "$db" update-schema --schema-name "postgresql/v12/$kind"
    say "database $db: schema postgresql/v12/$kind at version $(psql_admin -d "$db" -c 'SELECT curr_version FROM schema_version')"
  done
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

server_pid=""
stop_server() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    say "stopping the server (pid $server_pid)"
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}

start() {
  local name
  for name in "${ports[@]}"; do
    port_in_use "${!name}" && die "port ${!name} ($name) is already in use on 127.0.0.1; is another full-temporal running? Set TEMPORAL_FULL_PORT to move them all"
  done
  mkdir -p "$TEMPORAL_FULL_STATE_DIR"
  local log="$TEMPORAL_FULL_STATE_DIR/server.log"
  trap stop_server EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  say "starting the Temporal server $version on $address (log: $log)"
  "$tools/server" --root "$root" --config deploy/full-temporal --env development --allow-no-auth start >"$log" 2>&1 &
  server_pid=$!

  temporal="$(bash "$root/scripts/temporal-cli.sh")"
  local deadline=$((SECONDS + 120))
  until "$temporal" operator cluster health --address "$address" 2>/dev/null | grep -q SERVING; do
    kill -0 "$server_pid" 2>/dev/null || { tail -n 30 "$log" >&2; die "the server exited during start-up (log above)"; }
    (( SECONDS < deadline )) || { tail -n 30 "$log" >&2; die "the server did not answer on $address within 120 s"; }
    sleep 1
  done
  say "server SERVING on $address"
  register
}

register() {
  local t=("$temporal" --address "$address")
  if ! "${t[@]}" operator namespace describe --namespace "$TEMPORAL_FULL_NAMESPACE" >/dev/null 2>&1; then
    "${t[@]}" operator namespace create --namespace "$TEMPORAL_FULL_NAMESPACE" --retention "$TEMPORAL_FULL_RETENTION" >/dev/null
    say "namespace $TEMPORAL_FULL_NAMESPACE created (retention $TEMPORAL_FULL_RETENTION)"
  fi
  # A new namespace answers only once the server's namespace cache has refreshed.
  local deadline=$((SECONDS + 60))
  until "${t[@]}" operator search-attribute list --namespace "$TEMPORAL_FULL_NAMESPACE" >/dev/null 2>&1; do
    (( SECONDS < deadline )) || die "namespace $TEMPORAL_FULL_NAMESPACE did not become usable within 60 s"
    sleep 1
  done
  # The server skips names it already has, so this is safe to repeat.
  local sa create=() query=()
  for sa in "${search_attributes[@]}"; do
    create+=(--name "${sa%%=*}" --type "${sa#*=}")
    query+=("${sa%%=*} = 'probe'")
  done
  "${t[@]}" operator search-attribute create --namespace "$TEMPORAL_FULL_NAMESPACE" "${create[@]}" >/dev/null
  # Bookings start with these attributes set: wait until the server accepts queries on every one.
  local joined
  joined="$(printf ' AND %s' "${query[@]}")"
  deadline=$((SECONDS + 60))
  until "${t[@]}" workflow list --namespace "$TEMPORAL_FULL_NAMESPACE" --limit 1 --query "${joined# AND }" >/dev/null 2>&1; do
    (( SECONDS < deadline )) || die "the search attributes were not usable within 60 s"
    sleep 1
  done
  say "search attributes: ${search_attributes[*]}"
  say "ready: $address, namespace $TEMPORAL_FULL_NAMESPACE, databases $TEMPORAL_FULL_DB + $TEMPORAL_FULL_VISIBILITY_DB"
}

case "${1:-run}" in
  install) install; say "$tools/server and $tools/sql ($version)" ;;
  schema) install; schema ;;
  run)
    install; schema; start
    say "Ctrl-C stops the server."
    wait "$server_pid" || true
    server_pid=""
    die "the server exited on its own; see $TEMPORAL_FULL_STATE_DIR/server.log"
    ;;
  test)
    install; schema; start
    say "running the end-to-end booking test against it"
    status=0
    LAAS_FULL_SERVER=1 LAAS_FULL_TEMPORAL_ADDRESS="$address" LAAS_FULL_TEMPORAL_NAMESPACE="$TEMPORAL_FULL_NAMESPACE" \
      npx vitest run --project temporal --reporter=verbose test/e2e/full-server.test.ts "${@:2}" || status=$?
    exit "$status"
    ;;
  *) die "unknown command '$1' (install, schema, run or test)" ;;
esac
