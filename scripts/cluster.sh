#!/usr/bin/env bash
# A local Redis Cluster for tests and manual work: 3 primaries and 3 replicas on 127.0.0.1:7000-7005.
#   bash scripts/cluster.sh start    # idempotent: a healthy cluster already running is left as it is
#   bash scripts/cluster.sh status   # exit 0 when every node says cluster_state:ok and all 16384 slots are covered
#   bash scripts/cluster.sh stop     # shuts every node down and removes its directory
# CLUSTER_DIR (default /tmp/2fa-cluster) and CLUSTER_BASE_PORT (default 7000) move it elsewhere.
set -euo pipefail

DIR="${CLUSTER_DIR:-/tmp/2fa-cluster}"
BASE="${CLUSTER_BASE_PORT:-7000}"
HOST=127.0.0.1
PORTS=()
for i in 0 1 2 3 4 5; do PORTS+=("$((BASE + i))"); done

cli() { redis-cli -h "$HOST" -p "$1" "${@:2}" 2>/dev/null; }

answers() { [[ "$(cli "$1" ping)" == "PONG" ]]; }

# Healthy: every node answers, says cluster_state:ok, sees all 16384 slots assigned and ok, and knows six nodes.
healthy() {
  local port info
  for port in "${PORTS[@]}"; do
    info="$(cli "$port" cluster info | tr -d '\r')" || return 1
    grep -q '^cluster_state:ok$' <<<"$info" || return 1
    grep -q '^cluster_slots_ok:16384$' <<<"$info" || return 1
    grep -q '^cluster_known_nodes:6$' <<<"$info" || return 1
  done
}

start_node() {
  local port="$1" dir="$DIR/$1"
  mkdir -p "$dir"
  redis-server --port "$port" --bind "$HOST" --dir "$dir" --daemonize yes \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
    --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000 \
    --appendonly yes --save ""
}

wait_for() {
  local what="$1" tries="$2"
  shift 2
  for _ in $(seq 1 "$tries"); do
    if "$@"; then return 0; fi
    sleep 0.2
  done
  echo "cluster.sh: timed out waiting for $what" >&2
  return 1
}

start() {
  if healthy; then
    echo "cluster already running on $HOST:${PORTS[0]}-${PORTS[5]}"
    return 0
  fi
  local port
  for port in "${PORTS[@]}"; do
    answers "$port" || start_node "$port"
  done
  for port in "${PORTS[@]}"; do
    wait_for "node $port" 50 answers "$port"
  done
  # A node that already belongs to a cluster (a half-started earlier run) makes `--cluster create` refuse: start
  # clean in that case rather than guess at repairs.
  local known
  known="$(cli "${PORTS[0]}" cluster info | tr -d '\r' | sed -n 's/^cluster_known_nodes://p')"
  if [[ "$known" != "1" ]] && ! wait_for "a running cluster to settle" 75 healthy; then
    echo "cluster.sh: nodes from an earlier, broken cluster found; recreating" >&2
    stop
    for port in "${PORTS[@]}"; do start_node "$port"; done
    for port in "${PORTS[@]}"; do wait_for "node $port" 50 answers "$port"; done
    known=1
  fi
  if [[ "$known" == "1" ]]; then
    local nodes=()
    for port in "${PORTS[@]}"; do nodes+=("$HOST:$port"); done
    redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >"$DIR/create.log" 2>&1 || {
      cat "$DIR/create.log" >&2
      return 1
    }
  fi
  wait_for "cluster_state:ok on every node" 150 healthy
  echo "cluster ready on $HOST:${PORTS[0]}-${PORTS[5]}"
}

stop() {
  local port pid
  for port in "${PORTS[@]}"; do
    if answers "$port"; then
      cli "$port" shutdown nosave >/dev/null || true
    fi
    # A node that does not answer (frozen, killed mid-test) but left a pid: make sure it is gone.
    if [[ -f "$DIR/$port/redis.pid" ]]; then
      pid="$(cat "$DIR/$port/redis.pid")"
      if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && grep -q redis-server "/proc/$pid/cmdline" 2>/dev/null; then
        kill -9 "$pid" 2>/dev/null || true
      fi
    fi
  done
  for port in "${PORTS[@]}"; do
    wait_for "node $port to stop" 50 bash -c "! redis-cli -h $HOST -p $port ping >/dev/null 2>&1"
    rm -rf "${DIR:?}/$port"
  done
  rm -f "$DIR/create.log"
  rmdir "$DIR" 2>/dev/null || true
}

status() {
  local port role
  for port in "${PORTS[@]}"; do
    if answers "$port"; then
      role="$(cli "$port" role | head -1)"
      echo "$HOST:$port $role $(cli "$port" cluster info | tr -d '\r' | grep '^cluster_state:')"
    else
      echo "$HOST:$port down"
    fi
  done
  healthy
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 64
    ;;
esac
