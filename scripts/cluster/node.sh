# shellcheck shell=bash
# The embedded cluster's REAL node (CLUSTER_NODE=real), sourced by scripts/cluster.sh:
#   containerd (Debian, project-local config/root/state/socket under .cluster/containerd,
#     CRI v1, cgroupfs, overlayfs, sandbox image = the local pause image) + runc
#   a bridge CNI network (bridge + host-local + portmap + loopback) for the pod CIDR
#   CoreDNS as a host process on the bridge's gateway address (cluster DNS)
#   kubelet (cgroupfs, no QoS cgroups: cgroup v1 without systemd) and kube-proxy (iptables)
#   images from scripts/images.sh imported into containerd (no registry)
# Linux only, as root. Needs: containerd, runc, containernetworking-plugins, iptables,
# conntrack (installed with apt-get when missing: node_install_packages).
# What it changes on the host, and the clean-up of it: node-host.sh.

NODE_POD_CIDR="${CLUSTER_POD_CIDR:-10.244.0.0/24}"
NODE_BRIDGE="${CLUSTER_BRIDGE:-rpbr0}"
NODE_GATEWAY="${CLUSTER_POD_GATEWAY:-10.244.0.1}"
NODE_CONTAINERD="${STATE}/containerd"
NODE_SOCK="${NODE_CONTAINERD}/containerd.sock"
CNI_BIN_DIR="${CLUSTER_CNI_BIN_DIR:-/usr/lib/cni}"
NODE_CNI_NETWORK=redis-platform
IMG_PAUSE="$(bash "${ROOT}/scripts/images.sh" list | grep '/pause:')"

node_say() { say "[node] $*"; }

