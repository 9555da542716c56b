#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Builds the embedded cluster's add-ons from their Go modules (versions in versions.sh):
#   local-path-provisioner  github.com/rancher/local-path-provisioner (the local-path StorageClass)
#   traefik                 github.com/traefik/traefik/v3 ./cmd/traefik (the Ingress controller)
#   kube-router             github.com/cloudnativelabs/kube-router/v2 ./cmd/kube-router (NetworkPolicy
#                           firewall), with the dependencies listed in versions.sh raised
# each into ${REDIS_PLATFORM_CACHE:-$HOME/.cache/redis-platform}/cluster/addon-<name>-<version>/bin/<name>.
#
# Each add-on is built in a wrapper module (it requires the add-on's module and carries its
# replace/exclude directives) in a temporary directory renamed into place when done; a stamp
# (.complete, with the recipe's hash) marks a finished build, so a warm run returns at once.
# Nothing is started.
#
# Usage: scripts/cluster/build-addons.sh [--force] [NAME...]    (no NAME: all of them)
set -Eeuo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
source "${HERE}/versions.sh"
# shellcheck source=gobuild.sh
source "${HERE}/gobuild.sh"

say() { printf '[addon build] %s\n' "$*"; }
die() { printf '[addon build] ERROR: %s\n' "$*" >&2; exit 1; }

FORCE=0
NAMES=()
for arg in "$@"; do
  case "${arg}" in
    --force) FORCE=1 ;;
    -h|--help) sed -n '3,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option: ${arg} (usage: scripts/cluster/build-addons.sh [--force] [NAME...])" ;;
    *) cluster_addon_version "${arg}" >/dev/null || die "unknown add-on '${arg}': choose from ${CLUSTER_ADDONS[*]}"
       NAMES+=("${arg}") ;;
  esac
done
[[ ${#NAMES[@]} -gt 0 ]] || NAMES=("${CLUSTER_ADDONS[@]}")

# recipe NAME: how the add-on is built, in MODULE, PKG, GO_MIN (Go 1.x the module needs), LDFLAGS
# (@DATE@ stands for the release's date from the module proxy), RAISE (module@version to go get),
# CHECK (arguments that print the version) and RECIPE (a hash of all that, kept in the stamp).
recipe() {
  VERSION="$(cluster_addon_version "$1")"
  RAISE=()
  case "$1" in
    local-path-provisioner)
      MODULE=github.com/rancher/local-path-provisioner PKG="${MODULE}" GO_MIN=23
      LDFLAGS="-s -w -X main.VERSION=${VERSION}"
      CHECK=(--version) ;;
    traefik)
      # Codename: the v3.6 line's release name, as the release builds set it (CODENAME).
      MODULE=github.com/traefik/traefik/v3 PKG="${MODULE}/cmd/traefik" GO_MIN=25
      LDFLAGS="-s -w -X ${MODULE}/pkg/version.Version=${VERSION#v} -X ${MODULE}/pkg/version.Codename=ramequin"
      LDFLAGS+=" -X ${MODULE}/pkg/version.BuildDate=@DATE@"
      CHECK=(version) ;;
    kube-router)
      MODULE=github.com/cloudnativelabs/kube-router/v2 PKG="${MODULE}/cmd/kube-router" GO_MIN=26
      LDFLAGS="-s -w -X ${MODULE}/pkg/version.Version=${VERSION} -X ${MODULE}/pkg/version.BuildDate=@DATE@"
      RAISE=("${CLUSTER_KUBE_ROUTER_RAISE[@]}")
      CHECK=(--version) ;;
  esac
  RECIPE="$(printf '%s\n' "${MODULE}@${VERSION}" "${PKG}" "${LDFLAGS}" "${RAISE[@]}" | sha256sum | cut -c1-12)"
}

# built NAME: a finished build of this version and recipe is in the cache.
built() {
  cluster_addon_ready "$1" && grep -qxF "recipe ${RECIPE}" "$(cluster_addon_dir "$1")/.complete"
}

