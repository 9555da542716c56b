# shellcheck shell=bash
# The simulated node (CLUSTER_NODE=kwok, the default): kwok makes pods Running/Ready with fake
# pod IPs and keeps the Node object (objects.sh) Ready; no containers are run.
# Sourced by scripts/cluster.sh.

kwok_config() {
  # kwok's configuration: its default node/pod stages plus the stages of
  # cluster/kwok-stages.yaml (Ingress/LoadBalancer addresses). KWOK_WORKDIR
  # keeps it from also reading ~/.kwok/kwok.yaml.
  cp "${SCRIPT_DIR}/cluster/kwok-stages.yaml" "${STATE}/kwok/kwok.yaml"
}

kwok_up() {
  start kwok \
    --kubeconfig="${KCFG_DIR}/kwok.kubeconfig" --config="${STATE}/kwok/kwok.yaml" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --cidr=10.244.0.0/24 --node-ip=127.0.0.1 --server-address="127.0.0.1:${KWOK_PORT}" \
    --node-lease-duration-seconds=40
  # Without a node Lease, kwok's status heartbeats (about once a minute) miss the controller
  # manager's 50s grace period: the node flaps NotReady and its pods lose Ready for good.
  wait_until "kwok /healthz" kwok healthy kwok
  wait_until "node ${NODE_NAME} Ready" kwok node_ready
}
