// The "redis-platform" policy pack: every rule of rules.ts as a Pulumi policy. Per-resource rules
// validate each Kubernetes resource's inputs; rules that need the whole set validate the stack.
// Levels and settings come from `--policy-pack-config` (see README.md and stack-config.ts).
import { Policies, PolicyConfigSchema, PolicyPack } from "@pulumi/policy";
import { configSchemaFor, resourceValidation, stackValidation } from "./lib/pack-adapter";
import { rules } from "./rules";

const policies: Policies = rules.map((rule) => {
    const base = {
        name: rule.name,
        description: rule.description,
        enforcementLevel: rule.enforcementLevel,
        configSchema: configSchemaFor(rule) as PolicyConfigSchema,
    };
    return rule.scope === "resource"
        ? { ...base, validateResource: resourceValidation(rule) }
        : { ...base, validateStack: stackValidation(rule) };
});

new PolicyPack("redis-platform", {
    description: "Kubernetes anti-patterns for the redis-platform program: pinned images, resources, probes, Pod Security restricted, secrets, disruption budgets, network policies, references and Redis memory/persistence.",
    policies,
});
