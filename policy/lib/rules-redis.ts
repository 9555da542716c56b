// Redis rules that follow each server to the redis.conf it really loads.
import { keyOf, replicasOf, subject } from "./k8s";
import { parseK8sQuantity, parseRedisMemory } from "./quantity";
import {
    Directive, RedisServer, SentinelNodeSet, lastDirective, redisMasters, redisServers, replicaCount, sentinelNodeSets,
} from "./redis";
import { StackRule, finding, num } from "./rule";
import { Finding, K8sObject } from "./types";

/** Where a server's directive came from, for messages. */
function origin(s: RedisServer, d: Directive | undefined): string {
    if (d && d.line === 0) return `--${d.name} argument`;
    if (s.config.resolved) return `${s.config.configMap} key "${s.config.key}"`;
    return `unresolved config (${s.config.reason})`;
}

export const redisMaxmemory: StackRule = {
    name: "redis-maxmemory",
    description: "Every Redis server sets maxmemory in the config it loads (or its args) at most maxMemoryShare of its container's memory limit.",
    enforcementLevel: "mandatory",
    scope: "stack",
    settings: {
        maxMemoryShare: {
            type: "number", default: 0.75, exclusiveMinimum: 0, maximum: 1,
            description: "Highest allowed maxmemory as a share of the container's memory limit.",
        },
    },
    check(objects, ctx) {
        const share = num(ctx, "maxMemoryShare");
        return redisServers(objects).flatMap((s): Finding[] => {
            const at = (text: string) => [finding(this.name, s.workload, subject(s.workload, s.ref), text)];
            const limitText = s.ref.container.resources?.limits?.memory;
            const limit = parseK8sQuantity(limitText);
            if (limit === undefined) return at(`no memory limit to size maxmemory against; set resources.limits.memory and maxmemory at most ${share} of it`);
            const max = Math.floor(limit * share);
            // Redis needs headroom above maxmemory (buffers, fork for AOF/RDB): at the limit the kernel OOM-kills it.
            const allowed = `set maxmemory to at most ${share} of the memory limit ${limitText} (${max} bytes)`;
            const d = lastDirective(s.directives, "maxmemory");
            if (!d) {
                return at(s.config.resolved
                    ? `maxmemory is not set in ${origin(s, d)}; ${allowed}`
                    : `maxmemory is not set: its config could not be resolved (${s.config.reason}) and no --maxmemory argument is given; ${allowed}`);
            }
            const raw = d.args.join(" ");
            const bytes = parseRedisMemory(raw);
            if (bytes === undefined) return at(`maxmemory "${raw}" in ${origin(s, d)} is not a Redis memory size; ${allowed}`);
            if (bytes === 0) return at(`maxmemory 0 (no limit) in ${origin(s, d)}; ${allowed}`);
            if (bytes > max) return at(`maxmemory ${raw} (${bytes} bytes) in ${origin(s, d)} exceeds ${share} of the memory limit ${limitText} (${max} bytes); allowed: at most ${max} bytes`);
            return [];
        });
    },
};

/** AOF on, or at least one RDB save point left after `save ""` resets. */
function persists(ds: Directive[]): boolean {
    if (lastDirective(ds, "appendonly")?.args[0]?.toLowerCase() === "yes") return true;
    let points = 0;
    for (const d of ds.filter((x) => x.name === "save")) {
        points = d.args.length === 0 || d.args.every((a) => a === "") ? 0 : points + 1;
    }
    return points > 0;
}

/** Names of a StatefulSet's volumeClaimTemplates: a claim of its own for each pod. */
const claimTemplates = (set: K8sObject): string[] =>
    ((set.spec?.volumeClaimTemplates ?? []) as { metadata?: { name?: string } }[]).map((t) => t.metadata?.name ?? "?");
/** Mount paths of those claims in the server's container. */
const claimMounts = (s: RedisServer): string[] => (s.ref.container.volumeMounts ?? [])
    .filter((m) => claimTemplates(s.workload).includes(m.name)).map((m) => m.mountPath.replace(/(.)\/+$/, "$1"));

