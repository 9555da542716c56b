#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The Redis section of `npm run bench` (scripts/bench.sh): redis-benchmark (Debian redis-tools)
# through a Service (kube-proxy, the pod bridge, NetworkPolicy enforced by kube-router) against a
# bare redis-server on this machine held to the SAME CPU by a cgroup CPU quota (cfs_quota_us):
#   1. the cache tier's Service vs a bare server with the cache pods' limits added up (the Service
#      spreads connections over every pod), same maxmemory and policy, no persistence on either;
#   2. the replicated Redis's write Service (its master: AOF on, appendfsync everysec, feeding its
#      replicas) vs a bare server with the master's CPU limit and the same AOF setting. Both are
#      reached through scripts/bench/auth-proxy.ts, which sends AUTH itself: redis-benchmark takes a
#      password only in argv, and the stack's password goes from the Secret to the proxy's stdin,
#      never onto a command line; the bare server gets a throwaway password of its own. The bench's
#      keys (key:<12 digits>) are deleted from the replicated Redis afterwards.
# SET and GET, unpipelined and with -P 16, BENCH_REDIS_ROUNDS rounds each, alternating the two
# targets; medians with min/max and the ratio Service/bare, printed and written to
# .bench/redis-<date>.json.
#
# Needs: the real node (npm run cluster:up) and the dev stack deployed (npm run deploy: the cache
# tier in BENCH_NAMESPACE, default sample-app; the replicated Redis in BENCH_REPLICATED_NAMESPACE,
# default redis); without them it says in one line why a section is skipped, so the rest of the
# bench still runs. redis-benchmark and redis-server come from Debian, installed the way the tests
# install them (scripts/redis-server.sh).
# Env: BENCH_REQUESTS (200000), BENCH_CLIENTS (20), BENCH_REDIS_ROUNDS (3), BENCH_PORT (26399).
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../cluster/versions.sh
source "${ROOT}/scripts/cluster/versions.sh"
NS="${BENCH_NAMESPACE:-sample-app}"
RNS="${BENCH_REPLICATED_NAMESPACE:-redis}"
REQUESTS="${BENCH_REQUESTS:-200000}"
CLIENTS="${BENCH_CLIENTS:-20}"
ROUNDS="${BENCH_REDIS_ROUNDS:-3}"
PORT="${BENCH_PORT:-26399}"
CGROUP_ROOT=/sys/fs/cgroup/cpu
skip() { printf '[bench] Redis data path skipped: %s\n' "$*"; exit 0; }
say() { printf '[bench redis] %s\n' "$*"; }
kc() { "${CLUSTER_BIN_DIR}/kubectl" --kubeconfig "${ROOT}/.cluster/kubeconfig" --context embedded "$@"; }
millis() {
  if [[ "$1" =~ ^([0-9]+)m$ ]]; then echo "${BASH_REMATCH[1]}"
  elif [[ "$1" =~ ^([0-9]+)$ ]]; then echo $((BASH_REMATCH[1] * 1000))
  else return 1; fi
}

