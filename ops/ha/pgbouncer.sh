#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster with PgBouncer in front in transaction pooling mode, on
# loopback, for `make test-pgbouncer` (and for trying the pooler by hand).
#
#   bash ops/ha/pgbouncer.sh up     # initdb + postgres on PGB_PG_PORT, pgbouncer on PGB_PORT
#   bash ops/ha/pgbouncer.sh env    # print DATABASE_URL (through PgBouncer)
#   bash ops/ha/pgbouncer.sh down   # stop both, remove PGB_DIR
#
# Transaction pooling hands a server connection to a client for one transaction only, so
# the app must not keep state on the session between transactions: Django binds
# parameters on the client (no prepared statements) and IMSCLINIC_PGBOUNCER=1 turns off
# server-side cursors (config/database.py).
set -euo pipefail
# shellcheck source=ops/ha/lib.sh
source "$(dirname "$0")/lib.sh"

PGB_DIR=${PGB_DIR:-/tmp/imsclinic-pgbouncer}
PG_PORT=${PGB_PG_PORT:-55611}
PGB_PORT=${PGB_PORT:-55612}
PGBIN=/usr/lib/postgresql/15/bin

need() { need_packages /usr/sbin/pgbouncer pgbouncer $PGBIN/initdb postgresql-15; }

up() {
  need
  if [ -d "$PGB_DIR" ]; then echo "already set up in $PGB_DIR (down first)" >&2; exit 1; fi
  mkdir -p "$PGB_DIR" && chown postgres "$PGB_DIR"
  su postgres -c "$PGBIN/initdb -D $PGB_DIR/data -A trust -U postgres" >/dev/null
  su postgres -c "$PGBIN/pg_ctl -D $PGB_DIR/data -o '-p $PG_PORT -k $PGB_DIR -c listen_addresses=127.0.0.1 -c max_connections=100 -c fsync=off' -l $PGB_DIR/postgres.log -w start" >/dev/null
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -q -c "CREATE ROLE imsclinic LOGIN PASSWORD 'imsclinic' CREATEDB" \
    -c "CREATE DATABASE imsclinic OWNER imsclinic"
  cat > "$PGB_DIR/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$PG_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir =
auth_type = trust
auth_file = $PGB_DIR/userlist.txt
pool_mode = transaction
max_client_conn = 400
default_pool_size = 20
server_idle_timeout = 10
ignore_startup_parameters = extra_float_digits
logfile = $PGB_DIR/pgbouncer.log
pidfile = $PGB_DIR/pgbouncer.pid
admin_users = postgres
INI
  printf '"imsclinic" ""\n"postgres" ""\n' > "$PGB_DIR/userlist.txt"
  chown postgres "$PGB_DIR"/pgbouncer.ini "$PGB_DIR"/userlist.txt
  su postgres -c "pgbouncer -d $PGB_DIR/pgbouncer.ini"
  for _ in $(seq 1 40); do
    psql -h 127.0.0.1 -p "$PGB_PORT" -U imsclinic -d imsclinic -Atc "SELECT 1" >/dev/null 2>&1 && break
    sleep 0.25
  done
  echo "pool_mode: $(psql -h 127.0.0.1 -p "$PGB_PORT" -U postgres -d pgbouncer -Atc 'SHOW CONFIG' | grep '^pool_mode|' | cut -d'|' -f2)" >&2
}

down() {
  if [ -f "$PGB_DIR/pgbouncer.pid" ]; then kill "$(cat "$PGB_DIR/pgbouncer.pid")" 2>/dev/null || true; fi
  if [ -d "$PGB_DIR/data" ]; then
    su postgres -c "$PGBIN/pg_ctl -D $PGB_DIR/data -m immediate stop" >/dev/null 2>&1 || true
  fi
  rm -rf "$PGB_DIR"
}

case "${1:-}" in
  up) up ;;
  env) echo "export DATABASE_URL='postgres://imsclinic:imsclinic@127.0.0.1:$PGB_PORT/imsclinic'" ;;
  down) down ;;
  *) echo "usage: $0 up|env|down" >&2; exit 2 ;;
esac
