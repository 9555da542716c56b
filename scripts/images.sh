#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Container images for the embedded cluster's real node (CLUSTER_NODE=real), built locally
# without a registry from pinned Debian bookworm packages and Go modules:
#   localhost/redis-platform/pause:1.0                      static Go pause (scripts/images/pause)
#   localhost/redis-platform/redis:7.0.15-debian12          Debian redis-server + redis-cli, busybox-static sh/grep
#   localhost/redis-platform/nginx-unprivileged:1.22.1-debian12
#                                                           Debian nginx, runs as uid 101 on 8080,
#                                                           includes /etc/nginx/conf.d/*.conf, pid+temp in /tmp
#   localhost/redis-platform/http-echo:1.0.0                github.com/hashicorp/http-echo v1.0.0, static, uid 65532
#   localhost/redis-platform/order-service:0.1.0            services/order-service on Node.js 20, uid 65532
#   localhost/redis-platform/guestbook-frontend:0.1.0       services/guestbook-frontend, the same way
#   localhost/redis-platform/redis-role-labeler:0.1.0       services/redis-role-labeler, the same way
#                                                           (all three: scripts/images/node-service.sh)
#   localhost/redis-platform/local-path-provisioner:<version>
#   localhost/redis-platform/traefik:<version>              the cluster's add-ons (versions in scripts/cluster/
#                                                           versions.sh), binaries built from Go modules
#                                                           (scripts/images/addons.sh)
# Each image is a docker-archive tarball (one layer, fixed timestamps, sorted entries: the same
# packages give the same image ID), cached in
#   ${REDIS_PLATFORM_CACHE:-$HOME/.cache/redis-platform}/images/
# and keyed by this script's content (the Node services' by their sources too, the add-ons' by
# their versions and builds) and by the Debian package versions taken, so a warm run returns at
# once. The Debian pins hold the upstream version; a newer Debian revision of it is taken (and
# said) when the archive dropped the pinned one; the list taken is printed and written into the
# image as /usr/share/redis-platform/packages.txt (pins and policy: scripts/images/debs.sh).
#
# Usage: scripts/images.sh build                 build what is missing (idempotent)
#        scripts/images.sh import CONTAINERD_SOCK  build if needed, then import what the
#                                                  containerd at that socket lacks (namespace k8s.io)
#        scripts/images.sh list                  image names, one a line
#        scripts/images.sh --force build         rebuild everything, resolving the Debian pins again
set -Eeuo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${REDIS_PLATFORM_CACHE:-${HOME}/.cache/redis-platform}/images"
DEBS="${CACHE}/debs"
T0=$(date +%s)
say() { printf '[images %4ss] %s\n' "$(($(date +%s) - T0))" "$*"; }
die() { printf '[images] ERROR: %s\n' "$*" >&2; exit 1; }

REDIS_VERSION=7.0.15
NGINX_VERSION=1.22.1
ECHO_VERSION=v1.0.0
PAUSE_VERSION=1.0
IMG_PAUSE="localhost/redis-platform/pause:${PAUSE_VERSION}"
IMG_REDIS="localhost/redis-platform/redis:${REDIS_VERSION}-debian12"
IMG_NGINX="localhost/redis-platform/nginx-unprivileged:${NGINX_VERSION}-debian12"
IMG_ECHO="localhost/redis-platform/http-echo:${ECHO_VERSION#v}"

# shellcheck source=scripts/images/debs.sh
source "${HERE}/images/debs.sh"
debs_for "${IMG_REDIS}" "${REDIS_DEBS[@]}"
debs_for "${IMG_NGINX}" "${NGINX_DEBS[@]}"
# shellcheck source=scripts/images/node-service.sh
source "${HERE}/images/node-service.sh"
# shellcheck source=scripts/images/addons.sh
source "${HERE}/images/addons.sh"
ALL_IMAGES=("${IMG_PAUSE}" "${IMG_REDIS}" "${IMG_NGINX}" "${IMG_ECHO}" "${NODE_IMAGES[@]}" "${ADDON_IMAGES[@]}")

