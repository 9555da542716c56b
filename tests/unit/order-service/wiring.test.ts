/**
 * How the program deploys the order service (the real program under Pulumi mocks, inputs
 * recorded): image from config, env from the replicated Redis's outputs, the password by
 * secretKeyRef, probes, security; and the orderImage config key's checks, with exact messages.
 */
import * as assert from "assert/strict";
import { execFileSync } from "child_process";
import * as path from "path";
import { ConfigError, parseConfig } from "../../../config";
import { ROOT, rawGetter } from "../../../scripts/lib/stack-files";
import { ProgramRun, T, container, find, runProgram } from "../../helpers/program";

const NS = "ecommerce";
const LOCAL_IMAGE = "localhost/redis-platform/order-service:0.1.0";

describe("order service wiring (Pulumi mocks)", () => {
    let dev: ProgramRun;
    let prod: ProgramRun;
    before(async () => {
        [dev, prod] = await Promise.all([runProgram("dev"), runProgram("prod")]);
    });
    const orders = (run: ProgramRun) => find(run, T.Deployment, "order-service", NS);

    it("runs the real service in dev, from the image scripts/images.sh builds", () => {
        assert.equal(container(orders(dev)).image, LOCAL_IMAGE);
        const built = execFileSync("bash", [path.join(ROOT, "scripts", "images.sh"), "list"], { encoding: "utf8" }).trim().split("\n");
        assert.ok(built.includes(LOCAL_IMAGE), `scripts/images.sh builds ${built.join(", ")}`);
    });

    it("takes the image from orderImage", async () => {
        const run = await runProgram("dev", { orderImage: "registry.example.com/shop/order-service:1.2.3" });
        assert.equal(container(orders(run)).image, "registry.example.com/shop/order-service:1.2.3");
    });

    it("gives it the replicated Redis's write and read hosts and port, and the password by secretKeyRef to its namespace's Secret", () => {
        assert.deepEqual(container(orders(dev)).env, [
            { name: "REDIS_HOST", value: dev.outputs.redisWriteHost },
            { name: "REDIS_PORT", value: String(dev.outputs.redisPort) },
            { name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "order-redis", key: "password" } } },
            { name: "REDIS_READ_HOST", value: dev.outputs.redisReadHost },
            { name: "PORT", value: "8080" },
        ]);
        assert.deepEqual([dev.outputs.redisWriteHost, dev.outputs.redisReadHost], ["redis-master.redis.svc.cluster.local", "redis-replica.redis.svc.cluster.local"]);
        const secret = find(dev, T.Secret, "order-redis", NS);
        assert.deepEqual(Object.keys(secret.inputs.stringData), ["password"]);
        assert.equal(secret.inputs.stringData.password, dev.password, "the replicated Redis's generated password");
        assert.ok(secret.secretPaths.some((p) => "stringData.password".startsWith(p)), "registered as a Pulumi secret");
    });

    it("reads from the master's Service when the replicated Redis has no replicas", async () => {
        const run = await runProgram("dev", { replicatedReplicas: 0, replicatedMinReplicasToWrite: 0 });
        const env = container(orders(run)).env as { name: string; value?: string }[];
        assert.equal(env.find((e) => e.name === "REDIS_READ_HOST")?.value, "redis-master.redis.svc.cluster.local");
        assert.equal(run.outputs.redisReadHost, "redis-master.redis.svc.cluster.local");
    });

    it("probes /health for liveness and /ready for readiness, sets requests and limits, and pauses before SIGTERM", () => {
        const c = container(orders(dev));
        assert.deepEqual(c.ports, [{ name: "http", containerPort: 8080, protocol: "TCP" }]);
        assert.deepEqual(c.livenessProbe, { httpGet: { path: "/health", port: 8080 }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 });
        assert.deepEqual(c.readinessProbe, { httpGet: { path: "/ready", port: 8080 }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 });
        assert.deepEqual(c.resources, { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } });
        assert.deepEqual(c.lifecycle, { preStop: { sleep: { seconds: 5 } } });
        assert.equal(c.args, undefined);
    });

    it("runs restricted as the image's non-root user, with a read-only root filesystem", () => {
        const spec = orders(dev).inputs.spec.template.spec;
        assert.deepEqual(spec.securityContext, { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } });
        assert.deepEqual(container(orders(dev)).securityContext, { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
        assert.equal(spec.automountServiceAccountToken, false);
        assert.equal(spec.volumes, undefined, "writes nothing, needs no volume");
    });

    it("stays a Redis client and a gateway backend: client label, Service, NetworkPolicy, budget, route", () => {
        const d = orders(dev);
        const selector = d.inputs.spec.selector.matchLabels;
        assert.equal(selector["app.kubernetes.io/name"], "order-service");
        assert.equal(d.inputs.spec.replicas, 2);
        assert.equal(d.inputs.spec.template.metadata.labels["clients.redis-platform/redis"], "true");
        const svc = find(dev, T.Service, "order-service", NS).inputs.spec;
        assert.deepEqual([svc.selector, svc.ports], [selector, [{ name: "http", port: 8080, targetPort: "http", protocol: "TCP" }]]);
        const np = find(dev, T.NetworkPolicy, "order-service-from-gateway", NS).inputs.spec;
        assert.deepEqual(np.podSelector.matchLabels, selector);
        assert.deepEqual(np.ingress[0].from, [{ podSelector: { matchLabels: find(dev, T.Deployment, "api-gateway", NS).inputs.spec.selector.matchLabels } }]);
        assert.deepEqual(find(dev, T.PDB, "order-service", NS).inputs.spec.selector.matchLabels, selector);
        assert.match(find(dev, T.ConfigMap, "api-gateway-config", NS).inputs.data["default.conf"], /location \/api\/orders \{\n\s+proxy_pass http:\/\/order-service;/);
    });

    it("keeps the http-echo placeholder in prod (the image is in no registry the prod cluster pulls from)", () => {
        const c = container(orders(prod));
        assert.equal(c.image, "docker.io/hashicorp/http-echo:1.0.0");
        assert.deepEqual(c.args, ['-text={"service": "order-service", "orders": []}', "-listen=:8080"]);
        assert.equal(orders(prod).inputs.spec.selector.matchLabels["app.kubernetes.io/name"], "http-echo");
    });
});

