// One builder for every policy test: compliant objects shaped like the program's, which a test then
// breaks in exactly one way. Each call returns fresh objects, so tests may mutate what they get.
import { Container, K8sObject, Labels, PackConfig, Violation, evaluate } from "../../policy/rules";
import { StackSettings, buildPackConfig } from "../../policy/stack-config";

export const ENV = "dev";
export const DIGEST = "@sha256:" + "a".repeat(64);

/** The program's labels: app.kubernetes.io/* plus environment. */
export function labels(name: string, component: string, instance = name): Labels {
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": instance,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": "redis-platform",
        "app.kubernetes.io/managed-by": "pulumi",
        environment: ENV,
    };
}
const selectorOf = (l: Labels): Labels => ({ "app.kubernetes.io/name": l["app.kubernetes.io/name"], "app.kubernetes.io/instance": l["app.kubernetes.io/instance"] });

/** A hardened container with requests, limits, distinct probes and a digest-pinned image. */
export function container(name: string, over: Partial<Container> = {}): Container {
    return {
        name,
        image: `docker.io/example/${name}:1.2.3${DIGEST}`,
        ports: [{ name: "http", containerPort: 8080 }],
        resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
        livenessProbe: { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 20 },
        readinessProbe: { httpGet: { path: "/ready", port: 8080 }, periodSeconds: 5 },
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
        ...over,
    };
}

export function redisContainer(confPath: string, mounts: Container["volumeMounts"], memoryLimit = "128Mi"): Container {
    return container("redis", {
        image: `docker.io/library/redis:7.2.5-alpine${DIGEST}`,
        command: ["redis-server", confPath],
        ports: [{ name: "redis", containerPort: 6379 }],
        resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "200m", memory: memoryLimit } },
        livenessProbe: { tcpSocket: { port: 6379 }, periodSeconds: 20 },
        readinessProbe: { exec: { command: ["redis-cli", "ping"] }, periodSeconds: 5 },
        volumeMounts: mounts,
    });
}

export interface WorkloadOpts {
    replicas?: number;
    containers?: Container[];
    volumes?: NonNullable<NonNullable<K8sObject["spec"]>>["volumes"];
    labels?: Labels;
}

export function workload(kind: string, name: string, ns: string, component: string, o: WorkloadOpts = {}): K8sObject {
    const l = o.labels ?? labels(name, component);
    const template = {
        metadata: { labels: { ...l } },
        spec: {
            securityContext: { runAsNonRoot: true, runAsUser: 999, seccompProfile: { type: "RuntimeDefault" } },
            containers: o.containers ?? [container("app")],
            ...(o.volumes ? { volumes: o.volumes } : {}),
        },
    };
    const apiVersion = kind === "Job" || kind === "CronJob" ? "batch/v1" : kind === "Pod" ? "v1" : "apps/v1";
    const meta = { name, namespace: ns, labels: { ...l } };
    if (kind === "Pod") return { apiVersion, kind, metadata: meta, spec: template.spec };
    if (kind === "CronJob") return { apiVersion, kind, metadata: meta, spec: { schedule: "@daily", jobTemplate: { spec: { template } } } };
    const spec = kind === "Job" ? { template } : { replicas: o.replicas ?? 2, selector: { matchLabels: selectorOf(l) }, template };
    return { apiVersion, kind, metadata: meta, spec };
}

export const namespace = (name: string, enforce: string | null = "restricted"): K8sObject => ({
    apiVersion: "v1", kind: "Namespace",
    metadata: { name, labels: { ...labels(name, "namespace"), ...(enforce ? { "pod-security.kubernetes.io/enforce": enforce } : {}) } },
});

export const service = (name: string, ns: string, selector: Labels, ports: { port: number; name?: string }[], extra: Record<string, unknown> = {}): K8sObject => ({
    apiVersion: "v1", kind: "Service", metadata: { name, namespace: ns, labels: labels(name, "service") },
    spec: { selector, ports, ...extra },
});

export const configMap = (name: string, ns: string, data: Record<string, string>): K8sObject => ({
    apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns, labels: labels(name, "config") }, data,
});

export const pdb = (name: string, ns: string, selector: Labels, budget: Record<string, number | string> = { maxUnavailable: 1 }): K8sObject => ({
    apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name, namespace: ns }, spec: { selector: { matchLabels: selector }, ...budget },
});

export const defaultDeny = (ns: string): K8sObject => ({
    apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "default-deny", namespace: ns },
    spec: { podSelector: {}, policyTypes: ["Ingress"] },
});

export const allowRedis = (name: string, ns: string, target: Labels, from: unknown[]): K8sObject => ({
    apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace: ns },
    spec: { podSelector: { matchLabels: target }, policyTypes: ["Ingress"], ingress: [{ from, ports: [{ port: 6379, protocol: "TCP" }] }] },
});

