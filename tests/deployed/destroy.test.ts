/**
 * `pulumi destroy` of what the suite deployed: every namespace and workload gone, and the claims
 * as the retention config says: dev (Delete) loses them with their volumes; a stack with
 * replicatedPvcRetention Retain (as prod) keeps the redis namespace and its claims with their data.
 */
import * as assert from "assert/strict";
import * as fs from "fs";
import * as path from "path";
import { clients, eventually, namespaceExists, namespaceOverrides, sleep, testNamespaces, deleteNamespace } from "../helpers/cluster";
import { destroyIfDeployed, generatedStack, progress, withPolicy } from "../integration/helpers/stacks";
import { deployment, NAMESPACES, notRealNode, plain, secretValue } from "./helpers/deployment";
import { destroyCompletely, volumesOf } from "../integration/helpers/destroy";
import { withRedis } from "./helpers/redis";

const RETAIN = "e2e-retain";

describe("deployed: pulumi destroy", function () {
    this.timeout(15 * 60_000);

    before(async function () {
        const reason = await notRealNode();
        if (reason) this.skip();
    });

    it("removes every namespace, workload and (dev: Delete) claim and volume of the stack; a second destroy is a no-op", async () => {
        const { stack } = await deployment();
        const volumes = await volumesOf(NAMESPACES.redis);
        assert.ok(volumes.length >= 3, `volumes before destroy: ${volumes.join(", ")}`);
        await destroyCompletely(stack, NAMESPACES);
        assert.ok(await eventually(async () => (await volumesOf(NAMESPACES.redis)).length === 0, 120_000),
            `volumes left: ${(await volumesOf(NAMESPACES.redis)).join(", ")}`);
    });

    it("keeps the redis namespace, its claims and their data with replicatedPvcRetention: Retain", async () => {
        const ns = testNamespaces("e2r");
        const overrides = { ...namespaceOverrides("e2r"), replicatedPvcRetention: "Retain", guestbookEnabled: false };
        const stack = await generatedStack(RETAIN, "dev", overrides);
        try {
            await destroyIfDeployed(stack);
            const up = await stack.up({ ...withPolicy(RETAIN), onOutput: progress(`${RETAIN} up`) });
            const out = plain(up.outputs);
            const password = await secretValue(out.redisNamespace, out.redisSecretName, out.redisSecretKey);
            await withRedis(out.redisWriteHost, out.redisPort, password, async (r) => {
                await r.set("kept:after-destroy", "yes");
                await r.wait(2, 5000);
            });
            await sleep(1500); // appendfsync everysec
            const result = await stack.destroy({ onOutput: progress(`${RETAIN} destroy`) });
            assert.equal(result.summary.result, "succeeded");
            assert.equal(await namespaceExists(ns.redis), true, "the redis namespace is retained");
            assert.equal(await namespaceExists(ns.cache), false);
            const claims = (await clients().core.listNamespacedPersistentVolumeClaim({ namespace: ns.redis })).items;
            assert.deepEqual(claims.map((c) => `${c.metadata!.name} ${c.status!.phase}`).sort(),
                ["data-redis-master-0 Bound", "data-redis-replica-0 Bound", "data-redis-replica-1 Bound"]);
            const pods = (await clients().core.listNamespacedPod({ namespace: ns.redis })).items.filter((p) => !p.metadata!.deletionTimestamp);
            assert.deepEqual(pods.map((p) => p.metadata!.name), [], "no workload is left running");
            assert.equal((await volumesOf(ns.redis)).length, 3);
            const master = claims.find((c) => c.metadata!.name === "data-redis-master-0")!;
            const pv = await clients().core.readPersistentVolume({ name: master.spec!.volumeName! });
            const dir = `${pv.spec!.hostPath?.path ?? pv.spec!.local?.path}/appendonlydir`;
            const aof = fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), "latin1")).join("");
            assert.ok(aof.includes("kept:after-destroy"), "the write made before destroy is in the retained claim's AOF");
        } finally {
            // what the README tells an operator to do once the data is no longer wanted
            await deleteNamespace(ns.redis);
            await stack.workspace.removeStack(RETAIN).catch(() => undefined);
        }
        assert.ok(await eventually(async () => (await volumesOf(ns.redis)).length === 0, 120_000), "the volumes of the deleted claims are removed");
    });
});