[[ -f "${ROOT}/.cluster/kubeconfig" ]] || skip "no cluster (npm run cluster:up)"
[[ "$(kc get nodes -o jsonpath='{.items[0].status.nodeInfo.containerRuntimeVersion}' 2>/dev/null)" == containerd://* ]] \
  || skip "the real node is not running (the node is simulated or absent: npm run cluster:down, then npm run cluster:up)"
[[ -d "${CGROUP_ROOT}" ]] || skip "no cgroup v1 cpu controller at ${CGROUP_ROOT} to hold the bare servers to the pods' CPU"
bash "${ROOT}/scripts/redis-server.sh" # Debian's redis-server and redis-tools (redis-benchmark)

TMP="$(mktemp -d)"
# Background processes' pids, in a file: a proxy is started at the end of a pipeline (a subshell).
PIDS="${TMP}/pids"
CGROUPS=()
cleanup() {
  local p
  while read -r p; do kill "${p}" 2>/dev/null || true; done <"${PIDS}" 2>/dev/null
  sleep 0.5
  for c in "${CGROUPS[@]}"; do rmdir "${c}" 2>/dev/null || true; done
  rm -rf "${TMP}"
}
trap cleanup EXIT

# bare NAME MILLI CONF: a redis-server with the config file CONF, in a cgroup of its own held to
# MILLI millicores; waits until it answers.
bare() {
  local cg="${CGROUP_ROOT}/redis-platform-bench-$1"
  mkdir -p "${cg}"
  CGROUPS+=("${cg}")
  echo 100000 >"${cg}/cpu.cfs_period_us"
  echo $(($2 * 100)) >"${cg}/cpu.cfs_quota_us"
  redis-server "$3" &
  echo "$!" >>"${PIDS}"
  echo "$!" >"${cg}/cgroup.procs"
  for _ in $(seq 50); do [[ "$(redis-cli -p "$(sed -nE 's/^port //p' "$3")" ping 2>&1)" =~ PONG|NOAUTH ]] && return 0; sleep 0.1; done
  echo "[bench redis] ERROR: the bare redis-server ($3) did not start" >&2; exit 1
}

# proxy LISTEN HOST PORT: scripts/bench/auth-proxy.ts with the password on stdin; waits until it listens.
proxy() {
  local log="${TMP}/proxy-$1.log"
  node -r ts-node/register "${ROOT}/scripts/bench/auth-proxy.ts" "$1" "$2" "$3" >"${log}" 2>&1 &
  echo "$!" >>"${PIDS}"
  for _ in $(seq 100); do grep -q listening "${log}" && return 0; sleep 0.2; done
  echo "[bench redis] ERROR: the auth proxy on port $1 did not start: $(cat "${log}")" >&2; exit 1
}

# rps HOST PORT TEST PIPELINE: requests per second of one redis-benchmark run
rps() {
  redis-benchmark -h "$1" -p "$2" -t "$3" -P "$4" -n "${REQUESTS}" -c "${CLIENTS}" -r 100000 -q 2>&1 \
    | tr '\r' '\n' | sed -nE 's/^[A-Z]+: ([0-9.]+) requests per second.*/\1/p' | tail -n 1
}
stats() { sort -n | awk '{v[NR]=$1} END {m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2; printf "%.0f %.0f %.0f\n", m, v[1], v[NR]}'; }

# compare SECTION MILLI SVC_HOST SVC_PORT BARE_HOST BARE_PORT: the table rows of one section
ROWS=()
compare() {
  printf '%-11s %-5s %-4s %24s %24s %8s\n' section test pipe "Service med (min-max)" "bare ${2}m med (min-max)" ratio
  for test in set get; do
    for pipe in 1 16; do
      local svc=() bare=() sm smin smax bm bmin bmax ratio
      for ((r = 1; r <= ROUNDS; r++)); do
        svc+=("$(rps "$3" "$4" "${test}" "${pipe}")")
        bare+=("$(rps "$5" "$6" "${test}" "${pipe}")")
      done
      read -r sm smin smax < <(printf '%s\n' "${svc[@]}" | stats)
      read -r bm bmin bmax < <(printf '%s\n' "${bare[@]}" | stats)
      ratio="$(awk -v a="${sm}" -v b="${bm}" 'BEGIN {printf "%.2f", a / b}')"
      printf '%-11s %-5s %-4s %24s %24s %7sx\n' "$1" "${test^^}" "${pipe}" "${sm} (${smin}-${smax})" "${bm} (${bmin}-${bmax})" "${ratio}"
      ROWS+=("{\"section\":\"$1\",\"bareCpuMillicores\":$2,\"test\":\"${test^^}\",\"pipeline\":${pipe},\"service\":{\"median\":${sm},\"min\":${smin},\"max\":${smax}},\"bare\":{\"median\":${bm},\"min\":${bmin},\"max\":${bmax}},\"ratio\":${ratio}}")
    done
  done
}

cache_section() {
  local ip pods limit milli maxmemory policy
  ip="$(kc -n "${NS}" get service redis-service -o jsonpath='{.spec.clusterIP}' 2>/dev/null)" \
    || { say "cache tier skipped: no Service redis-service in ${NS} (npm run deploy puts the dev stack's cache tier there)"; return 0; }
  read -r pods limit < <(kc -n "${NS}" get deployment redis-deployment -o jsonpath='{.spec.replicas} {.spec.template.spec.containers[0].resources.limits.cpu}'; echo)
  milli="$(millis "${limit}")" || { say "cache tier skipped: the pods' CPU limit ${limit:-(none)} is not a CPU quantity"; return 0; }
  milli=$((pods * milli))
  maxmemory="$(redis-cli -h "${ip}" config get maxmemory | tail -n 1)"
  policy="$(redis-cli -h "${ip}" config get maxmemory-policy | tail -n 1)"
  printf 'port %s\nbind 127.0.0.1\nsave ""\nappendonly no\ndir %s\nmaxmemory %s\nmaxmemory-policy %s\nlogfile %s/cache.log\n' \
    "${PORT}" "${TMP}" "${maxmemory}" "${policy}" "${TMP}" >"${TMP}/cache.conf"
  bare cache "${milli}" "${TMP}/cache.conf"
  say "cache tier: ${NS}/redis-service ${ip}:6379 (${pods} pods x ${limit} CPU) vs bare redis-server on 127.0.0.1:${PORT} held to ${milli}m; maxmemory ${maxmemory} ${policy}"
  compare cache "${milli}" "${ip}" 6379 127.0.0.1 "${PORT}"
}

replicated_section() {
  local ip limit milli bare_port=$((PORT + 1)) svc_proxy=$((PORT + 2)) bare_proxy=$((PORT + 3)) throwaway maxmemory policy
  ip="$(kc -n "${RNS}" get service redis-master -o jsonpath='{.spec.clusterIP}' 2>/dev/null)" \
    || { say "replicated Redis skipped: no Service redis-master in ${RNS} (npm run deploy puts the dev stack's there)"; return 0; }
  limit="$(kc -n "${RNS}" get statefulset -l 'app.kubernetes.io/component in (master,node)' -o jsonpath='{.items[0].spec.template.spec.containers[0].resources.limits.cpu}')"
  milli="$(millis "${limit}")" || { say "replicated Redis skipped: the master's CPU limit ${limit:-(none)} is not a CPU quantity"; return 0; }
  # The stack's password: from the Secret to the proxy's stdin, through a pipe only.
  kc -n "${RNS}" get secret redis-secret -o jsonpath='{.data.password}' | base64 -d | proxy "${svc_proxy}" "${ip}" 6379
  maxmemory="$(redis-cli -p "${svc_proxy}" config get maxmemory | tail -n 1)"
  policy="$(redis-cli -p "${svc_proxy}" config get maxmemory-policy | tail -n 1)"
  throwaway="$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
  (umask 077; printf 'port %s\nbind 127.0.0.1\nsave ""\nappendonly yes\nappendfsync everysec\ndir %s\nmaxmemory %s\nmaxmemory-policy %s\nlogfile %s/replicated.log\nrequirepass %s\n' \
    "${bare_port}" "${TMP}" "${maxmemory}" "${policy}" "${TMP}" "${throwaway}" >"${TMP}/replicated.conf")
  bare replicated "${milli}" "${TMP}/replicated.conf"
  printf '%s\n' "${throwaway}" | proxy "${bare_proxy}" 127.0.0.1 "${bare_port}"
  say "replicated Redis: ${RNS}/redis-master ${ip}:6379 (the master, ${limit} CPU, AOF everysec, feeding its replicas) vs bare redis-server on 127.0.0.1:${bare_port} held to ${milli}m with AOF everysec; both through the auth proxy"
  compare replicated "${milli}" 127.0.0.1 "${svc_proxy}" 127.0.0.1 "${bare_proxy}"
  redis-cli -p "${svc_proxy}" --scan --pattern 'key:????????????' | xargs -r -n 500 redis-cli -p "${svc_proxy}" unlink >/dev/null
  say "deleted the bench's keys from ${RNS}/redis-master"
}

say "${REQUESTS} requests, ${CLIENTS} clients, ${ROUNDS} rounds per cell; redis-server $(redis-server --version | sed -nE 's/.*v=([0-9.]+).*/\1/p') for the bare servers"
cache_section
replicated_section
mkdir -p "${ROOT}/.bench"
OUT="${ROOT}/.bench/redis-$(date -u +%Y%m%dT%H%M%SZ).json"
{
  printf '{"date":"%s","requests":%s,"clients":%s,"rounds":%s,"results":[' "$(date -u +%FT%TZ)" "${REQUESTS}" "${CLIENTS}" "${ROUNDS}"
  (IFS=,; printf '%s' "${ROWS[*]}")
  printf ']}\n'
} >"${OUT}"
say "goal: ratio >= 0.85; written to ${OUT#"${ROOT}"/}"
