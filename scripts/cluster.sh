#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Embedded single-machine Kubernetes on loopback, for developing and testing
# this Pulumi program without a real cluster:
#   etcd + kube-apiserver + kube-controller-manager + kube-scheduler, all on
#   127.0.0.1, and kwok simulating one node (pods become Running/Ready with
#   fake pod IPs; no containers are run).
#
# Usage: scripts/cluster.sh up|down|status|build|help
#   up      build the binaries if needed, start the cluster, wait until it is
#           usable; idempotent (an already healthy cluster is left as it is)
#   down    stop every process of the cluster and remove .cluster/; idempotent
#   status  one line per component; exit 0 all healthy, 3 stopped, 1 degraded
#   build   only build the binaries (into the cache, see below)
#
# State (certs, etcd data, kubeconfigs, logs, pids) lives in <repo>/.cluster/;
# the admin kubeconfig is .cluster/kubeconfig, context "embedded".
# Binaries are built from Go modules once per version set into
#   ${REDIS_PLATFORM_CACHE:-$HOME/.cache/redis-platform}/cluster/<versions>/bin
#
# Ports (127.0.0.1 only), changeable through the environment:
#   CLUSTER_API_PORT=16443                 kube-apiserver (https)
#   CLUSTER_ETCD_PORT=16379                etcd clients (https, client certs)
#   CLUSTER_ETCD_PEER_PORT=16380           etcd peer (single member)
#   CLUSTER_CONTROLLER_MANAGER_PORT=16257  kube-controller-manager healthz/metrics
#   CLUSTER_SCHEDULER_PORT=16259           kube-scheduler healthz/metrics
#   CLUSTER_KWOK_PORT=16247                kwok healthz/metrics
# The node: CLUSTER_NODE=kwok (default) simulates it; CLUSTER_NODE=real runs a real one on this
#   machine (Linux, root): containerd + runc + bridge CNI from Debian (apt-get installs them when
#   missing), kubelet + kube-proxy (iptables) built like the rest, CoreDNS on the pod bridge's
#   gateway 10.244.0.1:53, and images built locally by scripts/images.sh (no registry).
#   Its extra ports: CLUSTER_KUBELET_PORT=16250 (on 10.244.0.1: a kubelet refuses a loopback
#   node IP), on 127.0.0.1 CLUSTER_KUBELET_HEALTHZ_PORT=16248, CLUSTER_KUBE_PROXY_PORT=16256
#   (healthz), CLUSTER_KUBE_PROXY_METRICS_PORT=16249, CLUSTER_DNS_READY_PORT=16181 (CoreDNS
#   /ready). It changes the host: bridge rpbr0, iptables rules, ip_forward=1 and
#   bridge-nf-call-iptables=1; 'down' removes the bridge and the rules. Tests of what really runs:
#   npm run test:real-node. See scripts/cluster/node.sh and scripts/images.sh.
# Other settings: CLUSTER_NODE_NAME (embedded-node), CLUSTER_NODE_CPU (16),
#   CLUSTER_NODE_MEMORY (32Gi), CLUSTER_NODE_PODS (110),
#   CLUSTER_START_TIMEOUT (seconds per wait, 180), and extra flags per
#   component: CLUSTER_ETCD_EXTRA_ARGS, CLUSTER_KUBE_APISERVER_EXTRA_ARGS,
#   CLUSTER_KUBE_CONTROLLER_MANAGER_EXTRA_ARGS, CLUSTER_KUBE_SCHEDULER_EXTRA_ARGS,
#   CLUSTER_KWOK_EXTRA_ARGS (e.g. "--feature-gates=...").
set -Eeuo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "${SCRIPT_DIR}/.." && pwd)"
# shellcheck source=cluster/versions.sh
source "${SCRIPT_DIR}/cluster/versions.sh"

STATE="${ROOT}/.cluster"
PKI="${STATE}/pki"
LOGS="${STATE}/logs"
PIDS="${STATE}/pids"
KCFG_DIR="${STATE}/kubeconfigs"
KUBECONFIG_FILE="${STATE}/kubeconfig"
CONTEXT=embedded
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
NODE_MODE=kwok
set_components() {
  if [[ "${NODE_MODE}" == real ]]; then
    COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler containerd coredns kubelet kube-proxy)
  else
    COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
  fi
}
REL_STATE=".cluster"

T0=$(date +%s)
say() { printf '[cluster %4ss] %s\n' "$(($(date +%s) - T0))" "$*" 2>/dev/null || true; }
warn() { printf '[cluster] WARNING: %s\n' "$*" >&2; }
die() { printf '[cluster] ERROR: %s\n' "$*" >&2; exit 1; }
# the real node (CLUSTER_NODE=real): containerd, CNI, CoreDNS, kubelet, kube-proxy
# shellcheck source=cluster/node.sh
source "${SCRIPT_DIR}/cluster/node.sh"

