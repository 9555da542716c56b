# shellcheck shell=bash
# Storage add-on: local-path-provisioner as the default StorageClass "standard" (kind's choice),
# from 10-storage.yaml. Replaces the control plane's bootstrap class (kube-controller-manager's
# hostPath provisioner: root-owned 0750 directories a non-root Redis cannot write).
STORAGE_MANIFEST="${CLUSTER_ADDONS_DIR}/10-storage.yaml"
STORAGE_DIR="${STATE}/local-path"

addon_10_storage_up() {
  local image provisioner
  image="$(addon_image local-path-provisioner)"
  mkdir -p "${STORAGE_DIR}"
  provisioner="$(kc get storageclass standard -o jsonpath='{.provisioner}' 2>/dev/null || true)"
  if [[ -n "${provisioner}" && "${provisioner}" != rancher.io/local-path ]]; then
    # a StorageClass's provisioner cannot be changed in place
    kc delete storageclass standard >/dev/null
  fi
  addon_apply "${STORAGE_MANIFEST}" "s#@IMAGE@#${image}#g" "s#@STORAGE_DIR@#${STORAGE_DIR}#g"
  addon_wait local-path-storage local-path-provisioner "the storage provisioner"
  say "StorageClass standard (default): local-path-provisioner ${image##*:}, volumes under ${REL_STATE}/local-path"
}
