# shellcheck shell=bash
# Shared by scripts/toolchain.sh and scripts/toolchain/env.sh: where the toolchain lives and
# which versions it has. Sourced, never executed; it sets variables and defines functions only
# (no `set -e`, no exit), so it is safe to source into an interactive shell.

# Repository root = two levels above this file.
TC_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/toolchain/versions.sh
. "$TC_REPO_ROOT/scripts/toolchain/versions.sh"

# Default config passphrase for the LOCAL file backend only. It protects nothing: it is in this
# public file. It only lets `pulumi` encrypt config secrets in .pulumi-state/ without prompting.
# Set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) yourself for anything real.
TC_DEFAULT_PASSPHRASE="local-only-dev-passphrase"

# tc_load: sets TC_SDK_VERSION TC_K8S_VERSION TC_RANDOM_VERSION TC_K8S_MODVER TC_RANDOM_HASH,
# the cache paths (TC_CACHE TC_ROOT TC_PARTS TC_KEY TC_DIR TC_BIN TC_PULUMI_HOME TC_STAMP) and
# one key per part (TC_PART_CLI TC_PART_LANGHOST TC_PART_K8S TC_PART_RANDOM).
# Returns 1 (with a one-line message on stderr) on failure.
tc_load() {
    local lock="$TC_REPO_ROOT/package-lock.json" out v
    if ! command -v node >/dev/null 2>&1; then
        echo "toolchain: node is not on PATH (needed to read versions from package-lock.json)" >&2
        return 1
    fi
    if [ ! -f "$lock" ]; then
        echo "toolchain: $lock not found" >&2
        return 1
    fi
    out="$(node -e '
        const l = require(process.argv[1]);
        const v = n => ((l.packages || {})["node_modules/" + n] || (l.dependencies || {})[n] || {}).version || "";
        console.log([v("@pulumi/pulumi"), v("@pulumi/kubernetes"), v("@pulumi/random")].join(" "));
    ' "$lock" 2>/dev/null)" || out=""
    read -r TC_SDK_VERSION TC_K8S_VERSION TC_RANDOM_VERSION <<<"$out"
    for v in "${TC_SDK_VERSION:-}" "${TC_K8S_VERSION:-}" "${TC_RANDOM_VERSION:-}"; do
        if ! [[ "$v" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
            echo "toolchain: cannot read plain x.y.z versions of @pulumi/pulumi, @pulumi/kubernetes, @pulumi/random from $lock (got '$out')" >&2
            return 1
        fi
    done
    if ! TC_K8S_MODVER="$(tc_k8s_provider_modver "$TC_K8S_VERSION")"; then
        echo "toolchain: no Go module version of $TC_K8S_PROVIDER_MOD is known for @pulumi/kubernetes $TC_K8S_VERSION; pin @pulumi/kubernetes to one listed in scripts/toolchain/versions.sh, or add its release commit's pseudo-version there" >&2
        return 1
    fi
    # The random provider and the shims are the project's own sources: their content is the key.
    TC_RANDOM_HASH="$(cd "$TC_REPO_ROOT" && cat "$TC_RANDOM_SRC"/go.mod "$TC_RANDOM_SRC"/go.sum \
        $(ls "$TC_RANDOM_SRC"/*.go 2>/dev/null | grep -v '_test\.go$') 2>/dev/null | sha256sum | cut -c1-12)"
    local shims_hash
    shims_hash="$(cat "$TC_REPO_ROOT"/scripts/toolchain/shims/* | sha256sum | cut -c1-8)"
    TC_CACHE="${REDIS_PLATFORM_CACHE:-$HOME/.cache/redis-platform}"
    TC_ROOT="$TC_CACHE/toolchain"
    TC_PARTS="$TC_ROOT/parts"
    TC_PART_CLI="cli-$TC_CLI_VERSION"
    TC_PART_LANGHOST="langhost-$TC_LANGHOST_VERSION"
    TC_PART_K8S="kubernetes-$TC_K8S_VERSION"
    TC_PART_RANDOM="random-$TC_RANDOM_VERSION-$TC_RANDOM_HASH"
    TC_KEY="cli-$TC_CLI_VERSION-langhost-$TC_LANGHOST_VERSION-k8s-$TC_K8S_VERSION-random-$TC_RANDOM_VERSION-$TC_RANDOM_HASH-$shims_hash"
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
