/**
 * The seed's topology (seed 001): a master StatefulSet of one pod and a replica StatefulSet whose
 * pods replicate it by its stable DNS name; the write Service selects the master, the read Service
 * the replicas (the master's when there are none).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { RedisSizing, WriteSafety } from "../../config";
import { Labels } from "../shared/labels";
import { REDIS_PORT, checksum, redisConf, redisContainer } from "../shared/redis";
import { disruptionBudget, service } from "../shared/workload";
import { ClaimArgs, redisStatefulSet } from "./statefulset";

export interface SeedTopologyArgs {
    readonly name: string;
    readonly namespace: pulumi.Output<string>;
    /** The configured namespace name, for the master's DNS name in the replicas' config. */
    readonly configuredNamespace: string;
    readonly image: string;
    readonly replicas: number;
    readonly persistence: boolean;
    readonly redis: RedisSizing;
    readonly writeSafety: WriteSafety;
    readonly claims: ClaimArgs;
    readonly master: Labels;
    readonly replica: Labels;
    readonly instanceSelector: Record<string, string>;
    readonly headless: string;
    readonly secretName: pulumi.Output<string>;
    readonly passwordKey: string;
}

export function seedTopology(parent: pulumi.Resource, a: SeedTopologyArgs): { write: k8s.core.v1.Service; read: k8s.core.v1.Service } {
    const { name, namespace } = a;
    const masterHost = `redis-master-0.${a.headless}.${a.configuredNamespace}.svc.cluster.local`;
    const common = { sizing: a.redis, persistence: a.persistence, includeAuth: true, writeSafety: a.writeSafety };
    const confs = {
        "master.conf": redisConf(common),
        "replica.conf": redisConf({ ...common, replicaOf: { host: masterHost, port: REDIS_PORT } }),
    };
    const configMap = new k8s.core.v1.ConfigMap(`${name}-config`, {
        metadata: { name: "redis", namespace, labels: a.master.all },
        data: confs,
    }, { parent });

    const auth = { volume: "auth", secretName: "redis-secret", passwordKey: a.passwordKey };
    const containersFor = (confFile: keyof typeof confs) =>
        [redisContainer({ image: a.image, sizing: a.redis, confFile, configVolume: "config", dataVolume: "data", auth, replica: confFile === "replica.conf" })];
    // The headless Service gives each pod a stable DNS name (redis-master-0.redis-headless...).
    const headless = service(parent, `${name}-headless`, namespace, a.master, containersFor("master.conf"), {
        // Replicas resolve redis-master-0 through it while the master is still starting.
        name: a.headless, portName: "redis", headless: true, selector: a.instanceSelector, publishNotReadyAddresses: true,
    });

    const statefulSet = (stsName: string, labels: Labels, replicas: number, confFile: keyof typeof confs) => {
        const containers = containersFor(confFile);
        redisStatefulSet(parent, `${name}-${stsName}`, {
            name: stsName, namespace, labels, replicas, serviceName: a.headless, containers,
            claims: a.persistence ? a.claims : undefined,
            annotations: { "checksum/config": checksum(confs[confFile]) },
            volumes: [
                { name: "config", configMap: { name: configMap.metadata.name, items: [{ key: confFile, path: confFile }] } },
                { name: "auth", secret: { secretName: a.secretName, items: [{ key: "auth.conf", path: "auth.conf" }], defaultMode: 0o440 } },
                ...(a.persistence ? [] : [{ name: "data", emptyDir: {} }]),
            ],
            dependsOn: [headless],
        });
        return containers;
    };

    const write = service(parent, `${name}-write`, namespace, a.master, statefulSet("redis-master", a.master, 1, "master.conf"), { name: "redis-master", portName: "redis" });
    let read = write;
    if (a.replicas > 0) {
        const containers = statefulSet("redis-replica", a.replica, a.replicas, "replica.conf");
        read = service(parent, `${name}-read`, namespace, a.replica, containers, { name: "redis-replica", portName: "redis" });
        if (a.replicas > 1) {
            disruptionBudget(parent, `${name}-replica-pdb`, "redis-replica", namespace, a.replica);
        }
    }
    return { write, read };
}
