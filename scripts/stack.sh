#!/usr/bin/env bash
# Runs a Pulumi operation on a stack with everything it needs, installing what is missing:
# npm packages, the Pulumi toolchain (built from Go modules, cached), and for dev the embedded
# cluster. Every preview and update runs the policy pack with the stack's own pack config.
#
#   scripts/stack.sh up|preview|destroy|refresh [stack=dev] [extra pulumi args...]
#
# npm run deploy   = scripts/stack.sh up dev
# npm run preview  = scripts/stack.sh preview dev
# npm run destroy  = scripts/stack.sh destroy dev
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
T0=$SECONDS
say() { printf '[stack +%ds] %s\n' "$((SECONDS - T0))" "$*"; }
die() { printf 'stack: %s\n' "$*" >&2; exit 1; }

verb="${1:-}"
stack="${2:-dev}"
shift $(( $# > 2 ? 2 : $# ))
case "$verb" in
    up|preview|destroy|refresh) ;;
    *) die "usage: scripts/stack.sh up|preview|destroy|refresh [stack] [pulumi args...] (got '${verb}')" ;;
esac
[ -f "$ROOT/Pulumi.$stack.yaml" ] || die "no Pulumi.$stack.yaml: known stacks are $(cd "$ROOT" && ls Pulumi.*.yaml | sed 's/Pulumi\.\(.*\)\.yaml/\1/' | tr '\n' ' ')"
cd "$ROOT"

bash scripts/deps.sh
context="$(node -e 'const y=require("js-yaml"),fs=require("fs");const p=y.load(fs.readFileSync("Pulumi.yaml","utf8")).config.kubeContext.default;const s=(y.load(fs.readFileSync(process.argv[1],"utf8"))||{}).config||{};console.log(s["redis-platform:kubeContext"]??p)' "Pulumi.$stack.yaml")"
# shellcheck source=scripts/lib/toolchain-bg.sh
source scripts/lib/toolchain-bg.sh
if [ "$context" = "embedded" ]; then
    trap toolchain_bg_stop EXIT
    toolchain_bg_start
    say "embedded cluster"
    bash scripts/cluster.sh up
fi
say "Pulumi toolchain"
toolchain_bg_wait || die "the Pulumi toolchain could not be built: see its message above"
# shellcheck source=scripts/toolchain/env.sh
source scripts/toolchain/env.sh

# shellcheck source=scripts/lib/private-tmp.sh
source scripts/lib/private-tmp.sh
private_tmp
trap private_tmp_cleanup EXIT

if ! out="$(pulumi stack select --create "$stack" --non-interactive 2>&1)"; then
    case "$out" in
        *"incorrect passphrase"*)
            die "Pulumi.$stack.yaml's encryptionsalt was made with another passphrase than PULUMI_CONFIG_PASSPHRASE; unset it to use the local-only default (dev), or delete the encryptionsalt line once to use yours" ;;
        *) die "pulumi stack select --create $stack failed: $out" ;;
    esac
fi
policy_args=()
if [ "$verb" = up ] || [ "$verb" = preview ]; then
    pack_config="$ROOT/.pulumi-state/policy-config.$stack.json"
    mkdir -p "$(dirname "$pack_config")"
    pack="$(bash scripts/policy-pack.sh)"
    node "$pack/stack-config.js" --stack "$stack" --root "$ROOT" --out "$pack_config" >/dev/null
    policy_args=(--policy-pack "$pack" --policy-pack-config "$pack_config")
fi

say "pulumi $verb --stack $stack"
case "$verb" in
    up) pulumi up --stack "$stack" --yes --non-interactive "${policy_args[@]}" "$@" ;;
    preview) pulumi preview --stack "$stack" --diff --non-interactive "${policy_args[@]}" "$@" ;;
    destroy) pulumi destroy --stack "$stack" --yes --non-interactive "$@" ;;
    refresh) pulumi refresh --stack "$stack" --yes --non-interactive "$@" ;;
esac
say "done: pulumi $verb --stack $stack"
# The committed stack file is kept in the CLI's own form, so no Pulumi command rewrites it.
git -C "$ROOT" diff --quiet -- "Pulumi.$stack.yaml" 2>/dev/null ||
    say "note: Pulumi.$stack.yaml now differs from the committed file (git diff Pulumi.$stack.yaml shows how)"
