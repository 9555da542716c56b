/**
 * Namespaces and their network boundary: every namespace starts with a default-deny ingress
 * NetworkPolicy, and each component opens exactly the ports its clients need.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Labels } from "./labels";
import { podSecurityLabels } from "./security";

type PeerInput = k8s.types.input.networking.v1.NetworkPolicyPeer;

export interface NamespaceArgs {
    readonly name: string;
    readonly labels: Labels;
    /** "baseline" only where stack config exempts a workload of this namespace from "restricted". */
    readonly podSecurity?: "restricted" | "baseline";
    /** Leave the namespace (and so its retained claims) in the cluster on `pulumi destroy`. */
    readonly retainOnDelete?: boolean;
}

/** A namespace labelled for Pod Security admission, with its default-deny ingress policy. */
export function isolatedNamespace(parent: pulumi.Resource, prefix: string, args: NamespaceArgs): k8s.core.v1.Namespace {
    const ns = new k8s.core.v1.Namespace(`${prefix}-namespace`, {
        metadata: { name: args.name, labels: { ...args.labels.all, ...podSecurityLabels(args.podSecurity ?? "restricted") } },
    }, { parent, retainOnDelete: args.retainOnDelete });
    new k8s.networking.v1.NetworkPolicy(`${prefix}-default-deny`, {
        metadata: { name: "default-deny-ingress", namespace: ns.metadata.name, labels: args.labels.all },
        spec: { podSelector: {}, policyTypes: ["Ingress"] },
    }, { parent });
    return ns;
}

/** A peer: pods with these labels, in the namespaces named (or in this namespace when none are). */
export function peer(podLabels: Record<string, string>, namespaces?: readonly string[]): PeerInput {
    return {
        podSelector: { matchLabels: podLabels },
        ...(namespaces && namespaces.length > 0
            ? { namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: [...namespaces] }] } }
            : {}),
    };
}

export interface AllowArgs {
    readonly name: string;
    readonly namespace: pulumi.Input<string>;
    readonly labels: Labels;
    /** The pods this rule opens. */
    readonly podSelector: Record<string, string>;
    readonly port: number;
    /** Who may connect; undefined opens the port to every source (entry points only). */
    readonly from?: PeerInput[];
}

export function allowIngress(parent: pulumi.Resource, resourceName: string, args: AllowArgs): k8s.networking.v1.NetworkPolicy {
    return new k8s.networking.v1.NetworkPolicy(resourceName, {
        metadata: { name: args.name, namespace: args.namespace, labels: args.labels.all },
        spec: {
            podSelector: { matchLabels: args.podSelector },
            policyTypes: ["Ingress"],
            ingress: [{ ...(args.from ? { from: args.from } : {}), ports: [{ protocol: "TCP", port: args.port }] }],
        },
    }, { parent });
}
