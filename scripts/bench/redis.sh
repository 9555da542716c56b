#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The Redis section of `npm run bench` (scripts/bench.sh): redis-benchmark (Debian redis-tools)
# against the cache tier through its Service (kube-proxy, the pod bridge, NetworkPolicy enforced by
# kube-router) and against a bare redis-server on this machine held to the SAME CPU: the cache
# pods' limits added up (the Service spreads connections over every pod), applied to the bare server
# with a cgroup CPU quota (cfs_quota_us), same maxmemory and policy, no persistence on either.
# SET and GET, unpipelined and with -P 16, BENCH_REDIS_ROUNDS rounds each, alternating the two
# targets; medians with min/max and the ratio Service/bare, printed and written to
# .bench/redis-<date>.json.
#
# Needs: the real node (npm run cluster:up) and the cache tier deployed in BENCH_NAMESPACE (default
# sample-app: npm run deploy puts the dev stack's there); without them it says in one line why it
# is skipped and exits 0, so the rest of the bench still runs. redis-benchmark and redis-server
# come from Debian, installed the way the tests install them (scripts/redis-server.sh).
# Env: BENCH_REQUESTS (200000), BENCH_CLIENTS (20), BENCH_REDIS_ROUNDS (3), BENCH_PORT (26399).
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../cluster/versions.sh
source "${ROOT}/scripts/cluster/versions.sh"
NS="${BENCH_NAMESPACE:-sample-app}"
REQUESTS="${BENCH_REQUESTS:-200000}"
CLIENTS="${BENCH_CLIENTS:-20}"
ROUNDS="${BENCH_REDIS_ROUNDS:-3}"
PORT="${BENCH_PORT:-26399}"
CGROUP=/sys/fs/cgroup/cpu/redis-platform-bench
skip() { printf '[bench] Redis data path skipped: %s\n' "$*"; exit 0; }
say() { printf '[bench redis] %s\n' "$*"; }
kc() { "${CLUSTER_BIN_DIR}/kubectl" --kubeconfig "${ROOT}/.cluster/kubeconfig" --context embedded "$@"; }

