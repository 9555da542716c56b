/**
 * The labeler's Sentinel query against a real Sentinel (redis-server --sentinel) monitoring a real
 * redis-server, both with a password.
 */
import * as assert from "assert/strict";
import { createLogger } from "../../../services/redis-role-labeler/src/log";
import { SentinelClient, sentinelOptions } from "../../../services/redis-role-labeler/src/sentinel";
import { freePort } from "../../helpers/redis-servers";
import { eventually } from "../../helpers/wait";
import { MASTER_SET, SentinelSetup, sentinelClientNames, startSentinel, startSentinelSetup } from "../../helpers/sentinel-server";

const PASSWORD = `Pw-${Math.random().toString(36).slice(2)}-sentinel-tests`;

/** The names of the Sentinel's clients that the labeler opened (connectionName redis-role-labeler). */
const labelerClients = (s: SentinelSetup) => sentinelClientNames(s, "redis-role-labeler");

describe("redis role labeler: the Sentinel query (real Sentinel)", function () {
    this.timeout(60_000);
    let setup: SentinelSetup;
    let lines: string[];
    const log = () => createLogger({ secrets: [PASSWORD], write: (l) => lines.push(l) });
    const connect = (over: { password?: string; masterSet?: string; sentinelPort?: number } = {}) => SentinelClient.connect({
        sentinelHost: setup.sentinelHost, sentinelPort: over.sentinelPort ?? setup.sentinelPort, password: over.password ?? PASSWORD, masterSet: over.masterSet ?? MASTER_SET,
    }, log());
    before(async function () {
        this.timeout(300_000);
        setup = await startSentinelSetup(PASSWORD);
    });
    after(async () => setup?.stop());
    beforeEach(() => { lines = []; });

    it("asks get-master-addr-by-name and gets the monitored master's address", async () => {
        const sentinel = connect();
        try {
            assert.ok(await eventually(async () => sentinel.status() === "ready", 10_000, 50), `not ready: ${lines.join("\n")}`);
            assert.deepEqual(await sentinel.masterAddr(), { host: "127.0.0.1", port: setup.redis.port });
            assert.deepEqual(await labelerClients(setup), ["redis-role-labeler"], "one connection, named");
        } finally {
            await sentinel.close();
        }
        assert.ok(await eventually(async () => (await labelerClients(setup)).length === 0, 5_000, 50), "close() quit the connection");
        assert.deepEqual(lines.map((l) => JSON.parse(l)).map(({ msg, sentinel: where }) => [msg, where]), [["sentinel connection ready", `127.0.0.1:${setup.sentinelPort}`]]);
    });

    it("gives null for a master set the Sentinel does not monitor", async () => {
        const sentinel = connect({ masterSet: "othermaster" });
        try {
            assert.ok(await eventually(async () => sentinel.status() === "ready", 10_000, 50));
            assert.equal(await sentinel.masterAddr(), null);
        } finally {
            await sentinel.close();
        }
    });

    it("with a wrong password fails with the Sentinel's WRONGPASS, logged once, never the password", async () => {
        const wrong = `${PASSWORD}-wrong`;
        const sentinel = SentinelClient.connect({ sentinelHost: setup.sentinelHost, sentinelPort: setup.sentinelPort, password: wrong, masterSet: MASTER_SET },
            createLogger({ secrets: [wrong], write: (l) => lines.push(l) }));
        try {
            let message = "";
            assert.ok(await eventually(async () => {
                message = await sentinel.masterAddr().then(() => "answered", (e: Error) => e.message);
                return message.includes("WRONGPASS");
            }, 10_000, 100), `last error: ${message}`);
            assert.equal(message, `the Sentinel at 127.0.0.1:${setup.sentinelPort} is not connected: WRONGPASS invalid username-password pair or user is disabled.`);
            // ioredis retries (with its backoff): the same failure is logged once
            await new Promise((r) => setTimeout(r, 1_500));
            const failures = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "sentinel connection failed");
            assert.deepEqual(failures.map((l) => [l.level, l.error]), [["warn", "WRONGPASS invalid username-password pair or user is disabled."]]);
            assert.ok(!lines.join("\n").includes(wrong) && !lines.join("\n").includes(PASSWORD));
        } finally {
            await sentinel.close();
        }
    });

    it("with no Sentinel listening fails at once with the connection error", async () => {
        const sentinel = connect({ sentinelPort: await freePort() });
        try {
            let message = "";
            assert.ok(await eventually(async () => {
                message = await sentinel.masterAddr().then(() => "answered", (e: Error) => e.message);
                return message.includes("ECONNREFUSED");
            }, 10_000, 100), `last error: ${message}`);
            assert.match(message, /^the Sentinel at 127\.0\.0\.1:\d+ is not connected: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
        } finally {
            await sentinel.close();
        }
    });

    it("reconnects by itself when the Sentinel comes back", async () => {
        const port = await freePort();
        let other = await startSentinel({ host: setup.sentinelHost, port, password: PASSWORD, master: setup.redis });
        const sentinel = connect({ sentinelPort: port });
        try {
            assert.deepEqual(await sentinel.masterAddr(), { host: "127.0.0.1", port: setup.redis.port }, "the first call waits for the handshake");
            await other.stop();
            assert.ok(await eventually(async () => sentinel.masterAddr().then(() => false, () => true), 5_000, 50), "fails while the Sentinel is down");
            other = await startSentinel({ host: setup.sentinelHost, port, password: PASSWORD, master: setup.redis });
            // the backoff is at most 2 s
            assert.ok(await eventually(async () => sentinel.masterAddr().then(() => true, () => false), 5_000, 100), `not back: ${lines.join("\n")}`);
        } finally {
            await sentinel.close();
            await other.stop();
        }
    });

    it("fails fast while down and retries with a backoff of at most 2 s", () => {
        const o = sentinelOptions({ sentinelHost: "redis.redis.svc.cluster.local", sentinelPort: 26379, password: PASSWORD });
        assert.deepEqual([o.host, o.port, o.password, o.enableOfflineQueue, o.commandTimeout], ["redis.redis.svc.cluster.local", 26379, PASSWORD, false, 2_000]);
        assert.deepEqual([1, 2, 5, 10, 100].map((n) => o.retryStrategy!(n)), [200, 400, 1_000, 2_000, 2_000]);
    });
});
