/**
 * The service's settings, from the environment the platform component sets
 * (components/platform/order-service.ts): every variable is checked once at start, and every bad
 * one is reported at once, so a wrong Deployment fails in its first log line, not on the first order.
 */

export interface ServiceConfig {
    /** HTTP port (PORT, default 8080: the port the gateway's upstreams use). */
    readonly port: number;
    /** The replicated Redis's write Service, the master (REDIS_HOST). */
    readonly writeHost: string;
    /** Its read Service, the replicas (REDIS_READ_HOST); undefined: reads share the write connection. */
    readonly readHost?: string;
    /** REDIS_PORT, default 6379, for both hosts. */
    readonly redisPort: number;
    /** REDIS_PASSWORD (from the Secret, by secretKeyRef); undefined when Redis has no password. Never logged. */
    readonly password?: string;
}

/** The environment is wrong; `problems` holds one line per bad variable (never a variable's secret value). */
export class EnvError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "EnvError";
    }
}

// A DNS name or an IPv4 address: what a Service host or a loopback test server looks like.
const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
    const problems: string[] = [];
    const text = (name: string): string | undefined => {
        const v = env[name]?.trim();
        return v === undefined || v === "" ? undefined : v;
    };
    const port = (name: string, fallback: number): number => {
        const v = text(name);
        if (v === undefined) return fallback;
        const n = Number(v);
        if (!/^\d+$/.test(v) || n < 1 || n > 65535) {
            problems.push(`${name}: ${JSON.stringify(v)} is not a port; use a whole number from 1 to 65535`);
            return fallback;
        }
        return n;
    };
    const host = (name: string, required: boolean): string | undefined => {
        const v = text(name);
        if (v === undefined) {
            if (required) problems.push(`${name} is not set; set it to the replicated Redis's write Service (the platform component does)`);
            return undefined;
        }
        if (!HOST.test(v)) problems.push(`${name}: ${JSON.stringify(v)} is not a host name; use a DNS name such as redis-master.redis.svc.cluster.local`);
        return v;
    };

    const config: ServiceConfig = {
        port: port("PORT", 8080),
        writeHost: host("REDIS_HOST", true) ?? "",
        readHost: host("REDIS_READ_HOST", false),
        redisPort: port("REDIS_PORT", 6379),
        // Not trimmed: a password is whatever the Secret holds.
        password: env.REDIS_PASSWORD === undefined || env.REDIS_PASSWORD === "" ? undefined : env.REDIS_PASSWORD,
    };
    if (problems.length > 0) throw new EnvError(problems);
    return config;
}

/** What the start-up log line shows: hosts and ports, and whether a password is set (never the password). */
export function describeConfig(c: ServiceConfig): Record<string, string | number> {
    return {
        port: c.port,
        writeHost: c.writeHost,
        readHost: c.readHost ?? `${c.writeHost} (REDIS_READ_HOST not set: reads use the write connection)`,
        redisPort: c.redisPort,
        redisAuth: c.password === undefined ? "none" : "password from REDIS_PASSWORD",
    };
}
