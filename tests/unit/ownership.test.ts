import * as assert from "assert/strict";
import { runProgram } from "../helpers/program";

describe("workloads are owned by the program", () => {
    for (const stack of ["dev", "prod"]) {
        it(`${stack}: every Deployment and StatefulSet, and nothing else, forces its fields back on up (pulumi.com/patchForce)`, async () => {
            const run = await runProgram(stack);
            const forced = run.resources.filter((r) => r.inputs?.metadata?.annotations?.["pulumi.com/patchForce"] === "true").map((r) => `${r.type} ${r.name}`);
            const workloads = run.resources.filter((r) => /^kubernetes:apps\/v1:(Deployment|StatefulSet)$/.test(r.type)).map((r) => `${r.type} ${r.name}`);
            assert.ok(workloads.length >= (stack === "dev" ? 9 : 6), `workloads: ${workloads.join(", ")}`);
            assert.deepEqual(forced.sort(), workloads.sort());
        });
    }
});
