# shellcheck shell=bash
# The real node's changes to the host (CLUSTER_NODE=real), sourced by scripts/cluster.sh after
# node.sh (whose NODE_* settings it uses): Debian packages and kernel settings, the port check,
# the pod bridge, and node_cleanup, which undoes what the node left on the host once every
# process stopped (mounts, iptables rules and chains, the bridge, pod network namespaces).

# ------------------------------------------------------------------ host preparation
NODE_DEBIAN_PACKAGES=(containerd runc containernetworking-plugins iptables conntrack busybox-static ipset)
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
    "kube-proxy-metrics:${PROXY_METRICS_PORT}" "coredns:${DNS_READY_PORT}" "kube-router:${ROUTER_PORT}"; do
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
# ------------------------------------------------------------------ the pod bridge
# the bridge exists before the first pod, so CoreDNS can bind the gateway address
node_bridge() {
  if ! ip link show "${NODE_BRIDGE}" >/dev/null 2>&1; then
    ip link add "${NODE_BRIDGE}" type bridge
  fi
  ip addr show dev "${NODE_BRIDGE}" | grep -qF " ${NODE_GATEWAY}/" || ip addr add "${NODE_GATEWAY}/${NODE_POD_CIDR#*/}" dev "${NODE_BRIDGE}"
  ip link set "${NODE_BRIDGE}" up
}

# ------------------------------------------------------------------ clean-up
# libcni's cache (results/; host-local's networks/ when no ipam dataDir is set), as containerd's CRI uses it
NODE_CNI_CACHE_DIR=/var/lib/cni
NODE_CGROUP_ROOT=/sys/fs/cgroup

# node_cleanup: after every process stopped: mounts under .cluster/, network namespaces of pods,
# kube-proxy's iptables rules, the bridge, the CNI state of this network, empty cgroups. Idempotent.
# node_api_firewall: the API server listens on every address (so that pods reach it through the
# kubernetes Service); only loopback and the pod bridge may connect. Idempotent; node_cleanup
# removes it.
NODE_API_CHAIN="RP-APISERVER"
node_api_firewall() {
  node_api_firewall_remove
  iptables -N "${NODE_API_CHAIN}"
  iptables -A "${NODE_API_CHAIN}" -i lo -j RETURN
  iptables -A "${NODE_API_CHAIN}" -i "${NODE_BRIDGE}" -j RETURN
  iptables -A "${NODE_API_CHAIN}" -j DROP
  iptables -I INPUT -p tcp --dport "${API_PORT}" -j "${NODE_API_CHAIN}"
}
node_api_firewall_remove() {
  while iptables -D INPUT -p tcp --dport "${API_PORT}" -j "${NODE_API_CHAIN}" 2>/dev/null; do :; done
  iptables -F "${NODE_API_CHAIN}" 2>/dev/null || true
  iptables -X "${NODE_API_CHAIN}" 2>/dev/null || true
}

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
  node_netpol_cleanup
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
  chains="$(iptables -t nat -S POSTROUTING 2>/dev/null | grep -F "name: \\\"${NODE_CNI_NETWORK}\\\"" | sed -nE 's/.* -j (CNI-[0-9a-f]+)$/\1/p' || true)"
  while read -r num; do
    if [[ -n "${num}" ]]; then iptables -t nat -D POSTROUTING "${num}" 2>/dev/null || true; fi
  done < <(iptables -t nat -L POSTROUTING -n --line-numbers 2>/dev/null | awk -v net="name: \"${NODE_CNI_NETWORK}\"" '$2 ~ /^CNI-/ && index($0, net) {print $1}' | sort -rn)
  for c in ${chains}; do
    iptables -t nat -F "${c}" 2>/dev/null || true
    iptables -t nat -X "${c}" 2>/dev/null || true
  done
  node_api_firewall_remove
  # the pods' network namespaces (containerd bind-mounts them under /var/run/netns)
  if [[ -f "${STATE}/netns.list" ]]; then
    while read -r c; do
      [[ "${c}" == /var/run/netns/cni-* || "${c}" == /run/netns/cni-* ]] || continue
      umount "${c}" 2>/dev/null || true
      rm -f "${c}"
    done <"${STATE}/netns.list"
  fi
  node_cni_cleanup
  node_cgroup_cleanup
}

