/**
 * Guestbook (seed 002): the PHP frontend (GET_HOSTS_FROM=dns) writing to a Redis leader and
 * reading from Redis followers. Service names are the frontend image's contract: gb-frontend:v5
 * looks up `redis-leader` and `redis-follower`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { RedisSizing, Resources } from "../../config";
import { Labels, labelsFor } from "../shared/labels";
import { allowIngress, isolatedNamespace, peer } from "../shared/network";
import { REDIS_PORT, REDIS_RUN_AS, checksum, redisConf, redisContainer } from "../shared/redis";
import { resourceRequirements, servedDeployment } from "../shared/workload";

export interface GuestbookArgs {
    /** Namespace created for the sample (the seed used default; this program never does). */
    readonly namespace: string;
    readonly environment: string;
    /** Frontend image with a pinned tag (default gb-frontend:v5). */
    readonly frontendImage: string;
    /** Frontend replicas (seed: 3). */
    readonly frontendReplicas: number;
    /** Type of the frontend Service: NodePort (seed), LoadBalancer or ClusterIP. */
    readonly serviceType: string;
    readonly redisImage: string;
    /** Redis followers (seed: 2); 0 leaves the leader alone. */
    readonly followerReplicas: number;
    /** Requests/limits of the frontend container. */
    readonly resources: Resources;
    /** Sizing of the leader and followers (maxmemory 75% of the limit, noeviction). */
    readonly redis: RedisSizing;
    /**
     * False when stack config exempts the frontend from pod-security-restricted: the upstream image
     * runs Apache as root on port 80. The namespace then enforces "baseline" instead.
     */
    readonly frontendRestricted: boolean;
}

const FRONTEND_PORT = 80;

export class Guestbook extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    /** DNS name of the frontend Service. */
    public readonly frontendHost: pulumi.Output<string>;
    public readonly frontendPort: pulumi.Output<number>;

    constructor(name: string, args: GuestbookArgs, opts?: pulumi.ComponentResourceOptions) {
        super("redis-platform:guestbook:Guestbook", name, {}, opts);
        const labels = (n: string, component: string): Labels => labelsFor({ name: n, instance: name, component, environment: args.environment });
        const [leader, follower, frontend] = [labels("redis", "leader"), labels("redis", "follower"), labels("guestbook", "frontend")];

        const ns = isolatedNamespace(this, name, { name: args.namespace, labels: frontend, podSecurity: args.frontendRestricted ? "restricted" : "baseline" });
        const namespace = ns.metadata.name;

        const confs = {
            // The leader persists (AOF on its emptyDir): a leader that restarts empty would wipe its followers.
            "leader.conf": redisConf({ sizing: args.redis, persistence: true }),
            "follower.conf": redisConf({ sizing: args.redis, persistence: false, replicaOf: { host: "redis-leader", port: REDIS_PORT } }),
        };
        const configMap = new k8s.core.v1.ConfigMap(`${name}-redis-config`, {
            metadata: { name: "redis", namespace, labels: leader.all },
            data: confs,
        }, { parent: this });

        const redis = (deployName: string, l: Labels, replicas: number, confFile: keyof typeof confs) => servedDeployment(this, `${name}-${deployName}`, {
            name: deployName,
            namespace,
            labels: l,
            replicas,
            runAs: REDIS_RUN_AS,
            spreadOverNodes: replicas > 1,
            annotations: { "checksum/config": checksum(confs[confFile]) },
            containers: [redisContainer({ image: args.redisImage, sizing: args.redis, confFile, configVolume: "config", dataVolume: "data", replica: confFile === "follower.conf" })],
            volumes: [
                { name: "config", configMap: { name: configMap.metadata.name, items: [{ key: confFile, path: confFile }] } },
                { name: "data", emptyDir: {} },
            ],
            service: { name: deployName, portName: "redis" },
        });
        redis("redis-leader", leader, 1, "leader.conf");
        if (args.followerReplicas > 0) {
            redis("redis-follower", follower, args.followerReplicas, "follower.conf");
        }

        const web = servedDeployment(this, `${name}-frontend`, {
            name: "frontend",
            namespace,
            labels: frontend,
            replicas: args.frontendReplicas,
            spreadOverNodes: true,
            restricted: args.frontendRestricted,
            runAs: args.frontendRestricted ? { user: 33, group: 33 } : undefined,
            containers: [{
                name: "php-redis",
                image: args.frontendImage,
                env: [{ name: "GET_HOSTS_FROM", value: "dns" }],
                ports: [{ name: "http", containerPort: FRONTEND_PORT, protocol: "TCP" }],
                resources: resourceRequirements(args.resources),
                readinessProbe: { httpGet: { path: "/", port: "http" }, initialDelaySeconds: 3, periodSeconds: 5 },
                livenessProbe: { tcpSocket: { port: "http" }, initialDelaySeconds: 15, periodSeconds: 10 },
            }],
            service: { name: "frontend", portName: "http", type: args.serviceType },
        });

        allowIngress(this, `${name}-frontend-ingress`, { name: "frontend-from-anywhere", namespace, labels: frontend, podSelector: frontend.selector, port: FRONTEND_PORT });
        allowIngress(this, `${name}-redis-ingress`, {
            name: "redis-from-clients",
            namespace,
            labels: leader,
            podSelector: { "app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": name },
            port: REDIS_PORT,
            from: [peer(frontend.selector), peer(follower.selector)],
        });

        this.namespace = namespace;
        this.frontendHost = pulumi.interpolate`${web.service!.metadata.name}.${namespace}.svc.cluster.local`;
        this.frontendPort = pulumi.output(FRONTEND_PORT);
        this.registerOutputs({ namespace: this.namespace, frontendHost: this.frontendHost, frontendPort: this.frontendPort });
    }
}
