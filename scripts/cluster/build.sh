#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Builds the embedded cluster's binaries from Go modules:
#   etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kwok
# into ${REDIS_PLATFORM_CACHE:-$HOME/.cache/redis-platform}/cluster/<versions>/bin,
# and with --node (the real node, CLUSTER_NODE=real) also
#   kubelet, kube-proxy (same k8s.io/kubernetes build), coredns
# into ${REDIS_PLATFORM_CACHE:-$HOME/.cache/redis-platform}/cluster/<node versions>/bin.
#
# The build happens in a temporary directory next to the destination and is
# renamed into place once every binary is built; a stamp file (.complete) marks
# a finished build, so a warm run returns at once.
#
# Usage: scripts/cluster/build.sh [--force] [--node]
set -Eeuo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
source "${HERE}/versions.sh"

FORCE=0
NODE=0
for arg in "$@"; do
  case "${arg}" in
    --force) FORCE=1 ;;
    --node) NODE=1 ;;
    -h|--help) sed -n '3,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build.sh: unknown argument: ${arg}" >&2; exit 2 ;;
  esac
done

say() { printf '[cluster build] %s\n' "$*"; }
die() { printf '[cluster build] ERROR: %s\n' "$*" >&2; exit 1; }

if [[ ${NODE} -eq 1 ]]; then
  # the control plane first (a no-op when built), then the node's binaries
  if [[ ${FORCE} -eq 1 ]]; then bash "${BASH_SOURCE[0]}" --force; else bash "${BASH_SOURCE[0]}"; fi
  if [[ ${FORCE} -eq 0 ]] && cluster_node_binaries_ready; then
    say "node binaries for ${CLUSTER_NODE_BUILD_NAME} already built: ${CLUSTER_NODE_BIN_DIR}"
    exit 0
  fi
  # from here on this run builds the node set
  CLUSTER_BUILD_NAME="${CLUSTER_NODE_BUILD_NAME}"
  CLUSTER_BUILD_DIR="${CLUSTER_NODE_BUILD_DIR}"
  CLUSTER_BIN_DIR="${CLUSTER_NODE_BIN_DIR}"
elif [[ ${FORCE} -eq 0 ]] && cluster_binaries_ready; then
  say "binaries for ${CLUSTER_BUILD_NAME} already built: ${CLUSTER_BIN_DIR}"
  exit 0
fi

command -v go >/dev/null 2>&1 || die "Go is not on PATH (need Go >= 1.24 to build Kubernetes ${CLUSTER_K8S_VERSION}); install Go or add /usr/local/go/bin to PATH"
GO_MINOR="$(go env GOVERSION | sed -nE 's/^go1\.([0-9]+).*/\1/p')"
[[ -n "${GO_MINOR}" && "${GO_MINOR}" -ge 24 ]] || die "Go $(go env GOVERSION) is too old: Kubernetes ${CLUSTER_K8S_VERSION} needs Go >= 1.24"

mkdir -p "${CLUSTER_CACHE_ROOT}/logs"
LOG="${CLUSTER_CACHE_ROOT}/logs/build-${CLUSTER_BUILD_NAME}-$(date +%Y%m%d-%H%M%S).log"
: >"${LOG}"

# One build at a time per cache (a second caller waits, then finds it built).
exec 9>"${CLUSTER_CACHE_ROOT}/.build.lock"
if ! flock -n 9; then
  say "another build is running (lock ${CLUSTER_CACHE_ROOT}/.build.lock); waiting for it..."
  flock 9
  if [[ ${FORCE} -eq 0 && ${NODE} -eq 0 ]] && cluster_binaries_ready; then
    say "binaries for ${CLUSTER_BUILD_NAME} were built by the other run: ${CLUSTER_BIN_DIR}"
    exit 0
  fi
  if [[ ${FORCE} -eq 0 && ${NODE} -eq 1 ]] && cluster_node_binaries_ready; then
    say "node binaries for ${CLUSTER_BUILD_NAME} were built by the other run: ${CLUSTER_BIN_DIR}"
    exit 0
  fi
fi

TMP="$(mktemp -d "${CLUSTER_CACHE_ROOT}/.tmp-${CLUSTER_BUILD_NAME}.XXXXXX")"
cleanup() { rm -rf "${TMP}"; }
trap cleanup EXIT
trap 'echo; die "interrupted; full build log: ${LOG}"' INT TERM
trap 'die "build script failed at line ${LINENO} (step: ${STEP_NAME:-setup}); full build log: ${LOG}"' ERR
chmod 755 "${TMP}"
mkdir -p "${TMP}/bin" "${TMP}/src/kubernetes" "${TMP}/src/etcd"

