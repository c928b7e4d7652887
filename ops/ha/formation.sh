#!/usr/bin/env bash
# A pg_auto_failover formation on loopback, for the failover test and for trying HA by hand:
# a monitor, a primary and a secondary with synchronous replication (docs/deployment.md).
#
#   bash ops/ha/formation.sh up      # initdb in $HA_DIR, start all three, wait for primary+secondary
#   bash ops/ha/formation.sh env     # print DATABASE_URL (multi-host, target_session_attrs=read-write)
#   bash ops/ha/formation.sh state   # pg_autoctl show state
#   bash ops/ha/formation.sh kill-primary   # SIGKILL the primary's keeper and postgres
#   bash ops/ha/formation.sh down    # stop everything and remove $HA_DIR
#
# No system services: every process runs as the postgres user from $HA_DIR, listening on
# 127.0.0.1 only. Ports: HA_MONITOR_PORT, HA_NODE1_PORT, HA_NODE2_PORT.
set -euo pipefail
# shellcheck source=ops/ha/lib.sh
source "$(dirname "$0")/lib.sh"

HA_DIR=${HA_DIR:-/tmp/imsclinic-ha}
MONITOR_PORT=${HA_MONITOR_PORT:-55601}
NODE1_PORT=${HA_NODE1_PORT:-55602}
NODE2_PORT=${HA_NODE2_PORT:-55603}
PGBIN=/usr/lib/postgresql/15/bin
DB=imsclinic
# Failover timing (seconds unless noted), tuned from the defaults (docs/deployment.md):
# the monitor checks each node every second and promotes the secondary once the primary has
# failed its checks for 3 s and then not reported for the demote timeout. The keepers'
# network-partition timeout (a primary alone demotes itself) stays below that demote
# timeout, so two primaries never accept writes at once.
HEALTH_CHECK_PERIOD_MS=${HA_HEALTH_CHECK_PERIOD_MS:-1000}
HEALTH_CHECK_TIMEOUT_MS=${HA_HEALTH_CHECK_TIMEOUT_MS:-1000}
HEALTH_CHECK_RETRIES=${HA_HEALTH_CHECK_RETRIES:-1}
HEALTH_CHECK_RETRY_DELAY_MS=${HA_HEALTH_CHECK_RETRY_DELAY_MS:-500}
UNHEALTHY_TIMEOUT_MS=${HA_UNHEALTHY_TIMEOUT_MS:-3000}
DEMOTE_TIMEOUT_MS=${HA_DEMOTE_TIMEOUT_MS:-5000}
NETWORK_PARTITION_TIMEOUT=${HA_NETWORK_PARTITION_TIMEOUT:-3}
PROMOTION_WALRECEIVER_TIMEOUT=${HA_PROMOTION_WALRECEIVER_TIMEOUT:-1}

need() { need_packages pg_autoctl postgresql-15-auto-failover $PGBIN/initdb postgresql-15; }

as_pg() {
  # Run a command as postgres with pg_autoctl's config and state kept under $HA_DIR.
  su postgres -s /bin/bash -c "export PATH=$PGBIN:\$PATH XDG_CONFIG_HOME=$HA_DIR/xdg/config XDG_DATA_HOME=$HA_DIR/xdg/data XDG_RUNTIME_DIR=$HA_DIR/xdg/run PGHOST=127.0.0.1; $*"
}

monitor_url() { echo "postgres://autoctl_node@127.0.0.1:$MONITOR_PORT/pg_auto_failover?sslmode=disable"; }

start_bg() {
  # start_bg NAME COMMAND...: a pg_autoctl service in the background, its log in $HA_DIR.
  local name=$1; shift
  as_pg "nohup $* > $HA_DIR/$name.log 2>&1 & echo \$! > $HA_DIR/$name.pid"
}

