/**
 * Guestbook (seed 002): a frontend (GET_HOSTS_FROM=dns) writing to a Redis leader and reading from
 * Redis followers: the project's own (services/guestbook-frontend) or the seed's gb-frontend
 * (frontend.ts). Service names are the frontends' contract: both look up `redis-leader` and
 * `redis-follower`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { GuestbookFrontendConfig, RedisSizing, Resources } from "../../config";
import { Labels, labelsFor } from "../shared/labels";
import { allowIngress, isolatedNamespace, peer } from "../shared/network";
import { REDIS_PORT, REDIS_RUN_AS, checksum, redisConf, redisContainer } from "../shared/redis";
import { servedDeployment } from "../shared/workload";
import { FRONTEND_SERVICE_PORT, frontendPod } from "./frontend";

export interface GuestbookArgs {
    /** Namespace created for the sample (the seed used default; this program never does). */
    readonly namespace: string;
    readonly environment: string;
    /** Which frontend runs, and its image (default: the project's own). */
    readonly frontend: GuestbookFrontendConfig;
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
}

export class Guestbook extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    /** DNS name of the frontend Service. */
    public readonly frontendHost: pulumi.Output<string>;
    public readonly frontendPort: pulumi.Output<number>;

    constructor(name: string, args: GuestbookArgs, opts?: pulumi.ComponentResourceOptions) {
        super("redis-platform:guestbook:Guestbook", name, {}, opts);
        const labels = (n: string, component: string): Labels => labelsFor({ name: n, instance: name, component, environment: args.environment });
        const [leader, follower, frontend] = [labels("redis", "leader"), labels("redis", "follower"), labels("guestbook", "frontend")];

        const pod = frontendPod(args.frontend, args.resources);
        const ns = isolatedNamespace(this, name, { name: args.namespace, labels: frontend, podSecurity: pod.restricted ? "restricted" : "baseline" });
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
            restricted: pod.restricted,
            runAs: pod.runAs,
            containers: [pod.container],
            service: { name: "frontend", portName: "http", port: FRONTEND_SERVICE_PORT, type: args.serviceType },
        });

        allowIngress(this, `${name}-frontend-ingress`, { name: "frontend-from-anywhere", namespace, labels: frontend, podSelector: frontend.selector, port: pod.port });
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
        this.frontendPort = pulumi.output(FRONTEND_SERVICE_PORT);
        this.registerOutputs({ namespace: this.namespace, frontendHost: this.frontendHost, frontendPort: this.frontendPort });
    }
}
