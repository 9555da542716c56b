/** A small HTTP client for tests of local servers (the order service): status, headers and parsed JSON. */
import * as http from "http";

export interface Reply {
    readonly status: number;
    readonly headers: http.IncomingHttpHeaders;
    /** The body parsed as JSON, or the text when it is not JSON. */
    readonly body: any;
}

export interface CallOptions {
    readonly host?: string;
    readonly body?: string | Buffer | unknown;
    readonly headers?: Record<string, string>;
    /** Send the body in chunks without Content-Length (Transfer-Encoding: chunked). */
    readonly chunked?: boolean;
}

export function call(port: number, method: string, path: string, opts: CallOptions = {}): Promise<Reply> {
    const raw = opts.body === undefined ? undefined
        : typeof opts.body === "string" || Buffer.isBuffer(opts.body) ? opts.body : JSON.stringify(opts.body);
    const headers: Record<string, string | number> = {
        ...(raw !== undefined && typeof opts.body !== "string" && !Buffer.isBuffer(opts.body) ? { "Content-Type": "application/json" } : {}),
        ...(raw !== undefined && !opts.chunked ? { "Content-Length": Buffer.byteLength(raw) } : {}),
        ...opts.headers,
    };
    return new Promise((resolve, reject) => {
        const req = http.request({ host: opts.host ?? "127.0.0.1", port, method, path, headers, timeout: 10_000 }, (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (c) => (text += c));
            res.on("end", () => {
                let body: unknown = text;
                try {
                    body = JSON.parse(text);
                } catch {
                    // not JSON: keep the text
                }
                resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
            });
        });
        req.on("timeout", () => req.destroy(new Error(`${method} ${path}: timeout`)));
        // A server that answers early (413) may close before the whole body is written.
        req.on("error", (e: NodeJS.ErrnoException) => (e.code === "EPIPE" || e.code === "ECONNRESET" ? undefined : reject(e)));
        if (raw !== undefined && opts.chunked) {
            const buf = Buffer.from(raw);
            for (let i = 0; i < buf.length; i += 4096) req.write(buf.subarray(i, i + 4096));
        } else if (raw !== undefined) {
            req.write(raw);
        }
        req.end();
    });
}
