import assert from "assert/strict";
import { evaluate, exemptableRules, ruleNames, validateExemptions } from "../../policy/rules";
import { broken, compliantStack, firstContainer, get, messages, packConfig, run } from "./fixtures";

const API = "Deployment/shop/api";
const dropRequests = (s: ReturnType<typeof compliantStack>) => { delete firstContainer(s, API).resources?.requests; };

describe("policy: pack config changes levels and settings", () => {
    const rule = "container-resources";
    const violationsOf = (config: Parameters<typeof run>[1]) => run((() => { const s = compliantStack(); dropRequests(s); return s; })(), config)
        .filter((v) => v.rule === rule);

    it("reports at the rule's default level", () => {
        assert.deepEqual(violationsOf({}).map((v) => v.level), ["mandatory"]);
    });
    it("lowers a rule to advisory, by string or object entry", () => {
        assert.deepEqual(violationsOf({ [rule]: "advisory" }).map((v) => v.level), ["advisory"]);
        assert.deepEqual(violationsOf({ [rule]: { enforcementLevel: "advisory" } }).map((v) => v.level), ["advisory"]);
    });
    it("silences a disabled rule", () => {
        assert.deepEqual(violationsOf({ [rule]: "disabled" }), []);
        assert.deepEqual(violationsOf({ [rule]: { enforcementLevel: "disabled" } }), []);
    });
    it("applies \"all\" first and a policy's own level over it, as the Pulumi CLI does", () => {
        assert.deepEqual(violationsOf({ all: "advisory" }).map((v) => v.level), ["advisory"]);
        assert.deepEqual(violationsOf({ all: "disabled", [rule]: "mandatory" }).map((v) => v.level), ["mandatory"]);
    });
    it("raises an advisory rule to mandatory", () => {
        const vs = run((() => { const s = compliantStack(); delete firstContainer(s, API).resources?.limits?.cpu; return s; })(), { "container-cpu-limit": "mandatory" });
        assert.deepEqual(vs.map((v) => [v.rule, v.level]), [["container-cpu-limit", "mandatory"]]);
    });
    it("changes a threshold: maxMemoryShare 0.5 fails a config at 0.6 of the limit", () => {
        const at60 = (s: ReturnType<typeof compliantStack>) => { (get(s, "ConfigMap/cache/redis-cache-config").data as Record<string, string>)["redis.conf"] = "maxmemory 80530636\n"; };
        assert.deepEqual(broken("redis-maxmemory", at60), []);
        assert.equal(broken("redis-maxmemory", at60, { "redis-maxmemory": { maxMemoryShare: 0.5 } }).length, 3);
    });
});

describe("policy: bad pack config stops the run with a message", () => {
    const objs = compliantStack();
    const fails = (config: Record<string, unknown>, message: string) =>
        assert.throws(() => evaluate(objs, { ...packConfig(), ...config } as never), { message });

    it("rejects an unknown policy name", () => {
        fails({ "redis-maxmem": {} }, `pack config names unknown policy "redis-maxmem"; known: all, ${ruleNames.join(", ")}`);
    });
    it("rejects an unknown level", () => {
        fails({ "container-resources": "warn" }, 'pack config container-resources: enforcement level must be one of mandatory, advisory, disabled, got "warn"');
    });
    it("rejects an out-of-range or mistyped threshold", () => {
        const base = packConfig()["redis-maxmemory"] as Record<string, unknown>;
        fails({ "redis-maxmemory": { ...base, maxMemoryShare: 1.5 } }, "pack config redis-maxmemory.maxMemoryShare must be a number > 0 and <= 1, got 1.5");
        fails({ "pdb-coverage": { ...base, minReplicas: "2" } }, 'pack config pdb-coverage.minReplicas must be an integer >= 1, got "2"');
        fails({ "single-app-container": { ...base, allowedSidecars: "exporter" } }, 'pack config single-app-container.allowedSidecars must be a list of strings, got "exporter"');
    });
    it("rejects an unknown setting", () => {
        fails({ "redis-maxmemory": { maxMemoryRatio: 0.5 } }, 'pack config redis-maxmemory: unknown setting "maxMemoryRatio"; known: environment, exemptions, maxMemoryShare');
    });
    it("rejects an unknown environment", () => {
        fails({ "environment-labels": { environment: "staging" } }, 'pack config environment-labels.environment must be one of dev, prod, got "staging"');
    });
});

