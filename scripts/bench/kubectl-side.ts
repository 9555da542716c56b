/**
 * What a kubectl user would do with the same objects: server-side apply, wait for the workloads'
 * rollouts, server-side diff, delete and wait. The objects are the ones the program registers for
 * the dev configuration, recorded under mocks (tests/helpers/program.ts) as tests/cluster applies
 * them, written once to one multi-document manifest.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { promisify } from "util";
import { CONTEXT, KUBECONFIG, namespaceOverrides, recordedObjects } from "../../tests/helpers/cluster";
import { runProgram } from "../../tests/helpers/program";

const run = promisify(execFile);

interface Obj { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } }

export interface Manifest {
    readonly file: string;
    readonly objects: readonly Obj[];
    /** `kind/name` of every Deployment and StatefulSet, with its namespace: what rollout status waits for. */
    readonly workloads: readonly { namespace: string; ref: string }[];
}

/** Renders the dev configuration, moved into `<prefix>-*` namespaces, to `<dir>/<prefix>.yaml`. */
export async function renderManifest(prefix: string, dir: string): Promise<Manifest> {
    const recorded = await runProgram("dev", namespaceOverrides(prefix));
    // Namespaces first: kubectl applies a file in order, and every other object lives in one.
    const rank = (o: Obj) => (o.kind === "Namespace" ? 0 : 1);
    const objects = (recordedObjects(recorded.resources) as Obj[]).slice().sort((a, b) => rank(a) - rank(b));
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${prefix}.yaml`);
    fs.writeFileSync(file, objects.map((o) => yaml.dump(o, { noRefs: true })).join("---\n"));
    const workloads = objects
        .filter((o) => o.kind === "Deployment" || o.kind === "StatefulSet")
        .map((o) => ({ namespace: o.metadata!.namespace!, ref: `${o.kind!.toLowerCase()}/${o.metadata!.name}` }));
    return { file, objects, workloads };
}

export class Kubectl {
    constructor(private readonly bin: string) {}

    async exec(args: string[], okCodes: number[] = [0]): Promise<string> {
        try {
            return (await run(this.bin, ["--kubeconfig", KUBECONFIG, "--context", CONTEXT, ...args], { maxBuffer: 64 << 20 })).stdout;
        } catch (e) {
            const err = e as { code?: number; stdout?: string; stderr?: string };
            if (typeof err.code === "number" && okCodes.includes(err.code)) return err.stdout ?? "";
            throw new Error(`kubectl ${args.join(" ")} failed (${err.code}): ${(err.stderr ?? "").trim().slice(0, 600)}`);
        }
    }

    /**
     * apply --server-side, then every rollout in parallel, as Pulumi awaits every workload at once.
     * Pulumi's await for a Deployment or StatefulSet is the rollout being complete and its pods
     * ready: the same condition `rollout status` waits for.
     */
    async applyAndWait(m: Manifest): Promise<void> {
        await this.exec(["apply", "--server-side", "--field-manager", "bench-kubectl", "-f", m.file]);
        await Promise.all(m.workloads.map((w) => this.exec(["-n", w.namespace, "rollout", "status", w.ref, "--timeout", "300s"])));
    }

    /** `kubectl diff` exits 1 when something differs: still a completed diff. */
    async diff(m: Manifest): Promise<string> {
        return this.exec(["diff", "--server-side", "--field-manager", "bench-kubectl", "-f", m.file], [0, 1]);
    }

    async deleteAndWait(m: Manifest): Promise<void> {
        await this.exec(["delete", "--wait", "--ignore-not-found", "--timeout", "300s", "-f", m.file]);
    }

    async namespaceExists(name: string): Promise<boolean> {
        return (await this.exec(["get", "namespace", name, "--ignore-not-found", "-o", "name"])).trim() !== "";
    }
}
