/**
 * The labeler's settings, from the environment its Deployment sets, and the Redis password from the
 * file its Secret is mounted as (never an env literal: it would show in `kubectl describe`). Every
 * variable is checked once at start and every bad one is reported at once, so a wrong Deployment
 * fails in its first log line, not after it has relabelled pods.
 */
import * as fs from "fs";
import * as path from "path";

export interface LabelerConfig {
    /** The Sentinel Service (SENTINEL_HOST); it balances across the Sentinels. */
    readonly sentinelHost: string;
    /** SENTINEL_PORT, default 26379. */
    readonly sentinelPort: number;
    /** The name in "sentinel monitor <name> ..." (SENTINEL_MASTER_SET). */
    readonly masterSet: string;
    /** Where the password was read from (PASSWORD_FILE, default /etc/redis-auth/password). */
    readonly passwordFile: string;
    /** The Sentinel's and Redis's password, from passwordFile. Never logged. */
    readonly password: string;
    /** The namespace of the Redis pods (POD_NAMESPACE, from the downward API). */
    readonly namespace: string;
    /** The label selector of the pods to label (POD_SELECTOR), as the API server takes it. */
    readonly podSelector: string;
    /** The label set to master or replica (ROLE_LABEL, default redis-platform/role). */
    readonly roleLabel: string;
    /** Time between two reconciles (INTERVAL_MS, default 500, 100 to 10000). */
    readonly intervalMs: number;
    /** Health HTTP port (PORT, default 8080). */
    readonly port: number;
}

/** The environment is wrong; `problems` holds one line per bad variable (never the password). */
export class EnvError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "EnvError";
    }
}

export const DEFAULTS = {
    sentinelPort: 26379,
    passwordFile: "/etc/redis-auth/password",
    roleLabel: "redis-platform/role",
    intervalMs: 500,
    port: 8080,
} as const;
export const INTERVAL_RANGE = { min: 100, max: 10_000 } as const;

// A DNS name or an IPv4 address (what a Service name or a loopback test server looks like).
const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;
const MASTER_SET = /^[A-Za-z0-9._-]+$/;
// A namespace is a DNS-1123 label.
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
// A label key: an optional DNS-subdomain prefix and "/", then a name of at most 63 characters.
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_PREFIX = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

export function isLabelKey(key: string): boolean {
    const slash = key.lastIndexOf("/");
    if (slash === -1) return LABEL_NAME.test(key);
    return LABEL_PREFIX.test(key.slice(0, slash)) && LABEL_NAME.test(key.slice(slash + 1));
}

/**
 * The keys of a label selector (equality and set-based, as kubectl takes it), or undefined when it
 * is not one: a typo would otherwise only show as an API error every INTERVAL_MS.
 */
export function selectorKeys(selector: string): string[] | undefined {
    const terms = selector.split(/,(?![^(]*\))/).map((t) => t.trim());
    const keys: string[] = [];
    for (const term of terms) {
        const m = /^(!?)\s*([^\s=!(),]+)\s*(?:(==|=|!=)\s*([^\s=!(),]*)|\s(in|notin)\s*\(([^()]*)\))?$/.exec(term);
        if (!m || !isLabelKey(m[2])) return undefined;
        if (m[1] === "!" && (m[3] !== undefined || m[5] !== undefined)) return undefined;
        const values = m[3] !== undefined ? [m[4]] : m[5] !== undefined ? m[6].split(",").map((v) => v.trim()) : [];
        if (!values.every((v) => LABEL_VALUE.test(v))) return undefined;
        keys.push(m[2]);
    }
    return keys;
}

