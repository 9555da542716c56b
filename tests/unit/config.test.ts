import * as assert from "assert/strict";
import { ConfigError, StackConfig, parseConfig } from "../../config";
import { parseQuantity } from "../../components/shared/quantity";
import { rawGetter } from "../../scripts/lib/stack-files";
import { BAD_CONFIG } from "../helpers/config-cases";

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
        const redisImage = "localhost/redis-platform/redis:7.0.15-debian12";
        assert.deepEqual([c.cache.image, c.replicated.image, c.guestbook.redisImage], [redisImage, redisImage, redisImage], "the embedded node's local images");
        assert.equal(c.cache.replicas, 2);
        assert.equal(c.cache.redis.memoryLimit, "128Mi");
        assert.equal(c.cache.redis.maxmemoryBytes, 100663296, "75% of 128Mi");
        assert.equal(c.cache.redis.maxmemoryPolicy, "allkeys-lru");
        assert.equal(c.replicated.replicas, 2);
        assert.equal(c.replicated.pvcRetention, "Delete");
        assert.equal(c.replicated.redis.maxmemoryPolicy, "noeviction");
        assert.deepEqual([c.platform.ingress.className, c.platform.ingress.await], ["traefik", true], "the embedded cluster's Traefik");
        assert.deepEqual(c.platform.hpa, { minReplicas: 2, maxReplicas: 10, cpuTarget: 70 });
        assert.equal(c.guestbook.enabled, true);
        assert.deepEqual(c.guestbook.frontend, { kind: "own", image: "localhost/redis-platform/guestbook-frontend:0.1.0" });
        assert.deepEqual(c.policyExemptions, [], "the project's guestbook frontend needs no exemption");
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
        assert.notEqual(prod.cache.image, dev.cache.image);
        assert.equal(prod.cache.image, "docker.io/library/redis:7.2.5-alpine", "prod takes the Pulumi.yaml default images; dev overrides them with the local ones");
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
    const cases = BAD_CONFIG;
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
