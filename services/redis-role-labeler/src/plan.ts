/**
 * The decision, pure: from the master's address the Sentinel gives and the pods the API lists, which
 * pods' role label must change. No I/O here, so every case is a unit test.
 */
import { isIP } from "net";

export type Role = "master" | "replica";

export interface PodInfo {
    readonly name: string;
    /** status.podIP; undefined until the pod is scheduled and has an address. */
    readonly podIP?: string;
    readonly labels: Readonly<Record<string, string>>;
}

export interface LabelChange {
    readonly pod: string;
    /** The label's value now; null when the pod does not carry it. */
    readonly from: string | null;
    readonly to: Role;
}

/**
 * The pod the master's host names, or undefined when none does.
 * - An IP address (a Sentinel without announce-hostnames): the pod with that status.podIP.
 * - A DNS name (announce-hostnames, as Bitnami's chart sets it): a StatefulSet pod's name is the
 *   first label of its name under the headless Service (redis-node-1.redis-headless.redis.svc...
 *   -> redis-node-1), and that pod must be among the listed ones.
 */
export function findMaster(masterHost: string | null, pods: readonly PodInfo[]): PodInfo | undefined {
    if (masterHost === null || masterHost === "") return undefined;
    if (isIP(masterHost) !== 0) return pods.find((p) => p.podIP !== undefined && p.podIP === masterHost);
    const name = masterHost.replace(/\.$/, "").split(".")[0].toLowerCase();
    return pods.find((p) => p.name === name);
}

/**
 * The label changes that make the master pod `master` and every other listed pod `replica`. Nothing
 * when the master is unknown or matches no pod: on uncertainty the labels stay as they are, since
 * stripping the master's label would take the write Service's only endpoint away.
 * Demotions come first and the promotion last, so the write Service never selects two pods, one
 * of which may be an old master still taking writes that the failover has already discarded.
 */
export function plan(masterHost: string | null, pods: readonly PodInfo[], roleLabel: string): LabelChange[] {
    const master = findMaster(masterHost, pods);
    if (master === undefined) return [];
    const changes: LabelChange[] = [];
    for (const pod of pods) {
        const to: Role = pod === master ? "master" : "replica";
        const from = pod.labels[roleLabel] ?? null;
        if (from !== to) changes.push({ pod: pod.name, from, to });
    }
    const rank = (c: LabelChange) => (c.to === "master" ? 2 : c.from === "master" ? 0 : 1);
    return changes.sort((a, b) => rank(a) - rank(b));
}
