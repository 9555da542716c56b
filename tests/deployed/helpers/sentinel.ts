/**
 * ioredis through Sentinel, the way an application in the cluster connects (`sentinels` and
 * `name`), from this machine: the Sentinels answer with the nodes' in-cluster DNS names, which
 * this machine's resolver does not know, so a natMap turns each name into the pod's current address
 * (asked from the cluster's DNS, refreshed in the background while the pods come and go).
 */
import Redis from "ioredis";
import { restartWhenEnded, sentinelOptions } from "../../../services/order-service/src/sentinel";
import { resolveInCluster } from "./deployment";

export interface SentinelEndpoint {
    /** The Sentinel Service's DNS name, port and master set name (the stack's outputs). */
    readonly host: string;
    readonly port: number;
    readonly masterSet: string;
    readonly password: string;
    /** The nodes' DNS names (redis-node-N.redis-headless.<ns>.svc.cluster.local). */
    readonly nodes: readonly string[];
}

export interface SentinelClient {
    readonly redis: Redis;
    close(): void;
}

/**
 * A Sentinel-aware client of the master (or of a replica) with the order service's own connection
 * options (timeouts, retry delays, failover detector, READONLY reconnect) and its restart of a
 * connection ioredis ended, plus a natMap kept current.
 */
export async function sentinelClient(e: SentinelEndpoint, role: "master" | "slave" = "master"): Promise<SentinelClient> {
    const addresses = new Map<string, string>();
    const refresh = async () => {
        await Promise.all(e.nodes.map(async (n) => {
            const ip = await resolveInCluster(n).catch(() => undefined);
            if (ip) addresses.set(n, ip);
        }));
    };
    await refresh();
    const timer = setInterval(() => void refresh(), 250);
    const settings = { host: await resolveInCluster(e.host), port: e.port, masterSet: e.masterSet };
    const redis = new Redis({
        ...sentinelOptions(settings, e.password, role === "master" ? "write" : "read"),
        // Only the Service's address: the Sentinels announce their own in-cluster names.
        updateSentinels: false,
        natMap: (key: string) => {
            const [host, port] = key.split(":");
            const ip = addresses.get(host);
            return ip ? { host: ip, port: Number(port) } : null;
        },
    });
    let closing = false;
    redis.on("error", () => undefined);
    restartWhenEnded(redis, () => closing, () => undefined);
    return { redis, close: () => { closing = true; clearInterval(timer); redis.disconnect(); } };
}

/**
 * Writes continuously (SET, then WAIT 1 1000) through `client`, runs `kill` (deletes the master's
 * pod) after `beforeMs`, and keeps writing until `switched()` says another node is master and
 * `afterWrites` more writes succeeded. Reports the longest pause between two successful writes.
 */
export async function failoverDrill(client: Redis, tag: string, kill: () => Promise<void>, switched: () => Promise<boolean>,
    beforeMs = 3000, afterWrites = 20): Promise<{ gapMs: number; acked: string[]; unacked: string[] }> {
    const acked: string[] = [];
    const unacked: string[] = [];
    let last = Date.now();
    let gapMs = 0;
    let killedAt = 0;
    let after = 0;
    let isSwitched = false;
    let lastError = "none";
    let poller: NodeJS.Timeout | undefined;
    const start = Date.now();
    try {
        for (let i = 0; after < afterWrites; i++) {
            if (!killedAt && Date.now() - start > beforeMs) {
                killedAt = Date.now();
                void kill();
                poller = setInterval(() => void switched().then((s) => { isSwitched ||= s; }, () => undefined), 250);
            }
            if (killedAt && Date.now() - killedAt > 120_000) {
                throw new Error(`no failover within 120 s of the master's deletion (switched: ${isSwitched}, ${after} writes after it, ` +
                    `client ${client.status}, last error: ${lastError})`);
            }
            const key = `drill:${tag}:${i}`;
            try {
                await client.set(key, String(i));
                const replicas = Number(await client.call("WAIT", "1", "1000"));
                (replicas >= 1 ? acked : unacked).push(key);
                const now = Date.now();
                gapMs = Math.max(gapMs, now - last);
                last = now;
                if (isSwitched) after++;
            } catch (err) {
                lastError = (err as Error).message;
                await new Promise((r) => setTimeout(r, 100));
            }
        }
    } finally {
        if (poller) clearInterval(poller);
    }
    return { gapMs, acked, unacked };
}
