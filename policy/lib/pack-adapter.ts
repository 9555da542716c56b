// Pulumi resources -> plain Kubernetes objects, and rules -> policy callbacks. Kept free of
// @pulumi/policy imports (only structurally compatible types) so tests can drive it directly.
import { ENVIRONMENTS } from "./config";
import { keyOf } from "./k8s";
import { Rule } from "./rule";
import { K8sObject } from "./types";
import { runRule } from "../rules";

/** The parts of @pulumi/policy's ResourceValidationArgs / PolicyResource that the adapter reads. */
export interface PulumiResource {
    type: string;
    // Resource inputs (validateResource) or outputs (validateStack): Pulumi's own loose type.
    props: Record<string, any>;
    urn: string;
}
export interface ConfigSource {
    getConfig<T extends object>(): T;
}
export type Report = (message: string, urn?: string) => void;

const NOT_OBJECTS = /^(helm\.sh|yaml|kustomize)(\/|$)/;

/**
 * `kubernetes:apps/v1:Deployment` + props -> `{apiVersion, kind, metadata, spec, data}`; undefined
 * for anything that is not a plain Kubernetes object (other providers, Helm, YAML, *Patch, *List).
 * Fields are read lazily through Pulumi's proxy, and a Secret's data is never read at all.
 */
export function objectFromPulumi(type: string, props: Record<string, any>): K8sObject | undefined {
    const m = /^kubernetes:([^:]+)\/([^:/]+):([A-Za-z0-9]+)$/.exec(type);
    if (!m) return undefined;
    const [, group, version, kind] = m;
    if (NOT_OBJECTS.test(group) || kind.endsWith("Patch") || kind.endsWith("List")) return undefined;
    return {
        apiVersion: group === "core" ? version : `${group}/${version}`,
        kind,
        metadata: props.metadata,
        spec: props.spec,
        ...(kind === "ConfigMap" ? { data: props.data } : {}),
    };
}

export function resourceValidation(rule: Rule) {
    return (args: PulumiResource & ConfigSource, report: Report): void => {
        const o = objectFromPulumi(args.type, args.props);
        if (!o || (rule.scope === "resource" && rule.kinds !== undefined && !rule.kinds.includes(o.kind ?? ""))) return;
        for (const f of runRule(rule, [o], args.getConfig<Record<string, unknown>>())) report(f.message);
    };
}

export function stackValidation(rule: Rule) {
    return (args: { resources: PulumiResource[] } & ConfigSource, report: Report): void => {
        const objects: K8sObject[] = [];
        const urns = new Map<string, string>();
        for (const r of args.resources) {
            const o = objectFromPulumi(r.type, r.props);
            if (!o) continue;
            objects.push(o);
            urns.set(keyOf(o), r.urn);
        }
        for (const f of runRule(rule, objects, args.getConfig<Record<string, unknown>>())) report(f.message, urns.get(f.resource));
    };
}

/** JSON schema of a policy's pack config: the shared stack settings plus the rule's own settings. */
export function configSchemaFor(rule: Rule) {
    const properties: Record<string, Record<string, unknown>> = {
        environment: { type: "string", enum: ENVIRONMENTS, description: "The stack's environment (redis-platform:environment)." },
        exemptions: {
            type: "array",
            default: [],
            description: "The stack's exemptions (redis-platform:policyExemptions): {rule, resource: \"<Kind>/<namespace>/<name>\", reason}.",
            items: {
                type: "object",
                properties: { rule: { type: "string" }, resource: { type: "string" }, reason: { type: "string" } },
            },
        },
    };
    for (const [k, s] of Object.entries(rule.settings)) {
        properties[k] = { ...s, ...(s.type === "array" ? { items: { type: "string" } } : {}) };
    }
    return { properties, ...(rule.name === "environment-labels" ? { required: ["environment"] } : {}) };
}
