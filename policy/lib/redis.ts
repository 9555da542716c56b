// How Redis runs in a set of objects: which containers are Redis servers, which redis.conf each one
// actually loads (command -> volumeMount -> ConfigMap volume -> key), and who replicates from whom.
import {
    ContainerRef, allContainers, isWorkload, kindOf, labelsOf, nameOf, namespaceOf, podSpecOf,
    replicasOf, selectorMatches, templateLabelsOf,
} from "./k8s";
import { Container, K8sObject } from "./types";

export const REDIS_PORT = 6379;
export const SENTINEL_PORT = 26379;
const NAME = "app.kubernetes.io/name";
const COMPONENT = "app.kubernetes.io/component";
const INSTANCE = "app.kubernetes.io/instance";

export interface Directive {
    name: string;
    args: string[];
    /** 1-based line in the config text; 0 for a command-line argument. */
    line: number;
}

/** Splits a redis.conf line into words, honouring "double" and 'single' quotes (`save ""` -> [save, ""]). */
function words(line: string): string[] {
    const out: string[] = [];
    const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
    for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] ?? m[2] ?? m[3]);
    return out;
}

export function parseConf(text: string): Directive[] {
    const out: Directive[] = [];
    text.split(/\r?\n/).forEach((raw, i) => {
        const line = raw.trim();
        if (line === "" || line.startsWith("#")) return;
        const [name, ...args] = words(line);
        out.push({ name: name.toLowerCase(), args, line: i + 1 });
    });
    return out;
}

/** `--maxmemory 100mb --appendonly yes` style options after the executable (and config path). */
export function argDirectives(tokens: string[]): Directive[] {
    const out: Directive[] = [];
    for (const t of tokens) {
        if (t.startsWith("--") && t.length > 2) out.push({ name: t.slice(2).toLowerCase(), args: [], line: 0 });
        else if (out.length > 0) out[out.length - 1].args.push(t);
    }
    return out;
}

/** The command line as words; a `sh -c "redis-server ..."` script is split into its words too. */
export function commandWords(c: Container): string[] {
    return [...(c.command ?? []), ...(c.args ?? [])].flatMap((t) => (/\s/.test(t) ? words(t) : [t]));
}

/** An image reference without tag or digest; a colon before the last slash is a registry port (`localhost:5000/redis`). */
function repositoryOf(image: string): string {
    const path = image.split("@")[0];
    const colon = path.lastIndexOf(":");
    return colon > path.lastIndexOf("/") ? path.slice(0, colon) : path;
}

/** `redis`, `docker.io/library/redis`, `bitnami/redis`, any tag or digest; not `redis_exporter`, `redis-commander`, `myredisapp`. */
export function isRedisImage(image: string | undefined): boolean {
    const repo = repositoryOf(typeof image === "string" ? image.trim().toLowerCase() : "");
    return repo === "redis" || repo.endsWith("/redis");
}

const runs = (ws: string[], exe: string): boolean => ws.some((w) => w === exe || w.endsWith(`/${exe}`));

export type RedisRole = "server" | "sentinel";

/**
 * What a container runs, as far as Redis goes. The one place the pack decides what is Redis.
 * - sentinel: `redis-sentinel`, redis-server with `--sentinel`, or a container that declares containerPort
 *   26379 and not 6379 (a start script that execs the Sentinel, as the replicated Redis's Sentinel mode
 *   runs `sh /etc/redis/sentinel-start.sh`). Not a data server: it holds no data, listens on 26379 and
 *   rewrites its own config, so maxmemory, persistence, mounted-config and 6379 rules would misfire.
 * - server: its command/args run redis-server (a `sh -c "..."` script too), it declares containerPort 6379,
 *   or its image is redis and it keeps the image's default process: no command, and no args or args the
 *   official entrypoint hands to redis-server (the first one an `-option` or a `.conf` path). A redis image
 *   told to run something else is a client (the seeds' `kubectl run --image=redis:7-alpine -- redis-cli ...`).
 */
export function redisRole(c: Container): RedisRole | undefined {
    const ws = commandWords(c);
    const first = c.args?.[0];
    const imageDefault = isRedisImage(c.image) && (c.command ?? []).length === 0 &&
        (first === undefined || (typeof first === "string" && (first.startsWith("-") || first.endsWith(".conf"))));
    const server = imageDefault || runs(ws, "redis-server");
    const declares = (port: number) => (c.ports ?? []).some((p) => p.containerPort === port);
    if (runs(ws, "redis-sentinel") || (server && ws.includes("--sentinel"))) return "sentinel";
    if (declares(SENTINEL_PORT) && !declares(REDIS_PORT)) return "sentinel";
    if (server || declares(REDIS_PORT)) return "server";
    return undefined;
}

