/**
 * The service's settings, from the environment the platform component sets
 * (components/platform/order-service.ts): every variable is checked once at start, and every bad
 * one is reported at once, so a wrong Deployment fails in its first log line, not on the first order.
 *
 * Two modes: direct (REDIS_HOST, REDIS_READ_HOST, REDIS_PORT: the replicated Redis's Services) and
 * Sentinel (REDIS_SENTINEL_HOST set: REDIS_SENTINEL_PORT and REDIS_SENTINEL_MASTER_SET say where to
 * ask which server is the master now). REDIS_PASSWORD is the password of Redis and Sentinel alike.
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
    /**
     * Set when REDIS_SENTINEL_HOST is: the service asks the Sentinels for the master (writes) and a
     * replica (reads) instead of using writeHost, readHost and redisPort (validated, but not used;
     * writeHost is "" when REDIS_HOST is not set). Absent in direct mode.
     */
    readonly sentinel?: SentinelSettings;
}

/** Where the Sentinels are and which master set to ask them about. */
export interface SentinelSettings {
    /** REDIS_SENTINEL_HOST: the Sentinels' Service (ioredis learns the other Sentinels from it). */
    readonly host: string;
    /** REDIS_SENTINEL_PORT, default 26379. */
    readonly port: number;
    /** REDIS_SENTINEL_MASTER_SET: the name in the Sentinels' `sentinel monitor` line (for example mymaster). */
    readonly masterSet: string;
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
const MASTER_SET = /^[A-Za-z0-9._-]+$/;
export const SENTINEL_PORT = 26379;

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
    const host = (name: string, required: boolean, example = "redis-master.redis.svc.cluster.local"): string | undefined => {
        const v = text(name);
        if (v === undefined) {
            if (required) problems.push(`${name} is not set; set it to the replicated Redis's write Service (the platform component does)`);
            return undefined;
        }
        if (!HOST.test(v)) problems.push(`${name}: ${JSON.stringify(v)} is not a host name; use a DNS name such as ${example}`);
        return v;
    };
    // Sentinel mode is chosen by REDIS_SENTINEL_HOST being set at all (even to a bad value, which is
    // reported below), so a Sentinel deployment is never also told that REDIS_HOST is missing.
    const sentinelMode = text("REDIS_SENTINEL_HOST") !== undefined;

    const config: ServiceConfig = {
        port: port("PORT", 8080),
        writeHost: host("REDIS_HOST", !sentinelMode) ?? "",
        readHost: host("REDIS_READ_HOST", false),
        redisPort: port("REDIS_PORT", 6379),
        // Not trimmed: a password is whatever the Secret holds.
        password: env.REDIS_PASSWORD === undefined || env.REDIS_PASSWORD === "" ? undefined : env.REDIS_PASSWORD,
    };
    const sentinelHost = host("REDIS_SENTINEL_HOST", false, "redis-sentinel.redis.svc.cluster.local");
    const sentinelPort = port("REDIS_SENTINEL_PORT", SENTINEL_PORT);
    const masterSet = text("REDIS_SENTINEL_MASTER_SET");
    if (masterSet === undefined) {
        if (sentinelMode) problems.push("REDIS_SENTINEL_MASTER_SET is not set; REDIS_SENTINEL_HOST is, so set it to the master set name the Sentinels monitor (for example mymaster)");
    } else if (!MASTER_SET.test(masterSet)) {
        problems.push(`REDIS_SENTINEL_MASTER_SET: ${JSON.stringify(masterSet)} is not a master set name; use letters, digits, '.', '_' or '-' (for example mymaster)`);
    }
    if (problems.length > 0) throw new EnvError(problems);
    return sentinelHost === undefined ? config : { ...config, sentinel: { host: sentinelHost, port: sentinelPort, masterSet: masterSet ?? "" } };
}

/**
 * What the start-up log line shows: the mode, hosts and ports (or the Sentinels and master set), and
 * whether a password is set (never the password).
 */
export function describeConfig(c: ServiceConfig): Record<string, string | number> {
    const auth = c.password === undefined ? "none" : "password from REDIS_PASSWORD";
    if (c.sentinel !== undefined) {
        const unused = [c.writeHost !== "" ? "REDIS_HOST" : "", c.readHost !== undefined ? "REDIS_READ_HOST" : ""].filter((n) => n !== "");
        return {
            port: c.port,
            redisMode: "sentinel",
            sentinel: `${c.sentinel.host}:${c.sentinel.port}`,
            masterSet: c.sentinel.masterSet,
            writeHost: "the master the Sentinels name (role master)",
            readHost: "a replica the Sentinels name (role slave)",
            redisAuth: c.password === undefined ? auth : `${auth} (Redis and Sentinel)`,
            ...(unused.length > 0 ? { notUsed: `${unused.join(" and ")} (Sentinel mode)` } : {}),
        };
    }
    return {
        port: c.port,
        redisMode: "direct",
        writeHost: c.writeHost,
        readHost: c.readHost ?? `${c.writeHost} (REDIS_READ_HOST not set: reads use the write connection)`,
        redisPort: c.redisPort,
        redisAuth: auth,
    };
}
