/**
 * The labeler as the container runs it: its own process (main.ts), configured by the environment,
 * the password from a file, a real Sentinel, the Kubernetes API a fake server on the wire (via
 * KUBECONFIG), stopped by SIGTERM as the kubelet does.
 */
import * as assert from "assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { call } from "../../helpers/http-client";
import { freePort } from "../../helpers/redis-servers";
import { runService } from "../../helpers/service-process";
import { eventually } from "../../helpers/wait";
import { FakeApiServer, OTHER, ROLE } from "./fakes";
import { MASTER_SET, SentinelSetup, sentinelClientNames, startSentinelSetup } from "../../helpers/sentinel-server";

const PASSWORD = `Pw-${Math.random().toString(36).slice(2)}-labeler-process`;
const SELECTOR = "app.kubernetes.io/name=redis,app.kubernetes.io/component=node";

/** The names of the Sentinel's clients that the labeler opened (connectionName redis-role-labeler). */
const labelerClients = (s: SentinelSetup) => sentinelClientNames(s, "redis-role-labeler");

describe("redis role labeler process", function () {
    this.timeout(60_000);
    let setup: SentinelSetup;
    let dir: string;
    let passwordFile: string;
    before(async function () {
        this.timeout(300_000);
        setup = await startSentinelSetup(PASSWORD);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "role-labeler-process-"));
        passwordFile = path.join(dir, "password");
        fs.writeFileSync(passwordFile, PASSWORD, { mode: 0o600 });
    });
    after(async () => {
        await setup?.stop();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    // The Sentinel names the master 127.0.0.1, so the pod with that podIP is the master.
    const fakeApi = () => new FakeApiServer("redis", [
        { name: "redis-node-0", podIP: "10.1.0.10", labels: { ...OTHER, [ROLE]: "master" } },
        { name: "redis-node-1", podIP: "127.0.0.1", labels: OTHER },
        { name: "redis-node-2", podIP: "10.1.0.12", labels: { ...OTHER, [ROLE]: "replica" } },
    ]);
    const env = async (api: FakeApiServer, over: Record<string, string> = {}) => ({
        PORT: String(await freePort()), KUBECONFIG: api.kubeconfig(),
        SENTINEL_HOST: setup.sentinelHost, SENTINEL_PORT: String(setup.sentinelPort), SENTINEL_MASTER_SET: MASTER_SET,
        PASSWORD_FILE: passwordFile, POD_NAMESPACE: "redis", POD_SELECTOR: SELECTOR, INTERVAL_MS: "100", ...over,
    });
    const lines = (out: string) => out.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);

    it("exits 1 naming every bad variable, the password file by its path", async () => {
        const missing = path.join(dir, "missing");
        const child = runService("redis-role-labeler", { SENTINEL_PORT: "0", PASSWORD_FILE: missing, POD_NAMESPACE: "redis", POD_SELECTOR: SELECTOR });
        assert.equal(await child.exited, 1);
        const [line] = lines(child.output());
        assert.equal(line.level, "error");
        assert.equal(line.msg, [
            "redis-role-labeler: invalid environment:",
            "  - SENTINEL_HOST is not set; set it to the Sentinel Service's DNS name, such as redis.redis.svc.cluster.local",
            '  - SENTINEL_PORT: "0" is not a port; use a whole number from 1 to 65535',
            '  - SENTINEL_MASTER_SET is not set; set it to the name the Sentinels monitor (the <name> in "sentinel monitor <name> ..."), such as mymaster',
            `  - PASSWORD_FILE: cannot read ${missing} (it does not exist); mount the Redis password Secret there, or point PASSWORD_FILE at it`,
        ].join("\n"));
    });

    it("labels the Sentinel's master and the replicas, answers /healthz, and on SIGTERM quits and exits 0", async () => {
        const api = fakeApi();
        await api.start();
        const e = await env(api);
        const port = Number(e.PORT);
        const child = runService("redis-role-labeler", e);
        try {
            assert.ok(await eventually(async () => (await call(port, "GET", "/healthz").catch(() => ({ status: 0 }))).status === 200, 30_000, 100), `not healthy:\n${child.output()}`);
            assert.deepEqual(api.roles(), { "redis-node-0": "replica", "redis-node-1": "master", "redis-node-2": "replica" });
            const patches = api.requests.filter((r) => r.method === "PATCH");
            assert.deepEqual(patches.map((r) => [r.url, r.contentType, r.body]), [
                ["/api/v1/namespaces/redis/pods/redis-node-0", "application/merge-patch+json", { metadata: { labels: { [ROLE]: "replica" } } }],
                ["/api/v1/namespaces/redis/pods/redis-node-1", "application/merge-patch+json", { metadata: { labels: { [ROLE]: "master" } } }],
            ], "the old master demoted first; redis-node-2 was right already");
            assert.deepEqual([(await call(port, "GET", "/livez")).body, (await call(port, "GET", "/healthz")).body], ["ok", "ok"]);
            assert.deepEqual(await labelerClients(setup), ["redis-role-labeler"]);

            child.proc.kill("SIGTERM");
            assert.equal(await child.exited, 0);
            assert.deepEqual(await labelerClients(setup), [], "its Sentinel connection was quit");
            const out = lines(child.output());
            assert.deepEqual(out.filter((l) => l.msg === "role label changed").map(({ pod, from, to, master }) => ({ pod, from, to, master })), [
                { pod: "redis-node-0", from: "master", to: "replica", master: "redis-node-1" },
                { pod: "redis-node-1", from: null, to: "master", master: "redis-node-1" },
            ]);
            assert.equal(out.filter((l) => l.msg === "in sync").length, 1, "in sync logged once, not every 100 ms");
            assert.deepEqual(out.find((l) => l.msg === "listening")?.redisAuth, `password from ${passwordFile}`);
            assert.deepEqual(out.slice(-2).map((l) => [l.msg, l.reason]), [["shutting down", "SIGTERM"], ["stopped", "SIGTERM"]]);
            assert.ok(!child.output().includes(PASSWORD), "no password in the output");
        } finally {
            if (child.proc.exitCode === null) child.proc.kill("SIGKILL");
            await api.stop();
        }
    });

    it("changes nothing and answers 503 with the reason while the Sentinel does not know the set", async () => {
        const api = fakeApi();
        await api.start();
        const e = await env(api, { SENTINEL_MASTER_SET: "othermaster" });
        const port = Number(e.PORT);
        const child = runService("redis-role-labeler", e);
        try {
            const reason = "no reconcile has succeeded yet; the last one failed: the Sentinel does not know the master set othermaster";
            assert.ok(await eventually(async () => (await call(port, "GET", "/healthz").catch(() => ({ body: "" }))).body === reason, 30_000, 100), `no such reason:\n${child.output()}`);
            assert.equal((await call(port, "GET", "/healthz")).status, 503);
            assert.equal((await call(port, "GET", "/livez")).status, 200);
            await new Promise((r) => setTimeout(r, 500));
            assert.deepEqual(api.requests.filter((r) => r.method !== "GET"), [], "no patch");
            assert.deepEqual(api.roles(), { "redis-node-0": "master", "redis-node-1": undefined, "redis-node-2": "replica" });
            child.proc.kill("SIGTERM");
            assert.equal(await child.exited, 0);
            assert.deepEqual(lines(child.output()).filter((l) => l.msg === "labels left unchanged").map((l) => l.reason), [
                "the Sentinel does not know the master set othermaster",
            ], "logged once, not every 100 ms");
        } finally {
            if (child.proc.exitCode === null) child.proc.kill("SIGKILL");
            await api.stop();
        }
    });
});
