# shellcheck shell=bash
# The control plane: etcd, kube-apiserver, kube-controller-manager and kube-scheduler on
# 127.0.0.1, each started and waited for until healthy (certificates and kubeconfigs: pki.sh).
# Sourced by scripts/cluster.sh.

control_plane_up() {
  # a real kubelet serves logs/exec: the API server authenticates to it with the admin certificate
  # Pods reach the API server (add-ons in the cluster: storage provisioner, ingress controller) at
  # the kubernetes Service, whose endpoint is the pod bridge's gateway: the API server listens on
  # every address there, and node_api_firewall lets only loopback and the pod bridge in.
  APISERVER_NODE_ARGS=(--bind-address=127.0.0.1 --advertise-address=127.0.0.1 --endpoint-reconciler-type=none)
  if [[ "${NODE_MODE}" == real ]]; then
    node_api_firewall
    APISERVER_NODE_ARGS=(--kubelet-client-certificate="${PKI}/admin.crt" --kubelet-client-key="${PKI}/admin.key"
      --kubelet-preferred-address-types=InternalIP
      --bind-address=0.0.0.0 --advertise-address="${NODE_GATEWAY}" --endpoint-reconciler-type=lease)
  fi

  start etcd \
    --name=embedded --data-dir="${STATE}/etcd" \
    --listen-client-urls="https://127.0.0.1:${ETCD_PORT}" --advertise-client-urls="https://127.0.0.1:${ETCD_PORT}" \
    --listen-peer-urls="http://127.0.0.1:${ETCD_PEER_PORT}" --initial-advertise-peer-urls="http://127.0.0.1:${ETCD_PEER_PORT}" \
    --initial-cluster="embedded=http://127.0.0.1:${ETCD_PEER_PORT}" --initial-cluster-state=new \
    --cert-file="${PKI}/etcd-server.crt" --key-file="${PKI}/etcd-server.key" \
    --trusted-ca-file="${PKI}/ca.crt" --client-cert-auth=true \
    --unsafe-no-fsync=true --log-level=warn
  wait_until "etcd health" etcd healthy etcd

  start kube-apiserver \
    --etcd-servers="https://127.0.0.1:${ETCD_PORT}" \
    --etcd-cafile="${PKI}/ca.crt" --etcd-certfile="${PKI}/apiserver-etcd-client.crt" --etcd-keyfile="${PKI}/apiserver-etcd-client.key" \
    --secure-port="${API_PORT}" \
    --tls-cert-file="${PKI}/apiserver.crt" --tls-private-key-file="${PKI}/apiserver.key" \
    --client-ca-file="${PKI}/ca.crt" --cert-dir="${STATE}/apiserver" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="${PKI}/sa.pub" --service-account-signing-key-file="${PKI}/sa.key" \
    --service-cluster-ip-range=10.96.0.0/16 \
    --requestheader-client-ca-file="${PKI}/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="${PKI}/front-proxy-client.crt" --proxy-client-key-file="${PKI}/front-proxy-client.key" \
    --authorization-mode=Node,RBAC --allow-privileged=true \
    "${APISERVER_NODE_ARGS[@]}" \
    --profiling=false --v=1
  wait_until "kube-apiserver /readyz" kube-apiserver healthy kube-apiserver

  start kube-controller-manager \
    --kubeconfig="${KCFG_DIR}/controller-manager.kubeconfig" \
    --authentication-kubeconfig="${KCFG_DIR}/controller-manager.kubeconfig" \
    --authorization-kubeconfig="${KCFG_DIR}/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="${KCM_PORT}" --leader-elect=false \
    --service-account-private-key-file="${PKI}/sa.key" --root-ca-file="${PKI}/ca.crt" \
    --cluster-signing-cert-file="${PKI}/ca.crt" --cluster-signing-key-file="${PKI}/ca.key" \
    --use-service-account-credentials=true --cluster-name=embedded \
    --enable-hostpath-provisioner=true --pvclaimbinder-sync-period=2s \
    --profiling=false --v=1
  start kube-scheduler \
    --kubeconfig="${KCFG_DIR}/scheduler.kubeconfig" \
    --authentication-kubeconfig="${KCFG_DIR}/scheduler.kubeconfig" \
    --authorization-kubeconfig="${KCFG_DIR}/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="${SCHED_PORT}" --leader-elect=false --profiling=false --v=1
  wait_until "kube-controller-manager /healthz" kube-controller-manager healthy kube-controller-manager
  wait_until "kube-scheduler /healthz" kube-scheduler healthy kube-scheduler
}
