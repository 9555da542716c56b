# shellcheck shell=bash
# Storage add-on: local-path-provisioner as the default StorageClass "standard" (kind's choice),
# from 10-storage.yaml. Replaces the control plane's bootstrap class (kube-controller-manager's
# hostPath provisioner: root-owned 0750 directories a non-root Redis cannot write).
STORAGE_MANIFEST="${CLUSTER_ADDONS_DIR}/10-storage.yaml"
STORAGE_DIR="${STATE}/local-path"

addon_10_storage_up() {
  local image provisioner
  image="$(bash "${ROOT}/scripts/images.sh" list | grep '/local-path-provisioner:')"
  mkdir -p "${STORAGE_DIR}"
  provisioner="$(kc get storageclass standard -o jsonpath='{.provisioner}' 2>/dev/null || true)"
  if [[ -n "${provisioner}" && "${provisioner}" != rancher.io/local-path ]]; then
    # a StorageClass's provisioner cannot be changed in place
    kc delete storageclass standard >/dev/null
  fi
  sed -e "s#@IMAGE@#${image}#g" -e "s#@STORAGE_DIR@#${STORAGE_DIR}#g" "${STORAGE_MANIFEST}" | kc apply -f - >/dev/null
  if ! kc -n local-path-storage rollout status deployment/local-path-provisioner --timeout="${CLUSTER_START_TIMEOUT:-180}s" >/dev/null 2>&1; then
    fail local-path-provisioner "the storage provisioner did not become ready within ${CLUSTER_START_TIMEOUT:-180}s; see: kubectl -n local-path-storage describe pod; kubectl -n local-path-storage logs deploy/local-path-provisioner"
  fi
  say "StorageClass standard (default): local-path-provisioner ${image##*:}, volumes under ${REL_STATE}/local-path"
}
