/**
 * The HTTP API on Node's own http module (five routes do not need a framework):
 *   POST /api/orders       place an order (JSON body, at most MAX_BODY_BYTES) -> 201 + Location
 *   GET  /api/orders       the newest orders (?limit=1..100, default 20)
 *   GET  /api/orders/<id>  one order, 404 when there is none
 *   GET  /health           liveness: the process answers
 *   GET  /ready            readiness: both Redis connections ready and not shutting down
 * Errors are JSON {error, field?}; a 400 names the field that is wrong.
 */
import * as http from "http";
import { Logger, errorText } from "./log";
import type { OrderStore } from "./store";
import { validateOrder } from "./validation";

/** An order of 50 items is under 5 KiB of JSON; anything near this limit is not an order. */
export const MAX_BODY_BYTES = 16 * 1024;
export const LIST_LIMIT = { default: 20, max: 100 } as const;

class HttpError extends Error {
    constructor(readonly status: number, message: string, readonly field?: string, readonly headers: Record<string, string> = {}) {
        super(message);
    }
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text), ...headers });
    res.end(text);
}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
    const tooLarge = () => new HttpError(413, `the body is larger than ${limit} bytes`, undefined, { Connection: "close" });
    if (Number(req.headers["content-length"] ?? 0) > limit) return Promise.reject(tooLarge());
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        req.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > limit) {
                // Stop buffering; the connection is closed after the 413.
                req.removeAllListeners("data");
                req.resume();
                reject(tooLarge());
                return;
            }
            chunks.push(chunk);
        });
        req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        req.on("error", reject);
    });
}

function parseLimit(raw: string | null): number {
    if (raw === null) return LIST_LIMIT.default;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < 1 || n > LIST_LIMIT.max) {
        throw new HttpError(400, `limit must be a whole number from 1 to ${LIST_LIMIT.max}`, "limit");
    }
    return n;
}

export interface OrderServer {
    readonly server: http.Server;
    /** Requests being answered now. */
    inFlight(): number;
    /** From now on /ready answers 503, so the Service stops sending traffic while the server drains. */
    startDraining(): void;
}

export function createOrderServer(store: OrderStore, log: Logger, maxBodyBytes = MAX_BODY_BYTES): OrderServer {
    let draining = false;
    let inFlight = 0;

    const methodNotAllowed = (allow: string) => new HttpError(405, `use ${allow.split(", ").join(" or ")}`, undefined, { Allow: allow });

    async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        let url: URL;
        try {
            url = new URL(req.url ?? "/", "http://order-service");
        } catch {
            throw new HttpError(400, "the request path is not a valid URL path");
        }
        const path = url.pathname.replace(/\/+$/, "") || "/";
        const method = req.method ?? "GET";
        if (path === "/health" || path === "/ready") {
            if (method !== "GET") throw methodNotAllowed("GET");
            if (path === "/health") return send(res, 200, { status: "ok" });
            const ready = !draining && store.isReady();
            return send(res, ready ? 200 : 503, { status: ready ? "ready" : draining ? "shutting down" : "not ready", redis: store.status() });
        }
        if (path === "/api/orders") {
            if (method === "GET") return send(res, 200, { orders: await store.list(parseLimit(url.searchParams.get("limit"))) });
            if (method !== "POST") throw methodNotAllowed("GET, POST");
            const type = req.headers["content-type"] ?? "";
            if (!/^application\/json\b/i.test(type)) {
                throw new HttpError(415, "send the order as JSON with the header Content-Type: application/json");
            }
            const text = await readBody(req, maxBodyBytes);
            let body: unknown;
            try {
                body = JSON.parse(text);
            } catch (e) {
                throw new HttpError(400, `the body is not valid JSON (${errorText(e)})`, "body");
            }
            const checked = validateOrder(body);
            if (!checked.ok) throw new HttpError(400, checked.message, checked.field);
            const order = await store.create(checked.order);
            log.info("order placed", { id: order.id, customerId: order.customerId, items: order.items.length });
            return send(res, 201, order, { Location: `/api/orders/${order.id}` });
        }
        const match = /^\/api\/orders\/([^/]+)$/.exec(path);
        if (match) {
            if (method !== "GET") throw methodNotAllowed("GET");
            const id = match[1]; // ids are UUIDs: nothing to decode
            const order = await store.get(id);
            if (!order) throw new HttpError(404, `order ${id} not found`);
            return send(res, 200, order);
        }
        throw new HttpError(404, `no route for ${method} ${url.pathname}`);
    }

    const server = http.createServer((req, res) => {
        inFlight++;
        res.on("close", () => inFlight--);
        route(req, res).catch((e: unknown) => {
            if (res.headersSent) return;
            if (e instanceof HttpError) {
                send(res, e.status, e.field === undefined ? { error: e.message } : { error: e.message, field: e.field }, e.headers);
                return;
            }
            // Redis down, timed out or read-only: the client may retry; the details go to the log only.
            log.error("request failed", { method: req.method, path: req.url, error: errorText(e) });
            send(res, 503, { error: "orders are unavailable right now (Redis is not reachable); try again" }, { "Retry-After": "1" });
        });
    });
    return { server, inFlight: () => inFlight, startDraining: () => { draining = true; } };
}