# ------------------------------------------------------------------ settings
load_settings() {
  # Ports and node shape: a running cluster's saved settings win (status/down),
  # otherwise the environment, otherwise the defaults.
  if [[ "${1:-}" == saved && -f "${STATE}/cluster.env" ]]; then
    # shellcheck disable=SC1091
    source "${STATE}/cluster.env"
    set_components
    return
  fi
  NODE_MODE="${CLUSTER_NODE:-kwok}"
  [[ "${NODE_MODE}" == kwok || "${NODE_MODE}" == real ]] || die "CLUSTER_NODE=${NODE_MODE}: use kwok (simulated node, the default) or real"
  KUBELET_PORT="${CLUSTER_KUBELET_PORT:-16250}"
  KUBELET_HEALTHZ_PORT="${CLUSTER_KUBELET_HEALTHZ_PORT:-16248}"
  PROXY_PORT="${CLUSTER_KUBE_PROXY_PORT:-16256}"
  PROXY_METRICS_PORT="${CLUSTER_KUBE_PROXY_METRICS_PORT:-16249}"
  DNS_READY_PORT="${CLUSTER_DNS_READY_PORT:-16181}"
  set_components
  API_PORT="${CLUSTER_API_PORT:-16443}"
  ETCD_PORT="${CLUSTER_ETCD_PORT:-16379}"
  ETCD_PEER_PORT="${CLUSTER_ETCD_PEER_PORT:-16380}"
  KCM_PORT="${CLUSTER_CONTROLLER_MANAGER_PORT:-16257}"
  SCHED_PORT="${CLUSTER_SCHEDULER_PORT:-16259}"
  KWOK_PORT="${CLUSTER_KWOK_PORT:-16247}"
  NODE_NAME="${CLUSTER_NODE_NAME:-embedded-node}"
  NODE_CPU="${CLUSTER_NODE_CPU:-16}"
  NODE_MEMORY="${CLUSTER_NODE_MEMORY:-32Gi}"
  NODE_PODS="${CLUSTER_NODE_PODS:-110}"
}
save_settings() {
  cat >"${STATE}/cluster.env" <<EOF
# written by scripts/cluster.sh up; read by status and down
API_PORT=${API_PORT}
ETCD_PORT=${ETCD_PORT}
ETCD_PEER_PORT=${ETCD_PEER_PORT}
KCM_PORT=${KCM_PORT}
SCHED_PORT=${SCHED_PORT}
KWOK_PORT=${KWOK_PORT}
NODE_NAME=${NODE_NAME}
NODE_CPU=${NODE_CPU}
NODE_MEMORY=${NODE_MEMORY}
NODE_PODS=${NODE_PODS}
NODE_MODE=${NODE_MODE}
KUBELET_PORT=${KUBELET_PORT}
KUBELET_HEALTHZ_PORT=${KUBELET_HEALTHZ_PORT}
PROXY_PORT=${PROXY_PORT}
PROXY_METRICS_PORT=${PROXY_METRICS_PORT}
DNS_READY_PORT=${DNS_READY_PORT}
EOF
}
port_of() {
  case "$1" in
    etcd) echo "${ETCD_PORT}" ;;
    kube-apiserver) echo "${API_PORT}" ;;
    kube-controller-manager) echo "${KCM_PORT}" ;;
    kube-scheduler) echo "${SCHED_PORT}" ;;
    kwok) echo "${KWOK_PORT}" ;;
    kubelet) echo "${KUBELET_PORT}" ;;
    kube-proxy) echo "${PROXY_PORT}" ;;
    coredns) echo "${DNS_READY_PORT}" ;;
  esac
}
port_env_of() {
  case "$1" in
    etcd) echo CLUSTER_ETCD_PORT ;;
    etcd-peer) echo CLUSTER_ETCD_PEER_PORT ;;
    kube-apiserver) echo CLUSTER_API_PORT ;;
    kube-controller-manager) echo CLUSTER_CONTROLLER_MANAGER_PORT ;;
    kube-scheduler) echo CLUSTER_SCHEDULER_PORT ;;
    kwok) echo CLUSTER_KWOK_PORT ;;
    kubelet) echo CLUSTER_KUBELET_PORT ;;
    kubelet-healthz) echo CLUSTER_KUBELET_HEALTHZ_PORT ;;
    kube-proxy) echo CLUSTER_KUBE_PROXY_PORT ;;
    kube-proxy-metrics) echo CLUSTER_KUBE_PROXY_METRICS_PORT ;;
    coredns) echo CLUSTER_DNS_READY_PORT ;;
    containerd) echo CLUSTER_BRIDGE ;;
  esac
}
endpoint_of() {
  case "$1" in
    kwok | kube-proxy) echo "http://127.0.0.1:$(port_of "$1")" ;;
    coredns) echo "dns://${NODE_GATEWAY:-10.244.0.1}:53" ;;
    containerd) echo "unix://${REL_STATE}/containerd/containerd.sock" ;;
    kubelet) echo "https://${NODE_GATEWAY:-10.244.0.1}:${KUBELET_PORT}" ;;
    *) echo "https://127.0.0.1:$(port_of "$1")" ;;
  esac
}

