// Per-resource container rules: images, resources, probes, controllers, one app container per pod.
import {
    LONG_RUNNING_KINDS, WORKLOAD_KINDS, allContainers, isControlled, keyOf, kindOf, podSpecOf, subject,
} from "./k8s";
import { ResourceRule, finding, num, strs } from "./rule";
import { Finding, K8sObject, Probe } from "./types";

const WORKLOADS = [...WORKLOAD_KINDS];

/** Splits `registry:5000/repo/name:tag@sha256:...` into its tag and digest. */
export function parseImage(image: string): { tag?: string; digest?: string } {
    const at = image.indexOf("@");
    const digest = at >= 0 ? image.slice(at + 1) : undefined;
    const rest = at >= 0 ? image.slice(0, at) : image;
    const colon = rest.lastIndexOf(":");
    const tag = colon > rest.lastIndexOf("/") ? rest.slice(colon + 1) : undefined;
    return { tag, digest };
}

const perContainer = (o: K8sObject, fn: (ref: ReturnType<typeof allContainers>[number]) => Finding[]): Finding[] =>
    allContainers(podSpecOf(o)).flatMap(fn);

export const imageTagPinned: ResourceRule = {
    name: "image-tag-pinned",
    description: "Every container image names an explicit tag that is not a moving one (\"latest\"), or an @sha256: digest.",
    enforcementLevel: "mandatory",
    scope: "resource",
    kinds: WORKLOADS,
    settings: {
        forbiddenTags: { type: "array", default: ["latest"], description: "Tags that move and so are not pins." },
    },
    check(o, ctx) {
        const forbidden = strs(ctx, "forbiddenTags");
        const allowed = `use a version tag (not ${forbidden.map((t) => `"${t}"`).join(", ")}) or an @sha256: digest`;
        return perContainer(o, (ref) => {
            const image = ref.container.image;
            const at = (text: string) => [finding(this.name, o, subject(o, ref), `${text}; ${allowed}`)];
            if (!image) return at("has no image");
            const { tag, digest } = parseImage(image);
            if (digest?.startsWith("sha256:")) return [];
            if (tag === undefined || tag === "") return at(`image "${image}" has no tag (it means "latest")`);
            if (forbidden.includes(tag)) return at(`image "${image}" uses the tag "${tag}"`);
            return [];
        });
    },
};

export const imageDigestPinned: ResourceRule = {
    name: "image-digest-pinned",
    description: "Container images are pinned by digest, so a re-pushed tag cannot change what runs.",
    enforcementLevel: "advisory",
    scope: "resource",
    kinds: WORKLOADS,
    settings: {},
    check(o) {
        return perContainer(o, (ref) => {
            const image = ref.container.image ?? "";
            if (parseImage(image).digest?.startsWith("sha256:")) return [];
            return [finding(this.name, o, subject(o, ref),
                `image "${image}" is not pinned by digest; pin it as image@sha256:<digest> so the tag cannot move`)];
        });
    },
};

export const containerResources: ResourceRule = {
    name: "container-resources",
    description: "Every container (init containers too) requests CPU and memory and has a memory limit.",
    enforcementLevel: "mandatory",
    scope: "resource",
    kinds: WORKLOADS,
    settings: {},
    check(o) {
        return perContainer(o, (ref) => {
            const r = ref.container.resources ?? {};
            const missing = [
                r.requests?.cpu === undefined ? "resources.requests.cpu" : undefined,
                r.requests?.memory === undefined ? "resources.requests.memory" : undefined,
                r.limits?.memory === undefined ? "resources.limits.memory" : undefined,
            ].filter((x): x is string => x !== undefined);
            if (missing.length === 0) return [];
            return [finding(this.name, o, subject(o, ref),
                `missing ${missing.join(", ")}; every container needs CPU and memory requests and a memory limit`)];
        });
    },
};

