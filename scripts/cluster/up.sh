# shellcheck shell=bash
# cluster.sh up: reuse a healthy cluster as it is; otherwise stop what is left of an old one,
# build the binaries if needed, check the ports, then run the steps in order: certificates and
# kubeconfigs, control plane, first objects, node (kwok or real), ready, add-ons (real node).
# Sourced by scripts/cluster.sh.

cmd_up() {
  need_tools curl openssl base64
  local want_mode="${CLUSTER_NODE:-real}"
  if [[ -f "${STATE}/cluster.env" ]]; then
    load_settings saved
    if [[ "${NODE_MODE}" != "${want_mode}" && -n "$(ours_running)" ]]; then
      die "the cluster in ${REL_STATE}/ runs with CLUSTER_NODE=${NODE_MODE}, not ${want_mode}: run 'npm run cluster:down' first"
    fi
    if [[ "${NODE_MODE}" == real ]] && ! cluster_node_binaries_ready; then :
    elif [[ "${NODE_MODE}" == kwok ]] && ! cluster_kwok_ready; then :
    elif cluster_binaries_ready && all_healthy; then
      say "cluster already up and healthy (kubeconfig ${REL_STATE}/kubeconfig, context ${CONTEXT})"
      cmd_status || true
      return 0
    fi
  fi
  if [[ -d "${PIDS}" || -n "$(ours_running)" ]]; then
    if [[ -n "$(ours_running)" ]]; then
      say "a previous cluster is partly running or unhealthy: stopping its processes (data in ${REL_STATE} kept)"
    else
      say "cleaning stale pid files of a cluster that is no longer running (data in ${REL_STATE} kept)"
    fi
    stop_all quiet || die "could not stop the previous cluster's processes; see 'bash scripts/cluster.sh status'"
  fi
  local built=""
  if ! cluster_binaries_ready; then
    say "Kubernetes binaries not built yet; building ${CLUSTER_BUILD_NAME} from Go modules (once per version set; about 20 minutes on 2 cores with empty Go caches)"
    bash "${SCRIPT_DIR}/cluster/build.sh" || die "build failed (see the log path above); retry with: bash scripts/cluster.sh build"
    built=" (after a $(($(date +%s) - T0))s build)"
    T0=$(date +%s)
  fi
  if [[ "${want_mode}" == real ]] && ! cluster_node_binaries_ready; then
    say "kubelet, kube-proxy and CoreDNS not built yet; building ${CLUSTER_NODE_BUILD_NAME} (once; about a minute with warm Go caches)"
    bash "${SCRIPT_DIR}/cluster/build.sh" --node || die "node build failed (see the log path above); retry with: bash scripts/cluster/build.sh --node"
  fi
  if [[ "${want_mode}" == kwok ]] && ! cluster_kwok_ready; then
    say "kwok not built yet; building ${CLUSTER_KWOK_BUILD_NAME} (once; about 3 minutes with empty Go caches)"
    bash "${SCRIPT_DIR}/cluster/build.sh" --kwok || die "kwok build failed (see the log path above); retry with: bash scripts/cluster/build.sh --kwok"
  fi
  load_settings env
  check_ports
  mkdir -p "${STATE}" "${LOGS}" "${PIDS}" "${KCFG_DIR}" "${STATE}/kwok"
  if [[ "${NODE_MODE}" == real ]]; then
    node_install_packages
    node_check_ports
  fi
  say "starting embedded Kubernetes ${CLUSTER_K8S_VERSION} (etcd ${CLUSTER_ETCD_VERSION}, node: ${NODE_MODE}) in ${REL_STATE}/"
  gen_pki
  write_kubeconfig "${KUBECONFIG_FILE}" embedded-admin admin
  write_kubeconfig "${KCFG_DIR}/controller-manager.kubeconfig" system:kube-controller-manager controller-manager
  write_kubeconfig "${KCFG_DIR}/scheduler.kubeconfig" system:kube-scheduler scheduler
  write_kubeconfig "${KCFG_DIR}/kwok.kubeconfig" kwok-controller kwok
  save_settings
  kwok_config

  # shellcheck disable=SC2034 # read by start and abort_started (procs.sh)
  STARTED=()
  trap 'on_unexpected $LINENO "${BASH_SOURCE[0]}"' ERR
  trap on_signal INT TERM HUP PIPE

  control_plane_up

  bootstrap_objects
  if [[ "${NODE_MODE}" == real ]]; then
    node_up
  else
    kwok_up
  fi
  wait_until "ServiceAccount default/default" kube-controller-manager default_sa_exists
  if [[ "${NODE_MODE}" == real ]]; then
    cluster_addons_up
  fi

  trap - ERR INT TERM HUP
  trap "" PIPE # a closed output pipe must not stop the clean-up
  set +e
  say "cluster up in $(($(date +%s) - T0))s${built}: Kubernetes $(api_version) at https://127.0.0.1:${API_PORT}, node ${NODE_NAME}: $(
    kc get node "${NODE_NAME}" -o jsonpath='{.status.nodeInfo.containerRuntimeVersion}' 2>/dev/null)"
  say "kubeconfig: ${KUBECONFIG_FILE} (context ${CONTEXT})"
  say "  export KUBECONFIG=${KUBECONFIG_FILE}; kubectl get nodes   (matching kubectl: ${CLUSTER_BIN_DIR}/kubectl)"
}
