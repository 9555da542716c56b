#!/usr/bin/env bash
# Installs the npm packages (the program's and, as a workspace, the policy pack's) from the lock
# file when they are missing or older than the lock, and Debian's redis-server for the order
# service's tests when it is missing (scripts/redis-server.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "[deps] npm ci"
    npm ci --no-audit --no-fund --loglevel=error
fi
# Debian's redis-server, which the order service's unit tests run on loopback.
bash scripts/redis-server.sh
