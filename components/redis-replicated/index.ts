/**
 * ReplicatedRedis (seed 001): one master and N read replicas as StatefulSets with a claim per pod,
 * a generated password kept in a Secret, a headless Service for stable pod DNS names, and
 * separate write (master) and read (replicas) Services.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { RedisSizing } from "../../config";
import { Labels, labelsFor } from "../shared/labels";
import { allowIngress, isolatedNamespace, peer } from "../shared/network";
import { REDIS_PORT, REDIS_RUN_AS, authConf, checksum, redisConf, redisContainer } from "../shared/redis";
import { OWNED_WORKLOAD, disruptionBudget, podTemplate, service } from "../shared/workload";

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
    /** Namespaces whose pods carrying `clientLabels` may connect on 6379. */
    readonly clientNamespaces?: readonly string[];
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
            stringData: { [PASSWORD_KEY]: password.result, "auth.conf": password.result.apply(authConf) },
        }, { parent: this });

        const headlessName = "redis-headless";
        const masterHost = `redis-master-0.${headlessName}.${args.namespace}.svc.cluster.local`;
        const confs = {
            "master.conf": redisConf({ sizing: args.redis, persistence: args.persistence, includeAuth: true }),
            "replica.conf": redisConf({ sizing: args.redis, persistence: args.persistence, includeAuth: true, replicaOf: { host: masterHost, port: REDIS_PORT } }),
        };
        const configMap = new k8s.core.v1.ConfigMap(`${name}-config`, {
            metadata: { name: "redis", namespace, labels: master.all },
            data: confs,
        }, { parent: this });

        const auth = { volume: "auth", secretName: "redis-secret", passwordKey: PASSWORD_KEY };
        const containersFor = (confFile: keyof typeof confs) =>
            [redisContainer({ image: args.image, sizing: args.redis, confFile, configVolume: "config", dataVolume: "data", auth, replica: confFile === "replica.conf" })];
        // The headless Service gives each pod a stable DNS name (redis-master-0.redis-headless...).
        const headless = service(this, `${name}-headless`, namespace, master, containersFor("master.conf"), {
            // Replicas resolve redis-master-0 through it while the master is still starting.
            name: headlessName, portName: "redis", headless: true, selector: instanceSelector, publishNotReadyAddresses: true,
        });

        const statefulSet = (stsName: string, labels: Labels, replicas: number, confFile: keyof typeof confs) => {
            const containers = containersFor(confFile);
            const template = podTemplate({
                labels,
                containers,
                runAs: REDIS_RUN_AS,
                spreadOverNodes: true,
                annotations: { "checksum/config": checksum(confs[confFile]) },
                volumes: [
                    { name: "config", configMap: { name: configMap.metadata.name, items: [{ key: confFile, path: confFile }] } },
                    { name: "auth", secret: { secretName: secret.metadata.name, items: [{ key: "auth.conf", path: "auth.conf" }], defaultMode: 0o440 } },
                    ...(args.persistence ? [] : [{ name: "data", emptyDir: {} }]),
                ],
            });
            const sts = new k8s.apps.v1.StatefulSet(`${name}-${stsName}`, {
                metadata: { name: stsName, namespace, labels: labels.all, annotations: OWNED_WORKLOAD },
                spec: {
                    serviceName: headlessName,
                    replicas,
                    selector: { matchLabels: labels.selector },
                    updateStrategy: { type: "RollingUpdate" },
                    template,
                    ...(args.persistence ? {
                        volumeClaimTemplates: [{
                            metadata: { name: "data", labels: labels.all },
                            spec: { accessModes: ["ReadWriteOnce"], storageClassName: args.storageClass, resources: { requests: { storage: args.storageSize } } },
                        }],
                        // Scaling down keeps a claim, so scaling back up resyncs from local data.
                        persistentVolumeClaimRetentionPolicy: { whenDeleted: args.pvcRetention, whenScaled: "Retain" },
                    } : {}),
                },
            }, { parent: this, dependsOn: [headless] });
            return { sts, containers };
        };

        const m = statefulSet("redis-master", master, 1, "master.conf");
        const write = service(this, `${name}-write`, namespace, master, m.containers, { name: "redis-master", portName: "redis" });
        let read = write;
        if (args.replicas > 0) {
            const r = statefulSet("redis-replica", replica, args.replicas, "replica.conf");
            read = service(this, `${name}-read`, namespace, replica, r.containers, { name: "redis-replica", portName: "redis" });
            if (args.replicas > 1) {
                disruptionBudget(this, `${name}-replica-pdb`, "redis-replica", namespace, replica);
            }
        }

        // Replicas reach the master; clients (labelled) reach both. Nothing else reaches 6379.
        allowIngress(this, `${name}-allow-clients`, {
            name: "allow-redis-clients",
            namespace,
            labels: master,
            podSelector: instanceSelector,
            port: REDIS_PORT,
            from: [peer(instanceSelector), peer(this.clientLabels, [args.namespace, ...(args.clientNamespaces ?? [])])],
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
        });
    }
}
