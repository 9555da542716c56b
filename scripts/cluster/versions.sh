# shellcheck shell=bash
# Versions of the embedded single-machine cluster (scripts/cluster.sh).
# Sourced by scripts/cluster.sh, scripts/cluster/build.sh, scripts/cluster/build-addons.sh
# and scripts/images/addons.sh.
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
# The control plane (both node modes): etcd and the Kubernetes control-plane binaries, kubectl.
CLUSTER_BUILD_NAME="k8s-${CLUSTER_K8S_VERSION}-etcd-${CLUSTER_ETCD_VERSION}"
CLUSTER_BUILD_DIR="${CLUSTER_CACHE_ROOT}/${CLUSTER_BUILD_NAME}"
CLUSTER_BIN_DIR="${CLUSTER_BUILD_DIR}/bin"
CLUSTER_BUILD_STAMP="${CLUSTER_BUILD_DIR}/.complete"
CLUSTER_BINARIES=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl)

# cluster_binaries_ready: true when a completed build of these versions exists.
cluster_binaries_ready() {
  cluster_cache_migrate
  [[ -f "${CLUSTER_BUILD_STAMP}" ]] || return 1
  local b
  for b in "${CLUSTER_BINARIES[@]}"; do
    [[ -x "${CLUSTER_BIN_DIR}/${b}" ]] || return 1
  done
}

# The simulated node (CLUSTER_NODE=kwok; scripts/cluster/build.sh --kwok) alone needs kwok, so the
# real node's cold build does not compile it. Its build records the Kubernetes version it reports.
CLUSTER_KWOK_BUILD_NAME="kwok-${CLUSTER_KWOK_VERSION}-k8s-${CLUSTER_K8S_VERSION}"
CLUSTER_KWOK_BUILD_DIR="${CLUSTER_CACHE_ROOT}/${CLUSTER_KWOK_BUILD_NAME}"
CLUSTER_KWOK_BIN="${CLUSTER_KWOK_BUILD_DIR}/bin/kwok"

# cluster_kwok_ready: true when a completed kwok build of these versions exists.
cluster_kwok_ready() {
  cluster_cache_migrate
  [[ -f "${CLUSTER_KWOK_BUILD_DIR}/.complete" && -x "${CLUSTER_KWOK_BIN}" ]]
}

