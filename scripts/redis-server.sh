#!/usr/bin/env bash
# Debian's redis-server, for the order service's unit tests (tests/unit/order-service): they start
# a master and a replica of their own on loopback ports, so the read/write split is tested against
# real servers, not a mock. Installed with apt-get when missing; npm test runs this through
# scripts/deps.sh, and the tests run it themselves when redis-server is not on PATH.
# Where the machine lets packages start services, the package also starts a system redis-server
# on 6379; the tests never use it.
set -euo pipefail
say() { printf '[redis-server] %s\n' "$*"; }
if command -v redis-server >/dev/null 2>&1; then exit 0; fi
command -v apt-get >/dev/null 2>&1 || { say "redis-server is missing and there is no apt-get to install it; install Redis 7 so that redis-server is on PATH" >&2; exit 1; }
# root, or passwordless sudo (CI runners such as GitHub's)
as_root=()
if [ "$(id -u)" != 0 ]; then
    sudo -n true 2>/dev/null || { say "redis-server is missing: run 'sudo apt-get install --no-install-recommends redis-server' (the tests need the binary)" >&2; exit 1; }
    as_root=(sudo -n)
fi
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
install() { "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server >>"$log" 2>&1; }
say "installing Debian's redis-server (apt-get)"
if ! install; then
    say "apt-get install failed; running apt-get update once and retrying"
    "${as_root[@]}" apt-get update >>"$log" 2>&1 || true
    install || { tail -n 20 "$log" >&2; say "apt-get install redis-server failed" >&2; exit 1; }
fi
say "installed $(redis-server --version | cut -d' ' -f1-3)"