# ------------------------------------------------------------------ certificates + configs
node_pki() {
  local client="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
  [[ -s "${PKI}/kubelet.crt" ]] || sign kubelet "/O=system:nodes/CN=system:node:${NODE_NAME}" "${client}"
  [[ -s "${PKI}/kube-proxy.crt" ]] || sign kube-proxy "/CN=system:kube-proxy" "${client}"
  # CoreDNS lists Services, EndpointSlices, Namespaces and Pods cluster-wide
  [[ -s "${PKI}/coredns.crt" ]] || sign coredns "/O=system:masters/CN=coredns" "${client}"
  chmod 600 "${PKI}"/*.key
  write_kubeconfig "${KCFG_DIR}/kubelet.kubeconfig" "system:node:${NODE_NAME}" kubelet
  write_kubeconfig "${KCFG_DIR}/kube-proxy.kubeconfig" system:kube-proxy kube-proxy
  write_kubeconfig "${KCFG_DIR}/coredns.kubeconfig" coredns coredns
}

node_configs() {
  NODE_RESTRICT_OOM=false
  if ! (echo -999 >/proc/self/oom_score_adj) 2>/dev/null; then NODE_RESTRICT_OOM=true; fi
  mkdir -p "${NODE_CONTAINERD}/root" "${NODE_CONTAINERD}/state" "${NODE_CONTAINERD}/opt" "${STATE}/cni/net.d" \
    "${STATE}/cni/cache" "${STATE}/kubelet" "${STATE}/pod-logs" "${STATE}/coredns" "${STATE}/kube-proxy"
  cat >"${NODE_CONTAINERD}/config.toml" <<EOF
# written by scripts/cluster.sh (CLUSTER_NODE=real): this cluster's own containerd, beside any system one
version = 2
root = "${NODE_CONTAINERD}/root"
state = "${NODE_CONTAINERD}/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
[grpc]
  address = "${NODE_SOCK}"
[ttrpc]
  address = "${NODE_SOCK}.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "${NODE_CONTAINERD}/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${IMG_PAUSE}"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  disable_apparmor = true
  # a host where even root may not lower oom_score_adj (kubelet asks -998 for the pause container;
  # runc then dies with "can't get final child's PID from pipe"): never below containerd's own
  restrict_oom_score_adj = ${NODE_RESTRICT_OOM}
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${CNI_BIN_DIR}"
    conf_dir = "${STATE}/cni/net.d"
    max_conf_num = 1
EOF
  cat >"${STATE}/cni/net.d/10-redis-platform.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "${NODE_CNI_NETWORK}",
  "plugins": [
    {
      "type": "bridge", "bridge": "${NODE_BRIDGE}", "isGateway": true, "ipMasq": true, "hairpinMode": true,
      "ipam": { "type": "host-local", "ranges": [[{ "subnet": "${NODE_POD_CIDR}", "gateway": "${NODE_GATEWAY}" }]],
                "routes": [{ "dst": "0.0.0.0/0" }], "dataDir": "${STATE}/cni/ipam" }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF
  cat >"${STATE}/coredns/Corefile" <<EOF
.:53 {
    bind ${NODE_GATEWAY}
    errors
    ready 127.0.0.1:${DNS_READY_PORT}
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig ${KCFG_DIR}/coredns.kubeconfig ${CONTEXT}
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 5
    }
    forward . /etc/resolv.conf
    cache 5
    loop
}
EOF
  cat >"${STATE}/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# the node address is the pod bridge gateway: kubelet refuses a loopback node IP
address: ${NODE_GATEWAY}
port: ${KUBELET_PORT}
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: ${KUBELET_HEALTHZ_PORT}
containerRuntimeEndpoint: unix://${NODE_SOCK}
cgroupDriver: cgroupfs
# cgroup v1 without systemd: no QoS/pod-level cgroup tree, nothing reserved through cgroups
cgroupsPerQOS: false
enforceNodeAllocatable: []
failSwapOn: false
podLogsDir: ${STATE}/pod-logs
clusterDomain: cluster.local
clusterDNS: [${NODE_GATEWAY}]
resolvConf: /etc/resolv.conf
podCIDR: ${NODE_POD_CIDR}
maxPods: ${NODE_PODS}
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: ${PKI}/ca.crt}
authorization: {mode: AlwaysAllow}
# a development machine's disk is often fuller than kubelet's defaults allow: no image GC or
# eviction for disk (the images are imported, there is no registry to pull them again)
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
serializeImagePulls: false
registerNode: true
nodeStatusReportFrequency: 10s
EOF
  cat >"${STATE}/kube-proxy/config.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: {kubeconfig: ${KCFG_DIR}/kube-proxy.kubeconfig}
hostnameOverride: ${NODE_NAME}
clusterCIDR: ${NODE_POD_CIDR}
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:${PROXY_PORT}
metricsBindAddress: 127.0.0.1:${PROXY_METRICS_PORT}
conntrack: {maxPerCore: 0}
EOF
}

# ------------------------------------------------------------------ health
ctr_() { ctr --address "${NODE_SOCK}" "$@"; }
node_healthy() {
  case "$1" in
    containerd) ctr_ version >/dev/null 2>&1 ;;
    coredns) [[ "$(curl_q "http://127.0.0.1:${DNS_READY_PORT}/ready")" == OK ]] ;;
    kubelet) [[ "$(curl_q "http://127.0.0.1:${KUBELET_HEALTHZ_PORT}/healthz")" == ok ]] ;;
    kube-proxy) curl_q "http://127.0.0.1:${PROXY_PORT}/healthz" >/dev/null ;;
    kube-router) curl_q "http://127.0.0.1:${ROUTER_PORT}/healthz" >/dev/null ;;
  esac
}
dns_resolves() {
  local out
  out="$(busybox nslookup kubernetes.default.svc.cluster.local "${NODE_GATEWAY}" 2>/dev/null)" || return 1
  grep -q '10\.96\.0\.1' <<<"${out}"
}
images_present() {
  local have img
  have="$(ctr_ -n k8s.io images ls -q 2>/dev/null)" || return 1
  while read -r img; do grep -qxF "${img}" <<<"${have}" || return 1; done < <(bash "${ROOT}/scripts/images.sh" list)
}
node_runtime_ready() {
  [[ "$(kc get node "${NODE_NAME}" -o jsonpath='{.status.nodeInfo.containerRuntimeVersion}' 2>/dev/null)" == containerd://* ]] && node_ready
}

# The kubelet's cgroup driver (its /configz, flags included) must be containerd's (runc's
# SystemdCgroup): pods would start, but with their cgroups where the kubelet does not look.
node_check_cgroup_driver() {
  local kubelet_driver runtime_driver=cgroupfs
  kubelet_driver="$(curl_q -k --cert "${PKI}/admin.crt" --key "${PKI}/admin.key" "https://${NODE_GATEWAY}:${KUBELET_PORT}/configz" \
    | sed -nE 's/.*"cgroupDriver":"([a-z]+)".*/\1/p')"
  grep -qE '^[[:space:]]*SystemdCgroup[[:space:]]*=[[:space:]]*true' "${NODE_CONTAINERD}/config.toml" && runtime_driver=systemd
  [[ -n "${kubelet_driver}" ]] || fail kubelet "could not read the kubelet's cgroup driver from https://${NODE_GATEWAY}:${KUBELET_PORT}/configz"
  if [[ "${kubelet_driver}" != "${runtime_driver}" ]]; then
    fail kubelet "cgroup driver mismatch: the kubelet uses ${kubelet_driver}, containerd (runc SystemdCgroup) uses ${runtime_driver}; this host has no systemd, both must be cgroupfs (check CLUSTER_KUBELET_EXTRA_ARGS for --cgroup-driver)"
  fi
  node_say "cgroup driver: kubelet ${kubelet_driver}, containerd ${runtime_driver}"
}