# build NAME: builds one add-on (run in a subshell: its traps and lock end with it).
build() {
  local name="$1" dir bin_dir gomod info commit date src
  dir="$(cluster_addon_dir "${name}")"
  bin_dir="${dir}/bin"
  go_require "${GO_MIN}" "${name} ${VERSION}"
  mkdir -p "${CLUSTER_CACHE_ROOT}/logs"
  LOG="${CLUSTER_CACHE_ROOT}/logs/build-addon-${name}-${VERSION}-$(date +%Y%m%d-%H%M%S).log"
  : >"${LOG}"

  # One build of an add-on at a time (a second caller waits, then finds it built).
  exec 9>"${CLUSTER_CACHE_ROOT}/.addon-${name}.lock"
  if ! flock -n 9; then
    say "another build of ${name} is running (lock ${CLUSTER_CACHE_ROOT}/.addon-${name}.lock); waiting for it..."
    flock 9
    if [[ ${FORCE} -eq 0 ]] && built "${name}"; then
      say "${name} ${VERSION} was built by the other run: ${bin_dir}"
      return 0
    fi
  fi

  TMP="$(mktemp -d "${CLUSTER_CACHE_ROOT}/.tmp-addon-${name}.XXXXXX")"
  trap 'rm -rf "${TMP}"' EXIT
  trap 'echo; die "interrupted; full build log: ${LOG}"' INT TERM
  trap 'die "build script failed at line ${LINENO} (step: ${STEP_NAME:-setup}); full build log: ${LOG}"' ERR
  chmod 755 "${TMP}"
  src="${TMP}/src"
  mkdir -p "${TMP}/bin" "${src}"
  export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-buildvcs=false"

  START=$(date +%s)
  say "building ${name} ${VERSION} with $(go env GOVERSION) into ${bin_dir}"
  say "full build log: ${LOG}"

  step "resolve ${MODULE}@${VERSION}"
  mod_download "${MODULE}@${VERSION}"
  STEP_NAME="resolve ${MODULE}@${VERSION}"
  gomod="$(json_field GoMod)"
  [[ -f "${gomod}" ]] || die "go.mod of ${MODULE}@${VERSION} not found; full build log: ${LOG}"
  info="$(json_field Info)"
  commit="$(info_field "${info}" Hash)"
  date="$(info_field "${info}" Time)"
  {
    echo "// Generated by scripts/cluster/build-addons.sh: builds ${PKG} ${VERSION}"
    echo "// with the replace and exclude directives of its own go.mod."
    echo "module redis-platform.local/cluster-build/addon-${name}"
    echo
    echo "go $(go_directive "${gomod}")"
    awk '/^godebug \(/{b=1;print;next} b{print; if($0 ~ /^\)/) b=0; next} /^godebug /{print}' "${gomod}"
    echo
    echo "require ${MODULE} ${VERSION}"
    echo
    # replace/exclude only apply in the main module: copy them (blocks and single lines)
    awk '/^(replace|exclude) \(/{b=1;print;next} b{print; if($0 ~ /^\)/) b=0; next} /^(replace|exclude) /{print}' "${gomod}"
  } >"${src}/go.mod"
  step_done

  if [[ ${#RAISE[@]} -gt 0 ]]; then
    step "raise ${#RAISE[@]} dependencies (go get)"
    run go -C "${src}" get "${RAISE[@]}"
    step_done
  fi
  printf '\n# wrapper go.mod for %s:\n' "${name}" >>"${LOG}"; cat "${src}/go.mod" >>"${LOG}"

  step "${name} ${VERSION} (go build; minutes on a cold module cache)"
  run go -C "${src}" build -mod=mod -trimpath -ldflags "${LDFLAGS//@DATE@/${date}}" -o "${TMP}/bin/${name}" "${PKG}"
  step_done

  step "check ${name}"
  run "${TMP}/bin/${name}" "${CHECK[@]}"
  "${TMP}/bin/${name}" "${CHECK[@]}" 2>&1 | grep -qF "${VERSION#v}" \
    || die "'${name} ${CHECK[*]}' does not report ${VERSION}; full build log: ${LOG}"
  step_done

  local end; end=$(date +%s)
  {
    echo "name: ${name}"
    echo "module: ${MODULE}@${VERSION}${commit:+ (commit ${commit})}"
    echo "package: ${PKG}"
    echo "released: ${date}"
    echo "ldflags: ${LDFLAGS//@DATE@/${date}}"
    [[ ${#RAISE[@]} -eq 0 ]] || echo "raised: ${RAISE[*]}"
    echo "go: $(go env GOVERSION)"
    echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores"
    echo "total: $((end - START))s"
    for t in "${TIMINGS[@]}"; do echo "step ${t}"; done
    echo
    echo "# go version -m (the module versions inside the binary):"
    (cd "${TMP}/bin" && go version -m "${name}")
  } >"${TMP}/BUILD-INFO"
  cp "${LOG}" "${TMP}/build.log"
  rm -f "${TMP}/info.json"
  printf '%s\nrecipe %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${RECIPE}" >"${TMP}/.complete"
  rm -rf "${dir}.old"
  [[ ! -e "${dir}" ]] || mv "${dir}" "${dir}.old"
  mv "${TMP}" "${dir}"
  rm -rf "${dir}.old"
  trap - EXIT
  say "built ${name} ${VERSION} in $((end - START))s ($(du -h "${bin_dir}/${name}" | cut -f1)): ${bin_dir}/${name}"
}

for name in "${NAMES[@]}"; do
  recipe "${name}"
  if [[ ${FORCE} -eq 0 ]] && built "${name}"; then
    say "${name} ${VERSION} already built: $(cluster_addon_bin "${name}")"
    continue
  fi
  (build "${name}")
done
