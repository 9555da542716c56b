# shellcheck shell=bash
# Build helpers for scripts/toolchain.sh: progress lines, a log per build, Go module look-ups and
# the throw-away wrapper modules the parts are built through. Sourced; needs LOG and TMPDIR_BUILD.

T0=${T0:-$SECONDS}
STEP=""
STEP_T0=0
TIMINGS=()

say() { printf '[toolchain +%ds] %s\n' "$((SECONDS - T0))" "$*"; }
die() { echo "toolchain: $*" >&2; exit 1; }

# json_get FILE EXPR: print a field of a JSON file (j = parsed object); empty if missing.
json_get() {
    node -e '
        const fs = require("fs");
        let j; try { j = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); } catch (e) { process.exit(0); }
        let v; try { v = eval(process.argv[2]); } catch (e) { v = undefined; }
        if (v !== undefined && v !== null) console.log(typeof v === "object" ? JSON.stringify(v) : String(v));
    ' "$1" "$2"
}

# gomod_download MOD@VER: download one module version into GOMODCACHE; sets MOD_DIR and MOD_GOMOD.
# On a refusal the proxy's own words go to the log and the status is 1.
gomod_download() {
    local out="$TMPDIR_BUILD/dl.json"
    mkdir -p "$TMPDIR_BUILD/empty"
    (cd "$TMPDIR_BUILD/empty" && go mod download -json "$1") >"$out" 2>>"$LOG" || true
    MOD_DIR="$(json_get "$out" 'j.Dir')"
    MOD_GOMOD="$(json_get "$out" 'j.GoMod')"
    if [ -z "$MOD_DIR" ]; then
        echo "Go module proxy refused $1: $(json_get "$out" 'j.Error')" | tee -a "$LOG" >&2
        return 1
    fi
}

# wrapper_module DIR MOD VERSION [EXTRA_REPLACE...]: a throw-away main module that requires MOD
# and carries MOD's own replace directives (replaces only count in the main module, which is why
# `go install MOD@VERSION` fails for these modules). Local-path replaces of sibling modules of
# the same release become the same version from the proxy. EXTRA_REPLACE are OLD=NEW@VER pairs.
wrapper_module() {
    local dir="$1" mod="$2" ver="$3" old new
    shift 3
    gomod_download "$mod@$ver" || return 1
    mkdir -p "$dir"
    (cd "$dir" && go mod init toolchain.local/build && go mod edit -require="$mod@$ver")
    while IFS=$'\t' read -r old new; do
        [ -z "$old" ] && continue
        (cd "$dir" && go mod edit -replace="$old=$new")
    done < <(go mod edit -json "$MOD_GOMOD" | node -e '
        const g = JSON.parse(require("fs").readFileSync(0, "utf8"));
        for (const r of g.Replace || []) {
            const old = r.Old.Path + (r.Old.Version ? "@" + r.Old.Version : "");
            if (r.New.Version) console.log(old + "\t" + r.New.Path + "@" + r.New.Version);
            else if (/^github\.com\/pulumi\/pulumi\/(pkg|sdk)\/v3$/.test(r.Old.Path)) console.log(old + "\t" + r.Old.Path + "@" + process.argv[1]);
            else { console.error("unsupported local replace in " + process.argv[2] + ": " + old + " => " + r.New.Path); process.exit(1); }
        }' "$ver" "$mod")
    for old in "$@"; do (cd "$dir" && go mod edit -replace="$old"); done
}

# run_step NAME CMD...: run a build step with its output in $LOG, one progress line before and
# after (with the time it took).
run_step() {
    STEP="$1"
    shift
    STEP_T0=$SECONDS
    say "$STEP ..."
    echo "===== [$(date -u +%FT%TZ)] $STEP" >>"$LOG"
    "$@"
    local dt=$((SECONDS - STEP_T0))
    TIMINGS+=("$(printf '%-40s %5ds' "$STEP" "$dt")")
    say "$STEP done (${dt}s)"
    STEP=""
}

# part_cached NAME KEY BINARY: 0 when parts/KEY/BINARY is built (stamp present); else 1.
part_cached() { [ -f "$TC_PARTS/$2/.complete" ] && [ -x "$TC_PARTS/$2/$3" ]; }

# build_part NAME KEY BINARY FUNC: run FUNC OUTDIR (which must leave OUTDIR/BINARY) unless the
# part is cached; publishes atomically (temp dir, rename, stamp last).
build_part() {
    local name="$1" key="$2" bin="$3" fn="$4" out
    if part_cached "$name" "$key" "$bin"; then
        say "$name: cached ($TC_PARTS/$key)"
        TIMINGS+=("$(printf '%-40s %5s' "$name (cached)" "0s")")
        return 0
    fi
    out="$TMPDIR_BUILD/part-$key"
    mkdir -p "$out"
    run_step "$name" "$fn" "$out"
    [ -x "$out/$bin" ] || { echo "$name: $bin was not produced" >>"$LOG"; return 1; }
    date -u +%FT%TZ >"$out/.complete.tmp"
    rm -rf "${TC_PARTS:?}/$key"
    mkdir -p "$TC_PARTS"
    mv -T "$out" "$TC_PARTS/$key"
    mv "$TC_PARTS/$key/.complete.tmp" "$TC_PARTS/$key/.complete"
}

on_exit() {
    local rc=$?
    if [ "$rc" -ne 0 ] && [ -n "$STEP" ]; then
        echo "toolchain: FAILED at step '$STEP' after $((SECONDS - STEP_T0))s (total $((SECONDS - T0))s)." >&2
        if [ -n "$LOG" ] && [ -f "$LOG" ]; then
            echo "toolchain: last lines of the log:" >&2
            tail -n 15 "$LOG" | sed 's/^/    /' >&2
            echo "toolchain: full log: $LOG; fix what it says and run scripts/toolchain.sh again (finished parts are kept)" >&2
        fi
    fi
    if [ -n "$TMPDIR_BUILD" ] && [ -d "$TMPDIR_BUILD" ]; then
        chmod -R u+w "$TMPDIR_BUILD" 2>/dev/null || true
        rm -rf "$TMPDIR_BUILD"
    fi
}
