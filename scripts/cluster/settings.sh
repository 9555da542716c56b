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

# Every port, once: the component it belongs to, the variable the units read, the environment
# variable that sets it on up, and its default. load/save_settings, port_of and port_env_of read it.
PORT_TABLE=(
  "etcd ETCD_PORT CLUSTER_ETCD_PORT 16379"
  "etcd-peer ETCD_PEER_PORT CLUSTER_ETCD_PEER_PORT 16380"
  "kube-apiserver API_PORT CLUSTER_API_PORT 16443"
  "kube-controller-manager KCM_PORT CLUSTER_CONTROLLER_MANAGER_PORT 16257"
  "kube-scheduler SCHED_PORT CLUSTER_SCHEDULER_PORT 16259"
  "kwok KWOK_PORT CLUSTER_KWOK_PORT 16247"
  "kubelet KUBELET_PORT CLUSTER_KUBELET_PORT 16250"
  "kubelet-healthz KUBELET_HEALTHZ_PORT CLUSTER_KUBELET_HEALTHZ_PORT 16248"
  "kube-proxy PROXY_PORT CLUSTER_KUBE_PROXY_PORT 16256"
  "kube-proxy-metrics PROXY_METRICS_PORT CLUSTER_KUBE_PROXY_METRICS_PORT 16249"
  "kube-router ROUTER_PORT CLUSTER_KUBE_ROUTER_PORT 16244"
  "coredns DNS_READY_PORT CLUSTER_DNS_READY_PORT 16181"
)
port_row() {
  local row
  for row in "${PORT_TABLE[@]}"; do
    if [[ "${row%% *}" == "$1" ]]; then echo "${row}"; return 0; fi
  done
  return 1
}

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
  local row _component var env default
  for row in "${PORT_TABLE[@]}"; do
    read -r _component var env default <<<"${row}"
    printf -v "${var}" '%s' "${!env:-${default}}"
  done
  set_components
  NODE_NAME="${CLUSTER_NODE_NAME:-embedded-node}"
  NODE_CPU="${CLUSTER_NODE_CPU:-16}"
  NODE_MEMORY="${CLUSTER_NODE_MEMORY:-32Gi}"
  NODE_PODS="${CLUSTER_NODE_PODS:-110}"
}
save_settings() {
  local row _component var _env _default
  {
    echo "# written by scripts/cluster.sh up; read by status and down"
    for row in "${PORT_TABLE[@]}"; do
      read -r _component var _env _default <<<"${row}"
      echo "${var}=${!var}"
    done
    for var in NODE_NAME NODE_CPU NODE_MEMORY NODE_PODS NODE_MODE; do echo "${var}=${!var}"; done
  } >"${STATE}/cluster.env"
}
port_of() { # COMPONENT: its port (nothing for a component without one)
  local _component var _env _default
  read -r _component var _env _default < <(port_row "$1") || return 0
  echo "${!var}"
}
port_env_of() { # COMPONENT: the environment variable that moves it
  local _component _var env _default
  if [[ "$1" == containerd ]]; then echo CLUSTER_BRIDGE; return 0; fi
  read -r _component _var env _default < <(port_row "$1") || return 0
  echo "${env}"
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
