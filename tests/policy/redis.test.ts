import assert from "assert/strict";
import { K8sObject } from "../../policy/rules";
import { parseK8sQuantity, parseRedisMemory } from "../../policy/lib/quantity";
import { CACHE_CONF, MASTER_CONF, REPLICA_CONF, broken, firstContainer, get } from "./fixtures";

const CACHE = 'Deployment/cache/redis container "redis"';
const CACHE_CM = 'ConfigMap/cache/redis-cache-config key "redis.conf"';
const LIMIT = "set maxmemory to at most 0.75 of the memory limit 128Mi (100663296 bytes)";
const setConf = (s: K8sObject[], key: string, cm: string, text: string) => { (get(s, cm).data as Record<string, string>)[key] = text; };
const cacheConf = (text: string) => (s: K8sObject[]) => setConf(s, "redis.conf", "ConfigMap/cache/redis-cache-config", text);
const masterConf = (text: string) => (s: K8sObject[]) => setConf(s, "master.conf", "ConfigMap/redis/redis-config", text);

describe("policy: redis units", () => {
    it("parses Kubernetes quantities", () => {
        assert.deepEqual(["128Mi", "1Gi", "500M", "0.5Gi", "1e3", "100m", "12"].map(parseK8sQuantity),
            [134217728, 1073741824, 5e8, 536870912, 1000, 0.1, 12]);
        assert.equal(parseK8sQuantity("12 apples"), undefined);
    });
    it("parses redis.conf memory units (k=1000, kb=1024, m, mb, g, gb; any case)", () => {
        assert.deepEqual(["100663296", "1k", "1kb", "96mb", "100m", "1g", "1GB", "2Mb"].map(parseRedisMemory),
            [100663296, 1000, 1024, 100663296, 1e8, 1e9, 1073741824, 2097152]);
        assert.equal(parseRedisMemory("1tb"), undefined);
    });
});

describe("policy: redis-maxmemory", () => {
    const rule = "redis-maxmemory";
    it("accepts maxmemory at exactly the share, in bytes or units", () => {
        assert.deepEqual(broken(rule, cacheConf("maxmemory 100663296\n")), []);
        assert.deepEqual(broken(rule, cacheConf("maxmemory 100m\n")), []);
    });
    it("rejects maxmemory above the share of the loading container's memory limit", () => {
        assert.deepEqual(broken(rule, cacheConf("maxmemory 100663297\n")),
            [`${rule}: ${CACHE}: maxmemory 100663297 (100663297 bytes) in ${CACHE_CM} exceeds 0.75 of the memory limit 128Mi (100663296 bytes); allowed: at most 100663296 bytes`]);
        assert.deepEqual(broken(rule, cacheConf("maxmemory 1gb\n")),
            [`${rule}: ${CACHE}: maxmemory 1gb (1073741824 bytes) in ${CACHE_CM} exceeds 0.75 of the memory limit 128Mi (100663296 bytes); allowed: at most 100663296 bytes`]);
    });
    it("checks the key each container loads: replica.conf for the replicas, master.conf for the master", () => {
        assert.deepEqual(broken(rule, (s) => setConf(s, "replica.conf", "ConfigMap/redis/redis-config", REPLICA_CONF.replace("192mb", "200mb"))), [
            `${rule}: StatefulSet/redis/redis-replica container "redis": maxmemory 200mb (209715200 bytes) in ConfigMap/redis/redis-config key "replica.conf" exceeds 0.75 of the memory limit 256Mi (201326592 bytes); allowed: at most 201326592 bytes`]);
    });
    it("rejects a missing, zero or malformed maxmemory", () => {
        assert.deepEqual(broken(rule, cacheConf("maxmemory-policy allkeys-lru\n")), [`${rule}: ${CACHE}: maxmemory is not set in ${CACHE_CM}; ${LIMIT}`]);
        assert.deepEqual(broken(rule, cacheConf("maxmemory 0\n")), [`${rule}: ${CACHE}: maxmemory 0 (no limit) in ${CACHE_CM}; ${LIMIT}`]);
        assert.deepEqual(broken(rule, cacheConf("maxmemory lots\n")), [`${rule}: ${CACHE}: maxmemory "lots" in ${CACHE_CM} is not a Redis memory size; ${LIMIT}`]);
    });
    it("rejects a Redis container without a memory limit", () => {
        assert.deepEqual(broken(rule, (s) => { delete firstContainer(s, "Deployment/cache/redis").resources?.limits?.memory; }),
            [`${rule}: ${CACHE}: no memory limit to size maxmemory against; set resources.limits.memory and maxmemory at most 0.75 of it`]);
    });
    it("still checks maxmemory passed as an argument when no config is mounted", () => {
        assert.deepEqual(broken(rule, (s) => { firstContainer(s, "Deployment/cache/redis").command = ["redis-server", "--maxmemory", "200mb"]; }),
            [`${rule}: ${CACHE}: maxmemory 200mb (209715200 bytes) in --maxmemory argument exceeds 0.75 of the memory limit 128Mi (100663296 bytes); allowed: at most 100663296 bytes`]);
        assert.deepEqual(broken(rule, (s) => { firstContainer(s, "Deployment/cache/redis").command = ["redis-server"]; }),
            [`${rule}: ${CACHE}: maxmemory is not set: its config could not be resolved (its command/args name no .conf file) and no --maxmemory argument is given; ${LIMIT}`]);
    });
    it("takes the share from pack config: 0.5 makes a 0.6 config fail", () => {
        const sixTenths = cacheConf(`maxmemory ${Math.floor(134217728 * 0.6)}\n`);
        assert.deepEqual(broken(rule, sixTenths), []);
        assert.deepEqual(broken(rule, sixTenths, { [rule]: { maxMemoryShare: 0.5 } }),
            [`${rule}: ${CACHE}: maxmemory 80530636 (80530636 bytes) in ${CACHE_CM} exceeds 0.5 of the memory limit 128Mi (67108864 bytes); allowed: at most 67108864 bytes`,
                ...["master", "replica"].map((r) => `${rule}: StatefulSet/redis/redis-${r} container "redis": maxmemory 192mb (201326592 bytes) in ConfigMap/redis/redis-config key "${r}.conf" exceeds 0.5 of the memory limit 256Mi (134217728 bytes); allowed: at most 134217728 bytes`)]);
    });
});