describe("policy: exemptions", () => {
    const reason = "gb-frontend runs apache as root on port 80";
    const frontend = "Deployment/shop/api";
    const exemption = { rule: "pod-security-restricted", resource: frontend, reason };
    const rootApi = () => { const s = compliantStack(); get(s, API).spec.template.spec.securityContext.runAsUser = 0; dropRequests(s); return s; };

    it("honours an exemption for its rule and resource only, and reports it as advisory", () => {
        const plain = run(rootApi());
        assert.deepEqual(messages(plain, "pod-security-restricted"), [`pod-security-restricted: ${API} container "app": runAsUser is 0 (root); use a non-zero UID`]);
        const vs = run(rootApi(), {}, { exemptions: [exemption] });
        assert.deepEqual(messages(vs, "pod-security-restricted"), []);
        assert.equal(messages(vs, "container-resources").length, 1, "other rules still apply to the exempted resource");
        assert.deepEqual(vs.filter((v) => v.rule === "policy-exemptions"), [{
            rule: "policy-exemptions", level: "advisory", resource: frontend,
            message: `exempted: pod-security-restricted for ${frontend}: ${reason}`,
        }]);
    });
    it("reports an exemption that matches no resource", () => {
        const vs = run(compliantStack(), {}, { exemptions: [{ ...exemption, resource: "Deployment/shop/frontend" }] });
        assert.deepEqual(vs.map((v) => [v.level, v.message]), [["advisory",
            `unmatched exemption: pod-security-restricted for Deployment/shop/frontend matches no resource in this stack; remove it or fix the resource (reason given: ${reason})`]]);
    });
    it("names cluster-scoped objects as Kind/name (Kind//name accepted)", () => {
        const vs = run((() => { const s = compliantStack(); delete get(s, "Namespace/shop").metadata?.labels?.["pod-security.kubernetes.io/enforce"]; return s; })(), {},
            { exemptions: validateExemptions([{ rule: "namespace-pod-security", resource: "Namespace//shop", reason: "r" }], exemptableRules) });
        assert.deepEqual(vs.map((v) => v.message), ["exempted: namespace-pod-security for Namespace/shop: r"]);
    });
    it("rejects an exemption without a reason", () => {
        assert.throws(() => validateExemptions([{ rule: "pod-security-restricted", resource: frontend, reason: " " }], exemptableRules), {
            message: `policyExemptions[0]: exemption of pod-security-restricted for ${frontend} has no reason; say why this resource may break the rule`,
        });
        assert.throws(() => run(compliantStack(), {}, { exemptions: [{ ...exemption, reason: undefined as never }] }), {
            message: `policyExemptions[0]: exemption of pod-security-restricted for ${frontend} has no reason; say why this resource may break the rule`,
        });
    });
    it("rejects an exemption naming an unknown rule (the reporter itself included) or a malformed resource", () => {
        for (const rule of ["no-such-rule", "policy-exemptions"]) {
            assert.throws(() => validateExemptions([exemption, { ...exemption, rule }], exemptableRules), {
                message: `policyExemptions[1]: unknown rule "${rule}"; known rules: ${exemptableRules.join(", ")}`,
            });
        }
        assert.throws(() => validateExemptions([{ ...exemption, resource: "frontend" }], exemptableRules), {
            message: 'policyExemptions[0]: resource must be "<Kind>/<namespace>/<name>" (or "<Kind>/<name>" for cluster-scoped kinds), got "frontend"',
        });
    });
});