export const CACHE_CONF = "maxmemory 96mb\nmaxmemory-policy allkeys-lru\ninclude /etc/redis/auth/auth.conf\n";
export const MASTER_CONF = "appendonly yes\nmaxmemory 192mb\ninclude /etc/redis/auth/auth.conf\n";
export const REPLICA_CONF = "replicaof redis-master-0.redis-master-headless.redis.svc.cluster.local 6379\nappendonly yes\nmaxmemory 192mb\ninclude /etc/redis/auth/auth.conf\n";
const authVolume = { name: "auth", secret: { secretName: "redis-auth" } };
const authMount = { name: "auth", mountPath: "/etc/redis/auth", readOnly: true };

/** Every kind the rules look at, all compliant: an app with HPA and Ingress, a Redis cache, a master/replica pair. */
export function compliantStack(): K8sObject[] {
    const api = labels("api", "api");
    const cache = labels("redis", "cache", "cache");
    const master = labels("redis", "master", "replicated");
    const replica = labels("redis", "replica", "replicated");
    const apiClients = [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "api" } }, namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "shop" } } }];
    const redisStatefulSet = (name: string, l: Labels, replicas: number, conf: string) => {
        const sts = workload("StatefulSet", name, "redis", l["app.kubernetes.io/component"], {
            labels: l, replicas,
            containers: [redisContainer(`/etc/redis/${conf}`, [{ name: "config", mountPath: "/etc/redis" }, authMount], "256Mi")],
            volumes: [{ name: "config", configMap: { name: "redis-config", items: [{ key: conf, path: conf }] } }, authVolume],
        });
        sts.spec.serviceName = `${name}-headless`;
        return sts;
    };
    return [
        namespace("shop"), namespace("cache"), namespace("redis"),
        workload("Deployment", "api", "shop", "api", { replicas: 2 }),
        service("api", "shop", selectorOf(api), [{ port: 80, name: "http" }]),
        pdb("api", "shop", selectorOf(api)),
        defaultDeny("shop"),
        { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "api", namespace: "shop" },
            spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "api" }, minReplicas: 2, maxReplicas: 5 } },
        { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "shop", namespace: "shop" },
            spec: { rules: [{ host: "shop.local", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "api", port: { number: 80 } } } }] } }] } },
        workload("Deployment", "redis", "cache", "cache", {
            labels: cache, replicas: 2,
            containers: [redisContainer("/usr/local/etc/redis/redis.conf", [
                { name: "config", mountPath: "/usr/local/etc/redis/redis.conf", subPath: "redis.conf" }, authMount])],
            volumes: [{ name: "config", configMap: { name: "redis-cache-config" } }, authVolume],
        }),
        configMap("redis-cache-config", "cache", { "redis.conf": CACHE_CONF }),
        service("redis", "cache", selectorOf(cache), [{ port: 6379, name: "redis" }]),
        pdb("redis", "cache", selectorOf(cache)),
        defaultDeny("cache"),
        allowRedis("redis-clients", "cache", selectorOf(cache), apiClients),
        redisStatefulSet("redis-master", master, 1, "master.conf"),
        redisStatefulSet("redis-replica", replica, 2, "replica.conf"),
        configMap("redis-config", "redis", { "master.conf": MASTER_CONF, "replica.conf": REPLICA_CONF }),
        service("redis-master-headless", "redis", { ...selectorOf(master), "app.kubernetes.io/component": "master" }, [{ port: 6379, name: "redis" }], { clusterIP: "None" }),
        service("redis-replica-headless", "redis", { ...selectorOf(replica), "app.kubernetes.io/component": "replica" }, [{ port: 6379, name: "redis" }], { clusterIP: "None" }),
        pdb("redis-replica", "redis", { ...selectorOf(replica), "app.kubernetes.io/component": "replica" }),
        defaultDeny("redis"),
        allowRedis("redis-clients", "redis", selectorOf(master), [
            ...apiClients, { podSelector: { matchLabels: { "app.kubernetes.io/instance": "replicated" } } }]),
    ];
}

/** The object with key `Kind/namespace/name` (or `Kind/name`) in a set; throws when absent. */
export function get(objects: K8sObject[], key: string): K8sObject & { spec: any } {
    const [kind, a, b] = key.split("/");
    const found = objects.find((o) => o.kind === kind && o.metadata?.name === (b ?? a) && (b === undefined || o.metadata?.namespace === a));
    if (!found) throw new Error(`fixture has no ${key}`);
    return found as K8sObject & { spec: any };
}

/** The first container of a workload's pod template. */
export const firstContainer = (objects: K8sObject[], key: string): Container => get(objects, key).spec.template.spec.containers[0];

export const settings = (over: Partial<StackSettings> = {}): StackSettings => ({ environment: ENV, exemptions: [], ...over });
export const packConfig = (overrides: PackConfig = {}, s: Partial<StackSettings> = {}): PackConfig => buildPackConfig(settings(s), overrides);

