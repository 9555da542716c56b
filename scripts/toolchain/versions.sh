# shellcheck shell=bash
# Which Go modules the offline Pulumi toolchain is built from, and why these versions. Sourced by
# scripts/toolchain/common.sh. The npm packages in package-lock.json stay the source of truth for
# what the program talks to; this file says how each engine part is had here.

# The CLI. 3.171.0, not the @pulumi/pulumi SDK's 3.248: from 3.172 on the CLI runs Node policy
# packs through the language host's RunPlugin, which the buildable language host (below) does not
# implement; up to 3.171 it starts the pulumi-analyzer-policy plugin instead, so
# `--policy-pack` works at preview and up. The SDK speaks the same engine protocol to both.
TC_CLI_MOD=github.com/pulumi/pulumi/pkg/v3
TC_CLI_VERSION=3.171.0

# The Node language host. From sdk/v3 3.69 on it is a module of its own, which the proxy refuses;
# in sdk/v3 3.68.0 it is still a package of the SDK module. It is the part that starts
# `node .../@pulumi/pulumi/cmd/run` for the program; the SDK it runs is the lock file's.
TC_LANGHOST_MOD=github.com/pulumi/pulumi/sdk/v3
TC_LANGHOST_VERSION=3.68.0
TC_LANGHOST_PKG=$TC_LANGHOST_MOD/nodejs/cmd/pulumi-language-nodejs

# The Kubernetes provider, by the @pulumi/kubernetes version in package-lock.json (the SDK asks
# the engine for the plugin of its own version). provider/v4 is untagged upstream; the proxy serves
# the pseudo-version of the release commit. Add a line here when moving @pulumi/kubernetes.
TC_K8S_PROVIDER_MOD=github.com/pulumi/pulumi-kubernetes/provider/v4
TC_K8S_SDK_MOD=github.com/pulumi/pulumi-kubernetes/sdk/v4
tc_k8s_provider_modver() {
    case "$1" in
        4.25.0) echo v4.0.0-20260115033456-f47bc2d6f199 ;;  # the commit tagged v4.25.0
        *) return 1 ;;
    esac
}

# The random provider: the project's own (providers/random), because every module of the
# upstream one is refused here. It is installed under the version @pulumi/random asks for.
TC_RANDOM_SRC=providers/random

# Same tags as Pulumi's release build: pure-Go os/user, grpc without x/net/trace.
TC_GO_TAGS=osusergo,grpcnotrace
TC_VERSION_LDFLAG_VAR=github.com/pulumi/pulumi/sdk/v3/go/common/version.Version
