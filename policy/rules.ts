// The rule registry and a plain evaluator. Imports nothing from Pulumi, so the PolicyPack
// (index.ts), the live checker (live-check.ts) and the unit tests all run exactly these rules.
import { PackConfig, checkPolicyNames, contextFor, entryProps, isExempt, levelFor } from "./lib/config";
import { isControlled, isWorkload, keyOf } from "./lib/k8s";
import { Rule, StackRule } from "./lib/rule";
import {
    containerCpuLimit, containerProbes, containerResources, imageDigestPinned, imageTagPinned,
    singleAppContainer, workloadController,
} from "./lib/rules-containers";
import { redisConfigMounted, redisMasterPersistence, redisMaxmemory } from "./lib/rules-redis";
import {
    environmentLabels, namespacePodSecurity, noDefaultNamespace, noRedisAuthInConfig,
    podSecurityRestricted, secretEnvFromSecretRef,
} from "./lib/rules-security";
import {
    hpaTargetExists, ingressBackendExists, networkPolicyDefaultDeny, pdbCoverage, redisNetworkAccess,
    redisSentinelNetworkAccess, redisServiceClusterIp, serviceSelectsWorkload,
} from "./lib/rules-stack";
import { Finding, K8sObject, Violation } from "./lib/types";

export * from "./lib/types";
export { PackConfig, PolicyEntry, validateExemptions } from "./lib/config";
export { Rule, RuleContext, ResourceRule, StackRule, Setting } from "./lib/rule";

/** Reports every exemption the stack config declares: honoured ones and ones that match nothing. */
export const policyExemptions: StackRule = {
    name: "policy-exemptions",
    description: "Reports each exemption from the stack config (redis-platform:policyExemptions): honoured, or matching no resource.",
    enforcementLevel: "advisory",
    scope: "stack",
    settings: {},
    seesOwned: true,
    notExemptable: true,
    check(objects, ctx) {
        const keys = new Set(objects.map(keyOf));
        return ctx.exemptions.map((e): Finding => ({
            resource: e.resource,
            message: keys.has(e.resource)
                ? `exempted: ${e.rule} for ${e.resource}: ${e.reason}`
                : `unmatched exemption: ${e.rule} for ${e.resource} matches no resource in this stack; remove it or fix the resource (reason given: ${e.reason})`,
        }));
    },
};

export const rules: readonly Rule[] = [
    imageTagPinned, imageDigestPinned, containerResources, containerCpuLimit, containerProbes,
    workloadController, singleAppContainer, secretEnvFromSecretRef, noRedisAuthInConfig,
    podSecurityRestricted, namespacePodSecurity, noDefaultNamespace, environmentLabels,
    pdbCoverage, networkPolicyDefaultDeny, redisNetworkAccess, redisSentinelNetworkAccess, serviceSelectsWorkload,
    ingressBackendExists, hpaTargetExists, redisServiceClusterIp,
    redisMaxmemory, redisMasterPersistence, redisConfigMounted, policyExemptions,
];

export const ruleNames: readonly string[] = rules.map((r) => r.name);
/** Rules an exemption may name. */
export const exemptableRules: readonly string[] = rules.filter((r) => !r.notExemptable).map((r) => r.name);

export const ruleContext = (rule: Rule, props: Record<string, unknown>) => contextFor(rule, props, exemptableRules);

/** Objects a rule looks at: live Pods/ReplicaSets/Jobs owned by a controller are its controller's business. */
export const visibleTo = (rule: Rule, objects: K8sObject[]): K8sObject[] =>
    rule.seesOwned ? objects : objects.filter((o) => !(isWorkload(o) && isControlled(o)));

/** Findings of one rule with exemptions applied (no enforcement level yet). */
export function runRule(rule: Rule, objects: K8sObject[], props: Record<string, unknown>): Finding[] {
    const ctx = ruleContext(rule, props);
    const seen = visibleTo(rule, objects);
    const found = rule.scope === "resource"
        ? seen.filter((o) => rule.kinds === undefined || rule.kinds.includes(o.kind ?? "")).flatMap((o) => rule.check(o, ctx))
        : rule.check(seen, ctx);
    return rule.notExemptable ? found : found.filter((f) => !isExempt(ctx, rule.name, f.resource));
}

/** Every violation of every enabled rule, as `pulumi preview` with this pack config would report them. */
export function evaluate(objects: K8sObject[], config: PackConfig = {}): Violation[] {
    checkPolicyNames(config, ruleNames);
    const out: Violation[] = [];
    for (const rule of rules) {
        const level = levelFor(rule, config);
        if (level === "disabled") continue;
        for (const f of runRule(rule, objects, entryProps(config[rule.name]))) {
            out.push({ rule: rule.name, level, resource: f.resource, message: f.message });
        }
    }
    return out;
}
