/**
 * One place that derives labels: the full set for metadata and pod templates, and the stable
 * selector subset, so a Service or PodDisruptionBudget can never miss the pods of its workload.
 */

export const PART_OF = "redis-platform";

export interface LabelSpec {
    /** app.kubernetes.io/name: what runs (redis, api-gateway, http-echo, order-service, guestbook). */
    readonly name: string;
    /** app.kubernetes.io/instance: which deployment of it (the component's name). */
    readonly instance: string;
    /** app.kubernetes.io/component: its role (cache, master, replica, gateway, frontend...). */
    readonly component: string;
    readonly environment: string;
}

export interface Labels {
    /** Every label: metadata of all objects and the pod template. */
    readonly all: Record<string, string>;
    /** The subset that never changes over the workload's life: matchLabels and Service selectors. */
    readonly selector: Record<string, string>;
}

export function labelsFor(spec: LabelSpec): Labels {
    const selector = {
        "app.kubernetes.io/name": spec.name,
        "app.kubernetes.io/instance": spec.instance,
        "app.kubernetes.io/component": spec.component,
    };
    return {
        selector,
        all: {
            ...selector,
            "app.kubernetes.io/part-of": PART_OF,
            "app.kubernetes.io/managed-by": "pulumi",
            environment: spec.environment,
        },
    };
}

/** The same workload with extra pod labels (e.g. a Redis client label) that selectors ignore. */
export function withLabels(labels: Labels, extra: Record<string, string>): Labels {
    return { selector: labels.selector, all: { ...labels.all, ...extra } };
}
