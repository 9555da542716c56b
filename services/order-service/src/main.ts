/**
 * The order service: settings from the environment, two Redis connections, the HTTP server, and a
 * graceful stop on SIGTERM (what the kubelet sends): stop accepting, let in-flight requests finish,
 * QUIT Redis, exit 0. Connections still open after SHUTDOWN_GRACE_MS are cut, well inside the
 * pod's terminationGracePeriodSeconds (30 s), so the kubelet never has to SIGKILL it.
 */
import { ServiceConfig, describeConfig, loadConfig } from "./config";
import { Logger, createLogger, errorText } from "./log";
import { OrderServer, createOrderServer } from "./server";
import { OrderStore } from "./store";

export const SHUTDOWN_GRACE_MS = 10_000;

export interface Running {
    readonly app: OrderServer;
    readonly store: OrderStore;
    /** Resolves once the server is closed and Redis has been quit. */
    shutdown(reason: string): Promise<void>;
}

export function start(config: ServiceConfig, log: Logger): Promise<Running> {
    const store = OrderStore.connect(config, log);
    const app = createOrderServer(store, log);
    let stopping: Promise<void> | undefined;
    const shutdown = (reason: string): Promise<void> => {
        stopping ??= (async () => {
            log.info("shutting down", { reason, inFlight: app.inFlight() });
            app.startDraining();
            await new Promise<void>((resolve) => {
                // close() stops accepting and resolves when every connection has ended; keep-alive
                // connections go as soon as they are idle, the rest when the grace period is over.
                app.server.close(() => resolve());
                const idle = setInterval(() => app.server.closeIdleConnections(), 100);
                const cut = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
                app.server.once("close", () => { clearInterval(idle); clearTimeout(cut); });
            });
            await store.close();
            log.info("stopped", { reason });
        })();
        return stopping;
    };
    return new Promise((resolve, reject) => {
        app.server.once("error", reject);
        app.server.listen(config.port, () => {
            log.info("listening", describeConfig(config));
            resolve({ app, store, shutdown });
        });
    });
}

async function main(): Promise<void> {
    let config: ServiceConfig;
    try {
        config = loadConfig(process.env);
    } catch (e) {
        // EnvError messages name variables and non-secret values only.
        createLogger().error(`order-service: ${errorText(e)}`);
        process.exit(1);
    }
    const log = createLogger({ secrets: [config.password] });
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
        process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: "error", msg: "order-service failed to start", error: errorText(e) })}\n`);
        process.exit(1);
    });
}
