/**
 * The replicated Redis's Sentinel mode: one StatefulSet of Redis nodes (master and replicas alike),
 * Sentinels that elect the master and promote a replica when it fails, and a role labeler that keeps
 * the write Service on the current master and the read Service on the replicas (as Bitnami's
 * `sentinel.masterService` does). Start and stop scripts (./scripts, mounted from a ConfigMap) make
 * every node ask the Sentinels for the master before it serves, and a stopping master hand over first.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "fs";
import { join } from "path";
import type { RedisSizing, SentinelConfig, WriteSafety } from "../../config";
import { Labels, labelsFor } from "../shared/labels";
import { allowIngress, peer } from "../shared/network";
import { checksum, redisConf, redisContainer } from "../shared/redis";
import { disruptionBudget, servedDeployment, service } from "../shared/workload";
import { ClaimArgs, redisStatefulSet } from "./statefulset";

export const SENTINEL_PORT = 26379;
/** The pod label the labeler sets and the write and read Services select. */
export const ROLE_LABEL = "redis-platform/role";
/** Service annotation naming selector keys that pods get at run time (the policy pack and tests read it). */
export const RUNTIME_SELECTOR_KEYS = "redis-platform/runtime-selector-keys";
const SCRIPTS = ["lib.sh", "node-start.sh", "node-prestop.sh", "sentinel-start.sh"] as const;
const SENTINEL_RESOURCES = { cpuRequest: "20m", cpuLimit: "100m", memoryRequest: "16Mi", memoryLimit: "64Mi" };
// Node loads the Kubernetes client for some seconds at start: a limit below 250m makes that 30 s.
const LABELER_RESOURCES = { cpuRequest: "10m", cpuLimit: "250m", memoryRequest: "48Mi", memoryLimit: "128Mi" };

type Env = k8s.types.input.core.v1.EnvVar;

/** The Sentinel's included Secret file: its own password and the one it uses with Redis and its peers. */
export function sentinelAuthConf(password: string, masterSet: string): string {
    return `requirepass ${password}\nsentinel auth-pass ${masterSet} ${password}\nsentinel sentinel-pass ${password}\n`;
}

export interface SentinelTopologyArgs {
    readonly name: string;
    readonly namespace: pulumi.Output<string>;
    readonly environment: string;
    readonly image: string;
    /** Read replicas: the node set runs replicas + 1. */
    readonly replicas: number;
    readonly redis: RedisSizing;
    readonly persistence: boolean;
    readonly claims: ClaimArgs;
    readonly sentinel: SentinelConfig;
    readonly writeSafety: WriteSafety;
    readonly secret: { readonly name: pulumi.Input<string>; readonly passwordKey: string };
    /** Pods (with namespaces) allowed to reach 6379 and 26379 besides the set's own. */
    readonly clients: k8s.types.input.networking.v1.NetworkPolicyPeer;
    readonly headless: string;
}

export interface SentinelTopology {
    readonly write: k8s.core.v1.Service;
    readonly read: k8s.core.v1.Service;
    readonly sentinelService: k8s.core.v1.Service;
}

