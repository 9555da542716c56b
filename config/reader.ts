/**
 * The shared reader of the stack configuration: converts raw values (strings, as the Pulumi CLI
 * hands them over) and checks each, collecting every problem before the config module fails.
 * Section parsers (config/platform.ts, ...) and config.ts use it, so every kind of value gets
 * the same checks and the same message wherever it appears.
 */
import { formatBytes, parseQuantity } from "../components/shared/quantity";

export const PROJECT = "redis-platform";

/** Share of the container memory limit that Redis may use for data when maxmemory is "auto". */
export const AUTO_MAXMEMORY_SHARE = 0.75;

const MAXMEMORY_POLICIES = [
    "noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random",
    "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
] as const;

export interface Resources {
    readonly cpuRequest: string;
    readonly cpuLimit: string;
    readonly memoryRequest: string;
    readonly memoryLimit: string;
}

export interface RedisSizing extends Resources {
    /** maxmemory in bytes, always below the memory limit. */
    readonly maxmemoryBytes: number;
    readonly maxmemoryPolicy: string;
}

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Reads raw string values, converting and checking each; collects every problem before failing. */
export class Reader {
    readonly problems: string[] = [];
    constructor(private readonly raw: (key: string) => string | undefined) {}

    private fail(key: string, message: string): undefined {
        this.problems.push(`${PROJECT}:${key}: ${message}`);
        return undefined;
    }

    value(key: string): string | undefined {
        const v = this.raw(key);
        if (v === undefined) {
            return this.fail(key, "is not set; Pulumi.yaml declares its default, so run the program through the Pulumi CLI or set the key in Pulumi.<stack>.yaml");
        }
        return v;
    }

    str(key: string): string {
        return this.value(key) ?? "";
    }

    int(key: string, min: number, max: number): number {
        const v = this.value(key);
        const allowed = `use a whole number from ${min} to ${max}`;
        if (v === undefined) return min;
        if (!/^-?\d+$/.test(v.trim())) return this.fail(key, `${JSON.stringify(v)} is not a whole number; ${allowed}`) ?? min;
        const n = Number(v);
        if (n < min || n > max) return this.fail(key, `${n} is out of range; ${allowed}`) ?? min;
        return n;
    }

    bool(key: string): boolean {
        const v = this.value(key);
        if (v === "true" || v === "false") return v === "true";
        if (v !== undefined) this.fail(key, `${JSON.stringify(v)} is not a boolean; use true or false`);
        return false;
    }

    oneOf<T extends string>(key: string, allowed: readonly T[], what = "allowed"): T {
        const v = this.value(key);
        if (v !== undefined && !(allowed as readonly string[]).includes(v)) {
            this.fail(key, `${JSON.stringify(v)} is not ${what}; use one of ${allowed.join(", ")}`);
        }
        return (v ?? allowed[0]) as T;
    }

    /** `value` is undefined when the key is missing or malformed (already reported): skip comparisons then. */
    quantity(key: string): { text: string; value?: number } {
        const v = this.value(key);
        const value = v === undefined ? undefined : parseQuantity(v);
        if (v !== undefined && value === undefined) {
            this.fail(key, `${JSON.stringify(v)} is not a Kubernetes quantity; use a number with an optional suffix Ki, Mi, Gi, Ti, k, M, G, T or m (for example 128Mi or 250m)`);
        }
        return { text: v ?? "0", value };
    }

    image(key: string): string {
        const v = this.str(key);
        const lastPart = v.slice(v.lastIndexOf("/") + 1);
        if (v.includes("@sha256:")) return v;
        if (!lastPart.includes(":")) this.fail(key, `${JSON.stringify(v)} has no tag; pin a version tag (for example ${v || "redis"}:<version>)`);
        else if (lastPart.endsWith(":latest")) this.fail(key, `${JSON.stringify(v)} uses the latest tag; pin a version tag`);
        return v;
    }

    namespace(key: string, taken: Map<string, string>): string {
        const v = this.str(key);
        if (!NAMESPACE.test(v) || v.length > 63) {
            this.fail(key, `${JSON.stringify(v)} is not a valid namespace name; use lowercase letters, digits and '-' (at most 63 characters)`);
        } else if (v === "default" || v.startsWith("kube-")) {
            this.fail(key, `${JSON.stringify(v)} is not allowed; each system gets a namespace of its own, not default or kube-*`);
        } else if (taken.has(v)) {
            this.fail(key, `${JSON.stringify(v)} is already used by ${taken.get(v)}; each system needs its own namespace`);
        }
        taken.set(v, key);
        return v;
    }

    json<T>(key: string): T | undefined {
        const v = this.value(key);
        if (v === undefined) return undefined;
        try {
            return JSON.parse(v) as T;
        } catch {
            return this.fail(key, `${JSON.stringify(v)} is not valid JSON`);
        }
    }

    /** Requests and limits for one container kind; a request may not exceed its limit. */
    resources(prefix: string): Resources & { memoryLimitBytes: number } {
        const [cpuRequest, cpuLimit] = [this.quantity(`${prefix}CpuRequest`), this.quantity(`${prefix}CpuLimit`)];
        const [memoryRequest, memoryLimit] = [this.quantity(`${prefix}MemoryRequest`), this.quantity(`${prefix}MemoryLimit`)];
        for (const [kind, req, lim] of [["Cpu", cpuRequest, cpuLimit], ["Memory", memoryRequest, memoryLimit]] as const) {
            if (req.value !== undefined && lim.value !== undefined && req.value > lim.value) {
                this.fail(`${prefix}${kind}Request`, `${req.text} is above ${prefix}${kind}Limit (${lim.text}); a request may not exceed its limit`);
            }
        }
        return {
            cpuRequest: cpuRequest.text, cpuLimit: cpuLimit.text,
            memoryRequest: memoryRequest.text, memoryLimit: memoryLimit.text,
            memoryLimitBytes: memoryLimit.value ?? 0,
        };
    }

    /** Redis sizing: maxmemory stays below the memory limit, leaving room for Redis's own overhead. */
    redis(prefix: string, maxmemoryKey?: string, policyKey?: string, fixedPolicy = "noeviction"): RedisSizing {
        const { memoryLimitBytes, ...resources } = this.resources(prefix);
        const maxmemoryPolicy = policyKey === undefined ? fixedPolicy : this.oneOf(policyKey, MAXMEMORY_POLICIES, "a Redis maxmemory-policy");
        const auto = Math.floor(memoryLimitBytes * AUTO_MAXMEMORY_SHARE);
        if (maxmemoryKey === undefined || this.str(maxmemoryKey) === "auto") {
            return { ...resources, maxmemoryBytes: auto, maxmemoryPolicy };
        }
        const q = this.quantity(maxmemoryKey);
        if (q.value !== undefined && memoryLimitBytes > 0) {
            if (q.value >= memoryLimitBytes) {
                this.fail(maxmemoryKey, `${q.text} is at or above ${prefix}MemoryLimit (${resources.memoryLimit}); use "auto" (${AUTO_MAXMEMORY_SHARE * 100}% of the limit, ${formatBytes(auto)}) or a quantity below the limit`);
            } else if (q.value < 1024 * 1024) {
                this.fail(maxmemoryKey, `${q.text} is below 1Mi; use "auto" or a quantity from 1Mi up to below ${prefix}MemoryLimit`);
            }
        }
        return { ...resources, maxmemoryBytes: Math.floor(q.value ?? auto), maxmemoryPolicy };
    }
}
