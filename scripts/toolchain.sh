#!/usr/bin/env bash
# Build, from Go modules through the Go module proxy, the Pulumi toolchain this project needs and
# cache it by version outside the repository. Idempotent: a warm run only checks a stamp.
#
#   scripts/toolchain.sh [build]   build or reuse  <cache>/toolchain/pulumi-X-k8s-Y-random-Z/
#   scripts/toolchain.sh check     verify binaries and versions; one line + exit 1 on a problem
#   scripts/toolchain.sh env       print `export ...` lines:  eval "$(scripts/toolchain.sh env)"
#   scripts/toolchain.sh exec CMD  run CMD with that environment (toolchain must be built)
#   scripts/toolchain.sh path      print the toolchain directory
#   scripts/toolchain.sh clean     delete this version's toolchain directory (Go caches are kept)
#
# <cache> is ${REDIS_PLATFORM_CACHE:-$HOME/.cache/redis-platform}. Versions are read from
# package-lock.json (@pulumi/pulumi, @pulumi/kubernetes, @pulumi/random). Layout:
#   bin/          pulumi, pulumi-language-nodejs, pulumi-resource-pulumi-nodejs (shim)
#   pulumi-home/  PULUMI_HOME with resource plugins kubernetes and random installed
#   .toolchain-complete   stamp, written last; the dir is built under a temp name then renamed
# Build logs: <cache>/toolchain/logs/. GOCACHE/GOMODCACHE stay at Go's defaults (shared, reused).
#
# Overrides (only needed if the proxy cannot resolve a module version by itself):
#   TOOLCHAIN_LANGHOST_MODVER, TOOLCHAIN_K8S_MODVER, TOOLCHAIN_RANDOM_MODVER = exact Go module
#   version (e.g. a pseudo-version) of the language host / provider module to build.
set -euo pipefail

# shellcheck source=scripts/toolchain/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/toolchain/common.sh"

PULUMI_MOD=github.com/pulumi/pulumi/pkg/v3
PULUMI_SDK_MOD=github.com/pulumi/pulumi/sdk/v3
LANGHOST_MOD=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
K8S_MOD=github.com/pulumi/pulumi-kubernetes/provider/v4
K8S_SDK_MOD=github.com/pulumi/pulumi-kubernetes/sdk/v4
RANDOM_MOD=github.com/pulumi/pulumi-random/provider/v4
RANDOM_SDK_MOD=github.com/pulumi/pulumi-random/sdk/v4
VERSION_LDFLAG_VAR=github.com/pulumi/pulumi/sdk/v3/go/common/version.Version
# Same tags as Pulumi's release build (.goreleaser.yml): pure-Go os/user, grpc without x/net/trace.
CLI_TAGS=osusergo,grpcnotrace

T0=$SECONDS
LOG=""
STEP=""
STEP_T0=0
TMPDIR_BUILD=""
NO_LOG_TAIL=""
TIMINGS=()

say() { printf '[toolchain +%ds] %s\n' "$((SECONDS - T0))" "$*"; }
die() { echo "toolchain: $*" >&2; exit 1; }
EXIT_UNAVAILABLE=3

# ---------------------------------------------------------------------------------------------
# helpers

# json_get FILE EXPR: print a field of a JSON file (j = parsed object); empty if missing.
json_get() {
    node -e '
        const fs = require("fs");
        let j; try { j = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); } catch (e) { process.exit(0); }
        let v; try { v = eval(process.argv[2]); } catch (e) { v = undefined; }
        if (v !== undefined && v !== null) console.log(typeof v === "object" ? JSON.stringify(v) : String(v));
    ' "$1" "$2"
}

# gomod_download MOD@VER OUTJSON: download one module version into GOMODCACHE; 0 on success.
gomod_download() {
    local out="$2"
    (cd "$TMPDIR_BUILD/empty" && go mod download -json "$1") >"$out" 2>>"$LOG" || return 1
    [ -n "$(json_get "$out" 'j.Dir')" ]
}

