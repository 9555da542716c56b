# shellcheck shell=bash
# Shared by scripts/toolchain.sh and scripts/toolchain/env.sh: where the toolchain lives and
# which versions it has. Sourced, never executed; it sets variables and defines functions only
# (no `set -e`, no exit), so it is safe to source into an interactive shell.
#
# Versions come from package-lock.json at run time (the npm packages are the single source of
# truth): @pulumi/pulumi -> CLI + Node language host, @pulumi/kubernetes -> kubernetes provider,
# @pulumi/random -> random provider.

# Repository root = two levels above this file.
TC_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Default config passphrase for the LOCAL file backend only. It protects nothing: it is in this
# public file. It only lets `pulumi` encrypt config secrets in .pulumi-state/ without prompting.
# Set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) yourself for anything real.
TC_DEFAULT_PASSPHRASE="local-only-dev-passphrase"

# tc_load: sets TC_PULUMI_VERSION TC_K8S_VERSION TC_RANDOM_VERSION TC_CACHE TC_ROOT TC_KEY TC_DIR
# TC_BIN TC_PULUMI_HOME TC_STAMP. Returns 1 (with a one-line message on stderr) on failure.
tc_load() {
    local lock="$TC_REPO_ROOT/package-lock.json" out
    if ! command -v node >/dev/null 2>&1; then
        echo "toolchain: node is not on PATH (needed to read versions from package-lock.json)" >&2
        return 1
    fi
    if [ ! -f "$lock" ]; then
        echo "toolchain: $lock not found" >&2
        return 1
    fi
    # One node start for all three versions (~50 ms).
    out="$(node -e '
        const l = require(process.argv[1]);
        const v = n => ((l.packages || {})["node_modules/" + n] || (l.dependencies || {})[n] || {}).version || "";
        console.log([v("@pulumi/pulumi"), v("@pulumi/kubernetes"), v("@pulumi/random")].join(" "));
    ' "$lock" 2>/dev/null)" || out=""
    read -r TC_PULUMI_VERSION TC_K8S_VERSION TC_RANDOM_VERSION <<<"$out"
    local v
    for v in "${TC_PULUMI_VERSION:-}" "${TC_K8S_VERSION:-}" "${TC_RANDOM_VERSION:-}"; do
        if ! [[ "$v" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
            echo "toolchain: cannot read plain x.y.z versions of @pulumi/pulumi, @pulumi/kubernetes, @pulumi/random from $lock (got '$out')" >&2
            return 1
        fi
    done
    TC_CACHE="${REDIS_PLATFORM_CACHE:-$HOME/.cache/redis-platform}"
    TC_ROOT="$TC_CACHE/toolchain"
    TC_KEY="pulumi-$TC_PULUMI_VERSION-k8s-$TC_K8S_VERSION-random-$TC_RANDOM_VERSION"
    TC_DIR="$TC_ROOT/$TC_KEY"
    TC_BIN="$TC_DIR/bin"
    TC_PULUMI_HOME="$TC_DIR/pulumi-home"
    TC_STAMP="$TC_DIR/.toolchain-complete"
    return 0
}

# tc_stamp_ok: the toolchain dir is complete (stamp written last, after an atomic rename).
tc_stamp_ok() {
    [ -f "$TC_STAMP" ] && [ -x "$TC_BIN/pulumi" ] && [ -x "$TC_BIN/pulumi-language-nodejs" ] &&
        grep -qx "key=$TC_KEY" "$TC_STAMP" 2>/dev/null
}

# tc_export_env: export the variables other scripts need (PATH first so our `pulumi` wins).
tc_export_env() {
    case ":$PATH:" in
        *":$TC_BIN:"*) ;;
        *) PATH="$TC_BIN:$PATH" ;;
    esac
    export PATH
    export PULUMI_HOME="$TC_PULUMI_HOME"
    export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
    export PULUMI_SKIP_UPDATE_CHECK=true
    export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$TC_REPO_ROOT/.pulumi-state}"
    if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
        export PULUMI_CONFIG_PASSPHRASE="$TC_DEFAULT_PASSPHRASE"
    fi
    # The file backend wants its directory to exist.
    case "$PULUMI_BACKEND_URL" in
        file://*) mkdir -p "${PULUMI_BACKEND_URL#file://}" 2>/dev/null || true ;;
    esac
}
