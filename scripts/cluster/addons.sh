# shellcheck shell=bash
# The add-on step of the real node (CLUSTER_NODE=real): what runs in the cluster beyond the node
# (storage, NetworkPolicy, ingress, ...), one file per add-on in scripts/cluster/addons/.
# up calls cluster_addons_up once the node is Ready; down calls cluster_addons_down before it
# stops the node. Sourced by scripts/cluster.sh.
#
# Writing an add-on: scripts/cluster/addons/<name>.sh defines addon_<name>_up and/or
# addon_<name>_down, <name> being the file name without .sh and with dashes as underscores
# (addons/10-local-path.sh: addon_10_local_path_up). Files are sourced in name order (a number
# in front orders them); up runs them in that order, down in reverse. They run with this
# script's helpers and settings (kc, say, wait_until, fail, STATE, NODE_NAME, ...).
#   up:   apply the add-on's manifests to the API server (kc apply), then wait for its own
#         readiness (wait_until); idempotent, it runs on every up that starts the cluster. A
#         failing command stops the whole up like any other step.
#   down: delete what up created; the API server may already be gone. A failure is a warning
#         and down goes on.
# A file's top-level `local`/`declare` are local to the loader; use plain assignments or
# declare -g for settings the functions read.
CLUSTER_ADDONS_DIR="${SCRIPT_DIR}/cluster/addons"
ADDONS=()

# addon_image PART: the local image whose name has /PART: (scripts/images.sh list).
addon_image() { bash "${ROOT}/scripts/images.sh" list | grep "/$1:"; }
# addon_apply MANIFEST SED_EXPR...: the add-on's manifest, its @PLACEHOLDERS@ filled, applied.
addon_apply() {
  local manifest="$1" expr args=()
  shift
  for expr in "$@"; do args+=(-e "${expr}"); done
  sed "${args[@]}" "${manifest}" | kc apply -f - >/dev/null
}
# addon_wait NAMESPACE DEPLOYMENT WHAT: wait for the rollout, or stop up naming what to look at.
addon_wait() {
  local timeout="${CLUSTER_START_TIMEOUT:-180}"
  if ! kc -n "$1" rollout status "deployment/$2" --timeout="${timeout}s" >/dev/null 2>&1; then
    fail "$2" "$3 did not become ready within ${timeout}s; see: kubectl -n $1 describe pod; kubectl -n $1 logs deploy/$2"
  fi
}

# addons_load: source every add-on file in name order; ADDONS= their names.
addons_load() {
  local f
  ADDONS=()
  for f in "${CLUSTER_ADDONS_DIR}"/*.sh; do
    [[ -f "${f}" ]] || continue # no add-ons: the pattern stays unexpanded
    # shellcheck source=/dev/null
    source "${f}"
    ADDONS+=("$(basename "${f}" .sh)")
  done
}

cluster_addons_up() {
  local name fn t0
  addons_load
  for name in "${ADDONS[@]}"; do
    fn="addon_${name//-/_}_up"
    declare -F "${fn}" >/dev/null || continue
    say "add-on ${name}: starting (scripts/cluster/addons/${name}.sh)"
    t0=$(date +%s)
    "${fn}"
    say "add-on ${name}: ready after $(($(date +%s) - t0))s"
  done
}

cluster_addons_down() {
  local i name fn rc
  addons_load
  for ((i = ${#ADDONS[@]} - 1; i >= 0; i--)); do
    name="${ADDONS[i]}"
    fn="addon_${name//-/_}_down"
    declare -F "${fn}" >/dev/null || continue
    say "add-on ${name}: removing"
    # a subshell keeps errexit on inside the add-on's function, and its failure from stopping down
    set +e
    (set -e; "${fn}")
    rc=$?
    set -e
    [[ ${rc} -eq 0 ]] || warn "add-on ${name}: down failed (exit ${rc}); stopping the cluster anyway"
  done
}
