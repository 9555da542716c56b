# shellcheck shell=bash
# Where the cluster lives and how it is reached: the state paths under .cluster/, the components
# of each node mode, the ports and node shape (from the environment on up, from
# .cluster/cluster.env afterwards), and each component's port, port variable and endpoint.
# Sourced by scripts/cluster.sh.
# shellcheck disable=SC2034 # the paths and settings are read by the other units

STATE="${ROOT}/.cluster"
PKI="${STATE}/pki"
LOGS="${STATE}/logs"
PIDS="${STATE}/pids"
KCFG_DIR="${STATE}/kubeconfigs"
KUBECONFIG_FILE="${STATE}/kubeconfig"
CONTEXT=embedded
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
NODE_MODE=real
set_components() {
  if [[ "${NODE_MODE}" == real ]]; then
    COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler containerd coredns kubelet kube-proxy kube-router)
  else
    COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
  fi
}
REL_STATE=".cluster"

load_settings() {
  # Ports and node shape: a running cluster's saved settings win (status/down),
  # otherwise the environment, otherwise the defaults.
  if [[ "${1:-}" == saved && -f "${STATE}/cluster.env" ]]; then
    # shellcheck disable=SC1091
    source "${STATE}/cluster.env"
    set_components
    return
  fi
  NODE_MODE="${CLUSTER_NODE:-real}"
  [[ "${NODE_MODE}" == kwok || "${NODE_MODE}" == real ]] || die "CLUSTER_NODE=${NODE_MODE}: use real (a real node on this machine, the default) or kwok (a simulated node: fast, nothing runs)"
  KUBELET_PORT="${CLUSTER_KUBELET_PORT:-16250}"
  KUBELET_HEALTHZ_PORT="${CLUSTER_KUBELET_HEALTHZ_PORT:-16248}"
  PROXY_PORT="${CLUSTER_KUBE_PROXY_PORT:-16256}"
  PROXY_METRICS_PORT="${CLUSTER_KUBE_PROXY_METRICS_PORT:-16249}"
  ROUTER_PORT="${CLUSTER_KUBE_ROUTER_PORT:-16244}"
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
ROUTER_PORT=${ROUTER_PORT}
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
    kube-router) echo "${ROUTER_PORT}" ;;
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
    kube-router) echo CLUSTER_KUBE_ROUTER_PORT ;;
    coredns) echo CLUSTER_DNS_READY_PORT ;;
    containerd) echo CLUSTER_BRIDGE ;;
  esac
}
endpoint_of() {
  case "$1" in
    kwok | kube-proxy | kube-router) echo "http://127.0.0.1:$(port_of "$1")" ;;
    coredns) echo "dns://${NODE_GATEWAY:-10.244.0.1}:53" ;;
    containerd) echo "unix://${REL_STATE}/containerd/containerd.sock" ;;
    kubelet) echo "https://${NODE_GATEWAY:-10.244.0.1}:${KUBELET_PORT}" ;;
    *) echo "https://127.0.0.1:$(port_of "$1")" ;;
  esac
}
