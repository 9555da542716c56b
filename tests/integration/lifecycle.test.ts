/**
 * The dev configuration's life on the embedded cluster, through the Automation API with the policy
 * pack: preview of the empty stack, up, live checks, no-op up, a config change, drift caught by
 * refresh. Runs as the post-deploy tests' stack "e2e" in namespaces of its own, and leaves it
 * deployed for them (`handOver`): on the real node they follow in the same mocha run and end with
 * its destroy (tests/deployed/destroy.test.ts); the simulated node's run ends with
 * lifecycle-destroy.test.ts instead.
 */
import * as assert from "assert/strict";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { Stack } from "@pulumi/pulumi/automation";
import { runProgram } from "../helpers/program";
import { assertReady, clients, eventually, expectedReadiness, readiness } from "../helpers/cluster";
import { STATE_DIR, changes, destroyIfDeployed, engineCreates, summarized, generatedStack, packConfig, progress, recordSteps, withPolicy, writeStackConfig } from "./helpers/stacks";
import { handOver, NAMESPACES, OVERRIDES, PREFIX, STACK } from "../deployed/helpers/deployment";
import { CONTEXT, KUBECONFIG } from "../helpers/cluster";
import { liveCheck } from "../../policy/live-check";
import { PackConfig } from "../../policy/rules";
import * as fs from "fs";
import * as path from "path";
import { execFileSync } from "child_process";
import { ROOT } from "../../scripts/lib/stack-files";

/** Everything the engine printed during preview and up, scanned for the password afterwards. */
let engineOutput = "";
function keep(next: (line: string) => void): (line: string) => void {
    return (line) => { engineOutput += line; next(line); };
}

