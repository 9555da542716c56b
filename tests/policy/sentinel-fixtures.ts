// The replicated Redis's Sentinel mode as the program builds it (components/redis-replicated/sentinel.ts),
// in a namespace of its own ("ha") beside fixtures.ts's compliant stack: one StatefulSet of Redis nodes
// whose role a start script asks the Sentinels for, a Sentinel StatefulSet on 26379 without claims, the
// write Service selecting a label set at run time, and NetworkPolicies for 6379 and 26379. All compliant.
import { Container, K8sObject, Labels } from "../../policy/rules";
import { DIGEST, allowRedis, configMap, container, defaultDeny, labels, namespace, pdb, service, workload } from "./fixtures";

export const HA = "ha";
export const NODE_SET = `StatefulSet/${HA}/redis-node`;
export const SENTINEL_SET = `StatefulSet/${HA}/redis-sentinel`;
export const SENTINEL_CM = `ConfigMap/${HA}/redis-sentinel-mode`;
export const NODE_CONF = "dir /data\nmaxmemory 192mb\nappendonly yes\nappendfsync everysec\nreplica-read-only yes\n";
export const SENTINEL_START = [
    'echo "sentinel monitor mymaster ${master} 6379 ${QUORUM}" >> "$conf"',
    'echo "include /etc/redis-auth/sentinel-auth.conf" >> "$conf"',
    'exec redis-server "$conf" --sentinel',
].join("\n") + "\n";

const IMAGE = `docker.io/library/redis:7.2.5-alpine${DIGEST}`;
const selector = (l: Labels): Labels => ({
    "app.kubernetes.io/name": l["app.kubernetes.io/name"], "app.kubernetes.io/instance": l["app.kubernetes.io/instance"],
    "app.kubernetes.io/component": l["app.kubernetes.io/component"],
});
const configVolume = { name: "config", configMap: { name: "redis-sentinel-mode" } };
const configMount = { name: "config", mountPath: "/etc/redis", readOnly: true };
const authMount = { name: "auth", mountPath: "/etc/redis-auth", readOnly: true };
const authVolume = (file: string) => ({ name: "auth", secret: { secretName: "redis-secret", items: [{ key: file, path: file }] } });

export function nodeContainer(): Container {
    return container("redis", {
        image: IMAGE,
        command: ["sh", "/etc/redis/node-start.sh", "/etc/redis/redis.conf"],
        ports: [{ name: "redis", containerPort: 6379 }],
        resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } },
        livenessProbe: { tcpSocket: { port: "redis" }, periodSeconds: 10 },
        readinessProbe: { exec: { command: ["sh", "-c", "redis-cli -p 6379 info replication | grep -qE 'role:master|master_link_status:up'"] }, periodSeconds: 5 },
        volumeMounts: [configMount, { name: "data", mountPath: "/data" }, authMount, { name: "run", mountPath: "/run/redis" }],
    });
}

export function sentinelContainer(): Container {
    return container("sentinel", {
        image: IMAGE,
        command: ["sh", "/etc/redis/sentinel-start.sh"],
        ports: [{ name: "sentinel", containerPort: 26379 }],
        resources: { requests: { cpu: "20m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
        livenessProbe: { tcpSocket: { port: "sentinel" }, periodSeconds: 10 },
        readinessProbe: { exec: { command: ["sh", "-c", "redis-cli -p 26379 ping | grep -q PONG"] }, periodSeconds: 5 },
        volumeMounts: [configMount, authMount, { name: "run", mountPath: "/run/sentinel" }],
    });
}

/** Sentinel mode in namespace "ha": 3 nodes (any may be master), 3 Sentinels, both ports behind NetworkPolicies. */
export function sentinelStack(): K8sObject[] {
    const nodes = labels("redis", "node", HA);
    const sentinels = labels("redis", "sentinel", HA);
    const instance = { "app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": HA };
    const clients = { podSelector: { matchLabels: { [`clients.redis-platform/${HA}`]: "true" } },
        namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: [HA, "shop"] }] } };
    const run = { name: "run", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } };
    const nodeSet = workload("StatefulSet", "redis-node", HA, "node", {
        labels: nodes, replicas: 3, containers: [nodeContainer()], volumes: [configVolume, authVolume("auth.conf"), run],
    });
    nodeSet.spec.serviceName = "redis-headless";
    nodeSet.spec.selector = { matchLabels: selector(nodes) };
    nodeSet.spec.volumeClaimTemplates = [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "2Gi" } } } }];
    const sentinelSet = workload("StatefulSet", "redis-sentinel", HA, "sentinel", {
        labels: sentinels, replicas: 3, containers: [sentinelContainer()], volumes: [configVolume, authVolume("sentinel-auth.conf"), run],
    });
    sentinelSet.spec.serviceName = "redis-sentinel-headless";
    sentinelSet.spec.selector = { matchLabels: selector(sentinels) };
    sentinelSet.spec.podManagementPolicy = "Parallel";
    // The labeler sets redis-platform/role on the pods at run time; the annotation tells the pack so.
    const roleService = (name: string, role: string) => {
        const s = service(name, HA, { ...selector(nodes), "redis-platform/role": role }, [{ port: 6379, name: "redis" }]);
        s.metadata = { ...s.metadata, annotations: { "redis-platform/runtime-selector-keys": "redis-platform/role" } };
        return s;
    };
    return [
        namespace(HA),
        configMap("redis-sentinel-mode", HA, { "redis.conf": NODE_CONF, "sentinel-start.sh": SENTINEL_START }),
        nodeSet,
        sentinelSet,
        service("redis-headless", HA, selector(nodes), [{ port: 6379, name: "redis" }], { clusterIP: "None", publishNotReadyAddresses: true }),
        roleService("redis-master", "master"),
        roleService("redis-replica", "replica"),
        service("redis-sentinel", HA, selector(sentinels), [{ port: 26379, name: "sentinel" }]),
        pdb("redis-node", HA, selector(nodes)),
        pdb("redis-sentinel", HA, selector(sentinels)),
        defaultDeny(HA),
        allowRedis("allow-redis-clients", HA, instance, [{ podSelector: { matchLabels: instance } }, clients]),
        {
            apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "allow-sentinel-clients", namespace: HA },
            spec: {
                podSelector: { matchLabels: selector(sentinels) }, policyTypes: ["Ingress"],
                ingress: [{ from: [{ podSelector: { matchLabels: instance } }, clients], ports: [{ port: 26379, protocol: "TCP" }] }],
            },
        },
    ];
}
