#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Embedded single-machine Kubernetes, for deploying and testing this Pulumi program on one
# machine: etcd + kube-apiserver + kube-controller-manager + kube-scheduler on 127.0.0.1, and a
# node: by default a real one on this machine (containers run; storage, NetworkPolicy and ingress
# add-ons), or with CLUSTER_NODE=kwok one simulated by kwok (fast; pods become Ready with fake
# IPs and no container runs).
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
# The node: CLUSTER_NODE=real (default) runs a real one on this
#   machine (Linux, root): containerd + runc + bridge CNI from Debian (apt-get installs them when
#   missing), kubelet + kube-proxy (iptables) built like the rest, CoreDNS on the pod bridge's
#   gateway 10.244.0.1:53, and images built locally by scripts/images.sh (no registry).
#   Its extra ports: CLUSTER_KUBELET_PORT=16250 (on 10.244.0.1: a kubelet refuses a loopback
#   node IP), on 127.0.0.1 CLUSTER_KUBELET_HEALTHZ_PORT=16248, CLUSTER_KUBE_PROXY_PORT=16256
#   (healthz), CLUSTER_KUBE_PROXY_METRICS_PORT=16249, CLUSTER_DNS_READY_PORT=16181 (CoreDNS
#   /ready). It changes the host: bridge rpbr0, iptables rules, ip_forward=1 and
#   bridge-nf-call-iptables=1; 'down' removes the bridge, the rules, the network's CNI state in
#   /var/lib/cni and the pods' empty cgroups. The API server then listens on every address, with
#   an iptables chain (RP-APISERVER) that lets only loopback and the pod bridge in, so that pods
#   reach it through the kubernetes Service. Add-ons: scripts/cluster/addons/*.sh (see
#   scripts/cluster/addons.sh). CLUSTER_NODE=kwok simulates the node instead.
#   See scripts/cluster/node.sh, node-host.sh and scripts/images.sh.
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

# shellcheck source=cluster/settings.sh
source "${SCRIPT_DIR}/cluster/settings.sh" # paths, ports, node shape, endpoints

T0=$(date +%s)
say() { printf '[cluster %4ss] %s\n' "$(($(date +%s) - T0))" "$*" 2>/dev/null || true; }
warn() { printf '[cluster] WARNING: %s\n' "$*" >&2; }
die() { printf '[cluster] ERROR: %s\n' "$*" >&2; exit 1; }

# one unit per concern; each file says its job in its first lines
# shellcheck source=cluster/procs.sh
source "${SCRIPT_DIR}/cluster/procs.sh" # start, stop and recognise the processes; clean up after a failed step
# shellcheck source=cluster/checks.sh
source "${SCRIPT_DIR}/cluster/checks.sh" # preflight: tools and free ports
# shellcheck source=cluster/health.sh
source "${SCRIPT_DIR}/cluster/health.sh" # health checks and wait_until
# shellcheck source=cluster/pki.sh
source "${SCRIPT_DIR}/cluster/pki.sh" # certificates and kubeconfigs
# shellcheck source=cluster/control-plane.sh
source "${SCRIPT_DIR}/cluster/control-plane.sh" # etcd, kube-apiserver, kube-controller-manager, kube-scheduler
# shellcheck source=cluster/objects.sh
source "${SCRIPT_DIR}/cluster/objects.sh" # the default StorageClass and the simulated Node object
# shellcheck source=cluster/kwok.sh
source "${SCRIPT_DIR}/cluster/kwok.sh" # the simulated node (CLUSTER_NODE=kwok)
# shellcheck source=cluster/node.sh
source "${SCRIPT_DIR}/cluster/node.sh" # the real node (CLUSTER_NODE=real)
# shellcheck source=cluster/node-host.sh
source "${SCRIPT_DIR}/cluster/node-host.sh" # the real node's host: packages, bridge, clean-up
# shellcheck source=cluster/node-netpol.sh
source "${SCRIPT_DIR}/cluster/node-netpol.sh" # the real node's NetworkPolicy enforcement (kube-router)
# shellcheck source=cluster/addons.sh
source "${SCRIPT_DIR}/cluster/addons.sh" # the real node's add-ons (scripts/cluster/addons/*.sh)
# shellcheck source=cluster/up.sh
source "${SCRIPT_DIR}/cluster/up.sh" # cluster.sh up
# shellcheck source=cluster/down.sh
source "${SCRIPT_DIR}/cluster/down.sh" # cluster.sh down
# shellcheck source=cluster/status.sh
source "${SCRIPT_DIR}/cluster/status.sh" # cluster.sh status

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
  help | -h | --help) sed -n '3,45p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
  *) printf 'usage: scripts/cluster.sh up|down|status|build|help\n' >&2; exit 2 ;;
esac
