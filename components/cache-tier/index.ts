/**
 * CacheTier (seed 000): an LRU Redis cache as a Deployment of independent replicas behind one
 * ClusterIP Service, configured by a redis.conf it actually loads, with no persistence.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { RedisSizing } from "../../config";
import { labelsFor } from "../shared/labels";
import { allowIngress, isolatedNamespace, peer } from "../shared/network";
import { REDIS_PORT, REDIS_RUN_AS, checksum, redisConf, redisContainer } from "../shared/redis";
import { servedDeployment } from "../shared/workload";

export interface CacheTierArgs {
    /** Namespace created for the tier (seed: sample-app). */
    readonly namespace: string;
    /** Stamped on every object as the `environment` label. */
    readonly environment: string;
    /** Redis image with a pinned tag. */
    readonly image: string;
    /** Independent cache replicas behind the Service (seed: 2); scaling is a config change. */
    readonly replicas: number;
    /** Requests/limits, maxmemory (below the memory limit) and eviction policy (default allkeys-lru). */
    readonly redis: RedisSizing;
    /** Namespaces whose pods carrying `clientLabels` may connect on 6379 (besides this namespace). */
    readonly clientNamespaces?: readonly string[];
}

export class CacheTier extends pulumi.ComponentResource {
    /** In-cluster DNS name of the cache Service. */
    public readonly host: pulumi.Output<string>;
    public readonly port: pulumi.Output<number>;
    public readonly namespace: pulumi.Output<string>;
    /** Labels a client pod needs so the tier's NetworkPolicy admits it. */
    public readonly clientLabels: Record<string, string>;

    constructor(name: string, args: CacheTierArgs, opts?: pulumi.ComponentResourceOptions) {
        super("redis-platform:cache:CacheTier", name, {}, opts);
        const labels = labelsFor({ name: "redis", instance: name, component: "cache", environment: args.environment });
        this.clientLabels = { [`clients.redis-platform/${name}`]: "true" };

        const ns = isolatedNamespace(this, name, { name: args.namespace, labels });
        const namespace = ns.metadata.name;

        // Connection settings for the applications of the namespace (seed: app-config).
        new k8s.core.v1.ConfigMap(`${name}-app-config`, {
            metadata: { name: "app-config", namespace, labels: labels.all },
            data: { REDIS_HOST: `redis-service.${args.namespace}.svc.cluster.local`, REDIS_PORT: String(REDIS_PORT) },
        }, { parent: this });

        // The seed mounted this file but started redis-server without it; here the command loads it.
        const conf = redisConf({ sizing: args.redis, persistence: false });
        const configMap = new k8s.core.v1.ConfigMap(`${name}-redis-config`, {
            metadata: { name: "redis-config", namespace, labels: labels.all },
            data: { "redis.conf": conf },
        }, { parent: this });

        const containers = [redisContainer({ image: args.image, sizing: args.redis, confFile: "redis.conf", configVolume: "redis-config", dataVolume: "data" })];
        const { service } = servedDeployment(this, name, {
            name: "redis-deployment",
            namespace,
            labels,
            replicas: args.replicas,
            containers,
            volumes: [
                { name: "redis-config", configMap: { name: configMap.metadata.name } },
                { name: "data", emptyDir: {} },
            ],
            runAs: REDIS_RUN_AS,
            annotations: { "checksum/redis-config": checksum(conf) },
            spreadOverNodes: true,
            service: { name: "redis-service", portName: "redis" },
        });

        allowIngress(this, `${name}-allow-clients`, {
            name: "allow-redis-clients",
            namespace,
            labels,
            podSelector: labels.selector,
            port: REDIS_PORT,
            from: [peer(this.clientLabels, [args.namespace, ...(args.clientNamespaces ?? [])])],
        });

        this.namespace = namespace;
        this.host = pulumi.interpolate`${service!.metadata.name}.${namespace}.svc.cluster.local`;
        this.port = pulumi.output(REDIS_PORT);
        this.registerOutputs({ host: this.host, port: this.port, namespace: this.namespace });
    }
}
