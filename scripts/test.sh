#!/usr/bin/env bash
# The project's test command (npm test). Installs or builds whatever is missing (npm packages,
# cluster binaries, the Pulumi toolchain; all cached outside the repo; a missing toolchain builds in
# the background at nice 19 from the start, scripts/lib/toolchain-bg.sh) and runs, in order:
#   1. type checks, unit and policy tests (Pulumi mocks; seconds), the policy pack itself started
#      and driven over gRPC the way the Pulumi CLI does, and the Go tests of the project's own
#      random provider (providers/random)
#   2. the embedded cluster: its smoke test, then the program's manifests applied to the API
#      server with readiness, claims and the policy pack's live check (tests/cluster)
#   3. the Pulumi lifecycle tests through the real engine (Automation API, tests/integration):
#      bad config refused, the policy pack at preview, prod preview, then the dev configuration's
#      preview, up, no-op up, config change, refresh; on the real node (the default) the same
#      mocha run goes on with the post-deploy tests of that deployment (tests/deployed), which end
#      with its destroy; on the simulated node the lifecycle tests destroy it themselves
# A cluster this script started is stopped again at the end; one already running is left running.
#   TEST_SKIP_INTEGRATION=1 npm test   step 1 only (same as npm run test:unit)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
T0=$SECONDS
say() { printf '[test +%ds] %s\n' "$((SECONDS - T0))" "$*"; }
passed=0
failed=0
started_cluster=0

# count OUTPUT_FILE PASS_REGEX FAIL_REGEX: add a runner's closing counts to the totals.
count() {
    passed=$((passed + $(sed -nE "s/$2/\\1/p" "$1" | tail -1 | grep . || echo 0)))
    failed=$((failed + $(sed -nE "s/$3/\\1/p" "$1" | tail -1 | grep . || echo 0)))
}
run_mocha() {
    local out status=0
    out="$(mktemp)"
    npx mocha "$@" 2>&1 | tee "$out" || status=$?
    count "$out" '^ *([0-9]+) passing.*' '^ *([0-9]+) failing.*'
    rm -f "$out"
    return "$status"
}
finish() {
    local status=$?
    toolchain_bg_stop
    private_tmp_cleanup 2>/dev/null || true
    if [ "$started_cluster" = 1 ]; then
        say "stopping the embedded cluster this run started"
        bash scripts/cluster.sh down >/dev/null || true
    fi
    echo "tests: ${passed} passed, ${failed} failed"
    exit "$status"
}
trap finish EXIT

bash scripts/deps.sh
# shellcheck source=scripts/lib/toolchain-bg.sh
source scripts/lib/toolchain-bg.sh
[ "${TEST_SKIP_INTEGRATION:-}" = 1 ] || toolchain_bg_start
say "type checks"
npx tsc --noEmit -p .
npx tsc --noEmit -p policy
# Everything is type-checked now: ts-node (mocha, the helper scripts) and the engine's runs of the
# program only transpile from here on (the same sources; type checking each again costs minutes).
export TS_NODE_TRANSPILE_ONLY=true PULUMI_NODEJS_TRANSPILE_ONLY=true
say "unit and policy tests"
run_mocha
say "the policy pack served over gRPC, as the Pulumi CLI drives it (tests/policy/pack-smoke.ts)"
if node -r ts-node/register tests/policy/pack-smoke.ts | tail -3; then passed=$((passed + 1)); else failed=$((failed + 1)); exit 1; fi
say "the random provider's Go tests (providers/random)"
gotest="$(mktemp)"
status=0
(cd providers/random && GOFLAGS=-mod=mod GOTOOLCHAIN=local go test -count=1 -v ./... 2>&1) >"$gotest" || status=$?
grep -E '^(ok|FAIL|---)' "$gotest" | grep -v -- '--- PASS' || true
passed=$((passed + $(grep -c -- '^--- PASS' "$gotest" || true)))
failed=$((failed + $(grep -c -- '^--- FAIL' "$gotest" || true)))
[ "$status" = 0 ] || { tail -n 30 "$gotest"; rm -f "$gotest"; exit 1; }
rm -f "$gotest"

if [ "${TEST_SKIP_INTEGRATION:-}" = 1 ]; then
    say "cluster and integration tests skipped (TEST_SKIP_INTEGRATION=1)"
    exit 0
fi

say "embedded cluster"
if bash scripts/cluster.sh status >/dev/null 2>&1; then
    bash scripts/cluster.sh up >/dev/null # already up: a no-op
else
    started_cluster=1
    bash scripts/cluster.sh up
fi
node_mode="$(sed -nE 's/^NODE_MODE=(.*)$/\1/p' .cluster/cluster.env 2>/dev/null | tr -d "'\"")"
if [ "$node_mode" = kwok ]; then
    smoke="$(mktemp)"
    status=0
    bash scripts/cluster/smoke.sh 2>&1 | tee "$smoke" || status=$?
    count "$smoke" '^smoke: ([0-9]+) passed.*' '^smoke: [0-9]+ passed, ([0-9]+) failed.*'
    rm -f "$smoke"
    [ "$status" = 0 ]
    say "the program's manifests on the cluster"
    run_mocha --config .mocharc.cluster.json
fi

# shellcheck source=scripts/lib/private-tmp.sh
source scripts/lib/private-tmp.sh
private_tmp
say "Pulumi toolchain"
toolchain_bg_wait || { say "the Pulumi toolchain could not be built: see its message above"; exit 1; }
# shellcheck source=scripts/toolchain/env.sh
source scripts/toolchain/env.sh
if [ "$node_mode" = real ]; then
    say "Pulumi lifecycle tests, then the post-deploy tests of that deployment on the real node, then destroy"
    run_mocha --config .mocharc.deployed.json
else
    say "Pulumi lifecycle tests (post-deploy tests skipped: the node is simulated, CLUSTER_NODE=kwok; they run on the real node, the default)"
    run_mocha --config .mocharc.integration.json
fi