export CGO_ENABLED=0
export GOTOOLCHAIN=local
export GOFLAGS="-buildvcs=false"

START=$(date +%s)
STEP_START=${START}
TIMINGS=()
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

say "building ${CLUSTER_BUILD_NAME} with $(go env GOVERSION) into ${CLUSTER_BIN_DIR}"
say "full build log: ${LOG}"

K8S_MINOR="$(echo "${CLUSTER_K8S_VERSION}" | cut -d. -f2)"
STAGING_VERSION="v0.${CLUSTER_K8S_VERSION#v1.}"

# ---------------------------------------------------------------- modules
step "resolve modules (k8s.io/kubernetes ${CLUSTER_K8S_VERSION}, staging ${STAGING_VERSION}, etcd ${CLUSTER_ETCD_VERSION})"
STEP="${STEP_NAME}"
mod_download "k8s.io/kubernetes@${CLUSTER_K8S_VERSION}"
K8S_GOMOD="$(json_field GoMod)"
[[ -f "${K8S_GOMOD}" ]] || die "go.mod of k8s.io/kubernetes@${CLUSTER_K8S_VERSION} not found; full log: ${LOG}"
K8S_INFO="$(json_field Info)"
K8S_COMMIT="$(info_field "${K8S_INFO}" Hash)"
K8S_DATE="$(info_field "${K8S_INFO}" Time)"
# k8s.io/kubernetes points every staging module at ./staging/src/...; a module
# that depends on it must replace each one with its published v0.X.Y release.
mapfile -t STAGING < <(sed -nE 's#^[[:space:]]*(k8s\.io/[A-Za-z0-9._-]+)[[:space:]]+=>[[:space:]]+\./staging/src/.*#\1#p' "${K8S_GOMOD}")
[[ ${#STAGING[@]} -gt 10 ]] || die "could not read the staging replace list from ${K8S_GOMOD}"
{
  echo "// Generated by scripts/cluster/build.sh: builds Kubernetes ${CLUSTER_K8S_VERSION} binaries"
  echo "// from k8s.io/kubernetes with its staging modules at their ${STAGING_VERSION} releases."
  echo "module redis-platform.local/cluster-build/kubernetes"
  echo
  echo "go $(go_directive "${K8S_GOMOD}")"
  # godebug settings of k8s.io/kubernetes (single-line and block forms).
  awk '/^godebug \(/{b=1;print;next} b{print; if($0 ~ /^\)/) b=0; next} /^godebug /{print}' "${K8S_GOMOD}"
  echo
  echo "require k8s.io/kubernetes ${CLUSTER_K8S_VERSION}"
  echo
  echo "replace ("
  for m in "${STAGING[@]}"; do echo "	${m} => ${m} ${STAGING_VERSION}"; done
  echo ")"
} >"${TMP}/src/kubernetes/go.mod"
printf '\n# generated go.mod for kubernetes:\n' >>"${LOG}"; cat "${TMP}/src/kubernetes/go.mod" >>"${LOG}"

K8S_LDFLAGS="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  K8S_LDFLAGS+=" -X ${pkg}.gitVersion=${CLUSTER_K8S_VERSION}"
  K8S_LDFLAGS+=" -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${K8S_MINOR}"
  K8S_LDFLAGS+=" -X ${pkg}.gitTreeState=clean"
  # gitCommit: the tag's commit when the module proxy reports it (it does not
  # always); otherwise empty rather than the unexpanded "$Format:%H$" placeholder.
  K8S_LDFLAGS+=" -X ${pkg}.gitCommit=${K8S_COMMIT}"
  [[ -n "${K8S_DATE}" ]] && K8S_LDFLAGS+=" -X ${pkg}.buildDate=${K8S_DATE}"
done

if [[ ${NODE} -eq 1 ]]; then
  step_done
  for cmd in kubelet kube-proxy; do
    step "${cmd} ${CLUSTER_K8S_VERSION}"
    run go -C "${TMP}/src/kubernetes" build -mod=mod -trimpath -ldflags "${K8S_LDFLAGS}" \
      -o "${TMP}/bin/${cmd}" "k8s.io/kubernetes/cmd/${cmd}"
    step_done
  done
  step "coredns ${CLUSTER_COREDNS_VERSION}"
  # coredns's go.mod has no replace directives: go install uses exactly its release's dependencies.
  run env GOBIN="${TMP}/bin" go install -trimpath -ldflags "-s -w" "github.com/coredns/coredns@${CLUSTER_COREDNS_VERSION}"
  step_done
  step "check binaries"
  run "${TMP}/bin/kubelet" --version
  run "${TMP}/bin/kube-proxy" --version
  run "${TMP}/bin/coredns" -version
  "${TMP}/bin/kubelet" --version 2>/dev/null | grep -q "${CLUSTER_K8S_VERSION}" \
    || die "kubelet does not report ${CLUSTER_K8S_VERSION}; full build log: ${LOG}"
  step_done
else
mod_download "go.etcd.io/etcd/server/v3@${CLUSTER_ETCD_VERSION}"
STEP_NAME="${STEP}"
ETCD_GOMOD="$(json_field GoMod)"
ETCD_INFO="$(json_field Info)"
ETCD_COMMIT="$(info_field "${ETCD_INFO}" Hash)"
{
  echo "// Generated by scripts/cluster/build.sh: builds etcd ${CLUSTER_ETCD_VERSION} from go.etcd.io/etcd/server/v3"
  echo "// (whose own go.mod has local replace directives, so it cannot be go-installed directly)."
  echo "module redis-platform.local/cluster-build/etcd"
  echo
  echo "go $(go_directive "${ETCD_GOMOD}")"
  echo
  echo "require go.etcd.io/etcd/server/v3 ${CLUSTER_ETCD_VERSION}"
} >"${TMP}/src/etcd/go.mod"
step_done

# ---------------------------------------------------------------- etcd
step "etcd ${CLUSTER_ETCD_VERSION}"
run go -C "${TMP}/src/etcd" build -mod=mod -trimpath \
  -ldflags "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=${ETCD_COMMIT:0:7}" \
  -o "${TMP}/bin/etcd" go.etcd.io/etcd/server/v3
step_done

# ---------------------------------------------------------------- kubernetes
for cmd in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  step "${cmd} ${CLUSTER_K8S_VERSION}"
  run go -C "${TMP}/src/kubernetes" build -mod=mod -trimpath -ldflags "${K8S_LDFLAGS}" \
    -o "${TMP}/bin/${cmd}" "k8s.io/kubernetes/cmd/${cmd}"
  step_done
done

# ---------------------------------------------------------------- kwok
step "kwok ${CLUSTER_KWOK_VERSION}"
# kwok's go.mod has no replace directives: go install uses exactly its release's dependencies.
run env GOBIN="${TMP}/bin" go install -trimpath \
  -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${CLUSTER_KWOK_VERSION} -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=${CLUSTER_K8S_VERSION}" \
  "sigs.k8s.io/kwok/cmd/kwok@${CLUSTER_KWOK_VERSION}"
step_done

# ---------------------------------------------------------------- check + install
step "check binaries"
run "${TMP}/bin/etcd" --version
run "${TMP}/bin/kube-apiserver" --version
run "${TMP}/bin/kubectl" version --client
run "${TMP}/bin/kwok" --version
"${TMP}/bin/kube-apiserver" --version 2>/dev/null | grep -q "${CLUSTER_K8S_VERSION}" \
  || die "kube-apiserver does not report ${CLUSTER_K8S_VERSION}; full build log: ${LOG}"
step_done
fi

END=$(date +%s)
{
  echo "name: ${CLUSTER_BUILD_NAME}"
  echo "kubernetes: ${CLUSTER_K8S_VERSION} ${K8S_COMMIT}"
  [[ ${NODE} -eq 1 ]] || echo "etcd: ${CLUSTER_ETCD_VERSION} ${ETCD_COMMIT:-}"
  if [[ ${NODE} -eq 1 ]]; then echo "coredns: ${CLUSTER_COREDNS_VERSION}"; else echo "kwok: ${CLUSTER_KWOK_VERSION}"; fi
  echo "go: $(go env GOVERSION)"
  echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores"
  echo "total: $((END - START))s"
  for t in "${TIMINGS[@]}"; do echo "step ${t}"; done
} >"${TMP}/BUILD-INFO"
cp "${LOG}" "${TMP}/build.log"
date -u +%Y-%m-%dT%H:%M:%SZ >"${TMP}/.complete"
rm -rf "${TMP}/info.json"
if [[ -e "${CLUSTER_BUILD_DIR}" ]]; then
  rm -rf "${CLUSTER_BUILD_DIR}.old"
  mv "${CLUSTER_BUILD_DIR}" "${CLUSTER_BUILD_DIR}.old"
fi
mv "${TMP}" "${CLUSTER_BUILD_DIR}"
rm -rf "${CLUSTER_BUILD_DIR}.old"
trap - EXIT
say "built ${CLUSTER_BUILD_NAME} in $((END - START))s ($(du -sh "${CLUSTER_BIN_DIR}" | cut -f1) of binaries): ${CLUSTER_BIN_DIR}"