export const isRedisServerContainer = (c: Container): boolean => redisRole(c) === "server";

/** A workload with a Sentinel container (the pod's containers; init containers never are one). */
export const isSentinelWorkload = (o: K8sObject): boolean =>
    isWorkload(o) && (podSpecOf(o)?.containers ?? []).some((c) => redisRole(c) === "sentinel");

/** A workload with a Redis server container, or labelled app.kubernetes.io/name=redis unless it runs a Sentinel instead. */
export function isRedisWorkload(o: K8sObject): boolean {
    if (!isWorkload(o)) return false;
    const roles = (podSpecOf(o)?.containers ?? []).map(redisRole);
    if (roles.includes("server")) return true;
    if (roles.includes("sentinel")) return false;
    return labelsOf(o)[NAME] === "redis" || templateLabelsOf(o)[NAME] === "redis";
}

export type ConfigResolution =
    | { resolved: true; path: string; configMap: string; key: string; directives: Directive[] }
    | { resolved: false; path?: string; reason: string };

const describeCm = (ns: string, name: string) => `ConfigMap/${ns}/${name}`;

/** Follows the container's .conf argument to the ConfigMap key it is mounted from. */
export function resolveConfig(o: K8sObject, c: Container, objects: K8sObject[]): ConfigResolution {
    const path = commandWords(c).find((w) => w.endsWith(".conf"));
    if (!path) return { resolved: false, reason: "its command/args name no .conf file" };
    let best: { mountPath: string; volume: string; key?: string; rel?: string } | undefined;
    for (const m of c.volumeMounts ?? []) {
        const mountPath = m.mountPath.replace(/\/+$/, "");
        if (m.subPath) {
            if (mountPath === path) best = { mountPath, volume: m.name, key: m.subPath };
        } else if (path.startsWith(`${mountPath}/`) && (!best || mountPath.length > best.mountPath.length)) {
            best = { mountPath, volume: m.name, rel: path.slice(mountPath.length + 1) };
        }
    }
    if (!best) return { resolved: false, path, reason: `${path} is not on any volumeMount (baked into the image?)` };
    const volume = (podSpecOf(o)?.volumes ?? []).find((v) => v.name === best?.volume);
    if (!volume?.configMap?.name) {
        return { resolved: false, path, reason: `${path} is mounted from volume "${best.volume}", which is not a ConfigMap volume` };
    }
    const cmName = volume.configMap.name;
    const wanted = best.key ?? best.rel ?? "";
    const items = volume.configMap.items;
    const key = items ? items.find((it) => it.path === wanted)?.key : wanted;
    const ns = namespaceOf(o);
    if (key === undefined) {
        return { resolved: false, path, reason: `volume "${best.volume}" projects no item to ${wanted} from ${describeCm(ns, cmName)}` };
    }
    const cm = objects.find((x) => kindOf(x) === "ConfigMap" && nameOf(x) === cmName && namespaceOf(x) === ns);
    if (!cm) return { resolved: false, path, reason: `${describeCm(ns, cmName)} does not exist` };
    const text = cm.data?.[key];
    if (typeof text !== "string") return { resolved: false, path, reason: `${describeCm(ns, cmName)} has no key "${key}"` };
    return { resolved: true, path, configMap: describeCm(ns, cmName), key, directives: parseConf(text) };
}

export interface RedisServer {
    workload: K8sObject;
    ref: ContainerRef;
    config: ConfigResolution;
    /** Config-file directives followed by command-line ones: the last one of a name wins. */
    directives: Directive[];
    argDirectives: Directive[];
}

export function redisServers(objects: K8sObject[]): RedisServer[] {
    const out: RedisServer[] = [];
    for (const o of objects.filter(isRedisWorkload)) {
        for (const ref of allContainers(podSpecOf(o)).filter((r) => r.role === "container")) {
            if (!isRedisServerContainer(ref.container)) continue;
            const config = resolveConfig(o, ref.container, objects);
            const args = argDirectives(commandWords(ref.container));
            const fromFile = config.resolved ? config.directives : [];
            out.push({ workload: o, ref, config, directives: [...fromFile, ...args], argDirectives: args });
        }
    }
    return out;
}

export const lastDirective = (ds: Directive[], name: string): Directive | undefined =>
    [...ds].reverse().find((d) => d.name === name);

