# shellcheck shell=bash
# Versions of the embedded single-machine cluster (scripts/cluster.sh).
# Sourced by scripts/cluster.sh and scripts/cluster/build.sh.
#
# Kubernetes v1.34.x: a current supported minor; the Pulumi kubernetes provider
#   (4.34.x) and @kubernetes/client-node 1.4 target 1.34.
# etcd v3.6.4: the exact etcd that k8s.io/kubernetes v1.34.4 depends on in its
#   go.mod (go.etcd.io/etcd/server/v3 v3.6.4) and kubeadm 1.34's recommended
#   etcd minor (3.6).
# kwok v0.7.0: built against client-go v0.33, inside the supported +/-1 skew
#   of a 1.34 API server (v0.8.0 is built against v0.36, outside it).
CLUSTER_K8S_VERSION="${CLUSTER_K8S_VERSION:-v1.34.4}"
CLUSTER_ETCD_VERSION="${CLUSTER_ETCD_VERSION:-v3.6.4}"
CLUSTER_KWOK_VERSION="${CLUSTER_KWOK_VERSION:-v0.7.0}"

CLUSTER_CACHE_ROOT="${REDIS_PLATFORM_CACHE:-${HOME}/.cache/redis-platform}/cluster"
CLUSTER_BUILD_NAME="k8s-${CLUSTER_K8S_VERSION}-etcd-${CLUSTER_ETCD_VERSION}-kwok-${CLUSTER_KWOK_VERSION}"
CLUSTER_BUILD_DIR="${CLUSTER_CACHE_ROOT}/${CLUSTER_BUILD_NAME}"
CLUSTER_BIN_DIR="${CLUSTER_BUILD_DIR}/bin"
CLUSTER_BUILD_STAMP="${CLUSTER_BUILD_DIR}/.complete"
CLUSTER_BINARIES=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok)

# cluster_binaries_ready: true when a completed build of these versions exists.
cluster_binaries_ready() {
  [[ -f "${CLUSTER_BUILD_STAMP}" ]] || return 1
  local b
  for b in "${CLUSTER_BINARIES[@]}"; do
    [[ -x "${CLUSTER_BIN_DIR}/${b}" ]] || return 1
  done
}

# The real node (CLUSTER_NODE=real; scripts/cluster/build.sh --node): kubelet and kube-proxy
# from the same k8s.io/kubernetes build, and CoreDNS v1.11.3 (built from its Go module) as a
# host process for cluster DNS. A build directory of their own keeps the kwok set's warm path as it is.
CLUSTER_COREDNS_VERSION="${CLUSTER_COREDNS_VERSION:-v1.11.3}"
CLUSTER_NODE_BUILD_NAME="node-k8s-${CLUSTER_K8S_VERSION}-coredns-${CLUSTER_COREDNS_VERSION}"
CLUSTER_NODE_BUILD_DIR="${CLUSTER_CACHE_ROOT}/${CLUSTER_NODE_BUILD_NAME}"
CLUSTER_NODE_BIN_DIR="${CLUSTER_NODE_BUILD_DIR}/bin"
CLUSTER_NODE_BINARIES=(kubelet kube-proxy coredns)

# cluster_node_binaries_ready: true when a completed build of the node set exists.
cluster_node_binaries_ready() {
  [[ -f "${CLUSTER_NODE_BUILD_DIR}/.complete" ]] || return 1
  local b
  for b in "${CLUSTER_NODE_BINARIES[@]}"; do
    [[ -x "${CLUSTER_NODE_BIN_DIR}/${b}" ]] || return 1
  done
}
