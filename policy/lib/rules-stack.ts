// Rules that need the whole set of objects: disruption budgets, network policies, references.
import {
    formatLabels, isEmptySelector, isWorkload, keyOf, kindOf, nameOf, namespaceOf, podSpecOf, replicasOf,
    selectorMatches, templateLabelsOf,
} from "./k8s";
import { REDIS_PORT, SENTINEL_PORT, isRedisWorkload, isSentinelWorkload } from "./redis";
import { StackRule, finding, num } from "./rule";
import { Finding, K8sObject, LabelSelector } from "./types";

const ofKind = (objects: K8sObject[], kind: string) => objects.filter((o) => kindOf(o) === kind);
const inNs = (objects: K8sObject[], ns: string) => objects.filter((o) => namespaceOf(o) === ns);
const REPLICATED = ["Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"];

/** How many pods a value (integer or "NN%") stands for, rounding up as the disruption controller does. */
function scaled(v: unknown, replicas: number): number | undefined {
    if (typeof v === "number") return v;
    if (typeof v === "string" && /^\d+%$/.test(v)) return Math.ceil((parseInt(v, 10) * replicas) / 100);
    return undefined;
}

export const pdbCoverage: StackRule = {
    name: "pdb-coverage",
    description: "Every workload with more than one replica (HPA minReplicas when an HPA scales it) has a PodDisruptionBudget selecting its pods that still allows a disruption.",
    enforcementLevel: "mandatory",
    scope: "stack",
    settings: {
        minReplicas: { type: "integer", default: 2, minimum: 1, description: "Replica count from which a PodDisruptionBudget is required." },
    },
    check(objects, ctx) {
        const out: Finding[] = [];
        for (const w of objects.filter((o) => REPLICATED.includes(kindOf(o)))) {
            const ns = namespaceOf(w);
            const hpa = inNs(ofKind(objects, "HorizontalPodAutoscaler"), ns).find((h) =>
                h.spec?.scaleTargetRef?.kind === kindOf(w) && h.spec?.scaleTargetRef?.name === nameOf(w));
            const replicas = hpa ? (typeof hpa.spec?.minReplicas === "number" ? hpa.spec.minReplicas : 1) : replicasOf(w);
            if (replicas < num(ctx, "minReplicas")) continue;
            const runs = hpa ? `runs at least ${replicas} replicas (${keyOf(hpa)} minReplicas)` : `runs ${replicas} replicas`;
            const pdbs = inNs(ofKind(objects, "PodDisruptionBudget"), ns)
                .filter((p) => selectorMatches(p.spec?.selector as LabelSelector | undefined, templateLabelsOf(w)));
            if (pdbs.length === 0) {
                out.push(finding(this.name, w, keyOf(w), `${runs} but no PodDisruptionBudget selects its pods; add one with maxUnavailable: 1`));
                continue;
            }
            for (const p of pdbs) {
                const maxU = scaled(p.spec?.maxUnavailable, replicas);
                const minA = scaled(p.spec?.minAvailable, replicas);
                const blocks = maxU !== undefined ? maxU < 1 : minA !== undefined ? minA >= replicas : false;
                if (!blocks) continue;
                const setting = maxU !== undefined ? `maxUnavailable ${p.spec.maxUnavailable}` : `minAvailable ${p.spec.minAvailable}`;
                out.push(finding(this.name, w, keyOf(w),
                    `${keyOf(p)} allows no voluntary disruption (${setting} with ${replicas} replicas); use maxUnavailable >= 1 or minAvailable below ${replicas}`));
            }
        }
        return out;
    },
};

const policyTypes = (np: K8sObject): string[] => (np.spec?.policyTypes as string[] | undefined) ?? ["Ingress"];
const podSelectorOf = (np: K8sObject): LabelSelector => (np.spec?.podSelector as LabelSelector | undefined) ?? {};

export const networkPolicyDefaultDeny: StackRule = {
    name: "network-policy-default-deny",
    description: "Every namespace with workloads has a default-deny ingress NetworkPolicy (podSelector {}, policyTypes has Ingress, no ingress rules).",
    enforcementLevel: "mandatory",
    scope: "stack",
    settings: {},
    check(objects) {
        const namespaces = [...new Set(objects.filter(isWorkload).map(namespaceOf))].sort();
        return namespaces.filter((ns) => !inNs(ofKind(objects, "NetworkPolicy"), ns).some((np) =>
            isEmptySelector(podSelectorOf(np)) && policyTypes(np).includes("Ingress") && ((np.spec?.ingress as unknown[]) ?? []).length === 0,
        )).map((ns) => finding(this.name, `Namespace/${ns}`, `Namespace/${ns}`,
            "has workloads but no default-deny NetworkPolicy; add one with podSelector {}, policyTypes [Ingress] and no ingress rules"));
    },
};

