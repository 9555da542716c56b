/**
 * A real Redis Sentinel (redis-server --sentinel) watching a real redis-server of
 * tests/helpers/redis-servers.ts, both with a password, for the labeler's tests. The Sentinel
 * rewrites its conf file, so it gets one of its own in a temporary directory (mode 0600: the
 * password is never in argv).
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MASTER_HOST, RedisServer, ensureRedisServer, freePort, startRedis, withClient } from "../../helpers/redis-servers";
import { eventually } from "../../helpers/wait";

export const MASTER_SET = "mymaster";

export interface SentinelSetup {
    readonly redis: RedisServer;
    readonly sentinelHost: string;
    readonly sentinelPort: number;
    readonly password: string;
    stop(): Promise<void>;
}

/** A Sentinel on host:port monitoring `master` as mymaster, answering once it knows the set. */
export async function startSentinel(host: string, port: number, password: string, master: RedisServer): Promise<{ stop(): Promise<void> }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "role-labeler-sentinel-"));
    const conf = [
        `bind ${host}`, `port ${port}`, `dir ${dir}`, `logfile ${path.join(dir, "sentinel.log")}`, "daemonize no",
        `requirepass ${password}`,
        `sentinel monitor ${MASTER_SET} ${master.host} ${master.port} 1`,
        `sentinel auth-pass ${MASTER_SET} ${password}`,
    ];
    const file = path.join(dir, "sentinel.conf");
    fs.writeFileSync(file, `${conf.join("\n")}\n`, { mode: 0o600 });
    const proc: ChildProcess = spawn("redis-server", [file, "--sentinel"], { stdio: "ignore" });
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    const stop = async () => {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
        await exited;
        fs.rmSync(dir, { recursive: true, force: true });
    };
    const up = await eventually(async () => {
        try {
            const addr = await withClient(host, port, password, (r) => r.call("SENTINEL", "get-master-addr-by-name", MASTER_SET));
            return Array.isArray(addr);
        } catch {
            return false;
        }
    }, 10_000, 50);
    if (!up) {
        const log = fs.existsSync(path.join(dir, "sentinel.log")) ? fs.readFileSync(path.join(dir, "sentinel.log"), "utf8").slice(-800) : "";
        await stop();
        throw new Error(`the Sentinel on ${host}:${port} did not answer within 10s\n${log}`);
    }
    return { stop };
}

/** A password-protected redis-server on 127.0.0.1 and a Sentinel monitoring it as mymaster. */
export async function startSentinelSetup(password: string): Promise<SentinelSetup> {
    ensureRedisServer();
    const redis = await startRedis({ host: MASTER_HOST, port: await freePort(), password });
    const sentinelPort = await freePort();
    let sentinel;
    try {
        sentinel = await startSentinel(MASTER_HOST, sentinelPort, password, redis);
    } catch (e) {
        await redis.stop();
        throw e;
    }
    return {
        redis, sentinelHost: MASTER_HOST, sentinelPort, password,
        stop: async () => { await sentinel.stop(); await redis.stop(); },
    };
}

/** The names of the Sentinel's clients that the labeler opened (connectionName redis-role-labeler). */
export function labelerClients(s: SentinelSetup): Promise<string[]> {
    return withClient(s.sentinelHost, s.sentinelPort, s.password, async (r) =>
        [...(await r.client("LIST") as string).matchAll(/ name=(redis-role-labeler\S*)/g)].map((m) => m[1]));
}
