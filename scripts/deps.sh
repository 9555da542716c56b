#!/usr/bin/env bash
# Installs the npm packages (the program's and, as a workspace, the policy pack's) from the lock
# file when they are missing or older than the lock.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "[deps] npm ci"
    npm ci --no-audit --no-fund --loglevel=error
fi
