/**
 * The frontend's settings, from the environment (components/guestbook sets GET_HOSTS_FROM=dns).
 * Redis hosts are found the way the upstream gb-frontend finds them, so the same Deployment env
 * works for either image:
 *   GET_HOSTS_FROM=dns (default)  redis-leader / redis-follower, port 6379
 *   GET_HOSTS_FROM=env            REDIS_LEADER_SERVICE_HOST / REDIS_FOLLOWER_SERVICE_HOST and their
 *                                 *_SERVICE_PORT, the variables Kubernetes sets for Services that
 *                                 existed when the pod started
 * Every bad variable is reported at once, at start.
 */

export interface FrontendConfig {
    /** HTTP port (PORT, default 8080: non-root, so no port below 1024). */
    readonly port: number;
    readonly leader: { readonly host: string; readonly port: number };
    readonly follower: { readonly host: string; readonly port: number };
}

export class EnvError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "EnvError";
    }
}

export const DNS_HOSTS = { leader: "redis-leader", follower: "redis-follower" } as const;
export const REDIS_PORT = 6379;

// A DNS name or an IPv4 address (what a Service name or its ClusterIP looks like).
const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): FrontendConfig {
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
    const host = (name: string): string => {
        const v = text(name);
        if (v === undefined) {
            problems.push(`${name} is not set; with GET_HOSTS_FROM=env the Redis Services must exist before the pod starts (or use GET_HOSTS_FROM=dns)`);
            return "";
        }
        if (!HOST.test(v)) problems.push(`${name}: ${JSON.stringify(v)} is not a host name or address`);
        return v;
    };

    const mode = text("GET_HOSTS_FROM") ?? "dns";
    if (mode !== "dns" && mode !== "env") problems.push(`GET_HOSTS_FROM: ${JSON.stringify(mode)} is not dns or env`);
    const fromEnv = mode === "env";
    const config: FrontendConfig = {
        port: port("PORT", 8080),
        leader: fromEnv
            ? { host: host("REDIS_LEADER_SERVICE_HOST"), port: port("REDIS_LEADER_SERVICE_PORT", REDIS_PORT) }
            : { host: DNS_HOSTS.leader, port: REDIS_PORT },
        follower: fromEnv
            ? { host: host("REDIS_FOLLOWER_SERVICE_HOST"), port: port("REDIS_FOLLOWER_SERVICE_PORT", REDIS_PORT) }
            : { host: DNS_HOSTS.follower, port: REDIS_PORT },
    };
    if (problems.length > 0) throw new EnvError(problems);
    return config;
}