/** The file's text without one trailing line break (a Secret made with `echo` has one; a password cannot). */
function readPassword(file: string): { password?: string; problem?: string } {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        const why = code === "ENOENT" ? "it does not exist" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "it is a directory" : code ?? String(e);
        return { problem: `PASSWORD_FILE: cannot read ${file} (${why}); mount the Redis password Secret there, or point PASSWORD_FILE at it` };
    }
    const password = text.replace(/\r?\n$/, "");
    if (password === "") return { problem: `PASSWORD_FILE: ${file} is empty; it must hold the Redis password` };
    return { password };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): LabelerConfig {
    const problems: string[] = [];
    const text = (name: string): string | undefined => {
        const v = env[name]?.trim();
        return v === undefined || v === "" ? undefined : v;
    };
    const required = (name: string, hint: string): string | undefined => {
        const v = text(name);
        if (v === undefined) problems.push(`${name} is not set; ${hint}`);
        return v;
    };
    const checked = (name: string, v: string | undefined, ok: boolean, what: string): string => {
        if (v !== undefined && !ok) problems.push(`${name}: ${JSON.stringify(v)} is not ${what}`);
        return v ?? "";
    };
    const whole = (name: string, fallback: number, min: number, max: number, what: string): number => {
        const v = text(name);
        if (v === undefined) return fallback;
        const n = Number(v);
        if (!/^\d+$/.test(v) || n < min || n > max) {
            problems.push(`${name}: ${JSON.stringify(v)} is not ${what}; use a whole number from ${min} to ${max}`);
            return fallback;
        }
        return n;
    };

    const host = required("SENTINEL_HOST", "set it to the Sentinel Service's DNS name, such as redis.redis.svc.cluster.local");
    const sentinelHost = checked("SENTINEL_HOST", host, HOST.test(host ?? ""), "a host name; use a DNS name such as redis.redis.svc.cluster.local");
    const sentinelPort = whole("SENTINEL_PORT", DEFAULTS.sentinelPort, 1, 65535, "a port");
    const set = required("SENTINEL_MASTER_SET", 'set it to the name the Sentinels monitor (the <name> in "sentinel monitor <name> ..."), such as mymaster');
    const masterSet = checked("SENTINEL_MASTER_SET", set, MASTER_SET.test(set ?? ""), 'a master set name; use letters, digits, ".", "_" and "-"');

    const passwordFile = text("PASSWORD_FILE") ?? DEFAULTS.passwordFile;
    let password = "";
    if (!path.isAbsolute(passwordFile)) {
        problems.push(`PASSWORD_FILE: ${JSON.stringify(passwordFile)} is not an absolute path; use the file the Secret is mounted as, such as ${DEFAULTS.passwordFile}`);
    } else {
        const read = readPassword(passwordFile);
        if (read.problem !== undefined) problems.push(read.problem);
        password = read.password ?? "";
    }

    const ns = required("POD_NAMESPACE", "set it from the downward API (fieldRef: metadata.namespace)");
    const namespace = checked("POD_NAMESPACE", ns, NAMESPACE.test(ns ?? ""), 'a namespace name; use lower-case letters, digits and "-", at most 63 characters');
    const role = text("ROLE_LABEL") ?? DEFAULTS.roleLabel;
    const roleLabel = checked("ROLE_LABEL", role, isLabelKey(role), "a label key; use [prefix/]name, such as redis-platform/role");
    const podSelector = required("POD_SELECTOR", "set it to the label selector of the Redis pods, such as app.kubernetes.io/name=redis,app.kubernetes.io/component=node") ?? "";
    if (podSelector !== "") {
        const keys = selectorKeys(podSelector);
        if (keys === undefined) {
            problems.push(`POD_SELECTOR: ${JSON.stringify(podSelector)} is not a label selector; use key=value pairs separated by commas, such as app.kubernetes.io/name=redis,app.kubernetes.io/component=node`);
        } else if (keys.includes(roleLabel)) {
            // The labeler changes that label: pods would leave the selection the moment they are relabelled.
            problems.push(`POD_SELECTOR: ${JSON.stringify(podSelector)} selects on ${roleLabel}, the label this service sets; select the Redis pods by labels that do not change with their role`);
        }
    }
    const intervalMs = whole("INTERVAL_MS", DEFAULTS.intervalMs, INTERVAL_RANGE.min, INTERVAL_RANGE.max, "an interval in milliseconds");
    const port = whole("PORT", DEFAULTS.port, 1, 65535, "a port");

    if (problems.length > 0) throw new EnvError(problems);
    return { sentinelHost, sentinelPort, masterSet, passwordFile, password, namespace, podSelector, roleLabel, intervalMs, port };
}

/** What the start-up log line shows: everything but the password (only where it came from). */
export function describeConfig(c: LabelerConfig): Record<string, string | number> {
    return {
        sentinel: `${c.sentinelHost}:${c.sentinelPort}`,
        masterSet: c.masterSet,
        redisAuth: `password from ${c.passwordFile}`,
        namespace: c.namespace,
        podSelector: c.podSelector,
        roleLabel: c.roleLabel,
        intervalMs: c.intervalMs,
        port: c.port,
    };
}