interface PolicyPeer { podSelector?: LabelSelector; namespaceSelector?: LabelSelector; ipBlock?: { cidr?: string } }
interface IngressRule { from?: PolicyPeer[]; ports?: { port?: number | string; endPort?: number; protocol?: string }[] }

/** Why a peer list admits more than specific pods, or undefined when it names specific pods. */
function openness(from: PolicyPeer[] | undefined): string | undefined {
    if (!from || from.length === 0) return "any source (empty from)";
    for (const p of from) {
        if (p.namespaceSelector && isEmptySelector(p.namespaceSelector)) {
            return p.podSelector ? "every pod in every namespace (podSelector {} with namespaceSelector {})" : "every pod in every namespace (namespaceSelector {})";
        }
        if (p.ipBlock && ["0.0.0.0/0", "::/0"].includes(p.ipBlock.cidr ?? "")) return `any address (ipBlock ${p.ipBlock.cidr})`;
    }
    return undefined;
}

/** Findings for a workload whose `port` must be admitted only from specific pods (`what` names the server). */
function portAccess(rule: string, w: K8sObject, port: number, what: string, objects: K8sObject[]): Finding[] {
    const out: Finding[] = [];
    const ports = (podSpecOf(w)?.containers ?? []).flatMap((c) => c.ports ?? []);
    const admits = (r: IngressRule) => !r.ports || r.ports.length === 0 || r.ports.some((p) =>
        (p.protocol ?? "TCP") === "TCP" && (p.port === undefined || p.port === port ||
            (typeof p.port === "number" && p.endPort !== undefined && p.port <= port && port <= p.endPort) ||
            (typeof p.port === "string" && ports.some((cp) => cp.name === p.port && cp.containerPort === port))));
    let specific = false;
    for (const np of inNs(ofKind(objects, "NetworkPolicy"), namespaceOf(w))) {
        if (!policyTypes(np).includes("Ingress") || !selectorMatches(podSelectorOf(np), templateLabelsOf(w))) continue;
        ((np.spec?.ingress as IngressRule[] | undefined) ?? []).forEach((r, i) => {
            if (!admits(r)) return;
            const open = openness(r.from);
            if (open === undefined) { specific = true; return; }
            out.push(finding(rule, w, keyOf(w),
                `${keyOf(np)} ingress rule ${i + 1} admits port ${port} from ${open}; admit ${what} only from specific pods (a podSelector with labels)`));
        });
    }
    if (!specific && out.length === 0) {
        out.push(finding(rule, w, keyOf(w),
            `no NetworkPolicy admits port ${port} from specific pods; add an ingress rule whose from names its clients with a podSelector`));
    }
    return out;
}

export const redisNetworkAccess: StackRule = {
    name: "redis-network-access",
    description: "Redis (a redis-server container, found by its command, a redis image or port 6379; or app.kubernetes.io/name=redis) is reachable on 6379 only through an allow rule naming specific client pods.",
    enforcementLevel: "mandatory",
    scope: "stack",
    settings: {},
    check(objects) {
        return objects.filter(isRedisWorkload).flatMap((w) => portAccess(this.name, w, REDIS_PORT, "Redis", objects));
    },
};

export const redisSentinelNetworkAccess: StackRule = {
    name: "redis-sentinel-network-access",
    description: "Redis Sentinel (a redis-sentinel or --sentinel container, or one declaring port 26379 and not 6379) is reachable on 26379 only through an allow rule naming specific client pods.",
    enforcementLevel: "mandatory",
    scope: "stack",
    settings: {},
    check(objects) {
        return objects.filter(isSentinelWorkload).flatMap((w) => portAccess(this.name, w, SENTINEL_PORT, "Sentinel", objects));
    },
};

/**
 * A Service's selector, less the keys its `redis-platform/runtime-selector-keys` annotation names:
 * labels a controller sets on pods at run time (Sentinel mode's role labeler), which no pod
 * template carries. The rest of the selector must still match a workload.
 */
const serviceSelector = (s: K8sObject): Record<string, string> | undefined => {
    const sel = { ...(s.spec?.selector as Record<string, string> | undefined) };
    const runtime = (s.metadata?.annotations?.["redis-platform/runtime-selector-keys"] ?? "").split(",").map((k) => k.trim());
    for (const key of runtime) delete sel[key];
    return Object.keys(sel).length > 0 ? sel : undefined;
};

export const serviceSelectsWorkload: StackRule = {
    name: "service-selects-workload",
    description: "Every Service with a selector selects the pod template of at least one workload in its namespace.",
    enforcementLevel: "mandatory",
    scope: "stack",
    settings: {},
    check(objects) {
        return ofKind(objects, "Service").flatMap((s) => {
            const sel = serviceSelector(s);
            if (!sel) return [];
            const ns = namespaceOf(s);
            if (inNs(objects.filter(isWorkload), ns).some((w) => selectorMatches({ matchLabels: sel }, templateLabelsOf(w)))) return [];
            return [finding(this.name, s, keyOf(s),
                `selector ${formatLabels(sel)} matches no workload's pod template in namespace ${ns}; fix the selector or the pod labels`)];
        });
    },
};

