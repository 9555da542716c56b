/**
 * One reconcile: ask the Sentinel for the master, list the pods, patch the labels that differ. On
 * any uncertainty (no answer, an unknown set, a master that matches no pod, an API error) nothing
 * is changed. Its state is logged when it changes, not on every tick: a Sentinel that is down for
 * a minute gives one line, not 120.
 */
import { Logger, errorText } from "./log";
import { apiErrorText, PodApi } from "./kube";
import { findMaster, LabelChange, plan } from "./plan";
import type { MasterSource } from "./sentinel";

export interface ReconcilerOptions {
    readonly sentinel: MasterSource;
    readonly pods: PodApi;
    readonly masterSet: string;
    readonly roleLabel: string;
    readonly log: Logger;
    /** The clock (tests move it). */
    readonly now?: () => number;
}

export type Outcome =
    | { readonly ok: true; readonly master: string; readonly changes: readonly LabelChange[] }
    | { readonly ok: false; readonly reason: string };

export interface Health {
    readonly ok: boolean;
    readonly reason: string;
}

export class Reconciler {
    private lastSuccess?: number;
    private lastFailure?: string;
    private state = "";
    private readonly now: () => number;

    constructor(private readonly o: ReconcilerOptions) {
        this.now = o.now ?? Date.now;
    }

    async reconcileOnce(): Promise<Outcome> {
        const outcome = await this.attempt();
        if (outcome.ok) {
            this.lastSuccess = this.now();
            this.lastFailure = undefined;
            this.note(`ok ${outcome.master}`, () => this.o.log.info("in sync", { master: outcome.master, roleLabel: this.o.roleLabel }));
        } else {
            this.lastFailure = outcome.reason;
            this.note(`failed ${outcome.reason}`, () => this.o.log.warn("labels left unchanged", { reason: outcome.reason }));
        }
        return outcome;
    }

    /** Healthy while the last successful reconcile is at most `maxAgeMs` old. */
    health(maxAgeMs: number): Health {
        if (this.lastSuccess === undefined) {
            return { ok: false, reason: `no reconcile has succeeded yet${this.lastFailure === undefined ? "" : `; the last one failed: ${this.lastFailure}`}` };
        }
        const age = this.now() - this.lastSuccess;
        if (age <= maxAgeMs) return { ok: true, reason: "ok" };
        const last = this.lastFailure === undefined ? "" : `; the last one failed: ${this.lastFailure}`;
        return { ok: false, reason: `the last successful reconcile was ${(age / 1000).toFixed(1)} s ago (more than ${maxAgeMs / 1000} s)${last}` };
    }

    private async attempt(): Promise<Outcome> {
        const fail = (reason: string): Outcome => ({ ok: false, reason });
        let addr;
        try {
            addr = await this.o.sentinel.masterAddr();
        } catch (e) {
            return fail(`the Sentinel did not answer: ${errorText(e)}`);
        }
        if (addr === null) return fail(`the Sentinel does not know the master set ${this.o.masterSet}`);
        const where = `${addr.host}:${addr.port}`;
        let pods;
        try {
            pods = await this.o.pods.listPods();
        } catch (e) {
            return fail(`listing the pods failed: ${apiErrorText(e)}`);
        }
        const master = findMaster(addr.host, pods);
        if (master === undefined) {
            const names = pods.map((p) => p.name).sort().join(", ") || "none";
            return fail(`the master ${where} is none of the selected pods (${names})`);
        }
        const changes = plan(addr.host, pods, this.o.roleLabel);
        for (const c of changes) {
            try {
                await this.o.pods.patchLabel(c.pod, this.o.roleLabel, c.to);
            } catch (e) {
                return fail(`labelling pod ${c.pod} ${c.to} failed: ${apiErrorText(e)}`);
            }
            this.o.log.info("role label changed", { pod: c.pod, from: c.from, to: c.to, master: master.name });
        }
        return { ok: true, master: master.name, changes };
    }

    private note(state: string, log: () => void): void {
        if (state === this.state) return;
        this.state = state;
        log();
    }
}

export interface Loop {
    /**
     * Stops scheduling and resolves once a reconcile in progress has finished, or after `graceMs`:
     * a round cut short leaves correct labels on the pods it reached, and the next labeler
     * finishes it.
     */
    stop(graceMs?: number): Promise<void>;
}

/** Reconciles now and then `intervalMs` after each reconcile ends, so two never overlap. */
export function startLoop(reconciler: Reconciler, intervalMs: number, log: Logger): Loop {
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<unknown> = Promise.resolve();
    let stopped = false;
    const tick = () => {
        running = reconciler.reconcileOnce()
            .catch((e) => log.error("reconcile failed", { error: errorText(e) }))
            .finally(() => {
                if (!stopped) timer = setTimeout(tick, intervalMs);
            });
    };
    tick();
    return {
        async stop(graceMs = 10_000) {
            stopped = true;
            clearTimeout(timer);
            let grace: NodeJS.Timeout | undefined;
            await Promise.race([running, new Promise((resolve) => { grace = setTimeout(resolve, graceMs); })]);
            clearTimeout(grace);
        },
    };
}
