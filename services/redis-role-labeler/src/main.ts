/**
 * The role labeler: settings from the environment (the password from its file), one Sentinel
 * connection, the Kubernetes API, the reconcile loop and the health server; on SIGTERM it stops the
 * loop (letting a reconcile in progress finish its patches, for at most 10 s, well inside the pod's
 * terminationGracePeriodSeconds), closes the server, quits the Sentinel connection and exits 0.
 */
import * as http from "http";
import { LabelerConfig, describeConfig, loadConfig } from "./config";
import { createHealthServer, healthMaxAgeMs } from "./health";
import { PodApi, kubePodApi } from "./kube";
import { Logger, createLogger, errorText } from "./log";
import { Reconciler, startLoop } from "./reconcile";
import { MasterSource, SentinelClient } from "./sentinel";

export interface Running {
    readonly server: http.Server;
    readonly reconciler: Reconciler;
    /** Resolves once the loop has stopped, the server is closed and the Sentinel connection quit. */
    shutdown(reason: string): Promise<void>;
}

/** What start() talks to; tests replace either. */
export interface Deps {
    readonly sentinel?: MasterSource & { close(): Promise<void> };
    readonly pods?: PodApi;
}

export function start(config: LabelerConfig, log: Logger, deps: Deps = {}): Promise<Running> {
    const sentinel = deps.sentinel ?? SentinelClient.connect(config, log);
    const pods = deps.pods ?? kubePodApi(config.namespace, config.podSelector);
    const reconciler = new Reconciler({ sentinel, pods, masterSet: config.masterSet, roleLabel: config.roleLabel, log });
    const maxAge = healthMaxAgeMs(config.intervalMs);
    const server = createHealthServer(() => reconciler.health(maxAge));
    let loop: { stop(): Promise<void> } | undefined;
    let stopping: Promise<void> | undefined;
    const shutdown = (reason: string): Promise<void> => {
        stopping ??= (async () => {
            log.info("shutting down", { reason });
            await loop?.stop();
            // Probe requests are short: close them rather than wait for idle keep-alive connections.
            await new Promise<void>((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            });
            await sentinel.close();
            log.info("stopped", { reason });
        })();
        return stopping;
    };
    return new Promise((resolve, reject) => {
        server.once("error", async (e) => {
            await sentinel.close();
            reject(e);
        });
        server.listen(config.port, () => {
            log.info("listening", describeConfig(config));
            loop = startLoop(reconciler, config.intervalMs, log);
            resolve({ server, reconciler, shutdown });
        });
    });
}

async function main(): Promise<void> {
    let config: LabelerConfig;
    try {
        config = loadConfig(process.env);
    } catch (e) {
        // EnvError messages name variables, paths and non-secret values only.
        createLogger().error(`redis-role-labeler: ${errorText(e)}`);
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
        process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: "error", msg: "redis-role-labeler failed to start", error: errorText(e) })}\n`);
        process.exit(1);
    });
}
