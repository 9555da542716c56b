# shellcheck shell=bash
# cluster.sh status: one line per component; exit 0 all healthy, 3 stopped, 1 degraded.
# Sourced by scripts/cluster.sh.

cmd_status() {
  load_settings saved
  local name pid up=0 total=${#COMPONENTS[@]} detail
  for name in "${COMPONENTS[@]}"; do
    if pid="$(pid_of "${name}")"; then
      if healthy "${name}"; then
        up=$((up + 1))
        detail="healthy"
        case "${name}" in
          kube-apiserver) detail+=" $(api_version)" ;;
          kwok | kubelet)
            if node_ready; then detail+=", node ${NODE_NAME} Ready"; else detail+=", node ${NODE_NAME} NOT Ready"; up=$((up - 1)); fi ;;
        esac
        printf '%-24s running  pid %-7s %-24s %s\n' "${name}" "${pid}" "$(endpoint_of "${name}")" "${detail}"
      else
        printf '%-24s running  pid %-7s %-24s %s\n' "${name}" "${pid}" "$(endpoint_of "${name}")" "NOT healthy (log ${REL_STATE}/logs/${name}.log)"
      fi
    else
      printf '%-24s stopped\n' "${name}"
    fi
  done
  if ((up == total)); then return 0; fi
  if [[ -z "$(ours_running)" ]]; then return 3; fi
  return 1
}
