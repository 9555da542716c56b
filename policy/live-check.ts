// Post-deploy check: the same rules, run on what the API server actually holds.
//
//   node -r ts-node/register policy/live-check.ts --kubeconfig .cluster/kubeconfig --context embedded \
//       --namespaces sample-app,redis --config pack-config.json
//
// Exits 1 when a mandatory violation is found, 2 when the check itself fails. Secrets are never
// listed: no rule needs their data, and a checker should not hold it.
import * as fs from "fs";
import { KubeConfig, KubernetesObject, KubernetesObjectApi, dumpYaml } from "@kubernetes/client-node";
import * as yaml from "js-yaml";
import { PackConfig, Violation, evaluate } from "./rules";
import { K8sObject } from "./lib/types";

/** The kinds the rules read, listed per namespace (Namespaces themselves are read by name). */
export const LIVE_KINDS: readonly [apiVersion: string, kind: string][] = [
    ["v1", "Pod"], ["v1", "Service"], ["v1", "ConfigMap"], ["v1", "ReplicationController"],
    ["apps/v1", "Deployment"], ["apps/v1", "StatefulSet"], ["apps/v1", "DaemonSet"], ["apps/v1", "ReplicaSet"],
    ["batch/v1", "Job"], ["batch/v1", "CronJob"], ["policy/v1", "PodDisruptionBudget"],
    ["networking.k8s.io/v1", "NetworkPolicy"], ["networking.k8s.io/v1", "Ingress"],
    ["autoscaling/v2", "HorizontalPodAutoscaler"],
];

/** What the checker needs from a cluster; tests supply a fake. */
export interface Lister {
    list(apiVersion: string, kind: string, namespace: string): Promise<K8sObject[]>;
    /** undefined when the object does not exist. */
    read(apiVersion: string, kind: string, name: string): Promise<K8sObject | undefined>;
}

/** Every object of LIVE_KINDS in the namespaces, plus the Namespace objects; list items get their kind back. */
export async function collectLiveObjects(lister: Lister, namespaces: readonly string[]): Promise<K8sObject[]> {
    const out: K8sObject[] = [];
    for (const ns of namespaces) {
        const nsObject = await lister.read("v1", "Namespace", ns);
        if (!nsObject) throw new Error(`namespace "${ns}" does not exist`);
        out.push({ ...nsObject, apiVersion: "v1", kind: "Namespace" });
        for (const [apiVersion, kind] of LIVE_KINDS) {
            for (const item of await lister.list(apiVersion, kind, ns)) out.push({ ...item, apiVersion, kind });
        }
    }
    return out;
}

/**
 * client-node hands back its model classes, not the wire format: NetworkPolicy `from` becomes
 * `_from`, LimitRange `default` becomes `_default`, timestamps become Dates. The rules read the wire
 * format (as Pulumi passes it), so every object is serialized back through client-node's own mapping.
 */
export function toWire(o: KubernetesObject, apiVersion: string, kind: string): K8sObject {
    return yaml.load(dumpYaml({ ...o, apiVersion, kind })) as K8sObject;
}

/** A Lister over @kubernetes/client-node's generic object API, following list pagination. */
export function clientLister(kubeconfigPath: string, context: string): Lister {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    kc.setCurrentContext(context);
    const api = KubernetesObjectApi.makeApiClient(kc);
    return {
        async list(apiVersion, kind, namespace) {
            const items: K8sObject[] = [];
            let token: string | undefined;
            do {
                const page = await api.list<KubernetesObject>(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, undefined, 500, token);
                items.push(...page.items.map((item) => toWire(item, apiVersion, kind)));
                token = page.metadata?._continue || undefined;
            } while (token);
            return items;
        },
        async read(apiVersion, kind, name) {
            try {
                return toWire(await api.read({ apiVersion, kind, metadata: { name } }), apiVersion, kind);
            } catch (e) {
                if ((e as { code?: number }).code === 404) return undefined;
                throw e;
            }
        },
    };
}

export async function liveCheck(
    kubeconfigPath: string, context: string, namespaces: readonly string[], packConfig: PackConfig, lister?: Lister,
): Promise<Violation[]> {
    const objects = await collectLiveObjects(lister ?? clientLister(kubeconfigPath, context), namespaces);
    return evaluate(objects, packConfig);
}

export function formatViolations(vs: readonly Violation[]): string {
    const order = (v: Violation) => (v.level === "mandatory" ? 0 : 1);
    return [...vs].sort((a, b) => order(a) - order(b) || a.rule.localeCompare(b.rule) || a.resource.localeCompare(b.resource))
        .map((v) => `[${v.level}] ${v.message}`).join("\n");
}

async function main(argv: string[]): Promise<number> {
    const arg = (flag: string): string | undefined => {
        const i = argv.indexOf(flag);
        return i >= 0 ? argv[i + 1] : undefined;
    };
    const kubeconfig = arg("--kubeconfig");
    const context = arg("--context");
    const namespaces = (arg("--namespaces") ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
    const configFile = arg("--config");
    if (!kubeconfig || !context || namespaces.length === 0) {
        throw new Error("usage: live-check.ts --kubeconfig <file> --context <name> --namespaces a,b [--config pack-config.json]");
    }
    const config = configFile ? JSON.parse(fs.readFileSync(configFile, "utf8")) as PackConfig : {};
    const violations = await liveCheck(kubeconfig, context, namespaces, config);
    const mandatory = violations.filter((v) => v.level === "mandatory").length;
    if (violations.length > 0) process.stdout.write(`${formatViolations(violations)}\n`);
    process.stdout.write(`live-check: ${mandatory} mandatory, ${violations.length - mandatory} advisory in ${namespaces.join(", ")}\n`);
    return mandatory > 0 ? 1 : 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code), (e: Error) => {
        process.stderr.write(`live-check: ${e.message}\n`);
        process.exit(2);
    });
}
