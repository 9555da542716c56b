#!/usr/bin/env bash
# The policy pack compiled to JavaScript in policy/bin/ (git-ignored), which is the pack directory
# every `pulumi preview/up --policy-pack` of this project uses (scripts/stack.sh, the tests, the
# bench). The analyzer would otherwise compile and type-check the pack's TypeScript through ts-node
# on every preview and update (about 18 s each here); the sources are type-checked by `npm test`
# (tsc -p policy) instead. Rebuilt only when a source, the pack's config files or TypeScript's
# version changed (a stamp of their hashes); prints the pack directory.
#   scripts/policy-pack.sh          build if needed, print policy/bin
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT/policy"
OUT="$ROOT/policy/bin"
stamp="$( (sha256sum ./*.ts lib/*.ts tsconfig.json package.json PulumiPolicy.yaml; node -p 'require("typescript/package.json").version') | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$OUT/.stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "[policy-pack] compiling the policy pack to JavaScript (policy/bin)" >&2
    rm -rf "$OUT"
    log="$(mktemp)"
    if ! npx tsc -p . --outDir "$OUT" >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        echo "[policy-pack] ERROR: the policy pack does not compile (above); fix policy/*.ts, then run scripts/policy-pack.sh again" >&2
        exit 1
    fi
    rm -f "$log"
    cp PulumiPolicy.yaml "$OUT/"
    node -e 'const p=require("./package.json");require("fs").writeFileSync(process.argv[1],JSON.stringify({name:p.name,version:p.version,private:true,description:p.description,main:"index.js"},null,2)+"\n")' "$OUT/package.json"
    echo "$stamp" >"$OUT/.stamp"
fi
echo "$OUT"
