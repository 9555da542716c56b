/**
 * The replicated Redis as `pulumi up` deployed it: authentication, replication through the write
 * and read Services, AOF in each pod's claim, a master that keeps its data when its pod is deleted,
 * scaling by config, and a password that never shows in a process's argv or a ConfigMap.
 */
import * as assert from "assert/strict";
import * as fs from "fs";
import * as k8s from "@kubernetes/client-node";
import { clients, eventually, podReady, readiness, sleep } from "../helpers/cluster";
import { writeStackConfig, progress } from "../integration/helpers/stacks";
import { Deployed, NAMESPACES, OVERRIDES, requireDeployment, STACK } from "./helpers/deployment";
import { retrying, withRedis } from "./helpers/redis";

const ready = podReady;

describe("deployed: replicated Redis", function () {
    this.timeout(15 * 60_000);
    let d: Deployed;
    const ns = NAMESPACES.redis;
    const write = <T>(f: Parameters<typeof withRedis<T>>[3]) => withRedis(d.outputs.redisWriteHost, d.outputs.redisPort, d.password, f);
    const read = <T>(f: Parameters<typeof withRedis<T>>[3]) => withRedis(d.outputs.redisReadHost, d.outputs.redisPort, d.password, f);
    const replicaPods = async () => (await clients().core.listNamespacedPod({ namespace: ns, labelSelector: "app.kubernetes.io/component=replica" })).items.filter(ready);
    const onPod = <T>(p: k8s.V1Pod, f: Parameters<typeof withRedis<T>>[3]) => withRedis(p.status!.podIP!, d.outputs.redisPort, d.password, f);

    before(async function () {
        d = await requireDeployment(this);
    });

    it("refuses clients without the password (NOAUTH), on both Services", async () => {
        await assert.rejects(withRedis(d.outputs.redisWriteHost, d.outputs.redisPort, undefined, (r) => r.get("k")), /NOAUTH/);
        await assert.rejects(withRedis(d.outputs.redisReadHost, d.outputs.redisPort, undefined, (r) => r.get("k")), /NOAUTH/);
    });

    it("replicates a write through the write Service to every replica and the read Service", async () => {
        await write(async (r) => {
            assert.equal(await r.set("order:1", "widget"), "OK");
            assert.equal(await r.wait(2, 5000), 2);
        });
        const replicas = await replicaPods();
        assert.equal(replicas.length, 2);
        for (const p of replicas) assert.equal(await onPod(p, (r) => r.get("order:1")), "widget", p.metadata!.name);
        assert.equal(await read((r) => r.get("order:1")), "widget");
    });

    it("refuses writes through the read Service (READONLY) and reports the roles in ROLE", async () => {
        await assert.rejects(read((r) => r.set("order:2", "nope")), /READONLY/);
        const role = await write((r) => r.call("ROLE")) as [string, number, unknown[]];
        assert.deepEqual([role[0], role[2].length], ["master", 2]);
        for (const p of await replicaPods()) {
            const rr = await onPod(p, (r) => r.call("ROLE")) as [string, string, number, string];
            assert.deepEqual([rr[0], rr[1], rr[3]], ["slave", `redis-master-0.redis-headless.${ns}.svc.cluster.local`, "connected"]);
        }
    });

    it("keeps an append-only file in each pod's claim (local-path volumes the non-root Redis writes)", async () => {
        const { core } = clients();
        await sleep(1500); // appendfsync everysec
        const claims = (await core.listNamespacedPersistentVolumeClaim({ namespace: ns })).items;
        assert.deepEqual(claims.map((c) => `${c.metadata!.name} ${c.status!.phase} ${c.spec!.storageClassName}`).sort(),
            ["data-redis-master-0 Bound standard", "data-redis-replica-0 Bound standard", "data-redis-replica-1 Bound standard"]);
        for (const c of claims) {
            const pv = await core.readPersistentVolume({ name: c.spec!.volumeName! });
            const dir = pv.spec!.hostPath?.path ?? pv.spec!.local?.path;
            assert.ok(dir && fs.existsSync(`${dir}/appendonlydir`), `${c.metadata!.name}: no appendonlydir in ${dir}`);
            const files = fs.readdirSync(`${dir}/appendonlydir`);
            assert.ok(files.some((f) => f.endsWith(".incr.aof")), `${c.metadata!.name}: ${files.join(", ")}`);
            assert.equal(fs.statSync(`${dir}/appendonlydir`).uid, 999, "written by the redis user (uid 999)");
        }
    });

    it("shows the password in no process's argv on the node and in no ConfigMap", async () => {
        const argvs: [string, string][] = [];
        for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
            try {
                argvs.push([pid, fs.readFileSync(`/proc/${pid}/cmdline`, "utf8")]);
            } catch {
                // exited meanwhile
            }
        }
        const leaking = argvs.filter(([, argv]) => argv.includes(d.password)).map(([pid, argv]) => `${pid}: ${argv.split("\0")[0]}`);
        const redisServers = argvs.filter(([, argv]) => argv.startsWith("redis-server"));
        assert.ok(redisServers.length >= 3, `expected the deployment's redis-server processes on this node, found ${redisServers.length}`);
        assert.deepEqual(leaking, []);
        const maps = (await clients().core.listConfigMapForAllNamespaces()).items;
        assert.deepEqual(maps.filter((m) => JSON.stringify(m.data ?? {}).includes(d.password)).map((m) => `${m.metadata!.namespace}/${m.metadata!.name}`), []);
    });

    it("keeps the data when the master pod is deleted (its claim is kept) and the replicas resync", async () => {
        const { core } = clients();
        await write(async (r) => {
            assert.equal(await r.set("order:3", "kept"), "OK");
            await r.wait(2, 5000);
        });
        await sleep(1500); // appendfsync everysec
        const old = (await core.readNamespacedPod({ name: "redis-master-0", namespace: ns })).metadata!.uid;
        await core.deleteNamespacedPod({ name: "redis-master-0", namespace: ns });
        assert.ok(await eventually(async () => {
            const p = await core.readNamespacedPod({ name: "redis-master-0", namespace: ns }).catch(() => undefined);
            return !!p && p.metadata!.uid !== old && ready(p);
        }, 180_000), "redis-master-0 did not come back Ready");
        // a real client reconnects: the Service's endpoint changes while the new pod starts
        assert.deepEqual(await retrying(() => write(async (r) => [await r.get("order:3"), await r.get("order:1")])), ["kept", "widget"]);
        assert.ok(await eventually(async () => {
            const role = await write((r) => r.call("ROLE")).catch(() => undefined) as [string, number, unknown[]] | undefined;
            return role?.[0] === "master" && role[2].length === 2;
        }, 120_000), "the replicas did not reconnect to the new master");
        assert.ok(await eventually(async () => {
            for (const p of await replicaPods()) {
                const info = await onPod(p, (r) => r.info("replication")).catch(() => "");
                if (!info.includes("master_link_status:up")) return false;
                if ((await onPod(p, (r) => r.get("order:3")).catch(() => null)) !== "kept") return false;
            }
            return true;
        }, 120_000), "the replicas did not resync the data");
        assert.ok(await eventually(async () => {
            const live = await readiness(ns);
            return JSON.stringify([live["redis-master"], live["redis-replica"]]) === "[[1,1],[2,2]]";
        }, 60_000), `workloads not Ready again: ${JSON.stringify(await readiness(ns))}`);
    });

    it("adds a third replica that has the data when replicatedReplicas goes from 2 to 3 and pulumi up runs", async () => {
        writeStackConfig(STACK, "dev", { ...OVERRIDES, replicatedReplicas: 3 });
        try {
            const up = await d.stack.up({ onOutput: progress(`${STACK} up (3 replicas)`) });
            assert.equal(up.summary.result, "succeeded");
            assert.deepEqual(up.summary.resourceChanges?.update, 1, "one update: the replica StatefulSet");
        } finally {
            writeStackConfig(STACK, "dev", OVERRIDES);
        }
        const third = (await replicaPods()).find((p) => p.metadata!.name === "redis-replica-2");
        assert.ok(third, "redis-replica-2 is not Ready after pulumi up");
        assert.ok(await eventually(async () => (await onPod(third, (r) => r.get("order:3")).catch(() => null)) === "kept", 60_000),
            "redis-replica-2 did not sync the data");
        assert.equal((await write((r) => r.call("ROLE")) as [string, number, unknown[]])[2].length, 3);
    });
});
