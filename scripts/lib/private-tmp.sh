# shellcheck shell=bash
# Sourced by the scripts that run the Pulumi engine (stack.sh, test.sh, bench.sh), after the
# embedded cluster is up (its processes keep the system temp directory).
# The Kubernetes provider writes the kubeconfig it is configured with, client key included, to a
# new temp file on every configure and never removes it (pulumi-kubernetes,
# provider/pkg/provider/util.go writeKubeconfigToFile): /tmp collected hundreds. So the engine
# and everything it starts get a temp directory of their own, removed when the script exits.
private_tmp() {
  PRIVATE_TMP="$(mktemp -d -t redis-platform-run.XXXXXX)"
  export TMPDIR="${PRIVATE_TMP}"
}
private_tmp_cleanup() {
  if [ -n "${PRIVATE_TMP:-}" ]; then rm -rf "${PRIVATE_TMP}"; fi
}
