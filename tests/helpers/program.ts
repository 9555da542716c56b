/**
 * Runs the real program (index.ts) under Pulumi mocks for a stack's configuration and records the
 * inputs of every resource it registers, so tests assert on what would be sent to the cluster.
 */
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { PROJECT } from "../../config";
import { ROOT, rawStackConfig } from "../../scripts/lib/stack-files";

export interface Recorded {
    readonly type: string;
    readonly name: string;
    /** Inputs with Pulumi secrets unwrapped to their values. */
    readonly inputs: any;
    /** Dotted paths of the inputs that were Pulumi secrets. */
    readonly secretPaths: readonly string[];
}

/** Replaces serialized secrets by their values, collecting where they were. */
function unwrapSecrets(value: any, at: string, found: string[]): any {
    if (Array.isArray(value)) return value.map((v, i) => unwrapSecrets(v, `${at}[${i}]`, found));
    if (value && typeof value === "object") {
        if (value[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) {
            found.push(at);
            return unwrapSecrets(value.value, at, []);
        }
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v, at ? `${at}.${k}` : k, found)]));
    }
    return value;
}

export interface ProgramRun {
    readonly resources: readonly Recorded[];
    /** Resolved stack exports (secret-ness dropped: tests look at values). */
    readonly outputs: Record<string, unknown>;
    /** Exports that are Pulumi secrets. */
    readonly secretOutputs: readonly string[];
    /** The generated password the mocks handed out (to search for leaks). */
    readonly password: string;
}

export const MOCK_PASSWORD_PREFIX = "MockPw";

/** The value of an Output (or plain value) in a test. */
export function valueOf<T>(o: pulumi.Input<T> | undefined): Promise<T | undefined> {
    if (o === undefined) return Promise.resolve(undefined);
    return new Promise((resolve) => pulumi.output(o).apply((v) => { resolve(v as T); return v; }));
}

async function isSecretOutput(o: unknown): Promise<boolean> {
    return pulumi.Output.isInstance(o) ? pulumi.isSecret(o as pulumi.Output<unknown>) : false;
}

async function settle(count: () => number): Promise<void> {
    let last = -1;
    let stable = 0;
    while (stable < 5) {
        await new Promise((r) => setTimeout(r, 10));
        stable = count() === last ? stable + 1 : 0;
        last = count();
    }
}

const runs = new Map<string, Promise<ProgramRun>>();

/** Runs index.ts for `stack` with config `overrides` (short keys); memoized per argument set. */
export function runProgram(stack: string, overrides: Record<string, unknown> = {}): Promise<ProgramRun> {
    const key = JSON.stringify([stack, overrides]);
    if (!runs.has(key)) runs.set(key, runOnce(stack, overrides));
    return runs.get(key)!;
}

let queue: Promise<unknown> = Promise.resolve();

function runOnce(stack: string, overrides: Record<string, unknown>): Promise<ProgramRun> {
    // One program at a time: the Pulumi runtime and its config are process-global.
    const run = queue.then(async () => {
        const resources: Recorded[] = [];
        let password = "";
        await pulumi.runtime.setMocks({
            newResource: (args) => {
                const secretPaths: string[] = [];
                const inputs = unwrapSecrets(args.inputs, "", secretPaths);
                resources.push({ type: args.type, name: args.name, inputs, secretPaths });
                const state = { ...args.inputs };
                if (args.type === "random:index/randomPassword:RandomPassword") {
                    password = `${MOCK_PASSWORD_PREFIX}${"x7Q".repeat(20)}`.slice(0, args.inputs.length);
                    state.result = password;
                }
                return { id: `${args.name}-id`, state };
            },
            call: (args) => args.inputs,
        }, PROJECT, stack, false);
        pulumi.runtime.setAllConfig(rawStackConfig(stack, overrides));
        const entry = path.join(ROOT, "index.ts");
        delete require.cache[require.resolve(entry)];
        let exportsOf: Record<string, unknown>;
        try {
            exportsOf = require(entry);
        } catch (e) {
            await settle(() => resources.length);
            throw Object.assign(e as Error, { registered: resources.length });
        }
        const outputs: Record<string, unknown> = {};
        const secretOutputs: string[] = [];
        for (const [name, value] of Object.entries(exportsOf)) {
            outputs[name] = await valueOf(value as pulumi.Input<unknown>);
            if (await isSecretOutput(value)) secretOutputs.push(name);
        }
        await settle(() => resources.length);
        return { resources, outputs, secretOutputs, password };
    });
    queue = run.catch(() => undefined);
    return run;
}

/** The one recorded resource of `type` named `name` (Kubernetes name, else Pulumi name), optionally in `namespace`. */
export function find(run: ProgramRun, type: string, name: string, namespace?: string): Recorded {
    const matches = run.resources.filter((r) => r.type === type && (r.inputs?.metadata?.name ?? r.name) === name
        && (namespace === undefined || r.inputs?.metadata?.namespace === namespace));
    if (matches.length !== 1) {
        throw new Error(`expected one ${type} named ${name}, found ${matches.length} (of ${run.resources.filter((r) => r.type === type).map((r) => r.inputs?.metadata?.name ?? r.name).join(", ")})`);
    }
    return matches[0];
}

export function ofType(run: ProgramRun, type: string): Recorded[] {
    return run.resources.filter((r) => r.type === type);
}

export const T = {
    Namespace: "kubernetes:core/v1:Namespace",
    ConfigMap: "kubernetes:core/v1:ConfigMap",
    Secret: "kubernetes:core/v1:Secret",
    Service: "kubernetes:core/v1:Service",
    ResourceQuota: "kubernetes:core/v1:ResourceQuota",
    LimitRange: "kubernetes:core/v1:LimitRange",
    Deployment: "kubernetes:apps/v1:Deployment",
    StatefulSet: "kubernetes:apps/v1:StatefulSet",
    PDB: "kubernetes:policy/v1:PodDisruptionBudget",
    HPA: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    Ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    NetworkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    Provider: "pulumi:providers:kubernetes",
    RandomPassword: "random:index/randomPassword:RandomPassword",
} as const;

/** Workload helpers over recorded inputs. */
export function container(workload: Recorded, name?: string): any {
    const containers = workload.inputs.spec.template.spec.containers as any[];
    return name === undefined ? containers[0] : containers.find((c) => c.name === name);
}

export function inNamespace(run: ProgramRun, ns: string): Recorded[] {
    return run.resources.filter((r) => r.inputs?.metadata?.namespace === ns);
}
