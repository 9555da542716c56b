/**
 * Platform (seed 003): the ecommerce namespace with its quota and limit range, an nginx API gateway
 * routing to user, product and order services, an Ingress, and an HPA on product-service.
 * user- and product-service are the seed's http-echo placeholders; order-service is the real
 * service (order-service.ts) unless the stack chooses the placeholder for it too.
 * Redis hosts and the password come from the other components' outputs, never typed in.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { OrderServiceConfig, Resources, StackConfig } from "../../config";
import { Labels, labelsFor, withLabels } from "../shared/labels";
import { allowIngress, isolatedNamespace, peer } from "../shared/network";
import { checksum } from "../shared/redis";
import type { RunAs } from "../shared/security";
import { resourceRequirements, servedDeployment } from "../shared/workload";
import { ECHO_PORT, GATEWAY_PORT, ROUTES, gatewayConf } from "./gateway";
import { ORDER_RUN_AS, orderServiceContainer } from "./order-service";

type Container = k8s.types.input.core.v1.Container;
type Env = k8s.types.input.core.v1.EnvVar;

export interface RedisEndpoint {
    readonly host: pulumi.Input<string>;
    readonly port: pulumi.Input<number>;
    /** Labels a client pod needs to pass the Redis NetworkPolicy. */
    readonly clientLabels: Record<string, string>;
}

export interface SentinelEndpoint {
    readonly host: pulumi.Input<string>;
    readonly port: pulumi.Input<number>;
    readonly masterSet: pulumi.Input<string>;
}

export interface PlatformArgs {
    /** Namespace created for the platform (seed: ecommerce). */
    readonly namespace: string;
    readonly environment: string;
    readonly quota: StackConfig["platform"]["quota"];
    readonly limitRange: StackConfig["platform"]["limitRange"];
    /** An nginx image that runs unprivileged (pinned tag). */
    readonly gatewayImage: string;
    readonly gatewayReplicas: number;
    /** http-echo image of the placeholder services (pinned tag). */
    readonly echoImage: string;
    /** The real order service's image, or the http-echo placeholder (echoImage). */
    readonly order: OrderServiceConfig;
    /** Replicas of user-service and order-service; product-service is scaled by its HPA. */
    readonly serviceReplicas: number;
    /** Requests/limits of the gateway and service containers. */
    readonly resources: Resources;
    readonly ingress: StackConfig["platform"]["ingress"];
    readonly hpa: StackConfig["platform"]["hpa"];
    /** The replicated Redis the order service (and the gateway) use: write and read hosts and its password. */
    readonly orderRedis: RedisEndpoint & {
        readonly readHost: pulumi.Input<string>;
        readonly password: pulumi.Input<string>;
        /** Its Sentinels, in Sentinel mode: clients then find the master through them. */
        readonly sentinel?: SentinelEndpoint;
    };
    /** The cache tier user-service and product-service use. */
    readonly cache: RedisEndpoint;
}

