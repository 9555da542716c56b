/**
 * ReplicatedRedis (seed 001): a master and N read replicas with a claim per pod, a generated
 * password kept in a Secret, a headless Service for stable pod DNS names, and separate write
 * (master) and read (replicas) Services. Two modes: the seed's master and replica StatefulSets
 * (./seed.ts), or Sentinel mode with automatic failover (./sentinel.ts).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { RedisSizing, SentinelConfig, WriteSafety } from "../../config";
import { Labels, labelsFor } from "../shared/labels";
import { allowIngress, isolatedNamespace, peer } from "../shared/network";
import { REDIS_PORT, authConf } from "../shared/redis";
import { SENTINEL_PORT, sentinelAuthConf, sentinelTopology } from "./sentinel";
import { seedTopology } from "./seed";

export interface ReplicatedRedisArgs {
    /** Namespace created for the cluster (seed: redis). */
    readonly namespace: string;
    readonly environment: string;
    /** Redis image with a pinned tag. */
    readonly image: string;
    /** Read replicas (seed: 2); 0 runs the master alone and the read host is the master's. */
    readonly replicas: number;
    /** AOF on master and replicas; must be true whenever replicas > 0 (config.ts enforces it). */
    readonly persistence: boolean;
    readonly storageClass: string;
    /** Size of each pod's claim (seed: 2Gi). */
    readonly storageSize: string;
    /** What happens to the claims when a StatefulSet is deleted (dev: Delete, prod: Retain). */
    readonly pvcRetention: "Delete" | "Retain";
    /** Length of the generated password (default 32). */
    readonly passwordLength: number;
    /** Requests/limits, maxmemory and policy (default noeviction: this is a store, not a cache). */
    readonly redis: RedisSizing;
    /** Namespaces whose pods carrying `clientLabels` may connect on 6379 (and 26379 in Sentinel mode). */
    readonly clientNamespaces?: readonly string[];
    /** Sentinel mode (one node set, Sentinels, role labeler) or the seed's master and replica sets. */
    readonly sentinel: SentinelConfig;
    /** min-replicas-to-write / min-replicas-max-lag of every Redis of the set. */
    readonly writeSafety: WriteSafety;
}

const PASSWORD_KEY = "password";

export class ReplicatedRedis extends pulumi.ComponentResource {
    /** DNS name of the write Service (the master). */
    public readonly writeHost: pulumi.Output<string>;
    /** DNS name of the read Service (the replicas; the master when there are none). */
    public readonly readHost: pulumi.Output<string>;
    public readonly port: pulumi.Output<number>;
    public readonly namespace: pulumi.Output<string>;
    /** The Secret (in this namespace) holding the password under `secretKey`. */
    public readonly secretName: pulumi.Output<string>;
    public readonly secretKey: string = PASSWORD_KEY;
    /** The password, a Pulumi secret: for copying into a client namespace's own Secret, never for export. */
    public readonly password: pulumi.Output<string>;
    public readonly clientLabels: Record<string, string>;
    /** Sentinel mode: the Sentinel Service's DNS name, its port and the master set name; undefined otherwise. */
    public readonly sentinelHost: pulumi.Output<string | undefined> = pulumi.output(undefined);
    public readonly sentinelPort: pulumi.Output<number | undefined> = pulumi.output(undefined);
    public readonly masterSet: pulumi.Output<string | undefined> = pulumi.output(undefined);

    constructor(name: string, args: ReplicatedRedisArgs, opts?: pulumi.ComponentResourceOptions) {
        super("redis-platform:redis:ReplicatedRedis", name, {}, opts);
        const role = (component: string): Labels => labelsFor({ name: "redis", instance: name, component, environment: args.environment });
        const [master, replica] = [role("master"), role("replica")];
        const instanceSelector = { "app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": name };
        this.clientLabels = { [`clients.redis-platform/${name}`]: "true" };

        // Deleting a namespace deletes its claims whatever their retention policy: with Retain the
        // namespace stays on `pulumi destroy`, so the data does too (remove it by hand when unwanted).
        const ns = isolatedNamespace(this, name, { name: args.namespace, labels: master, retainOnDelete: args.pvcRetention === "Retain" });
        const namespace = ns.metadata.name;

        const password = new random.RandomPassword(`${name}-password`, { length: args.passwordLength, special: false }, { parent: this });
        // Clients read `password`; redis-server includes `auth.conf`, so the password is never in argv or a ConfigMap.
        const secret = new k8s.core.v1.Secret(`${name}-secret`, {
            metadata: { name: "redis-secret", namespace, labels: master.all },
            type: "Opaque",
            stringData: {
                [PASSWORD_KEY]: password.result,
                "auth.conf": password.result.apply(authConf),
                ...(args.sentinel.enabled ? { "sentinel-auth.conf": password.result.apply((p) => sentinelAuthConf(p, args.sentinel.masterSet)) } : {}),
            },
        }, { parent: this });

        const headlessName = "redis-headless";
        const clients = peer(this.clientLabels, [args.namespace, ...(args.clientNamespaces ?? [])]);
        const claims = { storageClass: args.storageClass, storageSize: args.storageSize, pvcRetention: args.pvcRetention };
        let write: k8s.core.v1.Service, read: k8s.core.v1.Service;
        if (args.sentinel.enabled) {
            const t = sentinelTopology(this, {
                name, namespace, environment: args.environment, image: args.image, replicas: args.replicas, redis: args.redis,
                persistence: args.persistence, claims, sentinel: args.sentinel, writeSafety: args.writeSafety,
                secret: { name: secret.metadata.name, passwordKey: PASSWORD_KEY }, clients, headless: headlessName,
            });
            ({ write, read } = t);
            this.sentinelHost = pulumi.interpolate`${t.sentinelService.metadata.name}.${namespace}.svc.cluster.local`;
            this.sentinelPort = pulumi.output(SENTINEL_PORT);
            this.masterSet = pulumi.output(args.sentinel.masterSet);
        } else {
            ({ write, read } = seedTopology(this, {
                ...args, name, namespace, configuredNamespace: args.namespace, master, replica, instanceSelector,
                headless: headlessName, claims, secretName: secret.metadata.name, passwordKey: PASSWORD_KEY,
            }));
        }

        // Replicas reach the master; clients (labelled) reach both. Nothing else reaches 6379.
        allowIngress(this, `${name}-allow-clients`, {
            name: "allow-redis-clients",
            namespace,
            labels: master,
            podSelector: instanceSelector,
            port: REDIS_PORT,
            from: [peer(instanceSelector), clients],
        });

        this.namespace = namespace;
        this.writeHost = pulumi.interpolate`${write.metadata.name}.${namespace}.svc.cluster.local`;
        this.readHost = pulumi.interpolate`${read.metadata.name}.${namespace}.svc.cluster.local`;
        this.port = pulumi.output(REDIS_PORT);
        this.secretName = secret.metadata.name;
        this.password = pulumi.secret(password.result);
        this.registerOutputs({
            writeHost: this.writeHost, readHost: this.readHost, port: this.port,
            namespace: this.namespace, secretName: this.secretName, secretKey: this.secretKey,
            sentinelHost: this.sentinelHost, sentinelPort: this.sentinelPort, masterSet: this.masterSet,
        });
    }
}