export const replicaOfHost = (s: RedisServer): string | undefined =>
    (lastDirective(s.directives, "replicaof") ?? lastDirective(s.directives, "slaveof"))?.args[0];

/** Workloads a replicaof host points at: `svc`, `svc.ns...` or `pod-0.headless-svc.ns.svc...`. */
function workloadsForHost(host: string, ns: string, objects: K8sObject[]): K8sObject[] {
    const parts = host.split(".");
    const found = new Set<K8sObject>();
    const viaService = (svcName: string, svcNs: string, podName?: string) => {
        const svc = objects.find((x) => kindOf(x) === "Service" && nameOf(x) === svcName && namespaceOf(x) === svcNs);
        const selector = svc?.spec?.selector as Record<string, string> | undefined;
        if (!selector || Object.keys(selector).length === 0) return;
        for (const w of objects) {
            if (!isWorkload(w) || namespaceOf(w) !== svcNs) continue;
            if (!selectorMatches({ matchLabels: selector }, templateLabelsOf(w))) continue;
            if (podName !== undefined && !new RegExp(`^${nameOf(w).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-\\d+$`).test(podName)) continue;
            found.add(w);
        }
    };
    if (parts.length >= 2) viaService(parts[1], parts.length >= 3 ? parts[2] : ns, parts[0]);
    viaService(parts[0], parts.length >= 2 && parts[1] !== "svc" ? parts[1] : ns);
    return [...found];
}

export interface MasterInfo {
    master: RedisServer;
    replicas: K8sObject[];
}

/** Masters and the workloads replicating from them. */
export function redisMasters(servers: RedisServer[], objects: K8sObject[]): MasterInfo[] {
    const byWorkload = new Map<K8sObject, RedisServer>();
    for (const s of servers) if (!byWorkload.has(s.workload)) byWorkload.set(s.workload, s);
    const replicaMap = new Map<K8sObject, Set<K8sObject>>();
    const add = (m: K8sObject, r: K8sObject) => {
        if (m === r) return;
        if (!replicaMap.has(m)) replicaMap.set(m, new Set());
        replicaMap.get(m)?.add(r);
    };
    for (const s of byWorkload.values()) {
        const host = replicaOfHost(s);
        if (!host) continue;
        for (const m of workloadsForHost(host, namespaceOf(s.workload), objects)) {
            const ms = byWorkload.get(m);
            if (ms && !replicaOfHost(ms)) add(m, s.workload);
        }
    }
    for (const s of byWorkload.values()) {
        const tl = { ...labelsOf(s.workload), ...templateLabelsOf(s.workload) };
        if (tl[COMPONENT] !== "master") continue;
        if (!replicaMap.has(s.workload)) replicaMap.set(s.workload, new Set());
        for (const r of byWorkload.values()) {
            const rl = { ...labelsOf(r.workload), ...templateLabelsOf(r.workload) };
            if (namespaceOf(r.workload) === namespaceOf(s.workload) && rl[INSTANCE] === tl[INSTANCE] &&
                (rl[COMPONENT] === "replica" || rl[COMPONENT] === "follower")) add(s.workload, r.workload);
        }
    }
    return [...replicaMap.entries()].map(([m, rs]) => ({ master: byWorkload.get(m) as RedisServer, replicas: [...rs] }));
}

/** Sum of desired replicas across replica workloads. */
export const replicaCount = (ws: K8sObject[]): number => ws.reduce((n, w) => n + replicasOf(w), 0);

export interface SentinelNodeSet {
    set: K8sObject;
    /** The Sentinel workloads of its namespace, which decide who is master. */
    sentinels: K8sObject[];
    servers: RedisServer[];
}

/**
 * Sentinel mode: a StatefulSet of several Redis pods whose config names no master (no replicaof: the
 * role is decided at run time, by a start script asking the Sentinels) beside a Sentinel workload in
 * its namespace. Sentinel may promote any of its pods, so every one is a master to be.
 */
export function sentinelNodeSets(servers: RedisServer[], objects: K8sObject[]): SentinelNodeSet[] {
    const out: SentinelNodeSet[] = [];
    for (const set of new Set(servers.map((s) => s.workload))) {
        if (kindOf(set) !== "StatefulSet" || replicasOf(set) < 2) continue;
        const own = servers.filter((s) => s.workload === set);
        if (own.some((s) => replicaOfHost(s) !== undefined)) continue;
        const sentinels = objects.filter((o) => isSentinelWorkload(o) && namespaceOf(o) === namespaceOf(set));
        if (sentinels.length > 0) out.push({ set, sentinels, servers: own });
    }
    return out;
}
