/**
 * A real Redis Sentinel (`redis-server <conf> --sentinel`, Debian's redis-server as in
 * ./redis-servers.ts) monitoring a master of those helpers, for the unit tests of the order
 * service's Sentinel mode and of the redis role labeler. It requires the same password as Redis, as
 * the replicated Redis's Sentinels do. Its conf file is written to a temporary directory of its own
 * (mode 0600: the password is never in argv), where the Sentinel may rewrite it, as Sentinels do
 * with what they learn.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MASTER_HOST, RedisServer, ensureRedisServer, freePort, startRedis, withClient } from "./redis-servers";
import { eventually } from "./wait";

export const MASTER_SET = "mymaster";

export interface Sentinel {
    readonly host: string;
    readonly port: number;
    /** A command to the Sentinel, for example ["FAILOVER", MASTER_SET]. */
    sentinel(...args: string[]): Promise<unknown>;
    /** The address the Sentinel names as the master now ("host:port"). */
    masterAddress(): Promise<string>;
    stop(): Promise<void>;
}

export interface SentinelOptions {
    readonly host: string;
    readonly port: number;
    /** Both the Sentinel's requirepass and the password it authenticates to Redis with. */
    readonly password: string;
    /** The master it monitors as MASTER_SET, quorum 1: this one Sentinel decides alone. */
    readonly master: RedisServer;
    /** sentinel down-after-milliseconds; Sentinel's default (30 s) when omitted. */
    readonly downAfterMs?: number;
    /** sentinel failover-timeout; Sentinel's default (3 min) when omitted. */
    readonly failoverTimeoutMs?: number;
}

/** Starts a Sentinel on host:port monitoring `master` as MASTER_SET; resolves once it names that master. */
export async function startSentinel(opts: SentinelOptions): Promise<Sentinel> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-sentinel-"));
    const file = path.join(dir, "sentinel.conf");
    const conf = [
        `bind ${opts.host}`, `port ${opts.port}`, `dir ${dir}`, `logfile ${path.join(dir, "sentinel.log")}`, "daemonize no",
        `requirepass ${opts.password}`,
        // quorum 1: this one Sentinel decides alone
        `sentinel monitor ${MASTER_SET} ${opts.master.host} ${opts.master.port} 1`,
        `sentinel auth-pass ${MASTER_SET} ${opts.password}`,
        ...(opts.downAfterMs !== undefined ? [`sentinel down-after-milliseconds ${MASTER_SET} ${opts.downAfterMs}`] : []),
        ...(opts.failoverTimeoutMs !== undefined ? [`sentinel failover-timeout ${MASTER_SET} ${opts.failoverTimeoutMs}`] : []),
    ];
    fs.writeFileSync(file, `${conf.join("\n")}\n`, { mode: 0o600 });
    const proc: ChildProcess = spawn("redis-server", [file, "--sentinel"], { stdio: "ignore" });
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    const sentinel = (...args: string[]) => withClient(opts.host, opts.port, opts.password, (r) => r.call("SENTINEL", ...args));
    const masterAddress = async () => ((await sentinel("GET-MASTER-ADDR-BY-NAME", MASTER_SET)) as string[]).join(":");
    const stop = async () => {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
        await exited;
        fs.rmSync(dir, { recursive: true, force: true });
    };
    const up = await eventually(async () => {
        try {
            return (await masterAddress()) === `${opts.master.host}:${opts.master.port}`;
        } catch {
            return false;
        }
    }, 10_000, 50);
    if (!up) {
        const log = fs.existsSync(path.join(dir, "sentinel.log")) ? fs.readFileSync(path.join(dir, "sentinel.log"), "utf8").slice(-800) : "";
        await stop();
        throw new Error(`the Sentinel on ${opts.host}:${opts.port} did not name the master within 10s\n${log}`);
    }
    return { host: opts.host, port: opts.port, sentinel, masterAddress, stop };
}

/** Waits until the Sentinel knows `count` replicas of the master, none of them down or disconnected. */
export async function replicasKnown(s: Sentinel, count: number): Promise<boolean> {
    return eventually(async () => {
        const replicas = (await s.sentinel("REPLICAS", MASTER_SET)) as string[][];
        const flags = replicas.map((fields) => fields[fields.indexOf("flags") + 1]);
        return flags.length === count && flags.every((f) => f === "slave");
    }, 15_000, 100);
}

export interface SentinelSetup {
    readonly redis: RedisServer;
    readonly sentinelHost: string;
    readonly sentinelPort: number;
    readonly password: string;
    stop(): Promise<void>;
}

/** A password-protected redis-server on 127.0.0.1 and a Sentinel monitoring it as MASTER_SET. */
export async function startSentinelSetup(password: string): Promise<SentinelSetup> {
    ensureRedisServer();
    const redis = await startRedis({ host: MASTER_HOST, port: await freePort(), password });
    const sentinelPort = await freePort();
    let sentinel: Sentinel;
    try {
        sentinel = await startSentinel({ host: MASTER_HOST, port: sentinelPort, password, master: redis });
    } catch (e) {
        await redis.stop();
        throw e;
    }
    return {
        redis, sentinelHost: MASTER_HOST, sentinelPort, password,
        stop: async () => { await sentinel.stop(); await redis.stop(); },
    };
}

/** The names of the setup's Sentinel's clients whose connection name starts with `prefix` (CLIENT LIST). */
export function sentinelClientNames(s: SentinelSetup, prefix: string): Promise<string[]> {
    const named = new RegExp(` name=(${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\S*)`, "g");
    return withClient(s.sentinelHost, s.sentinelPort, s.password, async (r) =>
        [...(await r.client("LIST") as string).matchAll(named)].map((m) => m[1]));
}
