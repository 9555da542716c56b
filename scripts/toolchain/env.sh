# shellcheck shell=bash
# Source this file (bash) to use the project's cached Pulumi toolchain in the current shell:
#
#   source scripts/toolchain/env.sh
#
# It builds nothing (run scripts/toolchain.sh for that). It exports:
#   PATH                 <cache>/toolchain/<key>/bin prepended (pulumi, pulumi-language-nodejs, shims)
#   PULUMI_HOME          <cache>/toolchain/<key>/pulumi-home (holds the installed provider plugins)
#   PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true   never download plugins
#   PULUMI_SKIP_UPDATE_CHECK=true                       never ask for a newer CLI
#   PULUMI_BACKEND_URL   file://<repo>/.pulumi-state unless already set (local file backend)
#   PULUMI_CONFIG_PASSPHRASE  "local-only-dev-passphrase" unless PULUMI_CONFIG_PASSPHRASE or
#                        PULUMI_CONFIG_PASSPHRASE_FILE is already set. LOCAL ONLY: it protects
#                        nothing, it just lets the local file backend encrypt config secrets.
# Returns non-zero (after exporting) with one line on stderr if the toolchain is not built yet.

# shellcheck source=scripts/toolchain/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh" || return 1
if tc_load; then
    tc_export_env
    if ! tc_stamp_ok; then
        echo "toolchain: not built yet at $TC_DIR; run: scripts/toolchain.sh" >&2
        false
    fi
else
    false
fi
