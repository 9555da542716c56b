// Per-resource security and placement rules: secrets, Pod Security "restricted", namespaces, environment.
import {
    WORKLOAD_KINDS, allContainers, isClusterScoped, keyOf, kindOf, labelsOf, namespaceOf, podSpecOf,
    podTemplateOf, subject,
} from "./k8s";
import { parseConf, redisRole } from "./redis";
import { ResourceRule, finding, show, str, strs } from "./rule";
import { Container, Finding } from "./types";

const WORKLOADS = [...WORKLOAD_KINDS];
/**
 * Directives that carry a password, and how each shows in (lower-cased) text: Redis's, and Sentinel's
 * own, as config lines (`sentinel auth-pass <set> <pw>`) or run-time commands (`SENTINEL SET <set>
 * auth-pass <pw>`, `SENTINEL CONFIG SET sentinel-pass <pw>`). A bare `auth-pass` counts only after `sentinel`.
 */
const AUTH_DIRECTIVES: readonly { name: string; re: RegExp }[] = [
    { name: "requirepass", re: /requirepass/ },
    { name: "masterauth", re: /masterauth/ },
    { name: "sentinel auth-pass", re: /sentinel\s(?:[\s\S]*\s)?auth-pass\b/ },
    { name: "sentinel sentinel-pass", re: /sentinel-pass/ },
];
const authHits = (text: string): string[] => AUTH_DIRECTIVES.filter((a) => a.re.test(text.toLowerCase())).map((a) => a.name);
const sentinelHit = (hits: string[]): boolean => hits.some((h) => h.startsWith("sentinel "));

export const secretEnvFromSecretRef: ResourceRule = {
    name: "secret-env-from-secret-ref",
    description: "An env var whose name looks like a password, token, key or secret takes its value from valueFrom.secretKeyRef.",
    enforcementLevel: "mandatory",
    scope: "resource",
    kinds: WORKLOADS,
    settings: {
        secretNamePattern: {
            type: "string",
            default: "PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|(^|_)(PASS|KEY|AUTH)(_|$)",
            description: "Case-insensitive regular expression for secret-like env var names.",
        },
        allowedSuffixes: {
            type: "array",
            default: ["_FILE", "_PATH"],
            description: "Name suffixes of variables that hold the path of a mounted secret, not the secret.",
        },
    },
    check(o, ctx) {
        const pattern = new RegExp(str(ctx, "secretNamePattern"), "i");
        const suffixes = strs(ctx, "allowedSuffixes").map((s) => s.toUpperCase());
        const allowed = "secret-like variables must come from valueFrom.secretKeyRef";
        return allContainers(podSpecOf(o)).flatMap((ref) => (ref.container.env ?? []).flatMap((e): Finding[] => {
            if (!pattern.test(e.name) || suffixes.some((s) => e.name.toUpperCase().endsWith(s))) return [];
            const vf = e.valueFrom;
            if (vf?.secretKeyRef) return [];
            // Never echo e.value: it is the secret this rule exists to keep out of manifests.
            const source = vf?.configMapKeyRef
                ? `comes from configMapKeyRef ${vf.configMapKeyRef.name ?? "?"}/${vf.configMapKeyRef.key ?? "?"}`
                : vf ? `comes from ${Object.keys(vf).join(", ")}` : "has a literal value";
            return [finding(this.name, o, subject(o, ref), `env ${e.name} ${source}; ${allowed}`)];
        }));
    },
};

/** Where a container's words can carry a Redis password: command/args, probe and hook exec commands. */
function execSources(c: Container): { where: string; words: string[] }[] {
    const out = [{ where: "command/args", words: [...(c.command ?? []), ...(c.args ?? [])] }];
    for (const p of ["livenessProbe", "readinessProbe", "startupProbe"] as const) {
        const cmd = c[p]?.exec?.command;
        if (cmd) out.push({ where: `${p} exec command`, words: cmd });
    }
    for (const h of ["postStart", "preStop"] as const) {
        const cmd = c.lifecycle?.[h]?.exec?.command;
        if (cmd) out.push({ where: `lifecycle.${h} exec command`, words: cmd });
    }
    return out;
}

