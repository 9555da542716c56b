// Accessors shared by every rule: resource keys, pod templates, containers, label selectors.
import { Container, K8sObject, LabelSelector, Labels, PodSpec, PodTemplate } from "./types";

/** Kinds that are not namespaced (the rest count as "default" when their namespace is unset). */
const CLUSTER_SCOPED = new Set([
    "Namespace", "Node", "PersistentVolume", "StorageClass", "ClusterRole", "ClusterRoleBinding",
    "CustomResourceDefinition", "PriorityClass", "IngressClass", "RuntimeClass", "CSIDriver",
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService",
    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
]);

export const WORKLOAD_KINDS = new Set([
    "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob", "Pod",
]);
/** Workloads that run forever and so need probes and disruption budgets. */
export const LONG_RUNNING_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"]);

export const kindOf = (o: K8sObject): string => o.kind ?? "";
export const nameOf = (o: K8sObject): string => o.metadata?.name ?? o.metadata?.generateName ?? "<unnamed>";
export const isClusterScoped = (kind: string): boolean => CLUSTER_SCOPED.has(kind);

/** The namespace an object lands in; unset counts as "default", as the API server does. */
export function namespaceOf(o: K8sObject): string {
    if (isClusterScoped(kindOf(o))) return "";
    const ns = o.metadata?.namespace;
    return typeof ns === "string" && ns !== "" ? ns : "default";
}

/** `Kind/namespace/name`, or `Kind/name` for cluster-scoped kinds. */
export function keyOf(o: K8sObject): string {
    const kind = kindOf(o);
    return isClusterScoped(kind) ? `${kind}/${nameOf(o)}` : `${kind}/${namespaceOf(o)}/${nameOf(o)}`;
}

export const labelsOf = (o: K8sObject): Labels => o.metadata?.labels ?? {};
export const isWorkload = (o: K8sObject): boolean => WORKLOAD_KINDS.has(kindOf(o));

/** True when a controller (Deployment, Job, ...) owns this object, as on live Pods and ReplicaSets. */
export function isControlled(o: K8sObject): boolean {
    return (o.metadata?.ownerReferences ?? []).some((r) => r.controller === true);
}

/** The pod template of a workload (a bare Pod is its own template). */
export function podTemplateOf(o: K8sObject): PodTemplate | undefined {
    const kind = kindOf(o);
    if (!WORKLOAD_KINDS.has(kind)) return undefined;
    if (kind === "Pod") return { metadata: o.metadata, spec: o.spec as PodSpec | undefined };
    if (kind === "CronJob") return o.spec?.jobTemplate?.spec?.template as PodTemplate | undefined;
    return o.spec?.template as PodTemplate | undefined;
}

export const podSpecOf = (o: K8sObject): PodSpec | undefined => podTemplateOf(o)?.spec;
export const templateLabelsOf = (o: K8sObject): Labels => podTemplateOf(o)?.metadata?.labels ?? {};

export interface ContainerRef {
    container: Container;
    /** "container", "init container" or "ephemeral container", for messages. */
    role: string;
}

/** Every container of a pod spec, init and ephemeral ones included. */
export function allContainers(spec: PodSpec | undefined): ContainerRef[] {
    if (!spec) return [];
    return [
        ...(spec.initContainers ?? []).map((container) => ({ container, role: "init container" })),
        ...(spec.containers ?? []).map((container) => ({ container, role: "container" })),
        ...(spec.ephemeralContainers ?? []).map((container) => ({ container, role: "ephemeral container" })),
    ];
}

/** `Deployment/ns/name container "redis"` — the subject of a per-container message. */
export const subject = (o: K8sObject, ref: ContainerRef): string => `${keyOf(o)} ${ref.role} "${ref.container.name}"`;

/** Desired replicas (defaults to 1, like the API server); jobs and pods count as 1. */
export function replicasOf(o: K8sObject): number {
    const r = o.spec?.replicas;
    return typeof r === "number" ? r : 1;
}

/** Kubernetes label-selector semantics; an empty selector matches everything. */
export function selectorMatches(selector: LabelSelector | undefined, labels: Labels): boolean {
    if (!selector) return false;
    for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
        if (labels[k] !== v) return false;
    }
    for (const e of selector.matchExpressions ?? []) {
        const has = Object.prototype.hasOwnProperty.call(labels, e.key);
        const values = e.values ?? [];
        switch (e.operator) {
            case "In": if (!has || !values.includes(labels[e.key])) return false; break;
            case "NotIn": if (has && values.includes(labels[e.key])) return false; break;
            case "Exists": if (!has) return false; break;
            case "DoesNotExist": if (has) return false; break;
            default: return false;
        }
    }
    return true;
}

export function isEmptySelector(selector: LabelSelector | undefined): boolean {
    return selector !== undefined && selector !== null &&
        Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}

export const formatLabels = (labels: Labels): string =>
    `{${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(",")}}`;
