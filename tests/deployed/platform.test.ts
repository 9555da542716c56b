/**
 * The platform as `pulumi up` deployed it: the gateway's routes from this machine through the
 * Service named by the outputs, and the order service really using the replicated Redis it is wired
 * to (written through the write Service, present on the replicas, surviving the master's restart).
 */
import * as assert from "assert/strict";
import { clients, eventually, sleep } from "../helpers/cluster";
import { call, Reply } from "../helpers/http-client";
import { Deployed, NAMESPACES, requireDeployment, resolveInCluster, secretValue } from "./helpers/deployment";
import { retrying, withRedis } from "./helpers/redis";

/** The embedded cluster's ingress port (scripts/cluster/addons/30-ingress.sh). */
const INGRESS_PORT = Number(process.env.CLUSTER_INGRESS_PORT ?? 80);

describe("deployed: platform", function () {
    this.timeout(10 * 60_000);
    let d: Deployed;
    let gateway: string;
    const viaGateway = (method: string, path: string, body?: unknown): Promise<Reply> =>
        call(d.outputs.gatewayPort, method, path, { host: gateway, ...(body === undefined ? {} : { body }) });
    let ingressAddress: string;
    const viaIngress = (method: string, path: string, body?: unknown, host = d.outputs.ingressHost): Promise<Reply> =>
        call(INGRESS_PORT, method, path, { host: ingressAddress, headers: { Host: host }, ...(body === undefined ? {} : { body }) });

    before(async function () {
        d = await requireDeployment(this);
        gateway = await resolveInCluster(d.outputs.gatewayHost);
    });

    it("routes /api/users, /api/products, /api/orders and /health through the gateway Service", async () => {
        assert.equal(d.outputs.gatewayHost, `api-gateway.${NAMESPACES.platform}.svc.cluster.local`);
        const users = await viaGateway("GET", "/api/users");
        assert.deepEqual([users.status, users.body], [200, { service: "user-service", status: "ok" }]);
        const products = await viaGateway("GET", "/api/products");
        assert.deepEqual([products.status, products.body], [200, { service: "product-service", products: [] }]);
        const orders = await viaGateway("GET", "/api/orders");
        assert.equal(orders.status, 200);
        assert.ok(Array.isArray(orders.body.orders), `the real order service answers {orders: [...]}: ${JSON.stringify(orders.body)}`);
        const health = await viaGateway("GET", "/health");
        assert.deepEqual([health.status, String(health.body).trim()], [200, "OK"]);
    });

    it("serves the same four routes through the Ingress host at the address the controller reported", async () => {
        const ingress = await clients().networking.readNamespacedIngress({ name: "ecommerce-ingress", namespace: NAMESPACES.platform });
        assert.equal(ingress.spec!.ingressClassName, "traefik");
        assert.equal(ingress.spec!.rules![0].host, d.outputs.ingressHost);
        const address = ingress.status?.loadBalancer?.ingress?.[0]?.ip;
        assert.equal(address, process.env.CLUSTER_POD_GATEWAY ?? "10.244.0.1", "Traefik reports the node's address in the Ingress's status");
        ingressAddress = address!;
        assert.deepEqual((await viaIngress("GET", "/api/users")).body, { service: "user-service", status: "ok" });
        assert.deepEqual((await viaIngress("GET", "/api/products")).body, { service: "product-service", products: [] });
        assert.ok(Array.isArray((await viaIngress("GET", "/api/orders")).body.orders));
        assert.equal(String((await viaIngress("GET", "/health")).body).trim(), "OK");
        const other = await viaIngress("GET", "/api/users", undefined, "not-this-stack.example");
        assert.equal(other.status, 404, "another Host is not routed to this stack");
    });

    it("wires the order service to the write and read Services the outputs name, and they resolve to them", async () => {
        const deploy = await clients().apps.readNamespacedDeployment({ name: "order-service", namespace: NAMESPACES.platform });
        const env = Object.fromEntries((deploy.spec!.template.spec!.containers[0].env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
        assert.equal(env.REDIS_HOST, d.outputs.redisWriteHost);
        assert.equal(env.REDIS_READ_HOST, d.outputs.redisReadHost);
        // the password by secretKeyRef from the platform namespace's copy, holding the same password
        const ref = (env.REDIS_PASSWORD as { secretKeyRef: { name: string; key: string } }).secretKeyRef;
        assert.equal(await secretValue(NAMESPACES.platform, ref.name, ref.key), d.password);
        const { core } = clients();
        const ips = async (name: string) => (await core.readNamespacedService({ name, namespace: NAMESPACES.redis })).spec!.clusterIP;
        assert.equal(await resolveInCluster(String(env.REDIS_HOST)), await ips("redis-master"));
        assert.equal(await resolveInCluster(String(env.REDIS_READ_HOST)), await ips("redis-replica"));
    });

    let placed: { id: string; customerId: string };
    it("places an order through the Ingress and reads it back through it, by id and in the list", async () => {
        const order = { customerId: "c-42", items: [{ productId: "p-7", quantity: 2 }] };
        const post = await viaIngress("POST", "/api/orders", order);
        assert.equal(post.status, 201, JSON.stringify(post.body));
        assert.match(post.body.id, /^[0-9a-f-]{36}$/);
        assert.equal(post.headers.location, `/api/orders/${post.body.id}`);
        placed = post.body;
        // read through the read Service: the replicas get the write asynchronously
        assert.ok(await eventually(async () => (await viaIngress("GET", `/api/orders/${placed.id}`)).status === 200, 10_000, 200));
        const got = await viaIngress("GET", `/api/orders/${placed.id}`);
        assert.deepEqual({ ...got.body, createdAt: undefined }, { ...order, id: placed.id, createdAt: undefined });
        const list = await viaIngress("GET", "/api/orders");
        assert.ok(list.body.orders.some((o: { id: string }) => o.id === placed.id));
        const bad = await viaIngress("POST", "/api/orders", { customerId: "c-42", items: [] });
        assert.deepEqual([bad.status, bad.body], [400, { error: "items must be a non-empty list of {productId, quantity}", field: "items" }]);
    });

    it("stored the order in Redis: present when read from every replica with ioredis", async () => {
        const replicas = (await clients().core.listNamespacedPod({ namespace: NAMESPACES.redis, labelSelector: "app.kubernetes.io/component=replica" })).items;
        assert.ok(replicas.length >= 2);
        for (const p of replicas) {
            const stored = await withRedis(p.status!.podIP!, d.outputs.redisPort, d.password, (r) => r.get(`order:${placed.id}`));
            assert.equal(JSON.parse(stored ?? "{}").customerId, "c-42", p.metadata!.name);
        }
    });

    it("still has the order after the master pod is deleted, and takes new orders again", async () => {
        const { core } = clients();
        await withRedis(d.outputs.redisWriteHost, d.outputs.redisPort, d.password, (r) => r.wait(2, 5000));
        await sleep(1500); // appendfsync everysec
        await core.deleteNamespacedPod({ name: "redis-master-0", namespace: NAMESPACES.redis });
        const again = await retrying(async () => {
            const r = await viaGateway("POST", "/api/orders", { customerId: "c-43", items: [{ productId: "p-1", quantity: 1 }] });
            if (r.status !== 201) throw new Error(`POST /api/orders: ${r.status} ${JSON.stringify(r.body)}`);
            return r;
        }, 180_000);
        assert.equal(again.body.customerId, "c-43");
        const stored = await withRedis(d.outputs.redisWriteHost, d.outputs.redisPort, d.password, (r) => r.get(`order:${placed.id}`));
        assert.equal(JSON.parse(stored ?? "{}").customerId, "c-42", "the order placed before the restart is still on the master");
    });
});
