# shellcheck shell=bash
# The parts of the offline Pulumi toolchain, one function each; each builds into the directory it
# is given. Versions and the reasons for them: scripts/toolchain/versions.sh. Sourced by
# scripts/toolchain.sh (needs lib.sh, tc_load, LOG, TMPDIR_BUILD).

# go_build OUT PKG LDFLAGS...: the release-style build of one main package in the current module.
go_build() {
    local out="$1" pkg="$2"
    shift 2
    go build -trimpath -tags "$TC_GO_TAGS" -ldflags "-w -s $*" -o "$out" "$pkg"
}

# The CLI from pkg/v3 cmd/pulumi. Its go.mod replaces sergi/go-diff (kept by wrapper_module).
part_cli() {
    local w="$TMPDIR_BUILD/cli" v="v$TC_CLI_VERSION"
    {
        wrapper_module "$w" "$TC_CLI_MOD" "$v" &&
            (cd "$w" && go get "$TC_CLI_MOD/cmd/pulumi@$v" &&
                go_build "$1/pulumi" "$TC_CLI_MOD/cmd/pulumi" "-X $TC_VERSION_LDFLAG_VAR=$v")
    } >>"$LOG" 2>&1 || return 1
    local got
    got="$(PULUMI_HOME="$TMPDIR_BUILD/home" "$1/pulumi" version 2>>"$LOG")"
    [ "$got" = "$v" ] || { echo "built pulumi reports '$got', expected $v" >>"$LOG"; return 1; }
}

# The Node language host, a package of sdk/v3 at this version (its go.mod replaces x/text).
part_langhost() {
    local w="$TMPDIR_BUILD/langhost" v="v$TC_LANGHOST_VERSION"
    {
        wrapper_module "$w" "$TC_LANGHOST_MOD" "$v" &&
            (cd "$w" && go get "$TC_LANGHOST_PKG@$v" &&
                go_build "$1/pulumi-language-nodejs" "$TC_LANGHOST_PKG" "-X $TC_VERSION_LDFLAG_VAR=$v")
    } >>"$LOG" 2>&1
}

# The Kubernetes provider, from a writable copy of the provider module: its go.mod points the
# SDK module at ../sdk (not in the zip), so it gets the sdk/v4 release of the same version, and
# `go generate` makes schema-embed.json / terraform-mapping-embed.json from the committed files
# (they are //go:embed'ed but not in the zip), as the provider's Makefile does.
part_kubernetes() {
    local src d="$TMPDIR_BUILD/src-kubernetes" cmd=./cmd/pulumi-resource-kubernetes
    gomod_download "$TC_K8S_PROVIDER_MOD@$TC_K8S_MODVER" || return 1
    src="$MOD_DIR"
    {
        cp -R "$src" "$d" && chmod -R u+w "$d" &&
            (cd "$d" && go mod edit -replace="$TC_K8S_SDK_MOD=$TC_K8S_SDK_MOD@v$TC_K8S_VERSION" &&
                VERSION="$TC_K8S_VERSION" go generate "$cmd" &&
                go build -trimpath -ldflags "-s -w -X $TC_K8S_PROVIDER_MOD/pkg/version.Version=$TC_K8S_VERSION" \
                    -o "$1/pulumi-resource-kubernetes" "$cmd")
    } >>"$LOG" 2>&1
}

# The project's own random provider (providers/random), stamped with the version it is installed
# under (the version says it is the project's build: semver build metadata, which the engine's
# version comparison ignores); its Go tests run in npm test.
part_random() {
    (cd "$TC_REPO_ROOT/$TC_RANDOM_SRC" &&
        go build -trimpath -ldflags "-s -w -X main.version=$TC_RANDOM_VERSION+redis-platform" -o "$1/pulumi-resource-random" .) >>"$LOG" 2>&1
}

# assemble OUT: bin/ (CLI, language host, the project's shims) and a PULUMI_HOME with the two
# resource plugins installed the way `pulumi plugin install --file` installs a local binary.
assemble() {
    local out="$1" home="$1/pulumi-home"
    mkdir -p "$out/bin" "$home"
    cp "$TC_PARTS/$TC_PART_CLI/pulumi" "$TC_PARTS/$TC_PART_LANGHOST/pulumi-language-nodejs" "$out/bin/"
    install -m 0755 "$TC_REPO_ROOT"/scripts/toolchain/shims/* "$out/bin/"
    {
        PULUMI_HOME="$home" "$out/bin/pulumi" plugin install resource kubernetes "$TC_K8S_VERSION" \
            --file "$TC_PARTS/$TC_PART_K8S/pulumi-resource-kubernetes" &&
            PULUMI_HOME="$home" "$out/bin/pulumi" plugin install resource random "$TC_RANDOM_VERSION" \
                --file "$TC_PARTS/$TC_PART_RANDOM/pulumi-resource-random" &&
            PULUMI_HOME="$home" "$out/bin/pulumi" plugin ls
    } >>"$LOG" 2>&1
}