export const noRedisAuthInConfig: ResourceRule = {
    name: "no-redis-auth-in-config",
    description: "No requirepass/masterauth (nor a Sentinel's sentinel auth-pass/sentinel-pass) in ConfigMap data or in container command/args: Redis and Sentinel passwords reach them from a Secret.",
    enforcementLevel: "mandatory",
    scope: "resource",
    kinds: [...WORKLOADS, "ConfigMap"],
    settings: {},
    check(o) {
        const fix = (sentinel: boolean) => sentinel
            ? "keep Sentinel passwords in a Secret (e.g. a sentinel-auth.conf mounted from a Secret and included by sentinel.conf)"
            : "keep Redis passwords in a Secret (e.g. an auth.conf mounted from a Secret and included by redis.conf)";
        if (kindOf(o) === "ConfigMap") {
            return Object.keys(o.data ?? {}).flatMap((key) => {
                const text = o.data?.[key];
                if (typeof text !== "string") return [];
                const directives = parseConf(text);
                // A Sentinel's config (sentinel monitor, ...): its requirepass is the Sentinel's own password.
                const sentinel = directives.some((d) => d.name === "sentinel");
                return directives.flatMap((d) => {
                    const hits = authHits([d.name, ...d.args].join(" "));
                    if (hits.length === 0) return [];
                    const name = d.name === "sentinel" ? `sentinel ${(d.args[0] ?? "").toLowerCase()}` : d.name;
                    const what = AUTH_DIRECTIVES.some((a) => a.name === name) ? `sets ${name}` : `mentions ${hits.join(", ")}`;
                    return [finding(this.name, o, `${keyOf(o)} key "${key}" line ${d.line}`, `${what}; ${fix(sentinel || sentinelHit(hits))}`)];
                });
            });
        }
        return allContainers(podSpecOf(o)).flatMap((ref) => execSources(ref.container).flatMap(({ where, words }) => {
            const hits = authHits(words.join(" "));
            return hits.length === 0 ? [] : [finding(this.name, o, subject(o, ref), `found ${hits.join(", ")} in ${where}; ${fix(redisRole(ref.container) === "sentinel" || sentinelHit(hits))}`)];
        }));
    },
};

const ALLOWED_SECCOMP = ["RuntimeDefault", "Localhost"];

export const podSecurityRestricted: ResourceRule = {
    name: "pod-security-restricted",
    description: "Pods meet the Pod Security Standard \"restricted\" (non-root, no privilege escalation, drop ALL, seccomp, no host namespaces/ports/paths) and use a read-only root filesystem.",
    enforcementLevel: "mandatory",
    scope: "resource",
    kinds: WORKLOADS,
    settings: {},
    check(o) {
        const spec = podSpecOf(o);
        if (!spec) return [];
        const out: Finding[] = [];
        const pod = (text: string) => out.push(finding(this.name, o, keyOf(o), text));
        for (const f of ["hostNetwork", "hostPID", "hostIPC"] as const) {
            if (spec[f] === true) pod(`spec.${f} is true; host namespaces are not allowed`);
        }
        for (const v of spec.volumes ?? []) {
            if (v.hostPath) pod(`volume "${v.name}" is a hostPath (${show(v.hostPath.path)}); use emptyDir, a PVC, a ConfigMap or a Secret`);
        }
        const psc = spec.securityContext ?? {};
        for (const ref of allContainers(spec)) {
            const sc = ref.container.securityContext ?? {};
            const bad = (text: string) => out.push(finding(this.name, o, subject(o, ref), text));
            const nonRoot = sc.runAsNonRoot ?? psc.runAsNonRoot;
            if (nonRoot !== true) bad(`runAsNonRoot is ${show(nonRoot)} (pod and container securityContext); set runAsNonRoot: true`);
            const uid = sc.runAsUser ?? psc.runAsUser;
            if (uid === 0) bad("runAsUser is 0 (root); use a non-zero UID");
            if (sc.privileged === true) bad("privileged is true; privileged containers are not allowed");
            if (sc.allowPrivilegeEscalation !== false) {
                bad(`allowPrivilegeEscalation is ${show(sc.allowPrivilegeEscalation)}; set it to false`);
            }
            const drop = sc.capabilities?.drop;
            if (!(drop ?? []).includes("ALL")) bad(`capabilities.drop is ${show(drop)}; it must include ALL`);
            const added = (sc.capabilities?.add ?? []).filter((c) => c !== "NET_BIND_SERVICE");
            if (added.length > 0) bad(`capabilities.add includes ${added.join(", ")}; only NET_BIND_SERVICE may be added`);
            const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
            if (!ALLOWED_SECCOMP.includes(seccomp ?? "")) {
                bad(`seccompProfile.type is ${show(seccomp)} (pod and container securityContext); use RuntimeDefault or Localhost`);
            }
            for (const p of ref.container.ports ?? []) {
                if (p.hostPort) bad(`port ${show(p.containerPort)} sets hostPort ${p.hostPort}; hostPort is not allowed`);
            }
            if (sc.readOnlyRootFilesystem !== true) {
                bad(`readOnlyRootFilesystem is ${show(sc.readOnlyRootFilesystem)}; set it to true and mount writable paths as emptyDir`);
            }
        }
        return out;
    },
};

