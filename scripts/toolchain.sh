#!/usr/bin/env bash
# The offline Pulumi toolchain: built from Go modules through the Go module proxy (and the
# project's own random provider), cached by version outside the repository. Idempotent: a warm
# run only checks a stamp.
#
#   scripts/toolchain.sh [build]   build what is missing, assemble <cache>/toolchain/<key>/
#   scripts/toolchain.sh check     verify binaries and versions; one line + exit 1 on a problem
#   scripts/toolchain.sh env       print `export ...` lines:  eval "$(scripts/toolchain.sh env)"
#   scripts/toolchain.sh exec CMD  run CMD with that environment (toolchain must be built)
#   scripts/toolchain.sh path      print the toolchain directory
#   scripts/toolchain.sh clean     delete this version's assembled directory (parts are kept)
#
# <cache> is ${REDIS_PLATFORM_CACHE:-$HOME/.cache/redis-platform}. What is built from which
# module and why: scripts/toolchain/versions.sh. Layout:
#   parts/<part>-<version>/   one binary each (cli, langhost, kubernetes, random), built once
#   <key>/bin/                pulumi, pulumi-language-nodejs, the shims (scripts/toolchain/shims)
#   <key>/pulumi-home/        PULUMI_HOME with the resource plugins kubernetes and random
#   <key>/.toolchain-complete stamp, written last (the dir is assembled under a temp name)
# Build logs: <cache>/toolchain/logs/. GOCACHE/GOMODCACHE stay at Go's defaults (shared).
set -euo pipefail

# shellcheck source=scripts/toolchain/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/toolchain/common.sh"
# shellcheck source=scripts/toolchain/lib.sh
. "$TC_REPO_ROOT/scripts/toolchain/lib.sh"
# shellcheck source=scripts/toolchain/parts.sh
. "$TC_REPO_ROOT/scripts/toolchain/parts.sh"

LOG=""
TMPDIR_BUILD=""

versions_line() {
    echo "pulumi $TC_CLI_VERSION, pulumi-language-nodejs $TC_LANGHOST_VERSION, kubernetes $TC_K8S_VERSION, random $TC_RANDOM_VERSION (own, $TC_RANDOM_HASH)"
}

cmd_build() {
    tc_load || exit 1
    if tc_stamp_ok; then
        say "reused cached toolchain: $(versions_line)"
        return 0
    fi
    command -v go >/dev/null 2>&1 || die "go is not on PATH; install Go (e.g. /usr/local/go/bin) and run scripts/toolchain.sh again"
    mkdir -p "$TC_ROOT/logs" "$TC_PARTS"
    LOG="$TC_ROOT/logs/$(date +%Y%m%dT%H%M%S)-$$.log"
    : >"$LOG"
    trap on_exit EXIT
    # One builder at a time per cache (a second run waits, then reuses the result).
    exec 9>"$TC_ROOT/.lock"
    if ! flock -n 9; then
        say "another toolchain build holds $TC_ROOT/.lock; waiting"
        flock 9
    fi
    if tc_stamp_ok; then
        say "reused cached toolchain (built by a concurrent run)"
        rm -f "$LOG"
        return 0
    fi
    say "toolchain $TC_KEY: building what is not cached (a cold build takes 20-30 minutes on 2 cores; log: $LOG)"
    rm -rf "$TC_ROOT/.tmp-"*
    TMPDIR_BUILD="$TC_ROOT/.tmp-$$"
    mkdir -p "$TMPDIR_BUILD"
    # Module-aware builds of throw-away wrapper modules; no cgo, no toolchain downloads, no go.work
    # from the environment. The release modules are not all in the checksum database (the proxy
    # serves pseudo-versions sum.golang.org has no record of), so they alone skip it.
    export GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0 GOTOOLCHAIN=local GOWORK=off GO111MODULE=on
    export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}$TC_CLI_MOD,$TC_LANGHOST_MOD,$TC_K8S_PROVIDER_MOD,$TC_K8S_SDK_MOD"
    export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true PULUMI_SKIP_UPDATE_CHECK=true
    echo "toolchain $TC_KEY; $(go version); GOPROXY=$(go env GOPROXY)" >>"$LOG"

    build_part "pulumi CLI ($TC_CLI_MOD)" "$TC_PART_CLI" pulumi part_cli
    build_part "pulumi-language-nodejs ($TC_LANGHOST_MOD)" "$TC_PART_LANGHOST" pulumi-language-nodejs part_langhost
    build_part "kubernetes provider ($TC_K8S_MODVER)" "$TC_PART_K8S" pulumi-resource-kubernetes part_kubernetes
    build_part "random provider ($TC_RANDOM_SRC)" "$TC_PART_RANDOM" pulumi-resource-random part_random
    run_step "assemble bin/ and pulumi-home/" assemble "$TMPDIR_BUILD/out"

    {
        echo "key=$TC_KEY"
        echo "built=$(date -u +%FT%TZ)"
        echo "go=$(go env GOVERSION)"
        echo "cli=$TC_CLI_MOD@v$TC_CLI_VERSION"
        echo "langhost=$TC_LANGHOST_MOD@v$TC_LANGHOST_VERSION"
        echo "kubernetes=$TC_K8S_PROVIDER_MOD@$TC_K8S_MODVER"
        echo "random=$TC_RANDOM_SRC@$TC_RANDOM_HASH"
    } >"$TMPDIR_BUILD/out/.toolchain-complete.tmp"
    rm -rf "$TC_DIR"
    mv -T "$TMPDIR_BUILD/out" "$TC_DIR"
    mv "$TC_DIR/.toolchain-complete.tmp" "$TC_STAMP"
    # Assembled directories of other version sets are superseded (their parts stay cached), and so
    # are random providers built from older sources of the project's own.
    find "$TC_ROOT" -mindepth 1 -maxdepth 1 -type d -name 'cli-*' ! -name "$TC_KEY" -exec rm -rf {} +
    find "$TC_PARTS" -mindepth 1 -maxdepth 1 -type d -name 'random-*' ! -name "$TC_PART_RANDOM" -exec rm -rf {} +

    say "toolchain ready: $TC_DIR"
    echo "  step timings:"
    printf '    %s\n' "${TIMINGS[@]}"
    printf '    %-40s %5ds\n' "total" "$((SECONDS - T0))"
    echo "  use:  source scripts/toolchain/env.sh   (or eval \"\$(scripts/toolchain.sh env)\")"
}

