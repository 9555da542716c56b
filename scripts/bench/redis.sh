#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The Redis section of `npm run bench` (scripts/bench.sh): redis-benchmark (Debian redis-tools) against the cache tier running on the embedded cluster's
# real node, through its Service's ClusterIP (kube-proxy iptables), and against a bare
# redis-server on this machine with the same maxmemory settings, for comparison.
#
# Needs: the real node (npm run cluster:up) and the cache tier deployed in BENCH_NAMESPACE (default
# sample-app: npm run deploy puts the dev stack's there); without them it says in one line why it
# is skipped and exits 0, so the rest of the bench still runs. redis-benchmark and redis-server
# come from Debian, installed the way the tests install them (scripts/redis-server.sh).
# Usage: bash scripts/bench/redis.sh   (BENCH_REQUESTS=100000 BENCH_CLIENTS=20 BENCH_PORT=26399 to change)
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../cluster/versions.sh
source "${ROOT}/scripts/cluster/versions.sh"
NS="${BENCH_NAMESPACE:-sample-app}"
REQUESTS="${BENCH_REQUESTS:-100000}"
CLIENTS="${BENCH_CLIENTS:-20}"
PORT="${BENCH_PORT:-26399}"
skip() { printf '[bench] Redis data path skipped: %s\n' "$*"; exit 0; }
kc() { "${CLUSTER_BIN_DIR}/kubectl" --kubeconfig "${ROOT}/.cluster/kubeconfig" --context embedded "$@"; }

[[ -f "${ROOT}/.cluster/kubeconfig" ]] || skip "no cluster (npm run cluster:up)"
[[ "$(kc get nodes -o jsonpath='{.items[0].status.nodeInfo.containerRuntimeVersion}' 2>/dev/null)" == containerd://* ]] \
  || skip "the real node is not running (the node is simulated or absent: npm run cluster:down, then npm run cluster:up)"
bash "${ROOT}/scripts/redis-server.sh" # Debian's redis-server and redis-tools (redis-benchmark)
IP="$(kc -n "${NS}" get service redis-service -o jsonpath='{.spec.clusterIP}' 2>/dev/null)" \
  || skip "no Service redis-service in ${NS} (npm run deploy puts the dev stack's cache tier there)"
MAXMEMORY="$(redis-cli -h "${IP}" config get maxmemory | tail -n 1)"
POLICY="$(redis-cli -h "${IP}" config get maxmemory-policy | tail -n 1)"

bench() { redis-benchmark -h "$1" -p "$2" -t ping,set,get -n "${REQUESTS}" -c "${CLIENTS}" -q 2>&1 | tr '\r' '\n' | grep -E 'requests per second' ; }

echo "== cache tier through the Service ${NS}/redis-service (${IP}:6379; maxmemory ${MAXMEMORY}, ${POLICY}; ${REQUESTS} requests, ${CLIENTS} clients)"
bench "${IP}" 6379

TMP="$(mktemp -d)"
redis-server --port "${PORT}" --bind 127.0.0.1 --save '' --appendonly no --dir "${TMP}" \
  --maxmemory "${MAXMEMORY}" --maxmemory-policy "${POLICY}" --daemonize no --logfile "${TMP}/redis.log" &
PID=$!
trap 'kill "${PID}" 2>/dev/null; wait "${PID}" 2>/dev/null; rm -rf "${TMP}"' EXIT
for _ in $(seq 50); do redis-cli -p "${PORT}" ping >/dev/null 2>&1 && break; sleep 0.1; done
echo "== bare redis-server $(redis-server --version | sed -nE 's/.*v=([0-9.]+).*/\1/p') on 127.0.0.1:${PORT} (same maxmemory and policy)"
bench 127.0.0.1 "${PORT}"
