/**
 * Real redis-server processes (Debian's, installed by scripts/redis-server.sh when missing) for the
 * order service's and the guestbook frontend's tests: a master on 127.0.0.1 and a replica on 127.0.0.2, both on the same port,
 * the way the service sees two Services on 6379, with requirepass/masterauth. Each server gets a
 * conf file of its own in a temporary directory (mode 0600), so the password is never in argv.
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import Redis from "ioredis";
import { ROOT } from "../../scripts/lib/stack-files";
import { eventually } from "./wait";

export const MASTER_HOST = "127.0.0.1";
export const REPLICA_HOST = "127.0.0.2";

/** Installs Debian's redis-server when it is not on PATH (the same script npm test runs). */
export function ensureRedisServer(): void {
    execFileSync("bash", [path.join(ROOT, "scripts", "redis-server.sh")], { stdio: "inherit" });
}

function portFreeOn(host: string, port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const s = net.createServer();
        s.once("error", () => resolve(false));
        s.listen(port, host, () => s.close(() => resolve(true)));
    });
}

/** A port that is free on both loopback addresses. */
export async function freePort(): Promise<number> {
    for (let i = 0; i < 50; i++) {
        const port = 20000 + Math.floor(Math.random() * 30000);
        if ((await portFreeOn(MASTER_HOST, port)) && (await portFreeOn(REPLICA_HOST, port))) return port;
    }
    throw new Error("no free port on 127.0.0.1 and 127.0.0.2");
}

/** A test client that fails fast; the caller quits it. */
export function redisClient(host: string, port: number, password?: string): Redis {
    const r = new Redis({ host, port, password, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    r.on("error", () => undefined);
    return r;
}

export async function withClient<T>(host: string, port: number, password: string | undefined, f: (r: Redis) => Promise<T>): Promise<T> {
    const r = redisClient(host, port, password);
    try {
        await r.connect();
        return await f(r);
    } finally {
        r.disconnect();
    }
}

export interface RedisServer {
    readonly host: string;
    readonly port: number;
    stop(): Promise<void>;
}

export async function startRedis(opts: { host: string; port: number; password?: string; replicaOf?: { host: string; port: number } }): Promise<RedisServer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "order-service-redis-"));
    const conf = [
        `bind ${opts.host}`, `port ${opts.port}`, `dir ${dir}`, `logfile ${path.join(dir, "redis.log")}`,
        'save ""', "appendonly no", "daemonize no",
        // a replica syncs at once instead of after the default 5 s wait for more replicas
        "repl-diskless-sync-delay 0",
        ...(opts.password ? [`requirepass ${opts.password}`, `masterauth ${opts.password}`] : []),
        ...(opts.replicaOf ? [`replicaof ${opts.replicaOf.host} ${opts.replicaOf.port}`] : []),
    ];
    fs.writeFileSync(path.join(dir, "redis.conf"), `${conf.join("\n")}\n`, { mode: 0o600 });
    const proc: ChildProcess = spawn("redis-server", [path.join(dir, "redis.conf")], { stdio: "ignore" });
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    const up = await eventually(async () => {
        try {
            return (await withClient(opts.host, opts.port, opts.password, (r) => r.ping())) === "PONG";
        } catch {
            return false;
        }
    }, 10_000, 50);
    const stop = async () => {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
        await exited;
        fs.rmSync(dir, { recursive: true, force: true });
    };
    if (!up) {
        const log = fs.existsSync(path.join(dir, "redis.log")) ? fs.readFileSync(path.join(dir, "redis.log"), "utf8").slice(-800) : "";
        await stop();
        throw new Error(`redis-server on ${opts.host}:${opts.port} did not answer PING within 10s\n${log}`);
    }
    return { host: opts.host, port: opts.port, stop };
}

/** Waits until `replica` reports its link to the master up (it has the master's data). */
export async function replicationUp(replica: RedisServer, password?: string): Promise<boolean> {
    return eventually(async () => {
        const info = await withClient(replica.host, replica.port, password, (r) => r.info("replication"));
        return /master_link_status:up/.test(info);
    }, 10_000, 50);
}

export interface RedisPair {
    readonly master: RedisServer;
    readonly replica: RedisServer;
    readonly port: number;
    readonly password: string;
    stop(): Promise<void>;
}

/** A master and a replica of it, replication up. */
export async function startPair(password: string): Promise<RedisPair> {
    ensureRedisServer();
    const port = await freePort();
    const master = await startRedis({ host: MASTER_HOST, port, password });
    const replica = await startRedis({ host: REPLICA_HOST, port, password, replicaOf: { host: MASTER_HOST, port } });
    if (!(await replicationUp(replica, password))) {
        await Promise.all([replica.stop(), master.stop()]);
        throw new Error("the replica did not sync from the master within 10s");
    }
    return { master, replica, port, password, stop: async () => { await replica.stop(); await master.stop(); } };
}
