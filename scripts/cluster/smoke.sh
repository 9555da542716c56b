#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Smoke test of a running embedded cluster (scripts/cluster.sh up): creates the
# kinds of objects this project deploys in a throw-away namespace and checks
# what the cluster does with them:
#   Deployment (2 replicas) -> pods Running/Ready with pod IPs
#   ClusterIP Service       -> EndpointSlice with 2 ready endpoints
#   StatefulSet + volumeClaimTemplate -> claims Bound (hostPath provisioner)
#   PodDisruptionBudget, HorizontalPodAutoscaler, NetworkPolicy -> accepted
#   Ingress, Service type LoadBalancer -> address 127.0.0.1 (cluster/kwok-stages.yaml)
#   StatefulSet deleted with whenDeleted: Delete -> claims and volumes removed
# Usage: scripts/cluster/smoke.sh   (exit 0 when every check passed)
set -Eeuo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "${HERE}/../.." && pwd)"
# shellcheck source=versions.sh
source "${HERE}/versions.sh"
KUBECONFIG_FILE="${ROOT}/.cluster/kubeconfig"
NS="${SMOKE_NAMESPACE:-cluster-smoke}"
[[ -f "${KUBECONFIG_FILE}" ]] || { echo "smoke: no ${KUBECONFIG_FILE}; run: npm run cluster:up" >&2; exit 1; }
KUBECTL="${CLUSTER_BIN_DIR}/kubectl"
[[ -x "${KUBECTL}" ]] || KUBECTL="$(command -v kubectl)"
kc() { "${KUBECTL}" --kubeconfig "${KUBECONFIG_FILE}" --context embedded "$@"; }

T0=$(date +%s)
PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); printf '[smoke %3ss] ok   %s\n' "$(($(date +%s) - T0))" "$*"; }
bad() { FAIL=$((FAIL + 1)); printf '[smoke %3ss] FAIL %s\n' "$(($(date +%s) - T0))" "$*"; }
# eventually SECONDS DESCRIPTION CMD...: retry CMD every second until it succeeds.
eventually() {
  local secs="$1" what="$2" i
  shift 2
  for ((i = 0; i < secs; i++)); do
    if "$@" >/dev/null 2>&1; then ok "${what}"; return 0; fi
    sleep 1
  done
  bad "${what} (not within ${secs}s)"
  return 1
}
count_is() { # count_is N CMD...: CMD prints N non-empty lines
  local want="$1"; shift
  [[ "$("$@" 2>/dev/null | grep -c .)" == "${want}" ]]
}

kc delete namespace "${NS}" --ignore-not-found --wait=true >/dev/null
kc create namespace "${NS}" >/dev/null && ok "namespace ${NS} created"

kc -n "${NS}" apply -f - >/dev/null <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: registry.invalid/web:1.0
        ports: [{containerPort: 8080, name: http}]
        resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: 500m, memory: 128Mi}}
        readinessProbe: {httpGet: {path: /, port: http}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: ClusterIP
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: web-public}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: web}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 4
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
  - host: web.example.test
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-allow-http}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
  - ports: [{port: 8080, protocol: TCP}]
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{name: redis, port: 6379}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete, whenScaled: Retain}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - name: redis
        image: registry.invalid/redis:7
        ports: [{containerPort: 6379, name: redis}]
        resources: {requests: {cpu: 100m, memory: 128Mi}}
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
EOF
ok "Deployment, Service, PDB, HPA, Ingress, NetworkPolicy, StatefulSet applied"

eventually 90 "Deployment web: 2/2 replicas available" \
  bash -c "[[ \"\$(\"${KUBECTL}\" --kubeconfig '${KUBECONFIG_FILE}' -n '${NS}' get deploy web -o jsonpath='{.status.availableReplicas}')\" == 2 ]]"
eventually 60 "pods of web have pod IPs" \
  count_is 2 kc -n "${NS}" get pods -l app=web -o jsonpath='{range .items[*]}{.status.podIP}{"\n"}{end}'
eventually 60 "EndpointSlice of Service web: 2 ready endpoints" \
  count_is 2 bash -c "\"${KUBECTL}\" --kubeconfig '${KUBECONFIG_FILE}' -n '${NS}' get endpointslices -l kubernetes.io/service-name=web \
    -o jsonpath='{range .items[*].endpoints[*]}{.conditions.ready}{\"\\n\"}{end}' | grep -x true"
eventually 30 "Ingress web and Service web-public (LoadBalancer) get address 127.0.0.1" \
  bash -c "[[ \"\$(\"${KUBECTL}\" --kubeconfig '${KUBECONFIG_FILE}' -n '${NS}' get ingress web -o jsonpath='{.status.loadBalancer.ingress[0].ip}')/\$(\"${KUBECTL}\" --kubeconfig '${KUBECONFIG_FILE}' -n '${NS}' get svc web-public -o jsonpath='{.status.loadBalancer.ingress[0].ip}')\" == 127.0.0.1/127.0.0.1 ]]"
eventually 90 "StatefulSet db: 2/2 ready" \
  bash -c "[[ \"\$(\"${KUBECTL}\" --kubeconfig '${KUBECONFIG_FILE}' -n '${NS}' get sts db -o jsonpath='{.status.readyReplicas}')\" == 2 ]]"
eventually 60 "claims data-db-0, data-db-1 Bound (StorageClass standard)" \
  count_is 2 bash -c "\"${KUBECTL}\" --kubeconfig '${KUBECONFIG_FILE}' -n '${NS}' get pvc \
    -o jsonpath='{range .items[*]}{.status.phase}/{.spec.storageClassName}{\"\\n\"}{end}' | grep -x Bound/standard"
PVS="$(kc -n "${NS}" get pvc -o jsonpath='{range .items[*]}{.spec.volumeName}{" "}{end}')"
kc get pdb,hpa,ingress,networkpolicy -n "${NS}" -o name | grep -q 'ingress' && ok "PDB/HPA/Ingress/NetworkPolicy readable"
eventually 30 "PDB web: currentHealthy 2, disruptionsAllowed 1" \
  bash -c "[[ \"\$(\"${KUBECTL}\" --kubeconfig '${KUBECONFIG_FILE}' -n '${NS}' get pdb web -o jsonpath='{.status.currentHealthy}/{.status.disruptionsAllowed}')\" == 2/1 ]]"

echo "----- objects"
kc -n "${NS}" get deploy,sts,pods,svc,endpointslices,pvc,pdb,hpa,ingress,networkpolicy -o wide 2>&1 | sed 's/^/  /'
kc get pv 2>&1 | sed 's/^/  /'
echo "-----"

kc -n "${NS}" delete statefulset db --wait=true >/dev/null && ok "StatefulSet db deleted (whenDeleted: Delete)"
eventually 90 "claims of db deleted by the StatefulSet retention policy" \
  count_is 0 kc -n "${NS}" get pvc -o name
for pv in ${PVS}; do
  eventually 60 "volume ${pv} deleted (reclaimPolicy Delete)" \
    bash -c "! \"${KUBECTL}\" --kubeconfig '${KUBECONFIG_FILE}' get pv '${pv}' -o name"
done

if [[ "${SMOKE_KEEP:-0}" != 1 ]]; then
  kc delete namespace "${NS}" --wait=true --timeout=120s >/dev/null && ok "namespace ${NS} deleted"
fi
echo "smoke: ${PASS} passed, ${FAIL} failed"
[[ ${FAIL} -eq 0 ]]