# node_cni_cleanup: what CNI keeps on the host for this network's pods and nobody removes when
# their containers are killed instead of torn down by the kubelet: libcni's cached results
# (results/<network>-<sandbox id>-<interface>, and results/cni-loopback-<sandbox id>-lo of the
# same sandboxes: containerd's loopback network) and host-local's reservations (networks/<network>).
node_cni_cleanup() {
  local results="${NODE_CNI_CACHE_DIR}/results" f base n=0
  [[ -n "${NODE_CNI_NETWORK}" ]] || return 0
  for f in "${results}/${NODE_CNI_NETWORK}-"*; do
    base="${f##*/}"
    [[ "${base}" =~ ^${NODE_CNI_NETWORK}-([0-9a-f]{64})-[[:alnum:]_.-]+$ ]] || continue
    rm -f -- "${f}" "${results}/cni-loopback-${BASH_REMATCH[1]}-lo"
    n=$((n + 1))
  done
  if [[ -d "${NODE_CNI_CACHE_DIR}/networks/${NODE_CNI_NETWORK}" ]]; then
    rm -rf -- "${NODE_CNI_CACHE_DIR}/networks/${NODE_CNI_NETWORK}"
    n=$((n + 1))
  fi
  if ((n > 0)); then node_say "removed network ${NODE_CNI_NETWORK}'s CNI state from ${NODE_CNI_CACHE_DIR}"; fi
  return 0
}

# node_cgroup_cleanup: the cgroup directories the pods' containers got and nobody removes:
# <controller>/k8s.io/<id> (containerd's namespace: cgroupfs, no cgroup parent from the kubelet)
# and <controller>/kubepods* (also at the root, on a cgroup v2-only host). Only rmdir, deepest
# first: the kernel refuses a cgroup that still holds a process or a child, so a busy one stays
# (with a warning). While another kubelet runs they may be its own: left alone then.
node_cgroup_cleanup() {
  local try dir n=0
  local -a tops
  if node_other_kubelet; then
    warn "another kubelet runs on this machine: the k8s.io and kubepods* cgroups under ${NODE_CGROUP_ROOT} are left as they are"
    return 0
  fi
  for ((try = 0; ; try++)); do
    tops=()
    for dir in "${NODE_CGROUP_ROOT}"/*/k8s.io "${NODE_CGROUP_ROOT}"/*/kubepods* "${NODE_CGROUP_ROOT}"/k8s.io "${NODE_CGROUP_ROOT}"/kubepods*; do
      if [[ -d "${dir}" ]]; then tops+=("${dir}"); fi
    done
    ((${#tops[@]} > 0 && try < 10)) || break
    ((try == 0)) || sleep 0.2 # processes killed a moment ago may still be leaving their cgroups
    while read -r dir; do
      if rmdir -- "${dir}" 2>/dev/null; then n=$((n + 1)); fi
    done < <(find "${tops[@]}" -depth -type d 2>/dev/null)
  done
  if ((n > 0)); then node_say "removed ${n} empty cgroup directories (k8s.io, kubepods*) under ${NODE_CGROUP_ROOT}"; fi
  if ((${#tops[@]} > 0)); then warn "cgroups still in use, left in place: ${tops[*]}"; fi
  return 0
}

# node_other_kubelet: a kubelet is running (this node's has stopped when node_cleanup runs).
node_other_kubelet() {
  local p
  for p in /proc/[0-9]*; do
    if [[ "$(cat "${p}/comm" 2>/dev/null)" == kubelet ]]; then return 0; fi
  done
  return 1
}
