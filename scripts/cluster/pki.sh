# shellcheck shell=bash
# Certificates (openssl: the CA, serving and client certificates, the service-account key) and
# kubeconfigs, all under .cluster/; reused while complete. Sourced by scripts/cluster.sh.

gen_key_ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
# sign NAME SUBJECT EXTENSIONS [CA]: key + certificate NAME.{key,crt} signed by CA (default: ca).
sign() {
  local name="$1" subj="$2" ext="$3" ca="${4:-ca}"
  gen_key_ec "${PKI}/${name}.key"
  openssl req -new -key "${PKI}/${name}.key" -subj "${subj}" -out "${PKI}/${name}.csr" 2>/dev/null
  printf '%s\n' "${ext}" >"${PKI}/${name}.ext"
  openssl x509 -req -in "${PKI}/${name}.csr" -CA "${PKI}/${ca}.crt" -CAkey "${PKI}/${ca}.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days 825 -sha256 \
    -extfile "${PKI}/${name}.ext" -out "${PKI}/${name}.crt" 2>/dev/null
  rm -f "${PKI}/${name}.csr" "${PKI}/${name}.ext"
}
gen_pki() {
  local all=(ca.crt ca.key sa.key sa.pub apiserver.crt apiserver.key admin.crt admin.key etcd-server.crt etcd-server.key
    apiserver-etcd-client.crt apiserver-etcd-client.key controller-manager.crt controller-manager.key
    scheduler.crt scheduler.key kwok.crt kwok.key front-proxy-ca.crt front-proxy-ca.key
    front-proxy-client.crt front-proxy-client.key) f complete=1
  for f in "${all[@]}"; do [[ -s "${PKI}/${f}" ]] || complete=0; done
  if [[ ${complete} -eq 1 ]]; then say "reusing certificates in ${REL_STATE}/pki"; return; fi
  say "generating CA, serving/client certificates and the service-account key in ${REL_STATE}/pki (openssl)"
  rm -rf "${PKI}"; mkdir -p "${PKI}"; chmod 700 "${PKI}"
  local server="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth"
  local client="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
  gen_key_ec "${PKI}/ca.key"
  openssl req -x509 -new -key "${PKI}/ca.key" -subj "/CN=redis-platform-embedded-ca" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "${PKI}/ca.crt" 2>/dev/null
  sign apiserver "/CN=kube-apiserver" "${server}
subjectAltName=IP:127.0.0.1,IP:10.96.0.1,IP:${NODE_GATEWAY},DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  # etcd also dials itself (grpc gateway) with its serving certificate: serverAuth + clientAuth
  sign etcd-server "/CN=etcd" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=IP:127.0.0.1,DNS:localhost"
  sign apiserver-etcd-client "/CN=kube-apiserver-etcd-client" "${client}"
  sign admin "/O=system:masters/CN=embedded-admin" "${client}"
  sign controller-manager "/CN=system:kube-controller-manager" "${client}"
  sign scheduler "/CN=system:kube-scheduler" "${client}"
  sign kwok "/O=system:masters/CN=kwok-controller" "${client}"
  # the aggregation layer's request-header CA (what kube-controller-manager and
  # kube-scheduler read from kube-system/extension-apiserver-authentication)
  gen_key_ec "${PKI}/front-proxy-ca.key"
  openssl req -x509 -new -key "${PKI}/front-proxy-ca.key" -subj "/CN=redis-platform-embedded-front-proxy-ca" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "${PKI}/front-proxy-ca.crt" 2>/dev/null
  sign front-proxy-client "/CN=front-proxy-client" "${client}" front-proxy-ca
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "${PKI}/sa.key" 2>/dev/null
  openssl pkey -in "${PKI}/sa.key" -pubout -out "${PKI}/sa.pub" 2>/dev/null
  chmod 600 "${PKI}"/*.key
  for f in "${all[@]}"; do [[ -s "${PKI}/${f}" ]] || die "openssl did not produce ${REL_STATE}/pki/${f}"; done
}
# write_kubeconfig FILE USER CERTNAME
write_kubeconfig() {
  local file="$1" user="$2" cert="$3"
  rm -f "${file}"
  (umask 077 && cat >"${file}") <<EOF
apiVersion: v1
kind: Config
clusters:
- name: embedded
  cluster:
    server: https://127.0.0.1:${API_PORT}
    certificate-authority-data: $(base64 -w0 <"${PKI}/ca.crt")
users:
- name: ${user}
  user:
    client-certificate-data: $(base64 -w0 <"${PKI}/${cert}.crt")
    client-key-data: $(base64 -w0 <"${PKI}/${cert}.key")
contexts:
- name: ${CONTEXT}
  context:
    cluster: embedded
    user: ${user}
    namespace: default
current-context: ${CONTEXT}
EOF
}
