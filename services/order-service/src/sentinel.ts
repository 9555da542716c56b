/**
 * Connection options for Sentinel mode: each connection asks the Sentinels which server to use
 * (role "master" for writes, "slave" for reads, checked again by ioredis's ready check) and follows
 * a failover:
 *   - failoverDetector: the connection subscribes to +switch-master on the Sentinels and reconnects
 *     (asking them again) as soon as one announces a new master;
 *   - reconnectOnError on the write connection: a "-READONLY" reply means the server it writes to
 *     has been demoted to a replica (a failover the detector missed or has not announced yet), so it
 *     reconnects through the Sentinels. 2 asks ioredis to resend the failed command; with the offline
 *     queue off, a command that arrives while the connection is being replaced is refused at once
 *     instead of being queued, so the request answers 503 (Retry-After: 1) and a MULTI is never
 *     replayed piecemeal outside its transaction. The next request goes to the new master.
 * Everything else is as in direct mode (store.ts): no offline queue, timeouts, bounded retry delays.
 *
 * One more thing direct mode does not need: ioredis 5 ends a Sentinel connection for good (status
 * "end", every command "Connection is closed.") when a failover detector disconnects it while it is
 * still asking the Sentinels, which a failover makes likely (the promoted replica drops its clients,
 * no replica is listed for a moment, +switch-master arrives during the retry wait).
 * restartWhenEnded connects such a connection again, unless the service is closing it.
 */
import type Redis from "ioredis";
import type { RedisOptions } from "ioredis";
import type { SentinelSettings } from "./config";
import type { Role } from "./store";

/** The reply a write gets from a replica. */
export function isReadOnlyError(e: Error): boolean {
    return e.message.startsWith("READONLY");
}

/** What ioredis's reconnectOnError returns: 2 (reconnect, resend) for READONLY, otherwise false (keep the connection). */
export function reconnectOnReadOnly(e: Error): 2 | false {
    return isReadOnlyError(e) ? 2 : false;
}

export function sentinelOptions(sentinel: SentinelSettings, password: string | undefined, role: Role): RedisOptions {
    return {
        sentinels: [{ host: sentinel.host, port: sentinel.port }],
        name: sentinel.masterSet,
        role: role === "write" ? "master" : "slave",
        password,
        sentinelPassword: password,
        failoverDetector: true,
        ...(role === "write" ? { reconnectOnError: reconnectOnReadOnly } : {}),
        connectionName: `order-service-${role}`,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: 5_000,
        commandTimeout: 2_000,
        sentinelCommandTimeout: 2_000,
        // the server connection, after it was lost
        retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
        // asking the Sentinels again, after none of them answered (or named no server of the role)
        sentinelRetryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
        // the failover detector's own connections to the Sentinels (ioredis's default: every minute)
        sentinelReconnectStrategy: (attempt) => Math.min(attempt * 1_000, 10_000),
    };
}

/** After a connection ended without close() having asked for it: how long until it connects again. */
export const RESTART_DELAY_MS = 1_000;

/** Connects `client` again RESTART_DELAY_MS after each "end" that `closing()` did not cause; `restarting` is told first. */
export function restartWhenEnded(client: Redis, closing: () => boolean, restarting: () => void): void {
    client.on("end", () => {
        if (closing()) return;
        restarting();
        setTimeout(() => {
            // connect() rejects when the attempt fails; the "error" and "end" events report that.
            if (!closing() && client.status === "end") client.connect().catch(() => undefined);
        }, RESTART_DELAY_MS);
    });
}
