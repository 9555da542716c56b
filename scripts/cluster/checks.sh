# shellcheck shell=bash
# Preflight before up: the tools it needs, and the control plane's ports free (naming the
# program, or the other checkout's cluster, that holds one). Sourced by scripts/cluster.sh.

port_in_use() {
  local port="$1"
  if command -v ss >/dev/null 2>&1; then
    [[ -n "$(ss -Htln "sport = :${port}" 2>/dev/null)" ]] && return 0
  fi
  (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null
}
# port_owner PORT: "NAME (pid N)|CHECKOUT" for the process listening on PORT,
# when ss can tell; CHECKOUT is set when it belongs to an embedded cluster.
port_owner() {
  command -v ss >/dev/null 2>&1 || return 0
  local line pid name arg
  line="$(ss -Htlnp "sport = :$1" 2>/dev/null | head -n 1)"
  [[ "${line}" =~ \(\(\"([^\"]+)\",pid=([0-9]+) ]] || return 0
  name="${BASH_REMATCH[1]}"; pid="${BASH_REMATCH[2]}"
  local -a argv=()
  { mapfile -d '' -t argv <"/proc/${pid}/cmdline"; } 2>/dev/null || true
  for arg in "${argv[@]}"; do
    if [[ "${arg}" =~ =(/.*)/\.cluster/ ]]; then
      printf '%s (pid %s)|%s' "${name}" "${pid}" "${BASH_REMATCH[1]}"
      return 0
    fi
  done
  printf '%s (pid %s)|' "${name}" "${pid}"
}
check_ports() {
  local entry name port seen=" " bad=0 other=""
  for entry in "etcd:${ETCD_PORT}" "etcd-peer:${ETCD_PEER_PORT}" "kube-apiserver:${API_PORT}" \
    "kube-controller-manager:${KCM_PORT}" "kube-scheduler:${SCHED_PORT}" "kwok:${KWOK_PORT}"; do
    name="${entry%%:*}"; port="${entry#*:}"
    if ! [[ "${port}" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
      printf '[cluster] ERROR: %s=%s is not a valid port\n' "$(port_env_of "${name}")" "${port}" >&2
      bad=1; continue
    fi
    if [[ "${seen}" == *" ${port} "* ]]; then
      printf '[cluster] ERROR: port %s is configured twice (again for %s); set %s to another port\n' \
        "${port}" "${name}" "$(port_env_of "${name}")" >&2
      bad=1; continue
    fi
    seen+="${port} "
    if port_in_use "${port}"; then
      local owner
      owner="$(port_owner "${port}")"
      [[ -z "${owner#*|}" ]] || other="${owner#*|}"
      owner="${owner%|*}"
      printf '[cluster] ERROR: port %s on 127.0.0.1 (for %s) is already in use%s; set %s=<free port> and run again\n' \
        "${port}" "${name}" "${owner:+ by ${owner}}" "$(port_env_of "${name}")" >&2
      bad=1
    fi
  done
  if [[ -n "${other}" ]]; then
    printf '[cluster] the embedded cluster of %s is running on these ports: stop it (bash %s/scripts/cluster.sh down) or choose other ports\n' \
      "${other}" "${other}" >&2
  fi
  [[ ${bad} -eq 0 ]] || exit 1
}
need_tools() {
  local t missing=()
  for t in "$@"; do command -v "${t}" >/dev/null 2>&1 || missing+=("${t}"); done
  [[ ${#missing[@]} -eq 0 ]] || die "missing tools: ${missing[*]} (on Debian/Ubuntu: apt-get install ${missing[*]})"
}
