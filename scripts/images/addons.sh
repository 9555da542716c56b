# shellcheck shell=bash
# Images of the embedded cluster's add-ons, sourced by scripts/images.sh. Their binaries are built
# from Go modules by scripts/cluster/build-addons.sh (cached by version; versions in
# scripts/cluster/versions.sh), which `scripts/images.sh build` runs first:
#   localhost/redis-platform/local-path-provisioner:<version>
#       /usr/local/bin/local-path-provisioner, and busybox-static's sh, mkdir, rm, chmod and ls: the
#       provisioner's helper pods run `/bin/sh /script/setup|teardown` (mkdir -m 0777 -p, rm -rf)
#       in this same image. The image's user is root, as the helper needs it to create directories
#       on a root-owned hostPath; the provisioner's own Deployment sets its securityContext.
#   localhost/redis-platform/traefik:<version>
#       /usr/local/bin/traefik as the entrypoint, uid 65532 (listens on unprivileged ports only).
# kube-router has no image: it runs as a host process next to kubelet and kube-proxy.
# Each archive is keyed by the image scripts, the add-on's version and its build stamp (the build
# recipe's hash and time), so a new version or a rebuilt binary gives a new archive.

# shellcheck source=scripts/cluster/versions.sh
source "${HERE}/cluster/versions.sh"
IMG_LOCAL_PATH="localhost/redis-platform/local-path-provisioner:${CLUSTER_LOCAL_PATH_VERSION}"
IMG_TRAEFIK="localhost/redis-platform/traefik:${CLUSTER_TRAEFIK_VERSION}"
# shellcheck disable=SC2034 # used by scripts/images.sh
ADDON_IMAGES=("${IMG_LOCAL_PATH}" "${IMG_TRAEFIK}")
declare -A ADDON_OF=(["${IMG_LOCAL_PATH}"]=local-path-provisioner ["${IMG_TRAEFIK}"]=traefik)
debs_for "${IMG_LOCAL_PATH}" "${BUSYBOX_DEB}"

# addon_binaries: builds the add-ons these images need (a no-op when they are in the cache).
addon_binaries() {
  bash "${HERE}/cluster/build-addons.sh" "${ADDON_OF[@]}" \
    || die "the add-on binaries could not be built (see the build log named above); retry with: bash scripts/cluster/build-addons.sh ${ADDON_OF[*]}"
}

# addon_key IMAGE: the archive's key (see above).
addon_key() {
  local name="${ADDON_OF[$1]}"
  { cat "${HERE}/images.sh" "${BASH_SOURCE[0]}"
    echo "${name} $(cluster_addon_version "${name}")"
    cat "$(cluster_addon_dir "${name}")/.complete" 2>/dev/null || true
  } | sha256sum | cut -c1-12
}

# addon_root NAME: a new image root with the add-on's binary in /usr/local/bin.
addon_root() {
  local root bin
  bin="$(cluster_addon_bin "$1")"
  cluster_addon_ready "$1" || die "${bin} is not built: run 'bash scripts/cluster/build-addons.sh $1'"
  root="$(mktemp -d "${CACHE}/.root.XXXXXX")"
  chmod 0755 "${root}" # the image's / (mktemp makes it 0700, which a non-root user cannot traverse)
  mkdir -p "${root}/usr/local/bin"
  install -m 0755 "${bin}" "${root}/usr/local/bin/$1"
  echo "${root}"
}

# in_root ROOT USER CMD...: runs CMD inside the image root as USER (a start-up check; needs root).
in_root() {
  local root="$1" user="$2"; shift 2
  env -i PATH=/usr/local/bin:/bin "$(command -v chroot)" --userspec="${user}" "${root}" "$@" 2>&1
}

build_local_path() {
  local root out a
  root="$(addon_root local-path-provisioner)"
  fetch_debs "${root}" "${IMG_LOCAL_PATH}"
  rm -rf "${root:?}/usr/share"
  for a in sh mkdir rm chmod ls; do ln -sf busybox "${root}/bin/${a}"; done
  base_files "${root}" "nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin" "nogroup:x:65534:"
  if [[ "$(id -u)" == 0 ]]; then
    out="$(in_root "${root}" 0:0 local-path-provisioner --version)" || true
    grep -qF "${CLUSTER_LOCAL_PATH_VERSION}" <<<"${out}" || die "local-path-provisioner does not run in its image root: ${out}"
    # what the helper pod's setup and teardown scripts do
    out="$(in_root "${root}" 0:0 /bin/sh -c 'set -eu; mkdir -m 0777 -p /tmp/pv/a; ls -ld /tmp/pv/a; chmod 0700 /tmp/pv; rm -rf /tmp/pv; [ ! -e /tmp/pv ] && echo removed')" || true
    if ! grep -q '^drwxrwxrwx' <<<"${out}" || ! grep -qx removed <<<"${out}"; then
      die "the helper scripts' commands (mkdir -m 0777 -p, rm -rf) do not work in the local-path-provisioner image root: ${out}"
    fi
  fi
  pack "${root}" "${IMG_LOCAL_PATH}" '{"User":"0:0","Cmd":["/usr/local/bin/local-path-provisioner"],"Env":["PATH=/usr/local/bin:/bin"]}'
  rm -rf "${root}"
}

build_traefik() {
  local root out
  root="$(addon_root traefik)"
  base_files "${root}" "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin" "nonroot:x:65532:"
  if [[ "$(id -u)" == 0 ]]; then
    out="$(in_root "${root}" 65532:65532 traefik version)" || true
    grep -qF "${CLUSTER_TRAEFIK_VERSION#v}" <<<"${out}" || die "traefik does not run in its image root as uid 65532: ${out}"
  fi
  pack "${root}" "${IMG_TRAEFIK}" '{"User":"65532:65532","Entrypoint":["/usr/local/bin/traefik"],"Env":["PATH=/usr/local/bin"],"ExposedPorts":{"8000/tcp":{}}}'
  rm -rf "${root}"
}
