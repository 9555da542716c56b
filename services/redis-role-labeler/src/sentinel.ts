/**
 * The Sentinel's answer to "who is the master of <set>?", over one ioredis connection to the
 * Sentinel Service (it balances across the Sentinels; any of them knows the current master once a
 * failover is over, and the next reconcile corrects a stale answer).
 */
import Redis, { RedisOptions } from "ioredis";
import type { LabelerConfig } from "./config";
import { Logger } from "./log";

export interface MasterAddr {
    readonly host: string;
    readonly port: number;
}

/** Where the reconciler gets the master from (a fake in tests). */
export interface MasterSource {
    /** The master's address, or null when the Sentinel does not know the set; rejects when it does not answer. */
    masterAddr(): Promise<MasterAddr | null>;
}

const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Commands fail at once while the connection is down (no offline queue) and time out when the
 * Sentinel stalls, so a reconcile fails fast and the next one tries again; the connection itself
 * retries forever with a backoff of at most 2 s.
 */
export function sentinelOptions(config: Pick<LabelerConfig, "sentinelHost" | "sentinelPort" | "password">): RedisOptions {
    return {
        host: config.sentinelHost,
        port: config.sentinelPort,
        password: config.password,
        connectionName: "redis-role-labeler",
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: CONNECT_TIMEOUT_MS,
        commandTimeout: 2_000,
        retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    };
}

export class SentinelClient implements MasterSource {
    private lastError = "";

    private constructor(private readonly client: Redis, private readonly masterSet: string, private readonly where: string) {}

    static connect(config: Pick<LabelerConfig, "sentinelHost" | "sentinelPort" | "password" | "masterSet">, log: Logger): SentinelClient {
        const options = sentinelOptions(config);
        const sentinel = new SentinelClient(new Redis(options), config.masterSet, `${options.host}:${options.port}`);
        sentinel.client.on("ready", () => {
            sentinel.lastError = "";
            log.info("sentinel connection ready", { sentinel: sentinel.where });
        });
        // ioredis reports every failed reconnect: log a failure once until the connection recovers.
        sentinel.client.on("error", (e: Error) => {
            if (e.message === sentinel.lastError) return;
            sentinel.lastError = e.message;
            log.warn("sentinel connection failed", { sentinel: sentinel.where, error: e.message });
        });
        return sentinel;
    }

    async masterAddr(): Promise<MasterAddr | null> {
        // A connection being made (at start, or a reconnect) is waited for, so the first reconcile
        // does not fail, and log, only because it came before the handshake.
        if (this.client.status === "connecting" || this.client.status === "connect") await this.settled();
        if (this.client.status !== "ready") {
            // Without an offline queue ioredis would only say "Stream isn't writeable": say why instead.
            // Not its status, which flips between connecting and reconnecting: the reconciler logs
            // a failure again only when its text changes.
            throw new Error(`the Sentinel at ${this.where} is not connected${this.lastError === "" ? "" : `: ${this.lastError}`}`);
        }
        const reply = await this.client.call("SENTINEL", "get-master-addr-by-name", this.masterSet);
        if (reply === null) return null;
        if (!Array.isArray(reply) || reply.length !== 2 || typeof reply[0] !== "string" || !/^\d+$/.test(String(reply[1]))) {
            throw new Error(`the Sentinel at ${this.where} answered get-master-addr-by-name ${this.masterSet} with ${JSON.stringify(reply)}, not [host, port]`);
        }
        return { host: reply[0], port: Number(reply[1]) };
    }

    /** Resolves once the connection attempt in progress is ready or has failed (at most connectTimeout). */
    private settled(): Promise<void> {
        return new Promise((resolve) => {
            const done = () => {
                clearTimeout(timer);
                for (const event of ["ready", "error", "close"]) this.client.off(event, done);
                resolve();
            };
            const timer = setTimeout(done, CONNECT_TIMEOUT_MS);
            for (const event of ["ready", "error", "close"]) this.client.once(event, done);
        });
    }

    /** ioredis's state of the connection ("ready" when usable). */
    status(): string {
        return this.client.status;
    }

    /** QUIT the connection; disconnect when it is down. */
    async close(): Promise<void> {
        try {
            await this.client.quit();
        } catch {
            this.client.disconnect();
        }
    }
}
