/**
 * ioredis the way an application uses it against a deployed Service, with a bound: a client that
 * reconnects (a pod replaced behind a Service closes connections) but gives up after a few tries,
 * so a test fails with Redis's own error instead of hanging.
 */
import Redis from "ioredis";
import { sleep } from "../../helpers/wait";
import { resolveInCluster } from "./deployment";

const IN_CLUSTER = /\.svc\.cluster\.local$/;

/** Connects to `host` (an in-cluster Service name from the outputs, or an IP) and runs `f`. */
export async function withRedis<T>(host: string, port: number, password: string | undefined, f: (r: Redis) => Promise<T>): Promise<T> {
    const ip = IN_CLUSTER.test(host) ? await resolveInCluster(host) : host;
    const r = new Redis({
        host: ip, port, password, lazyConnect: true, connectTimeout: 3000,
        retryStrategy: (times) => (times <= 5 ? 200 * times : null),
        maxRetriesPerRequest: 2,
        // no INFO before the first command: without a password it fails with NOAUTH and closes the connection
        enableReadyCheck: false,
    });
    r.on("error", () => undefined);
    try {
        await r.connect();
        return await f(r);
    } finally {
        r.disconnect();
    }
}

/** `f` until it succeeds (connection errors while pods come and go), at most `timeoutMs`. */
export async function retrying<T>(f: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
        try {
            return await f();
        } catch (e) {
            if (Date.now() > end) throw e;
            await sleep(1000);
        }
    }
}