export const containerCpuLimit: ResourceRule = {
    name: "container-cpu-limit",
    description: "Every container has a CPU limit.",
    enforcementLevel: "advisory",
    scope: "resource",
    kinds: WORKLOADS,
    settings: {},
    check(o) {
        return perContainer(o, (ref) => ref.container.resources?.limits?.cpu !== undefined ? [] :
            [finding(this.name, o, subject(o, ref), "no resources.limits.cpu; set a CPU limit so one pod cannot starve its node")]);
    },
};

/** A probe with the API server's defaults filled in, so preview inputs and live objects compare alike. */
function canonicalProbe(p: Probe): string {
    const withDefaults: Record<string, unknown> = {
        initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3,
        ...JSON.parse(JSON.stringify(p)),
    };
    const http = withDefaults.httpGet as Record<string, unknown> | undefined;
    if (http) withDefaults.httpGet = { scheme: "HTTP", path: "/", ...http };
    const sort = (v: unknown): unknown => Array.isArray(v) ? v.map(sort) : v && typeof v === "object"
        ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])])) : v;
    return JSON.stringify(sort(withDefaults));
}

export const containerProbes: ResourceRule = {
    name: "container-probes",
    description: "Every long-running container (Deployment, StatefulSet, DaemonSet) has a liveness and a readiness probe, and they differ.",
    enforcementLevel: "mandatory",
    scope: "resource",
    kinds: [...LONG_RUNNING_KINDS],
    settings: {},
    check(o) {
        return allContainers(podSpecOf(o)).filter((ref) => ref.role === "container").flatMap((ref) => {
            const c = ref.container;
            const missing = [c.livenessProbe ? undefined : "livenessProbe", c.readinessProbe ? undefined : "readinessProbe"]
                .filter((x): x is string => x !== undefined);
            if (missing.length > 0) {
                return [finding(this.name, o, subject(o, ref), `missing ${missing.join(", ")}; long-running containers need both`)];
            }
            if (canonicalProbe(c.livenessProbe as Probe) === canonicalProbe(c.readinessProbe as Probe)) {
                return [finding(this.name, o, subject(o, ref),
                    "livenessProbe and readinessProbe are identical; readiness answers \"can serve now\", liveness \"must restart\": make them differ (check, thresholds or timing)")];
            }
            return [];
        });
    },
};

export const workloadController: ResourceRule = {
    name: "workload-controller",
    description: "Pods run only through a Deployment, StatefulSet, Job or CronJob: no bare Pods, ReplicaSets, ReplicationControllers or DaemonSets.",
    enforcementLevel: "mandatory",
    scope: "resource",
    kinds: ["Pod", "ReplicaSet", "ReplicationController", "DaemonSet"],
    settings: {},
    seesOwned: true,
    check(o) {
        if (isControlled(o)) return [];
        return [finding(this.name, o, keyOf(o),
            `a bare ${kindOf(o)} (no owning controller); run workloads through a Deployment, StatefulSet, Job or CronJob`)];
    },
};

export const singleAppContainer: ResourceRule = {
    name: "single-app-container",
    description: "One application container per pod; other containers must be sidecars named in allowedSidecars.",
    enforcementLevel: "advisory",
    scope: "resource",
    kinds: WORKLOADS,
    settings: {
        maxAppContainers: { type: "integer", default: 1, minimum: 1, description: "Containers per pod that are not allow-listed sidecars." },
        allowedSidecars: { type: "array", default: [], description: "Container names allowed beside the application container." },
    },
    check(o, ctx) {
        const max = num(ctx, "maxAppContainers");
        const sidecars = strs(ctx, "allowedSidecars");
        const names = (podSpecOf(o)?.containers ?? []).map((c) => c.name).filter((n) => !sidecars.includes(n));
        if (names.length <= max) return [];
        const listed = sidecars.length ? sidecars.join(", ") : "none";
        return [finding(this.name, o, keyOf(o),
            `runs ${names.length} application containers (${names.join(", ")}); allowed: ${max}, plus sidecars allow-listed in allowedSidecars (${listed})`)];
    },
};
