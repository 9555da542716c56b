// Pack config -> per-rule context. The same JSON drives `pulumi preview --policy-pack-config`, the
// live checker and the tests. Pulumi hands each policy only its own entry, so the stack-wide
// settings (`environment`, `exemptions`) are repeated in every policy's entry: stack-config.ts
// writes them that way, and every error here is thrown so a bad config stops the run.
import { ENFORCEMENT_LEVELS, EnforcementLevel, Exemption } from "./types";
import { Rule, RuleContext, Setting } from "./rule";

export type PolicyEntry = EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>);
/** `{ "<policy name>" | "all": "<level>" | { enforcementLevel?, environment?, exemptions?, <setting>? } }` */
export type PackConfig = Record<string, PolicyEntry>;

export const ENVIRONMENTS = ["dev", "prod"];
const SHARED_KEYS = ["environment", "exemptions"];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function checkLevel(where: string, v: unknown): EnforcementLevel {
    if (typeof v === "string" && (ENFORCEMENT_LEVELS as readonly string[]).includes(v)) return v as EnforcementLevel;
    throw new Error(`${where}: enforcement level must be one of ${ENFORCEMENT_LEVELS.join(", ")}, got ${JSON.stringify(v)}`);
}

/** `Kind/namespace/name`, or `Kind/name` for a cluster-scoped object (`Kind//name` is accepted too). */
export function normaliseResource(resource: string): string | undefined {
    const parts = resource.split("/");
    if (parts.length === 3 && parts[1] === "") return `${parts[0]}/${parts[2]}`;
    const ok = /^[A-Z][A-Za-z0-9]*$/.test(parts[0]) && parts.slice(1).every((p) => /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(p));
    return ok && (parts.length === 2 || parts.length === 3) ? resource : undefined;
}

/** Validates `redis-platform:policyExemptions` entries; errors name the index and say what to fix. */
export function validateExemptions(raw: unknown, knownRules: readonly string[]): Exemption[] {
    if (raw === undefined || raw === null) return [];
    if (!Array.isArray(raw)) throw new Error(`policyExemptions must be a list of {rule, resource, reason}, got ${JSON.stringify(raw)}`);
    return raw.map((e: unknown, i) => {
        const at = `policyExemptions[${i}]`;
        if (!isObject(e)) throw new Error(`${at} must be an object {rule, resource, reason}, got ${JSON.stringify(e)}`);
        const { rule, resource, reason } = e;
        if (typeof rule !== "string" || !knownRules.includes(rule)) {
            throw new Error(`${at}: unknown rule ${JSON.stringify(rule)}; known rules: ${knownRules.join(", ")}`);
        }
        const key = typeof resource === "string" ? normaliseResource(resource) : undefined;
        if (key === undefined) {
            throw new Error(`${at}: resource must be "<Kind>/<namespace>/<name>" (or "<Kind>/<name>" for cluster-scoped kinds), got ${JSON.stringify(resource)}`);
        }
        if (typeof reason !== "string" || reason.trim() === "") {
            throw new Error(`${at}: exemption of ${rule} for ${key} has no reason; say why this resource may break the rule`);
        }
        return { rule, resource: key, reason: reason.trim() };
    });
}

function checkSetting(rule: string, key: string, spec: Setting, v: unknown): number | string | string[] {
    const where = `pack config ${rule}.${key}`;
    if (spec.type === "array") {
        if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) throw new Error(`${where} must be a list of strings, got ${JSON.stringify(v)}`);
        return v as string[];
    }
    if (spec.type === "string") {
        if (typeof v !== "string") throw new Error(`${where} must be a string, got ${JSON.stringify(v)}`);
        return v;
    }
    const bad = typeof v !== "number" || !Number.isFinite(v) || (spec.type === "integer" && !Number.isInteger(v)) ||
        (spec.minimum !== undefined && v < spec.minimum) || (spec.maximum !== undefined && v > spec.maximum) ||
        (spec.exclusiveMinimum !== undefined && v <= spec.exclusiveMinimum);
    if (bad) {
        const range = [
            spec.exclusiveMinimum !== undefined ? `> ${spec.exclusiveMinimum}` : undefined,
            spec.minimum !== undefined ? `>= ${spec.minimum}` : undefined,
            spec.maximum !== undefined ? `<= ${spec.maximum}` : undefined,
        ].filter((x) => x).join(" and ");
        throw new Error(`${where} must be ${spec.type === "integer" ? "an integer" : "a number"}${range ? ` ${range}` : ""}, got ${JSON.stringify(v)}`);
    }
    return v as number;
}

/** A rule's context from its entry's properties (what the Pulumi SDK's getConfig() returns). */
export function contextFor(rule: Rule, props: Record<string, unknown>, knownRules: readonly string[]): RuleContext {
    for (const k of Object.keys(props)) {
        if (k !== "enforcementLevel" && !SHARED_KEYS.includes(k) && !(k in rule.settings)) {
            throw new Error(`pack config ${rule.name}: unknown setting "${k}"; known: ${[...SHARED_KEYS, ...Object.keys(rule.settings)].join(", ")}`);
        }
    }
    const settings: Record<string, number | string | string[]> = {};
    for (const [k, spec] of Object.entries(rule.settings)) {
        settings[k] = props[k] === undefined ? spec.default : checkSetting(rule.name, k, spec, props[k]);
    }
    const env = props.environment;
    if (env !== undefined && (typeof env !== "string" || !ENVIRONMENTS.includes(env))) {
        throw new Error(`pack config ${rule.name}.environment must be one of ${ENVIRONMENTS.join(", ")}, got ${JSON.stringify(env)}`);
    }
    return { settings, environment: env as string | undefined, exemptions: validateExemptions(props.exemptions, knownRules) };
}

/** The entry's properties without the enforcement level ({} for a bare level string). */
export function entryProps(entry: PolicyEntry | undefined): Record<string, unknown> {
    if (!isObject(entry)) return {};
    const rest: Record<string, unknown> = { ...entry };
    delete rest.enforcementLevel;
    return rest;
}

/** Level resolution as the Pulumi CLI does it: policy entry, then "all", then the rule's default. */
export function levelFor(rule: Rule, config: PackConfig): EnforcementLevel {
    const own = config[rule.name];
    if (typeof own === "string") return checkLevel(`pack config ${rule.name}`, own);
    if (isObject(own) && own.enforcementLevel !== undefined) return checkLevel(`pack config ${rule.name}`, own.enforcementLevel);
    const all = config.all;
    if (typeof all === "string") return checkLevel("pack config all", all);
    if (isObject(all) && all.enforcementLevel !== undefined) return checkLevel("pack config all", all.enforcementLevel);
    return rule.enforcementLevel;
}

/** Rejects entries that name no policy, so a typo cannot silently leave a rule unconfigured. */
export function checkPolicyNames(config: PackConfig, names: readonly string[]): void {
    for (const k of Object.keys(config)) {
        if (k !== "all" && !names.includes(k)) throw new Error(`pack config names unknown policy "${k}"; known: all, ${names.join(", ")}`);
    }
}

export const isExempt = (ctx: RuleContext, rule: string, resource: string): boolean =>
    ctx.exemptions.some((e) => e.rule === rule && e.resource === resource);
