# shellcheck shell=bash
# Readiness: one health check per component, the API objects up waits for (node Ready, the
# default ServiceAccount), and wait_until, the poll every start step uses.
# Sourced by scripts/cluster.sh.

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
    containerd | coredns | kubelet | kube-proxy | kube-router) node_healthy "$1" ;;
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

all_healthy() {
  local name
  for name in "${COMPONENTS[@]}"; do
    pid_of "${name}" >/dev/null || return 1
    healthy "${name}" || return 1
  done
  node_ready
}
