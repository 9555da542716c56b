/**
 * `npm run bench`, scaling section: preview (from empty) and up of the bench-only fixture
 * (scripts/bench/scale: the platform's backend shape, built with the product's helpers) at 10 and
 * 50 services, policy pack on, one stack of its own (`ci-bench-scale`, git-ignored stack file).
 * Goal from issue 11: linear, 50 services within 5.5x the time of 10.
 */
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildPackConfig } from "../../policy/stack-config";
import { KUBECONFIG } from "../../tests/helpers/cluster";
import { clearStaleLocks } from "../../tests/integration/helpers/stacks";
import { policyPackDir } from "../lib/stack-files";
import { Summary, summarize } from "./stats";

const FIXTURE = path.join(__dirname, "scale");

export interface ScalePoint {
    readonly services: number;
    readonly objects: number;
    readonly preview: Summary;
    readonly up: Summary;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
    const t = Date.now();
    await fn();
    return Date.now() - t;
}

async function emptied(stack: Stack): Promise<void> {
    const state = await stack.exportStack();
    // An interrupted run leaves pending creates, which stop every later update: drop them (the
    // objects they made are in the fixture's namespace, which the destroy removes).
    if ((state.deployment?.pending_operations?.length ?? 0) > 0) {
        delete state.deployment.pending_operations;
        await stack.importStack(state);
    }
    if ((state.deployment?.resources?.length ?? 0) > 0) await stack.destroy();
}

/** Each size `rounds` times from empty: preview, up, destroy (destroy not reported). */
export async function scaling(sizes: readonly number[], rounds: number, say: (line: string) => void): Promise<ScalePoint[]> {
    clearStaleLocks("ci-bench-scale", "bench-scale");
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: "ci-bench-scale", workDir: FIXTURE });
    const packConfig = path.join(os.tmpdir(), "bench-scale-pack-config.json");
    fs.writeFileSync(packConfig, JSON.stringify(buildPackConfig({ environment: "dev", exemptions: [] })));
    const policy = { policyPacks: [policyPackDir()], policyPackConfigs: [packConfig] };
    await stack.setConfig("kubeconfig", { value: KUBECONFIG });
    const points: ScalePoint[] = [];
    try {
        for (const n of sizes) {
            await stack.setConfig("services", { value: String(n) });
            const previews: number[] = [];
            const ups: number[] = [];
            for (let r = 1; r <= rounds; r++) {
                await emptied(stack);
                previews.push(await timed(() => stack.preview(policy)));
                ups.push(await timed(() => stack.up(policy)));
                say(`scaling ${n} services, round ${r}/${rounds}: preview ${(previews[r - 1] / 1000).toFixed(1)}s, up ${(ups[r - 1] / 1000).toFixed(1)}s`);
                await stack.destroy();
            }
            // Namespace, its default-deny policy, and per service a Deployment, Service and NetworkPolicy.
            points.push({ services: n, objects: 2 + 3 * n, preview: summarize(previews), up: summarize(ups) });
        }
    } finally {
        await emptied(stack);
    }
    return points;
}
