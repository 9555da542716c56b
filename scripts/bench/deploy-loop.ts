/**
 * `npm run bench`, deploy loop: the dev configuration deployed by Pulumi (Automation API, policy
 * pack on) and by kubectl (server-side apply of the same objects) on the embedded cluster, each
 * round from empty, then one table of medians with min/max and pulumi/kubectl ratios, written as
 * JSON to .bench/. A benchmark: it reports, it asserts nothing.
 *
 * Then the scaling section (scaling.ts): preview and up at 10 and 50 services.
 *
 * Env: BENCH_ROUNDS (3), BENCH_SCALE_ROUNDS (1; 0 skips scaling), BENCH_KUBECTL (the cluster's
 * kubectl; scripts/bench.sh sets it).
 * Needs the toolchain on PATH (scripts/toolchain/env.sh) and the embedded cluster up.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../lib/stack-files";
import { testNamespaces } from "../../tests/helpers/cluster";
import { Kubectl, renderManifest } from "./kubectl-side";
import { Phases, PulumiSide } from "./pulumi-side";
import { ScalePoint, scaling } from "./scaling";
import { Row, summarize, table } from "./stats";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? "3");
const SCALE_ROUNDS = Number(process.env.BENCH_SCALE_ROUNDS ?? "1");
const SCALE_SIZES = [10, 50];
const STACK = "ci-bench";
const PULUMI_PREFIX = "bp";
const KUBECTL_PREFIX = "bk";
const T0 = Date.now();
const say = (line: string) => process.stdout.write(`[bench +${Math.round((Date.now() - T0) / 1000)}s] ${line}\n`);

async function timed(fn: () => Promise<unknown>): Promise<number> {
    const t = Date.now();
    await fn();
    return Date.now() - t;
}

/** Wall time of loading the program's modules in a fresh node, as the language host does (ts-node, type-checked or not). */
function loadTime(env: Record<string, string>, script: string): number {
    const t = Date.now();
    execFileSync(process.execPath, ["-r", "ts-node/register", "-e", script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: "pipe" });
    return Date.now() - t;
}

/** Runs `fn` with PULUMI_NODEJS_TRANSPILE_ONLY set for the CLI (and so the language host) it starts. */
async function transpileOnly<T>(fn: () => Promise<T>): Promise<T> {
    process.env.PULUMI_NODEJS_TRANSPILE_ONLY = "true";
    try {
        return await fn();
    } finally {
        delete process.env.PULUMI_NODEJS_TRANSPILE_ONLY;
    }
}