# ------------------------------------------------------------------ processes
# is_ours PID NAME: PID is a NAME process of *this* cluster (its argv[0] is
# NAME and its arguments point into this repo's .cluster/). Guards against
# stale pid files whose pid was reused, and against other checkouts' clusters.
is_ours() {
  local pid="$1" name="$2"
  [[ "${pid}" =~ ^[0-9]+$ ]] || return 1
  local -a argv=()
  { mapfile -d '' -t argv <"/proc/${pid}/cmdline"; } 2>/dev/null || return 1
  [[ ${#argv[@]} -gt 0 ]] || return 1 # exited (zombie) or kernel thread
  [[ "${argv[0]##*/}" == "${name}" ]] || return 1
  [[ "${argv[*]}" == *"${STATE}/"* ]]
}
# pid_of NAME: the live pid of component NAME, from its pid file.
pid_of() {
  local f="${PIDS}/$1.pid" pid
  [[ -f "${f}" ]] || return 1
  pid="$(head -n 1 "${f}" 2>/dev/null || true)"
  is_ours "${pid}" "$1" || return 1
  echo "${pid}"
}
# ours_running: "PID NAME" for every process of this cluster, pid file or not.
ours_running() {
  local p pid name
  local -a argv
  for p in /proc/[0-9]*; do
    pid="${p#/proc/}"
    argv=()
    { mapfile -d '' -t argv <"${p}/cmdline"; } 2>/dev/null || continue
    [[ ${#argv[@]} -gt 0 && "${argv[*]}" == *"${STATE}/"* ]] || continue
    for name in "${COMPONENTS[@]}"; do
      if [[ "${argv[0]##*/}" == "${name}" ]]; then echo "${pid} ${name}"; fi
    done
  done
}
stop_pid() {
  local pid="$1" name="$2" i
  kill -TERM "${pid}" 2>/dev/null || return 0
  for ((i = 0; i < 150; i++)); do
    is_ours "${pid}" "${name}" || { STOPPED_PIDS+=("${pid}"); wait "${pid}" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  warn "${name} (pid ${pid}) did not stop within 15s of SIGTERM; sending SIGKILL"
  kill -KILL "${pid}" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    is_ours "${pid}" "${name}" || { STOPPED_PIDS+=("${pid}"); wait "${pid}" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  return 1
}
# await_reaped: exited processes that are no longer our children show as
# <defunct> until init reaps them; give it up to 5s so pgrep/ps come out clean.
STOPPED_PIDS=()
await_reaped() {
  local i pid left
  for ((i = 0; i < 50; i++)); do
    left=0
    for pid in "${STOPPED_PIDS[@]}"; do [[ -e "/proc/${pid}" ]] && left=1; done
    [[ ${left} -eq 1 ]] || break
    sleep 0.1
  done
  STOPPED_PIDS=()
}
# stop_all [quiet]: stop every process of this cluster, newest component first.
stop_all() {
  local quiet="${1:-}" i name pid line left
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
    name="${COMPONENTS[i]}"
    # the pods' containers stop with the node, not after it (their shims would outlive containerd)
    [[ "${name}" != containerd ]] || node_kill_pods
    if pid="$(pid_of "${name}")"; then
      [[ -n "${quiet}" ]] || say "stopping ${name} (pid ${pid})"
      stop_pid "${pid}" "${name}" || true
    fi
    rm -f "${PIDS}/${name}.pid"
  done
  # processes whose pid file was lost
  while read -r line; do
    [[ -n "${line}" ]] || continue
    pid="${line%% *}"; name="${line#* }"
    [[ -n "${quiet}" ]] || say "stopping ${name} (pid ${pid}, no pid file)"
    stop_pid "${pid}" "${name}" || true
  done < <(ours_running)
  [[ ${#STOPPED_PIDS[@]} -eq 0 ]] || await_reaped
  left="$(ours_running)"
  if [[ -n "${left}" ]]; then
    printf '[cluster] ERROR: still running after SIGKILL:\n%s\n' "${left}" >&2
    return 1
  fi
}

# start NAME ARGS...: start a component detached, its output in logs/NAME.log.
start() {
  local name="$1"; shift
  local log="${LOGS}/${name}.log"
  printf '\n===== %s starting %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${name}" >>"${log}"
  # extra flags from CLUSTER_<COMPONENT>_EXTRA_ARGS, e.g. CLUSTER_KUBE_APISERVER_EXTRA_ARGS
  local extra_var
  extra_var="CLUSTER_$(tr 'a-z-' 'A-Z_' <<<"${name}")_EXTRA_ARGS"
  local -a extra=()
  read -r -a extra <<<"${!extra_var:-}"
  local -a launcher=()
  if command -v setsid >/dev/null 2>&1; then launcher=(setsid); fi
  (
    cd "${STATE}"
    exec 8<&- # the checkout lock stays with this script
    exec env KWOK_WORKDIR="${STATE}/kwok" "${launcher[@]}" "$(bin_of "${name}")" "$@" "${extra[@]}" \
      >>"${log}" 2>&1 </dev/null
  ) &
  local pid=$! i
  echo "${pid}" >"${PIDS}/${name}.pid"
  STARTED+=("${name}")
  # until the subshell has exec'd the binary, its pid does not look like NAME yet
  for ((i = 0; i < 100; i++)); do
    is_ours "${pid}" "${name}" && break
    kill -0 "${pid}" 2>/dev/null || break
    [[ "$(cut -d' ' -f3 "/proc/${pid}/stat" 2>/dev/null)" != Z ]] || break # exited
    sleep 0.05
  done
  say "started ${name} (pid ${pid}) on $(endpoint_of "${name}"), log ${REL_STATE}/logs/${name}.log"
}

bin_of() {
  case "$1" in
    containerd) command -v containerd ;;
    kubelet | kube-proxy | coredns) echo "${CLUSTER_NODE_BIN_DIR}/$1" ;;
    *) echo "${CLUSTER_BIN_DIR}/$1" ;;
  esac
}

# fail NAME MESSAGE: report a component that failed, stop everything, exit 1.
fail() {
  local name="$1" msg="$2" log="${LOGS}/$1.log"
  trap - ERR INT TERM HUP
  trap "" PIPE # a closed output pipe must not stop the clean-up
  set +e
  printf '[cluster] ERROR: %s\n' "${msg}" >&2
  if [[ -f "${log}" ]]; then
    printf -- '----- last 20 lines of %s/logs/%s.log -----\n' "${REL_STATE}" "${name}" >&2
    tail -n 20 "${log}" >&2
    printf -- '-----\n' >&2
    if grep -q 'address already in use' "${log}" 2>/dev/null; then
      printf '[cluster] a port of %s is taken by another program; set %s (or the other CLUSTER_*_PORT variables) to free ports\n' \
        "${name}" "$(port_env_of "${name}")" >&2
    fi
  fi
  abort_started
  exit 1
}
abort_started() {
  if [[ ${#STARTED[@]} -gt 0 ]]; then
    say "stopping the components this run started: ${STARTED[*]}" >&2
    stop_all quiet || true
    [[ "${NODE_MODE}" != real ]] || node_cleanup
    say "stopped; logs kept in ${REL_STATE}/logs/ ('npm run cluster:down' removes ${REL_STATE}/)" >&2
  fi
}
on_unexpected() {
  local rc=$? line="$1"
  trap - ERR INT TERM HUP
  trap "" PIPE # a closed output pipe must not stop the clean-up
  set +e
  printf '[cluster] ERROR: unexpected failure (exit %s) at scripts/cluster.sh line %s\n' "${rc}" "${line}" >&2
  abort_started
  exit 1
}
on_signal() {
  trap - ERR INT TERM HUP
  trap "" PIPE # a closed output pipe must not stop the clean-up
  set +e
  printf '\n[cluster] interrupted\n' >&2
  abort_started
  exit 130
}

# ------------------------------------------------------------------ checks
port_in_use() {
  local port="$1"
  if command -v ss >/dev/null 2>&1; then
    [[ -n "$(ss -Htln "sport = :${port}" 2>/dev/null)" ]] && return 0
  fi
  (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null
}
# port_owner PORT: "NAME (pid N)|CHECKOUT" for the process listening on PORT,
# when ss can tell; CHECKOUT is set when it belongs to an embedded cluster.
port_owner() {
  command -v ss >/dev/null 2>&1 || return 0
  local line pid name arg
  line="$(ss -Htlnp "sport = :$1" 2>/dev/null | head -n 1)"
  [[ "${line}" =~ \(\(\"([^\"]+)\",pid=([0-9]+) ]] || return 0
  name="${BASH_REMATCH[1]}"; pid="${BASH_REMATCH[2]}"
  local -a argv=()
  { mapfile -d '' -t argv <"/proc/${pid}/cmdline"; } 2>/dev/null || true
  for arg in "${argv[@]}"; do
    if [[ "${arg}" =~ =(/.*)/\.cluster/ ]]; then
      printf '%s (pid %s)|%s' "${name}" "${pid}" "${BASH_REMATCH[1]}"
      return 0
    fi
  done
  printf '%s (pid %s)|' "${name}" "${pid}"
}
check_ports() {
  local entry name port seen=" " bad=0 other=""
  for entry in "etcd:${ETCD_PORT}" "etcd-peer:${ETCD_PEER_PORT}" "kube-apiserver:${API_PORT}" \
    "kube-controller-manager:${KCM_PORT}" "kube-scheduler:${SCHED_PORT}" "kwok:${KWOK_PORT}"; do
    name="${entry%%:*}"; port="${entry#*:}"
    if ! [[ "${port}" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
      printf '[cluster] ERROR: %s=%s is not a valid port\n' "$(port_env_of "${name}")" "${port}" >&2
      bad=1; continue
    fi
    if [[ "${seen}" == *" ${port} "* ]]; then
      printf '[cluster] ERROR: port %s is configured twice (again for %s); set %s to another port\n' \
        "${port}" "${name}" "$(port_env_of "${name}")" >&2
      bad=1; continue
    fi
    seen+="${port} "
    if port_in_use "${port}"; then
      local owner
      owner="$(port_owner "${port}")"
      [[ -z "${owner#*|}" ]] || other="${owner#*|}"
      owner="${owner%|*}"
      printf '[cluster] ERROR: port %s on 127.0.0.1 (for %s) is already in use%s; set %s=<free port> and run again\n' \
        "${port}" "${name}" "${owner:+ by ${owner}}" "$(port_env_of "${name}")" >&2
      bad=1
    fi
  done
  if [[ -n "${other}" ]]; then
    printf '[cluster] the embedded cluster of %s is running on these ports: stop it (bash %s/scripts/cluster.sh down) or choose other ports\n' \
      "${other}" "${other}" >&2
  fi
  [[ ${bad} -eq 0 ]] || exit 1
}
need_tools() {
  local t missing=()
  for t in "$@"; do command -v "${t}" >/dev/null 2>&1 || missing+=("${t}"); done
  [[ ${#missing[@]} -eq 0 ]] || die "missing tools: ${missing[*]} (on Debian/Ubuntu: apt-get install ${missing[*]})"
}

# ------------------------------------------------------------------ health
curl_q() { curl -sS --fail --max-time 3 "$@" 2>/dev/null; }
healthy() {
  case "$1" in
    etcd)
      curl_q --cacert "${PKI}/ca.crt" --cert "${PKI}/apiserver-etcd-client.crt" --key "${PKI}/apiserver-etcd-client.key" \
        "https://127.0.0.1:${ETCD_PORT}/health" | grep -q '"health":"true"' ;;
    kube-apiserver)
      [[ "$(curl_q --cacert "${PKI}/ca.crt" --cert "${PKI}/admin.crt" --key "${PKI}/admin.key" \
        "https://127.0.0.1:${API_PORT}/readyz")" == ok ]] ;;
    kube-controller-manager) [[ "$(curl_q -k "https://127.0.0.1:${KCM_PORT}/healthz")" == ok ]] ;;
    kube-scheduler) [[ "$(curl_q -k "https://127.0.0.1:${SCHED_PORT}/healthz")" == ok ]] ;;
    kwok) [[ "$(curl_q "http://127.0.0.1:${KWOK_PORT}/healthz")" == ok ]] ;;
    containerd | coredns | kubelet | kube-proxy) node_healthy "$1" ;;
  esac
}
kc() { "${CLUSTER_BIN_DIR}/kubectl" --kubeconfig "${KUBECONFIG_FILE}" --context "${CONTEXT}" "$@"; }
node_ready() {
  [[ "$(kc get node "${NODE_NAME}" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == True ]]
}
default_sa_exists() { kc -n default get serviceaccount default -o name >/dev/null 2>&1; }
api_version() {
  curl_q --cacert "${PKI}/ca.crt" --cert "${PKI}/admin.crt" --key "${PKI}/admin.key" \
    "https://127.0.0.1:${API_PORT}/version" | sed -nE 's/.*"gitVersion": *"([^"]+)".*/\1/p'
}

# wait_until WHAT NAME CHECK...: poll CHECK until it succeeds; fail NAME if its
# process exits or the timeout passes.
wait_until() {
  local what="$1" name="$2"; shift 2
  local timeout="${CLUSTER_START_TIMEOUT:-180}" start now last
  start=$(date +%s); last=${start}
  until "$@"; do
    now=$(date +%s)
    if ! pid_of "${name}" >/dev/null; then
      fail "${name}" "${name} exited while waiting for ${what}"
    fi
    if ((now - start >= timeout)); then
      fail "${name}" "timed out after ${timeout}s waiting for ${what} (CLUSTER_START_TIMEOUT=${timeout})"
    fi
    if ((now - last >= 10)); then
      say "  still waiting for ${what} ($((now - start))s)"
      last=${now}
    fi
    sleep 0.5
  done
  say "${what}: ok after $(($(date +%s) - start))s"
}

# ------------------------------------------------------------------ certificates
gen_key_ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
# sign NAME SUBJECT EXTENSIONS [CA]: key + certificate NAME.{key,crt} signed by CA (default: ca).
sign() {
  local name="$1" subj="$2" ext="$3" ca="${4:-ca}"
  gen_key_ec "${PKI}/${name}.key"
  openssl req -new -key "${PKI}/${name}.key" -subj "${subj}" -out "${PKI}/${name}.csr" 2>/dev/null
  printf '%s\n' "${ext}" >"${PKI}/${name}.ext"
  openssl x509 -req -in "${PKI}/${name}.csr" -CA "${PKI}/${ca}.crt" -CAkey "${PKI}/${ca}.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days 825 -sha256 \
    -extfile "${PKI}/${name}.ext" -out "${PKI}/${name}.crt" 2>/dev/null
  rm -f "${PKI}/${name}.csr" "${PKI}/${name}.ext"
}
gen_pki() {
  local all=(ca.crt ca.key sa.key sa.pub apiserver.crt apiserver.key admin.crt admin.key etcd-server.crt etcd-server.key
    apiserver-etcd-client.crt apiserver-etcd-client.key controller-manager.crt controller-manager.key
    scheduler.crt scheduler.key kwok.crt kwok.key front-proxy-ca.crt front-proxy-ca.key
    front-proxy-client.crt front-proxy-client.key) f complete=1
  for f in "${all[@]}"; do [[ -s "${PKI}/${f}" ]] || complete=0; done
  if [[ ${complete} -eq 1 ]]; then say "reusing certificates in ${REL_STATE}/pki"; return; fi
  say "generating CA, serving/client certificates and the service-account key in ${REL_STATE}/pki (openssl)"
  rm -rf "${PKI}"; mkdir -p "${PKI}"; chmod 700 "${PKI}"
  local server="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth"
  local client="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
  gen_key_ec "${PKI}/ca.key"
  openssl req -x509 -new -key "${PKI}/ca.key" -subj "/CN=redis-platform-embedded-ca" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "${PKI}/ca.crt" 2>/dev/null
  sign apiserver "/CN=kube-apiserver" "${server}
subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  # etcd also dials itself (grpc gateway) with its serving certificate: serverAuth + clientAuth
  sign etcd-server "/CN=etcd" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=IP:127.0.0.1,DNS:localhost"
  sign apiserver-etcd-client "/CN=kube-apiserver-etcd-client" "${client}"
  sign admin "/O=system:masters/CN=embedded-admin" "${client}"
  sign controller-manager "/CN=system:kube-controller-manager" "${client}"
  sign scheduler "/CN=system:kube-scheduler" "${client}"
  sign kwok "/O=system:masters/CN=kwok-controller" "${client}"
  # the aggregation layer's request-header CA (what kube-controller-manager and
  # kube-scheduler read from kube-system/extension-apiserver-authentication)
  gen_key_ec "${PKI}/front-proxy-ca.key"
  openssl req -x509 -new -key "${PKI}/front-proxy-ca.key" -subj "/CN=redis-platform-embedded-front-proxy-ca" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "${PKI}/front-proxy-ca.crt" 2>/dev/null
  sign front-proxy-client "/CN=front-proxy-client" "${client}" front-proxy-ca
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "${PKI}/sa.key" 2>/dev/null
  openssl pkey -in "${PKI}/sa.key" -pubout -out "${PKI}/sa.pub" 2>/dev/null
  chmod 600 "${PKI}"/*.key
  for f in "${all[@]}"; do [[ -s "${PKI}/${f}" ]] || die "openssl did not produce ${REL_STATE}/pki/${f}"; done
}
# write_kubeconfig FILE USER CERTNAME
write_kubeconfig() {
  local file="$1" user="$2" cert="$3"
  rm -f "${file}"
  (umask 077 && cat >"${file}") <<EOF
apiVersion: v1
kind: Config
clusters:
- name: embedded
  cluster:
    server: https://127.0.0.1:${API_PORT}
    certificate-authority-data: $(base64 -w0 <"${PKI}/ca.crt")
users:
- name: ${user}
  user:
    client-certificate-data: $(base64 -w0 <"${PKI}/${cert}.crt")
    client-key-data: $(base64 -w0 <"${PKI}/${cert}.key")
contexts:
- name: ${CONTEXT}
  context:
    cluster: embedded
    user: ${user}
    namespace: default
current-context: ${CONTEXT}
EOF
}

# ------------------------------------------------------------------ objects
bootstrap_objects() {
  # A default StorageClass served by kube-controller-manager's built-in hostPath
  # provisioner (testing only: volumes are directories under /tmp/hostpath_pv/,
  # deleted again when their claim is deleted: reclaimPolicy Delete).
  kc apply -f - >/dev/null <<EOF
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kubernetes.io/host-path
reclaimPolicy: Delete
volumeBindingMode: Immediate
allowVolumeExpansion: false
EOF
  if [[ "${NODE_MODE}" == real ]]; then
    say "default StorageClass 'standard' present; the kubelet registers node ${NODE_NAME}"
  elif ! kc get node "${NODE_NAME}" -o name >/dev/null 2>&1; then
    # Nodes may carry status on create; kwok then keeps it Ready and heartbeats it.
    kc create -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: ${NODE_NAME}
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/hostname: ${NODE_NAME}
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    node.kubernetes.io/instance-type: kwok
spec:
  podCIDR: 10.244.0.0/24
  podCIDRs: [10.244.0.0/24]
status:
  capacity: {cpu: "${NODE_CPU}", memory: "${NODE_MEMORY}", pods: "${NODE_PODS}", ephemeral-storage: 100Gi}
  allocatable: {cpu: "${NODE_CPU}", memory: "${NODE_MEMORY}", pods: "${NODE_PODS}", ephemeral-storage: 100Gi}
  addresses:
  - {type: InternalIP, address: 127.0.0.1}
  - {type: Hostname, address: ${NODE_NAME}}
  nodeInfo:
    architecture: amd64
    operatingSystem: linux
    osImage: kwok simulated node
    kernelVersion: kwok
    kubeletVersion: ${CLUSTER_K8S_VERSION}
    kubeProxyVersion: ""
    containerRuntimeVersion: kwok://${CLUSTER_KWOK_VERSION}
    machineID: ""
    systemUUID: ""
    bootID: ""
EOF
    say "created node ${NODE_NAME} (cpu ${NODE_CPU}, memory ${NODE_MEMORY}, pods ${NODE_PODS}) and default StorageClass 'standard'"
  else
    say "node ${NODE_NAME} and StorageClass 'standard' present"
  fi
}

# ------------------------------------------------------------------ commands
all_healthy() {
  local name
  for name in "${COMPONENTS[@]}"; do
    pid_of "${name}" >/dev/null || return 1
    healthy "${name}" || return 1
  done
  node_ready
}

cmd_up() {
  need_tools curl openssl base64
  local want_mode="${CLUSTER_NODE:-kwok}"
  if [[ -f "${STATE}/cluster.env" ]]; then
    load_settings saved
    if [[ "${NODE_MODE}" != "${want_mode}" && -n "$(ours_running)" ]]; then
      die "the cluster in ${REL_STATE}/ runs with CLUSTER_NODE=${NODE_MODE}, not ${want_mode}: run 'npm run cluster:down' first"
    fi
    if [[ "${NODE_MODE}" == real ]] && ! cluster_node_binaries_ready; then :
    elif cluster_binaries_ready && all_healthy; then
      say "cluster already up and healthy (kubeconfig ${REL_STATE}/kubeconfig, context ${CONTEXT})"
      cmd_status || true
      return 0
    fi
  fi
  if [[ -d "${PIDS}" || -n "$(ours_running)" ]]; then
    if [[ -n "$(ours_running)" ]]; then
      say "a previous cluster is partly running or unhealthy: stopping its processes (data in ${REL_STATE} kept)"
    else
      say "cleaning stale pid files of a cluster that is no longer running (data in ${REL_STATE} kept)"
    fi
    stop_all quiet || die "could not stop the previous cluster's processes; see 'bash scripts/cluster.sh status'"
  fi
  local built=""
  if ! cluster_binaries_ready; then
    say "Kubernetes binaries not built yet; building ${CLUSTER_BUILD_NAME} from Go modules (once per version set; about 15 minutes on 2 cores with empty Go caches)"
    bash "${SCRIPT_DIR}/cluster/build.sh" || die "build failed (see the log path above); retry with: bash scripts/cluster.sh build"
    built=" (after a $(($(date +%s) - T0))s build)"
    T0=$(date +%s)
  fi
  if [[ "${want_mode}" == real ]] && ! cluster_node_binaries_ready; then
    say "kubelet, kube-proxy and CoreDNS not built yet; building ${CLUSTER_NODE_BUILD_NAME} (once; about a minute with warm Go caches)"
    bash "${SCRIPT_DIR}/cluster/build.sh" --node || die "node build failed (see the log path above); retry with: bash scripts/cluster/build.sh --node"
  fi
  load_settings env
  check_ports
  mkdir -p "${STATE}" "${LOGS}" "${PIDS}" "${KCFG_DIR}" "${STATE}/kwok"
  if [[ "${NODE_MODE}" == real ]]; then
    node_install_packages
    node_check_ports
  fi
  say "starting embedded Kubernetes ${CLUSTER_K8S_VERSION} (etcd ${CLUSTER_ETCD_VERSION}, kwok ${CLUSTER_KWOK_VERSION}) in ${REL_STATE}/"
  gen_pki
  write_kubeconfig "${KUBECONFIG_FILE}" embedded-admin admin
  write_kubeconfig "${KCFG_DIR}/controller-manager.kubeconfig" system:kube-controller-manager controller-manager
  write_kubeconfig "${KCFG_DIR}/scheduler.kubeconfig" system:kube-scheduler scheduler
  write_kubeconfig "${KCFG_DIR}/kwok.kubeconfig" kwok-controller kwok
  save_settings
  # kwok's configuration: its default node/pod stages plus the stages of
  # cluster/kwok-stages.yaml (Ingress/LoadBalancer addresses). KWOK_WORKDIR
  # keeps it from also reading ~/.kwok/kwok.yaml.
  cp "${SCRIPT_DIR}/cluster/kwok-stages.yaml" "${STATE}/kwok/kwok.yaml"

  # a real kubelet serves logs/exec: the API server authenticates to it with the admin certificate
  APISERVER_NODE_ARGS=()
  if [[ "${NODE_MODE}" == real ]]; then
    APISERVER_NODE_ARGS=(--kubelet-client-certificate="${PKI}/admin.crt" --kubelet-client-key="${PKI}/admin.key"
      --kubelet-preferred-address-types=InternalIP)
  fi
  STARTED=()
  trap 'on_unexpected $LINENO' ERR
  trap on_signal INT TERM HUP PIPE

  start etcd \
    --name=embedded --data-dir="${STATE}/etcd" \
    --listen-client-urls="https://127.0.0.1:${ETCD_PORT}" --advertise-client-urls="https://127.0.0.1:${ETCD_PORT}" \
    --listen-peer-urls="http://127.0.0.1:${ETCD_PEER_PORT}" --initial-advertise-peer-urls="http://127.0.0.1:${ETCD_PEER_PORT}" \
    --initial-cluster="embedded=http://127.0.0.1:${ETCD_PEER_PORT}" --initial-cluster-state=new \
    --cert-file="${PKI}/etcd-server.crt" --key-file="${PKI}/etcd-server.key" \
    --trusted-ca-file="${PKI}/ca.crt" --client-cert-auth=true \
    --unsafe-no-fsync=true --log-level=warn
  wait_until "etcd health" etcd healthy etcd

  start kube-apiserver \
    --etcd-servers="https://127.0.0.1:${ETCD_PORT}" \
    --etcd-cafile="${PKI}/ca.crt" --etcd-certfile="${PKI}/apiserver-etcd-client.crt" --etcd-keyfile="${PKI}/apiserver-etcd-client.key" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="${API_PORT}" \
    --tls-cert-file="${PKI}/apiserver.crt" --tls-private-key-file="${PKI}/apiserver.key" \
    --client-ca-file="${PKI}/ca.crt" --cert-dir="${STATE}/apiserver" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="${PKI}/sa.pub" --service-account-signing-key-file="${PKI}/sa.key" \
    --service-cluster-ip-range=10.96.0.0/16 \
    --requestheader-client-ca-file="${PKI}/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="${PKI}/front-proxy-client.crt" --proxy-client-key-file="${PKI}/front-proxy-client.key" \
    --authorization-mode=Node,RBAC --allow-privileged=true \
    "${APISERVER_NODE_ARGS[@]}" \
    --endpoint-reconciler-type=none --profiling=false --v=1
  wait_until "kube-apiserver /readyz" kube-apiserver healthy kube-apiserver

  start kube-controller-manager \
    --kubeconfig="${KCFG_DIR}/controller-manager.kubeconfig" \
    --authentication-kubeconfig="${KCFG_DIR}/controller-manager.kubeconfig" \
    --authorization-kubeconfig="${KCFG_DIR}/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="${KCM_PORT}" --leader-elect=false \
    --service-account-private-key-file="${PKI}/sa.key" --root-ca-file="${PKI}/ca.crt" \
    --cluster-signing-cert-file="${PKI}/ca.crt" --cluster-signing-key-file="${PKI}/ca.key" \
    --use-service-account-credentials=true --cluster-name=embedded \
    --enable-hostpath-provisioner=true --pvclaimbinder-sync-period=2s \
    --profiling=false --v=1
  start kube-scheduler \
    --kubeconfig="${KCFG_DIR}/scheduler.kubeconfig" \
    --authentication-kubeconfig="${KCFG_DIR}/scheduler.kubeconfig" \
    --authorization-kubeconfig="${KCFG_DIR}/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="${SCHED_PORT}" --leader-elect=false --profiling=false --v=1
  wait_until "kube-controller-manager /healthz" kube-controller-manager healthy kube-controller-manager
  wait_until "kube-scheduler /healthz" kube-scheduler healthy kube-scheduler

  bootstrap_objects
  if [[ "${NODE_MODE}" == real ]]; then
    node_up
  else
  start kwok \
    --kubeconfig="${KCFG_DIR}/kwok.kubeconfig" --config="${STATE}/kwok/kwok.yaml" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --cidr=10.244.0.0/24 --node-ip=127.0.0.1 --server-address="127.0.0.1:${KWOK_PORT}" \
    --node-lease-duration-seconds=40
  # Without a node Lease, kwok's status heartbeats (about once a minute) miss the controller
  # manager's 50s grace period: the node flaps NotReady and its pods lose Ready for good.
  wait_until "kwok /healthz" kwok healthy kwok
  wait_until "node ${NODE_NAME} Ready" kwok node_ready
  fi
  wait_until "ServiceAccount default/default" kube-controller-manager default_sa_exists

  trap - ERR INT TERM HUP
  trap "" PIPE # a closed output pipe must not stop the clean-up
  set +e
  say "cluster up in $(($(date +%s) - T0))s${built}: Kubernetes $(api_version) at https://127.0.0.1:${API_PORT}, node ${NODE_NAME}: $(
    kc get node "${NODE_NAME}" -o jsonpath='{.status.nodeInfo.containerRuntimeVersion}' 2>/dev/null)"
  say "kubeconfig: ${KUBECONFIG_FILE} (context ${CONTEXT})"
  say "  export KUBECONFIG=${KUBECONFIG_FILE}; kubectl get nodes   (matching kubectl: ${CLUSTER_BIN_DIR}/kubectl)"
}

cmd_down() {
  load_settings saved
  local pv_dirs=""
  if pid_of kube-apiserver >/dev/null && [[ -x "${CLUSTER_BIN_DIR}/kubectl" && -f "${KUBECONFIG_FILE}" ]]; then
    # volumes the hostPath provisioner made for this cluster (directories on this machine)
    pv_dirs="$(kc get pv -o jsonpath='{range .items[*]}{.spec.hostPath.path}{"\n"}{end}' --request-timeout=5s 2>/dev/null \
      | grep -E '^/tmp/hostpath_pv/[0-9a-f-]+$' || true)"
  fi
  if [[ -d "${PIDS}" || -n "$(ours_running)" ]]; then
    stop_all || die "some processes of the cluster are still running (listed above); not removing ${REL_STATE}/"
  fi
  [[ "${NODE_MODE}" != real ]] || node_cleanup
  local d
  for d in ${pv_dirs}; do rm -rf -- "${d}"; done
  if [[ -e "${STATE}" ]]; then
    rm -rf -- "${STATE}"
    say "cluster down; removed ${REL_STATE}/"
  else
    say "cluster is not running (no ${REL_STATE}/)"
  fi
}

cmd_status() {
  load_settings saved
  local name pid up=0 total=${#COMPONENTS[@]} detail
  for name in "${COMPONENTS[@]}"; do
    if pid="$(pid_of "${name}")"; then
      if healthy "${name}"; then
        up=$((up + 1))
        detail="healthy"
        case "${name}" in
          kube-apiserver) detail+=" $(api_version)" ;;
          kwok | kubelet)
            if node_ready; then detail+=", node ${NODE_NAME} Ready"; else detail+=", node ${NODE_NAME} NOT Ready"; up=$((up - 1)); fi ;;
        esac
        printf '%-24s running  pid %-7s %-24s %s\n' "${name}" "${pid}" "$(endpoint_of "${name}")" "${detail}"
      else
        printf '%-24s running  pid %-7s %-24s %s\n' "${name}" "${pid}" "$(endpoint_of "${name}")" "NOT healthy (log ${REL_STATE}/logs/${name}.log)"
      fi
    else
      printf '%-24s stopped\n' "${name}"
    fi
  done
  if ((up == total)); then return 0; fi
  if [[ -z "$(ours_running)" ]]; then return 3; fi
  return 1
}

# One up/down at a time per checkout: lock this script file itself.
lock_checkout() {
  exec 8<"${BASH_SOURCE[0]}"
  if ! flock -n 8; then
    say "another 'scripts/cluster.sh up/down' is running in this checkout; waiting for it"
    flock 8
  fi
}

case "${1:-help}" in
  up) lock_checkout; cmd_up ;;
  down) lock_checkout; cmd_down ;;
  status)
    rc=0; cmd_status || rc=$?
    if [[ ${rc} -eq 0 ]]; then echo "kubeconfig: ${KUBECONFIG_FILE} (context ${CONTEXT})"; fi
    exit "${rc}" ;;
  build) shift; exec bash "${SCRIPT_DIR}/cluster/build.sh" "$@" ;;
  help | -h | --help) sed -n '3,43p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
  *) printf 'usage: scripts/cluster.sh up|down|status|build|help\n' >&2; exit 2 ;;
esac
