/**
 * The order service in this process against REAL redis-server processes on loopback (Debian's,
 * scripts/redis-server.sh): a master on 127.0.0.1 and its replica on 127.0.0.2, same port and
 * password, so reads really go through a replica and writes through the master.
 */
import * as assert from "assert/strict";
import Redis from "ioredis";
import { AddressInfo } from "net";
import { ServiceConfig } from "../../../services/order-service/src/config";
import { createLogger } from "../../../services/order-service/src/log";
import { Running, start } from "../../../services/order-service/src/main";
import { KEYS } from "../../../services/order-service/src/store";
import { Reply, call } from "../../helpers/http-client";
import { MASTER_HOST, REPLICA_HOST, RedisPair, RedisServer, ensureRedisServer, freePort, replicationUp, startPair, startRedis, withClient } from "../../helpers/redis-servers";
import { eventually } from "../../helpers/wait";

const PASSWORD = `Pw-${Math.random().toString(36).slice(2)}-order-tests`;
const ORDER = { customerId: "customer-1", items: [{ productId: "sku-1", quantity: 2 }, { productId: "sku-2", quantity: 1 }] };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Every log line of every service these tests start. */
const logLines: string[] = [];

interface Service extends Running {
    readonly port: number;
}

async function startService(config: Omit<ServiceConfig, "port">, waitReady = true): Promise<Service> {
    const running = await start({ port: 0, ...config }, createLogger({ secrets: [config.password], write: (l) => logLines.push(l) }));
    const port = (running.app.server.address() as AddressInfo).port;
    if (waitReady) assert.ok(await eventually(async () => (await call(port, "GET", "/ready")).status === 200, 10_000, 50), "service not ready within 10s");
    return { ...running, port };
}

const redisGet = <T>(server: RedisServer, f: (r: Redis) => Promise<T>): Promise<T> => withClient(server.host, server.port, PASSWORD, f);

