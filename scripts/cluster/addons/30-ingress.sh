# shellcheck shell=bash
# Ingress add-on: Traefik serving the IngressClass "traefik" at http://<node address>:80/
# (30-ingress.yaml). CLUSTER_INGRESS_PORT moves the port.
INGRESS_MANIFEST="${CLUSTER_ADDONS_DIR}/30-ingress.yaml"
INGRESS_PORT="${CLUSTER_INGRESS_PORT:-80}"

addon_30_ingress_up() {
  local image
  [[ "${INGRESS_PORT}" =~ ^[0-9]+$ && ${INGRESS_PORT} -ge 1 && ${INGRESS_PORT} -le 65535 ]] \
    || fail traefik "CLUSTER_INGRESS_PORT=${INGRESS_PORT}: use a TCP port number (1-65535)"
  if ss -Hltn "( sport = :${INGRESS_PORT} )" 2>/dev/null | grep -qE "(${NODE_GATEWAY}|0\.0\.0\.0|\*|\[::\]):${INGRESS_PORT}\b"; then
    fail traefik "port ${INGRESS_PORT} is taken on ${NODE_GATEWAY} ($(ss -Hltnp "( sport = :${INGRESS_PORT} )" 2>/dev/null | head -n 1)); stop that program or set CLUSTER_INGRESS_PORT to a free port"
  fi
  image="$(addon_image traefik)"
  addon_apply "${INGRESS_MANIFEST}" "s#@IMAGE@#${image}#g" "s#@NODE_IP@#${NODE_GATEWAY}#g" "s#@HOST_PORT@#${INGRESS_PORT}#g"
  addon_wait ingress-traefik traefik "the ingress controller"
  say "IngressClass traefik: Traefik ${image##*:} at http://${NODE_GATEWAY}:${INGRESS_PORT}/ (with the Ingress's Host header)"
}
