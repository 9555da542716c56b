import assert from "assert/strict";
import { Container, K8sObject } from "../../policy/rules";
import { isRedisImage, redisRole } from "../../policy/lib/redis";
import { DIGEST, messages, run } from "./fixtures";
import {
    seed000Cache, seed000ClientPod, seed001MasterSlave, seed002Master, seed003Redis, withoutPorts,
} from "./seed-manifests";

const REDIS_RULES = ["redis-network-access", "redis-service-cluster-ip", "redis-maxmemory", "redis-master-persistence", "redis-config-mounted"];
/** Every Redis rule's messages, rule by rule, each rule's sorted. */
const redisFindings = (objects: K8sObject[]): string[] => {
    const vs = run(objects);
    return REDIS_RULES.flatMap((r) => messages(vs, r));
};
const only = (rule: string, objects: K8sObject[]) => messages(run(objects), rule);
const noPolicy = (key: string) => `redis-network-access: ${key}: no NetworkPolicy admits port 6379 from specific pods; add an ingress rule whose from names its clients with a podSelector`;
const noConf = (subject: string) => `redis-config-mounted: ${subject}: redis.conf is not mounted from a ConfigMap: its command/args name no .conf file; mount it from a ConfigMap and start redis-server with its path`;
const first = (objects: K8sObject[], name: string): Container =>
    (objects.find((o) => o.metadata?.name === name)?.spec.template.spec.containers[0]) as Container;

describe("policy: what the pack takes for Redis", () => {
    it("takes any tag or digest of a repository named redis as a Redis image, and nothing merely named like it", () => {
        const yes = ["redis", "redis:7", "redis:7.2-alpine", `docker.io/library/redis${DIGEST}`, `docker.io/library/redis:7.2.5-alpine${DIGEST}`,
            "bitnami/redis:7.2.5", "k8s.gcr.io/redis:e2e", "localhost:5000/redis", "localhost/redis-platform/redis:7.0.15-debian12"];
        const no = ["redis-exporter", "oliver006/redis_exporter:v1.62.0", "rediscommander/redis-commander:latest", "myredisapp:1",
            "bitnami/redis-sentinel:7.2", "redis/redis-stack-server:7.2.0-v10", "gcr.io/google_samples/gb-redisslave:v3",
            "localhost:5000/myredis", "redis.example.com/app:1", "", undefined];
        assert.deepEqual(yes.filter((i) => !isRedisImage(i)), []);
        assert.deepEqual(no.filter((i) => isRedisImage(i)), []);
    });

    it("tells a server (redis-server, by path or in sh -c; the redis image's own process) from a client and a Sentinel", () => {
        const cases: [Partial<Container>, string | undefined][] = [
            [{ image: "redis:7" }, "server"],
            [{ image: "redis:7", args: ["--appendonly", "yes"] }, "server"],
            [{ image: "redis:7", args: ["/usr/local/etc/redis/redis.conf"] }, "server"],
            [{ image: "example/cache:1", command: ["/usr/local/bin/redis-server", "/etc/redis/redis.conf"] }, "server"],
            [{ image: "example/cache:1", command: ["sh", "-c", "redis-server --appendonly yes --maxmemory 96mb"] }, "server"],
            [{ image: "example/proxy:1", ports: [{ containerPort: 6379 }] }, "server"],
            [{ image: "redis:7-alpine", args: ["redis-cli", "-h", "redis-service", "ping"] }, undefined],
            [{ image: "redis:7-alpine", args: ["sh"] }, undefined],
            [{ image: "redis:7", command: ["redis-sentinel", "/etc/redis/sentinel.conf"] }, "sentinel"],
            [{ image: "redis:7", command: ["redis-server", "/etc/redis/sentinel.conf", "--sentinel"] }, "sentinel"],
            [{ image: "redis:7", args: ["/etc/redis/sentinel.conf", "--sentinel"] }, "sentinel"],
            [{ image: "redis:7", command: ["sh", "-c", "cp /conf/sentinel.conf /data && exec redis-server /data/sentinel.conf --sentinel"] }, "sentinel"],
            [{ image: "oliver006/redis_exporter:v1.62.0", ports: [{ containerPort: 9121 }] }, undefined],
            [{ image: "rediscommander/redis-commander:latest", ports: [{ containerPort: 8081 }] }, undefined],
        ];
        assert.deepEqual(cases.map(([c]) => redisRole({ name: "c", ...c })), cases.map(([, role]) => role));
    });
});

