/**
 * The order service as the container runs it: its own process (main.ts), configured by the
 * environment, stopped by SIGTERM as the kubelet does, against real redis-server processes.
 */
import * as assert from "assert/strict";
import { call } from "../../helpers/http-client";
import { runService } from "../../helpers/service-process";
import { MASTER_HOST, REPLICA_HOST, RedisPair, ensureRedisServer, freePort, startPair, withClient } from "../../helpers/redis-servers";
import { eventually, sleep } from "../../helpers/wait";

const PASSWORD = `Pw-${Math.random().toString(36).slice(2)}-process-tests`;

const runOrderService = (env: Record<string, string>) => runService("order-service", env);

describe("order service process", function () {
    this.timeout(60_000);
    let pair: RedisPair;
    before(async function () {
        this.timeout(300_000);
        ensureRedisServer();
        pair = await startPair(PASSWORD);
    });
    after(async () => pair?.stop());

    it("exits 1 naming every bad variable when the environment is wrong, without printing the password", async () => {
        const child = runOrderService({ REDIS_PORT: "sixty", REDIS_PASSWORD: PASSWORD });
        assert.equal(await child.exited, 1);
        const line = JSON.parse(child.output().trim());
        assert.equal(line.level, "error");
        assert.equal(line.msg, [
            "order-service: invalid environment:",
            "  - REDIS_HOST is not set; set it to the replicated Redis's write Service (the platform component does)",
            '  - REDIS_PORT: "sixty" is not a port; use a whole number from 1 to 65535',
        ].join("\n"));
        assert.ok(!child.output().includes(PASSWORD));
    });

    it("in Sentinel mode does not ask for REDIS_HOST, but for the master set name", async () => {
        const child = runOrderService({ REDIS_SENTINEL_HOST: "redis-sentinel.redis.svc.cluster.local", REDIS_PASSWORD: PASSWORD });
        assert.equal(await child.exited, 1);
        assert.equal(JSON.parse(child.output().trim()).msg, [
            "order-service: invalid environment:",
            "  - REDIS_SENTINEL_MASTER_SET is not set; REDIS_SENTINEL_HOST is, so set it to the master set name the Sentinels monitor (for example mymaster)",
        ].join("\n"));
    });

    it("on SIGTERM stops accepting, finishes the request in flight, quits Redis and exits 0", async () => {
        const port = await freePort();
        const child = runOrderService({ PORT: String(port), REDIS_HOST: MASTER_HOST, REDIS_READ_HOST: REPLICA_HOST, REDIS_PORT: String(pair.port), REDIS_PASSWORD: PASSWORD });
        try {
            assert.ok(await eventually(async () => (await call(port, "GET", "/ready").catch(() => ({ status: 0 }))).status === 200, 30_000, 100), `not ready:\n${child.output()}`);
            const clientNames = () => withClient(pair.master.host, pair.master.port, PASSWORD, async (r) => [...(await r.client("LIST") as string).matchAll(/ name=(order-service\S*)/g)].map((m) => m[1]));
            assert.deepEqual(await clientNames(), ["order-service-write"]);

            // Hold the master's writes, so the POST is still in flight when SIGTERM arrives.
            await withClient(pair.master.host, pair.master.port, PASSWORD, (r) => r.call("CLIENT", "PAUSE", "1000", "WRITE"));
            const inFlight = call(port, "POST", "/api/orders", { body: { customerId: "c-term", items: [{ productId: "p", quantity: 1 }] } });
            await sleep(200);
            child.proc.kill("SIGTERM");
            await sleep(200);
            await assert.rejects(call(port, "GET", "/health"), (e: NodeJS.ErrnoException) => e.code === "ECONNREFUSED", "no new connections once stopping");

            const placed = await inFlight;
            assert.equal(placed.status, 201, "the in-flight order was completed");
            assert.equal(await child.exited, 0);
            assert.deepEqual(await clientNames(), [], "its Redis connections were quit");
            assert.equal(await withClient(pair.master.host, pair.master.port, PASSWORD, (r) => r.exists(`order:${placed.body.id}`)), 1);

            const lines = child.output().trim().split("\n").map((l) => JSON.parse(l));
            const shutdown = lines.find((l) => l.msg === "shutting down");
            assert.deepEqual([shutdown?.reason, shutdown?.inFlight], ["SIGTERM", 1]);
            assert.equal(lines[lines.length - 1].msg, "stopped");
            assert.ok(!child.output().includes(PASSWORD), "no password in the output");
        } finally {
            if (child.proc.exitCode === null) child.proc.kill("SIGKILL");
        }
    });
});