function filesUnder(dir: string): string[] {
    if (!dir || !fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe("dev stack lifecycle on the embedded cluster", function () {
    this.timeout(20 * 60_000);
    let stack: Stack;

    before(async () => {
        stack = await generatedStack(STACK, "dev", OVERRIDES);
        await destroyIfDeployed(stack);
    });

    after(() => handOver());

    it("previews the empty stack as exactly the creates the program registers, and passes the policy pack", async () => {
        const { onEvent, steps } = recordSteps();
        const result = await stack.preview({ ...withPolicy(STACK), onEvent, onOutput: keep(progress("preview")) });
        const mocked = await runProgram("dev", OVERRIDES);
        const expected = [...engineCreates(STACK), ...mocked.resources.map((r) => `create ${r.type} ${r.name}`)];
        assert.deepEqual([...steps].sort(), expected.sort());
        assert.deepEqual(changes(result.changeSummary), { create: summarized(expected) });
        assert.doesNotMatch(result.stdout, /mandatory/i, "no mandatory policy violation");
        assert.doesNotMatch(result.stdout, /exempted:/, "dev needs no policy exemption (the project's guestbook frontend is restricted)");
    });

    it("deploys, and every workload, Service, claim and the Secret is live and healthy", async () => {
        const up = await stack.up({ ...withPolicy(STACK), onOutput: keep(progress("up")) });
        assert.equal(up.summary.result, "succeeded");

        await assertReady(expectedReadiness(PREFIX));

        const { core, apps } = clients();
        const claims = (await core.listNamespacedPersistentVolumeClaim({ namespace: NAMESPACES.redis })).items;
        assert.deepEqual(claims.map((c) => `${c.metadata!.name} ${c.status!.phase}`).sort(), [
            "data-redis-master-0 Bound", "data-redis-replica-0 Bound", "data-redis-replica-1 Bound",
        ]);
        const secret = await core.readNamespacedSecret({ name: "redis-secret", namespace: NAMESPACES.redis });
        assert.ok(Buffer.from(secret.data!.password!, "base64").length >= 32);
        const master = await apps.readNamespacedStatefulSet({ name: "redis-master", namespace: NAMESPACES.redis });
        assert.deepEqual(JSON.parse(JSON.stringify(master.spec!.template.spec!.containers[0].env)), [{ name: "REDISCLI_AUTH", valueFrom: { secretKeyRef: { name: "redis-secret", key: "password" } } }]);

        const inDefault = [
            ...(await apps.listNamespacedDeployment({ namespace: "default" })).items,
            ...(await core.listNamespacedService({ namespace: "default" })).items.filter((s) => s.metadata!.name !== "kubernetes"),
            ...(await core.listNamespacedConfigMap({ namespace: "default" })).items.filter((c) => c.metadata!.name !== "kube-root-ca.crt"),
        ];
        assert.deepEqual(inDefault.map((o) => o.metadata!.name), []);
    });

    it("keeps the generated password only as ciphertext: not in the state, its history and backups, nor the engine's output", async () => {
        const { core } = clients();
        const secret = await core.readNamespacedSecret({ name: "redis-secret", namespace: NAMESPACES.redis });
        const password = Buffer.from(secret.data!.password!, "base64").toString("utf8");
        const forms = [password, Buffer.from(password).toString("base64"), JSON.stringify(password).slice(1, -1)];
        // The Automation API's exportStack() decrypts (--show-secrets); read the state as it is stored.
        const exported = execFileSync("pulumi", ["stack", "export", "--stack", STACK], { cwd: ROOT, encoding: "utf8" });
        assert.match(exported, /"ciphertext"/, "the state holds secrets as ciphertext");
        const found: string[] = forms.filter((f) => exported.includes(f)).map(() => "stack export");
        const stateFiles = filesUnder(STATE_DIR);
        assert.ok(stateFiles.some((f) => f.includes(`${STACK}.json`)), `the file backend (${STATE_DIR}) holds this stack's state`);
        for (const file of stateFiles) {
            const text = fs.readFileSync(file, "latin1");
            if (forms.some((f) => text.includes(f))) found.push(path.relative(ROOT, file));
        }
        const outputs = await stack.outputs();
        for (const [k, v] of Object.entries(outputs)) if (forms.some((f) => JSON.stringify(v.value).includes(f))) found.push(`output ${k}`);
        if (forms.some((f) => engineOutput.includes(f))) found.push("preview/up output");
        assert.deepEqual(found, [], "places where the plaintext password was found");
    });

    it("passes the policy pack again on the live objects (server-side defaults included)", async () => {
        const config = JSON.parse(fs.readFileSync(packConfig(STACK), "utf8")) as PackConfig;
        const violations = await liveCheck(KUBECONFIG, CONTEXT, Object.values(NAMESPACES), config);
        assert.deepEqual(violations.filter((v) => v.level === "mandatory").map((v) => v.message), []);
    });

    it("changes nothing on a second up", async () => {
        const up = await stack.up({ ...withPolicy(STACK), expectNoChanges: true, onOutput: progress("no-op up") });
        assert.deepEqual(changes(up.summary.resourceChanges), {});
    });

    it("turns a replica count change into exactly that diff, and converges", async () => {
        writeStackConfig(STACK, "dev", { ...OVERRIDES, cacheReplicas: 3 });
        const { onEvent, steps } = recordSteps();
        const preview = await stack.preview({ ...withPolicy(STACK), onEvent, diff: true });
        assert.deepEqual(steps.filter((s) => !s.startsWith("same ")), ["update kubernetes:apps/v1:Deployment cache-deployment"]);
        assert.match(preview.stdout, /replicas\s*:\s*2 => 3/);
        await stack.up({ ...withPolicy(STACK), onOutput: progress("scale up") });
        assert.ok(await eventually(async () => JSON.stringify((await readiness(NAMESPACES.cache))["redis-deployment"]) === "[3,3]"));
    });

    it("detects a hand-made change in the cluster on refresh", async () => {
        const { apps } = clients();
        // A merge patch of the scale subresource, as `kubectl scale` does.
        await apps.patchNamespacedDeploymentScale({ name: "redis-deployment", namespace: NAMESPACES.cache, body: { spec: { replicas: 1 } } },
            setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
        const refresh = await stack.refresh({ onOutput: progress("refresh") });
        assert.deepEqual(changes(refresh.summary.resourceChanges), { update: 1 });
        const { onEvent, steps } = recordSteps();
        await stack.up({ ...withPolicy(STACK), onEvent, onOutput: progress("re-converge") });
        assert.deepEqual(steps.filter((s) => !s.startsWith("same ")), ["update kubernetes:apps/v1:Deployment cache-deployment"]);
        assert.ok(await eventually(async () => JSON.stringify((await readiness(NAMESPACES.cache))["redis-deployment"]) === "[3,3]"));
    });

    it("fails the live check by rule name when a container's limits are removed by hand, and up --refresh restores them", async () => {
        const { apps } = clients();
        await apps.patchNamespacedDeployment({ name: "api-gateway", namespace: NAMESPACES.platform, body: [{ op: "remove", path: "/spec/template/spec/containers/0/resources/limits" }] },
            setHeaderOptions("Content-Type", PatchStrategy.JsonPatch));
        const config = JSON.parse(fs.readFileSync(packConfig(STACK), "utf8")) as PackConfig;
        const mandatory = (await liveCheck(KUBECONFIG, CONTEXT, [NAMESPACES.platform], config)).filter((v) => v.level === "mandatory");
        assert.ok(mandatory.some((v) => v.rule === "container-resources" && v.resource === `Deployment/${NAMESPACES.platform}/api-gateway`), JSON.stringify(mandatory.map((v) => v.message)));
        await stack.up({ ...withPolicy(STACK), refresh: true, onOutput: progress("restore limits") });
        const live = await apps.readNamespacedDeployment({ name: "api-gateway", namespace: NAMESPACES.platform });
        assert.deepEqual(live.spec!.template.spec!.containers[0].resources!.limits, { cpu: "200m", memory: "128Mi" });
    });
});
