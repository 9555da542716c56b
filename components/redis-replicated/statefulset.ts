/**
 * The replicated Redis's StatefulSet shape, shared by both modes: hardened pods spread over nodes,
 * a checksum of their config so a change rolls them, and (with persistence) a claim per pod whose
 * retention follows the stack config.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Labels } from "../shared/labels";
import { REDIS_RUN_AS } from "../shared/redis";
import { OWNED_WORKLOAD, PodArgs, podTemplate } from "../shared/workload";

export interface ClaimArgs {
    readonly storageClass: string;
    readonly storageSize: string;
    readonly pvcRetention: "Delete" | "Retain";
}

export interface RedisSetArgs extends Omit<PodArgs, "labels" | "runAs"> {
    readonly name: string;
    readonly namespace: pulumi.Input<string>;
    readonly labels: Labels;
    readonly replicas: number;
    readonly serviceName: string;
    /** A claim `data` per pod; undefined: the pod spec brings its own `data` volume. */
    readonly claims?: ClaimArgs;
    /** Parallel for peers that find each other at start (Sentinels); OrderedReady otherwise. */
    readonly parallel?: boolean;
    readonly dependsOn: pulumi.Resource[];
    readonly runAs?: PodArgs["runAs"];
}

export function redisStatefulSet(parent: pulumi.Resource, resourceName: string, a: RedisSetArgs): k8s.apps.v1.StatefulSet {
    const { name, namespace, replicas, serviceName, claims, parallel, dependsOn, ...pod } = a;
    return new k8s.apps.v1.StatefulSet(resourceName, {
        metadata: { name, namespace, labels: a.labels.all, annotations: OWNED_WORKLOAD },
        spec: {
            serviceName,
            replicas,
            ...(parallel ? { podManagementPolicy: "Parallel" } : {}),
            selector: { matchLabels: a.labels.selector },
            updateStrategy: { type: "RollingUpdate" },
            template: podTemplate({ runAs: REDIS_RUN_AS, spreadOverNodes: true, ...pod }),
            ...(claims ? {
                volumeClaimTemplates: [{
                    metadata: { name: "data", labels: a.labels.all },
                    spec: { accessModes: ["ReadWriteOnce"], storageClassName: claims.storageClass, resources: { requests: { storage: claims.storageSize } } },
                }],
                // Scaling down keeps a claim, so scaling back up resyncs from local data.
                persistentVolumeClaimRetentionPolicy: { whenDeleted: claims.pvcRetention, whenScaled: "Retain" },
            } : {}),
        },
    }, { parent, dependsOn });
}
