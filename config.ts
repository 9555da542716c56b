/**
 * Stack configuration: every key is declared with its type and default in Pulumi.yaml; this module
 * parses and validates all of them once and hands a frozen, typed StackConfig to the program.
 * Every config error message lives here or beside it in config/: the shared reader (reader.ts) and
 * a parser per section that has grown its own (platform.ts, guestbook.ts). Bad input stops the
 * program before any resource exists, with every bad key reported at once.
 */
import * as pulumi from "@pulumi/pulumi";
import { GuestbookConfig, parseGuestbook } from "./config/guestbook";
import { PlatformConfig, parsePlatform } from "./config/platform";
import { PROJECT, Reader, RedisSizing } from "./config/reader";
import { SentinelConfig, WriteSafety, parseSentinel } from "./config/sentinel";

export { AUTO_MAXMEMORY_SHARE, PROJECT } from "./config/reader";
export type { RedisSizing, Resources } from "./config/reader";
export type { OrderServiceConfig, PlatformConfig } from "./config/platform";
export type { GuestbookConfig, GuestbookFrontendConfig } from "./config/guestbook";
export type { SentinelConfig, WriteSafety } from "./config/sentinel";

export const ENVIRONMENTS = ["dev", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

const RETENTION = ["Delete", "Retain"] as const;

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
        readonly sentinel: SentinelConfig;
        readonly writeSafety: WriteSafety;
    };
    readonly platform: PlatformConfig;
    readonly guestbook: GuestbookConfig;
}

/** Raised for invalid configuration; `problems` holds one message per bad key. */
export class ConfigError extends pulumi.RunError {
    constructor(readonly problems: readonly string[]) {
        super(`Invalid stack configuration (nothing was changed):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

const RESOURCE_ID = /^[A-Z][A-Za-z]+\/[a-z0-9-]+\/[a-z0-9.-]+$/;

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
        ...parseSentinel(r, replicas),
    };

    const platform = parsePlatform(r, namespaces);

    const guestbook = parseGuestbook(r, namespaces, policyExemptions);

    if (r.problems.length > 0) {
        throw new ConfigError(r.problems);
    }
    return deepFreeze({
        environment,
        cluster: { kubeconfig: kubeconfig === "" ? undefined : kubeconfig, context, guardOverride: guardOverride === "" ? undefined : guardOverride },
        policyExemptions,
        cache,
        replicated,
        platform,
        guestbook,
    });
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
