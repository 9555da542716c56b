import * as assert from "assert/strict";
import { ConfigError, StackConfig, parseConfig } from "../../config";
import { parseQuantity } from "../../components/shared/quantity";
import { rawGetter } from "../../scripts/lib/stack-files";

function parse(stack: string, overrides: Record<string, unknown> = {}): StackConfig {
    return parseConfig(rawGetter(stack, overrides));
}

/** The problems a bad configuration reports (fails when it is accepted). */
function problems(stack: string, overrides: Record<string, unknown>): readonly string[] {
    try {
        parse(stack, overrides);
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
        return e.problems;
    }
    assert.fail(`configuration ${JSON.stringify(overrides)} was accepted`);
}

describe("config: stack files", () => {
    it("dev takes the Pulumi.yaml defaults and the embedded cluster", () => {
        const c = parse("dev");
        assert.equal(c.environment, "dev");
        assert.deepEqual(c.cluster, { kubeconfig: ".cluster/kubeconfig", context: "embedded", guardOverride: undefined });
        assert.equal(c.cache.namespace, "sample-app");
        assert.equal(c.cache.replicas, 2);
        assert.equal(c.cache.redis.memoryLimit, "128Mi");
        assert.equal(c.cache.redis.maxmemoryBytes, 100663296, "75% of 128Mi");
        assert.equal(c.cache.redis.maxmemoryPolicy, "allkeys-lru");
        assert.equal(c.replicated.replicas, 2);
        assert.equal(c.replicated.pvcRetention, "Delete");
        assert.equal(c.replicated.redis.maxmemoryPolicy, "noeviction");
        assert.equal(c.platform.ingress.await, false);
        assert.deepEqual(c.platform.hpa, { minReplicas: 2, maxReplicas: 10, cpuTarget: 70 });
        assert.equal(c.guestbook.enabled, true);
        assert.equal(c.guestbook.frontendRestricted, false, "dev exempts the upstream frontend");
        assert.deepEqual(c.policyExemptions.map((e) => [e.rule, e.resource]), [["pod-security-restricted", "Deployment/guestbook/frontend"]]);
    });

    it("prod differs only where Pulumi.prod.yaml says so", () => {
        const [dev, prod] = [parse("dev"), parse("prod")];
        assert.equal(prod.environment, "prod");
        assert.deepEqual(prod.cluster, { kubeconfig: undefined, context: "prod", guardOverride: undefined });
        assert.equal(prod.cache.replicas, 3);
        assert.equal(prod.cache.redis.maxmemoryBytes, 402653184, "75% of 512Mi");
        assert.equal(prod.replicated.replicas, 3);
        assert.equal(prod.replicated.pvcRetention, "Retain");
        assert.equal(prod.replicated.storageSize, "10Gi");
        assert.equal(prod.replicated.redis.maxmemoryBytes, 805306368, "75% of 1Gi");
        assert.equal(prod.platform.quota.pods, 40);
        assert.equal(prod.platform.ingress.host, "shop.example.com");
        assert.equal(prod.platform.ingress.await, true);
        assert.deepEqual(prod.platform.hpa, { minReplicas: 3, maxReplicas: 20, cpuTarget: 70 });
        assert.equal(prod.guestbook.enabled, false);
        assert.deepEqual(prod.policyExemptions, []);
        assert.equal(prod.cache.image, dev.cache.image, "images are shared unless a stack overrides them");
    });

    it("returns a frozen object", () => {
        const c = parse("dev");
        assert.ok(Object.isFrozen(c) && Object.isFrozen(c.cache) && Object.isFrozen(c.cache.redis));
    });

    it("accepts an explicit maxmemory below the limit and a guard override with its reason", () => {
        assert.equal(parse("dev", { cacheMaxmemory: "100Mi" }).cache.redis.maxmemoryBytes, 104857600);
        const c = parse("prod", { kubeContext: "embedded", clusterGuardOverride: "CI preview of prod config" });
        assert.equal(c.cluster.guardOverride, "CI preview of prod config");
    });
});

