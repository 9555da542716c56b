#!/usr/bin/env bash
# The project's test command (npm test): unit and policy tests, then the integration tests against
# the embedded cluster with the real Pulumi toolchain. Installs or builds whatever is missing
# (npm packages, toolchain, cluster binaries; all cached). A cluster this script started is stopped
# again at the end; one that was already running is left running.
#
#   TEST_SKIP_INTEGRATION=1 npm test   unit and policy tests only (same as npm run test:unit)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
T0=$SECONDS
say() { printf '[test +%ds] %s\n' "$((SECONDS - T0))" "$*"; }
passed=0
failed=0
# Runs mocha, echoing its output, and adds its passing/failing counts to the totals.
run_mocha() {
    local out status=0
    out="$(mktemp)"
    npx mocha "$@" 2>&1 | tee "$out" || status=$?
    passed=$((passed + $(sed -nE 's/^ *([0-9]+) passing.*/\1/p' "$out" | tail -1 | grep . || echo 0)))
    failed=$((failed + $(sed -nE 's/^ *([0-9]+) failing.*/\1/p' "$out" | tail -1 | grep . || echo 0)))
    rm -f "$out"
    return "$status"
}
summary() { echo "tests: ${passed} passed, ${failed} failed"; }
trap summary EXIT

bash scripts/deps.sh
say "type check"
npx tsc --noEmit -p .
npx tsc --noEmit -p policy
say "unit and policy tests"
run_mocha

if [ "${TEST_SKIP_INTEGRATION:-}" = 1 ]; then
    say "integration tests skipped (TEST_SKIP_INTEGRATION=1)"
    exit 0
fi

say "Pulumi toolchain"
bash scripts/toolchain.sh
# shellcheck source=scripts/toolchain/env.sh
source scripts/toolchain/env.sh

started_cluster=0
if ! bash scripts/cluster.sh status >/dev/null 2>&1; then
    say "embedded cluster"
    bash scripts/cluster.sh up
    started_cluster=1
fi
stop_cluster() {
    summary
    if [ "$started_cluster" = 1 ]; then
        say "stopping the embedded cluster this run started"
        bash scripts/cluster.sh down || true
    fi
}
trap stop_cluster EXIT

say "integration tests"
run_mocha --config .mocharc.integration.json
