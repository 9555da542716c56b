/**
 * The guestbook frontend: settings from the environment, the leader and follower connections, the
 * HTTP server, and on SIGTERM a graceful stop (stop accepting, finish in-flight requests, QUIT).
 */
import * as http from "http";
import { FrontendConfig, loadConfig } from "./config";
import { Logger, createLogger, errorText } from "./log";
import { createFrontendServer } from "./server";
import { GuestbookStore } from "./store";

/** Well inside the pod's terminationGracePeriodSeconds (30 s). */
export const SHUTDOWN_GRACE_MS = 10_000;

export interface Running {
    readonly server: http.Server;
    readonly store: GuestbookStore;
    shutdown(reason: string): Promise<void>;
}

export function start(config: FrontendConfig, log: Logger): Promise<Running> {
    const store = GuestbookStore.connect(config, log);
    const server = createFrontendServer(store, log);
    let stopping: Promise<void> | undefined;
    const shutdown = (reason: string): Promise<void> => {
        stopping ??= (async () => {
            log.info("shutting down", { reason });
            await new Promise<void>((resolve) => {
                // close() stops accepting and resolves when every connection has ended; keep-alive
                // connections go as soon as they are idle (also those idle only once their request
                // is answered), the rest when the grace period is over.
                server.close(() => resolve());
                const idle = setInterval(() => server.closeIdleConnections(), 100);
                const cut = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
                server.once("close", () => { clearInterval(idle); clearTimeout(cut); });
            });
            await store.close();
            log.info("stopped", { reason });
        })();
        return stopping;
    };
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(config.port, () => {
            log.info("listening", { port: config.port, leader: config.leader, follower: config.follower });
            resolve({ server, store, shutdown });
        });
    });
}

async function main(): Promise<void> {
    const log = createLogger();
    let config: FrontendConfig;
    try {
        config = loadConfig(process.env);
    } catch (e) {
        log.error(`guestbook-frontend: ${errorText(e)}`);
        process.exit(1);
    }
    const running = await start(config, log);
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
        process.once(signal, () => {
            running.shutdown(signal).then(() => process.exit(0), (e) => {
                log.error("shutdown failed", { error: errorText(e) });
                process.exit(1);
            });
        });
    }
}

if (require.main === module) {
    main().catch((e) => {
        createLogger().error("guestbook-frontend failed to start", { error: errorText(e) });
        process.exit(1);
    });
}
