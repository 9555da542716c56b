/**
 * The reconcile loop against a fake Sentinel and a fake pod API that records every patch, with the
 * log lines collected and the clock moved by hand.
 */
import * as assert from "assert/strict";
import { createLogger } from "../../../services/redis-role-labeler/src/log";
import { Reconciler, startLoop } from "../../../services/redis-role-labeler/src/reconcile";
import { sleep } from "../../helpers/wait";
import { FakePods, FakeSentinel, ROLE, redisPods } from "./fakes";

const DNS = (i: number) => ({ host: `redis-node-${i}.redis-headless.redis.svc.cluster.local`, port: 6379 });

describe("redis role labeler: reconcile", () => {
    let lines: Record<string, unknown>[];
    let clock: number;
    let sentinel: FakeSentinel;
    let pods: FakePods;
    let reconciler: Reconciler;
    /** The log lines since the last call, without their time. */
    const logged = () => lines.splice(0).map(({ time: _time, ...rest }) => rest);
    beforeEach(() => {
        lines = [];
        clock = 1_000_000;
        sentinel = new FakeSentinel(DNS(1));
        pods = new FakePods(redisPods([undefined, undefined, undefined]));
        const log = createLogger({ secrets: ["pw"], write: (l) => lines.push(JSON.parse(l)) });
        reconciler = new Reconciler({ sentinel, pods, masterSet: "mymaster", roleLabel: ROLE, log, now: () => clock });
    });

    it("labels every pod, logs one line per change, then does nothing while nothing changes", async () => {
        const outcome = await reconciler.reconcileOnce();
        assert.equal(outcome.ok, true);
        assert.deepEqual(pods.patches, [
            { pod: "redis-node-0", label: ROLE, value: "replica" },
            { pod: "redis-node-2", label: ROLE, value: "replica" },
            { pod: "redis-node-1", label: ROLE, value: "master" },
        ]);
        assert.deepEqual(logged(), [
            { level: "info", msg: "role label changed", pod: "redis-node-0", from: null, to: "replica", master: "redis-node-1" },
            { level: "info", msg: "role label changed", pod: "redis-node-2", from: null, to: "replica", master: "redis-node-1" },
            { level: "info", msg: "role label changed", pod: "redis-node-1", from: null, to: "master", master: "redis-node-1" },
            { level: "info", msg: "in sync", master: "redis-node-1", roleLabel: ROLE },
        ]);
        for (let i = 0; i < 5; i++) assert.deepEqual(await reconciler.reconcileOnce(), { ok: true, master: "redis-node-1", changes: [] });
        assert.equal(pods.patches.length, 3);
        assert.deepEqual(logged(), [], "no line while in sync");
    });

    it("follows a failover: the old master is demoted before the new one is promoted", async () => {
        await reconciler.reconcileOnce();
        pods.patches.length = 0;
        logged();
        sentinel.answer = DNS(2);
        await reconciler.reconcileOnce();
        assert.deepEqual(pods.patches, [
            { pod: "redis-node-1", label: ROLE, value: "replica" },
            { pod: "redis-node-2", label: ROLE, value: "master" },
        ]);
        assert.deepEqual(pods.roles(), { "redis-node-0": "replica", "redis-node-1": "replica", "redis-node-2": "master" });
        assert.deepEqual(logged().map((l) => [l.msg, l.pod, l.from, l.to, l.master]), [
            ["role label changed", "redis-node-1", "master", "replica", "redis-node-2"],
            ["role label changed", "redis-node-2", "replica", "master", "redis-node-2"],
            ["in sync", undefined, undefined, undefined, "redis-node-2"],
        ]);
    });

    it("changes nothing when the Sentinel does not answer, and logs that once until it answers again", async () => {
        await reconciler.reconcileOnce();
        pods.patches.length = 0;
        logged();
        sentinel.answer = new Error("the Sentinel at redis:26379 is not connected: connect ECONNREFUSED");
        for (let i = 0; i < 10; i++) {
            assert.deepEqual(await reconciler.reconcileOnce(), { ok: false, reason: "the Sentinel did not answer: the Sentinel at redis:26379 is not connected: connect ECONNREFUSED" });
        }
        assert.deepEqual(pods.patches, []);
        assert.deepEqual(pods.roles(), { "redis-node-0": "replica", "redis-node-1": "master", "redis-node-2": "replica" }, "no label stripped");
        assert.deepEqual(logged(), [
            { level: "warn", msg: "labels left unchanged", reason: "the Sentinel did not answer: the Sentinel at redis:26379 is not connected: connect ECONNREFUSED" },
        ]);
        sentinel.answer = DNS(1);
        await reconciler.reconcileOnce();
        assert.deepEqual(logged(), [{ level: "info", msg: "in sync", master: "redis-node-1", roleLabel: ROLE }]);
    });

    it("changes nothing when the Sentinel does not know the set or names no selected pod", async () => {
        pods = new FakePods(redisPods(["master", "replica"]));
        reconciler = new Reconciler({ sentinel, pods, masterSet: "mymaster", roleLabel: ROLE, log: createLogger({ write: (l) => lines.push(JSON.parse(l)) }), now: () => clock });
        const cases: [FakeSentinel["answer"], string][] = [
            [null, "the Sentinel does not know the master set mymaster"],
            [{ host: "redis-node-5.redis-headless.redis.svc.cluster.local", port: 6379 }, "the master redis-node-5.redis-headless.redis.svc.cluster.local:6379 is none of the selected pods (redis-node-0, redis-node-1)"],
            [{ host: "10.9.9.9", port: 6379 }, "the master 10.9.9.9:6379 is none of the selected pods (redis-node-0, redis-node-1)"],
        ];
        for (const [answer, reason] of cases) {
            sentinel.answer = answer;
            assert.deepEqual(await reconciler.reconcileOnce(), { ok: false, reason });
            assert.deepEqual(await reconciler.reconcileOnce(), { ok: false, reason });
            assert.deepEqual(logged(), [{ level: "warn", msg: "labels left unchanged", reason }], "one line per state");
        }
        assert.deepEqual(pods.patches, []);
    });

    it("reports API errors and retries: a failed list patches nothing, a failed patch stops the round", async () => {
        pods.fail.list = new Error("connect ECONNREFUSED 10.96.0.1:443");
        assert.deepEqual(await reconciler.reconcileOnce(), { ok: false, reason: "listing the pods failed: connect ECONNREFUSED 10.96.0.1:443" });
        pods.fail = { patch: new Error("pods is forbidden") };
        assert.deepEqual(await reconciler.reconcileOnce(), { ok: false, reason: "labelling pod redis-node-0 replica failed: pods is forbidden" });
        assert.deepEqual(pods.patches, []);
        pods.fail = {};
        assert.equal((await reconciler.reconcileOnce()).ok, true);
        assert.equal(pods.patches.length, 3);
    });

    it("is healthy while the last successful reconcile is recent enough, and says why not", async () => {
        assert.deepEqual(reconciler.health(5_000), { ok: false, reason: "no reconcile has succeeded yet" });
        sentinel.answer = null;
        await reconciler.reconcileOnce();
        assert.deepEqual(reconciler.health(5_000), { ok: false, reason: "no reconcile has succeeded yet; the last one failed: the Sentinel does not know the master set mymaster" });
        sentinel.answer = DNS(0);
        await reconciler.reconcileOnce();
        assert.deepEqual(reconciler.health(5_000), { ok: true, reason: "ok" });
        clock += 5_000;
        sentinel.answer = new Error("Command timed out");
        await reconciler.reconcileOnce();
        assert.deepEqual(reconciler.health(5_000), { ok: true, reason: "ok" }, "5 s after the last success");
        clock += 1;
        assert.deepEqual(reconciler.health(5_000), { ok: false, reason: "the last successful reconcile was 5.0 s ago (more than 5 s); the last one failed: the Sentinel did not answer: Command timed out" });
    });

    it("the loop reconciles every interval, never two at once, and stop() waits for the one in progress", async () => {
        let active = 0;
        let most = 0;
        let runs = 0;
        const slow = { masterAddr: async () => { active++; most = Math.max(most, active); runs++; await sleep(30); active--; return DNS(0); } };
        const log = createLogger({ write: () => undefined });
        const loop = startLoop(new Reconciler({ sentinel: slow, pods, masterSet: "mymaster", roleLabel: ROLE, log }), 100, log);
        await sleep(450);
        await loop.stop();
        assert.equal(active, 0, "stop() resolved after the reconcile in progress");
        assert.equal(most, 1);
        // at 0, 130, 260 and 390 ms; fewer on a loaded machine, never more
        assert.ok(runs >= 2 && runs <= 4, `${runs} reconciles in 450 ms at 100 ms + 30 ms each`);
        const stoppedAt = runs;
        await sleep(300);
        assert.equal(runs, stoppedAt, "none after stop()");
    });

    it("stop() waits for a stuck reconcile only as long as its grace", async () => {
        const stuck = { masterAddr: () => new Promise<never>(() => undefined) };
        const log = createLogger({ write: () => undefined });
        const loop = startLoop(new Reconciler({ sentinel: stuck, pods, masterSet: "mymaster", roleLabel: ROLE, log }), 100, log);
        const started = Date.now();
        await loop.stop(200);
        const took = Date.now() - started;
        assert.ok(took >= 190 && took < 1_000, `stop() took ${took} ms`);
    });
});
