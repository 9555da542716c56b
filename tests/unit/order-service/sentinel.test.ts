/**
 * The order service in Sentinel mode, in this process, against REAL redis-server processes on
 * loopback: a master, its replica and one Sentinel monitoring them (quorum 1), all with the same
 * password. Master and replica listen on 127.0.0.1 with ports of their own: a Sentinel learns a
 * replica's address from the master (the address the replica connects from and the port it
 * listens on), so the 127.0.0.1/127.0.0.2 pair of the direct-mode tests would be named 127.0.0.1.
 */
import * as assert from "assert/strict";
import Redis from "ioredis";
import { AddressInfo } from "net";
import { ServiceConfig } from "../../../services/order-service/src/config";
import { createLogger } from "../../../services/order-service/src/log";
import { Running, start } from "../../../services/order-service/src/main";
import { RESTART_DELAY_MS, reconnectOnReadOnly, restartWhenEnded, sentinelOptions } from "../../../services/order-service/src/sentinel";
import { KEYS } from "../../../services/order-service/src/store";
import { call } from "../../helpers/http-client";
import { runService } from "../../helpers/service-process";
import { MASTER_HOST, RedisServer, ensureRedisServer, freePort, redisClient, replicationUp, startRedis, withClient } from "../../helpers/redis-servers";
import { eventually } from "../../helpers/wait";
import { MASTER_SET, Sentinel, replicasKnown, startSentinel } from "../../helpers/sentinel-server";

const PASSWORD = `Pw-${Math.random().toString(36).slice(2)}-sentinel-tests`;
const ORDER = { customerId: "customer-s", items: [{ productId: "sku-1", quantity: 3 }] };

describe("order service: Sentinel connection options", () => {
    const settings = { host: "redis-sentinel.redis.svc.cluster.local", port: 26379, masterSet: "mymaster" };

    it("asks the Sentinels for the master (writes) and a replica (reads), with the Redis password for both, and follows failovers", () => {
        const write = sentinelOptions(settings, "pw", "write");
        const read = sentinelOptions(settings, "pw", "read");
        for (const [o, role] of [[write, "master"], [read, "slave"]] as const) {
            assert.deepEqual([o.sentinels, o.name, o.role], [[{ host: settings.host, port: 26379 }], "mymaster", role]);
            assert.deepEqual([o.password, o.sentinelPassword, o.failoverDetector, o.enableOfflineQueue], ["pw", "pw", true, false]);
            for (const strategy of [o.retryStrategy, o.sentinelRetryStrategy, o.sentinelReconnectStrategy]) {
                assert.ok(typeof strategy === "function");
                assert.ok([1, 5, 50, 10_000].every((n) => { const d = strategy(n); return typeof d === "number" && d > 0 && d <= 10_000; }), "bounded delays, never giving up");
            }
        }
        assert.deepEqual([write.connectionName, read.connectionName], ["order-service-write", "order-service-read"]);
        assert.equal(write.reconnectOnError, reconnectOnReadOnly);
        assert.equal(read.reconnectOnError, undefined, "reads never get READONLY");
    });

    it("reconnects the write connection on READONLY (a demoted master) and on nothing else", () => {
        assert.equal(reconnectOnReadOnly(new Error("READONLY You can't write against a read only replica.")), 2);
        for (const other of ["EXECABORT Transaction discarded because of previous errors.", "NOREPLICAS Not enough good replicas to write.", "WRONGPASS invalid username-password pair", "ERR readonly"]) {
            assert.equal(reconnectOnReadOnly(new Error(other)), false, other);
        }
    });
});