describe("order service against a real Redis master and replica", function () {
    this.timeout(60_000);
    let pair: RedisPair;
    let svc: Service;
    const post = (body: unknown, opts = {}): Promise<Reply> => call(svc.port, "POST", "/api/orders", { body, ...opts });

    before(async function () {
        this.timeout(300_000); // the first run may install redis-server
        ensureRedisServer();
        pair = await startPair(PASSWORD);
        svc = await startService({ writeHost: MASTER_HOST, readHost: REPLICA_HOST, redisPort: pair.port, password: PASSWORD });
    });
    after(async () => {
        await svc?.shutdown("tests done");
        await pair?.stop();
    });

    it("answers /health, and /ready with both connections ready", async () => {
        assert.deepEqual((await call(svc.port, "GET", "/health")).body, { status: "ok" });
        const ready = await call(svc.port, "GET", "/ready");
        assert.deepEqual([ready.status, ready.body], [200, { status: "ready", redis: { write: "ready", read: "ready" } }]);
    });

    it("connects its write connection to the master and its read connection to the replica", async () => {
        const names = (list: string) => [...list.matchAll(/ name=(\S*)/g)].map((m) => m[1]).filter((n) => n.startsWith("order-service"));
        assert.deepEqual(names(await redisGet(pair.master, (r) => r.client("LIST") as Promise<string>)), ["order-service-write"]);
        assert.deepEqual(names(await redisGet(pair.replica, (r) => r.client("LIST") as Promise<string>)), ["order-service-read"]);
    });

    it("places an order through the master: 201, its Location, order:<id> and the index written together", async () => {
        const res = await post(ORDER);
        assert.equal(res.status, 201);
        assert.match(res.body.id, UUID);
        assert.deepEqual(res.body, { id: res.body.id, ...ORDER, createdAt: res.body.createdAt });
        assert.equal(res.headers.location, `/api/orders/${res.body.id}`);
        const [json, score] = await redisGet(pair.master, (r) => Promise.all([r.get(KEYS.order(res.body.id)), r.zscore(KEYS.byCreated, res.body.id)]));
        assert.deepEqual(JSON.parse(json!), res.body);
        assert.equal(Number(score), Date.parse(res.body.createdAt));
    });

    it("reads an order back through the replica once replication has it", async () => {
        const placed = (await post(ORDER)).body;
        assert.ok(await eventually(async () => (await redisGet(pair.replica, (r) => r.exists(KEYS.order(placed.id)))) === 1, 5_000, 20));
        const res = await call(svc.port, "GET", `/api/orders/${placed.id}`);
        assert.deepEqual([res.status, res.body], [200, placed]);
    });

    it("lists the newest orders first, bounded by ?limit (1 to 100, default 20)", async () => {
        const placed: string[] = [];
        for (let i = 0; i < 3; i++) {
            placed.push((await post({ customerId: `lister-${i}`, items: [{ productId: "p", quantity: i + 1 }] })).body.id);
            await new Promise((r) => setTimeout(r, 5)); // distinct createdAt milliseconds
        }
        assert.ok(await replicationUp(pair.replica, PASSWORD));
        assert.ok(await eventually(async () => (await call(svc.port, "GET", "/api/orders?limit=2")).body.orders?.[0]?.id === placed[2], 5_000, 20));
        const two = await call(svc.port, "GET", "/api/orders?limit=2");
        assert.deepEqual(two.body.orders.map((o: { id: string }) => o.id), [placed[2], placed[1]]);
        const all = await call(svc.port, "GET", "/api/orders");
        assert.equal(all.body.orders.length, 5, "every order so far, under the default limit of 20");
        for (const bad of ["0", "101", "ten"]) {
            const res = await call(svc.port, "GET", `/api/orders?limit=${bad}`);
            assert.deepEqual([res.status, res.body], [400, { error: "limit must be a whole number from 1 to 100", field: "limit" }], bad);
        }
    });

    it("answers 404 for an order that does not exist, and for an id it never generates", async () => {
        const missing = "00000000-0000-4000-8000-000000000000";
        assert.deepEqual(await call(svc.port, "GET", `/api/orders/${missing}`).then((r) => [r.status, r.body]), [404, { error: `order ${missing} not found` }]);
        assert.deepEqual(await call(svc.port, "GET", "/api/orders/orders:by-created").then((r) => [r.status, r.body]), [404, { error: "order orders:by-created not found" }]);
        assert.equal((await call(svc.port, "GET", "/api/orders/%E0%A4%A")).status, 404, "a malformed escape is no order either");
        assert.equal((await call(svc.port, "GET", "/api/nothing")).status, 404);
    });

    it("refuses bad JSON and invalid orders with a 400 naming the field, and stores nothing", async () => {
        const before = await redisGet(pair.master, (r) => r.dbsize());
        const notJson = await post("{customerId:", { headers: { "Content-Type": "application/json" } });
        assert.equal(notJson.status, 400);
        assert.equal(notJson.body.field, "body");
        assert.match(notJson.body.error, /^the body is not valid JSON \(/);
        const bad = await post({ customerId: "c1", items: [{ productId: "p", quantity: 0 }] });
        assert.deepEqual([bad.status, bad.body], [400, { error: "items[0].quantity must be a whole number from 1 to 1000", field: "items[0].quantity" }]);
        assert.equal(await redisGet(pair.master, (r) => r.dbsize()), before);
    });

    it("refuses a body over 16 KiB with 413, whether Content-Length announces it or chunks bring it", async () => {
        const huge = { customerId: "c1", items: [{ productId: "p", quantity: 1 }], pad: "x".repeat(20_000) };
        const announced = await post(huge);
        assert.deepEqual([announced.status, announced.body], [413, { error: "the body is larger than 16384 bytes" }]);
        const chunked = await post(huge, { chunked: true });
        assert.deepEqual([chunked.status, chunked.body], [413, { error: "the body is larger than 16384 bytes" }]);
        assert.equal((await call(svc.port, "GET", "/health")).status, 200, "still serving");
    });

    it("refuses a body that is not sent as JSON (415) and methods a route does not take (405)", async () => {
        const form = await post("customerId=c1", { headers: { "Content-Type": "application/x-www-form-urlencoded" } });
        assert.deepEqual([form.status, form.body], [415, { error: "send the order as JSON with the header Content-Type: application/json" }]);
        const del = await call(svc.port, "DELETE", "/api/orders");
        assert.deepEqual([del.status, del.headers.allow], [405, "GET, POST"]);
        assert.equal((await call(svc.port, "PUT", "/api/orders/x")).headers.allow, "GET");
    });

    it("reads only through the replica: with replication cut, it serves what the replica holds and not what the master got", async () => {
        await redisGet(pair.replica, (r) => r.replicaof("NO", "ONE"));
        try {
            const onlyOnReplica = { id: "11111111-1111-4111-8111-111111111111", ...ORDER, customerId: "replica-only", createdAt: new Date().toISOString() };
            await redisGet(pair.replica, (r) => r.multi().set(KEYS.order(onlyOnReplica.id), JSON.stringify(onlyOnReplica)).zadd(KEYS.byCreated, Date.now() + 60_000, onlyOnReplica.id).exec());
            assert.deepEqual((await call(svc.port, "GET", `/api/orders/${onlyOnReplica.id}`)).body, onlyOnReplica);
            assert.equal((await call(svc.port, "GET", "/api/orders?limit=1")).body.orders[0].id, onlyOnReplica.id);
            assert.equal(await redisGet(pair.master, (r) => r.exists(KEYS.order(onlyOnReplica.id))), 0);

            const onlyOnMaster = await post(ORDER);
            assert.equal(onlyOnMaster.status, 201, "writes still go to the master");
            assert.equal((await call(svc.port, "GET", `/api/orders/${onlyOnMaster.body.id}`)).status, 404, "the read did not go to the master");
        } finally {
            await redisGet(pair.replica, (r) => r.replicaof(MASTER_HOST, pair.port));
            assert.ok(await replicationUp(pair.replica, PASSWORD), "replica resynced");
        }
    });

    it("never writes the password (or anything redacted) to its log", () => {
        assert.ok(logLines.some((l) => l.includes('"msg":"listening"') && l.includes("password from REDIS_PASSWORD")));
        assert.deepEqual(logLines.filter((l) => l.includes(PASSWORD) || l.includes("[redacted]")), []);
    });
});

describe("order service without a read host (no replicas)", function () {
    this.timeout(60_000);
    let master: RedisServer;
    let svc: Service;
    before(async function () {
        this.timeout(300_000);
        ensureRedisServer();
        master = await startRedis({ host: MASTER_HOST, port: await freePort(), password: PASSWORD });
        svc = await startService({ writeHost: MASTER_HOST, redisPort: master.port, password: PASSWORD });
    });
    after(async () => {
        await svc?.shutdown("tests done");
        await master?.stop();
    });

    it("reads through the write connection: one connection to the master, orders read back at once", async () => {
        const placed = (await call(svc.port, "POST", "/api/orders", { body: ORDER })).body;
        assert.deepEqual((await call(svc.port, "GET", `/api/orders/${placed.id}`)).body, placed);
        const list = await withClient(master.host, master.port, PASSWORD, (r) => r.client("LIST") as Promise<string>);
        assert.deepEqual([...list.matchAll(/ name=(order-service\S*)/g)].map((m) => m[1]), ["order-service-write"]);
        assert.deepEqual((await call(svc.port, "GET", "/ready")).body.redis, { write: "ready", read: "ready" });
    });
});

describe("order service when Redis is down or refuses it", function () {
    this.timeout(60_000);
    let master: RedisServer;
    const started: Service[] = [];
    before(async function () {
        this.timeout(300_000);
        ensureRedisServer();
        master = await startRedis({ host: MASTER_HOST, port: await freePort(), password: PASSWORD });
    });
    after(async () => {
        for (const s of started) await s.shutdown("tests done");
        await master?.stop();
    });

    it("is not ready while the read host does not answer, and answers reads with 503 instead of hanging", async () => {
        // nothing listens on 127.0.0.2 at the master's port
        const svc = await startService({ writeHost: MASTER_HOST, readHost: REPLICA_HOST, redisPort: master.port, password: PASSWORD }, false);
        started.push(svc);
        assert.ok(await eventually(async () => (await call(svc.port, "GET", "/ready")).body.redis?.write === "ready", 10_000, 50));
        const ready = await call(svc.port, "GET", "/ready");
        assert.equal(ready.status, 503);
        assert.equal(ready.body.status, "not ready");
        assert.notEqual(ready.body.redis.read, "ready");
        const read = await call(svc.port, "GET", "/api/orders");
        assert.deepEqual([read.status, read.headers["retry-after"]], [503, "1"]);
        assert.equal((await call(svc.port, "POST", "/api/orders", { body: ORDER })).status, 201, "writes do not need the read host");
    });

    it("is not ready with a wrong password, and logs the refusal without any password", async () => {
        const wrong = `${PASSWORD}-wrong`;
        const svc = await startService({ writeHost: MASTER_HOST, redisPort: master.port, password: wrong }, false);
        started.push(svc);
        assert.ok(await eventually(async () => logLines.some((l) => l.includes("redis connection failed") && /WRONGPASS|NOAUTH|invalid password/i.test(l)), 10_000, 50));
        assert.equal((await call(svc.port, "GET", "/ready")).status, 503);
        assert.deepEqual(logLines.filter((l) => l.includes(PASSWORD)), [], "neither the wrong nor the right password");
    });

    it("stops being ready when the master goes away, and answers writes with 503", async () => {
        const svc = await startService({ writeHost: MASTER_HOST, redisPort: master.port, password: PASSWORD });
        started.push(svc);
        await master.stop();
        assert.ok(await eventually(async () => (await call(svc.port, "GET", "/ready")).status === 503, 10_000, 50));
        const t0 = Date.now();
        assert.equal((await call(svc.port, "POST", "/api/orders", { body: ORDER })).status, 503);
        assert.ok(Date.now() - t0 < 3_000, "fails fast instead of queueing the command");
    });
});