# ------------------------------------------------------------------ up / down
node_up() {
  node_pki
  node_configs
  node_bridge
  start containerd --config "${NODE_CONTAINERD}/config.toml" --log-level warn
  wait_until "containerd (${REL_STATE}/containerd/containerd.sock)" containerd node_healthy containerd
  node_say "importing the local images into containerd (scripts/images.sh; built once, cached)"
  bash "${ROOT}/scripts/images.sh" import "${NODE_SOCK}" \
    || fail containerd "the node's images could not be built or imported (scripts/images.sh import); pods of the real node have no registry to pull from"
  images_present || fail containerd "image not imported: $(bash "${ROOT}/scripts/images.sh" list | tr '\n' ' ')must all be in containerd's k8s.io namespace"
  start coredns -conf "${STATE}/coredns/Corefile" -dns.port 53
  wait_until "CoreDNS ready on ${NODE_GATEWAY}:53" coredns node_healthy coredns
  start kubelet --config="${STATE}/kubelet/config.yaml" --kubeconfig="${KCFG_DIR}/kubelet.kubeconfig" \
    --root-dir="${STATE}/kubelet" --hostname-override="${NODE_NAME}" --node-ip="${NODE_GATEWAY}" \
    --node-labels="node.kubernetes.io/instance-type=embedded-real" --v=1
  start kube-proxy --config="${STATE}/kube-proxy/config.yaml" --v=1
  wait_until "kubelet /healthz" kubelet node_healthy kubelet
  node_check_cgroup_driver
  wait_until "node ${NODE_NAME} registered by the kubelet and Ready (containerd runtime, CNI network)" kubelet node_runtime_ready
  wait_until "kube-proxy /healthz (iptables rules synced)" kube-proxy node_healthy kube-proxy
  wait_until "cluster DNS: kubernetes.default.svc.cluster.local resolves at ${NODE_GATEWAY}" coredns dns_resolves
  node_netpol_up
}

# node_kill_pods: every container of this cluster's containerd, before containerd stops
# (the shims and containers would outlive it otherwise).
node_kill_pods() {
  [[ -S "${NODE_SOCK}" ]] || return 0
  local t
  # the pods' network namespaces, removed by node_cleanup
  for t in $(ctr_ -n k8s.io containers ls -q 2>/dev/null); do
    ctr_ -n k8s.io containers info "${t}" 2>/dev/null | grep -oE '"/(var/)?run/netns/cni-[0-9a-f-]+"' | tr -d '"' || true
  done | sort -u >>"${STATE}/netns.list"
  for t in $(ctr_ -n k8s.io tasks ls -q 2>/dev/null); do ctr_ -n k8s.io tasks kill -s KILL "${t}" >/dev/null 2>&1 || true; done
  sleep 1
  for t in $(ctr_ -n k8s.io tasks ls -q 2>/dev/null); do ctr_ -n k8s.io tasks delete -f "${t}" >/dev/null 2>&1 || true; done
  for t in $(ctr_ -n k8s.io containers ls -q 2>/dev/null); do ctr_ -n k8s.io containers delete "${t}" >/dev/null 2>&1 || true; done
}
