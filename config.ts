/**
 * Stack configuration: every key is declared with its type and default in Pulumi.yaml; this module
 * parses and validates all of them once and hands a frozen, typed StackConfig to the program.
 * Every config error message lives here. Bad input stops the program before any resource exists.
 */
import * as pulumi from "@pulumi/pulumi";
import { formatBytes, parseQuantity } from "./components/shared/quantity";

export const PROJECT = "redis-platform";
export const ENVIRONMENTS = ["dev", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** Share of the container memory limit that Redis may use for data when maxmemory is "auto". */
export const AUTO_MAXMEMORY_SHARE = 0.75;

const MAXMEMORY_POLICIES = [
    "noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random",
    "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
] as const;
const SERVICE_TYPES = ["ClusterIP", "NodePort", "LoadBalancer"] as const;
const RETENTION = ["Delete", "Retain"] as const;

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

export interface PolicyExemption {
    readonly rule: string;
    /** `<Kind>/<namespace>/<name>` of the exempted resource. */
    readonly resource: string;
    readonly reason: string;
}

export interface StackConfig {
    readonly environment: Environment;
    readonly cluster: {
        /** Kubeconfig path; undefined means the ambient kubeconfig (KUBECONFIG or ~/.kube/config). */
        readonly kubeconfig?: string;
        readonly context: string;
        /** Set when a prod stack deliberately targets a dev context (the reason, logged). */
        readonly guardOverride?: string;
    };
    readonly policyExemptions: readonly PolicyExemption[];
    readonly cache: {
        readonly namespace: string;
        readonly image: string;
        readonly replicas: number;
        readonly redis: RedisSizing;
    };
    readonly replicated: {
        readonly namespace: string;
        readonly image: string;
        readonly replicas: number;
        readonly persistence: boolean;
        readonly storageClass: string;
        readonly storageSize: string;
        readonly pvcRetention: "Delete" | "Retain";
        readonly passwordLength: number;
        readonly redis: RedisSizing;
    };
    readonly platform: {
        readonly namespace: string;
        readonly quota: {
            readonly requestsCpu: string;
            readonly requestsMemory: string;
            readonly limitsCpu: string;
            readonly limitsMemory: string;
            readonly pods: number;
        };
        readonly limitRange: { readonly defaultRequest: { cpu: string; memory: string }; readonly default: { cpu: string; memory: string } };
        readonly gatewayImage: string;
        readonly gatewayReplicas: number;
        readonly echoImage: string;
        readonly serviceReplicas: number;
        readonly resources: Resources;
        readonly ingress: { readonly enabled: boolean; readonly className: string; readonly host: string; readonly await: boolean };
        readonly hpa: { readonly minReplicas: number; readonly maxReplicas: number; readonly cpuTarget: number };
    };
    readonly guestbook: {
        readonly enabled: boolean;
        readonly namespace: string;
        readonly frontendImage: string;
        readonly frontendReplicas: number;
        readonly serviceType: (typeof SERVICE_TYPES)[number];
        readonly redisImage: string;
        readonly followerReplicas: number;
        readonly resources: Resources;
        readonly redis: RedisSizing;
        /** False only when stack config exempts the frontend from pod-security-restricted. */
        readonly frontendRestricted: boolean;
    };
}

/** Raised for invalid configuration; `problems` holds one message per bad key. */
export class ConfigError extends pulumi.RunError {
    constructor(readonly problems: readonly string[]) {
        super(`Invalid stack configuration (nothing was changed):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const RESOURCE_ID = /^[A-Z][A-Za-z]+\/[a-z0-9-]+\/[a-z0-9.-]+$/;

/** Reads raw string values, converting and checking each; collects every problem before failing. */
class Reader {
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

function parseExemptions(r: Reader): PolicyExemption[] {
    const list = r.json<unknown>("policyExemptions") ?? [];
    if (!Array.isArray(list)) {
        r.problems.push(`${PROJECT}:policyExemptions: must be a list of {rule, resource, reason}`);
        return [];
    }
    return list.flatMap((item: unknown, i: number) => {
        const e = (item ?? {}) as Record<string, unknown>;
        const at = `${PROJECT}:policyExemptions[${i}]`;
        const bad: string[] = [];
        if (typeof e.rule !== "string" || e.rule === "") bad.push(`${at}: rule is missing; name the policy rule to exempt`);
        if (typeof e.resource !== "string" || !RESOURCE_ID.test(e.resource)) {
            bad.push(`${at}: resource ${JSON.stringify(e.resource ?? null)} is not of the form <Kind>/<namespace>/<name> (for example Deployment/guestbook/frontend)`);
        }
        if (typeof e.reason !== "string" || e.reason.trim() === "") bad.push(`${at}: reason is missing; every exemption must say why`);
        r.problems.push(...bad);
        return bad.length ? [] : [{ rule: e.rule as string, resource: e.resource as string, reason: (e.reason as string).trim() }];
    });
}

/** Parses and validates raw config values (as the Pulumi CLI hands them over: strings, JSON for lists). */
export function parseConfig(raw: (key: string) => string | undefined): StackConfig {
    const r = new Reader(raw);
    const environment = r.oneOf("environment", ENVIRONMENTS, "a known environment");
    const kubeconfig = r.str("kubeconfig");
    const context = r.str("kubeContext");
    const devContexts = r.json<string[]>("devContexts") ?? [];
    const guardOverride = r.str("clusterGuardOverride").trim();
    if (environment === "prod" && devContexts.includes(context) && guardOverride === "") {
        r.problems.push(`${PROJECT}:kubeContext: "${context}" is a development cluster context (listed in devContexts) and this is a prod stack; point kubeContext at the prod cluster, or set clusterGuardOverride to a reason (CI previews only)`);
    }
    const policyExemptions = parseExemptions(r);

    const namespaces = new Map<string, string>();
    const cache = {
        namespace: r.namespace("cacheNamespace", namespaces),
        image: r.image("cacheImage"),
        replicas: r.int("cacheReplicas", 1, 50),
        redis: r.redis("cache", "cacheMaxmemory", "cacheMaxmemoryPolicy"),
    };

    const replicas = r.int("replicatedReplicas", 0, 10);
    const persistence = r.bool("replicatedPersistence");
    if (replicas > 0 && !persistence) {
        r.problems.push(`${PROJECT}:replicatedPersistence: false is not allowed while replicatedReplicas is ${replicas}; a master that restarts empty wipes its replicas, so set it to true (or replicatedReplicas to 0)`);
    }
    const storageSize = r.quantity("replicatedStorageSize");
    const replicated = {
        namespace: r.namespace("replicatedNamespace", namespaces),
        image: r.image("replicatedImage"),
        replicas,
        persistence,
        storageClass: r.str("replicatedStorageClass"),
        storageSize: storageSize.text,
        pvcRetention: r.oneOf("replicatedPvcRetention", RETENTION),
        passwordLength: r.int("replicatedPasswordLength", 16, 128),
        redis: r.redis("replicated", "replicatedMaxmemory", "replicatedMaxmemoryPolicy"),
    };

    const hpa = { minReplicas: r.int("hpaMinReplicas", 1, 100), maxReplicas: r.int("hpaMaxReplicas", 1, 100), cpuTarget: r.int("hpaCpuTarget", 1, 100) };
    if (hpa.minReplicas > hpa.maxReplicas) {
        r.problems.push(`${PROJECT}:hpaMinReplicas: ${hpa.minReplicas} is above hpaMaxReplicas (${hpa.maxReplicas}); use a value from 1 to ${hpa.maxReplicas}`);
    }
    const ingressHost = r.str("ingressHost");
    if (!HOSTNAME.test(ingressHost)) {
        r.problems.push(`${PROJECT}:ingressHost: ${JSON.stringify(ingressHost)} is not a valid host name; use a lowercase DNS name such as shop.example.com`);
    }
    const limitRange = {
        defaultRequest: { cpu: r.quantity("platformDefaultCpuRequest").text, memory: r.quantity("platformDefaultMemoryRequest").text },
        default: { cpu: r.quantity("platformDefaultCpuLimit").text, memory: r.quantity("platformDefaultMemoryLimit").text },
    };
    const platform = {
        namespace: r.namespace("platformNamespace", namespaces),
        quota: {
            requestsCpu: r.quantity("platformQuotaRequestsCpu").text,
            requestsMemory: r.quantity("platformQuotaRequestsMemory").text,
            limitsCpu: r.quantity("platformQuotaLimitsCpu").text,
            limitsMemory: r.quantity("platformQuotaLimitsMemory").text,
            pods: r.int("platformQuotaPods", 1, 1000),
        },
        limitRange,
        gatewayImage: r.image("gatewayImage"),
        gatewayReplicas: r.int("gatewayReplicas", 1, 50),
        echoImage: r.image("echoImage"),
        serviceReplicas: r.int("serviceReplicas", 1, 50),
        resources: r.resources("platform"),
        ingress: { enabled: r.bool("ingressEnabled"), className: r.str("ingressClass"), host: ingressHost, await: r.bool("ingressAwait") },
        hpa,
    };
    checkQuota(r, platform);

    const guestbookEnabled = r.bool("guestbookEnabled");
    const guestbookResources = r.resources("guestbook");
    const guestbookNamespace = guestbookEnabled ? r.namespace("guestbookNamespace", namespaces) : r.str("guestbookNamespace");
    const frontendExempt = policyExemptions.some((e) => e.rule === "pod-security-restricted" && e.resource === `Deployment/${guestbookNamespace}/frontend`);
    const guestbook = {
        enabled: guestbookEnabled,
        namespace: guestbookNamespace,
        frontendImage: r.image("guestbookFrontendImage"),
        frontendReplicas: r.int("guestbookFrontendReplicas", 1, 50),
        serviceType: r.oneOf("guestbookServiceType", SERVICE_TYPES, "a Service type"),
        redisImage: r.image("guestbookRedisImage"),
        followerReplicas: r.int("guestbookFollowerReplicas", 0, 10),
        resources: guestbookResources,
        redis: r.redis("guestbook"),
        frontendRestricted: !frontendExempt,
    };
    const { memoryLimitBytes: _platformLimit, ...platformResources } = platform.resources;
    const { memoryLimitBytes: _guestbookLimit, ...gbResources } = guestbook.resources;

    if (r.problems.length > 0) {
        throw new ConfigError(r.problems);
    }
    return deepFreeze({
        environment,
        cluster: { kubeconfig: kubeconfig === "" ? undefined : kubeconfig, context, guardOverride: guardOverride === "" ? undefined : guardOverride },
        policyExemptions,
        cache,
        replicated,
        platform: { ...platform, resources: platformResources },
        guestbook: { ...guestbook, resources: gbResources },
    });
}

/** The platform's quota must admit every pod it can run at full scale, or the HPA silently stalls. */
function checkQuota(r: Reader, p: { quota: StackConfig["platform"]["quota"]; gatewayReplicas: number; serviceReplicas: number; hpa: { maxReplicas: number }; resources: Resources }): void {
    const pods = p.gatewayReplicas + 2 * p.serviceReplicas + p.hpa.maxReplicas;
    const breakdown = `gateway ${p.gatewayReplicas} + user-service ${p.serviceReplicas} + order-service ${p.serviceReplicas} + product-service up to ${p.hpa.maxReplicas}`;
    if (p.quota.pods < pods) {
        r.problems.push(`${PROJECT}:platformQuotaPods: ${p.quota.pods} is below the ${pods} pods the platform can run (${breakdown}); raise it to at least ${pods}`);
    }
    const checks: [string, string, string][] = [
        ["platformQuotaRequestsCpu", p.quota.requestsCpu, p.resources.cpuRequest],
        ["platformQuotaRequestsMemory", p.quota.requestsMemory, p.resources.memoryRequest],
        ["platformQuotaLimitsCpu", p.quota.limitsCpu, p.resources.cpuLimit],
        ["platformQuotaLimitsMemory", p.quota.limitsMemory, p.resources.memoryLimit],
    ];
    for (const [key, quota, perPod] of checks) {
        const [q, each] = [parseQuantity(quota), parseQuantity(perPod)];
        if (q !== undefined && each !== undefined && q < each * pods) {
            r.problems.push(`${PROJECT}:${key}: ${quota} is below what the platform needs at full scale (${pods} pods x ${perPod}); raise it or lower the per-pod value`);
        }
    }
}

function deepFreeze<T>(value: T): T {
    if (value && typeof value === "object") {
        Object.values(value).forEach(deepFreeze);
        Object.freeze(value);
    }
    return value;
}

/** Reads the current stack's configuration through the Pulumi runtime. */
export function loadConfig(): StackConfig {
    const config = new pulumi.Config(PROJECT);
    return parseConfig((key) => config.get(key));
}