describe("policy: redis-config-mounted (advisory)", () => {
    const rule = "redis-config-mounted";
    const fix = "mount it from a ConfigMap and start redis-server with its path";
    const cache = (s: K8sObject[]) => firstContainer(s, "Deployment/cache/redis");
    const volume = (s: K8sObject[]) => get(s, "Deployment/cache/redis").spec.template.spec.volumes[0];
    it("follows a subPath mount and a directory mount with items to the ConfigMap key", () => {
        assert.deepEqual(broken(rule, () => undefined), []);
    });
    it("flags each way the config fails to resolve", () => {
        const at = `${rule}: ${CACHE}: redis.conf is not mounted from a ConfigMap:`;
        assert.deepEqual(broken(rule, (s) => { cache(s).command = ["redis-server"]; }), [`${at} its command/args name no .conf file; ${fix}`]);
        assert.deepEqual(broken(rule, (s) => { cache(s).command = ["redis-server", "/etc/redis.conf"]; }),
            [`${at} /etc/redis.conf is not on any volumeMount (baked into the image?); ${fix}`]);
        assert.deepEqual(broken(rule, (s) => { volume(s).configMap = undefined; volume(s).emptyDir = {}; }),
            [`${at} /usr/local/etc/redis/redis.conf is mounted from volume "config", which is not a ConfigMap volume; ${fix}`]);
        assert.deepEqual(broken(rule, (s) => { volume(s).configMap.name = "nope"; }), [`${at} ConfigMap/cache/nope does not exist; ${fix}`]);
        assert.deepEqual(broken(rule, (s) => { cache(s).volumeMounts![0].subPath = "cache.conf"; }), [`${at} ConfigMap/cache/redis-cache-config has no key "cache.conf"; ${fix}`]);
        assert.deepEqual(broken(rule, (s) => { get(s, "StatefulSet/redis/redis-master").spec.template.spec.volumes[0].configMap.items[0].path = "redis.conf"; }), [
            `${rule}: StatefulSet/redis/redis-master container "redis": redis.conf is not mounted from a ConfigMap: volume "config" projects no item to master.conf from ConfigMap/redis/redis-config; ${fix}`]);
    });
    it("flags configuration passed on the command line", () => {
        assert.deepEqual(broken(rule, (s) => { cache(s).args = ["--maxmemory", "64mb"]; }),
            [`${rule}: ${CACHE}: passes --maxmemory on the command line; put it in the mounted redis.conf instead`]);
    });
});

describe("policy: redis-master-persistence", () => {
    const rule = "redis-master-persistence";
    const msg = (master = "StatefulSet/redis/redis-master") => `${rule}: ${master}: has 2 replicas (StatefulSet/redis/redis-replica) but its config (ConfigMap/redis/redis-config key "master.conf") sets neither "appendonly yes" nor a non-empty "save"; a master that restarts empty makes its replicas drop their data too`;
    it("requires AOF or RDB save points on a master with replicas", () => {
        assert.deepEqual(broken(rule, masterConf(MASTER_CONF.replace("appendonly yes", "appendonly no"))), [msg()]);
        assert.deepEqual(broken(rule, masterConf(MASTER_CONF.replace("appendonly yes", 'save 900 1\nsave ""'))), [msg()]);
        assert.deepEqual(broken(rule, masterConf(MASTER_CONF.replace("appendonly yes", "save 900 1"))), []);
    });
    it("does not ask a master without replicas to persist", () => {
        assert.deepEqual(broken(rule, (s) => { masterConf("maxmemory 192mb\n")(s); get(s, "StatefulSet/redis/redis-replica").spec.replicas = 0; }), []);
    });
    it("finds the master through the replicas' replicaof host when it is not labelled master", () => {
        const relabel = (replicaof: string) => (s: K8sObject[]) => {
            for (const labels of [get(s, "StatefulSet/redis/redis-master").metadata?.labels, get(s, "StatefulSet/redis/redis-master").spec.template.metadata.labels,
                get(s, "Service/redis/redis-master-headless").spec.selector]) labels["app.kubernetes.io/component"] = "leader";
            masterConf("maxmemory 192mb\n")(s);
            setConf(s, "replica.conf", "ConfigMap/redis/redis-config", REPLICA_CONF.replace(/^replicaof .*$/m, `replicaof ${replicaof} 6379`));
        };
        assert.deepEqual(broken(rule, relabel("redis-master-0.redis-master-headless.redis.svc.cluster.local")), [msg()]);
        assert.deepEqual(broken(rule, relabel("redis-master-headless")), [msg()]);
        assert.deepEqual(broken(rule, relabel("somewhere-else")), []);
    });
    it("keeps the fixture's cache (no replicaof anywhere) out of it", () => {
        assert.deepEqual(broken(rule, cacheConf(CACHE_CONF)), []);
    });
});
