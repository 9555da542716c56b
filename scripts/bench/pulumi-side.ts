/**
 * The Pulumi side through the Automation API, as users run it (policy pack on), on a stack of its
 * own (`ci-bench`, git-ignored stack file) with the dev configuration moved into its own
 * namespaces. Each operation also returns where its time went, read from engine events as they
 * arrive: engine and program start-up until the first resource registration, the resource
 * operations, and the tail after the last one; plus the slowest resources.
 */
import { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { PROJECT } from "../../config";
import { generatedStack, withPolicy } from "../../tests/integration/helpers/stacks";
import { namespaceOverrides } from "../../tests/helpers/cluster";

export interface Phases {
    readonly totalMs: number;
    /**
     * Call until the program's first resource step (CLI, plugins, policy pack, language host,
     * ts-node, the program up to its first registration). The stack resource itself is left out:
     * the runtime registers it before the program is loaded.
     */
    readonly startupMs: number;
    /** First resource step until the last resource finished. */
    readonly resourcesMs: number;
    /** Last resource until the operation returned (summary, state write, plugin shutdown). */
    readonly tailMs: number;
    /** Slowest custom resources (components left out: they span their children), `type name: seconds from +start`. */
    readonly slowest: readonly string[];
}

const STACK = "pulumi:pulumi:Stack";

function timeline(): { onEvent: (e: EngineEvent) => void; phases: (t0: number, t1: number) => Phases } {
    let first = 0;
    let last = 0;
    const started = new Map<string, number>();
    const spans: [string, number, number][] = [];
    return {
        onEvent: (e) => {
            const now = Date.now();
            const pre = e.resourcePreEvent?.metadata;
            if (pre && pre.type !== STACK) {
                first ||= now;
                started.set(pre.urn, now);
            }
            const out = e.resOutputsEvent?.metadata;
            if (out && out.type !== STACK) {
                last = now;
                const t = started.get(out.urn);
                if (t && !out.type.startsWith(`${PROJECT}:`)) spans.push([`${out.type.split(":").pop()} ${out.urn.split("::").pop()}`, now - t, t]);
            }
        },
        phases: (t0, t1) => {
            const f = first || t1;
            const l = Math.max(last, f);
            const slowest = spans.sort((a, b) => b[1] - a[1]).slice(0, 4)
                .map(([n, ms, t]) => `${n}: ${(ms / 1000).toFixed(1)}s from +${((t - f) / 1000).toFixed(1)}s`);
            return { totalMs: t1 - t0, startupMs: f - t0, resourcesMs: l - f, tailMs: t1 - l, slowest };
        },
    };
}

export class PulumiSide {
    private constructor(readonly stack: Stack, private readonly stackName: string) {}

    static async create(stackName: string, prefix: string): Promise<PulumiSide> {
        return new PulumiSide(await generatedStack(stackName, "dev", namespaceOverrides(prefix)), stackName);
    }

    private policy(on: boolean) {
        return on ? withPolicy(this.stackName) : {};
    }

    private async timed(op: (onEvent: (e: EngineEvent) => void) => Promise<unknown>): Promise<Phases> {
        const t = timeline();
        const t0 = Date.now();
        await op(t.onEvent);
        return t.phases(t0, Date.now());
    }

    /**
     * The Automation API's up is `pulumi up --skip-preview`: the CLI's `pulumi up --yes` (npm run
     * deploy) previews first, so a user's deploy costs about a preview more than this.
     */
    up(policy = true): Promise<Phases> {
        return this.timed((onEvent) => this.stack.up({ onEvent, ...this.policy(policy) }));
    }

    preview(policy = true): Promise<Phases> {
        return this.timed((onEvent) => this.stack.preview({ onEvent, ...this.policy(policy) }));
    }

    destroy(): Promise<Phases> {
        return this.timed((onEvent) => this.stack.destroy({ onEvent }));
    }

    async deployed(): Promise<number> {
        return (await this.stack.exportStack()).deployment?.resources?.length ?? 0;
    }
}
