import * as assert from "assert/strict";
import * as http from "http";
import { createHealthServer, healthMaxAgeMs } from "../../../services/redis-role-labeler/src/health";
import type { Health } from "../../../services/redis-role-labeler/src/reconcile";
import { call } from "../../helpers/http-client";

describe("redis role labeler: health endpoints", () => {
    let server: http.Server;
    let port: number;
    let health: Health;
    before(async () => {
        server = createHealthServer(() => health);
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        port = (server.address() as { port: number }).port;
    });
    after(async () => {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
    });

    it("/healthz: 200 ok while healthy, else 503 with the reason, as plain text", async () => {
        health = { ok: true, reason: "ok" };
        const ok = await call(port, "GET", "/healthz");
        assert.deepEqual([ok.status, ok.body, ok.headers["content-type"]], [200, "ok", "text/plain; charset=utf-8"]);
        health = { ok: false, reason: "no reconcile has succeeded yet; the last one failed: the Sentinel does not know the master set mymaster" };
        const bad = await call(port, "GET", "/healthz");
        assert.deepEqual([bad.status, bad.body], [503, health.reason]);
    });

    it("/livez: 200 ok whatever the reconciles do", async () => {
        health = { ok: false, reason: "down" };
        const live = await call(port, "GET", "/livez");
        assert.deepEqual([live.status, live.body], [200, "ok"]);
    });

    it("nothing else: other paths 404, other methods 405", async () => {
        const other = await call(port, "GET", "/metrics");
        assert.deepEqual([other.status, other.body], [404, "no route for /metrics; use /healthz or /livez"]);
        const post = await call(port, "POST", "/healthz", { body: "x" });
        assert.deepEqual([post.status, post.body, post.headers.allow], [405, "use GET", "GET, HEAD"]);
        health = { ok: true, reason: "ok" };
        assert.deepEqual((await call(port, "GET", "/healthz?verbose=1")).body, "ok", "a query string changes nothing");
    });

    it("allows three intervals since the last success, and never less than 5 s", () => {
        assert.deepEqual([100, 500, 1_666, 1_667, 10_000].map(healthMaxAgeMs), [5_000, 5_000, 5_000, 5_001, 30_000]);
    });
});
