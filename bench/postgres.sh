#!/usr/bin/env bash
# Start a throwaway PostgreSQL 15 cluster on loopback for benchmarks and print its URL.
#   eval "$(bash bench/postgres.sh)"   # exports BENCH_DATABASE_URL
set -euo pipefail
PGBIN=/usr/lib/postgresql/15/bin
PORT=${PGPORT:-55440}
DIR=${PGBENCH_DIR:-/tmp/imsclinic-pgbench}
if [ ! -d "$DIR/data" ]; then
  mkdir -p "$DIR" && chown postgres "$DIR"
  su postgres -c "$PGBIN/initdb -D $DIR/data -A trust -U postgres" >/dev/null
fi
su postgres -c "$PGBIN/pg_ctl -D $DIR/data -o '-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c shared_buffers=1GB -c max_connections=200' -l $DIR/log -w start" >/dev/null 2>&1 || true
psql -h 127.0.0.1 -p "$PORT" -U postgres -tc "SELECT 1 FROM pg_roles WHERE rolname='ims'" | grep -q 1 || \
  psql -h 127.0.0.1 -p "$PORT" -U postgres -c "CREATE ROLE ims LOGIN PASSWORD 'ims' CREATEDB" >/dev/null
psql -h 127.0.0.1 -p "$PORT" -U postgres -tc "SELECT 1 FROM pg_database WHERE datname='imsbench'" | grep -q 1 || \
  psql -h 127.0.0.1 -p "$PORT" -U postgres -c "CREATE DATABASE imsbench OWNER ims" >/dev/null
echo "export BENCH_DATABASE_URL=postgres://ims:ims@127.0.0.1:$PORT/imsbench"
