/**
 * Builds a workload and what belongs to it from one spec: the pod template (hardened, labelled),
 * a Service whose port is derived from a named container port, and a PodDisruptionBudget when more
 * than one replica runs. Components describe containers; they never hand-copy selectors or ports.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Labels } from "./labels";
import { RunAs, containerSecurityContext, podSecurityContext } from "./security";

type Container = k8s.types.input.core.v1.Container;
type Volume = k8s.types.input.core.v1.Volume;

export interface PodArgs {
    readonly labels: Labels;
    /** Containers without securityContext: the hardened one is added here. */
    readonly containers: Container[];
    readonly volumes?: Volume[];
    readonly runAs?: RunAs;
    /** False only for a stack-config exemption from pod-security-restricted. */
    readonly restricted?: boolean;
    /** Pod annotations, e.g. a checksum of mounted config so a config change rolls the pods. */
    readonly annotations?: Record<string, pulumi.Input<string>>;
    /** Spread replicas over nodes (preferred, so a one-node cluster still schedules them). */
    readonly spreadOverNodes?: boolean;
    /** The one pod kind that talks to the API: its own ServiceAccount, and only then a mounted token. */
    readonly serviceAccountName?: pulumi.Input<string>;
    /** Seconds a stopping pod gets (its preStop hook included); the Kubernetes default (30) when unset. */
    readonly terminationGracePeriodSeconds?: number;
}

export function podTemplate(args: PodArgs): k8s.types.input.core.v1.PodTemplateSpec {
    const restricted = args.restricted ?? true;
    return {
        metadata: { labels: args.labels.all, ...(args.annotations ? { annotations: args.annotations } : {}) },
        spec: {
            ...(args.serviceAccountName
                ? { serviceAccountName: args.serviceAccountName, automountServiceAccountToken: true }
                : { automountServiceAccountToken: false }),
            ...(args.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: args.terminationGracePeriodSeconds } : {}),
            enableServiceLinks: false,
            securityContext: podSecurityContext(args.runAs, restricted),
            ...(args.spreadOverNodes ? { affinity: preferredAntiAffinity(args.labels.selector) } : {}),
            containers: args.containers.map((c) => ({ ...c, securityContext: containerSecurityContext(restricted) })),
            ...(args.volumes ? { volumes: args.volumes } : {}),
        },
    };
}

export function preferredAntiAffinity(selector: Record<string, string>): k8s.types.input.core.v1.Affinity {
    return {
        podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [{
                weight: 100,
                podAffinityTerm: { labelSelector: { matchLabels: selector }, topologyKey: "kubernetes.io/hostname" },
            }],
        },
    };
}

export interface ServiceArgs {
    /** Kubernetes name of the Service. */
    readonly name: string;
    /** Name of the container port the Service forwards to; its number is derived from the container. */
    readonly portName: string;
    /** Port the Service listens on (defaults to the container port). */
    readonly port?: number;
    readonly type?: pulumi.Input<string>;
    readonly headless?: boolean;
    /** Selector override (a headless Service over several workloads); defaults to the workload's selector. */
    readonly selector?: Record<string, string>;
    /** Publish DNS records of pods before they are Ready (a StatefulSet's peers must find each other). */
    readonly publishNotReadyAddresses?: boolean;
    readonly annotations?: Record<string, string>;
}

/** The container port named `portName`; throws when no container exposes it. */
export function containerPort(containers: Container[], portName: string, owner: string): number {
    const ports = containers.flatMap((c) => (c.ports ?? []) as k8s.types.input.core.v1.ContainerPort[]);
    const match = ports.find((p) => p.name === portName);
    if (!match) {
        const names = ports.map((p) => p.name).filter((n) => n !== undefined).join(", ") || "none";
        throw new Error(`${owner}: no container exposes a port named "${portName}" (named ports: ${names})`);
    }
    return match.containerPort as number;
}