const PSS_LABEL = "pod-security.kubernetes.io/enforce";

export const namespacePodSecurity: ResourceRule = {
    name: "namespace-pod-security",
    description: `Every Namespace enforces Pod Security with the label ${PSS_LABEL}: "restricted", or "baseline" where a pod-security-restricted exemption names a resource in it.`,
    enforcementLevel: "mandatory",
    scope: "resource",
    kinds: ["Namespace"],
    settings: {},
    check(o, ctx) {
        const ns = o.metadata?.name ?? "";
        const value = labelsOf(o)[PSS_LABEL];
        const exempted = ctx.exemptions.some((e) => e.rule === podSecurityRestricted.name &&
            (e.resource === `Namespace/${ns}` || e.resource.split("/")[1] === ns && e.resource.split("/").length === 3));
        if (value === undefined) return [finding(this.name, o, keyOf(o), `has no label ${PSS_LABEL}; set it to "restricted"`)];
        if (value === "restricted" || (value === "baseline" && exempted)) return [];
        const allowed = exempted
            ? `"restricted" or "baseline" (a ${podSecurityRestricted.name} exemption names a resource in this namespace)`
            : `"restricted" ("baseline" needs a ${podSecurityRestricted.name} exemption for a resource in this namespace)`;
        return [finding(this.name, o, keyOf(o), `${PSS_LABEL} is "${value}"; allowed: ${allowed}`)];
    },
};

export const noDefaultNamespace: ResourceRule = {
    name: "no-default-namespace",
    description: "Nothing is deployed to the \"default\" namespace; a namespaced object without a namespace counts as default.",
    enforcementLevel: "mandatory",
    scope: "resource",
    settings: {},
    check(o) {
        if (isClusterScoped(kindOf(o)) || namespaceOf(o) !== "default") return [];
        const where = o.metadata?.namespace ? "is in the \"default\" namespace" : "has no namespace, so it lands in \"default\"";
        return [finding(this.name, o, keyOf(o), `${where}; put it in a dedicated namespace`)];
    },
};

const ENV_LABEL = "environment";

export const environmentLabels: ResourceRule = {
    name: "environment-labels",
    description: "Every workload, its pod template and every Namespace carry the label environment=<the stack's environment>, so prod and non-prod never mix.",
    enforcementLevel: "mandatory",
    scope: "resource",
    kinds: [...WORKLOADS, "Namespace"],
    settings: {},
    check(o, ctx) {
        const env = ctx.environment;
        if (env === undefined) {
            throw new Error(`pack config ${this.name}.environment is required (dev or prod); generate the pack config with policy/stack-config.ts`);
        }
        const label = (what: string, labels: Record<string, string> | undefined): Finding[] => {
            const v = labels?.[ENV_LABEL];
            if (v === env) return [];
            const text = v === undefined ? `has no label ${ENV_LABEL}` : `has label ${ENV_LABEL}="${v}"`;
            return [finding(this.name, o, what, `${text}; expected "${env}" (this stack's environment: prod and non-prod never mix)`)];
        };
        const out = label(keyOf(o), o.metadata?.labels);
        if (kindOf(o) !== "Namespace" && kindOf(o) !== "Pod") out.push(...label(`${keyOf(o)} pod template`, podTemplateOf(o)?.metadata?.labels));
        return out;
    },
};
