// Plain Kubernetes shapes the rules read. Deliberately loose: the same rules run on Pulumi inputs
// (preview), on live objects from the API server (server-side defaults, status, managedFields) and
// on test fixtures, so every field is optional and unknown extra fields are simply ignored.

export type EnforcementLevel = "mandatory" | "advisory" | "disabled";
export const ENFORCEMENT_LEVELS: readonly EnforcementLevel[] = ["mandatory", "advisory", "disabled"];

export type Labels = Record<string, string>;

export interface OwnerReference {
    apiVersion?: string;
    kind?: string;
    name?: string;
    controller?: boolean;
}

export interface ObjectMeta {
    name?: string;
    generateName?: string;
    namespace?: string;
    labels?: Labels;
    annotations?: Labels;
    ownerReferences?: OwnerReference[];
}

export interface LabelSelectorRequirement {
    key: string;
    operator: string;
    values?: string[];
}

export interface LabelSelector {
    matchLabels?: Labels;
    matchExpressions?: LabelSelectorRequirement[];
}

export interface SecurityContext {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    allowPrivilegeEscalation?: boolean;
    privileged?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { add?: string[]; drop?: string[] };
    seccompProfile?: { type?: string; localhostProfile?: string };
}

export interface EnvVar {
    name: string;
    value?: string;
    valueFrom?: {
        secretKeyRef?: { name?: string; key?: string };
        configMapKeyRef?: { name?: string; key?: string };
        fieldRef?: { fieldPath?: string };
        resourceFieldRef?: { resource?: string };
    };
}

export interface Probe {
    exec?: { command?: string[] };
    httpGet?: { path?: string; port?: number | string; scheme?: string };
    tcpSocket?: { port?: number | string };
    grpc?: { port?: number; service?: string };
    initialDelaySeconds?: number;
    periodSeconds?: number;
    timeoutSeconds?: number;
    successThreshold?: number;
    failureThreshold?: number;
}

export interface ContainerPort {
    name?: string;
    containerPort?: number;
    hostPort?: number;
    protocol?: string;
}

export interface VolumeMount {
    name: string;
    mountPath: string;
    subPath?: string;
    readOnly?: boolean;
}

export interface Container {
    name: string;
    image?: string;
    command?: string[];
    args?: string[];
    env?: EnvVar[];
    ports?: ContainerPort[];
    resources?: { requests?: Labels; limits?: Labels };
    livenessProbe?: Probe;
    readinessProbe?: Probe;
    startupProbe?: Probe;
    lifecycle?: { postStart?: Probe; preStop?: Probe };
    securityContext?: SecurityContext;
    volumeMounts?: VolumeMount[];
}

export interface Volume {
    name: string;
    configMap?: { name?: string; items?: { key: string; path: string }[] };
    secret?: { secretName?: string };
    emptyDir?: object;
    hostPath?: { path?: string };
    persistentVolumeClaim?: { claimName?: string };
}

export interface PodSpec {
    containers?: Container[];
    initContainers?: Container[];
    ephemeralContainers?: Container[];
    volumes?: Volume[];
    hostNetwork?: boolean;
    hostPID?: boolean;
    hostIPC?: boolean;
    securityContext?: SecurityContext & { runAsGroup?: number; fsGroup?: number };
}

export interface PodTemplate {
    metadata?: ObjectMeta;
    spec?: PodSpec;
}

/** Any Kubernetes object; `spec` is typed per kind by the accessors in k8s.ts. */
export interface K8sObject {
    apiVersion?: string;
    kind?: string;
    metadata?: ObjectMeta;
    spec?: any;
    data?: Record<string, string>;
}

/** One problem a rule found: the resource key `Kind/namespace/name` and a human message. */
export interface Finding {
    resource: string;
    message: string;
}

/** A finding after enforcement levels and exemptions were applied. */
export interface Violation {
    rule: string;
    level: "mandatory" | "advisory";
    resource: string;
    message: string;
}

export interface Exemption {
    rule: string;
    resource: string;
    reason: string;
}