export function service(parent: pulumi.Resource, resourceName: string, namespace: pulumi.Input<string>,
    labels: Labels, containers: Container[], args: ServiceArgs): k8s.core.v1.Service {
    const target = containerPort(containers, args.portName, `Service ${args.name}`);
    return new k8s.core.v1.Service(resourceName, {
        metadata: { name: args.name, namespace, labels: labels.all, ...(args.annotations ? { annotations: args.annotations } : {}) },
        spec: {
            ...(args.headless ? { clusterIP: "None" } : { type: args.type ?? "ClusterIP" }),
            ...(args.publishNotReadyAddresses ? { publishNotReadyAddresses: true } : {}),
            selector: args.selector ?? labels.selector,
            ports: [{ name: args.portName, port: args.port ?? target, targetPort: args.portName, protocol: "TCP" }],
        },
    }, { parent });
}

/** A budget that keeps all but one replica up during voluntary disruptions (drains, upgrades). */
export function disruptionBudget(parent: pulumi.Resource, resourceName: string, name: string,
    namespace: pulumi.Input<string>, labels: Labels): k8s.policy.v1.PodDisruptionBudget {
    return new k8s.policy.v1.PodDisruptionBudget(resourceName, {
        metadata: { name, namespace, labels: labels.all },
        spec: { maxUnavailable: 1, selector: { matchLabels: labels.selector } },
    }, { parent });
}

export interface DeploymentArgs extends PodArgs {
    readonly name: string;
    readonly namespace: pulumi.Input<string>;
    /** Omit when an HPA owns the replica count, so `pulumi up` never fights the autoscaler. */
    readonly replicas?: number;
    /** Smallest replica count an HPA keeps; decides the PodDisruptionBudget when replicas is omitted. */
    readonly minReplicas?: number;
    readonly service?: ServiceArgs;
    /** Created (and awaited) before the Deployment, e.g. Services its containers resolve at start. */
    readonly dependsOn?: pulumi.Resource[];
}

/**
 * Workload metadata annotation: the program owns its workloads, so a field someone changed by hand
 * (`kubectl scale`, `kubectl set resources`) is drift that `pulumi up` takes back. Without it
 * Server-Side Apply refuses the update with a field conflict against the hand-made change's manager.
 */
export const OWNED_WORKLOAD = { "pulumi.com/patchForce": "true" } as const;

export interface ServedDeployment {
    readonly deployment: k8s.apps.v1.Deployment;
    readonly service?: k8s.core.v1.Service;
    readonly pdb?: k8s.policy.v1.PodDisruptionBudget;
}

/** A Deployment with its Service and, when more than one replica runs, its PodDisruptionBudget. */
export function servedDeployment(parent: pulumi.Resource, prefix: string, args: DeploymentArgs): ServedDeployment {
    const deployment = new k8s.apps.v1.Deployment(`${prefix}-deployment`, {
        metadata: { name: args.name, namespace: args.namespace, labels: args.labels.all, annotations: OWNED_WORKLOAD },
        spec: {
            ...(args.replicas !== undefined ? { replicas: args.replicas } : {}),
            selector: { matchLabels: args.labels.selector },
            template: podTemplate(args),
        },
    }, { parent, ...(args.dependsOn ? { dependsOn: args.dependsOn } : {}) });
    const svc = args.service ? service(parent, `${prefix}-service`, args.namespace, args.labels, args.containers, args.service) : undefined;
    const replicas = args.replicas ?? args.minReplicas ?? 1;
    const pdb = replicas > 1 ? disruptionBudget(parent, `${prefix}-pdb`, args.name, args.namespace, args.labels) : undefined;
    return { deployment, service: svc, pdb };
}

/** Requests and limits in the Kubernetes shape. */
export function resourceRequirements(r: { cpuRequest: string; cpuLimit: string; memoryRequest: string; memoryLimit: string }): k8s.types.input.core.v1.ResourceRequirements {
    return {
        requests: { cpu: r.cpuRequest, memory: r.memoryRequest },
        limits: { cpu: r.cpuLimit, memory: r.memoryLimit },
    };
}
