/**
 * The prod configuration, previewed (never deployed) against the embedded cluster with a
 * deliberate, logged override of the prod cluster guard; and the guard itself, refusing without it.
 */
import * as assert from "assert/strict";
import { runProgram } from "../helpers/program";
import { changes, engineCreates, summarized, generatedStack, progress, recordSteps, withPolicy } from "./helpers/stacks";

const STACK = "ci-prod-preview";
const ON_EMBEDDED = { kubeconfig: ".cluster/kubeconfig", kubeContext: "embedded" };
const REASON = "CI preview of the prod configuration on the embedded cluster";

describe("prod configuration preview", function () {
    this.timeout(10 * 60_000);

    it("refuses a prod stack on the dev cluster without the override, before registering anything", async () => {
        const stack = await generatedStack(STACK, "prod", ON_EMBEDDED);
        let output = "";
        await assert.rejects(stack.preview({ onOutput: (l) => { output += l; } }));
        assert.match(output, /redis-platform:kubeContext: "embedded" is a development cluster context \(listed in devContexts\) and this is a prod stack/);
        assert.doesNotMatch(output, /\+ .*kubernetes:/, "no resource was planned");
    });

    it("previews every prod create with the override logged, and passes the policy pack", async () => {
        const overrides = { ...ON_EMBEDDED, clusterGuardOverride: REASON };
        const stack = await generatedStack(STACK, "prod", overrides);
        const { onEvent, steps, diagnostics } = recordSteps();
        const result = await stack.preview({ ...withPolicy(STACK), diff: true, onEvent, onOutput: progress("prod preview") });
        assert.ok(diagnostics.includes(`warning: prod cluster guard overridden: targeting context "embedded" because: ${REASON}`), diagnostics.join("\n"));
        const mocked = await runProgram("prod", overrides);
        const expected = [...engineCreates(STACK), ...mocked.resources.map((r) => `create ${r.type} ${r.name}`)];
        assert.deepEqual(steps.filter((s) => s.startsWith("create ")).sort(), expected.sort());
        assert.deepEqual(changes(result.changeSummary), { create: summarized(expected) });
        assert.doesNotMatch(result.stdout, /mandatory/i);
        assert.match(result.stdout, /replicas\s*:\s*3/, "the diff shows prod's replica counts");
        await stack.workspace.removeStack(STACK, { force: true });
    });
});
