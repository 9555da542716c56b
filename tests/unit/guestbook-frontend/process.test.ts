/**
 * The guestbook frontend as the container runs it: its own process, configured by the environment,
 * stopped by SIGTERM as the kubelet does, against a real redis-server leader and follower.
 */
import * as assert from "assert/strict";
import { call } from "../../helpers/http-client";
import { MASTER_HOST, REPLICA_HOST, RedisServer, ensureRedisServer, freePort, replicationUp, startRedis, withClient } from "../../helpers/redis-servers";
import { runService } from "../../helpers/service-process";
import { eventually, sleep } from "../../helpers/wait";

describe("guestbook frontend process", function () {
    this.timeout(60_000);
    let leader: RedisServer;
    let follower: RedisServer;
    before(async function () {
        this.timeout(300_000);
        ensureRedisServer();
        const port = await freePort();
        leader = await startRedis({ host: MASTER_HOST, port });
        follower = await startRedis({ host: REPLICA_HOST, port, replicaOf: { host: MASTER_HOST, port } });
        assert.ok(await replicationUp(follower));
    });
    after(async () => {
        await follower?.stop();
        await leader?.stop();
    });

    it("exits 1 naming every bad variable when the environment is wrong", async () => {
        const child = runService("guestbook-frontend", { GET_HOSTS_FROM: "env", REDIS_LEADER_SERVICE_HOST: "10.0.0.1" });
        assert.equal(await child.exited, 1);
        const line = JSON.parse(child.output().trim());
        assert.equal(line.level, "error");
        assert.equal(line.msg, [
            "guestbook-frontend: invalid environment:",
            "  - REDIS_FOLLOWER_SERVICE_HOST is not set; with GET_HOSTS_FROM=env the Redis Services must exist before the pod starts (or use GET_HOSTS_FROM=dns)",
        ].join("\n"));
    });

    it("on SIGTERM stops accepting, finishes the write in flight, quits Redis and exits 0", async () => {
        const port = await freePort();
        const child = runService("guestbook-frontend", {
            PORT: String(port), GET_HOSTS_FROM: "env",
            REDIS_LEADER_SERVICE_HOST: leader.host, REDIS_LEADER_SERVICE_PORT: String(leader.port),
            REDIS_FOLLOWER_SERVICE_HOST: follower.host, REDIS_FOLLOWER_SERVICE_PORT: String(follower.port),
        });
        const clientNames = (server: RedisServer) => withClient(server.host, server.port, undefined, async (r) =>
            [...(await r.client("LIST") as string).matchAll(/ name=(guestbook-frontend\S*)/g)].map((m) => m[1]));
        try {
            assert.ok(await eventually(async () => (await clientNames(follower)).length === 1, 30_000, 100), `no follower connection:\n${child.output()}`);
            assert.deepEqual(await clientNames(leader), ["guestbook-frontend-leader"]);
            assert.deepEqual(await clientNames(follower), ["guestbook-frontend-follower"]);

            // Hold the leader's writes, so the set is still in flight when SIGTERM arrives.
            await withClient(leader.host, leader.port, undefined, (r) => r.call("CLIENT", "PAUSE", "1000", "WRITE"));
            const inFlight = call(port, "GET", "/guestbook.php?cmd=set&key=messages&value=%2Cterm");
            await sleep(200);
            child.proc.kill("SIGTERM");
            await sleep(200);
            await assert.rejects(call(port, "GET", "/healthz"), (e: NodeJS.ErrnoException) => e.code === "ECONNREFUSED", "no new connections once stopping");

            const reply = await inFlight;
            assert.deepEqual([reply.status, reply.body], [200, { message: "Updated" }], "the in-flight write was completed");
            assert.equal(await child.exited, 0);
            assert.deepEqual(await clientNames(leader), [], "its Redis connections were quit");
            assert.equal(await withClient(leader.host, leader.port, undefined, (r) => r.get("messages")), ",term");
            const lines = child.output().trim().split("\n").map((l) => JSON.parse(l));
            assert.equal(lines[lines.length - 1].msg, "stopped");
        } finally {
            if (child.proc.exitCode === null) child.proc.kill("SIGKILL");
        }
    });
});