KEY="$(cat "${BASH_SOURCE[0]}" "${HERE}/images/pause/main.go" | sha256sum | cut -c1-12)"
key_of() { # the image's own key, followed by its resolved Debian packages (debs_key)
  if [[ -n "${ADDON_OF[$1]:-}" ]]; then debs_key "$1" "$(addon_key "$1")"
  elif [[ -n "${NODE_SERVICE[$1]:-}" ]]; then debs_key "$1" "$(node_service_key "$1")"
  else debs_key "$1" "${KEY}"; fi
}
declare -A IMAGE_KEYS=()
# image_keys: every image's key, worked out once (archive_of runs often, in $(...))
image_keys() { local img; for img in "${ALL_IMAGES[@]}"; do IMAGE_KEYS["${img}"]="$(key_of "${img}")"; done; }
archive_of() { local n="${1#localhost/redis-platform/}"; echo "${CACHE}/${n//[:\/]/_}-${IMAGE_KEYS[$1]:-$(key_of "$1")}.tar"; }

# base_files ROOT USERLINE GROUPLINE: /etc/passwd, /etc/group, /tmp, nsswitch-free minimal files.
base_files() {
  local root="$1"
  mkdir -p "${root}/etc" "${root}/tmp" "${root}/dev" "${root}/proc" "${root}/sys"
  chmod 1777 "${root}/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\n%s\n' "$2" >"${root}/etc/passwd"
  printf 'root:x:0:\n%s\n' "$3" >"${root}/etc/group"
}

# check_libs ROOT BINARY...: every shared library the binaries need is inside ROOT.
check_libs() {
  local root="$1" bin lib; shift
  for bin in "$@"; do
    while read -r lib; do
      [[ -z "${lib}" ]] && continue
      [[ -e "${root}/lib/x86_64-linux-gnu/${lib}" || -e "${root}/usr/lib/x86_64-linux-gnu/${lib}" || -e "${root}/lib64/${lib}" ]] \
        || die "${bin}: library ${lib} is not in the image (add its Debian package to scripts/images.sh)"
    done < <(objdump -p "${root}${bin}" 2>/dev/null | awk '/NEEDED/{print $2}')
  done
}

# pack ROOT NAME CONFIG_JSON(without rootfs): writes the docker archive for NAME.
pack() {
  local root="$1" name="$2" cfg="$3" out work diff conf
  out="$(archive_of "${name}")"
  [[ -z "${DEBS_OF[${name}]:-}" ]] || debs_record "${root}" "${name}"
  work="$(mktemp -d "${CACHE}/.pack.XXXXXX")"
  tar --sort=name --mtime=@0 --numeric-owner --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -C "${root}" -cf "${work}/layer.tar" .
  diff="$(sha256sum "${work}/layer.tar" | cut -d' ' -f1)"
  mkdir -p "${work}/${diff}"; mv "${work}/layer.tar" "${work}/${diff}/layer.tar"
  printf '{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z","config":%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"scripts/images.sh (redis-platform)"}]}' \
    "${cfg}" "${diff}" >"${work}/config.json"
  conf="$(sha256sum "${work}/config.json" | cut -d' ' -f1)"
  mv "${work}/config.json" "${work}/${conf}.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' "${conf}" "${name}" "${diff}" >"${work}/manifest.json"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "${work}" -cf "${out}.tmp" manifest.json "${conf}.json" "${diff}"
  mv "${out}.tmp" "${out}"
  rm -rf "${work}"
  say "built ${name} ($(du -h "${out}" | cut -f1), image id sha256:${conf:0:12})"
}


build_pause() {
  local root; root="$(mktemp -d "${CACHE}/.root.XXXXXX")"
  mkdir -p "${root}/bin"
  (cd "${HERE}/images/pause" && CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-buildvcs=false \
    go build -trimpath -ldflags "-s -w" -o "${root}/bin/pause" . 2>&1 | tail -n 20)
  [[ -x "${root}/bin/pause" ]] || die "go build of the pause binary failed"
  base_files "${root}" "nobody:x:65535:65535:nobody:/:/sbin/nologin" "nogroup:x:65535:"
  pack "${root}" "${IMG_PAUSE}" '{"User":"65535:65535","Entrypoint":["/bin/pause"],"Env":["PATH=/bin"]}'
  rm -rf "${root}"
}

