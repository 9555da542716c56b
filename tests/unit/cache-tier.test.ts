import * as assert from "assert/strict";
import { ProgramRun, T, container, find, runProgram } from "../helpers/program";

describe("CacheTier (seed 000)", () => {
    let dev: ProgramRun;
    let prod: ProgramRun;
    before(async () => {
        [dev, prod] = await Promise.all([runProgram("dev"), runProgram("prod")]);
    });

    const deployment = (run: ProgramRun) => find(run, T.Deployment, "redis-deployment");

    it("runs the configured replicas in sample-app, labelled for the dev environment", () => {
        const d = deployment(dev);
        assert.equal(d.inputs.metadata.namespace, "sample-app");
        assert.equal(d.inputs.spec.replicas, 2);
        assert.equal(deployment(prod).inputs.spec.replicas, 3);
        assert.equal(d.inputs.spec.template.metadata.labels.environment, "dev");
    });

    it("selects exactly its pod template's labels, and its Service targets those pods on 6379", () => {
        const d = deployment(dev);
        const selector = d.inputs.spec.selector.matchLabels;
        assert.deepEqual(selector, { "app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": "cache", "app.kubernetes.io/component": "cache" });
        const podLabels = d.inputs.spec.template.metadata.labels;
        for (const [k, v] of Object.entries(selector)) assert.equal(podLabels[k], v);
        const svc = find(dev, T.Service, "redis-service");
        assert.deepEqual(svc.inputs.spec.selector, selector);
        assert.equal(svc.inputs.spec.type, "ClusterIP");
        assert.deepEqual(svc.inputs.spec.ports, [{ name: "redis", port: 6379, targetPort: "redis", protocol: "TCP" }]);
        assert.deepEqual(container(d).ports, [{ name: "redis", containerPort: 6379, protocol: "TCP" }]);
    });

    it("prefers spreading replicas over nodes (anti-affinity on hostname, on its own selector)", () => {
        const term = deployment(dev).inputs.spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0];
        assert.equal(term.weight, 100);
        assert.equal(term.podAffinityTerm.topologyKey, "kubernetes.io/hostname");
        assert.deepEqual(term.podAffinityTerm.labelSelector.matchLabels, deployment(dev).inputs.spec.selector.matchLabels);
    });

    it("loads the redis.conf from the ConfigMap it mounts (the seed mounted it and ignored it)", () => {
        const c = container(deployment(dev));
        assert.deepEqual(c.command, ["redis-server", "/etc/redis/redis.conf"]);
        assert.equal(c.args, undefined, "no settings on the command line");
        assert.deepEqual(c.volumeMounts.find((m: any) => m.mountPath === "/etc/redis"), { name: "redis-config", mountPath: "/etc/redis", readOnly: true });
        const volume = deployment(dev).inputs.spec.template.spec.volumes.find((v: any) => v.name === "redis-config");
        assert.equal(volume.configMap.name, "redis-config");
        const conf: string = find(dev, T.ConfigMap, "redis-config", "sample-app").inputs.data["redis.conf"];
        assert.match(conf, /^maxmemory-policy allkeys-lru$/m);
        assert.match(conf, /^save ""$/m);
        assert.match(conf, /^appendonly no$/m);
        assert.match(conf, /^port 6379$/m);
    });

    it("sets maxmemory to 75% of the memory limit (96Mi of 128Mi in dev, 384Mi of 512Mi in prod)", () => {
        const maxmemory = (run: ProgramRun) => Number(/^maxmemory (\d+)$/m.exec(find(run, T.ConfigMap, "redis-config", "sample-app").inputs.data["redis.conf"])![1]);
        assert.equal(container(deployment(dev)).resources.limits.memory, "128Mi");
        assert.equal(maxmemory(dev), 96 * 1024 * 1024);
        assert.equal(container(deployment(prod)).resources.limits.memory, "512Mi");
        assert.equal(maxmemory(prod), 384 * 1024 * 1024);
    });

    it("has requests, limits and two different probes", () => {
        const c = container(deployment(dev));
        assert.deepEqual(c.resources, { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } });
        assert.deepEqual(c.readinessProbe.exec.command, ["sh", "-c", "redis-cli -p 6379 ping | grep -q PONG"]);
        assert.deepEqual(c.livenessProbe.tcpSocket, { port: "redis" });
    });

    it("rolls its pods when redis.conf changes (checksum annotation)", async () => {
        const other = await runProgram("dev", { cacheMemoryLimit: "256Mi" });
        const sum = (run: ProgramRun) => deployment(run).inputs.spec.template.metadata.annotations["checksum/redis-config"];
        assert.match(sum(dev), /^[0-9a-f]{16}$/);
        assert.notEqual(sum(other), sum(dev));
    });

    it("publishes REDIS_PORT in app-config and keeps a PodDisruptionBudget that allows one disruption", () => {
        assert.deepEqual(find(dev, T.ConfigMap, "app-config").inputs.data, { REDIS_HOST: "redis-service.sample-app.svc.cluster.local", REDIS_PORT: "6379" });
        const pdb = find(dev, T.PDB, "redis-deployment");
        assert.equal(pdb.inputs.spec.maxUnavailable, 1);
        assert.deepEqual(pdb.inputs.spec.selector.matchLabels, deployment(dev).inputs.spec.selector.matchLabels);
    });

    it("admits 6379 only from labelled clients in its own and the platform namespace", () => {
        const np = dev.resources.find((r) => r.type === T.NetworkPolicy && r.inputs.metadata.namespace === "sample-app" && r.inputs.metadata.name === "allow-redis-clients")!;
        assert.deepEqual(np.inputs.spec.ingress, [{
            from: [{
                podSelector: { matchLabels: { "clients.redis-platform/cache": "true" } },
                namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["sample-app", "ecommerce"] }] },
            }],
            ports: [{ protocol: "TCP", port: 6379 }],
        }]);
    });

    it("scales by config alone", async () => {
        const scaled = await runProgram("dev", { cacheReplicas: 4 });
        assert.equal(deployment(scaled).inputs.spec.replicas, 4);
    });
});
