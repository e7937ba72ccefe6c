#!/usr/bin/env bash
# Runs a command against a fresh local Redis Cluster (scripts/cluster.sh), then stops the cluster whatever happens,
# and exits with the command's code.
#   bash scripts/with-cluster.sh node --import tsx --test test/cluster/*.test.ts
set -uo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 <command...>" >&2
  exit 64
fi

here="$(cd "$(dirname "$0")" && pwd)"
base="${CLUSTER_BASE_PORT:-7000}"

cleanup() { bash "$here/cluster.sh" stop >/dev/null 2>&1 || true; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bash "$here/cluster.sh" start || exit 1

nodes=""
for i in 0 1 2 3 4 5; do nodes+="${nodes:+,}127.0.0.1:$((base + i))"; done
export REDIS_CLUSTER_NODES="$nodes"
export CLUSTER_BASE_PORT="$base"

"$@"
code=$?
exit "$code"