build_echo() {
  local root gobin; root="$(mktemp -d "${CACHE}/.root.XXXXXX")"; gobin="$(mktemp -d "${CACHE}/.gobin.XXXXXX")"
  # a go.mod that requires the release (not `go install mod@version`, which also asks the proxy
  # for the module's version list; the proxy here refuses that list with 403)
  printf 'module redis-platform.local/images/http-echo\n\ngo 1.24\n\nrequire github.com/hashicorp/http-echo %s\n' "${ECHO_VERSION}" >"${gobin}/go.mod"
  (cd "${gobin}" && CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-buildvcs=false \
    go build -mod=mod -trimpath -ldflags "-s -w" -o "${root}/http-echo" github.com/hashicorp/http-echo 2>&1 | tail -n 20)
  [[ -x "${root}/http-echo" ]] || die "go build of github.com/hashicorp/http-echo@${ECHO_VERSION} failed"
  rm -rf "${gobin}"
  base_files "${root}" "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin" "nonroot:x:65532:"
  pack "${root}" "${IMG_ECHO}" '{"User":"65532:65532","Entrypoint":["/http-echo"],"Env":["PATH=/bin"],"ExposedPorts":{"5678/tcp":{}}}'
  rm -rf "${root}"
}

busybox_links() { # ROOT: sh, grep and a few tools for probes and debugging
  local a
  for a in sh ash grep cat ls ps echo sleep env id wc head tail nc ping nslookup vi mkdir rm date timeout sha1sum cut; do
    ln -sf busybox "$1/bin/${a}"
  done
}

