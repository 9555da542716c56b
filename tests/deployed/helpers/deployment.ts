/**
 * The deployment the post-deploy tests check: the dev configuration `pulumi up`ped through the
 * Automation API (with the policy pack) as stack "e2e", in namespaces of its own beside a user's
 * dev stack, on the embedded cluster's real node. Every suite file awaits `deployment()`; the first
 * call deploys, the others share it. When the lifecycle suite ran earlier in the same mocha run
 * (npm test on the real node), it hands its deployed stack over (`handOver`) and the first call
 * only converges it back to the dev configuration: one deployment serves both suites, and
 * tests/deployed/destroy.test.ts destroys it. Hosts and ports come from the stack's outputs; the
 * tests reach Services from this machine (the node: kube-proxy's rules cover its own traffic)
 * after resolving the output host names with the cluster's DNS.
 */
import { OutputMap, Stack } from "@pulumi/pulumi/automation";
import * as dns from "dns";
import * as fs from "fs";
import { clients, KUBECONFIG, namespaceOverrides, testNamespaces } from "../../helpers/cluster";
import { destroyIfDeployed, generatedStack, progress, withPolicy } from "../../integration/helpers/stacks";

export const STACK = "e2e";
export const PREFIX = "e2e";
export const NAMESPACES = testNamespaces(PREFIX);
/** Own namespaces, and an Ingress host of its own (one controller serves every stack's Ingresses). */
export const OVERRIDES = { ...namespaceOverrides(PREFIX), ingressHost: `${PREFIX}.ecommerce.local` };

/** The cluster DNS (CoreDNS on the pod bridge's gateway, scripts/cluster/node.sh). */
const CLUSTER_DNS = process.env.CLUSTER_POD_GATEWAY ?? "10.244.0.1";

export interface Outputs {
    readonly cacheHost: string;
    readonly cachePort: number;
    readonly redisWriteHost: string;
    readonly redisReadHost: string;
    readonly redisPort: number;
    readonly redisNamespace: string;
    readonly redisSecretName: string;
    readonly redisSecretKey: string;
    readonly platformNamespace: string;
    readonly gatewayHost: string;
    readonly gatewayPort: number;
    readonly ingressHost: string;
    readonly guestbookFrontendHost: string;
    readonly guestbookFrontendPort: number;
}

export interface Deployed {
    readonly stack: Stack;
    readonly outputs: Outputs;
    /** The generated password, read from the cluster's Secret (named by the outputs). */
    readonly password: string;
}

let deployed: Promise<Deployed> | undefined;
let handedOver = false;

/** The lifecycle suite leaves stack STACK deployed to the post-deploy tests of the same run. */
export function handOver(): void {
    handedOver = true;
}

/** The e2e deployment (deployed by the first caller). */
export function deployment(): Promise<Deployed> {
    deployed ??= deploy();
    return deployed;
}

/** The outputs as plain values (the secret-ness of each is the lifecycle suite's concern). */
export function plain(outputs: OutputMap): Outputs {
    return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value])) as unknown as Outputs;
}

async function deploy(): Promise<Deployed> {
    const stack = await generatedStack(STACK, "dev", OVERRIDES);
    if (!handedOver) await destroyIfDeployed(stack);
    const what = handedOver ? "pulumi up back to the dev configuration (handed over by the lifecycle suite)" : "pulumi up";
    const t0 = Date.now();
    const up = await stack.up({ ...withPolicy(STACK), onOutput: progress(`${STACK} up`) });
    if (up.summary.result !== "succeeded") throw new Error(`pulumi up of stack ${STACK}: ${up.summary.result}`);
    process.stdout.write(`      (${STACK}: ${what} took ${Math.round((Date.now() - t0) / 1000)}s)\n`);
    const outputs = plain(up.outputs);
    return { stack, outputs, password: await secretValue(outputs.redisNamespace, outputs.redisSecretName, outputs.redisSecretKey) };
}

export async function secretValue(namespace: string, name: string, key: string): Promise<string> {
    const secret = await clients().core.readNamespacedSecret({ name, namespace });
    const b64 = secret.data?.[key];
    if (!b64) throw new Error(`Secret ${namespace}/${name} has no key ${key}`);
    return Buffer.from(b64, "base64").toString("utf8");
}

/** Why the post-deploy tests cannot run here, or undefined on a real (containerd) node. */
export async function notRealNode(): Promise<string | undefined> {
    if (!fs.existsSync(KUBECONFIG)) return `no ${KUBECONFIG}: start the cluster with npm run cluster:up`;
    try {
        const runtimes = (await clients().core.listNode()).items.map((n) => n.status?.nodeInfo?.containerRuntimeVersion ?? "");
        if (!runtimes.some((r) => r.startsWith("containerd://"))) {
            return `the embedded cluster's node is simulated (${runtimes.join(", ") || "no node"}); containers run only on the real node (npm run cluster:up without CLUSTER_NODE=kwok)`;
        }
    } catch (e) {
        return `the embedded cluster does not answer (${(e as Error).message})`;
    }
    return undefined;
}

/** mocha `before`: skip the file (saying why) unless the real node runs; else the deployment. */
export async function requireDeployment(ctx: Mocha.Context): Promise<Deployed> {
    const reason = await notRealNode();
    if (reason) {
        process.stdout.write(`      skipped: ${reason}\n`);
        ctx.skip();
    }
    return deployment();
}

const resolver = new dns.promises.Resolver({ timeout: 3000, tries: 2 });
resolver.setServers([CLUSTER_DNS]);

/** The A record of an in-cluster name (a Service's ClusterIP), from the cluster's DNS. */
export async function resolveInCluster(host: string): Promise<string> {
    const [ip] = await resolver.resolve4(host);
    return ip;
}