for (const [variant, shape] of [["as published", (o: K8sObject[]) => o], ["without containerPort 6379", withoutPorts]] as const) {
    describe(`policy: Redis in the seeds' own style, ${variant}`, () => {
        it("redis-master-persistence: seed 001's master.conf neither appends nor saves while two slaves replicate from it", () => {
            assert.deepEqual(only("redis-master-persistence", shape(seed001MasterSlave())), [
                'redis-master-persistence: StatefulSet/redis/redis-master: has 2 replicas (StatefulSet/redis/redis-slave) but its config (ConfigMap/redis/redis key "master.conf") sets neither "appendonly yes" nor a non-empty "save"; a master that restarts empty makes its replicas drop their data too']);
        });

        it("redis-master-persistence: accepts seed 001's master once its args add --appendonly yes", () => {
            const objects = shape(seed001MasterSlave());
            first(objects, "redis-master").args?.push("--appendonly", "yes");
            assert.deepEqual(only("redis-master-persistence", objects), []);
        });

        it("redis-maxmemory: seed 000's --maxmemory 128mb equals its 128Mi limit", () => {
            assert.deepEqual(only("redis-maxmemory", shape(seed000Cache())), [
                'redis-maxmemory: Deployment/sample-app/redis-deployment container "redis": maxmemory 128mb (134217728 bytes) in --maxmemory argument exceeds 0.75 of the memory limit 128Mi (100663296 bytes); allowed: at most 100663296 bytes']);
        });

        it("redis-maxmemory: seed 003's bare redis:7 sets none; --maxmemory 256mb equals its 256Mi limit", () => {
            const at = 'redis-maxmemory: Deployment/ecommerce/redis container "redis"';
            assert.deepEqual(only("redis-maxmemory", shape(seed003Redis())), [
                `${at}: maxmemory is not set: its config could not be resolved (its command/args name no .conf file) and no --maxmemory argument is given; set maxmemory to at most 0.75 of the memory limit 256Mi (201326592 bytes)`]);
            const atLimit = shape(seed003Redis());
            first(atLimit, "redis").args = ["--maxmemory", "256mb"];
            assert.deepEqual(only("redis-maxmemory", atLimit), [
                `${at}: maxmemory 256mb (268435456 bytes) in --maxmemory argument exceeds 0.75 of the memory limit 256Mi (201326592 bytes); allowed: at most 201326592 bytes`]);
        });

        it("redis-network-access: no seed has a NetworkPolicy, so each Redis is open", () => {
            assert.deepEqual(only("redis-network-access", shape([...seed000Cache(), ...seed001MasterSlave(), ...seed002Master(), ...seed003Redis()])), [
                "Deployment/default/redis-master", "Deployment/ecommerce/redis", "Deployment/sample-app/redis-deployment",
                "StatefulSet/redis/redis-master", "StatefulSet/redis/redis-slave"].map(noPolicy));
        });

        it("every Redis rule reports seed 000 and seed 002 (k8s.gcr.io/redis:e2e, default command) in full", () => {
            const cache = 'Deployment/sample-app/redis-deployment container "redis"';
            assert.deepEqual(redisFindings(shape(seed000Cache())), [
                noPolicy("Deployment/sample-app/redis-deployment"),
                `redis-maxmemory: ${cache}: maxmemory 128mb (134217728 bytes) in --maxmemory argument exceeds 0.75 of the memory limit 128Mi (100663296 bytes); allowed: at most 100663296 bytes`,
                `redis-config-mounted: ${cache}: passes --maxmemory, --maxmemory-policy, --save, --appendonly on the command line; put them in the mounted redis.conf instead`,
                noConf(cache),
            ]);
            const guestbook = 'Deployment/default/redis-master container "master"';
            assert.deepEqual(redisFindings(shape(seed002Master())), [
                noPolicy("Deployment/default/redis-master"),
                `redis-maxmemory: ${guestbook}: no memory limit to size maxmemory against; set resources.limits.memory and maxmemory at most 0.75 of it`,
                noConf(guestbook),
            ]);
        });
    });
}

describe("policy: Redis look-alikes in the seeds' style", () => {
    const deployment = (name: string, container: Container): K8sObject => ({
        apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace: "ecommerce", labels: { app: name } },
        spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [container] } } },
    });
    const nodePort = (name: string, port: number): K8sObject => ({
        apiVersion: "v1", kind: "Service", metadata: { name, namespace: "ecommerce" },
        spec: { type: "NodePort", selector: { app: name }, ports: [{ port, targetPort: port }] },
    });

    it("takes neither redis_exporter nor redis-commander for Redis, even exposed by NodePort beside seed 003's Redis", () => {
        const alone = redisFindings(withoutPorts(seed003Redis()));
        assert.equal(alone.length, 3);
        const objects = [
            ...withoutPorts(seed003Redis()),
            deployment("redis-exporter", { name: "redis-exporter", image: "oliver006/redis_exporter:v1.62.0",
                env: [{ name: "REDIS_ADDR", value: "redis://redis:6379" }], ports: [{ containerPort: 9121 }] }),
            nodePort("redis-exporter", 9121),
            deployment("redis-commander", { name: "redis-commander", image: "rediscommander/redis-commander:latest",
                env: [{ name: "REDIS_HOSTS", value: "local:redis:6379" }], ports: [{ containerPort: 8081 }] }),
            nodePort("redis-commander", 8081),
        ];
        assert.deepEqual(redisFindings(objects), alone);
    });

    it("leaves seed 000's throwaway redis-cli and redis-benchmark pods on redis:7-alpine alone", () => {
        assert.deepEqual(redisFindings([
            seed000ClientPod("temp-client-1", ["redis-cli", "-h", "redis-service", "get", "pod-id"]),
            seed000ClientPod("redis-benchmark", ["redis-benchmark", "-h", "redis-service", "-p", "6379", "-n", "1000", "-c", "10"]),
            seed000ClientPod("redis-client", ["sh"]),
        ]), []);
    });

    it("asks no maxmemory, mounted redis.conf or 6379 policy of a Sentinel, even labelled app.kubernetes.io/name=redis", () => {
        const labels = { "app.kubernetes.io/name": "redis", "app.kubernetes.io/component": "sentinel" };
        const sentinel = (name: string, c: Partial<Container>): K8sObject => ({
            apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name, namespace: "redis", labels },
            spec: { replicas: 3, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [
                { name: "sentinel", image: "redis:7.2-alpine", ports: [{ name: "sentinel", containerPort: 26379 }], resources: { limits: { memory: "64Mi" } }, ...c }] } } },
        });
        assert.deepEqual(redisFindings([
            sentinel("redis-sentinel", { command: ["redis-sentinel", "/data/sentinel.conf"] }),
            sentinel("sentinel-by-flag", { command: ["sh", "-c", "cp /conf/sentinel.conf /data/ && exec redis-server /data/sentinel.conf --sentinel"] }),
        ]), []);
    });
});