describe("config: orderImage", () => {
    const parse = (stack: string, overrides: Record<string, unknown> = {}) => parseConfig(rawGetter(stack, overrides));
    const problems = (overrides: Record<string, unknown>): readonly string[] => {
        try {
            parse("dev", overrides);
        } catch (e) {
            assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
            return e.problems;
        }
        assert.fail(`configuration ${JSON.stringify(overrides)} was accepted`);
    };

    it("is the locally built service by default (dev) and the placeholder in prod", () => {
        assert.deepEqual(parse("dev").platform.order, { kind: "service", image: LOCAL_IMAGE });
        assert.deepEqual(parse("prod").platform.order, { kind: "echo" });
        assert.deepEqual(parse("dev", { orderImage: "echo" }).platform.order, { kind: "echo" });
    });

    const cases: [string, string, string][] = [
        ["untagged", "localhost/redis-platform/order-service", 'redis-platform:orderImage: "localhost/redis-platform/order-service" has no tag; pin a version tag (for example localhost/redis-platform/order-service:<version>)'],
        ["latest", "localhost/redis-platform/order-service:latest", 'redis-platform:orderImage: "localhost/redis-platform/order-service:latest" uses the latest tag; pin a version tag'],
        ["http-echo itself", "docker.io/hashicorp/http-echo:1.0.0", 'redis-platform:orderImage: "docker.io/hashicorp/http-echo:1.0.0" is the http-echo placeholder; use "echo" to run it (from echoImage) with the seed\'s fixed response, or the order service\'s image'],
        ["empty", "", 'redis-platform:orderImage: "" is empty; use "echo" for the http-echo placeholder, or the order service\'s image with a pinned tag (for example localhost/redis-platform/order-service:0.1.0)'],
    ];
    for (const [what, value, message] of cases) {
        it(`refuses ${what}`, () => assert.deepEqual(problems({ orderImage: value }), [message]));
    }

    it("is reported with every other bad key at once, once when missing", () => {
        assert.deepEqual(problems({ orderImage: undefined, cacheReplicas: 0 }), [
            "redis-platform:cacheReplicas: 0 is out of range; use a whole number from 1 to 50",
            "redis-platform:orderImage: is not set; Pulumi.yaml declares its default, so run the program through the Pulumi CLI or set the key in Pulumi.<stack>.yaml",
        ]);
    });
});
