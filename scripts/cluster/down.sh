# shellcheck shell=bash
# cluster.sh down: remove the add-ons (real node), stop every process of the cluster, undo what
# the real node changed on the host, remove the hostPath volumes and .cluster/. Idempotent.
# Sourced by scripts/cluster.sh.

cmd_down() {
  load_settings saved
  if [[ "${NODE_MODE}" == real ]]; then
    cluster_addons_down
  fi
  local pv_dirs=""
  if pid_of kube-apiserver >/dev/null && [[ -x "${CLUSTER_BIN_DIR}/kubectl" && -f "${KUBECONFIG_FILE}" ]]; then
    # volumes the hostPath provisioner made for this cluster (directories on this machine)
    pv_dirs="$(kc get pv -o jsonpath='{range .items[*]}{.spec.hostPath.path}{"\n"}{end}' --request-timeout=5s 2>/dev/null \
      | grep -E '^/tmp/hostpath_pv/[0-9a-f-]+$' || true)"
  fi
  if [[ -d "${PIDS}" || -n "$(ours_running)" ]]; then
    stop_all || die "some processes of the cluster are still running (listed above); not removing ${REL_STATE}/"
  fi
  [[ "${NODE_MODE}" != real ]] || node_cleanup
  local d
  for d in ${pv_dirs}; do rm -rf -- "${d}"; done
  if [[ -e "${STATE}" ]]; then
    rm -rf -- "${STATE}"
    say "cluster down; removed ${REL_STATE}/"
  else
    say "cluster is not running (no ${REL_STATE}/)"
  fi
}