/** All violations of the objects under a stack config (dev, no exemptions unless given). */
export const run = (objects: K8sObject[], overrides: PackConfig = {}, s: Partial<StackSettings> = {}): Violation[] =>
    evaluate(objects, packConfig(overrides, s));

/** Messages of one rule, sorted, for exact comparisons. */
export const messages = (vs: Violation[], rule: string): string[] => vs.filter((v) => v.rule === rule).map((v) => v.message).sort();

/** Messages of one rule for a stack changed by `mutate`. */
export function broken(rule: string, mutate: (objects: K8sObject[]) => void, overrides: PackConfig = {}): string[] {
    const objects = compliantStack();
    mutate(objects);
    return messages(run(objects, overrides), rule);
}

/** A container as the API server returns it: defaulted pull policy, probe fields and port protocol. */
function liveContainer(c: Container): Container {
    const probe = (p: Container["livenessProbe"]) => p && { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3, ...p };
    return {
        ...c, imagePullPolicy: "IfNotPresent", terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "File",
        ports: c.ports?.map((p) => ({ protocol: "TCP", ...p })),
        livenessProbe: probe(c.livenessProbe), readinessProbe: probe(c.readinessProbe),
    } as Container;
}

export interface LiveItem { kind: string; item: K8sObject }

/**
 * The objects as list calls return them: items without kind/apiVersion, with managedFields, status
 * and server-side defaults, plus what controllers and the cluster add (owned ReplicaSets and Pods,
 * kube-root-ca.crt in every namespace).
 */
export function liveShaped(objects: K8sObject[]): LiveItem[] {
    const out: LiveItem[] = [];
    let uid = 0;
    const meta = (o: K8sObject, extra: Record<string, unknown> = {}) => ({
        ...o.metadata, uid: `uid-${++uid}`, resourceVersion: String(1000 + uid), creationTimestamp: "2026-01-01T00:00:00Z",
        managedFields: [{ manager: "pulumi-kubernetes", operation: "Apply", apiVersion: o.apiVersion, fieldsType: "FieldsV1", fieldsV1: { "f:metadata": {} } }],
        ...extra,
    });
    const owner = (kind: string, name: string) => [{ apiVersion: "apps/v1", kind, name, uid: "x", controller: true, blockOwnerDeletion: true }];
    for (const o of objects) {
        const copy: any = JSON.parse(JSON.stringify(o));
        delete copy.kind;
        delete copy.apiVersion;
        copy.metadata = meta(o);
        copy.status = { observedGeneration: 1 };
        if (o.kind === "Namespace") copy.metadata.labels["kubernetes.io/metadata.name"] = o.metadata?.name;
        if (o.kind === "Service") {
            copy.spec = { type: "ClusterIP", sessionAffinity: "None", clusterIP: "10.43.0.10", ...copy.spec,
                ports: copy.spec.ports.map((p: any) => ({ protocol: "TCP", targetPort: p.port, ...p })) };
        }
        if (o.kind === "NetworkPolicy") copy.spec.policyTypes = copy.spec.policyTypes ?? ["Ingress"];
        const tpl = copy.spec?.template;
        if (tpl?.spec) {
            tpl.spec = { ...tpl.spec, dnsPolicy: "ClusterFirst", restartPolicy: "Always", schedulerName: "default-scheduler",
                terminationGracePeriodSeconds: 30, containers: tpl.spec.containers.map(liveContainer) };
        }
        out.push({ kind: o.kind ?? "", item: copy });
        if (o.kind !== "Deployment" && o.kind !== "StatefulSet") continue;
        let podOwner = owner(o.kind, o.metadata?.name ?? "");
        if (o.kind === "Deployment") {
            const rs = `${o.metadata?.name}-5d8f7c`;
            out.push({ kind: "ReplicaSet", item: { metadata: meta(o, { name: rs, ownerReferences: podOwner }), spec: { replicas: copy.spec.replicas, template: tpl } } });
            podOwner = owner("ReplicaSet", rs);
        }
        for (let i = 0; i < (o.spec.replicas ?? 1); i++) {
            const spec = { ...tpl.spec, nodeName: "node-1", serviceAccountName: "default",
                volumes: [...(tpl.spec.volumes ?? []), { name: "kube-api-access", projected: { sources: [] } }] };
            out.push({ kind: "Pod", item: { metadata: meta(o, { name: `${o.metadata?.name}-${i}`, labels: tpl.metadata.labels, ownerReferences: podOwner }), spec } });
        }
    }
    for (const ns of objects.filter((o) => o.kind === "Namespace")) {
        out.push({ kind: "ConfigMap", item: { metadata: { name: "kube-root-ca.crt", namespace: ns.metadata?.name }, data: { "ca.crt": "-----BEGIN CERTIFICATE-----" } } });
    }
    return out;
}