# resolve_module MOD MAJOR TAGVER COMMIT COMMIT_TIME OVERRIDE -> sets RESOLVED_VERSION, RESOLVED_DIR,
# RESOLVED_GOMOD. Tries, in order: the override, the tag, the commit hash (the proxy turns it into
# a canonical pseudo-version when it can), the pseudo-version computed from commit + commit time.
resolve_module() {
    local mod="$1" major="$2" tag="$3" commit="$4" ctime="$5" override="$6" cand ts
    local -a cands=()
    if [ -n "$override" ]; then
        cands=("$override")
    else
        [ -n "$tag" ] && cands+=("$tag")
        if [ -n "$commit" ]; then
            cands+=("$commit")
            ts="$(printf '%s' "$ctime" | tr -cd '0-9' | cut -c1-14)"
            [ ${#ts} -eq 14 ] && cands+=("v$major.0.0-$ts-${commit:0:12}")
        fi
    fi
    for cand in "${cands[@]}"; do
        echo ">>> resolve $mod@$cand" >>"$LOG"
        if gomod_download "$mod@$cand" "$TMPDIR_BUILD/dl.json"; then
            RESOLVED_VERSION="$(json_get "$TMPDIR_BUILD/dl.json" 'j.Version')"
            RESOLVED_DIR="$(json_get "$TMPDIR_BUILD/dl.json" 'j.Dir')"
            RESOLVED_GOMOD="$(json_get "$TMPDIR_BUILD/dl.json" 'j.GoMod')"
            echo ">>> resolved $mod@$cand -> $RESOLVED_VERSION ($RESOLVED_DIR)" >>"$LOG"
            return 0
        fi
        json_get "$TMPDIR_BUILD/dl.json" 'j.Error' >>"$LOG" 2>/dev/null || true
    done
    RESOLVE_TRIED="${cands[*]}"
    return 1
}

# release_commit MOD VER -> sets REL_COMMIT, REL_TIME from the proxy's .info of a tagged sibling
# module (Origin.Hash is the commit the release tag points at; Time is its commit time).
release_commit() {
    REL_COMMIT=""
    REL_TIME=""
    if gomod_download "$1@$2" "$TMPDIR_BUILD/rel.json"; then
        local info
        info="$(json_get "$TMPDIR_BUILD/rel.json" 'j.Info')"
        if [ -n "$info" ] && [ -f "$info" ]; then
            REL_COMMIT="$(json_get "$info" 'j.Origin && j.Origin.Hash')"
            REL_TIME="$(json_get "$info" 'j.Time')"
        fi
    fi
    [ -n "$REL_COMMIT" ]
}

# wrapper_gomod DIR MAINMOD VERSION UPSTREAM_GOMOD: a throw-away main module that requires MAINMOD
# and carries MAINMOD's own replace directives (replaces only count in the main module, which is
# why `go install MAINMOD@VERSION` fails). Local-path replaces of the pulumi/pulumi monorepo
# (../sdk, ../../../../pkg) become replaces to the same release version from the proxy.
wrapper_gomod() {
    local dir="$1" mod="$2" ver="$3" upstream="$4" reps old new
    reps="$(go mod edit -json "$upstream" | node -e '
        const g = JSON.parse(require("fs").readFileSync(0, "utf8"));
        const pv = process.argv[1];
        for (const r of g.Replace || []) {
            const old = r.Old.Path + (r.Old.Version ? "@" + r.Old.Version : "");
            if (r.New.Version) { console.log(old + "\t" + r.New.Path + "@" + r.New.Version); continue; }
            if (/^github\.com\/pulumi\/pulumi\/(pkg|sdk)\/v3$/.test(r.Old.Path)) {
                console.log(old + "\t" + r.Old.Path + "@v" + pv); continue;
            }
            console.error("unsupported local replace in upstream go.mod: " + old + " => " + r.New.Path);
            process.exit(1);
        }
    ' "$TC_PULUMI_VERSION")"
    mkdir -p "$dir"
    (cd "$dir" && go mod init toolchain.local/build && go mod edit -require="$mod@$ver")
    while IFS=$'\t' read -r old new; do
        [ -z "$old" ] && continue
        echo ">>> wrapper $dir: replace $old => $new"
        (cd "$dir" && go mod edit -replace="$old=$new")
    done <<<"$reps"
}

# copy_module SRC DST: writable copy of a module from the read-only module cache (only for
# modules whose build needs generated files).
copy_module() {
    rm -rf "$2"
    mkdir -p "$(dirname "$2")"
    cp -R "$1" "$2"
    chmod -R u+w "$2"
}

# run_step NAME CMD...: run a build step, output to $LOG, one progress line before and after.
run_step() {
    STEP="$1"
    shift
    STEP_T0=$SECONDS
    say "$STEP ..."
    echo "===== [$(date -u +%FT%TZ)] $STEP" >>"$LOG"
    "$@"
    local dt=$((SECONDS - STEP_T0))
    TIMINGS+=("$(printf '%-34s %5ds' "$STEP" "$dt")")
    say "$STEP done (${dt}s)"
    STEP=""
}

on_exit() {
    local rc=$?
    if [ "$rc" -ne 0 ]; then
        if [ -n "$STEP" ]; then
            echo "toolchain: FAILED at step '$STEP' after $((SECONDS - STEP_T0))s (total $((SECONDS - T0))s)." >&2
        fi
        if [ -n "$LOG" ] && [ -f "$LOG" ] && [ -n "${NO_LOG_TAIL:-}" ]; then
            echo "toolchain: full log: $LOG" >&2
        elif [ -n "$LOG" ] && [ -f "$LOG" ]; then
            echo "toolchain: last lines of the log:" >&2
            tail -n 15 "$LOG" | sed 's/^/    /' >&2
            echo "toolchain: full log: $LOG" >&2
        fi
    fi
    if [ -n "$TMPDIR_BUILD" ] && [ -d "$TMPDIR_BUILD" ]; then
        rm -rf "$TMPDIR_BUILD"
    fi
}

# ---------------------------------------------------------------------------------------------
# build steps (each appends to $LOG; a non-zero status aborts the build)

# resolve_provider MOD SDK_MOD VERSION OVERRIDE: resolve_module for a provider module, trying the
# release commit of its tagged sdk/ module; on failure PROVIDER_MISSING says what was tried.
resolve_provider() {
    local mod="$1" sdk="$2" ver="$3" override="$4" c="" t=""
    if [ -z "$override" ] && release_commit "$sdk" "v$ver"; then
        c="$REL_COMMIT" t="$REL_TIME"
    fi
    resolve_module "$mod" 4 "v$ver" "$c" "$t" "$override" && return 0
    if [ -n "$c" ]; then
        PROVIDER_MISSING="$mod (tried: $RESOLVE_TRIED; release commit $c from $sdk@v$ver)"
    else
        PROVIDER_MISSING="$mod (tried: $RESOLVE_TRIED; $sdk@v$ver, for the release commit, is not served either)"
    fi
    return 1
}

step_resolve() {
    # pulumi CLI: pkg/v3 is tagged pkg/vX.Y.Z.
    resolve_module "$PULUMI_MOD" 3 "v$TC_PULUMI_VERSION" "" "" "" ||
        { echo "Go module proxy does not serve $PULUMI_MOD@v$TC_PULUMI_VERSION" >>"$LOG"; return 1; }
    CLI_VERSION="$RESOLVED_VERSION"
    CLI_GOMOD="$RESOLVED_GOMOD"
    local info
    info="$(json_get "$TMPDIR_BUILD/dl.json" 'j.Info')"
    CLI_COMMIT="$(json_get "$info" 'j.Origin && j.Origin.Hash')"
    CLI_TIME="$(json_get "$info" 'j.Time')"
    resolve_module "$PULUMI_SDK_MOD" 3 "v$TC_PULUMI_VERSION" "" "" "" ||
        { echo "Go module proxy does not serve $PULUMI_SDK_MOD@v$TC_PULUMI_VERSION" >>"$LOG"; return 1; }
    SDK_DIR="$RESOLVED_DIR"
    info="$(json_get "$TMPDIR_BUILD/dl.json" 'j.Info')"
    SDK_COMMIT="$(json_get "$info" 'j.Origin && j.Origin.Hash')"
    SDK_TIME="$(json_get "$info" 'j.Time')"

    local missing=()
    # Node language host: its own module, never tagged -> pseudo-version of the release commit
    # (the commit pkg/vX.Y.Z points at, i.e. the same commit the CLI is built from).
    # If sdk/vX.Y.Z points at another commit than pkg/vX.Y.Z, that one is tried second.
    local tried=""
    if resolve_module "$LANGHOST_MOD" 3 "" "$CLI_COMMIT" "$CLI_TIME" "${TOOLCHAIN_LANGHOST_MODVER:-}" || {
        tried="$RESOLVE_TRIED"
        [ -z "${TOOLCHAIN_LANGHOST_MODVER:-}" ] && [ -n "$SDK_COMMIT" ] && [ "$SDK_COMMIT" != "$CLI_COMMIT" ] &&
            resolve_module "$LANGHOST_MOD" 3 "" "$SDK_COMMIT" "$SDK_TIME" ""
    }; then
        LANGHOST_VERSION="$RESOLVED_VERSION"
        LANGHOST_GOMOD="$RESOLVED_GOMOD"
    else
        [ "$tried" = "$RESOLVE_TRIED" ] || tried="$tried $RESOLVE_TRIED"
        missing+=("$LANGHOST_MOD (tried: $tried)")
    fi
    # Providers: provider/ modules are untagged in their repos; the release commit comes from the
    # tagged sdk/ module of the same release.
    if resolve_provider "$K8S_MOD" "$K8S_SDK_MOD" "$TC_K8S_VERSION" "${TOOLCHAIN_K8S_MODVER:-}"; then
        K8S_VERSION_MOD="$RESOLVED_VERSION"
        K8S_DIR="$RESOLVED_DIR"
    else
        missing+=("$PROVIDER_MISSING")
    fi
    if resolve_provider "$RANDOM_MOD" "$RANDOM_SDK_MOD" "$TC_RANDOM_VERSION" "${TOOLCHAIN_RANDOM_MODVER:-}"; then
        RANDOM_VERSION_MOD="$RESOLVED_VERSION"
        RANDOM_DIR="$RESOLVED_DIR"
    else
        missing+=("$PROVIDER_MISSING")
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        local m
        for m in "${missing[@]}"; do
            echo "toolchain: the Go module proxy does not serve $m" | tee -a "$LOG" >&2
        done
        STEP="" NO_LOG_TAIL=1  # the lines above are the explanation
        echo "toolchain: cannot build the toolchain: ${#missing[@]} module(s) above are not available from GOPROXY=$(go env GOPROXY); set TOOLCHAIN_*_MODVER to a version the proxy serves, or use a proxy that has them" >&2
        # Exit 3 means "unavailable here" (not a build error): scripts/test.sh reports the
        # Pulumi-driven tests as blocked instead of failing the run.
        exit "$EXIT_UNAVAILABLE"
    fi
    {
        echo "cli      $PULUMI_MOD@$CLI_VERSION (commit $CLI_COMMIT)"
        echo "langhost $LANGHOST_MOD@$LANGHOST_VERSION"
        echo "k8s      $K8S_MOD@$K8S_VERSION_MOD"
        echo "random   $RANDOM_MOD@$RANDOM_VERSION_MOD"
    } | tee -a "$LOG" | sed 's/^/    /'
}

step_cli() {
    local w="$TMPDIR_BUILD/cli"
    {
        wrapper_gomod "$w" "$PULUMI_MOD" "$CLI_VERSION" "$CLI_GOMOD"
        (cd "$w" && go get "$PULUMI_MOD/cmd/pulumi@$CLI_VERSION")
        (cd "$w" && go build -trimpath -tags "$CLI_TAGS" \
            -ldflags "-w -s -X $VERSION_LDFLAG_VAR=v$TC_PULUMI_VERSION" \
            -o "$TMPDIR_BUILD/out/bin/pulumi" "$PULUMI_MOD/cmd/pulumi")
    } >>"$LOG" 2>&1
    local got
    got="$(PULUMI_HOME="$TMPDIR_BUILD/out/pulumi-home" "$TMPDIR_BUILD/out/bin/pulumi" version 2>>"$LOG")"
    [ "$got" = "v$TC_PULUMI_VERSION" ] || { echo "built pulumi reports '$got', expected v$TC_PULUMI_VERSION" >>"$LOG"; return 1; }
}

step_langhost() {
    local w="$TMPDIR_BUILD/langhost"
    {
        wrapper_gomod "$w" "$LANGHOST_MOD" "$LANGHOST_VERSION" "$LANGHOST_GOMOD"
        (cd "$w" && go get "$LANGHOST_MOD@$LANGHOST_VERSION")
        (cd "$w" && go build -trimpath -tags "$CLI_TAGS" \
            -ldflags "-w -s -X $VERSION_LDFLAG_VAR=v$TC_PULUMI_VERSION" \
            -o "$TMPDIR_BUILD/out/bin/pulumi-language-nodejs" "$LANGHOST_MOD")
    } >>"$LOG" 2>&1
}

step_shims() {
    # The shell shims Pulumi's release archive ships next to the language host (sdk/nodejs/dist;
    # the .cmd files are the Windows variants). Since Pulumi 3.x moved Node policy packs onto the
    # language host (LanguageRuntime.RunPlugin, used whenever pulumi-language-nodejs is found),
    # pulumi-analyzer-policy is only a legacy fallback and is copied only if the release has it.
    local f n=0
    for f in "$SDK_DIR"/nodejs/dist/*; do
        [ -f "$f" ] || continue
        case "$f" in *.cmd) continue ;; esac
        install -m 0755 "$f" "$TMPDIR_BUILD/out/bin/$(basename "$f")"
        echo "shim: $(basename "$f")" >>"$LOG"
        n=$((n + 1))
    done
    [ "$n" -gt 0 ] || { echo "no shims found in $SDK_DIR/nodejs/dist" >>"$LOG"; return 1; }
    if [ ! -e "$TMPDIR_BUILD/out/bin/pulumi-analyzer-policy" ]; then
        echo "note: pulumi $TC_PULUMI_VERSION ships no pulumi-analyzer-policy; Node policy packs run via pulumi-language-nodejs" >>"$LOG"
    fi
}

# build_provider NAME MODDIR MODPATH VERSION: copy the module (schema-embed.json must be generated
# next to main.go: it is //go:embed'ed but not in the module zip), `go generate` it from the
# committed schema.json the way the provider's Makefile does (VERSION=x.y.z), build with the
# version stamped where the provider's Makefile stamps it.
build_provider() {
    local name="$1" src="$2" mod="$3" ver="$4"
    local d="$TMPDIR_BUILD/src-$name" cmd="./cmd/pulumi-resource-$name"
    copy_module "$src" "$d"
    [ -f "$d/${cmd#./}/schema.json" ] || { echo "$d/${cmd#./}/schema.json missing" >>"$LOG"; return 1; }
    if [ "$name" = random ]; then recreate_random_shim "$d" >>"$LOG" 2>&1; fi
    (cd "$d" && VERSION="$ver" go generate "$cmd") >>"$LOG" 2>&1
    [ -s "$d/${cmd#./}/schema-embed.json" ] || { echo "go generate did not produce schema-embed.json" >>"$LOG"; return 1; }
    (cd "$d" && go build -trimpath -ldflags "-s -w -X $mod/pkg/version.Version=$ver" \
        -o "$TMPDIR_BUILD/plugins/pulumi-resource-$name" "$cmd") >>"$LOG" 2>&1
    rm -rf "$d"
}

# The random provider's go.mod replaces the upstream-terraform shim module with ./shim, a separate
# module (own go.mod) and therefore missing from the provider's module zip. It is a few lines
# that expose terraform-provider-random's internal provider; recreate it.
recreate_random_shim() {
    local d="$1" shimpath tfmod tfver goline
    shimpath="$(go mod edit -json "$d/go.mod" | node -e '
        const g = JSON.parse(require("fs").readFileSync(0, "utf8"));
        const r = (g.Replace || []).find(r => !r.New.Version && /shim$/.test(r.New.Path));
        if (r) console.log(r.Old.Path + "\t" + r.New.Path);')"
    [ -n "$shimpath" ] || { echo "random: no local shim replace in go.mod; nothing to recreate"; return 0; }
    local shimmod="${shimpath%%$'\t'*}" shimdir="$d/${shimpath#*$'\t'}"
    [ -f "$shimdir/go.mod" ] && return 0
    tfmod="${shimmod%/shim}"
    tfver="$(go mod edit -json "$d/go.mod" | node -e '
        const g = JSON.parse(require("fs").readFileSync(0, "utf8"));
        const r = (g.Require || []).find(r => r.Path === process.argv[1]);
        if (r) console.log(r.Version);' "$tfmod")"
    goline="$(go mod edit -json "$d/go.mod" | node -e 'console.log(JSON.parse(require("fs").readFileSync(0,"utf8")).Go || "")')"
    [ -n "$tfver" ] || { echo "random: $tfmod not required by provider go.mod"; return 1; }
    echo "random: recreating $shimmod in $shimdir (requires $tfmod $tfver)"
    mkdir -p "$shimdir"
    {
        echo "module $shimmod"
        echo
        echo "go ${goline:-1.22}"
        echo
        echo "require $tfmod $tfver"
    } >"$shimdir/go.mod"
    cat >"$shimdir/shim.go" <<'EOF'
// Package shim exposes the upstream terraform provider (recreated by scripts/toolchain.sh).
package shim

import (
	tfpf "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/terraform-providers/terraform-provider-random/internal/provider"
)

func NewProvider() tfpf.Provider {
	return provider.New()
}
EOF
}

step_kubernetes() { build_provider kubernetes "$K8S_DIR" "$K8S_MOD" "$TC_K8S_VERSION"; }
step_random() { build_provider random "$RANDOM_DIR" "$RANDOM_MOD" "$TC_RANDOM_VERSION"; }

step_install_plugins() {
    local home="$TMPDIR_BUILD/out/pulumi-home" p="$TMPDIR_BUILD/out/bin/pulumi"
    mkdir -p "$home"
    {
        PULUMI_HOME="$home" "$p" plugin install resource kubernetes "$TC_K8S_VERSION" \
            --file "$TMPDIR_BUILD/plugins/pulumi-resource-kubernetes"
        PULUMI_HOME="$home" "$p" plugin install resource random "$TC_RANDOM_VERSION" \
            --file "$TMPDIR_BUILD/plugins/pulumi-resource-random"
        PULUMI_HOME="$home" "$p" plugin ls
    } >>"$LOG" 2>&1
    rm -rf "$TMPDIR_BUILD/plugins"
}

# ---------------------------------------------------------------------------------------------
# commands

cmd_build() {
    tc_load || exit 1
    if tc_stamp_ok; then
        say "reused cached toolchain $TC_DIR (pulumi $TC_PULUMI_VERSION, kubernetes $TC_K8S_VERSION, random $TC_RANDOM_VERSION)"
        return 0
    fi
    command -v go >/dev/null 2>&1 || die "go is not on PATH (expected /usr/local/go/bin/go)"
    mkdir -p "$TC_ROOT/logs"
    LOG="$TC_ROOT/logs/$TC_KEY-$(date +%Y%m%dT%H%M%S)-$$.log"
    : >"$LOG"
    trap on_exit EXIT
    # One builder at a time per cache (a second run waits, then reuses the result).
    exec 9>"$TC_ROOT/.lock"
    if ! flock -n 9; then
        say "another toolchain build holds $TC_ROOT/.lock; waiting"
        flock 9
    fi
    if tc_stamp_ok; then
        say "reused cached toolchain $TC_DIR (built by a concurrent run)"
        rm -f "$LOG"
        return 0
    fi
    say "building toolchain $TC_KEY into $TC_DIR (cold build: many minutes; log: $LOG)"

    # Leftovers of killed builds (we hold the lock, so none of them is still running).
    rm -rf "$TC_ROOT/.tmp-$TC_KEY-"*
    TMPDIR_BUILD="$TC_ROOT/.tmp-$TC_KEY-$$"
    mkdir -p "$TMPDIR_BUILD/empty" "$TMPDIR_BUILD/out/bin" "$TMPDIR_BUILD/out/pulumi-home" "$TMPDIR_BUILD/plugins"
    # Builds: module-aware, wrapper modules may be edited, no cgo, no toolchain downloads, no
    # go.work from the environment. The release modules themselves are not all in the checksum
    # database (the proxy may serve versions sum.golang.org has no record of), so they alone skip
    # it; every dependency is still verified.
    export GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0 GOTOOLCHAIN=local GOWORK=off GO111MODULE=on
    export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}$PULUMI_MOD,$LANGHOST_MOD,$K8S_MOD,$RANDOM_MOD"
    export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true PULUMI_SKIP_UPDATE_CHECK=true
    {
        echo "toolchain $TC_KEY; $(go version); GOPROXY=$(go env GOPROXY)"
        echo "GOCACHE=$(go env GOCACHE) GOMODCACHE=$(go env GOMODCACHE)"
    } >>"$LOG"

    run_step "resolve module versions" step_resolve
    run_step "pulumi CLI (pkg/v3 cmd/pulumi)" step_cli
    run_step "pulumi-language-nodejs" step_langhost
    run_step "nodejs shims" step_shims
    run_step "pulumi-resource-kubernetes" step_kubernetes
    run_step "pulumi-resource-random" step_random
    run_step "install plugins into PULUMI_HOME" step_install_plugins

    {
        echo "key=$TC_KEY"
        echo "built=$(date -u +%FT%TZ)"
        echo "go=$(go env GOVERSION)"
        echo "pulumi=$PULUMI_MOD@$CLI_VERSION"
        echo "langhost=$LANGHOST_MOD@$LANGHOST_VERSION"
        echo "kubernetes=$K8S_MOD@$K8S_VERSION_MOD"
        echo "random=$RANDOM_MOD@$RANDOM_VERSION_MOD"
    } >"$TMPDIR_BUILD/out/.toolchain-complete.tmp"
    rm -rf "$TMPDIR_BUILD/empty" "$TMPDIR_BUILD/cli" "$TMPDIR_BUILD/langhost" "$TMPDIR_BUILD"/*.json
    # Replace any previous (incomplete) dir, then publish atomically by rename; the stamp is
    # renamed into place last, so a half-published dir is never taken for complete.
    rm -rf "$TC_DIR"
    mv -T "$TMPDIR_BUILD/out" "$TC_DIR"
    mv "$TC_DIR/.toolchain-complete.tmp" "$TC_STAMP"
    rm -rf "$TMPDIR_BUILD"

    say "toolchain ready: $TC_DIR"
    echo "  step timings:"
    printf '    %s\n' "${TIMINGS[@]}"
    printf '    %-34s %5ds\n' "total" "$((SECONDS - T0))"
    echo "  sizes:"
    (cd "$TC_DIR" && du -sh bin/* pulumi-home/plugins/* 2>/dev/null | sed 's/^/    /')
    echo "    $(du -sh "$TC_DIR" | cut -f1) total in $TC_DIR"
    echo "  use:  source scripts/toolchain/env.sh   (or eval \"\$(scripts/toolchain.sh env)\")"
}

# check: one line and exit 1 on the first problem.
cmd_check() {
    tc_load || exit 1
    local fix="run: scripts/toolchain.sh" redo b got want
    redo="delete $TC_DIR and run: scripts/toolchain.sh"
    [ -d "$TC_DIR" ] || die "not built: $TC_DIR is missing (pulumi $TC_PULUMI_VERSION, kubernetes $TC_K8S_VERSION, random $TC_RANDOM_VERSION); $fix"
    tc_stamp_ok || die "incomplete build in $TC_DIR (no stamp); $fix"
    for b in pulumi pulumi-language-nodejs pulumi-resource-pulumi-nodejs; do
        [ -x "$TC_BIN/$b" ] || die "$TC_BIN/$b is missing; $redo"
    done
    got="$(PULUMI_HOME="$TC_PULUMI_HOME" PULUMI_SKIP_UPDATE_CHECK=true "$TC_BIN/pulumi" version 2>/dev/null || true)"
    [ "$got" = "v$TC_PULUMI_VERSION" ] || die "pulumi reports '${got:-nothing}', expected v$TC_PULUMI_VERSION; $redo"
    # The language host has no version flag: read the module version recorded in its build info
    # (-trimpath drops -ldflags from build info, so the module version is what can be checked).
    want="$(sed -n 's/^langhost=.*@//p' "$TC_STAMP")"
    if command -v go >/dev/null 2>&1 && [ -n "$want" ]; then
        go version -m "$TC_BIN/pulumi-language-nodejs" 2>/dev/null |
            grep -Eq "^[[:space:]]*(mod|dep)[[:space:]]+${LANGHOST_MOD}[[:space:]]+${want}([[:space:]]|\$)" ||
            die "pulumi-language-nodejs was not built from $LANGHOST_MOD@$want; $redo"
    fi
    local name ver p
    for name in kubernetes random; do
        ver="$TC_K8S_VERSION"
        [ "$name" = random ] && ver="$TC_RANDOM_VERSION"
        p="$TC_PULUMI_HOME/plugins/resource-$name-v$ver/pulumi-resource-$name"
        [ -x "$p" ] || die "plugin resource $name v$ver is not installed in $TC_PULUMI_HOME; $redo"
    done
    echo "toolchain OK: $TC_DIR (pulumi v$TC_PULUMI_VERSION, pulumi-language-nodejs $want, plugins kubernetes v$TC_K8S_VERSION, random v$TC_RANDOM_VERSION)"
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
        clean) tc_load || exit 1; rm -rf "$TC_DIR"; echo "removed $TC_DIR" ;;
        -h | --help | help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//' ;;
        *) die "unknown command '$cmd' (build|check|env|exec|path|clean)" ;;
    esac
}

# Run only when executed, so the functions can be sourced (e.g. for debugging one step).
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    main "$@"
fi
