# shellcheck shell=bash
# The cluster's processes: which are ours (pid files checked against /proc), starting one
# detached with its log, stopping them all, and stopping what this run started when a step
# fails or a signal arrives. Sourced by scripts/cluster.sh.

# is_ours PID NAME: PID is a NAME process of *this* cluster (its argv[0] is
# NAME and its arguments point into this repo's .cluster/). Guards against
# stale pid files whose pid was reused, and against other checkouts' clusters.
is_ours() {
  local pid="$1" name="$2"
  [[ "${pid}" =~ ^[0-9]+$ ]] || return 1
  local -a argv=()
  { mapfile -d '' -t argv <"/proc/${pid}/cmdline"; } 2>/dev/null || return 1
  [[ ${#argv[@]} -gt 0 ]] || return 1 # exited (zombie) or kernel thread
  [[ "${argv[0]##*/}" == "${name}" ]] || return 1
  [[ "${argv[*]}" == *"${STATE}/"* ]]
}
# pid_of NAME: the live pid of component NAME, from its pid file.
pid_of() {
  local f="${PIDS}/$1.pid" pid
  [[ -f "${f}" ]] || return 1
  pid="$(head -n 1 "${f}" 2>/dev/null || true)"
  is_ours "${pid}" "$1" || return 1
  echo "${pid}"
}
# ours_running: "PID NAME" for every process of this cluster, pid file or not.
ours_running() {
  local p pid name
  local -a argv
  for p in /proc/[0-9]*; do
    pid="${p#/proc/}"
    argv=()
    { mapfile -d '' -t argv <"${p}/cmdline"; } 2>/dev/null || continue
    [[ ${#argv[@]} -gt 0 && "${argv[*]}" == *"${STATE}/"* ]] || continue
    for name in "${COMPONENTS[@]}"; do
      if [[ "${argv[0]##*/}" == "${name}" ]]; then echo "${pid} ${name}"; fi
    done
  done
}
stop_pid() {
  local pid="$1" name="$2" i
  kill -TERM "${pid}" 2>/dev/null || return 0
  for ((i = 0; i < 150; i++)); do
    is_ours "${pid}" "${name}" || { STOPPED_PIDS+=("${pid}"); wait "${pid}" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  warn "${name} (pid ${pid}) did not stop within 15s of SIGTERM; sending SIGKILL"
  kill -KILL "${pid}" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    is_ours "${pid}" "${name}" || { STOPPED_PIDS+=("${pid}"); wait "${pid}" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  return 1
}
# await_reaped: exited processes that are no longer our children show as
# <defunct> until init reaps them; give it up to 5s so pgrep/ps come out clean.
STOPPED_PIDS=()
await_reaped() {
  local i pid left
  for ((i = 0; i < 50; i++)); do
    left=0
    for pid in "${STOPPED_PIDS[@]}"; do [[ -e "/proc/${pid}" ]] && left=1; done
    [[ ${left} -eq 1 ]] || break
    sleep 0.1
  done
  STOPPED_PIDS=()
}
# stop_all [quiet]: stop every process of this cluster, newest component first.
stop_all() {
  local quiet="${1:-}" i name pid line left
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
    name="${COMPONENTS[i]}"
    # the pods' containers stop with the node, not after it (their shims would outlive containerd)
    [[ "${name}" != containerd ]] || node_kill_pods
    if pid="$(pid_of "${name}")"; then
      [[ -n "${quiet}" ]] || say "stopping ${name} (pid ${pid})"
      stop_pid "${pid}" "${name}" || true
    fi
    rm -f "${PIDS}/${name}.pid"
  done
  # processes whose pid file was lost
  while read -r line; do
    [[ -n "${line}" ]] || continue
    pid="${line%% *}"; name="${line#* }"
    [[ -n "${quiet}" ]] || say "stopping ${name} (pid ${pid}, no pid file)"
    stop_pid "${pid}" "${name}" || true
  done < <(ours_running)
  [[ ${#STOPPED_PIDS[@]} -eq 0 ]] || await_reaped
  left="$(ours_running)"
  if [[ -n "${left}" ]]; then
    printf '[cluster] ERROR: still running after SIGKILL:\n%s\n' "${left}" >&2
    return 1
  fi
}

# start NAME ARGS...: start a component detached, its output in logs/NAME.log.
start() {
  local name="$1"; shift
  local log="${LOGS}/${name}.log"
  printf '\n===== %s starting %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${name}" >>"${log}"
  # extra flags from CLUSTER_<COMPONENT>_EXTRA_ARGS, e.g. CLUSTER_KUBE_APISERVER_EXTRA_ARGS
  local extra_var
  extra_var="CLUSTER_$(tr 'a-z-' 'A-Z_' <<<"${name}")_EXTRA_ARGS"
  local -a extra=()
  read -r -a extra <<<"${!extra_var:-}"
  local -a launcher=()
  if command -v setsid >/dev/null 2>&1; then launcher=(setsid); fi
  (
    # shellcheck disable=SC2164 # errexit is on (set -e in scripts/cluster.sh)
    cd "${STATE}"
    exec 8<&- # the checkout lock stays with this script
    exec env KWOK_WORKDIR="${STATE}/kwok" "${launcher[@]}" "$(bin_of "${name}")" "$@" "${extra[@]}" \
      >>"${log}" 2>&1 </dev/null
  ) &
  local pid=$! i
  echo "${pid}" >"${PIDS}/${name}.pid"
  STARTED+=("${name}")
  # until the subshell has exec'd the binary, its pid does not look like NAME yet
  for ((i = 0; i < 100; i++)); do
    is_ours "${pid}" "${name}" && break
    kill -0 "${pid}" 2>/dev/null || break
    [[ "$(cut -d' ' -f3 "/proc/${pid}/stat" 2>/dev/null)" != Z ]] || break # exited
    sleep 0.05
  done
  say "started ${name} (pid ${pid}) on $(endpoint_of "${name}"), log ${REL_STATE}/logs/${name}.log"
}

bin_of() {
  case "$1" in
    containerd) command -v containerd ;;
    kubelet | kube-proxy | coredns) echo "${CLUSTER_NODE_BIN_DIR}/$1" ;;
    kube-router) cluster_addon_bin kube-router ;;
    kwok) echo "${CLUSTER_KWOK_BIN}" ;;
    *) echo "${CLUSTER_BIN_DIR}/$1" ;;
  esac
}

# fail NAME MESSAGE: report a component that failed, stop everything, exit 1.
fail() {
  local name="$1" msg="$2" log="${LOGS}/$1.log"
  trap - ERR INT TERM HUP
  trap "" PIPE # a closed output pipe must not stop the clean-up
  set +e
  printf '[cluster] ERROR: %s\n' "${msg}" >&2
  if [[ -f "${log}" ]]; then
    printf -- '----- last 20 lines of %s/logs/%s.log -----\n' "${REL_STATE}" "${name}" >&2
    tail -n 20 "${log}" >&2
    printf -- '-----\n' >&2
    if grep -q 'address already in use' "${log}" 2>/dev/null; then
      printf '[cluster] a port of %s is taken by another program; set %s (or the other CLUSTER_*_PORT variables) to free ports\n' \
        "${name}" "$(port_env_of "${name}")" >&2
    fi
  fi
  abort_started
  exit 1
}
abort_started() {
  if [[ ${#STARTED[@]} -gt 0 ]]; then
    say "stopping the components this run started: ${STARTED[*]}" >&2
    stop_all quiet || true
    [[ "${NODE_MODE}" != real ]] || node_cleanup
    say "stopped; logs kept in ${REL_STATE}/logs/ ('npm run cluster:down' removes ${REL_STATE}/)" >&2
  fi
}
on_unexpected() {
  local rc=$? line="$1" file="${2:-${ROOT}/scripts/cluster.sh}"
  trap - ERR INT TERM HUP
  trap "" PIPE # a closed output pipe must not stop the clean-up
  set +e
  printf '[cluster] ERROR: unexpected failure (exit %s) at %s line %s\n' "${rc}" "${file#"${ROOT}/"}" "${line}" >&2
  abort_started
  exit 1
}
on_signal() {
  trap - ERR INT TERM HUP
  trap "" PIPE # a closed output pipe must not stop the clean-up
  set +e
  printf '\n[cluster] interrupted\n' >&2
  abort_started
  exit 130
}