# cluster_cache_migrate: caches made before kwok had a build of its own kept it with the control
# plane in k8s-<v>-etcd-<v>-kwok-<v>/; split such a completed build into the two directories
# (renames only, so a warm cache stays warm).
cluster_cache_migrate() {
  local cp="${CLUSTER_CACHE_ROOT}/k8s-${CLUSTER_K8S_VERSION}-etcd-${CLUSTER_ETCD_VERSION}"
  local old="${cp}-kwok-${CLUSTER_KWOK_VERSION}"
  [[ -f "${old}/.complete" && ! -e "${cp}" ]] || return 0
  if [[ -x "${old}/bin/kwok" && ! -e "${CLUSTER_KWOK_BUILD_DIR}" ]]; then
    mkdir -p "${CLUSTER_KWOK_BUILD_DIR}/bin"
    mv "${old}/bin/kwok" "${CLUSTER_KWOK_BIN}"
    cp "${old}/.complete" "${CLUSTER_KWOK_BUILD_DIR}/.complete"
  fi
  rm -f "${old}/bin/kwok"
  mv "${old}" "${cp}" 2>/dev/null || true # a concurrent run may have moved it already
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

# Add-ons (scripts/cluster/build-addons.sh), each built from its Go module into
# ${CLUSTER_CACHE_ROOT}/addon-<name>-<version>/bin/<binary>:
# local-path-provisioner v0.0.30: the provisioner behind kind's default StorageClass
#   ("standard", rancher.io/local-path); v0.0.30 is its newest release, built against
#   client-go v0.30 (and run by kind against 1.34 API servers).
# traefik v3.6.12: the Kubernetes Ingress controller. v3.7.x cannot be built from its module
#   (it needs the nested module github.com/traefik/traefik/dynamic/ext, which the module
#   proxy does not serve); v3.6 is the newest line that builds, v3.6.12 its newest patch here.
# kube-router v2.1.0: NetworkPolicy enforcement only (--run-firewall), as a host process next
#   to kubelet; the newest kube-router the module proxy is known to serve. Advisories are
#   reported against v2.1.0's dependencies; CLUSTER_KUBE_ROUTER_RAISE raises these (from -> to,
#   each the newest the proxy serves; `go get` in the wrapper module, which also moves the wrapper's
#   go line 1.21 -> 1.26.0 as x/net, grpc and oauth2 need it, so Go >= 1.26 builds it):
#   - golang.org/x/net v0.21.0 -> v0.62.0: HTTP/2 CONTINUATION flood (GO-2024-2687, fixed 0.23.0),
#     html parsing (GO-2024-3333, GO-2025-3595), proxy bypass (GO-2025-3503), HTTP/2 server panic
#     (GO-2026-4559, 0.51.0), HTTP/2 SETTINGS_MAX_FRAME_SIZE loop (GO-2026-4918, 0.53.0),
#     CVE-2026-39821 (0.55.0)
#   - google.golang.org/grpc v1.62.0 -> v1.85.0: metadata in logs (GHSA-xr7q-jx4m-x55m, 1.64.1),
#     :path authorization bypass (GHSA-p77j-4mvh-x3m3, 1.79.3), HTTP/2 frame flood and xDS RBAC
#     (GHSA-hrxh-6v49-42gf, 1.82.1), xDS routing panic (GO-2026-6443, 1.82.2)
#   - google.golang.org/protobuf v1.32.0 -> v1.36.12: protojson infinite loop (GO-2024-2611, 1.33.0)
#   - golang.org/x/oauth2 v0.17.0 -> v0.38.0: jws token parsing (GO-2025-3488, 0.27.0)
#   - github.com/docker/docker v25.0.3 -> v28.5.2: GO-2024-2659 (25.0.5), AuthZ bypass GO-2024-3005
#     (25.0.6), firewalld isolation GO-2025-3829 (28.0.0); only its client is linked (DSR, unused here)
#   - github.com/osrg/gobgp/v3 v3.23.0 -> v3.37.0: BGP message parsing panics CVE-2025-43971,
#     -43972, -43973 (3.35.0); gobgp only runs with --run-router, which this cluster does not use
#   Brought along by those (all in the add-on's BUILD-INFO, from `go version -m`): x/sys 0.49.0,
#   x/text 0.43.0, x/term 0.47.0, genproto/googleapis/rpc 2026-08, otel 1.45.0 (past the baggage
#   DoS ranges of GHSA-mh2q-q3fh-2475 and GO-2026-5158), netlink v1.2.1-beta.2 -> v1.2.1.
#   Still reported, with no fixed version of the module kube-router v2.1.0 can use:
#   - docker/docker v28.5.2: GO-2026-4887 and GO-2026-4883 (dockerd AuthZ/plugin checks; fixed
#     only in github.com/moby/moby/v2, the daemon; kube-router links the client alone)
#   - gobgp/v3 v3.37.0: CVE-2025-7464, GHSA-4p9m-8gc4-rw2h, GHSA-p3w2-64xm-833j (fixed in gobgp/v4
#     only; BGP is off in firewall-only mode)
#   - aws-sdk-go v1.50.30: GO-2022-0635/0646 (s3crypto, never fixed in v1; s3crypto is not linked)
#   Not raised: k8s.io/* v0.29.2 (no advisory found against client-go/apimachinery 0.29; newer
#   minors change APIs kube-router v2.1.0 uses), logrus v1.9.3 (already the CVE-2025-65637 fix),
#   netlink (no advisory found).
CLUSTER_LOCAL_PATH_VERSION="${CLUSTER_LOCAL_PATH_VERSION:-v0.0.30}"
CLUSTER_TRAEFIK_VERSION="${CLUSTER_TRAEFIK_VERSION:-v3.6.12}"
CLUSTER_KUBE_ROUTER_VERSION="${CLUSTER_KUBE_ROUTER_VERSION:-v2.1.0}"
# kube-router's raised dependencies (module@version, applied with `go get` in the wrapper module):
# shellcheck disable=SC2034 # used by build-addons.sh
CLUSTER_KUBE_ROUTER_RAISE=(golang.org/x/net@v0.62.0 google.golang.org/grpc@v1.85.0
  google.golang.org/protobuf@v1.36.12 golang.org/x/oauth2@v0.38.0
  github.com/docker/docker@v28.5.2+incompatible github.com/osrg/gobgp/v3@v3.37.0)
# shellcheck disable=SC2034 # used by build-addons.sh
CLUSTER_ADDONS=(local-path-provisioner traefik kube-router)

# cluster_addon_version NAME: the add-on's version.
cluster_addon_version() {
  case "$1" in
    local-path-provisioner) echo "${CLUSTER_LOCAL_PATH_VERSION}" ;;
    traefik) echo "${CLUSTER_TRAEFIK_VERSION}" ;;
    kube-router) echo "${CLUSTER_KUBE_ROUTER_VERSION}" ;;
    *) return 1 ;;
  esac
}
# cluster_addon_dir NAME: its build directory (bin/, BUILD-INFO, .complete).
cluster_addon_dir() { echo "${CLUSTER_CACHE_ROOT}/addon-$1-$(cluster_addon_version "$1")"; }
# cluster_addon_bin NAME: its binary (named like the add-on).
cluster_addon_bin() { echo "$(cluster_addon_dir "$1")/bin/$1"; }
# cluster_addon_ready NAME: true when a completed build of this version exists.
cluster_addon_ready() {
  local dir
  dir="$(cluster_addon_dir "$1")" || return 1
  [[ -f "${dir}/.complete" && -x "${dir}/bin/$1" ]]
}
