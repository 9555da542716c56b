import * as assert from "assert/strict";
import { ProgramRun, T, container, find, ofType, runProgram } from "../helpers/program";

const NS = "redis";
const NODE_SELECTOR = { "app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": "redis", "app.kubernetes.io/component": "node" };
const SENTINEL_SELECTOR = { ...NODE_SELECTOR, "app.kubernetes.io/component": "sentinel" };
const envOf = (c: { env: { name: string; value?: string; valueFrom?: unknown }[] }) => Object.fromEntries(c.env.map((e) => [e.name, e.value ?? e.valueFrom]));

describe("ReplicatedRedis, Sentinel mode (prod; off in dev)", () => {
    let prod: ProgramRun;
    let dev: ProgramRun;
    before(async () => {
        [prod, dev] = await Promise.all([runProgram("prod"), runProgram("dev")]);
    });
    const sts = (name: string) => find(prod, T.StatefulSet, name, NS);

    it("runs replicas + 1 Redis nodes with a claim each, and the configured Sentinels, instead of master and replica sets", () => {
        assert.deepEqual(ofType(prod, T.StatefulSet).filter((s) => s.inputs.metadata.namespace === NS).map((s) => s.inputs.metadata.name).sort(), ["redis-node", "redis-sentinel"]);
        assert.equal(sts("redis-node").inputs.spec.replicas, 4);
        assert.equal(sts("redis-node").inputs.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "10Gi");
        assert.deepEqual(sts("redis-node").inputs.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
        assert.equal(sts("redis-sentinel").inputs.spec.replicas, 3);
        assert.equal(sts("redis-sentinel").inputs.spec.podManagementPolicy, "Parallel");
        assert.equal(sts("redis-sentinel").inputs.spec.volumeClaimTemplates, undefined);
    });

    it("creates no Sentinel object with Sentinel off (dev)", () => {
        const names = dev.resources.filter((r) => r.inputs?.metadata?.namespace === NS).map((r) => r.inputs.metadata.name);
        assert.deepEqual(names.filter((n: string) => /sentinel|node|labeler/.test(n)), []);
        assert.ok(names.includes("redis-master") && names.includes("redis-replica"));
    });

    it("starts every node through the script that asks the Sentinels for the master, and hands over in preStop", () => {
        const c = container(sts("redis-node"));
        assert.deepEqual(c.command, ["sh", "/etc/redis/node-start.sh", "/etc/redis/redis.conf"]);
        assert.deepEqual(c.lifecycle, { preStop: { exec: { command: ["sh", "/etc/redis/node-prestop.sh"] } } });
        assert.equal(sts("redis-node").inputs.spec.template.spec.terminationGracePeriodSeconds, 45);
        const env = envOf(c);
        assert.deepEqual([env.NODES, env.NODE_SET, env.HEADLESS, env.SENTINELS, env.SENTINEL_SET, env.MASTER_SET],
            ["4", "redis-node", "redis-headless", "3", "redis-sentinel", "mymaster"]);
        assert.deepEqual(env.REDISCLI_AUTH, { secretKeyRef: { name: "redis-secret", key: "password" } });
        const scripts = find(prod, T.ConfigMap, "redis-sentinel-mode", NS).inputs.data;
        assert.deepEqual(Object.keys(scripts).sort(), ["lib.sh", "node-prestop.sh", "node-start.sh", "redis.conf", "sentinel-start.sh"]);
        assert.match(scripts["node-start.sh"], /^  if request_failover; then$/m);
        assert.match(scripts["lib.sh"], /SENTINEL FAILOVER "\${MASTER_SET}"/);
        assert.match(scripts["node-start.sh"], /^exec redis-server "\$conf"$/m);
    });

    it("configures the Sentinels from the stack: quorum (majority), down-after, failover timeout; Sentinel needs the password", () => {
        const c = container(sts("redis-sentinel"), "sentinel");
        assert.deepEqual(c.command, ["sh", "/etc/redis/sentinel-start.sh"]);
        assert.deepEqual(c.ports, [{ name: "sentinel", containerPort: 26379, protocol: "TCP" }]);
        const env = envOf(c);
        assert.deepEqual([env.QUORUM, env.DOWN_AFTER_MS, env.FAILOVER_TIMEOUT_MS], ["2", "5000", "30000"]);
        const secret = find(prod, T.Secret, "redis-secret", NS).inputs.stringData;
        assert.equal(secret["sentinel-auth.conf"], `requirepass ${prod.password}\nsentinel auth-pass mymaster ${prod.password}\nsentinel sentinel-pass ${prod.password}\n`);
        const auth = sts("redis-sentinel").inputs.spec.template.spec.volumes.find((v: { name: string }) => v.name === "auth");
        assert.deepEqual(auth.secret.items, [{ key: "sentinel-auth.conf", path: "sentinel-auth.conf" }]);
        assert.match(find(prod, T.ConfigMap, "redis-sentinel-mode", NS).inputs.data["sentinel-start.sh"], /^ {2}echo "include \/etc\/redis-auth\/sentinel-auth.conf"$/m);
    });

    it("takes quorum and timings from config", async () => {
        const run = await runProgram("prod", { replicatedSentinelCount: 5, replicatedSentinelQuorum: "2", replicatedSentinelDownAfterMs: 3000, replicatedSentinelFailoverTimeoutMs: 9000 });
        const s = find(run, T.StatefulSet, "redis-sentinel", NS);
        const env = envOf(container(s, "sentinel"));
        assert.deepEqual([s.inputs.spec.replicas, env.QUORUM, env.DOWN_AFTER_MS, env.FAILOVER_TIMEOUT_MS], [5, "2", "3000", "9000"]);
    });

    it("points the write and read Services at the role the labeler sets, and exposes 26379 on a Sentinel Service", () => {
        const svc = (name: string) => find(prod, T.Service, name, NS).inputs;
        assert.deepEqual(svc("redis-master").spec.selector, { ...NODE_SELECTOR, "redis-platform/role": "master" });
        assert.deepEqual(svc("redis-replica").spec.selector, { ...NODE_SELECTOR, "redis-platform/role": "replica" });
        assert.equal(svc("redis-master").metadata.annotations["redis-platform/runtime-selector-keys"], "redis-platform/role");
        assert.deepEqual(svc("redis-sentinel").spec.selector, SENTINEL_SELECTOR);
        assert.deepEqual(svc("redis-sentinel").spec.ports, [{ name: "sentinel", port: 26379, targetPort: "sentinel", protocol: "TCP" }]);
        assert.equal(svc("redis-sentinel-headless").spec.clusterIP, "None");
        assert.deepEqual(svc("redis-headless").spec.selector, NODE_SELECTOR);
    });

    it("runs the role labeler with a Role that can only read and label this namespace's pods", () => {
        const d = find(prod, T.Deployment, "redis-role-labeler", NS);
        const spec = d.inputs.spec.template.spec;
        assert.equal(spec.serviceAccountName, "redis-role-labeler");
        assert.equal(spec.automountServiceAccountToken, true);
        const env = envOf(spec.containers[0]);
        assert.deepEqual([env.SENTINEL_HOST, env.SENTINEL_MASTER_SET, env.ROLE_LABEL, env.PASSWORD_FILE],
            ["redis-sentinel.redis.svc.cluster.local", "mymaster", "redis-platform/role", "/etc/redis-auth/password"]);
        assert.equal(env.POD_SELECTOR, "app.kubernetes.io/name=redis,app.kubernetes.io/instance=redis,app.kubernetes.io/component=node");
        assert.equal(spec.containers[0].image, "registry.example.com/redis-platform/redis-role-labeler:0.1.0");
        const role = find(prod, "kubernetes:rbac.authorization.k8s.io/v1:Role", "redis-role-labeler", NS);
        assert.deepEqual(role.inputs.rules, [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "patch"] }]);
        const binding = find(prod, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "redis-role-labeler", NS);
        assert.deepEqual(binding.inputs.subjects, [{ kind: "ServiceAccount", name: "redis-role-labeler", namespace: NS }]);
    });

    it("opens 26379 only to the set's own pods, the labeler and the client namespaces' labelled pods", () => {
        const np = find(prod, T.NetworkPolicy, "allow-sentinel-clients", NS).inputs.spec;
        assert.deepEqual(np.podSelector, { matchLabels: SENTINEL_SELECTOR });
        assert.deepEqual(np.ingress[0].ports, [{ protocol: "TCP", port: 26379 }]);
        assert.deepEqual(np.ingress[0].from.map((p: { podSelector: { matchLabels: object } }) => p.podSelector.matchLabels), [
            { "app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": "redis" },
            { "app.kubernetes.io/name": "redis-role-labeler", "app.kubernetes.io/instance": "redis", "app.kubernetes.io/component": "role-labeler" },
            { "clients.redis-platform/redis": "true" },
        ]);
        assert.deepEqual(np.ingress[0].from[2].namespaceSelector.matchExpressions[0].values, ["redis", "ecommerce"]);
    });

    it("bounds unreplicated writes in both modes: min-replicas-to-write 1, max lag 10 s by default", () => {
        const line = /^min-replicas-to-write 1\nmin-replicas-max-lag 10$/m;
        assert.match(find(prod, T.ConfigMap, "redis-sentinel-mode", NS).inputs.data["redis.conf"], line);
        assert.match(find(dev, T.ConfigMap, "redis", NS).inputs.data["master.conf"], line);
    });

    it("turns the bound off with replicatedMinReplicasToWrite 0", async () => {
        const run = await runProgram("dev", { replicatedMinReplicasToWrite: 0 });
        assert.doesNotMatch(find(run, T.ConfigMap, "redis", NS).inputs.data["master.conf"], /min-replicas/);
    });

    it("hands the Sentinel endpoint to the order service and the gateway's config", () => {
        const order = envOf(container(find(prod, T.Deployment, "order-service", "ecommerce")));
        assert.deepEqual([order.REDIS_SENTINEL_HOST, order.REDIS_SENTINEL_PORT, order.REDIS_SENTINEL_MASTER_SET],
            ["redis-sentinel.redis.svc.cluster.local", "26379", "mymaster"]);
        const gw = find(prod, T.ConfigMap, "api-gateway-config", "ecommerce").inputs.data;
        assert.deepEqual([gw.redisSentinelHost, gw.redisSentinelPort, gw.redisSentinelMasterSet], ["redis-sentinel.redis.svc.cluster.local", "26379", "mymaster"]);
        assert.equal(envOf(container(find(dev, T.Deployment, "order-service", "ecommerce"))).REDIS_SENTINEL_HOST, undefined);
    });
});
