# shellcheck shell=bash
# The first API objects, created once the control plane is up: the default StorageClass and,
# for the simulated node, its Node object (the real kubelet registers its own).
# Sourced by scripts/cluster.sh.

bootstrap_objects() {
  # A default StorageClass served by kube-controller-manager's built-in hostPath
  # provisioner (testing only: volumes are directories under /tmp/hostpath_pv/,
  # deleted again when their claim is deleted: reclaimPolicy Delete).
  kc apply -f - >/dev/null <<EOF
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kubernetes.io/host-path
reclaimPolicy: Delete
volumeBindingMode: Immediate
allowVolumeExpansion: false
EOF
  if [[ "${NODE_MODE}" == real ]]; then
    say "default StorageClass 'standard' present; the kubelet registers node ${NODE_NAME}"
  elif ! kc get node "${NODE_NAME}" -o name >/dev/null 2>&1; then
    # Nodes may carry status on create; kwok then keeps it Ready and heartbeats it.
    kc create -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: ${NODE_NAME}
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/hostname: ${NODE_NAME}
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    node.kubernetes.io/instance-type: kwok
spec:
  podCIDR: 10.244.0.0/24
  podCIDRs: [10.244.0.0/24]
status:
  capacity: {cpu: "${NODE_CPU}", memory: "${NODE_MEMORY}", pods: "${NODE_PODS}", ephemeral-storage: 100Gi}
  allocatable: {cpu: "${NODE_CPU}", memory: "${NODE_MEMORY}", pods: "${NODE_PODS}", ephemeral-storage: 100Gi}
  addresses:
  - {type: InternalIP, address: 127.0.0.1}
  - {type: Hostname, address: ${NODE_NAME}}
  nodeInfo:
    architecture: amd64
    operatingSystem: linux
    osImage: kwok simulated node
    kernelVersion: kwok
    kubeletVersion: ${CLUSTER_K8S_VERSION}
    kubeProxyVersion: ""
    containerRuntimeVersion: kwok://${CLUSTER_KWOK_VERSION}
    machineID: ""
    systemUUID: ""
    bootID: ""
EOF
    say "created node ${NODE_NAME} (cpu ${NODE_CPU}, memory ${NODE_MEMORY}, pods ${NODE_PODS}) and default StorageClass 'standard'"
  else
    say "node ${NODE_NAME} and StorageClass 'standard' present"
  fi
}
