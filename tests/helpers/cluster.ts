/** Reads the live cluster back through the API server (the embedded cluster's kubeconfig). */
import * as k8s from "@kubernetes/client-node";
import * as path from "path";
import { ROOT } from "../../scripts/lib/stack-files";
import { eventually, sleep } from "./wait";

export const KUBECONFIG = path.join(ROOT, ".cluster", "kubeconfig");
export const CONTEXT = "embedded";

export function kubeConfig(): k8s.KubeConfig {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(KUBECONFIG);
    kc.setCurrentContext(CONTEXT);
    return kc;
}

export function clients() {
    const kc = kubeConfig();
    return {
        core: kc.makeApiClient(k8s.CoreV1Api),
        apps: kc.makeApiClient(k8s.AppsV1Api),
        discovery: kc.makeApiClient(k8s.DiscoveryV1Api),
        networking: kc.makeApiClient(k8s.NetworkingV1Api),
    };
}

export { eventually, sleep };

/** A pod that is Ready and not being deleted. */
export function podReady(p: k8s.V1Pod): boolean {
    return !p.metadata?.deletionTimestamp && !!p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
}

export async function namespaceExists(name: string): Promise<boolean> {
    const { core } = clients();
    const list = await core.listNamespace();
    return list.items.some((n) => n.metadata?.name === name);
}

/** Workload name -> [ready, desired] in `namespace`. */
export async function readiness(namespace: string): Promise<Record<string, [number, number]>> {
    const { apps } = clients();
    const out: Record<string, [number, number]> = {};
    for (const d of (await apps.listNamespacedDeployment({ namespace })).items) out[d.metadata!.name!] = [d.status?.readyReplicas ?? 0, d.spec?.replicas ?? 0];
    for (const s of (await apps.listNamespacedStatefulSet({ namespace })).items) out[s.metadata!.name!] = [s.status?.readyReplicas ?? 0, s.spec?.replicas ?? 0];
    return out;
}

/** Service name -> number of ready endpoints (from EndpointSlices). */
export async function readyEndpoints(namespace: string): Promise<Record<string, number>> {
    const { core, discovery } = clients();
    const services = (await core.listNamespacedService({ namespace })).items.map((s) => s.metadata!.name!);
    const slices = (await discovery.listNamespacedEndpointSlice({ namespace })).items;
    return Object.fromEntries(services.map((svc) => [svc, slices
        .filter((sl) => sl.metadata?.labels?.["kubernetes.io/service-name"] === svc)
        .flatMap((sl) => sl.endpoints ?? [])
        .filter((e) => e.conditions?.ready).length]));
}

/** Namespaces of a dev-config deployment made by the tests, beside whatever a user deployed. */
export function testNamespaces(prefix: string) {
    return { cache: `${prefix}-sample-app`, redis: `${prefix}-redis`, platform: `${prefix}-ecommerce`, guestbook: `${prefix}-guestbook` };
}

/** Dev config overrides that move a deployment into `testNamespaces(prefix)`. */
export function namespaceOverrides(prefix: string): Record<string, unknown> {
    const ns = testNamespaces(prefix);
    return {
        cacheNamespace: ns.cache,
        replicatedNamespace: ns.redis,
        platformNamespace: ns.platform,
        guestbookNamespace: ns.guestbook,
    };
}

/** Ready/desired replicas the dev configuration must reach, per namespace and workload. */
export function expectedReadiness(prefix: string): Record<string, Record<string, [number, number]>> {
    const ns = testNamespaces(prefix);
    return {
        [ns.cache]: { "redis-deployment": [2, 2] },
        [ns.redis]: { "redis-master": [1, 1], "redis-replica": [2, 2] },
        // product-service starts at 1 and is raised to the HPA minimum by the HPA controller.
        [ns.platform]: { "api-gateway": [2, 2], "user-service": [2, 2], "order-service": [2, 2], "product-service": [2, 2] },
        [ns.guestbook]: { frontend: [3, 3], "redis-leader": [1, 1], "redis-follower": [2, 2] },
    };
}

/** Waits until every workload of `expected` is ready as expected; fails naming what is not. */
export async function assertReady(expected: Record<string, Record<string, [number, number]>>, timeoutMs = 180_000): Promise<void> {
    for (const [ns, want] of Object.entries(expected)) {
        const ok = await eventually(async () => {
            const live = await readiness(ns);
            return Object.entries(want).every(([name, w]) => JSON.stringify(live[name]) === JSON.stringify(w));
        }, timeoutMs);
        if (!ok) {
            const events = (await clients().core.listNamespacedEvent({ namespace: ns })).items
                .filter((e) => e.type === "Warning").slice(-5).map((e) => `${e.involvedObject.kind}/${e.involvedObject.name}: ${e.reason}: ${e.message}`);
            throw new Error(`${ns}: workloads ${JSON.stringify(await readiness(ns))}, expected ${JSON.stringify(want)}; warnings: ${events.join(" | ") || "none"}`);
        }
        const endpoints = await readyEndpoints(ns);
        const empty = Object.entries(endpoints).filter(([, n]) => n === 0).map(([svc]) => svc);
        if (empty.length > 0) throw new Error(`${ns}: Services without a ready endpoint: ${empty.join(", ")}`);
    }
}

const FIELD_MANAGER = "redis-platform-tests";

/** The Kubernetes objects a recorded program run registers (the provider left out). */
export function recordedObjects(resources: readonly { type: string; inputs: unknown }[]): k8s.KubernetesObject[] {
    return resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.inputs as k8s.KubernetesObject);
}

/**
 * Server-side applies objects in dependency order (namespaces, then what pods mount, then the rest).
 * client-node serializes from its model classes, so each wire-format object goes through loadYaml
 * first, or renamed fields (NetworkPolicy `from`, LimitRange `default`) are silently dropped.
 */
export async function applyObjects(objects: readonly k8s.KubernetesObject[]): Promise<void> {
    const client = k8s.KubernetesObjectApi.makeApiClient(kubeConfig());
    const rank = (o: k8s.KubernetesObject) => (o.kind === "Namespace" ? 0 : o.kind === "ConfigMap" || o.kind === "Secret" ? 1 : 2);
    for (const o of [...objects].sort((a, b) => rank(a) - rank(b))) {
        await client.patch(k8s.loadYaml<k8s.KubernetesObject>(JSON.stringify(o)), undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply);
    }
}

/** Deletes a namespace (if present) and waits until it is gone. */
export async function deleteNamespace(name: string): Promise<void> {
    try {
        await clients().core.deleteNamespace({ name });
    } catch (e) {
        if ((e as { code?: number }).code !== 404) throw e;
    }
    if (!(await eventually(async () => !(await namespaceExists(name)), 180_000))) throw new Error(`namespace ${name} was not deleted within 180s`);
}
