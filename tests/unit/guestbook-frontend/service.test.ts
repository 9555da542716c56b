/**
 * The guestbook frontend in this process against REAL redis-server processes on loopback (Debian's,
 * scripts/redis-server.sh): a leader on 127.0.0.1 and its follower on 127.0.0.2, same port, no
 * password (the guestbook's Redis has none), so writes really reach the leader and reads a follower.
 */
import * as assert from "assert/strict";
import Redis from "ioredis";
import { AddressInfo } from "net";
import { FrontendConfig } from "../../../services/guestbook-frontend/src/config";
import { createLogger } from "../../../services/guestbook-frontend/src/log";
import { Running, start } from "../../../services/guestbook-frontend/src/main";
import { LIMITS } from "../../../services/guestbook-frontend/src/server";
import { Reply, call } from "../../helpers/http-client";
import { MASTER_HOST, REPLICA_HOST, RedisServer, ensureRedisServer, freePort, replicationUp, startRedis, withClient } from "../../helpers/redis-servers";

const logLines: string[] = [];

interface Frontend extends Running {
    readonly port: number;
}

async function startFrontend(config: Omit<FrontendConfig, "port">): Promise<Frontend> {
    const running = await start({ port: 0, ...config }, createLogger((l) => logLines.push(l)));
    return { ...running, port: (running.server.address() as AddressInfo).port };
}

const redis = <T>(server: RedisServer, f: (r: Redis) => Promise<T>): Promise<T> => withClient(server.host, server.port, undefined, f);
const php = (fe: Frontend, params: Record<string, string>): Promise<Reply> => call(fe.port, "GET", `/guestbook.php?${new URLSearchParams(params)}`);

