/**
 * Hardened defaults for every pod and container (Pod Security Standards "restricted"):
 * non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp, read-only root
 * filesystem (writable paths are emptyDir or volumes), no service-account token.
 */
import * as k8s from "@pulumi/kubernetes";

type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
type SecurityContext = k8s.types.input.core.v1.SecurityContext;

export interface RunAs {
    readonly user: number;
    readonly group: number;
    /** Group that owns mounted volumes, so the non-root user can write its data directory. */
    readonly fsGroup?: number;
}

/**
 * `restricted: false` exists for one case only: a stack-config exemption from pod-security-restricted
 * (an upstream image that must start as root). It keeps seccomp and no-privilege-escalation.
 */
export function podSecurityContext(runAs: RunAs | undefined, restricted = true): PodSecurityContext {
    if (!restricted || runAs === undefined) {
        return { seccompProfile: { type: "RuntimeDefault" } };
    }
    return {
        runAsNonRoot: true,
        runAsUser: runAs.user,
        runAsGroup: runAs.group,
        ...(runAs.fsGroup !== undefined ? { fsGroup: runAs.fsGroup } : {}),
        seccompProfile: { type: "RuntimeDefault" },
    };
}

export function containerSecurityContext(restricted = true): SecurityContext {
    if (!restricted) {
        return { allowPrivilegeEscalation: false };
    }
    return {
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
    };
}

/** Labels that make the API server enforce the level on every pod of the namespace. */
export function podSecurityLabels(level: "restricted" | "baseline"): Record<string, string> {
    return {
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
    };
}