describe("order service through Redis Sentinel (real master, replica and Sentinel)", function () {
    this.timeout(60_000);
    const logLines: string[] = [];
    let master: RedisServer;
    let replica: RedisServer;
    let sentinel: Sentinel;
    let svc: Running & { port: number };
    const post = () => call(svc.port, "POST", "/api/orders", { body: ORDER });
    const clientNames = (server: RedisServer) => withClient(server.host, server.port, PASSWORD, async (r) =>
        [...(await r.client("LIST") as string).matchAll(/ name=(order-service\S*)/g)].map((m) => m[1]));
    const has = (server: RedisServer, id: string) => withClient(server.host, server.port, PASSWORD, (r) => r.exists(KEYS.order(id)));

    before(async function () {
        this.timeout(300_000); // the first run may install redis-server
        ensureRedisServer();
        master = await startRedis({ host: MASTER_HOST, port: await freePort(), password: PASSWORD });
        replica = await startRedis({ host: MASTER_HOST, port: await freePort(), password: PASSWORD, replicaOf: { host: MASTER_HOST, port: master.port } });
        assert.ok(await replicationUp(replica, PASSWORD), "replica synced");
        sentinel = await startSentinel({ host: MASTER_HOST, port: await freePort(), password: PASSWORD, master, downAfterMs: 5_000, failoverTimeoutMs: 20_000 });
        assert.ok(await replicasKnown(sentinel, 1), "the Sentinel knows the replica");
        // Sentinel mode: no REDIS_HOST, and REDIS_PORT (the default) is not used.
        const config: ServiceConfig = { port: 0, writeHost: "", redisPort: 6379, password: PASSWORD, sentinel: { host: sentinel.host, port: sentinel.port, masterSet: MASTER_SET } };
        const running = await start(config, createLogger({ secrets: [PASSWORD], write: (l) => logLines.push(l) }));
        svc = { ...running, port: (running.app.server.address() as AddressInfo).port };
        assert.ok(await eventually(async () => (await call(svc.port, "GET", "/ready")).status === 200, 10_000, 50), "service not ready within 10s");
    });
    after(async () => {
        await svc?.shutdown("tests done");
        await sentinel?.stop();
        await replica?.stop();
        await master?.stop();
    });

    it("is ready with both connections: the write connection on the master, the read connection on the replica", async () => {
        const ready = await call(svc.port, "GET", "/ready");
        assert.deepEqual([ready.status, ready.body], [200, { status: "ready", redis: { write: "ready", read: "ready" } }]);
        assert.deepEqual(await clientNames(master), ["order-service-write"]);
        assert.deepEqual(await clientNames(replica), ["order-service-read"]);
    });

    it("places an order through the master and reads it back through the replica", async () => {
        const placed = await post();
        assert.equal(placed.status, 201);
        assert.deepEqual(placed.body, { id: placed.body.id, ...ORDER, createdAt: placed.body.createdAt });
        assert.equal(await has(master, placed.body.id), 1);
        assert.ok(await eventually(async () => (await has(replica, placed.body.id)) === 1, 5_000, 20));
        const res = await call(svc.port, "GET", `/api/orders/${placed.body.id}`);
        assert.deepEqual([res.status, res.body], [200, placed.body]);
        assert.equal((await call(svc.port, "GET", "/api/orders?limit=1")).body.orders[0].id, placed.body.id);
    });

    it("logs at start that it uses Sentinel, and never the password", () => {
        const listening = logLines.map((l) => JSON.parse(l)).find((l) => l.msg === "listening");
        assert.deepEqual([listening?.redisMode, listening?.sentinel, listening?.masterSet], ["sentinel", `${sentinel.host}:${sentinel.port}`, MASTER_SET]);
        const ready = logLines.map((l) => JSON.parse(l)).filter((l) => l.msg === "redis connection ready");
        assert.deepEqual(ready.map((l) => `${l.role} ${l.server}`).sort(), [`read ${replica.host}:${replica.port}`, `write ${master.host}:${master.port}`]);
        assert.deepEqual(logLines.filter((l) => l.includes(PASSWORD) || l.includes("[redacted]")), []);
    });

    it("runs as its own process from the Sentinel variables alone (no REDIS_HOST), and stops on SIGTERM", async function () {
        this.timeout(60_000);
        const port = await freePort();
        const child = runService("order-service", {
            PORT: String(port), REDIS_SENTINEL_HOST: sentinel.host, REDIS_SENTINEL_PORT: String(sentinel.port), REDIS_SENTINEL_MASTER_SET: MASTER_SET, REDIS_PASSWORD: PASSWORD,
        });
        try {
            assert.ok(await eventually(async () => (await call(port, "GET", "/ready").catch(() => ({ status: 0 }))).status === 200, 30_000, 100), `not ready:\n${child.output()}`);
            const placed = await call(port, "POST", "/api/orders", { body: ORDER });
            assert.equal(placed.status, 201);
            assert.equal(await has(master, placed.body.id), 1);
            child.proc.kill("SIGTERM");
            assert.equal(await child.exited, 0);
            const lines = child.output().trim().split("\n").map((l) => JSON.parse(l));
            const listening = lines.find((l) => l.msg === "listening");
            assert.deepEqual([listening?.redisMode, listening?.masterSet, listening?.redisAuth], ["sentinel", MASTER_SET, "password from REDIS_PASSWORD (Redis and Sentinel)"]);
            assert.equal(lines[lines.length - 1].msg, "stopped");
            assert.ok(!child.output().includes(PASSWORD), "no password in the output");
        } finally {
            if (child.proc.exitCode === null) child.proc.kill("SIGKILL");
        }
    });

    it("after SENTINEL FAILOVER writes to the new master within a bounded retry, and is ready again with reads on the new replica", async function () {
        this.timeout(90_000);
        // Forced failover: this Sentinel promotes the replica without waiting for the master to fail.
        assert.ok(await eventually(async () => (await sentinel.sentinel("FAILOVER", MASTER_SET).catch(() => "")) === "OK", 10_000, 200), "SENTINEL FAILOVER accepted");
        assert.ok(await eventually(async () => (await sentinel.masterAddress()) === `${replica.host}:${replica.port}`, 15_000, 50), "the Sentinel names the replica as master");

        // Requests during the switch may answer 503 (Retry-After: 1), or reach the old master until
        // +switch-master arrives (Sentinel's asynchronous-replication window: such an order is lost
        // when the old master becomes a replica). Within 10 s an order must be placed on the new master.
        let placed: { status: number; body: { id: string } } | undefined;
        assert.ok(await eventually(async () => {
            placed = await post();
            return placed.status === 201 && (await has(replica, placed.body.id)) === 1;
        }, 10_000, 200), `no order placed on the new master within 10s of the failover: last answer ${placed?.status}`);

        // Reads need a replica again: the old master, once the Sentinel has turned it into one.
        assert.ok(await eventually(async () => (await call(svc.port, "GET", "/ready")).status === 200, 45_000, 200), `not ready again: ${JSON.stringify((await call(svc.port, "GET", "/ready")).body)}`);
        assert.ok(await eventually(async () => (await call(svc.port, "GET", `/api/orders/${placed!.body.id}`)).status === 200, 5_000, 50), "the order read back from the new replica");
        assert.deepEqual(await clientNames(master), ["order-service-read"]);
        assert.deepEqual(await clientNames(replica), ["order-service-write"]);
        assert.equal((await post()).status, 201);
    });

    it("on shutdown quits both connections and the failover detector's Sentinel subscriptions", async () => {
        const subscribers = () => withClient(sentinel.host, sentinel.port, PASSWORD, async (r) => (await r.client("LIST") as string).split("\n").filter((l) => / sub=[1-9]/.test(l)).length);
        assert.ok((await subscribers()) >= 2, "each connection's failover detector subscribes to +switch-master");
        await svc.shutdown("test");
        assert.deepEqual([await clientNames(master), await clientNames(replica)], [[], []]);
        assert.ok(await eventually(async () => (await subscribers()) === 0, 3_000, 50), "the Sentinel subscriptions were closed");
    });
});

