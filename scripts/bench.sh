#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# npm run bench: a benchmark (it reports, it asserts nothing) in two sections.
#   1. Deploy loop (scripts/bench/deploy-loop.ts): pulumi up / no-op preview / destroy of the dev
#      configuration vs kubectl apply --server-side + rollout status / diff / delete --wait of the
#      same objects, on the embedded cluster (its real node by default; CLUSTER_NODE=kwok for the
#      simulated one, which times the API side alone); table + .bench/*.json.
#   2. Redis data path (scripts/bench/redis.sh): only on the real node; skipped in one line otherwise.
# Like scripts/stack.sh, it installs what is missing: npm packages, the toolchain, the cluster.
# Env: BENCH_ROUNDS (3), BENCH_SKIP_DEPLOY=1 to run the Redis section alone.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=cluster/versions.sh
source "${ROOT}/scripts/cluster/versions.sh"
T0=$SECONDS
say() { printf '[bench +%ds] %s\n' "$((SECONDS - T0))" "$*"; }
cd "${ROOT}"

if [[ "${BENCH_SKIP_DEPLOY:-0}" != 1 ]]; then
    bash scripts/deps.sh
    say "Pulumi toolchain"
    bash scripts/toolchain.sh || { echo "[bench] ERROR: the Pulumi toolchain could not be built (bash scripts/toolchain.sh)" >&2; exit 1; }
    # shellcheck source=toolchain/env.sh
    source scripts/toolchain/env.sh
    say "embedded cluster"
    bash scripts/cluster.sh up || { echo "[bench] ERROR: the embedded cluster did not start (bash scripts/cluster.sh up)" >&2; exit 1; }
    # shellcheck source=lib/private-tmp.sh
    source scripts/lib/private-tmp.sh
    private_tmp
    trap private_tmp_cleanup EXIT
    BENCH_KUBECTL="${CLUSTER_BIN_DIR}/kubectl" node -r ts-node/register scripts/bench/deploy-loop.ts
fi
bash scripts/bench/redis.sh