/** Sentinel mode: every node may be promoted, so each needs AOF and its dir on a claim of its own. */
function sentinelNodeFindings(rule: string, { set, sentinels, servers }: SentinelNodeSet): Finding[] {
    const lead = `Sentinel mode (${sentinels.map(keyOf).join(", ")}) may promote any of its ${replicasOf(set)} pods to master, so each needs`;
    const tail = "a promoted node that restarted without its data makes the replicas drop theirs too";
    return servers.flatMap((s): Finding[] => {
        const out: Finding[] = [];
        const at = (text: string) => out.push(finding(rule, set, subject(set, s.ref), `${lead} ${text}; ${tail}`));
        const aof = lastDirective(s.directives, "appendonly");
        if (aof?.args[0]?.toLowerCase() !== "yes") {
            at(`"appendonly yes", but ${aof ? `${origin(s, aof)} sets "appendonly ${aof.args.join(" ")}"`
                : s.config.resolved ? `${origin(s, aof)} does not set it`
                    : `its config could not be resolved (${s.config.reason}) and its args do not set it`}`);
        }
        const mounts = claimMounts(s);
        if (mounts.length === 0) {
            at(`its data on a claim of its own, but it mounts no volumeClaimTemplates claim (templates: ${claimTemplates(set).join(", ") || "none"})`);
            return out;
        }
        const dir = lastDirective(s.directives, "dir");
        const path = dir?.args[0]?.replace(/(.)\/+$/, "$1");
        if (path?.startsWith("/") && !mounts.some((m) => path === m || path.startsWith(m === "/" ? m : `${m}/`))) {
            at(`its data on a claim of its own, but its dir ${path} (${origin(s, dir)}) is not on one (claims mounted at ${mounts.join(", ")})`);
        }
        return out;
    });
}

export const redisMasterPersistence: StackRule = {
    name: "redis-master-persistence",
    description: "A Redis master with replicas persists (appendonly yes or a non-empty save in its redis.conf): a master restarting empty would wipe its replicas. " +
        "In Sentinel mode (a StatefulSet of several Redis pods without replicaof, beside a Sentinel in its namespace) any node may become master: each needs appendonly yes and its dir on a volumeClaimTemplates claim.",
    enforcementLevel: "mandatory",
    scope: "stack",
    settings: {},
    check(objects) {
        const servers = redisServers(objects);
        const sentinelMode = sentinelNodeSets(servers, objects);
        const nodes = new Set(sentinelMode.map((n) => n.set));
        const seed = redisMasters(servers, objects).filter(({ master }) => !nodes.has(master.workload)).flatMap(({ master, replicas }): Finding[] => {
            const n = replicaCount(replicas);
            if (n === 0 || persists(master.directives)) return [];
            const where = master.config.resolved
                ? `its config (${origin(master, undefined)}) sets`
                : `its config could not be resolved (${master.config.reason}) and its args set`;
            return [finding(this.name, master.workload, keyOf(master.workload),
                `has ${n} replica${n === 1 ? "" : "s"} (${replicas.map(keyOf).join(", ")}) but ${where} neither "appendonly yes" nor a non-empty "save"; a master that restarts empty makes its replicas drop their data too`)];
        });
        return [...seed, ...sentinelMode.flatMap((n) => sentinelNodeFindings(this.name, n))];
    },
};

export const redisConfigMounted: StackRule = {
    name: "redis-config-mounted",
    description: "Redis loads its redis.conf from a mounted ConfigMap (not baked into the image or passed as --options on the command line).",
    enforcementLevel: "advisory",
    scope: "stack",
    settings: {},
    check(objects) {
        return redisServers(objects).flatMap((s): Finding[] => {
            const out: Finding[] = [];
            const at = (text: string) => out.push(finding(this.name, s.workload, subject(s.workload, s.ref), text));
            if (!s.config.resolved) {
                at(`redis.conf is not mounted from a ConfigMap: ${s.config.reason}; mount it from a ConfigMap and start redis-server with its path`);
            }
            if (s.argDirectives.length > 0) {
                at(`passes ${s.argDirectives.map((d) => `--${d.name}`).join(", ")} on the command line; put ${s.argDirectives.length === 1 ? "it" : "them"} in the mounted redis.conf instead`);
            }
            return out;
        });
    },
};