describe("order service: Sentinel-mode recovery of one connection (real redis-server)", function () {
    this.timeout(30_000);
    let server: RedisServer;
    before(async function () {
        this.timeout(300_000);
        ensureRedisServer();
        server = await startRedis({ host: MASTER_HOST, port: await freePort(), password: PASSWORD });
    });
    after(async () => server?.stop());

    it("reconnects after an end the service did not ask for, and not after close", async () => {
        const client: Redis = redisClient(server.host, server.port, PASSWORD);
        let closing = false;
        let restarts = 0;
        restartWhenEnded(client, () => closing, () => restarts++);
        try {
            await client.connect();
            client.disconnect(); // what ioredis does to a Sentinel connection disconnected while it asks the Sentinels
            assert.ok(await eventually(async () => client.status === "end", 1_000, 10));
            assert.ok(await eventually(async () => client.status === "ready", RESTART_DELAY_MS + 3_000, 50), `status ${client.status}`);
            assert.equal(restarts, 1);
            closing = true;
            await client.quit();
            await new Promise((r) => setTimeout(r, RESTART_DELAY_MS + 300));
            assert.deepEqual([client.status, restarts], ["end", 1]);
        } finally {
            closing = true;
            client.disconnect();
        }
    });

    it("on READONLY reconnects and refuses the transaction at once, replaying none of its commands", async () => {
        // A replica of a master that does not exist: read-only, as a demoted master is.
        await withClient(server.host, server.port, PASSWORD, (r) => r.replicaof(MASTER_HOST, "1"));
        const { reconnectOnError, retryStrategy } = sentinelOptions({ host: "unused", port: 1, masterSet: MASTER_SET }, PASSWORD, "write");
        const client = new Redis({ host: server.host, port: server.port, password: PASSWORD, enableOfflineQueue: false, maxRetriesPerRequest: 1, reconnectOnError, retryStrategy });
        client.on("error", () => undefined);
        try {
            assert.ok(await eventually(async () => client.status === "ready", 5_000, 20));
            const before = await client.client("ID");
            const t0 = Date.now();
            await assert.rejects(client.multi().set("order:x", "{}").zadd(KEYS.byCreated, 1, "x").exec(), (e: Error & { previousErrors?: Error[] }) =>
                /^EXECABORT/.test(e.message) && (e.previousErrors ?? []).length === 2);
            assert.ok(Date.now() - t0 < 1_000, "refused at once, not queued");
            assert.ok(await eventually(async () => (await client.client("ID").catch(() => before)) !== before, 5_000, 50), "a new connection");
            assert.equal(await withClient(server.host, server.port, PASSWORD, (r) => r.dbsize()), 0);
        } finally {
            client.disconnect();
            await withClient(server.host, server.port, PASSWORD, (r) => r.replicaof("NO", "ONE"));
        }
    });
});
