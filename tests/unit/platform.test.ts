import * as assert from "assert/strict";
import { ProgramRun, T, container, find, runProgram } from "../helpers/program";

const NS = "ecommerce";

describe("Platform (seed 003)", () => {
    let dev: ProgramRun;
    let prod: ProgramRun;
    /** Dev with the http-echo placeholder as order-service (orderImage: echo), as before the real service. */
    let devEcho: ProgramRun;
    before(async () => {
        [dev, prod, devEcho] = await Promise.all([runProgram("dev"), runProgram("prod"), runProgram("dev", { orderImage: "echo" })]);
    });
    const deploy = (run: ProgramRun, name: string) => find(run, T.Deployment, name, NS);

    it("bounds the namespace with the configured quota and limit range", () => {
        assert.deepEqual(find(dev, T.ResourceQuota, "resource-quota", NS).inputs.spec.hard, { "requests.cpu": "4", "requests.memory": "8Gi", "limits.cpu": "8", "limits.memory": "16Gi", pods: "20" });
        assert.deepEqual(find(prod, T.ResourceQuota, "resource-quota", NS).inputs.spec.hard, { "requests.cpu": "8", "requests.memory": "16Gi", "limits.cpu": "16", "limits.memory": "32Gi", pods: "40" });
        assert.deepEqual(find(dev, T.LimitRange, "limit-range", NS).inputs.spec.limits, [{ type: "Container", default: { cpu: "200m", memory: "256Mi" }, defaultRequest: { cpu: "100m", memory: "128Mi" } }]);
    });

    it("routes every API path and /health in the gateway's nginx config", () => {
        const conf: string = find(dev, T.ConfigMap, "api-gateway-config", NS).inputs.data["default.conf"];
        for (const [path, backend] of [["/api/users", "user-service"], ["/api/products", "product-service"], ["/api/orders", "order-service"]]) {
            assert.match(conf, new RegExp(`location ${path} \\{\\n\\s+proxy_pass http://${backend};`));
            assert.match(conf, new RegExp(`upstream ${backend} \\{\\n\\s+server ${backend}:8080;`));
        }
        assert.match(conf, /location = \/health \{[^}]*return 200 'OK';/);
        assert.match(conf, /listen 8080;/);
    });

    it("runs the gateway unprivileged on 8080 with probes on /health, behind a port-80 Service", () => {
        const d = deploy(dev, "api-gateway");
        const c = container(d);
        assert.equal(c.image, "localhost/redis-platform/nginx-unprivileged:1.22.1-debian12");
        assert.deepEqual(c.readinessProbe.httpGet, { path: "/health", port: 8080 });
        assert.deepEqual(c.livenessProbe.tcpSocket, { port: 8080 });
        assert.deepEqual(d.inputs.spec.template.spec.securityContext.runAsUser, 101);
        assert.deepEqual(c.volumeMounts, [{ name: "config", mountPath: "/etc/nginx/conf.d", readOnly: true }, { name: "tmp", mountPath: "/tmp" }]);
        const svc = find(dev, T.Service, "api-gateway", NS);
        assert.deepEqual(svc.inputs.spec.ports, [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }]);
        assert.deepEqual(svc.inputs.spec.selector, d.inputs.spec.selector.matchLabels);
    });

    it("wires the gateway's Redis keys from the replicated Redis outputs, as env from the ConfigMap", () => {
        const data = find(dev, T.ConfigMap, "api-gateway-config", NS).inputs.data;
        assert.equal(data.redisMaster, dev.outputs.redisWriteHost);
        assert.equal(data.redisSlave, dev.outputs.redisReadHost);
        assert.equal(data.redisPort, "6379");
        const env = container(deploy(dev, "api-gateway")).env;
        assert.deepEqual(env.slice(0, 2), [
            { name: "REDIS_HOST_MASTER", valueFrom: { configMapKeyRef: { name: "api-gateway-config", key: "redisMaster" } } },
            { name: "REDIS_HOST_SLAVE", valueFrom: { configMapKeyRef: { name: "api-gateway-config", key: "redisSlave" } } },
        ]);
    });

    it("connects the placeholder order-service to the replicated Redis with the password from its own Secret", () => {
        const env = container(deploy(devEcho, "order-service")).env;
        assert.deepEqual(env, [
            { name: "REDIS_HOST", value: "redis-master.redis.svc.cluster.local" },
            { name: "REDIS_PORT", value: "6379" },
            { name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "order-redis", key: "password" } } },
        ]);
        assert.equal(find(devEcho, T.Secret, "order-redis", NS).inputs.stringData.password, devEcho.password);
        assert.equal(deploy(devEcho, "order-service").inputs.spec.template.metadata.labels["clients.redis-platform/redis"], "true");
    });

    it("runs the http-echo placeholders (order-service too with orderImage: echo) with the seed's responses, probes and resources", () => {
        const expected: Record<string, string> = {
            "user-service": '{"service": "user-service", "status": "ok"}',
            "product-service": '{"service": "product-service", "products": []}',
            "order-service": '{"service": "order-service", "orders": []}',
        };
        for (const [name, text] of Object.entries(expected)) {
            const c = container(deploy(devEcho, name));
            assert.equal(c.image, "localhost/redis-platform/http-echo:1.0.0");
            assert.deepEqual(c.args, [`-text=${text}`, "-listen=:8080"]);
            assert.deepEqual(c.resources, { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } });
            assert.deepEqual(c.readinessProbe.httpGet, { path: "/", port: 8080 });
            assert.deepEqual(find(devEcho, T.Service, name, NS).inputs.spec.selector, deploy(devEcho, name).inputs.spec.selector.matchLabels);
        }
    });

    it("lets the HPA alone own product-service's replicas, with the configured bounds and target", () => {
        assert.equal(deploy(dev, "product-service").inputs.spec.replicas, undefined);
        assert.equal(deploy(dev, "user-service").inputs.spec.replicas, 2);
        const hpa = find(dev, T.HPA, "product-service-hpa", NS).inputs.spec;
        assert.deepEqual(hpa.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "product-service" });
        assert.equal(hpa.minReplicas, 2);
        assert.equal(hpa.maxReplicas, 10);
        assert.deepEqual(hpa.metrics, [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }]);
        assert.deepEqual([find(prod, T.HPA, "product-service-hpa", NS).inputs.spec.minReplicas, find(prod, T.HPA, "product-service-hpa", NS).inputs.spec.maxReplicas], [3, 20]);
        assert.ok(find(dev, T.PDB, "product-service", NS), "HPA minimum of 2 gets a budget");
    });

    it("exposes /api through an Ingress with the configured class and host", () => {
        const ing = find(dev, T.Ingress, "ecommerce-ingress", NS).inputs;
        assert.equal(ing.spec.ingressClassName, "traefik", "dev names the embedded cluster's Traefik");
        const backend = { service: { name: "api-gateway", port: { number: 80 } } };
        assert.deepEqual(ing.spec.rules, [{ host: "ecommerce.local", http: { paths: [{ path: "/api", pathType: "Prefix", backend }, { path: "/health", pathType: "Exact", backend }] } }]);
        assert.equal(ing.metadata.annotations["pulumi.com/skipAwait"], undefined, "dev waits for the embedded cluster's Traefik to serve it");
        const prodIng = find(prod, T.Ingress, "ecommerce-ingress", NS).inputs;
        assert.equal(prodIng.spec.rules[0].host, "shop.example.com");
        assert.equal(prodIng.metadata.annotations["pulumi.com/skipAwait"], undefined);
    });

    it("leaves the Ingress out when disabled", async () => {
        const run = await runProgram("dev", { ingressEnabled: false });
        assert.equal(run.resources.filter((r) => r.type === T.Ingress).length, 0);
        assert.equal(run.outputs.ingressHost, undefined);
    });

    it("opens each service only to the gateway, and the gateway to everyone", () => {
        for (const svc of ["user-service", "product-service", "order-service"]) {
            const np = find(dev, T.NetworkPolicy, `${svc}-from-gateway`, NS).inputs.spec;
            assert.deepEqual(np.ingress, [{ from: [{ podSelector: { matchLabels: deploy(dev, "api-gateway").inputs.spec.selector.matchLabels } }], ports: [{ protocol: "TCP", port: 8080 }] }]);
            assert.deepEqual(np.podSelector.matchLabels, deploy(dev, svc).inputs.spec.selector.matchLabels);
        }
        assert.deepEqual(find(dev, T.NetworkPolicy, "api-gateway-from-anywhere", NS).inputs.spec.ingress, [{ ports: [{ protocol: "TCP", port: 8080 }] }]);
    });

    it("gives user- and product-service the cache tier's host and client label", () => {
        for (const svc of ["user-service", "product-service"]) {
            const d = deploy(dev, svc);
            assert.deepEqual(container(d).env, [{ name: "CACHE_HOST", value: "redis-service.sample-app.svc.cluster.local" }, { name: "CACHE_PORT", value: "6379" }]);
            assert.equal(d.inputs.spec.template.metadata.labels["clients.redis-platform/cache"], "true");
        }
    });
});