async function main(): Promise<void> {
    const kubectlBin = process.env.BENCH_KUBECTL;
    if (!kubectlBin || !fs.existsSync(kubectlBin)) throw new Error("BENCH_KUBECTL is not the cluster's kubectl: run this through npm run bench");
    const kubectl = new Kubectl(kubectlBin);
    const outDir = path.join(ROOT, ".bench");

    say("rendering the dev configuration's objects from the program (recorded under mocks)");
    const manifest = await renderManifest(KUBECTL_PREFIX, outDir);
    say(`${manifest.objects.length} objects, ${manifest.workloads.length} workloads -> ${path.relative(ROOT, manifest.file)}`);
    const pulumi = await PulumiSide.create(STACK, PULUMI_PREFIX);

    const samples: Record<string, number[]> = {};
    const add = (key: string, ms: number) => (samples[key] ??= []).push(ms);
    const phases: Record<string, Phases[]> = {};
    const addPhases = (key: string, p: Phases) => { add(key, p.totalMs); (phases[key] ??= []).push(p); };
    const show = (p: Phases) => `${(p.totalMs / 1000).toFixed(1)}s (start-up ${(p.startupMs / 1000).toFixed(1)}s, resources ${(p.resourcesMs / 1000).toFixed(1)}s, tail ${(p.tailMs / 1000).toFixed(1)}s)`;

    for (let round = 1; round <= ROUNDS; round++) {
        if (await pulumi.deployed() > 0) { say("stack not empty: destroying first"); await pulumi.destroy(); }
        if (await kubectl.namespaceExists(testNamespaces(KUBECTL_PREFIX).platform)) { say("kubectl objects left over: deleting first"); await kubectl.deleteAndWait(manifest); }
        const r = `round ${round}/${ROUNDS}`;

        let p = await pulumi.up(); addPhases("pulumi up", p); say(`${r} pulumi up (policy pack): ${show(p)}`);
        p = await pulumi.preview(); addPhases("pulumi preview", p); say(`${r} pulumi preview, no-op (policy pack): ${show(p)}`);
        p = await pulumi.preview(false); addPhases("pulumi preview, no pack", p); say(`${r} pulumi preview, no-op, no pack: ${show(p)}`);
        p = await transpileOnly(() => pulumi.preview()); addPhases("pulumi preview, transpile-only", p); say(`${r} pulumi preview, no-op, PULUMI_NODEJS_TRANSPILE_ONLY: ${show(p)}`);
        p = await pulumi.destroy(); addPhases("pulumi destroy", p); say(`${r} pulumi destroy: ${show(p)}`);

        let ms = await timed(() => kubectl.applyAndWait(manifest)); add("kubectl apply", ms); say(`${r} kubectl apply --server-side + rollout status: ${(ms / 1000).toFixed(1)}s`);
        let diff = "";
        ms = await timed(async () => { diff = await kubectl.diff(manifest); }); add("kubectl diff", ms);
        say(`${r} kubectl diff --server-side: ${(ms / 1000).toFixed(1)}s${diff.trim() ? ` (not empty: ${diff.split("\n").length} lines)` : " (empty)"}`);
        ms = await timed(() => kubectl.deleteAndWait(manifest)); add("kubectl delete", ms); say(`${r} kubectl delete --wait: ${(ms / 1000).toFixed(1)}s`);

        p = await pulumi.up(false); addPhases("pulumi up, no pack", p); say(`${r} pulumi up, no pack: ${show(p)}`);
        p = await pulumi.destroy(); addPhases("pulumi destroy", p); say(`${r} pulumi destroy: ${show(p)}`);
    }

    say("program load time, ts-node as the language host runs it");
    const program = `require("./config"); require("./components")`;
    for (let i = 0; i < ROUNDS; i++) {
        add("load, type-checked", loadTime({}, program));
        add("load, transpile-only", loadTime({ TS_NODE_TRANSPILE_ONLY: "true" }, program));
    }

    let scale: ScalePoint[] = [];
    if (SCALE_ROUNDS > 0) scale = await scaling(SCALE_SIZES, SCALE_ROUNDS, say);
    else say("scaling skipped (BENCH_SCALE_ROUNDS=0)");

    const s = (k: string) => summarize(samples[k]);
    const rows: Row[] = [
        { operation: "up from empty (pack) vs apply + rollout", pulumi: s("pulumi up"), kubectl: s("kubectl apply"), goal: 1.5 },
        { operation: "up from empty, no pack", pulumi: s("pulumi up, no pack"), kubectl: s("kubectl apply") },
        { operation: "no-op preview (pack) vs diff", pulumi: s("pulumi preview"), kubectl: s("kubectl diff"), goal: 2 },
        { operation: "no-op preview, no pack", pulumi: s("pulumi preview, no pack"), kubectl: s("kubectl diff") },
        { operation: "no-op preview (pack), transpile-only", pulumi: s("pulumi preview, transpile-only"), kubectl: s("kubectl diff") },
        { operation: "destroy vs delete --wait", pulumi: s("pulumi destroy"), kubectl: s("kubectl delete"), goal: 1.5 },
        { operation: "program load, ts-node type-checked", pulumi: s("load, type-checked") },
        { operation: "program load, ts-node transpile-only", pulumi: s("load, transpile-only") },
        ...scale.flatMap((p) => {
            const times = (x: number, of: number) => (p.services === SCALE_SIZES[0] ? "" : ` (${(x / of).toFixed(2)}x of ${SCALE_SIZES[0]})`);
            const base = scale[0];
            return [
                { operation: `scaling: preview from empty, ${p.services} services${times(p.preview.median, base.preview.median)}`, pulumi: p.preview },
                { operation: `scaling: up, ${p.services} services (${p.objects} objects)${times(p.up.median, base.up.median)}`, pulumi: p.up },
            ];
        }),
    ];
    const breakdown = Object.fromEntries(Object.entries(phases).map(([k, ps]) => [k, {
        startup: summarize(ps.map((x) => x.startupMs)), resources: summarize(ps.map((x) => x.resourcesMs)), tail: summarize(ps.map((x) => x.tailMs)),
        slowest: ps.map((x) => x.slowest),
    }]));

    process.stdout.write(`\nDeploy loop, dev configuration (${manifest.objects.length} Kubernetes objects), ${ROUNDS} rounds from empty, embedded cluster:\n${table(rows)}\n`);
    process.stdout.write("\nWhere Pulumi's time goes (medians, s): start-up = call to first resource step; resources = first to last resource; tail = after the last resource\n");
    for (const [k, b] of Object.entries(breakdown)) {
        process.stdout.write(`  ${k.padEnd(32)} start-up ${(b.startup.median / 1000).toFixed(1)}  resources ${(b.resources.median / 1000).toFixed(1)}  tail ${(b.tail.median / 1000).toFixed(1)}${b.slowest[0]?.length ? `  slowest: ${b.slowest[0].join(", ")}` : ""}\n`);
    }

    fs.mkdirSync(outDir, { recursive: true });
    const out = path.join(outDir, `results-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
    fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), rounds: ROUNDS, objects: manifest.objects.length, rows, breakdown, scale, samples }, null, 2));
    say(`written ${path.relative(ROOT, out)}`);
}

main().catch((e) => {
    process.stderr.write(`[bench] ERROR: ${(e as Error).message}\n`);
    process.exit(1);
});
