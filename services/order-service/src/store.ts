/**
 * Orders in the replicated Redis, written through the master and read through the replicas.
 *
 * Layout:
 *   order:<id>          string, the order as JSON ({id, customerId, items, createdAt})
 *   orders:by-created   sorted set, member <id>, score createdAt in milliseconds
 * An order is read whole and never updated, and its items are a nested list a hash could only hold
 * as JSON anyway: one string makes a read one GET. The sorted set lists newest first with a bounded
 * ZREVRANGE instead of a SCAN over the keyspace. Both keys are written in one MULTI, so the index
 * never names a missing order, and the replicas apply the transaction as one unit too.
 *
 * Direct mode connects to the hosts of the configuration; Sentinel mode asks the Sentinels for the
 * master and a replica (sentinel.ts). Both give the same two connections, with the same readiness.
 */
import { randomUUID } from "crypto";
import Redis, { RedisOptions } from "ioredis";
import type { ServiceConfig } from "./config";
import { Logger, errorText } from "./log";
import { RESTART_DELAY_MS, restartWhenEnded, sentinelOptions } from "./sentinel";
import type { NewOrder } from "./validation";

export interface StoredOrder extends NewOrder {
    readonly id: string;
    readonly createdAt: string;
}

export const KEYS = {
    order: (id: string): string => `order:${id}`,
    byCreated: "orders:by-created",
} as const;

/** Ids this service generates (random UUIDs); anything else cannot name an order, so it is not looked up. */
const ORDER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export type Role = "write" | "read";

/**
 * Commands fail at once while a connection is down (no offline queue) and time out when Redis
 * stalls, so a request answers 503 instead of hanging; the connection itself retries forever.
 */
export function redisOptions(config: ServiceConfig, role: Role): RedisOptions {
    return {
        host: role === "read" ? config.readHost ?? config.writeHost : config.writeHost,
        port: config.redisPort,
        password: config.password,
        connectionName: `order-service-${role}`,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: 5_000,
        commandTimeout: 2_000,
        retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    };
}

export class OrderStore {
    /** Set by close(): connections that end from then on are not restarted. */
    private closing = false;

    constructor(private readonly write: Redis, private readonly read: Redis) {}

    /**
     * Two connections, or one when no read host is configured (no replicas: reads go to the master).
     * Sentinel mode always opens two: the master's and a replica's, both named by the Sentinels.
     */
    static connect(config: ServiceConfig, log: Logger): OrderStore {
        const sentinel = config.sentinel;
        let store: OrderStore | undefined;
        const closing = () => store?.closing ?? false;
        const open = (role: Role) => {
            const options = sentinel ? sentinelOptions(sentinel, config.password, role) : redisOptions(config, role);
            // Where the connection goes, for its log lines: the host, or the Sentinels and master set.
            const target = sentinel
                ? { sentinel: `${sentinel.host}:${sentinel.port}`, masterSet: sentinel.masterSet }
                : { host: options.host, port: options.port };
            const client = new Redis(options);
            let lastError = "";
            client.on("ready", () => {
                lastError = "";
                // Through Sentinel, the server is the one the Sentinels named: log its address too.
                const server = sentinel ? { server: `${client.stream?.remoteAddress}:${client.stream?.remotePort}` } : {};
                log.info("redis connection ready", { role, ...target, ...server });
            });
            // ioredis reports every failed reconnect: log a failure once until the connection recovers.
            const failed = (e: Error) => {
                if (e.message === lastError) return;
                lastError = e.message;
                log.warn("redis connection failed", { role, ...target, error: e.message });
            };
            client.on("error", failed);
            // A Sentinel that does not answer, or names no server of the role (the next is tried).
            if (sentinel) {
                client.on("sentinelError", failed);
                restartWhenEnded(client, closing, () => log.warn("redis connection ended; connecting again", { role, ...target, inMs: RESTART_DELAY_MS }));
            }
            return client;
        };
        const write = open("write");
        store = new OrderStore(write, config.readHost === undefined && !sentinel ? write : open("read"));
        return store;
    }

    async create(order: NewOrder, now = new Date()): Promise<StoredOrder> {
        const stored: StoredOrder = { id: randomUUID(), customerId: order.customerId, items: order.items, createdAt: now.toISOString() };
        const results = await this.write.multi()
            .set(KEYS.order(stored.id), JSON.stringify(stored))
            .zadd(KEYS.byCreated, now.getTime(), stored.id)
            .exec();
        const failed = (results ?? []).find(([e]) => e !== null);
        if (results === null || failed) throw new Error(`storing order ${stored.id} failed: ${failed ? errorText(failed[0]) : "transaction aborted"}`);
        return stored;
    }

    async get(id: string): Promise<StoredOrder | undefined> {
        if (!ORDER_ID.test(id)) return undefined;
        const json = await this.read.get(KEYS.order(id));
        return json === null ? undefined : (JSON.parse(json) as StoredOrder);
    }

    /** The newest `limit` orders, newest first. */
    async list(limit: number): Promise<StoredOrder[]> {
        const ids = await this.read.zrevrange(KEYS.byCreated, 0, limit - 1);
        if (ids.length === 0) return [];
        const values = await this.read.mget(ids.map(KEYS.order));
        return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as StoredOrder);
    }

    /** ioredis's state of each connection ("ready" when usable). */
    status(): Record<Role, string> {
        return { write: this.write.status, read: this.read.status };
    }

    isReady(): boolean {
        return this.write.status === "ready" && this.read.status === "ready";
    }

    /**
     * QUIT each connection (replies still pending are delivered first); disconnect when it is down.
     * Through Sentinel, disconnect after QUIT as well: QUIT leaves the failover detector's
     * subscriptions to the Sentinels open (and reconnecting), and only disconnect() ends them.
     */
    async close(): Promise<void> {
        this.closing = true;
        const clients = this.read === this.write ? [this.write] : [this.write, this.read];
        await Promise.all(clients.map(async (c) => {
            try {
                await c.quit();
                if (c.options.sentinels) c.disconnect();
            } catch {
                c.disconnect();
            }
        }));
    }
}