describe("guestbook frontend against a real Redis leader and follower", function () {
    this.timeout(60_000);
    let leader: RedisServer;
    let follower: RedisServer;
    let fe: Frontend;

    before(async function () {
        this.timeout(300_000); // the first run may install redis-server
        ensureRedisServer();
        const port = await freePort();
        leader = await startRedis({ host: MASTER_HOST, port });
        follower = await startRedis({ host: REPLICA_HOST, port, replicaOf: { host: MASTER_HOST, port } });
        assert.ok(await replicationUp(follower), "the follower did not sync within 10s");
        fe = await startFrontend({ leader: { host: MASTER_HOST, port }, follower: { host: REPLICA_HOST, port } });
        // both connections ready before the first request, so reads are not served by the fallback
        const deadline = Date.now() + 10_000;
        while (Object.values(fe.store.status()).some((s) => s !== "ready") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    });
    after(async () => {
        await fe?.shutdown("tests done");
        await follower?.stop();
        await leader?.stop();
    });

    it("serves the guestbook page at / (a form, the list, fetch against guestbook.php)", async () => {
        const r = await call(fe.port, "GET", "/");
        assert.equal(r.status, 200);
        assert.match(String(r.headers["content-type"]), /^text\/html/);
        assert.match(r.body, /<form id="form">/);
        assert.match(r.body, /<ul id="entries">/);
        assert.match(r.body, /fetch\("guestbook\.php\?"/);
        assert.equal((await call(fe.port, "GET", "/healthz")).body.status, "ok");
    });

    it("cmd=set writes the value to the leader and answers {\"message\": \"Updated\"}", async () => {
        const r = await php(fe, { cmd: "set", key: "messages", value: ",hello" });
        assert.equal(r.status, 200);
        assert.deepEqual(r.body, { message: "Updated" });
        assert.equal(await redis(leader, (c) => c.get("messages")), ",hello");
    });

    it("cmd=get reads from the follower (proven by cutting replication and changing the follower alone)", async () => {
        await redis(follower, async (c) => { await c.replicaof("NO", "ONE"); await c.set("messages", ",only-on-the-follower"); });
        try {
            assert.equal(await redis(leader, (c) => c.get("messages")), ",hello");
            assert.deepEqual((await php(fe, { cmd: "get", key: "messages" })).body, { data: ",only-on-the-follower" });
        } finally {
            await redis(follower, (c) => c.replicaof(leader.host, leader.port));
            assert.ok(await replicationUp(follower), "the follower did not resync");
        }
    });

    it("keeps upstream's data format: the page's read, append ',entry', set round trip", async () => {
        await php(fe, { cmd: "set", key: "messages", value: "" });
        // the reads below go to the follower: let the reset reach it first
        await waitForFollower(follower, "messages", "");
        for (const entry of ["first", "second"]) {
            const current = (await php(fe, { cmd: "get", key: "messages" })).body.data;
            await php(fe, { cmd: "set", key: "messages", value: `${current},${entry}` });
            await waitForFollower(follower, "messages", `${current},${entry}`);
        }
        assert.deepEqual((await php(fe, { cmd: "get", key: "messages" })).body, { data: ",first,second" });
    });

    it("JSON-escapes values (quotes, backslashes, newlines, markup, non-ASCII) instead of concatenating them", async () => {
        const value = `,say "hi" \\ back\nslash </script><b>x</b> é 漢字 😀`;
        assert.equal((await php(fe, { cmd: "set", key: "escaping", value })).status, 200);
        await waitForFollower(follower, "escaping", value);
        const r = await php(fe, { cmd: "get", key: "escaping" });
        assert.match(String(r.headers["content-type"]), /^application\/json/);
        assert.deepEqual(r.body, { data: value });
    });

    it("answers {\"data\": \"\"} for a key that does not exist, as upstream", async () => {
        assert.deepEqual((await php(fe, { cmd: "get", key: "no-such-key" })).body, { data: "" });
    });

    it("refuses a bad request with 400 and a message", async () => {
        const cases: [Record<string, string>, string][] = [
            [{ cmd: "del", key: "messages" }, 'unknown cmd "del"; use cmd=set or cmd=get'],
            [{ key: "messages" }, "cmd is missing; use cmd=set or cmd=get"],
            [{ cmd: "get" }, "key is missing; for example key=messages"],
            [{ cmd: "get", key: "" }, "key is missing; for example key=messages"],
            [{ cmd: "get", key: "k".repeat(LIMITS.keyChars + 1) }, `key is longer than ${LIMITS.keyChars} characters`],
            [{ cmd: "set", key: "messages" }, "value is missing; cmd=set needs value=<text>"],
        ];
        for (const [params, error] of cases) {
            const r = await php(fe, params);
            assert.equal(r.status, 400, JSON.stringify(params));
            assert.deepEqual(r.body, { error });
        }
        assert.equal((await php(fe, { cmd: "get", key: "k".repeat(LIMITS.keyChars) })).status, 200, "a key at the limit is fine");
    });

    it("takes a value up to 64 KiB, even fully percent-encoded, and refuses a larger one with 413", async () => {
        const atLimit = "é".repeat(LIMITS.valueBytes / 2); // 2 UTF-8 bytes, 6 characters percent-encoded, each
        assert.equal((await php(fe, { cmd: "set", key: "big", value: atLimit })).status, 200);
        assert.equal(await redis(leader, (c) => c.strlen("big")), LIMITS.valueBytes);
        const r = await php(fe, { cmd: "set", key: "big", value: `${atLimit}x` });
        assert.equal(r.status, 413);
        assert.deepEqual(r.body, { error: `value is larger than ${LIMITS.valueBytes} bytes` });
    });

    it("answers 404 for unknown paths and 405 for other methods", async () => {
        assert.equal((await call(fe.port, "GET", "/index.php")).status, 404);
        const post = await call(fe.port, "POST", "/guestbook.php?cmd=get&key=messages", { body: "x" });
        assert.equal(post.status, 405);
        assert.equal(post.headers.allow, "GET, HEAD");
    });
});

describe("guestbook frontend when Redis is not all there", function () {
    this.timeout(60_000);
    let leader: RedisServer;
    let fe: Frontend;

    before(async function () {
        this.timeout(300_000);
        ensureRedisServer();
        const port = await freePort();
        leader = await startRedis({ host: MASTER_HOST, port });
        // nothing listens on the follower's address: no follower (guestbookFollowerReplicas 0), or all restarting
        fe = await startFrontend({ leader: { host: MASTER_HOST, port }, follower: { host: REPLICA_HOST, port } });
    });
    after(async () => {
        await fe?.shutdown("tests done");
        await leader?.stop();
    });

    it("reads from the leader while no follower answers", async () => {
        await redis(leader, (c) => c.set("messages", ",from-the-leader"));
        assert.deepEqual((await php(fe, { cmd: "get", key: "messages" })).body, { data: ",from-the-leader" });
    });

    it("answers 503 with a JSON error, at once, while the leader is down too", async () => {
        await leader.stop();
        const requests: Record<string, string>[] = [{ cmd: "set", key: "messages", value: ",x" }, { cmd: "get", key: "messages" }];
        for (const params of requests) {
            const t0 = Date.now();
            const r = await php(fe, params);
            assert.equal(r.status, 503, JSON.stringify(params));
            assert.equal(r.headers["retry-after"], "1");
            assert.match(r.body.error, /Redis is not reachable/);
            assert.ok(Date.now() - t0 < 5_000, `answered after ${Date.now() - t0} ms`);
        }
        assert.ok(logLines.some((l) => JSON.parse(l).msg === "request failed"), "the failure is logged");
    });
});

async function waitForFollower(follower: RedisServer, key: string, value: string): Promise<void> {
    const deadline = Date.now() + 5_000;
    while ((await redis(follower, (c) => c.get(key))) !== value) {
        if (Date.now() > deadline) throw new Error(`the follower did not get ${key} within 5s`);
        await new Promise((r) => setTimeout(r, 20));
    }
}