export class Platform extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    /** DNS name and port of the gateway Service. */
    public readonly gatewayHost: pulumi.Output<string>;
    public readonly gatewayPort: pulumi.Output<number>;
    /** The Ingress host, when the Ingress is enabled. */
    public readonly ingressHost?: pulumi.Output<string>;

    constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("redis-platform:platform:Platform", name, {}, opts);
        const labels = (n: string, component: string): Labels => labelsFor({ name: n, instance: name, component, environment: args.environment });
        const base = labels("ecommerce", "platform");

        const ns = isolatedNamespace(this, name, { name: args.namespace, labels: base });
        const namespace = ns.metadata.name;
        const q = args.quota;
        new k8s.core.v1.ResourceQuota(`${name}-quota`, {
            metadata: { name: "resource-quota", namespace, labels: base.all },
            spec: { hard: { "requests.cpu": q.requestsCpu, "requests.memory": q.requestsMemory, "limits.cpu": q.limitsCpu, "limits.memory": q.limitsMemory, pods: String(q.pods) } },
        }, { parent: this });
        new k8s.core.v1.LimitRange(`${name}-limits`, {
            metadata: { name: "limit-range", namespace, labels: base.all },
            spec: { limits: [{ type: "Container", default: args.limitRange.default, defaultRequest: args.limitRange.defaultRequest }] },
        }, { parent: this });

        // The password lives in this namespace's own Secret: a secretKeyRef cannot cross namespaces.
        const redisSecret = new k8s.core.v1.Secret(`${name}-order-redis`, {
            metadata: { name: "order-redis", namespace, labels: base.all },
            type: "Opaque",
            stringData: { password: args.orderRedis.password },
        }, { parent: this });
        const redisPassword: Env = { name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: redisSecret.metadata.name, key: "password" } } };

        const probes = (port: number, readyPath: string) => ({
            readinessProbe: { httpGet: { path: readyPath, port }, initialDelaySeconds: 2, periodSeconds: 5 },
            livenessProbe: { tcpSocket: { port }, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 3 },
        });
        const gatewayLabels = labels("api-gateway", "gateway");
        type BackendOpts = { replicas?: number; minReplicas?: number; client?: Record<string, string> };
        /** A service behind the gateway: Deployment, Service, budget, and its port open to the gateway alone. */
        const backend = (svc: string, l: Labels, runAs: RunAs, container: Container, opts: BackendOpts) => {
            const served = servedDeployment(this, `${name}-${svc}`, {
                name: svc,
                namespace,
                labels: withLabels(l, opts.client ?? {}),
                replicas: opts.replicas,
                minReplicas: opts.minReplicas,
                spreadOverNodes: true,
                runAs,
                containers: [container],
                service: { name: svc, portName: "http" },
            });
            allowIngress(this, `${name}-${svc}-from-gateway`, {
                name: `${svc}-from-gateway`, namespace, labels: l, podSelector: l.selector, port: ECHO_PORT,
                from: [peer(gatewayLabels.selector)],
            });
            return served;
        };
        const echo = (svc: string, text: string, opts: BackendOpts & { env?: Env[] }) => backend(svc, labels("http-echo", svc), { user: 65532, group: 65532 }, {
            name: "app",
            image: args.echoImage,
            args: [`-text=${text}`, `-listen=:${ECHO_PORT}`],
            ports: [{ name: "http", containerPort: ECHO_PORT, protocol: "TCP" }],
            env: opts.env,
            resources: resourceRequirements(args.resources),
            ...probes(ECHO_PORT, "/"),
        }, opts);
        const cacheEnv: Env[] = [
            { name: "CACHE_HOST", value: args.cache.host as pulumi.Input<string> },
            { name: "CACHE_PORT", value: pulumi.output(args.cache.port).apply(String) },
        ];
        const users = echo("user-service", '{"service": "user-service", "status": "ok"}', { replicas: args.serviceReplicas, env: cacheEnv, client: args.cache.clientLabels });
        const products = echo("product-service", '{"service": "product-service", "products": []}', { minReplicas: args.hpa.minReplicas, env: cacheEnv, client: args.cache.clientLabels });
        const orderRedisEnv: Env[] = [
            { name: "REDIS_HOST", value: args.orderRedis.host as pulumi.Input<string> },
            { name: "REDIS_PORT", value: pulumi.output(args.orderRedis.port).apply(String) },
            redisPassword,
            ...sentinelEnv(args.orderRedis.sentinel),
        ];
        const orderOpts = { replicas: args.serviceReplicas, client: args.orderRedis.clientLabels };
        const orders = args.order.kind === "echo"
            ? echo("order-service", '{"service": "order-service", "orders": []}', { ...orderOpts, env: orderRedisEnv })
            : backend("order-service", labels("order-service", "order-service"), ORDER_RUN_AS, orderServiceContainer({
                image: args.order.image, resources: args.resources, redisEnv: orderRedisEnv, readHost: args.orderRedis.readHost,
            }), orderOpts);

        // Scaled by the HPA alone: the Deployment sets no replicas, so `pulumi up` never resets them.
        new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-product-hpa`, {
            metadata: { name: "product-service-hpa", namespace, labels: base.all },
            spec: {
                scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: products.deployment.metadata.name },
                minReplicas: args.hpa.minReplicas,
                maxReplicas: args.hpa.maxReplicas,
                metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: args.hpa.cpuTarget } } }],
            },
        }, { parent: this });

        const sentinel = args.orderRedis.sentinel;
        const conf = gatewayConf(ROUTES);
        const gatewayConfig = new k8s.core.v1.ConfigMap(`${name}-gateway-config`, {
            metadata: { name: "api-gateway-config", namespace, labels: gatewayLabels.all },
            data: {
                "default.conf": conf,
                redisMaster: args.orderRedis.host,
                redisSlave: args.orderRedis.readHost,
                redisPort: pulumi.output(args.orderRedis.port).apply(String),
                ...(sentinel ? { redisSentinelHost: sentinel.host, redisSentinelPort: pulumi.output(sentinel.port).apply(String), redisSentinelMasterSet: sentinel.masterSet } : {}),
            },
        }, { parent: this });
        const fromConfig = (envName: string, key: string): Env => ({ name: envName, valueFrom: { configMapKeyRef: { name: gatewayConfig.metadata.name, key } } });
        const gateway = servedDeployment(this, `${name}-gateway`, {
            name: "api-gateway",
            namespace,
            labels: withLabels(gatewayLabels, args.orderRedis.clientLabels),
            replicas: args.gatewayReplicas,
            spreadOverNodes: true,
            runAs: { user: 101, group: 101 },
            annotations: { "checksum/config": checksum(conf) },
            containers: [{
                name: "gateway",
                image: args.gatewayImage,
                ports: [{ name: "http", containerPort: GATEWAY_PORT, protocol: "TCP" }],
                env: [fromConfig("REDIS_HOST_MASTER", "redisMaster"), fromConfig("REDIS_HOST_SLAVE", "redisSlave"), fromConfig("REDIS_PORT", "redisPort"), redisPassword,
                    ...(sentinel ? [fromConfig("REDIS_SENTINEL_HOST", "redisSentinelHost"), fromConfig("REDIS_SENTINEL_PORT", "redisSentinelPort"),
                        fromConfig("REDIS_SENTINEL_MASTER_SET", "redisSentinelMasterSet")] : [])],
                resources: resourceRequirements(args.resources),
                ...probes(GATEWAY_PORT, "/health"),
                volumeMounts: [
                    { name: "config", mountPath: "/etc/nginx/conf.d", readOnly: true },
                    // nginx-unprivileged keeps its pid file and temp files in /tmp; the root filesystem is read-only.
                    { name: "tmp", mountPath: "/tmp" },
                ],
            }],
            volumes: [
                { name: "config", configMap: { name: gatewayConfig.metadata.name, items: [{ key: "default.conf", path: "default.conf" }] } },
                { name: "tmp", emptyDir: {} },
            ],
            service: { name: "api-gateway", portName: "http", port: 80 },
            // nginx resolves its upstreams (user-service:8080, ...) once, at start, and exits with
            // "host not found in upstream" when a Service does not exist yet: create them first.
            dependsOn: [users, products, orders].map((b) => b.service!),
        });
        // The gateway is the entry point: its port is open to every source (Ingress controller, tests).
        allowIngress(this, `${name}-gateway-ingress`, {
            name: "api-gateway-from-anywhere", namespace, labels: gatewayLabels, podSelector: gatewayLabels.selector, port: GATEWAY_PORT,
        });

        if (args.ingress.enabled) {
            const ingress = new k8s.networking.v1.Ingress(`${name}-ingress`, {
                metadata: {
                    name: "ecommerce-ingress",
                    namespace,
                    labels: base.all,
                    annotations: {
                        "nginx.ingress.kubernetes.io/proxy-read-timeout": "120",
                        ...(args.ingress.await ? {} : { "pulumi.com/skipAwait": "true" }),
                    },
                },
                spec: {
                    ingressClassName: args.ingress.className,
                    rules: [{
                        host: args.ingress.host,
                        // the API, and the gateway's own health check for whatever watches the entry point
                        http: { paths: [["/api", "Prefix"], ["/health", "Exact"]].map(([path, pathType]) => ({
                            path, pathType, backend: { service: { name: gateway.service!.metadata.name, port: { number: 80 } } },
                        })) },
                    }],
                },
            }, { parent: this });
            this.ingressHost = pulumi.output(ingress.spec.rules[0].host);
        }

        this.namespace = namespace;
        this.gatewayHost = pulumi.interpolate`${gateway.service!.metadata.name}.${namespace}.svc.cluster.local`;
        this.gatewayPort = pulumi.output(80);
        this.registerOutputs({ namespace: this.namespace, gatewayHost: this.gatewayHost, gatewayPort: this.gatewayPort, ingressHost: this.ingressHost });
    }
}

/** The Sentinel variables of a Sentinel-aware client (the order service); none without Sentinel. */
function sentinelEnv(sentinel: SentinelEndpoint | undefined): Env[] {
    return sentinel ? [
        { name: "REDIS_SENTINEL_HOST", value: sentinel.host },
        { name: "REDIS_SENTINEL_PORT", value: pulumi.output(sentinel.port).apply(String) },
        { name: "REDIS_SENTINEL_MASTER_SET", value: sentinel.masterSet },
    ] : [];
}