build_redis() {
  local root; root="$(mktemp -d "${CACHE}/.root.XXXXXX")"
  fetch_debs "${root}" "${IMG_REDIS}"
  rm -rf "${root}/usr/share/doc" "${root}/usr/share/man" "${root}/usr/share/lintian" "${root}/etc/init.d" \
    "${root}/lib/systemd" "${root}/usr/lib/systemd" "${root}/etc/logrotate.d" "${root}/etc/default" "${root}/etc/redis"/*
  busybox_links "${root}"
  base_files "${root}" "redis:x:999:1000:redis:/data:/sbin/nologin" "redis:x:1000:"
  mkdir -p "${root}/data" "${root}/etc/redis" "${root}/etc/redis-auth"
  chown 999:1000 "${root}/data"
  check_libs "${root}" /usr/bin/redis-check-rdb /usr/bin/redis-cli
  [[ -x "${root}/bin/busybox" && -x "${root}/usr/bin/redis-server" ]] || die "redis image root lacks busybox or redis-server"
  pack "${root}" "${IMG_REDIS}" '{"User":"999:1000","Cmd":["redis-server"],"WorkingDir":"/data","Env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],"ExposedPorts":{"6379/tcp":{}},"Volumes":{"/data":{}}}'
  rm -rf "${root}"
}

build_nginx() {
  local root; root="$(mktemp -d "${CACHE}/.root.XXXXXX")"
  fetch_debs "${root}" "${IMG_NGINX}"
  rm -rf "${root}/usr/share/doc" "${root}/usr/share/man" "${root}/usr/share/lintian" "${root}/etc/init.d" \
    "${root}/lib/systemd" "${root}/usr/lib/systemd" "${root}/etc/logrotate.d" "${root}/etc/default" "${root}/etc/ufw" \
    "${root}/etc/nginx/sites-available" "${root}/etc/nginx/sites-enabled" "${root}/etc/nginx/modules-enabled" "${root}/etc/nginx/snippets"
  base_files "${root}" "nginx:x:101:101:nginx:/nonexistent:/sbin/nologin" "nginx:x:101:"
  mkdir -p "${root}/etc/nginx/conf.d" "${root}/var/log/nginx" "${root}/var/lib/nginx"
  # logs to the container's output; the compiled-in error log path is opened before nginx.conf is read
  ln -sf /dev/stdout "${root}/var/log/nginx/access.log"
  ln -sf /dev/stderr "${root}/var/log/nginx/error.log"
  cat >"${root}/etc/nginx/nginx.conf" <<'EOF'
# redis-platform nginx-unprivileged: runs as a non-root user on a read-only root filesystem;
# everything it writes is in /tmp (an emptyDir). Sites come from /etc/nginx/conf.d/*.conf.
worker_processes auto;
pid /tmp/nginx.pid;
error_log /dev/stderr notice;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log /dev/stdout;
    sendfile on;
    keepalive_timeout 65;
    client_body_temp_path /tmp/client_temp;
    proxy_temp_path /tmp/proxy_temp;
    fastcgi_temp_path /tmp/fastcgi_temp;
    uwsgi_temp_path /tmp/uwsgi_temp;
    scgi_temp_path /tmp/scgi_temp;
    include /etc/nginx/conf.d/*.conf;
}
EOF
  # a default site, replaced by a ConfigMap mounted over conf.d
  cat >"${root}/etc/nginx/conf.d/default.conf" <<'EOF'
server {
    listen 8080;
    location / { default_type text/plain; return 200 'nginx-unprivileged\n'; }
}
EOF
  check_libs "${root}" /usr/sbin/nginx
  pack "${root}" "${IMG_NGINX}" '{"User":"101:101","Entrypoint":["/usr/sbin/nginx","-g","daemon off;"],"Env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],"ExposedPorts":{"8080/tcp":{}},"StopSignal":"SIGQUIT"}'
  rm -rf "${root}"
}

cmd_build() {
  mkdir -p "${CACHE}"
  exec 9>"${CACHE}/.build.lock"
  flock 9
  rm -rf "${CACHE}"/.root.* "${CACHE}"/.pack.* "${CACHE}"/.gobin.*
  local img built=0
  addon_binaries
  debs_resolve "${FORCE}"
  # computed here, outside the $(...) of archive_of, so each service's key is worked out once
  for img in "${NODE_IMAGES[@]}"; do NODE_KEYS["${img}"]="$(node_service_key "${img}")"; done
  image_keys
  # the Debian packages first: a failed download resolves them again, which changes the keys
  for img in "${ALL_IMAGES[@]}"; do
    if [[ ${FORCE} -eq 1 || ! -s "$(archive_of "${img}")" ]]; then debs_fetch; image_keys; break; fi
  done
  for img in "${ALL_IMAGES[@]}"; do
    if [[ ${FORCE} -eq 0 && -s "$(archive_of "${img}")" ]]; then continue; fi
    say "building ${img}"
    case "${img}" in
      "${IMG_PAUSE}") build_pause ;;
      "${IMG_REDIS}") build_redis ;;
      "${IMG_NGINX}") build_nginx ;;
      "${IMG_ECHO}") build_echo ;;
      "${IMG_LOCAL_PATH}") build_local_path ;;
      "${IMG_TRAEFIK}") build_traefik ;;
      *) build_node_service "${img}" ;;
    esac
    built=1
  done
  # archives of earlier versions of this script or of the service
  local current=()
  for img in "${ALL_IMAGES[@]}"; do current+=(! -name "$(basename "$(archive_of "${img}")")"); done
  find "${CACHE}" -maxdepth 1 -name '*.tar' "${current[@]}" -delete
  if [[ ${built} -eq 1 ]]; then say "images built in $(($(date +%s) - T0))s into ${CACHE}"; else say "images already built (${CACHE}, key ${KEY})"; fi
}

cmd_import() {
  local sock="$1" img have stamp archive
  [[ -S "${sock}" ]] || die "no containerd socket at ${sock}"
  cmd_build
  have="$(ctr --address "${sock}" -n k8s.io images ls -q 2>/dev/null)" || die "cannot list images of the containerd at ${sock}"
  # The archive each image was last imported from: a tag rebuilt with other content (a Node
  # service changed without a version bump) is imported again.
  stamp="$(dirname "${sock}")/redis-platform-images.imported"
  touch "${stamp}"
  for img in "${ALL_IMAGES[@]}"; do
    archive="$(basename "$(archive_of "${img}")")"
    if grep -qxF "${img}" <<<"${have}" && grep -qxF "${img} ${archive}" "${stamp}"; then continue; fi
    ctr --address "${sock}" -n k8s.io images import "$(archive_of "${img}")" >/dev/null \
      || die "ctr images import of ${img} failed"
    { awk -v i="${img}" '$1 != i' "${stamp}"; echo "${img} ${archive}"; } >"${stamp}.tmp" && mv "${stamp}.tmp" "${stamp}"
    say "imported ${img}"
  done
  have="$(ctr --address "${sock}" -n k8s.io images ls -q)"
  for img in "${ALL_IMAGES[@]}"; do
    grep -qxF "${img}" <<<"${have}" || die "image ${img} is not in containerd (namespace k8s.io) after the import"
  done
}

FORCE=0
if [[ "${1:-}" == --force ]]; then FORCE=1; shift; fi
case "${1:-build}" in
  build) cmd_build ;;
  import) [[ -n "${2:-}" ]] || die "usage: scripts/images.sh import CONTAINERD_SOCKET"; cmd_import "$2" ;;
  list) printf '%s\n' "${ALL_IMAGES[@]}" ;;
  -h | --help | help) sed -n '3,32p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
  *) die "usage: scripts/images.sh [--force] build|import SOCKET|list" ;;
esac
