# shellcheck shell=bash
# The real node's NetworkPolicy enforcement: kube-router's network-policy controller alone
# (--run-firewall; no router, no service proxy: the bridge CNI and kube-proxy stay), as a host
# process beside kube-proxy, enforcing with iptables and ipset. kind's own agent,
# kube-network-policies, needs nftables' queue statement, which this kind of kernel lacks
# (CONFIG_NFT_QUEUE unset). Its identity (system:kube-router) may only read what it enforces.
# Sourced by scripts/cluster.sh.

node_netpol_up() {
  if ! cluster_addon_ready kube-router; then
    node_say "kube-router not built yet; building it from its Go module (once; a few minutes)"
    bash "${SCRIPT_DIR}/cluster/build-addons.sh" kube-router \
      || fail kube-router "the kube-router build failed (see the log path above); retry with: bash scripts/cluster/build-addons.sh kube-router"
  fi
  local client="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
  [[ -s "${PKI}/kube-router.crt" ]] || sign kube-router "/CN=system:kube-router" "${client}"
  chmod 600 "${PKI}"/*.key
  write_kubeconfig "${KCFG_DIR}/kube-router.kubeconfig" system:kube-router kube-router
  kc apply -f - >/dev/null <<'YAML'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: system:kube-router
rules:
  - apiGroups: [""]
    resources: ["namespaces", "pods", "services", "nodes", "endpoints"]
    verbs: ["get", "list", "watch"]
  - apiGroups: ["discovery.k8s.io"]
    resources: ["endpointslices"]
    verbs: ["get", "list", "watch"]
  - apiGroups: ["networking.k8s.io"]
    resources: ["networkpolicies"]
    verbs: ["get", "list", "watch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: system:kube-router
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: system:kube-router
subjects:
  - apiGroup: rbac.authorization.k8s.io
    kind: User
    name: system:kube-router
YAML
  start kube-router --kubeconfig="${KCFG_DIR}/kube-router.kubeconfig" \
    --run-firewall=true --run-router=false --run-service-proxy=false --enable-cni=false \
    --hostname-override="${NODE_NAME}" --service-cluster-ip-range=10.96.0.0/16 \
    --health-port="${ROUTER_PORT}" --metrics-port=0 --iptables-sync-period=1m --v=1
  wait_until "kube-router /healthz (NetworkPolicy enforced with iptables and ipset)" kube-router node_healthy kube-router
}

# node_netpol_cleanup: kube-router's chains, rules and ipsets (its own --cleanup-config), then
# any of its ipsets left. Idempotent.
node_netpol_cleanup() {
  local bin s
  bin="$(cluster_addon_bin kube-router 2>/dev/null || true)"
  if [[ -x "${bin}" ]] && iptables -S 2>/dev/null | grep -q 'KUBE-ROUTER\|KUBE-NWPLCY\|KUBE-POD-FW'; then
    "${bin}" --cleanup-config >/dev/null 2>&1 || true
  fi
  command -v ipset >/dev/null 2>&1 || return 0
  for s in $(ipset list -n 2>/dev/null | grep -E '^(KUBE-(SRC|DST)-|kube-router-)' || true); do
    ipset destroy "${s}" 2>/dev/null || true
  done
}