wait_for() {
  # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2; shift 2
  for _ in $(seq 1 $((seconds * 2))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  echo "timed out waiting for $what" >&2
  tail -n 30 "$HA_DIR"/*.log >&2 || true
  return 1
}

is_state() { [ "$(node_state "$1")" = "$2" ]; }  # is_state PORT STATE

state() { as_pg "pg_autoctl show state --pgdata $HA_DIR/monitor" 2>/dev/null; }

node_state() {  # node_state PORT: the node's current state as the monitor sees it
  psql -h 127.0.0.1 -p "$MONITOR_PORT" -U autoctl_node -d pg_auto_failover -Atc \
    "SELECT reportedstate FROM pgautofailover.node WHERE nodeport = $1" 2>/dev/null
}

up() {
  need
  if [ -d "$HA_DIR/monitor" ]; then echo "formation already in $HA_DIR (down first)" >&2; exit 1; fi
  mkdir -p "$HA_DIR/xdg/config" "$HA_DIR/xdg/data" "$HA_DIR/xdg/run"
  chown -R postgres "$HA_DIR"
  chmod 700 "$HA_DIR/xdg/run"
  start_bg monitor pg_autoctl create monitor --pgdata "$HA_DIR/monitor" --pgport "$MONITOR_PORT" \
    --pgctl $PGBIN/pg_ctl --hostname 127.0.0.1 --listen 127.0.0.1 --auth trust --no-ssl --run
  wait_for 60 "the monitor" psql -h 127.0.0.1 -p "$MONITOR_PORT" -U autoctl_node -d pg_auto_failover -c "SELECT 1"
  psql -h 127.0.0.1 -p "$MONITOR_PORT" -U postgres -d pg_auto_failover -q <<SQL
ALTER SYSTEM SET pgautofailover.health_check_period = $HEALTH_CHECK_PERIOD_MS;
ALTER SYSTEM SET pgautofailover.health_check_timeout = $HEALTH_CHECK_TIMEOUT_MS;
ALTER SYSTEM SET pgautofailover.health_check_max_retries = $HEALTH_CHECK_RETRIES;
ALTER SYSTEM SET pgautofailover.health_check_retry_delay = $HEALTH_CHECK_RETRY_DELAY_MS;
ALTER SYSTEM SET pgautofailover.node_considered_unhealthy_timeout = $UNHEALTHY_TIMEOUT_MS;
ALTER SYSTEM SET pgautofailover.primary_demote_timeout = $DEMOTE_TIMEOUT_MS;
SELECT pg_reload_conf();
SQL
  local n port
  for n in 1 2; do
    port=$([ $n = 1 ] && echo "$NODE1_PORT" || echo "$NODE2_PORT")
    start_bg "node$n" pg_autoctl create postgres --pgdata "$HA_DIR/node$n" --pgport "$port" \
      --pgctl $PGBIN/pg_ctl --hostname 127.0.0.1 --listen 127.0.0.1 --name "node$n" \
      --dbname $DB --auth trust --no-ssl --monitor "'$(monitor_url)'" --run
    if [ $n = 1 ]; then
      wait_for 90 "node1 to start as single" is_state "$NODE1_PORT" single
    fi
  done
  wait_for 180 "node2 to be a secondary" is_state "$NODE2_PORT" secondary
  wait_for 60 "node1 to be primary" is_state "$NODE1_PORT" primary
  for n in 1 2; do
    as_pg "pg_autoctl config set --pgdata $HA_DIR/node$n timeout.network_partition_timeout $NETWORK_PARTITION_TIMEOUT" >/dev/null
    as_pg "pg_autoctl config set --pgdata $HA_DIR/node$n timeout.prepare_promotion_walreceiver $PROMOTION_WALRECEIVER_TIMEOUT" >/dev/null
  done
  # The application's role and database, created on the primary and replicated.
  psql -h 127.0.0.1 -p "$NODE1_PORT" -U postgres -d $DB -q -c \
    "DO \$\$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'imsclinic') THEN CREATE ROLE imsclinic LOGIN PASSWORD 'imsclinic'; END IF; END \$\$;" \
    -c "ALTER DATABASE $DB OWNER TO imsclinic" -c "ALTER SCHEMA public OWNER TO imsclinic"
  echo "synchronous_standby_names on the primary: $(psql -h 127.0.0.1 -p "$NODE1_PORT" -U postgres -Atc 'SHOW synchronous_standby_names')" >&2
  state >&2
}

env_url() {
  echo "export DATABASE_URL='postgres://imsclinic:imsclinic@127.0.0.1:$NODE1_PORT,127.0.0.1:$NODE2_PORT/$DB?target_session_attrs=read-write&connect_timeout=2'"
  echo "export HA_REPLICA_URL='postgres://imsclinic:imsclinic@127.0.0.1:$NODE1_PORT,127.0.0.1:$NODE2_PORT/$DB?target_session_attrs=standby&connect_timeout=2'"
}

primary_port() {
  psql -h 127.0.0.1 -p "$MONITOR_PORT" -U autoctl_node -d pg_auto_failover -Atc \
    "SELECT nodeport FROM pgautofailover.node WHERE reportedstate IN ('primary', 'wait_primary', 'single') ORDER BY nodeid LIMIT 1"
}

kill_primary() {
  # SIGKILL the primary's keeper (its pg_autoctl process tree) and its postgres.
  local port node
  port=$(primary_port)
  node=$([ "$port" = "$NODE1_PORT" ] && echo node1 || echo node2)
  local keeper postmaster
  keeper=$(cat "$HA_DIR/$node.pid")
  postmaster=$(head -1 "$HA_DIR/$node/postmaster.pid")
  # The keeper's children (its supervisor's services), then postgres, all at once.
  kill -9 $(pgrep -P "$keeper") "$keeper" "$postmaster" 2>/dev/null || true
  echo "$node"
}

down() {
  local name
  for name in node2 node1 monitor; do
    if [ -f "$HA_DIR/$name.pid" ]; then
      as_pg "pg_autoctl stop --pgdata $HA_DIR/$name --immediate" >/dev/null 2>&1 || true
      kill -9 "$(cat "$HA_DIR/$name.pid")" 2>/dev/null || true
    fi
    if [ -f "$HA_DIR/$name/postmaster.pid" ]; then
      su postgres -c "$PGBIN/pg_ctl -D $HA_DIR/$name -m immediate stop" >/dev/null 2>&1 || true
    fi
  done
  rm -rf "$HA_DIR"
}

case "${1:-}" in
  up) up ;;
  env) env_url ;;
  state) state ;;
  primary-port) primary_port ;;
  kill-primary) kill_primary ;;
  down) down ;;
  *) echo "usage: $0 up|env|state|primary-port|kill-primary|down" >&2; exit 2 ;;
esac
