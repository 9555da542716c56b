/**
 * The guestbook's data in Redis: writes go to the leader, reads to the followers, as upstream.
 *
 * Unlike upstream, a read falls back to the leader while the follower connection is down (or the
 * read through it fails): with guestbookFollowerReplicas 0 there is no redis-follower Service at
 * all, and while followers restart the leader still has every entry. A leader read is never less
 * fresh than a follower's, so the fallback only trades load for availability. Reads never fall
 * back the other way: writes go to the leader or fail.
 */
import Redis, { RedisOptions } from "ioredis";
import type { FrontendConfig } from "./config";
import { Logger } from "./log";

export type Role = "leader" | "follower";

/**
 * Commands fail at once while a connection is down (no offline queue) and time out when Redis
 * stalls, so a request answers 503 instead of hanging; the connection itself keeps retrying.
 */
export function redisOptions(config: FrontendConfig, role: Role): RedisOptions {
    const { host, port } = config[role];
    return {
        host,
        port,
        connectionName: `guestbook-frontend-${role}`,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: 5_000,
        commandTimeout: 2_000,
        retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    };
}

export class GuestbookStore {
    constructor(private readonly leader: Redis, private readonly follower: Redis, private readonly log: Logger) {}

    static connect(config: FrontendConfig, log: Logger): GuestbookStore {
        const open = (role: Role) => {
            const options = redisOptions(config, role);
            const client = new Redis(options);
            let lastError = "";
            client.on("ready", () => {
                lastError = "";
                log.info("redis connection ready", { role, host: options.host, port: options.port });
            });
            // ioredis reports every failed reconnect: log a failure once until the connection recovers.
            client.on("error", (e: Error) => {
                if (e.message === lastError) return;
                lastError = e.message;
                log.warn("redis connection failed", { role, host: options.host, port: options.port, error: e.message });
            });
            return client;
        };
        return new GuestbookStore(open("leader"), open("follower"), log);
    }

    async set(key: string, value: string): Promise<void> {
        await this.leader.set(key, value);
    }

    /** The value, "" when the key does not exist (what upstream answers); from a follower when one answers. */
    async get(key: string): Promise<{ value: string; from: Role }> {
        if (this.follower.status === "ready") {
            try {
                return { value: (await this.follower.get(key)) ?? "", from: "follower" };
            } catch (e) {
                this.log.warn("follower read failed; reading from the leader", { error: e instanceof Error ? e.message : String(e) });
            }
        }
        return { value: (await this.leader.get(key)) ?? "", from: "leader" };
    }

    status(): Record<Role, string> {
        return { leader: this.leader.status, follower: this.follower.status };
    }

    async close(): Promise<void> {
        await Promise.all([this.leader, this.follower].map(async (c) => {
            try {
                await c.quit();
            } catch {
                c.disconnect();
            }
        }));
    }
}
