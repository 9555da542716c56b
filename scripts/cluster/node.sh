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

NODE_POD_CIDR="${CLUSTER_POD_CIDR:-10.244.0.0/24}"
NODE_BRIDGE="${CLUSTER_BRIDGE:-rpbr0}"
NODE_GATEWAY="${CLUSTER_POD_GATEWAY:-10.244.0.1}"
NODE_CONTAINERD="${STATE}/containerd"
NODE_SOCK="${NODE_CONTAINERD}/containerd.sock"
CNI_BIN_DIR="${CLUSTER_CNI_BIN_DIR:-/usr/lib/cni}"
IMG_PAUSE="$(bash "${ROOT}/scripts/images.sh" list | grep '/pause:')"
NODE_DEBIAN_PACKAGES=(containerd runc containernetworking-plugins iptables conntrack busybox-static)

node_say() { say "[node] $*"; }

# ------------------------------------------------------------------ host preparation
node_install_packages() {
  local missing=() p
  [[ "$(uname -s)" == Linux ]] || die "CLUSTER_NODE=real needs Linux"
  [[ "$(id -u)" == 0 ]] || die "CLUSTER_NODE=real needs root (containerd, bridges, iptables, mounts)"
  for p in "${NODE_DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "${p}" 2>/dev/null | grep -q 'install ok installed' || missing+=("${p}")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    command -v apt-get >/dev/null 2>&1 || die "missing packages ${missing[*]} and no apt-get to install them"
    node_say "installing Debian packages: ${missing[*]} (apt-get)"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >"${LOGS}/apt.log" 2>&1; then
      node_say "apt-get install failed; running apt-get update once and retrying"
      apt-get update >>"${LOGS}/apt.log" 2>&1 || true
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >>"${LOGS}/apt.log" 2>&1 \
        || die "apt-get install ${missing[*]} failed; see ${REL_STATE}/logs/apt.log"
    fi
    node_say "installed: ${missing[*]}"
  else
    node_say "Debian packages present: containerd $(dpkg-query -W -f='${Version}' containerd), runc $(dpkg-query -W -f='${Version}' runc), CNI plugins $(dpkg-query -W -f='${Version}' containernetworking-plugins)"
  fi
  for p in bridge host-local portmap loopback; do
    [[ -x "${CNI_BIN_DIR}/${p}" ]] || die "CNI plugin ${CNI_BIN_DIR}/${p} missing (containernetworking-plugins; or set CLUSTER_CNI_BIN_DIR)"
  done
  # a systemd-less cgroup v1 host: kubelet and runc must use cgroupfs
  if [[ ! -d /sys/fs/cgroup/memory && ! -f /sys/fs/cgroup/cgroup.controllers ]]; then
    die "no usable cgroup hierarchy under /sys/fs/cgroup (need the memory controller)"
  fi
  # packets between pods on the bridge must pass iptables (Service DNAT), and the host forwards
  modprobe br_netfilter 2>/dev/null || true
  modprobe overlay 2>/dev/null || true
  [[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]] || die "br_netfilter is not available (no /proc/sys/net/bridge); Services cannot work between pods"
  echo 1 >/proc/sys/net/bridge/bridge-nf-call-iptables
  echo 1 >/proc/sys/net/ipv4/ip_forward
  grep -qw overlay /proc/filesystems || die "the kernel has no overlay filesystem (containerd's overlayfs snapshotter needs it)"
}

node_check_ports() {
  local entry name port bad=0
  for entry in "kubelet:${KUBELET_PORT}" "kubelet-healthz:${KUBELET_HEALTHZ_PORT}" "kube-proxy:${PROXY_PORT}" \
    "kube-proxy-metrics:${PROXY_METRICS_PORT}" "coredns:${DNS_READY_PORT}"; do
    name="${entry%%:*}"; port="${entry#*:}"
    if port_in_use "${port}"; then
      printf '[cluster] ERROR: port %s on 127.0.0.1 (for %s) is already in use; set %s=<free port> and run again\n' \
        "${port}" "${name}" "$(port_env_of "${name}")" >&2
      bad=1
    fi
  done
  if ss -Huln "sport = :53" 2>/dev/null | grep -qF "${NODE_GATEWAY}:53"; then
    printf '[cluster] ERROR: %s:53 (cluster DNS) is already in use: another real-node cluster of this machine is running? (CLUSTER_POD_GATEWAY/CLUSTER_BRIDGE)\n' "${NODE_GATEWAY}" >&2
    bad=1
  fi
  [[ ${bad} -eq 0 ]] || exit 1
}

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
  "name": "redis-platform",
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

# the bridge exists before the first pod, so CoreDNS can bind the gateway address
node_bridge() {
  if ! ip link show "${NODE_BRIDGE}" >/dev/null 2>&1; then
    ip link add "${NODE_BRIDGE}" type bridge
  fi
  ip addr show dev "${NODE_BRIDGE}" | grep -qF " ${NODE_GATEWAY}/" || ip addr add "${NODE_GATEWAY}/${NODE_POD_CIDR#*/}" dev "${NODE_BRIDGE}"
  ip link set "${NODE_BRIDGE}" up
}

