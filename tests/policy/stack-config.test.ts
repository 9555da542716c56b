import assert from "assert/strict";
import { execFileSync } from "child_process";
import * as path from "path";
import { exemptableRules, ruleNames } from "../../policy/rules";
import { buildPackConfig, readStackConfig, readStackSettings } from "../../policy/stack-config";

const FIXTURES = path.join(__dirname, "fixtures");
const REPO = path.join(__dirname, "..", "..");
const frontend = { rule: "pod-security-restricted", resource: "Deployment/guestbook/frontend", reason: "gb-frontend runs apache as root on port 80" };

describe("policy: stack-config", () => {
    it("overlays the stack's redis-platform:<key> values on the Pulumi.yaml defaults", () => {
        assert.deepEqual(readStackConfig(FIXTURES, "prod"), {
            project: "redis-platform",
            values: { environment: "prod", policyExemptions: [], cacheReplicas: 3 },
        });
    });
    it("reads environment and exemptions (block and flow YAML), ignoring other projects' keys", () => {
        assert.deepEqual(readStackSettings(FIXTURES, "dev"), {
            environment: "dev",
            exemptions: [frontend, { rule: "namespace-pod-security", resource: "Namespace/guestbook", reason: "baseline for the root frontend" }],
        });
    });
    it("takes the project defaults when the stack sets nothing, and a list stored as a JSON string", () => {
        assert.deepEqual(readStackSettings(FIXTURES, "prod"), { environment: "prod", exemptions: [] });
        assert.deepEqual(readStackSettings(FIXTURES, "jsonstring").exemptions,
            [{ rule: "pdb-coverage", resource: "Deployment/shop/api", reason: "single zone lab" }]);
    });
    it("rejects an exemption without a reason, naming the key", () => {
        assert.throws(() => readStackSettings(FIXTURES, "noreason"), {
            message: "redis-platform:policyExemptions[0]: exemption of pod-security-restricted for Deployment/guestbook/frontend has no reason; say why this resource may break the rule",
        });
    });
    it("rejects an exemption naming an unknown rule", () => {
        assert.throws(() => readStackSettings(FIXTURES, "badrule"), {
            message: `redis-platform:policyExemptions[0]: unknown rule "run-as-root-ok"; known rules: ${exemptableRules.join(", ")}`,
        });
    });
    it("rejects an unknown environment and a missing stack file", () => {
        assert.throws(() => readStackSettings(FIXTURES, "staging"), { message: 'redis-platform:environment must be one of dev, prod, got "staging"' });
        assert.throws(() => readStackSettings(FIXTURES, "nope"), (e: Error) => e.message.startsWith(`cannot read ${path.join(FIXTURES, "Pulumi.nope.yaml")}: ENOENT`));
    });
    it("repeats environment and exemptions in every policy entry and lays overrides on top", () => {
        const config = buildPackConfig({ environment: "dev", exemptions: [frontend] }, { all: "advisory", "redis-maxmemory": { maxMemoryShare: 0.5, enforcementLevel: "mandatory" } });
        assert.deepEqual(Object.keys(config), ["all", ...ruleNames]);
        assert.deepEqual(config["pdb-coverage"], { environment: "dev", exemptions: [frontend] });
        assert.deepEqual(config["redis-maxmemory"], { enforcementLevel: "mandatory", environment: "dev", exemptions: [frontend], maxMemoryShare: 0.5 });
        assert.throws(() => buildPackConfig({ environment: "dev", exemptions: [] }, { "redis-maxmem": "disabled" }),
            { message: `overrides name unknown policy "redis-maxmem"; known: all, ${ruleNames.join(", ")}` });
    });
    it("accepts the repository's own stacks", () => {
        for (const stack of ["dev", "prod"]) {
            const s = readStackSettings(REPO, stack);
            assert.equal(s.environment, stack);
        }
    });
    it("writes the pack config JSON from the command line", function () {
        this.timeout(60000);
        const out = execFileSync(process.execPath, ["-r", "ts-node/register", path.join(REPO, "policy", "stack-config.ts"), "--stack", "dev", "--root", FIXTURES],
            { cwd: REPO, env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "1" }, encoding: "utf8" });
        const config = JSON.parse(out) as Record<string, { environment: string; exemptions: unknown[] }>;
        assert.deepEqual(Object.keys(config), [...ruleNames]);
        assert.equal(config["policy-exemptions"].exemptions.length, 2);
    });
});