interface Backend { service?: { name?: string; port?: { number?: number; name?: string } } }

export const ingressBackendExists: StackRule = {
    name: "ingress-backend-exists",
    description: "Every Ingress backend names a Service that exists in the Ingress's namespace and one of that Service's ports.",
    enforcementLevel: "mandatory",
    scope: "stack",
    settings: {},
    check(objects) {
        const out: Finding[] = [];
        for (const ing of ofKind(objects, "Ingress")) {
            const ns = namespaceOf(ing);
            const backends: { where: string; b: Backend }[] = [];
            if (ing.spec?.defaultBackend) backends.push({ where: "default backend", b: ing.spec.defaultBackend });
            for (const rule of (ing.spec?.rules as { host?: string; http?: { paths?: { path?: string; backend?: Backend }[] } }[]) ?? []) {
                for (const p of rule.http?.paths ?? []) {
                    if (p.backend) backends.push({ where: `backend for host "${rule.host ?? "*"}" path "${p.path ?? "/"}"`, b: p.backend });
                }
            }
            for (const { where, b } of backends) {
                const name = b.service?.name;
                if (name === undefined) continue;
                const svc = inNs(ofKind(objects, "Service"), ns).find((s) => nameOf(s) === name);
                if (!svc) {
                    out.push(finding(this.name, ing, keyOf(ing), `${where} names Service "${name}", which does not exist in namespace ${ns}`));
                    continue;
                }
                const port = b.service?.port;
                const svcPorts = (svc.spec?.ports as { port?: number; name?: string }[] | undefined) ?? [];
                const ok = port?.number !== undefined ? svcPorts.some((p) => p.port === port.number)
                    : port?.name !== undefined ? svcPorts.some((p) => p.name === port.name) : false;
                if (ok) continue;
                const wanted = port?.number ?? (port?.name !== undefined ? `"${port.name}"` : "(none)");
                const has = svcPorts.map((p) => (p.name ? `${p.port} (${p.name})` : `${p.port}`)).join(", ") || "none";
                out.push(finding(this.name, ing, keyOf(ing), `${where} names port ${wanted} of Service "${name}", which exposes ${has}`));
            }
        }
        return out;
    },
};

export const hpaTargetExists: StackRule = {
    name: "hpa-target-exists",
    description: "Every HorizontalPodAutoscaler's scaleTargetRef names a workload that exists in its namespace.",
    enforcementLevel: "mandatory",
    scope: "stack",
    settings: {},
    check(objects) {
        return ofKind(objects, "HorizontalPodAutoscaler").flatMap((h) => {
            const ref = (h.spec?.scaleTargetRef ?? {}) as { kind?: string; name?: string };
            const ns = namespaceOf(h);
            if (inNs(objects, ns).some((o) => kindOf(o) === ref.kind && nameOf(o) === ref.name)) return [];
            return [finding(this.name, h, keyOf(h), `scaleTargetRef names ${ref.kind ?? "?"} "${ref.name ?? "?"}", which does not exist in namespace ${ns}`)];
        });
    },
};

export const redisServiceClusterIp: StackRule = {
    name: "redis-service-cluster-ip",
    description: "Services in front of Redis or Redis Sentinel (selecting their pods, or exposing 6379 or 26379) are ClusterIP; headless is fine.",
    enforcementLevel: "mandatory",
    scope: "stack",
    settings: {},
    check(objects) {
        const kinds = [
            { what: "Redis", port: REDIS_PORT, workloads: objects.filter(isRedisWorkload) },
            { what: "Redis Sentinel", port: SENTINEL_PORT, workloads: objects.filter(isSentinelWorkload) },
        ];
        return ofKind(objects, "Service").flatMap((s) => {
            const type = (s.spec?.type as string | undefined) ?? "ClusterIP";
            if (type === "ClusterIP") return [];
            const sel = serviceSelector(s);
            const ports = (s.spec?.ports as { port?: number; targetPort?: number | string }[] | undefined) ?? [];
            const exposed = kinds.find(({ port, workloads }) => ports.some((p) => p.port === port || p.targetPort === port) ||
                (sel !== undefined && inNs(workloads, namespaceOf(s)).some((w) => selectorMatches({ matchLabels: sel }, templateLabelsOf(w)))));
            if (!exposed) return [];
            return [finding(this.name, s, keyOf(s), `exposes ${exposed.what} with type ${type}; allowed: ClusterIP (headless is fine), so ${exposed.what} stays inside the cluster`)];
        });
    },
};
