// The shape of a rule, its configuration context, and message helpers.
import { EnforcementLevel, Exemption, Finding, K8sObject } from "./types";
import { keyOf } from "./k8s";

/** A configurable setting of one rule; becomes a property of the policy's configSchema. */
export interface Setting {
    type: "number" | "integer" | "string" | "array";
    default: number | string | string[];
    description: string;
    minimum?: number;
    maximum?: number;
    exclusiveMinimum?: number;
}

export interface RuleContext {
    /** The rule's settings, defaults filled in. */
    settings: Readonly<Record<string, number | string | string[]>>;
    /** The stack's environment (pack config `environment`), if configured. */
    environment?: string;
    /** Every exemption of the stack (not only this rule's): some rules relax because of others'. */
    exemptions: readonly Exemption[];
}

interface RuleBase {
    name: string;
    description: string;
    enforcementLevel: EnforcementLevel;
    settings: Record<string, Setting>;
    /** Sees objects owned by a controller (live Pods/ReplicaSets); every other rule skips them. */
    seesOwned?: boolean;
    /** May not be exempted (the exemption reporter itself). */
    notExemptable?: boolean;
}

export interface ResourceRule extends RuleBase {
    scope: "resource";
    /** Kinds checked; undefined means every kind. */
    kinds?: readonly string[];
    check(o: K8sObject, ctx: RuleContext): Finding[];
}

export interface StackRule extends RuleBase {
    scope: "stack";
    check(objects: K8sObject[], ctx: RuleContext): Finding[];
}

export type Rule = ResourceRule | StackRule;

/** `<rule>: <subject>: <text>` with the resource key of `o` as the finding's resource. */
export const finding = (rule: string, o: K8sObject | string, subject: string, text: string): Finding => ({
    resource: typeof o === "string" ? o : keyOf(o),
    message: `${rule}: ${subject}: ${text}`,
});

export const num = (ctx: RuleContext, key: string): number => ctx.settings[key] as number;
export const strs = (ctx: RuleContext, key: string): string[] => ctx.settings[key] as string[];
export const str = (ctx: RuleContext, key: string): string => ctx.settings[key] as string;

/** A value as it appears in a message: `unset` for absent, otherwise JSON-ish. */
export function show(v: unknown): string {
    if (v === undefined || v === null) return "unset";
    if (Array.isArray(v)) return `[${v.join(", ")}]`;
    return String(v);
}