export function sentinelTopology(parent: pulumi.Resource, a: SentinelTopologyArgs): SentinelTopology {
    const { name, namespace } = a;
    const role = (component: string, app = "redis"): Labels => labelsFor({ name: app, instance: name, component, environment: a.environment });
    const [nodes, sentinels] = [role("node"), role("sentinel")];
    const labeler = role("role-labeler", "redis-role-labeler");
    const nodeSet = "redis-node";
    const sentinelSet = "redis-sentinel";
    const sentinelHeadless = "redis-sentinel-headless";

    const data: Record<string, string> = {
        "redis.conf": redisConf({ sizing: a.redis, persistence: a.persistence, writeSafety: a.writeSafety }),
    };
    for (const file of SCRIPTS) data[file] = readFileSync(join(__dirname, "scripts", file), "utf8");
    const configMap = new k8s.core.v1.ConfigMap(`${name}-sentinel-config`, {
        metadata: { name: "redis-sentinel-mode", namespace, labels: nodes.all },
        data,
    }, { parent });

    const common: Env[] = [
        { name: "NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
        { name: "NODES", value: String(a.replicas + 1) },
        { name: "NODE_SET", value: nodeSet },
        { name: "HEADLESS", value: a.headless },
        { name: "SENTINELS", value: String(a.sentinel.count) },
        { name: "SENTINEL_SET", value: sentinelSet },
        { name: "SENTINEL_HEADLESS", value: sentinelHeadless },
        { name: "MASTER_SET", value: a.sentinel.masterSet },
        // redis-cli (scripts, probes) sends it with every command: a Secret reference, never an argument.
        { name: "REDISCLI_AUTH", valueFrom: { secretKeyRef: { name: a.secret.name, key: a.secret.passwordKey } } },
    ];
    const volumes = (authFile: string) => [
        { name: "config", configMap: { name: configMap.metadata.name, defaultMode: 0o444 } },
        { name: "auth", secret: { secretName: a.secret.name, items: [{ key: authFile, path: authFile }], defaultMode: 0o440 } },
        // The effective config: written at start, rewritten by Sentinel; in memory, gone with the pod.
        { name: "run", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
    ];
    const annotations = { "checksum/config": checksum(JSON.stringify(data)) };

    // Redis nodes. Role-free selectors: the labeler adds ROLE_LABEL, the Services select on it.
    const base = redisContainer({ image: a.image, sizing: a.redis, confFile: "redis.conf", configVolume: "config", dataVolume: "data" });
    const node: k8s.types.input.core.v1.Container = {
        ...base,
        command: ["sh", "/etc/redis/node-start.sh", "/etc/redis/redis.conf"],
        env: common,
        // Ready as master, or as a replica whose link to the master is up.
        readinessProbe: {
            exec: { command: ["sh", "-c", "redis-cli -p 6379 info replication | grep -qE 'role:master|master_link_status:up'"] },
            initialDelaySeconds: 5, periodSeconds: 5, timeoutSeconds: 3,
        },
        lifecycle: { preStop: { exec: { command: ["sh", "/etc/redis/node-prestop.sh"] } } },
        volumeMounts: [...(base.volumeMounts as k8s.types.input.core.v1.VolumeMount[]),
            { name: "auth", mountPath: "/etc/redis-auth", readOnly: true }, { name: "run", mountPath: "/run/redis" }],
    };
    const headless = service(parent, `${name}-headless`, namespace, nodes, [node], {
        name: a.headless, portName: "redis", headless: true, publishNotReadyAddresses: true,
    });
    redisStatefulSet(parent, `${name}-${nodeSet}`, {
        name: nodeSet, namespace, labels: nodes, replicas: a.replicas + 1, serviceName: a.headless,
        claims: a.persistence ? a.claims : undefined, containers: [node], annotations,
        volumes: [...volumes("auth.conf"), ...(a.persistence ? [] : [{ name: "data", emptyDir: {} }])],
        // The preStop hand-over takes up to 20 s; Redis then needs its own shutdown time.
        terminationGracePeriodSeconds: 45,
        dependsOn: [headless],
    });
    disruptionBudget(parent, `${name}-node-pdb`, nodeSet, namespace, nodes);
    const byRole = (r: string) => ({ ...nodes.selector, [ROLE_LABEL]: r });
    const runtime = { [RUNTIME_SELECTOR_KEYS]: ROLE_LABEL };
    const write = service(parent, `${name}-write`, namespace, nodes, [node], { name: "redis-master", portName: "redis", selector: byRole("master"), annotations: runtime });
    const read = service(parent, `${name}-read`, namespace, nodes, [node], { name: "redis-replica", portName: "redis", selector: byRole("replica"), annotations: runtime });

    // Sentinels: started together (each finds its peers or the master at start).
    const sentinel: k8s.types.input.core.v1.Container = {
        name: "sentinel",
        image: a.image,
        command: ["sh", "/etc/redis/sentinel-start.sh"],
        ports: [{ name: "sentinel", containerPort: SENTINEL_PORT, protocol: "TCP" }],
        env: [...common,
            { name: "QUORUM", value: String(a.sentinel.quorum) },
            { name: "DOWN_AFTER_MS", value: String(a.sentinel.downAfterMs) },
            { name: "FAILOVER_TIMEOUT_MS", value: String(a.sentinel.failoverTimeoutMs) }],
        resources: { requests: { cpu: SENTINEL_RESOURCES.cpuRequest, memory: SENTINEL_RESOURCES.memoryRequest }, limits: { cpu: SENTINEL_RESOURCES.cpuLimit, memory: SENTINEL_RESOURCES.memoryLimit } },
        readinessProbe: { exec: { command: ["sh", "-c", `redis-cli -p ${SENTINEL_PORT} ping | grep -q PONG`] }, initialDelaySeconds: 3, periodSeconds: 5, timeoutSeconds: 3 },
        livenessProbe: { tcpSocket: { port: "sentinel" }, initialDelaySeconds: 15, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 5 },
        volumeMounts: [
            { name: "config", mountPath: "/etc/redis", readOnly: true },
            { name: "auth", mountPath: "/etc/redis-auth", readOnly: true },
            { name: "run", mountPath: "/run/sentinel" },
        ],
    };
    const sentinelHeadlessSvc = service(parent, `${name}-sentinel-headless`, namespace, sentinels, [sentinel], {
        name: sentinelHeadless, portName: "sentinel", headless: true, publishNotReadyAddresses: true,
    });
    redisStatefulSet(parent, `${name}-${sentinelSet}`, {
        name: sentinelSet, namespace, labels: sentinels, replicas: a.sentinel.count, serviceName: sentinelHeadless,
        containers: [sentinel], annotations, volumes: volumes("sentinel-auth.conf"), parallel: true, dependsOn: [sentinelHeadlessSvc],
    });
    disruptionBudget(parent, `${name}-sentinel-pdb`, sentinelSet, namespace, sentinels);
    const sentinelService = service(parent, `${name}-sentinel`, namespace, sentinels, [sentinel], { name: sentinelSet, portName: "sentinel" });

    roleLabeler(parent, a, labeler, nodes, sentinelService);

    // 6379 on the nodes and 26379 on the Sentinels: the set's own pods, the labeler (26379) and clients.
    const own = peer({ "app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": name });
    allowIngress(parent, `${name}-allow-sentinel-clients`, {
        name: "allow-sentinel-clients", namespace, labels: sentinels, podSelector: sentinels.selector, port: SENTINEL_PORT,
        from: [own, peer(labeler.selector), a.clients],
    });
    return { write, read, sentinelService };
}

/** The Deployment that labels the master and replica pods, with the least RBAC it needs. */
function roleLabeler(parent: pulumi.Resource, a: SentinelTopologyArgs, labels: Labels, nodes: Labels, sentinel: k8s.core.v1.Service): void {
    const { name, namespace } = a;
    const account = new k8s.core.v1.ServiceAccount(`${name}-role-labeler`, {
        metadata: { name: "redis-role-labeler", namespace, labels: labels.all },
        automountServiceAccountToken: false,
    }, { parent });
    const roleObj = new k8s.rbac.v1.Role(`${name}-role-labeler`, {
        metadata: { name: "redis-role-labeler", namespace, labels: labels.all },
        // Pods of this namespace only: read them and patch their labels. Nothing else.
        rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "patch"] }],
    }, { parent });
    const binding = new k8s.rbac.v1.RoleBinding(`${name}-role-labeler`, {
        metadata: { name: "redis-role-labeler", namespace, labels: labels.all },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: roleObj.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace }],
    }, { parent });
    const selector = Object.entries(nodes.selector).map(([k, v]) => `${k}=${v}`).join(",");
    servedDeployment(parent, `${name}-role-labeler`, {
        name: "redis-role-labeler",
        namespace,
        labels,
        replicas: 1,
        serviceAccountName: account.metadata.name,
        containers: [{
            name: "role-labeler",
            image: a.sentinel.labelerImage,
            ports: [{ name: "health", containerPort: 8080, protocol: "TCP" }],
            env: [
                { name: "SENTINEL_HOST", value: pulumi.interpolate`${sentinel.metadata.name}.${namespace}.svc.cluster.local` },
                { name: "SENTINEL_PORT", value: String(SENTINEL_PORT) },
                { name: "SENTINEL_MASTER_SET", value: a.sentinel.masterSet },
                { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                { name: "POD_SELECTOR", value: selector },
                { name: "ROLE_LABEL", value: ROLE_LABEL },
                { name: "PASSWORD_FILE", value: "/etc/redis-auth/password" },
            ],
            resources: { requests: { cpu: LABELER_RESOURCES.cpuRequest, memory: LABELER_RESOURCES.memoryRequest }, limits: { cpu: LABELER_RESOURCES.cpuLimit, memory: LABELER_RESOURCES.memoryLimit } },
            readinessProbe: { httpGet: { path: "/healthz", port: "health" }, periodSeconds: 5, timeoutSeconds: 2 },
            startupProbe: { httpGet: { path: "/livez", port: "health" }, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 60 },
            livenessProbe: { httpGet: { path: "/livez", port: "health" }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
            volumeMounts: [{ name: "auth", mountPath: "/etc/redis-auth", readOnly: true }],
        }],
        runAs: { user: 65532, group: 65532, fsGroup: 65532 },
        volumes: [{ name: "auth", secret: { secretName: a.secret.name, items: [{ key: a.secret.passwordKey, path: "password" }], defaultMode: 0o440 } }],
        dependsOn: [binding],
    });
}
