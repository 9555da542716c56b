/**
 * The health endpoints on Node's own http module, plain text:
 *   GET /healthz  200 "ok" while the last successful reconcile is recent, else 503 and the reason
 *                 (readiness: a labeler that cannot reach the Sentinel or the API server says so)
 *   GET /livez    200 "ok" while the process answers (liveness)
 * Nothing else: other paths 404, other methods 405.
 */
import * as http from "http";
import type { Health } from "./reconcile";

/** How old the last successful reconcile may be: three ticks, and never under 5 s. */
export function healthMaxAgeMs(intervalMs: number): number {
    return Math.max(3 * intervalMs, 5_000);
}

function send(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(text), ...headers });
    res.end(text);
}

export function createHealthServer(health: () => Health): http.Server {
    return http.createServer((req, res) => {
        const path = (req.url ?? "/").split("?")[0];
        if (path !== "/healthz" && path !== "/livez") return send(res, 404, `no route for ${path}; use /healthz or /livez`);
        if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "use GET", { Allow: "GET, HEAD" });
        if (path === "/livez") return send(res, 200, "ok");
        const h = health();
        return send(res, h.ok ? 200 : 503, h.ok ? "ok" : h.reason);
    });
}