describe("config: bad input stops with a message naming key, value and what is allowed", () => {
    const cases: [string, string, Record<string, unknown>, string][] = [
        ["negative replicas", "dev", { cacheReplicas: -1 }, "redis-platform:cacheReplicas: -1 is out of range; use a whole number from 1 to 50"],
        ["non-integer replicas", "dev", { replicatedReplicas: "1.5" }, 'redis-platform:replicatedReplicas: "1.5" is not a whole number; use a whole number from 0 to 10'],
        ["malformed quantity", "dev", { cacheMemoryLimit: "12Gb" }, 'redis-platform:cacheMemoryLimit: "12Gb" is not a Kubernetes quantity; use a number with an optional suffix Ki, Mi, Gi, Ti, k, M, G, T or m (for example 128Mi or 250m)'],
        ["maxmemory at the limit", "dev", { cacheMaxmemory: "128Mi" }, 'redis-platform:cacheMaxmemory: 128Mi is at or above cacheMemoryLimit (128Mi); use "auto" (75% of the limit, 96Mi) or a quantity below the limit'],
        ["maxmemory above the limit", "dev", { replicatedMaxmemory: "1Gi" }, 'redis-platform:replicatedMaxmemory: 1Gi is at or above replicatedMemoryLimit (256Mi); use "auto" (75% of the limit, 192Mi) or a quantity below the limit'],
        ["replicas without persistence", "dev", { replicatedPersistence: false }, "redis-platform:replicatedPersistence: false is not allowed while replicatedReplicas is 2; a master that restarts empty wipes its replicas, so set it to true (or replicatedReplicas to 0)"],
        ["HPA min above max", "dev", { hpaMinReplicas: 5, hpaMaxReplicas: 3 }, "redis-platform:hpaMinReplicas: 5 is above hpaMaxReplicas (3); use a value from 1 to 3"],
        ["unknown environment", "dev", { environment: "staging" }, 'redis-platform:environment: "staging" is not a known environment; use one of dev, prod'],
        ["prod on the dev cluster", "prod", { kubeContext: "embedded" }, 'redis-platform:kubeContext: "embedded" is a development cluster context (listed in devContexts) and this is a prod stack; point kubeContext at the prod cluster, or set clusterGuardOverride to a reason (CI previews only)'],
        ["request above limit", "dev", { cacheMemoryRequest: "256Mi" }, "redis-platform:cacheMemoryRequest: 256Mi is above cacheMemoryLimit (128Mi); a request may not exceed its limit"],
        ["latest tag", "dev", { cacheImage: "redis:latest" }, 'redis-platform:cacheImage: "redis:latest" uses the latest tag; pin a version tag'],
        ["untagged image", "dev", { echoImage: "hashicorp/http-echo" }, 'redis-platform:echoImage: "hashicorp/http-echo" has no tag; pin a version tag (for example hashicorp/http-echo:<version>)'],
        ["string boolean", "dev", { ingressEnabled: "yes" }, 'redis-platform:ingressEnabled: "yes" is not a boolean; use true or false'],
        ["unknown retention", "dev", { replicatedPvcRetention: "Keep" }, 'redis-platform:replicatedPvcRetention: "Keep" is not allowed; use one of Delete, Retain'],
        ["unknown service type", "dev", { guestbookServiceType: "External" }, 'redis-platform:guestbookServiceType: "External" is not a Service type; use one of ClusterIP, NodePort, LoadBalancer'],
        ["unknown eviction policy", "dev", { cacheMaxmemoryPolicy: "lru" }, 'redis-platform:cacheMaxmemoryPolicy: "lru" is not a Redis maxmemory-policy; use one of noeviction, allkeys-lru, allkeys-lfu, allkeys-random, volatile-lru, volatile-lfu, volatile-random, volatile-ttl'],
        ["default namespace", "dev", { cacheNamespace: "default" }, 'redis-platform:cacheNamespace: "default" is not allowed; each system gets a namespace of its own, not default or kube-*'],
        ["invalid namespace", "dev", { platformNamespace: "Shop_1" }, "redis-platform:platformNamespace: \"Shop_1\" is not a valid namespace name; use lowercase letters, digits and '-' (at most 63 characters)"],
        ["shared namespace", "dev", { replicatedNamespace: "sample-app" }, 'redis-platform:replicatedNamespace: "sample-app" is already used by cacheNamespace; each system needs its own namespace'],
        ["quota below the pods", "dev", { platformQuotaPods: 10 }, "redis-platform:platformQuotaPods: 10 is below the 16 pods the platform can run (gateway 2 + user-service 2 + order-service 2 + product-service up to 10); raise it to at least 16"],
        ["quota below the requests", "dev", { platformQuotaRequestsCpu: "1" }, "redis-platform:platformQuotaRequestsCpu: 1 is below what the platform needs at full scale (16 pods x 100m); raise it or lower the per-pod value"],
        ["bad ingress host", "dev", { ingressHost: "Shop Example" }, 'redis-platform:ingressHost: "Shop Example" is not a valid host name; use a lowercase DNS name such as shop.example.com'],
        ["exemption without reason", "dev", { policyExemptions: [{ rule: "pod-security-restricted", resource: "Deployment/guestbook/frontend" }] }, "redis-platform:policyExemptions[0]: reason is missing; every exemption must say why"],
        ["exemption with a bad resource", "dev", { policyExemptions: [{ rule: "x", resource: "frontend", reason: "r" }] }, 'redis-platform:policyExemptions[0]: resource "frontend" is not of the form <Kind>/<namespace>/<name> (for example Deployment/guestbook/frontend)'],
        ["missing key", "dev", { cacheReplicas: undefined }, "redis-platform:cacheReplicas: is not set; Pulumi.yaml declares its default, so run the program through the Pulumi CLI or set the key in Pulumi.<stack>.yaml"],
        ["password too short", "dev", { replicatedPasswordLength: 8 }, "redis-platform:replicatedPasswordLength: 8 is out of range; use a whole number from 16 to 128"],
    ];
    for (const [what, stack, overrides, message] of cases) {
        it(what, () => assert.deepEqual(problems(stack, overrides), [message]));
    }

    it("reports every bad key at once, in one error that says nothing was changed", () => {
        try {
            parse("dev", { cacheReplicas: 0, hpaCpuTarget: 150 });
            assert.fail("accepted");
        } catch (e) {
            assert.ok(e instanceof ConfigError);
            assert.equal(e.message, [
                "Invalid stack configuration (nothing was changed):",
                "  - redis-platform:cacheReplicas: 0 is out of range; use a whole number from 1 to 50",
                "  - redis-platform:hpaCpuTarget: 150 is out of range; use a whole number from 1 to 100",
            ].join("\n"));
        }
    });
});

describe("quantities", () => {
    it("parses binary, decimal, milli and exponent forms", () => {
        assert.equal(parseQuantity("128Mi"), 134217728);
        assert.equal(parseQuantity("1Gi"), 1073741824);
        assert.equal(parseQuantity("200m"), 0.2);
        assert.equal(parseQuantity("1.5"), 1.5);
        assert.equal(parseQuantity("2k"), 2000);
        assert.equal(parseQuantity("1e3"), 1000);
    });
    it("rejects what Kubernetes rejects", () => {
        for (const bad of ["12Gb", "-1Mi", "Mi", "1 Gi", "", "1.2.3"]) assert.equal(parseQuantity(bad), undefined, bad);
    });
});
