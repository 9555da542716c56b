# shellcheck shell=bash
# Helpers for building binaries from Go modules, sourced by scripts/cluster/build.sh and
# scripts/cluster/build-addons.sh. The caller defines say and die, and sets
#   LOG    the build log (every command's output is appended to it)
#   TMP    the temporary build directory (mod_download writes ${TMP}/info.json)
#   START  the build's start (date +%s), for the progress lines
# STEP_NAME is the current step (used in failure messages), TIMINGS the finished steps.

TIMINGS=()
STEP_NAME=""

# go_require MINOR WHAT: Go >= 1.MINOR is on PATH, or stop saying that WHAT needs it.
go_require() {
  command -v go >/dev/null 2>&1 || die "Go is not on PATH (need Go >= 1.$1 to build $2); install Go or add /usr/local/go/bin to PATH"
  local minor
  minor="$(go env GOVERSION | sed -nE 's/^go1\.([0-9]+).*/\1/p')"
  [[ -n "${minor}" && "${minor}" -ge "$1" ]] || die "Go $(go env GOVERSION) is too old: $2 needs Go >= 1.$1"
}

step() {
  STEP_NAME="$1"
  STEP_START=$(date +%s)
  say "$(printf '[%4ss] %s ...' "$((STEP_START - START))" "$1")"
}
step_done() {
  local now
  now=$(date +%s)
  TIMINGS+=("${STEP_NAME}: $((now - STEP_START))s")
  say "$(printf '[%4ss] %s done in %ss' "$((now - START))" "${STEP_NAME}" "$((now - STEP_START))")"
}
# run CMD...: append its output to the log; on failure show that output and stop.
run() {
  printf '\n$ %s\n' "$*" >>"${LOG}"
  local from
  from=$(($(wc -l <"${LOG}") + 1))
  if ! "$@" >>"${LOG}" 2>&1; then
    trap - ERR
    echo "----- output of the failed command (last 25 lines) -----" >&2
    tail -n "+${from}" "${LOG}" | tail -n 25 >&2
    echo "-----" >&2
    die "step '${STEP_NAME}' failed; full build log: ${LOG}"
  fi
}
# mod_download MODULE@VERSION: download a module; its `go mod download -json`
# description goes to ${TMP}/info.json (read with json_field).
mod_download() {
  STEP_NAME="download $1"
  run go -C "${TMP}" mod download -json "$1"
  (cd "${TMP}" && go mod download -json "$1") >"${TMP}/info.json" 2>>"${LOG}"
}
json_field() { sed -nE "s/^[[:space:]]*\"$1\": \"([^\"]*)\".*/\1/p" "${TMP}/info.json" | head -n 1; }
# info_field INFO_FILE FIELD: Time, or Hash (the tag's commit, when the proxy knows it),
# from a module's .info file (one-line JSON).
info_field() {
  [[ -f "$1" ]] || return 0
  case "$2" in
    Time) sed -nE 's/.*"Time": *"([^"]+)".*/\1/p' "$1" | head -n 1 ;;
    Hash) { grep -oE '"Hash": *"[0-9a-f]{40}"' "$1" || true; } | grep -oE '[0-9a-f]{40}' | head -n 1 || true ;;
  esac
}
# go_directive GO_MOD_FILE: the `go` line of a go.mod file.
go_directive() { sed -nE 's/^go ([0-9.]+)[[:space:]]*$/\1/p' "$1" | head -n 1; }