[[ -f "${ROOT}/.cluster/kubeconfig" ]] || skip "no cluster (npm run cluster:up)"
[[ "$(kc get nodes -o jsonpath='{.items[0].status.nodeInfo.containerRuntimeVersion}' 2>/dev/null)" == containerd://* ]] \
  || skip "the real node is not running (the node is simulated or absent: npm run cluster:down, then npm run cluster:up)"
bash "${ROOT}/scripts/redis-server.sh" # Debian's redis-server and redis-tools (redis-benchmark)
IP="$(kc -n "${NS}" get service redis-service -o jsonpath='{.spec.clusterIP}' 2>/dev/null)" \
  || skip "no Service redis-service in ${NS} (npm run deploy puts the dev stack's cache tier there)"
read -r PODS LIMIT < <(kc -n "${NS}" get deployment redis-deployment -o jsonpath='{.spec.replicas} {.spec.template.spec.containers[0].resources.limits.cpu}'; echo)
[[ "${LIMIT}" =~ ^([0-9]+)m$ ]] || skip "the cache pods' CPU limit ${LIMIT:-(none)} is not in millicores"
MILLI=$((PODS * BASH_REMATCH[1]))
[[ -d /sys/fs/cgroup/cpu ]] || skip "no cgroup v1 cpu controller at /sys/fs/cgroup/cpu to hold the bare server to ${MILLI}m"
MAXMEMORY="$(redis-cli -h "${IP}" config get maxmemory | tail -n 1)"
POLICY="$(redis-cli -h "${IP}" config get maxmemory-policy | tail -n 1)"

TMP="$(mktemp -d)"
mkdir -p "${CGROUP}"
echo 100000 >"${CGROUP}/cpu.cfs_period_us"
echo $((MILLI * 100)) >"${CGROUP}/cpu.cfs_quota_us"
redis-server --port "${PORT}" --bind 127.0.0.1 --save '' --appendonly no --dir "${TMP}" \
  --maxmemory "${MAXMEMORY}" --maxmemory-policy "${POLICY}" --daemonize no --logfile "${TMP}/redis.log" &
PID=$!
echo "${PID}" >"${CGROUP}/cgroup.procs"
cleanup() { kill "${PID}" 2>/dev/null; wait "${PID}" 2>/dev/null; rmdir "${CGROUP}" 2>/dev/null; rm -rf "${TMP}"; }
trap cleanup EXIT
for _ in $(seq 50); do redis-cli -p "${PORT}" ping >/dev/null 2>&1 && break; sleep 0.1; done

# rps HOST PORT TEST PIPELINE: requests per second of one redis-benchmark run
rps() {
  redis-benchmark -h "$1" -p "$2" -t "$3" -P "$4" -n "${REQUESTS}" -c "${CLIENTS}" -r 100000 -q 2>&1 \
    | tr '\r' '\n' | sed -nE 's/^[A-Z]+: ([0-9.]+) requests per second.*/\1/p' | tail -n 1
}
stats() { sort -n | awk '{v[NR]=$1} END {m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2; printf "%.0f %.0f %.0f\n", m, v[1], v[NR]}'; }

say "cache tier: ${NS}/redis-service ${IP}:6379 (${PODS} pods x ${LIMIT} CPU limit) vs bare redis-server $(redis-server --version | sed -nE 's/.*v=([0-9.]+).*/\1/p') on 127.0.0.1:${PORT} held to ${MILLI}m by ${CGROUP}; maxmemory ${MAXMEMORY} ${POLICY}; ${REQUESTS} requests, ${CLIENTS} clients, ${ROUNDS} rounds"
mkdir -p "${ROOT}/.bench"
OUT="${ROOT}/.bench/redis-$(date -u +%Y%m%dT%H%M%SZ).json"
rows=()
printf '%-10s %-4s %24s %24s %8s\n' test pipe "Service med (min-max)" "bare ${MILLI}m med (min-max)" ratio
for test in set get; do
  for pipe in 1 16; do
    svc=() bare=()
    for ((r = 1; r <= ROUNDS; r++)); do
      svc+=("$(rps "${IP}" 6379 "${test}" "${pipe}")")
      bare+=("$(rps 127.0.0.1 "${PORT}" "${test}" "${pipe}")")
    done
    read -r sm smin smax < <(printf '%s\n' "${svc[@]}" | stats)
    read -r bm bmin bmax < <(printf '%s\n' "${bare[@]}" | stats)
    ratio="$(awk -v a="${sm}" -v b="${bm}" 'BEGIN {printf "%.2f", a / b}')"
    printf '%-10s %-4s %24s %24s %7sx\n' "${test^^}" "${pipe}" "${sm} (${smin}-${smax})" "${bm} (${bmin}-${bmax})" "${ratio}"
    rows+=("{\"test\":\"${test^^}\",\"pipeline\":${pipe},\"service\":{\"median\":${sm},\"min\":${smin},\"max\":${smax}},\"bare\":{\"median\":${bm},\"min\":${bmin},\"max\":${bmax}},\"ratio\":${ratio}}")
  done
done
{
  printf '{"date":"%s","namespace":"%s","pods":%s,"podCpuLimit":"%s","bareCpuMillicores":%s,"requests":%s,"clients":%s,"rounds":%s,"results":[' \
    "$(date -u +%FT%TZ)" "${NS}" "${PODS}" "${LIMIT}" "${MILLI}" "${REQUESTS}" "${CLIENTS}" "${ROUNDS}"
  (IFS=,; printf '%s' "${rows[*]}")
  printf ']}\n'
} >"${OUT}"
say "goal: ratio >= 0.85; written to ${OUT#"${ROOT}"/}"
