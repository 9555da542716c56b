/**
 * The two Kubernetes calls the labeler makes, behind an interface the tests fake: list the Redis
 * pods, and set one label on one pod. Its Role needs pods get, list and patch in the namespace.
 */
import * as k8s from "@kubernetes/client-node";
import type { PodInfo } from "./plan";

export interface PodApi {
    /** The pods POD_SELECTOR selects in POD_NAMESPACE. */
    listPods(): Promise<PodInfo[]>;
    /** Sets `label` to `value` on the pod, leaving its other labels alone. */
    patchLabel(pod: string, label: string, value: string): Promise<void>;
}

/** client-node sets no timeout of its own: a stalled API server must not stall the loop for good. */
export const API_TIMEOUT_MS = 10_000;

function timed<T>(what: string, call: Promise<T>, ms: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer from the API server within ${ms / 1000} s`)), ms);
    });
    return Promise.race([call, timeout]).finally(() => clearTimeout(timer));
}

export function toPodInfo(p: k8s.V1Pod): PodInfo {
    return { name: p.metadata?.name ?? "", podIP: p.status?.podIP || undefined, labels: { ...p.metadata?.labels } };
}

/** client-node's errors carry the API server's whole reply; the log gets its status and message. */
export function apiErrorText(e: unknown): string {
    if (e instanceof k8s.ApiException) {
        // The body is the API server's Status, parsed or as text, depending on the status code.
        let body: unknown = e.body;
        if (typeof body === "string") {
            try {
                body = JSON.parse(body);
            } catch {
                // not JSON: keep the text
            }
        }
        const message = typeof body === "object" && body !== null ? String((body as { message?: unknown }).message ?? "") : String(body ?? "").slice(0, 200);
        return `HTTP ${e.code}${message === "" ? "" : `: ${message}`}`;
    }
    return e instanceof Error ? e.message : String(e);
}

/**
 * The API server as the pod's service account sees it (in a cluster), or as KUBECONFIG or
 * ~/.kube/config say (outside one, for trying it by hand).
 */
export function kubePodApi(namespace: string, labelSelector: string, kc: k8s.KubeConfig = defaultKubeConfig(), timeoutMs = API_TIMEOUT_MS): PodApi {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    // A JSON merge patch touches only the keys it names; client-node 1.x would otherwise send a
    // JSON patch (its first content type), which this body is not.
    const mergePatch = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);
    return {
        async listPods() {
            const pods: PodInfo[] = [];
            let _continue: string | undefined;
            do {
                const page = await timed("listing pods", core.listNamespacedPod({ namespace, labelSelector, _continue, limit: 500 }), timeoutMs);
                pods.push(...page.items.map(toPodInfo));
                _continue = page.metadata?._continue || undefined;
            } while (_continue !== undefined);
            return pods;
        },
        async patchLabel(pod, label, value) {
            await timed(`patching pod ${pod}`, core.patchNamespacedPod({ name: pod, namespace, body: { metadata: { labels: { [label]: value } } } }, mergePatch), timeoutMs);
        },
    };
}

function defaultKubeConfig(): k8s.KubeConfig {
    const kc = new k8s.KubeConfig();
    kc.loadFromDefault();
    return kc;
}
