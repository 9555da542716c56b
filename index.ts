/**
 * The stack: validated config -> one Kubernetes provider -> the four components -> exports.
 * Components pass outputs to each other only here.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CacheTier, Guestbook, Platform, ReplicatedRedis } from "./components";
import { loadConfig } from "./config";

const cfg = loadConfig();
if (cfg.cluster.guardOverride) {
    pulumi.log.warn(`prod cluster guard overridden: targeting context "${cfg.cluster.context}" because: ${cfg.cluster.guardOverride}`);
}

const provider = new k8s.Provider("k8s", {
    kubeconfig: cfg.cluster.kubeconfig,
    context: cfg.cluster.context,
    enableServerSideApply: true,
});
const opts = { provider };
const env = cfg.environment;

const cache = new CacheTier("cache", { ...cfg.cache, environment: env, clientNamespaces: [cfg.platform.namespace] }, opts);

const redis = new ReplicatedRedis("redis", { ...cfg.replicated, environment: env, clientNamespaces: [cfg.platform.namespace] }, opts);

const platform = new Platform("platform", {
    ...cfg.platform,
    environment: env,
    cache: { host: cache.host, port: cache.port, clientLabels: cache.clientLabels },
    orderRedis: {
        host: redis.writeHost, readHost: redis.readHost, port: redis.port, password: redis.password, clientLabels: redis.clientLabels,
        sentinel: cfg.replicated.sentinel.enabled
            ? { host: redis.sentinelHost as pulumi.Output<string>, port: redis.sentinelPort as pulumi.Output<number>, masterSet: redis.masterSet as pulumi.Output<string> }
            : undefined,
    },
}, opts);

const guestbook = cfg.guestbook.enabled ? new Guestbook("guestbook", { ...cfg.guestbook, environment: env }, opts) : undefined;

export const environment = env;
export const cacheHost = cache.host;
export const cachePort = cache.port;
export const redisWriteHost = redis.writeHost;
export const redisReadHost = redis.readHost;
export const redisPort = redis.port;
export const redisNamespace = redis.namespace;
export const redisSecretName = redis.secretName;
export const redisSecretKey = redis.secretKey;
/** Sentinel mode: where Sentinel-aware clients ask for the master (undefined without Sentinel). */
export const redisSentinelHost = redis.sentinelHost;
export const redisSentinelPort = redis.sentinelPort;
export const redisMasterSet = redis.masterSet;
export const platformNamespace = platform.namespace;
export const gatewayHost = platform.gatewayHost;
export const gatewayPort = platform.gatewayPort;
export const ingressHost = platform.ingressHost;
export const guestbookFrontendHost = guestbook?.frontendHost;
export const guestbookFrontendPort = guestbook?.frontendPort;