# ------------------------------------------------------------------ health
ctr_() { ctr --address "${NODE_SOCK}" "$@"; }
node_healthy() {
  case "$1" in
    containerd) ctr_ version >/dev/null 2>&1 ;;
    coredns) [[ "$(curl_q "http://127.0.0.1:${DNS_READY_PORT}/ready")" == OK ]] ;;
    kubelet) [[ "$(curl_q "http://127.0.0.1:${KUBELET_HEALTHZ_PORT}/healthz")" == ok ]] ;;
    kube-proxy) curl_q "http://127.0.0.1:${PROXY_PORT}/healthz" >/dev/null ;;
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

# node_cleanup: after every process stopped: mounts under .cluster/, network namespaces of pods,
# kube-proxy's iptables rules, the bridge. Idempotent.
node_cleanup() {
  local m
  # shims left without containerd
  local p
  for p in /proc/[0-9]*; do
    if [[ "$(cat "${p}/comm" 2>/dev/null)" == containerd-shim* ]] && tr '\0' ' ' <"${p}/cmdline" 2>/dev/null | grep -qF "${NODE_SOCK}"; then
      kill -KILL "${p#/proc/}" 2>/dev/null || true
    fi
  done
  for _ in 1 2 3; do
    while read -r m; do umount -l "${m}" 2>/dev/null || true; done < <(awk -v s="${STATE}/" 'index($2, s) == 1 {print $2}' /proc/mounts | sort -r)
  done
  if [[ -x "${CLUSTER_NODE_BIN_DIR}/kube-proxy" && -f "${STATE}/kube-proxy/config.yaml" ]]; then
    "${CLUSTER_NODE_BIN_DIR}/kube-proxy" --cleanup --config="${STATE}/kube-proxy/config.yaml" >/dev/null 2>&1 || true
  fi
  # what kube-proxy --cleanup leaves (the kubelet's canaries, KUBE-FIREWALL, hints): rules that
  # jump to KUBE-* chains, then the chains
  local t rule chain
  for t in mangle nat filter; do
    while read -r rule; do
      [[ -n "${rule}" ]] || continue
      read -r -a args <<<"${rule/-A /-D }"
      iptables -t "${t}" "${args[@]//\"/}" 2>/dev/null || true
    done < <(iptables -t "${t}" -S 2>/dev/null | grep -E '^-A (INPUT|OUTPUT|FORWARD|PREROUTING|POSTROUTING) .*-j KUBE-' | grep -v -- '--comment' || true)
    for chain in $(iptables -t "${t}" -S 2>/dev/null | sed -nE 's/^-N (KUBE-[A-Z0-9-]+)$/\1/p'); do
      iptables -t "${t}" -F "${chain}" 2>/dev/null || true
    done
    for chain in $(iptables -t "${t}" -S 2>/dev/null | sed -nE 's/^-N (KUBE-[A-Z0-9-]+)$/\1/p'); do
      iptables -t "${t}" -X "${chain}" 2>/dev/null || true
    done
  done
  if ip link show "${NODE_BRIDGE}" >/dev/null 2>&1; then
    ip link set "${NODE_BRIDGE}" down 2>/dev/null || true
    ip link delete "${NODE_BRIDGE}" 2>/dev/null || true
  fi
  # the bridge plugin's masquerade rules and chains (CNI-<hash>) of this network's pods, whose
  # CNI DEL never ran (their containers were killed, not stopped by the kubelet)
  local chains num
  chains="$(iptables -t nat -S POSTROUTING 2>/dev/null | grep -F 'name: \"redis-platform\"' | sed -nE 's/.* -j (CNI-[0-9a-f]+)$/\1/p' || true)"
  while read -r num; do
    if [[ -n "${num}" ]]; then iptables -t nat -D POSTROUTING "${num}" 2>/dev/null || true; fi
  done < <(iptables -t nat -L POSTROUTING -n --line-numbers 2>/dev/null | awk '$2 ~ /^CNI-/ && /name: "redis-platform"/ {print $1}' | sort -rn)
  for c in ${chains}; do
    iptables -t nat -F "${c}" 2>/dev/null || true
    iptables -t nat -X "${c}" 2>/dev/null || true
  done
  # the pods' network namespaces (containerd bind-mounts them under /var/run/netns)
  if [[ -f "${STATE}/netns.list" ]]; then
    while read -r c; do
      [[ "${c}" == /var/run/netns/cni-* || "${c}" == /run/netns/cni-* ]] || continue
      umount "${c}" 2>/dev/null || true
      rm -f "${c}"
    done <"${STATE}/netns.list"
  fi
}
