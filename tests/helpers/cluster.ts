/** Reads the live cluster back through the API server (the embedded cluster's kubeconfig). */
import * as k8s from "@kubernetes/client-node";
import * as path from "path";
import { ROOT } from "../../../scripts/lib/stack-files";

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
    };
}

export async function sleep(ms: number): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns the last result. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 120_000, everyMs = 2_000): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
        if (await check()) return true;
        await sleep(everyMs);
    }
    return check();
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
