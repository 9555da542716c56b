# shellcheck shell=bash
# The Pulumi toolchain's cold build (20-30 minutes on 2 cores) in the background, while the
# embedded cluster builds and starts in the foreground. It runs at the lowest CPU priority
# (nice 19), so it takes only the cycles the foreground leaves idle (a linker on one core, module
# downloads, the cluster's start-up waits) and never slows the cluster's own steps and their
# timeouts. Sourced by scripts/test.sh and scripts/stack.sh, from the repository root; the caller
# defines say.
#
#   toolchain_bg_start   start the build if the toolchain is not built (else nothing)
#   toolchain_bg_wait    show the build's output, wait for it, then make sure the toolchain is
#                        there (scripts/toolchain.sh: a no-op once built); non-zero on failure
#   toolchain_bg_stop    stop a build still running (for an early exit)

TOOLCHAIN_BG_PID=""
TOOLCHAIN_BG_OUT=""

toolchain_bg_start() {
    bash scripts/toolchain.sh check >/dev/null 2>&1 && return 0
    TOOLCHAIN_BG_OUT="$(mktemp "${TMPDIR:-/tmp}/toolchain-build.XXXXXX")"
    # its own process group (setsid), so that toolchain_bg_stop reaches the go processes too
    setsid nice -n 19 bash scripts/toolchain.sh build >"$TOOLCHAIN_BG_OUT" 2>&1 </dev/null &
    TOOLCHAIN_BG_PID=$!
    say "Pulumi toolchain: building in the background at low priority while the cluster comes up (output follows when it is needed)"
}

toolchain_bg_wait() {
    if [ -n "$TOOLCHAIN_BG_PID" ]; then
        say "Pulumi toolchain: waiting for the background build"
        tail -n +1 -f --pid="$TOOLCHAIN_BG_PID" "$TOOLCHAIN_BG_OUT"
        local status=0
        wait "$TOOLCHAIN_BG_PID" || status=$?
        TOOLCHAIN_BG_PID=""
        rm -f "$TOOLCHAIN_BG_OUT"
        [ "$status" = 0 ] || return "$status"
    fi
    bash scripts/toolchain.sh build
}

toolchain_bg_stop() {
    [ -n "$TOOLCHAIN_BG_PID" ] || return 0
    kill -TERM -- "-$TOOLCHAIN_BG_PID" 2>/dev/null || true
    wait "$TOOLCHAIN_BG_PID" 2>/dev/null || true
    TOOLCHAIN_BG_PID=""
    rm -f "$TOOLCHAIN_BG_OUT"
}
