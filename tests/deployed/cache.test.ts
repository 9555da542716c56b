/** The cache tier as `pulumi up` deployed it, from this machine through its Service (outputs). */
import * as assert from "assert/strict";
import { parseConfig } from "../../config";
import { rawGetter } from "../../scripts/lib/stack-files";
import { clients, eventually, podReady, sleep } from "../helpers/cluster";
import { Deployed, NAMESPACES, OVERRIDES, requireDeployment } from "./helpers/deployment";
import { withRedis } from "./helpers/redis";

describe("deployed: cache tier", function () {
    this.timeout(10 * 60_000);
    const sizing = parseConfig(rawGetter("dev", OVERRIDES)).cache.redis;
    const selector = "app.kubernetes.io/component=cache";
    let d: Deployed;
    const cache = <T>(f: Parameters<typeof withRedis<T>>[3]) => withRedis(d.outputs.cacheHost, d.outputs.cachePort, undefined, f);
    const pods = async () => (await clients().core.listNamespacedPod({ namespace: NAMESPACES.cache, labelSelector: selector })).items;

    before(async function () {
        d = await requireDeployment(this);
    });

    it("answers PING, SET and GET through the Service named by cacheHost:cachePort", async () => {
        assert.equal(d.outputs.cacheHost, `redis-service.${NAMESPACES.cache}.svc.cluster.local`);
        await cache(async (r) => {
            assert.equal(await r.ping(), "PONG");
            assert.equal(await r.set("greeting", "hello"), "OK");
            assert.equal(await r.get("greeting"), "hello");
        });
    });

    it("runs with the maxmemory and policy the config derives (75% of the memory limit, allkeys-lru)", async () => {
        assert.equal(sizing.maxmemoryBytes, 100663296);
        await cache(async (r) => {
            assert.deepEqual(await r.config("GET", "maxmemory"), ["maxmemory", String(sizing.maxmemoryBytes)]);
            assert.deepEqual(await r.config("GET", "maxmemory-policy"), ["maxmemory-policy", sizing.maxmemoryPolicy]);
        });
    });

    it("evicts keys instead of failing writes once maxmemory is reached", async () => {
        // one pod gets all of these writes: one connection stays on one endpoint
        await cache(async (r) => {
            const value = "x".repeat(64 * 1024);
            const total = Math.ceil((sizing.maxmemoryBytes * 1.5) / value.length);
            for (let i = 0; i < total; i += 100) {
                const p = r.pipeline();
                for (let j = i; j < Math.min(total, i + 100); j++) p.set(`fill:${j}`, value);
                const errors = ((await p.exec()) ?? []).filter(([err]) => err);
                assert.equal(errors.length, 0, `write failed: ${errors[0]?.[0]?.message}`);
            }
            const evicted = Number(/evicted_keys:(\d+)/.exec(await r.info("stats"))![1]);
            const used = Number(/used_memory:(\d+)/.exec(await r.info("memory"))![1]);
            assert.ok(evicted > 0, `no key evicted after writing ${total} x 64KiB (maxmemory ${sizing.maxmemoryBytes})`);
            assert.ok(used <= sizing.maxmemoryBytes * 1.05, `used_memory ${used} is above maxmemory ${sizing.maxmemoryBytes}`);
            assert.ok((await r.dbsize()) < total);
        });
    });

    it("schedules the pods as its preferred anti-affinity allows: spread by hostname, both on the one node here", async () => {
        const live = await pods();
        assert.equal(live.length, 2);
        for (const p of live) {
            const terms = p.spec!.affinity!.podAntiAffinity!.preferredDuringSchedulingIgnoredDuringExecution!;
            assert.equal(terms[0].podAffinityTerm.topologyKey, "kubernetes.io/hostname");
            const match = terms[0].podAffinityTerm.labelSelector!.matchLabels!;
            assert.equal(match["app.kubernetes.io/component"], "cache");
            for (const [k, v] of Object.entries(match)) assert.equal(p.metadata!.labels![k], v, `the rule selects its own pods (${k})`);
            assert.equal(p.status?.phase, "Running");
        }
        const nodes = (await clients().core.listNode()).items.map((n) => n.metadata!.name);
        assert.deepEqual([...new Set(live.map((p) => p.spec!.nodeName))], nodes, "one node: a preferred rule places both there");
    });

    it("replaces a deleted pod while the Service keeps answering", async () => {
        const before = (await pods()).map((p) => p.metadata!.name!);
        await clients().core.deleteNamespacedPod({ name: before[0], namespace: NAMESPACES.cache });
        const t0 = Date.now();
        const failures: number[] = [];
        while (Date.now() - t0 < 20_000) {
            try {
                assert.equal(await cache((r) => r.ping()), "PONG");
            } catch {
                failures.push(Date.now() - t0);
            }
            await sleep(250);
        }
        // the instant the deleted pod's endpoint is withdrawn may cost a connection; after that, none
        assert.deepEqual(failures.filter((ms) => ms > 5_000), [], `PING failed at ${failures.join(", ")} ms after the deletion`);
        assert.ok(await eventually(async () => {
            const ready = (await pods()).filter(podReady);
            return ready.length === 2 && !ready.some((p) => p.metadata!.name === before[0]);
        }, 120_000), "the Deployment did not bring back 2 Ready pods");
    });
});