# check: one line and exit 1 on the first problem.
cmd_check() {
    tc_load || exit 1
    local fix="run: scripts/toolchain.sh" redo b got name ver p
    redo="run: scripts/toolchain.sh clean && scripts/toolchain.sh"
    [ -d "$TC_DIR" ] || die "not built: $TC_DIR is missing ($(versions_line)); $fix"
    tc_stamp_ok || die "incomplete toolchain in $TC_DIR (no stamp); $fix"
    for b in pulumi pulumi-language-nodejs pulumi-resource-pulumi-nodejs pulumi-analyzer-policy; do
        [ -x "$TC_BIN/$b" ] || die "$TC_BIN/$b is missing; $redo"
    done
    got="$(PULUMI_HOME="$TC_PULUMI_HOME" PULUMI_SKIP_UPDATE_CHECK=true "$TC_BIN/pulumi" version 2>/dev/null || true)"
    [ "$got" = "v$TC_CLI_VERSION" ] || die "pulumi reports '${got:-nothing}', expected v$TC_CLI_VERSION; $redo"
    # The language host has no version flag: its build info records the module it came from.
    if command -v go >/dev/null 2>&1; then
        go version -m "$TC_BIN/pulumi-language-nodejs" 2>/dev/null |
            grep -Eq "^[[:space:]]*(mod|dep)[[:space:]]+$TC_LANGHOST_MOD[[:space:]]+v$TC_LANGHOST_VERSION([[:space:]]|\$)" ||
            die "pulumi-language-nodejs was not built from $TC_LANGHOST_MOD@v$TC_LANGHOST_VERSION; $redo"
    fi
    for name in kubernetes random; do
        ver="$TC_K8S_VERSION"
        [ "$name" = random ] && ver="$TC_RANDOM_VERSION"
        p="$TC_PULUMI_HOME/plugins/resource-$name-v$ver/pulumi-resource-$name"
        [ -x "$p" ] || die "plugin resource $name v$ver is not installed in $TC_PULUMI_HOME; $redo"
    done
    echo "toolchain OK: $TC_DIR ($(versions_line))"
}

cmd_env() {
    tc_load || exit 1
    tc_export_env
    tc_stamp_ok || echo "toolchain: not built yet at $TC_DIR; run: scripts/toolchain.sh" >&2
    local v
    for v in PATH PULUMI_HOME PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION PULUMI_SKIP_UPDATE_CHECK \
        PULUMI_BACKEND_URL PULUMI_CONFIG_PASSPHRASE; do
        [ -n "${!v:-}" ] && printf 'export %s=%q\n' "$v" "${!v}"
    done
    return 0
}

cmd_exec() {
    [ $# -gt 0 ] || die "usage: scripts/toolchain.sh exec CMD [ARGS...]"
    tc_load || exit 1
    tc_stamp_ok || die "not built: $TC_DIR; run: scripts/toolchain.sh"
    tc_export_env
    exec "$@"
}

main() {
    local cmd="${1:-build}"
    [ $# -gt 0 ] && shift
    case "$cmd" in
        build) cmd_build ;;
        check) cmd_check ;;
        env) cmd_env ;;
        exec) cmd_exec "$@" ;;
        path) tc_load || exit 1; echo "$TC_DIR" ;;
        clean) tc_load || exit 1; rm -rf "$TC_DIR"; echo "removed $TC_DIR (parts in $TC_PARTS are kept)" ;;
        -h | --help | help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' ;;
        *) die "unknown command '$cmd' (build|check|env|exec|path|clean)" ;;
    esac
}

main "$@"
