/**
 * The replicated Redis's failover and write-safety section of the stack configuration: Sentinel
 * on or off, how many Sentinels and how many must agree, their timings, and the bound on writes
 * no replica has received (min-replicas-to-write / min-replicas-max-lag, in both modes).
 */
import { PROJECT, Reader } from "./reader";

export interface SentinelConfig {
    readonly enabled: boolean;
    /** Sentinel processes (odd, at least 3 when enabled). */
    readonly count: number;
    /** Sentinels that must agree the master is down before a failover starts. */
    readonly quorum: number;
    readonly downAfterMs: number;
    readonly failoverTimeoutMs: number;
    /** The master set name clients ask the Sentinels about. */
    readonly masterSet: string;
    /** Image of the role labeler (services/redis-role-labeler) that points the write and read Services. */
    readonly labelerImage: string;
}

export interface WriteSafety {
    /** A master accepts writes only while this many replicas are connected (0: off). */
    readonly minReplicasToWrite: number;
    /** ...and acknowledged replication within this many seconds. */
    readonly minReplicasMaxLagSeconds: number;
}

/** The set name Redis's own documentation and the usual charts use. */
export const MASTER_SET = "mymaster";

const ALLOWED_COUNTS = "an odd number from 3 to 9 (3, 5, 7 or 9), so that a majority survives the loss of any minority";

export function parseSentinel(r: Reader, replicas: number): { sentinel: SentinelConfig; writeSafety: WriteSafety } {
    const enabled = r.bool("replicatedSentinel");
    const count = r.int("replicatedSentinelCount", 1, 9);
    if (enabled && (count < 3 || count % 2 === 0)) {
        r.problems.push(`${PROJECT}:replicatedSentinelCount: ${count} is not allowed; use ${ALLOWED_COUNTS}`);
    }
    if (enabled && replicas === 0) {
        r.problems.push(`${PROJECT}:replicatedReplicas: 0 is not allowed while replicatedSentinel is true; Sentinel fails over to a replica, so run at least 1 (or set replicatedSentinel to false)`);
    }
    const majority = Math.floor(count / 2) + 1;
    const quorumText = r.str("replicatedSentinelQuorum").trim();
    let quorum = majority;
    if (quorumText !== "majority") {
        const n = Number(quorumText);
        if (!/^\d+$/.test(quorumText) || n < 1 || n > count) {
            r.problems.push(`${PROJECT}:replicatedSentinelQuorum: ${JSON.stringify(quorumText)} is not allowed; use "majority" or a whole number from 1 to replicatedSentinelCount (${count})`);
        } else {
            quorum = n;
        }
    }
    const downAfterMs = r.int("replicatedSentinelDownAfterMs", 1000, 600_000);
    const failoverTimeoutMs = r.int("replicatedSentinelFailoverTimeoutMs", 5000, 3_600_000);
    if (failoverTimeoutMs < 2 * downAfterMs) {
        r.problems.push(`${PROJECT}:replicatedSentinelFailoverTimeoutMs: ${failoverTimeoutMs} is less than twice replicatedSentinelDownAfterMs (${downAfterMs}); a failover cannot finish before it times out, so use at least ${2 * downAfterMs}`);
    }

    const labelerImage = r.image("replicatedRoleLabelerImage");

    const minReplicasToWrite = r.int("replicatedMinReplicasToWrite", 0, 10);
    const replicasBad = r.problems.some((p) => p.startsWith(`${PROJECT}:replicatedReplicas:`));
    if (minReplicasToWrite > replicas && !replicasBad) {
        r.problems.push(`${PROJECT}:replicatedMinReplicasToWrite: ${minReplicasToWrite} is more than replicatedReplicas (${replicas}); the master would refuse every write, so use a whole number from 0 to ${replicas}`);
    }
    const minReplicasMaxLagSeconds = r.int("replicatedMinReplicasMaxLag", 1, 3600);
    return {
        sentinel: { enabled, count, quorum, downAfterMs, failoverTimeoutMs, masterSet: MASTER_SET, labelerImage },
        writeSafety: { minReplicasToWrite, minReplicasMaxLagSeconds },
    };
}
