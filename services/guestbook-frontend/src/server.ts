/**
 * The seed frontend's HTTP contract on Node's own http module:
 *   GET /                                          the guestbook page
 *   GET /guestbook.php?cmd=set&key=K&value=V       SET K V on the leader -> {"message": "Updated"}
 *   GET /guestbook.php?cmd=get&key=K               GET K from a follower -> {"data": "<value>"}
 *   GET /healthz                                   liveness: the process answers
 * Upstream builds {"data": ...} by concatenating the raw value; here every body is JSON.stringify'd,
 * so a value with quotes or backslashes reaches the client intact. Errors are JSON {error}.
 */
import * as http from "http";
import { Logger, errorText } from "./log";
import { PAGE } from "./page";
import type { GuestbookStore } from "./store";

export const LIMITS = {
    keyChars: 256,
    /** UTF-8 bytes of a value: the whole guestbook is one value, so this caps it (thousands of entries). */
    valueBytes: 64 * 1024,
} as const;

/**
 * The value travels in the query string, which Node counts as header bytes (default limit 16 KiB):
 * room for a value at the limit even when every byte is percent-encoded (3 characters each).
 */
export const MAX_HEADER_BYTES = 4 * LIMITS.valueBytes;

class HttpError extends Error {
    constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
        super(message);
    }
}

function send(res: http.ServerResponse, status: number, type: string, text: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(text), "Cache-Control": "no-store", ...headers });
    res.end(text);
}
const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    send(res, status, "application/json; charset=utf-8", JSON.stringify(body), headers);

function param(url: URL, name: string): string | undefined {
    const v = url.searchParams.get(name);
    return v === null ? undefined : v;
}

export function createFrontendServer(store: GuestbookStore, log: Logger): http.Server {
    async function guestbook(url: URL, res: http.ServerResponse): Promise<void> {
        const cmd = param(url, "cmd");
        if (cmd !== "set" && cmd !== "get") {
            throw new HttpError(400, cmd === undefined ? "cmd is missing; use cmd=set or cmd=get" : `unknown cmd ${JSON.stringify(cmd)}; use cmd=set or cmd=get`);
        }
        const key = param(url, "key");
        if (key === undefined || key === "") throw new HttpError(400, "key is missing; for example key=messages");
        if (key.length > LIMITS.keyChars) throw new HttpError(400, `key is longer than ${LIMITS.keyChars} characters`);
        if (cmd === "get") {
            const { value } = await store.get(key);
            return json(res, 200, { data: value });
        }
        const value = param(url, "value");
        if (value === undefined) throw new HttpError(400, "value is missing; cmd=set needs value=<text>");
        if (Buffer.byteLength(value) > LIMITS.valueBytes) throw new HttpError(413, `value is larger than ${LIMITS.valueBytes} bytes`);
        await store.set(key, value);
        return json(res, 200, { message: "Updated" });
    }

    async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        let url: URL;
        try {
            url = new URL(req.url ?? "/", "http://frontend");
        } catch {
            throw new HttpError(400, "the request path is not a valid URL path");
        }
        const known = ["/", "/index.html", "/guestbook.php", "/healthz"];
        if (!known.includes(url.pathname)) throw new HttpError(404, `no route for ${url.pathname}`);
        if (req.method !== "GET" && req.method !== "HEAD") throw new HttpError(405, "use GET", { Allow: "GET, HEAD" });
        if (url.pathname === "/healthz") return json(res, 200, { status: "ok" });
        if (url.pathname === "/guestbook.php") return guestbook(url, res);
        return send(res, 200, "text/html; charset=utf-8", PAGE);
    }

    return http.createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
        route(req, res).catch((e: unknown) => {
            if (res.headersSent) return;
            if (e instanceof HttpError) return json(res, e.status, { error: e.message }, e.headers);
            // Redis down, timed out or read-only: the client may retry; the details go to the log only.
            log.error("request failed", { path: req.url?.split("?")[0], error: errorText(e) });
            return json(res, 503, { error: "the guestbook is unavailable right now (Redis is not reachable); try again" }, { "Retry-After": "1" });
        });
    });
}
