/**
 * Bad stack configuration, refused by the real engine before anything is registered: `pulumi
 * preview` fails with the config module's exact message (key, bad value, what is allowed) and
 * leaves the stack empty, and an `up` with bad config creates no provider and no Kubernetes object.
 */
import * as assert from "assert/strict";
import { Stack } from "@pulumi/pulumi/automation";
import { namespaceOverrides } from "../helpers/cluster";
import { generatedStack } from "./helpers/stacks";
import { BAD_CONFIG } from "../helpers/config-cases";

const STACK = "ci-bad-config";
const OVERRIDES = namespaceOverrides("bad");
// The five kinds of bad input ops teams meet first, by the unit suite's case names.
const CASES = ["negative replicas", "malformed quantity", "maxmemory at the limit", "replicas without persistence", "unknown environment"];

async function failedOutput(run: () => Promise<unknown>): Promise<string> {
    let output = "";
    await assert.rejects(run(), (e: Error) => { output = e.message; return true; });
    return output;
}

async function resourceTypes(stack: Stack): Promise<string[]> {
    return ((await stack.exportStack()).deployment?.resources ?? []).map((r: { type: string }) => r.type);
}

describe("bad stack configuration through the real engine", function () {
    this.timeout(10 * 60_000);
    let stack: Stack;

    before(async () => {
        stack = await generatedStack(STACK, "dev", OVERRIDES);
    });

    after(async () => {
        await stack.workspace.removeStack(STACK, { force: true });
    });

    for (const name of CASES) {
        const [, , overrides, message] = BAD_CONFIG.find(([what]) => what === name)!;
        it(`preview refuses ${name}: ${Object.keys(overrides).join(", ")}`, async () => {
            await generatedStack(STACK, "dev", { ...OVERRIDES, ...overrides });
            const output = await failedOutput(() => stack.preview());
            assert.ok(output.includes(message), `the output has: ${message}\n--- output:\n${output}`);
            assert.ok(output.includes("Invalid stack configuration (nothing was changed):"));
            assert.doesNotMatch(output, /\s+at .*\.ts:\d+/, "no stack trace");
            assert.deepEqual(await resourceTypes(stack), []);
        });
    }

    it("up with a bad key creates no provider and no Kubernetes object (only the engine's own stack record)", async () => {
        const [, , overrides, message] = BAD_CONFIG.find(([what]) => what === "negative replicas")!;
        await generatedStack(STACK, "dev", { ...OVERRIDES, ...overrides });
        const output = await failedOutput(() => stack.up());
        assert.ok(output.includes(message));
        // The SDK registers the root stack resource before the program runs; nothing else gets in.
        assert.deepEqual(await resourceTypes(stack), ["pulumi:pulumi:Stack"]);
    });
});
