/** The policy pack, run by the real Pulumi CLI: a program with deliberate violations is rejected. */
import * as assert from "assert/strict";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { progress } from "./helpers/stacks";
import { policyPackDir } from "../../scripts/lib/stack-files";
import { buildPackConfig } from "../../policy/stack-config";

const FIXTURE = path.join(__dirname, "fixtures", "violations");

describe("policy pack at preview", function () {
    this.timeout(10 * 60_000);

    it("rejects a program with deliberate violations, naming each broken rule and never echoing the secret", async () => {
        const stack = await LocalWorkspace.createOrSelectStack({ stackName: "ci-violations", workDir: FIXTURE });
        const config = path.join(os.tmpdir(), "policy-violations-pack-config.json");
        fs.writeFileSync(config, JSON.stringify(buildPackConfig({ environment: "dev", exemptions: [] })));
        let output = "";
        await assert.rejects(
            stack.preview({ policyPacks: [policyPackDir()], policyPackConfigs: [config], onOutput: (l) => { output += l; progress("violations")(l); } }),
            (e: Error) => { output += e.message; return true; },
        );
        for (const rule of ["image-tag-pinned", "container-resources", "container-probes", "workload-controller", "secret-env-from-secret-ref", "no-redis-auth-in-config", "pod-security-restricted", "no-default-namespace", "environment-labels", "pdb-coverage", "network-policy-default-deny", "redis-network-access", "redis-maxmemory", "redis-master-persistence"]) {
            assert.match(output, new RegExp(rule), `the output names ${rule}`);
        }
        // The seed-style master/slave declare no port 6379 and no app.kubernetes.io/name: found by image and command.
        for (const seen of [
            /redis-master-persistence: StatefulSet\/redis\/redis-master: has 2 replicas/,
            /redis-maxmemory: StatefulSet\/redis\/redis-slave container "redis": maxmemory is not set/,
            /redis-network-access: StatefulSet\/redis\/redis-master: no NetworkPolicy/,
        ]) assert.match(output, seen, "the seed-style Redis is recognised");
        assert.doesNotMatch(output, /hunter2-not-a-real-secret/);
        await stack.workspace.removeStack("ci-violations", { force: true });
    });
});
