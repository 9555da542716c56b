import * as assert from "assert/strict";
import { ProgramRun, T, container, find, ofType, runProgram } from "../helpers/program";

const NS = "redis";

describe("ReplicatedRedis (seed 001; prod with Sentinel off)", () => {
    let dev: ProgramRun;
    let prod: ProgramRun;
    before(async () => {
        [dev, prod] = await Promise.all([runProgram("dev"), runProgram("prod", { replicatedSentinel: false })]);
    });
    const sts = (run: ProgramRun, name: string) => find(run, T.StatefulSet, name, NS);
    const conf = (run: ProgramRun, key: string): string => find(run, T.ConfigMap, "redis", NS).inputs.data[key];

    it("generates the password with @pulumi/random (configured length, no shell-special characters)", () => {
        const pw = find(dev, T.RandomPassword, "redis-password");
        assert.deepEqual(pw.inputs, { length: 32, special: false });
    });

    it("keeps the password in a Secret: `password` for clients, `auth.conf` for redis-server", () => {
        const secret = find(dev, T.Secret, "redis-secret", NS);
        assert.equal(secret.inputs.stringData.password, dev.password);
        assert.equal(secret.inputs.stringData["auth.conf"], `requirepass ${dev.password}\nmasterauth ${dev.password}\n`);
    });

    it("delivers the password as a mounted Secret file included by the conf, never in argv, env literals or the ConfigMap", () => {
        for (const name of ["redis-master", "redis-replica"]) {
            const s = sts(dev, name);
            const c = container(s);
            assert.deepEqual(c.command, ["redis-server", `/etc/redis/${name === "redis-master" ? "master" : "replica"}.conf`]);
            assert.equal(c.args, undefined);
            assert.deepEqual(c.env, [{ name: "REDISCLI_AUTH", valueFrom: { secretKeyRef: { name: "redis-secret", key: "password" } } }]);
            assert.deepEqual(c.volumeMounts.find((m: any) => m.name === "auth"), { name: "auth", mountPath: "/etc/redis-auth", readOnly: true });
            const auth = s.inputs.spec.template.spec.volumes.find((v: any) => v.name === "auth");
            assert.deepEqual(auth.secret, { secretName: "redis-secret", items: [{ key: "auth.conf", path: "auth.conf" }], defaultMode: 0o440 });
        }
        for (const key of ["master.conf", "replica.conf"]) {
            assert.match(conf(dev, key), /^include \/etc\/redis-auth\/auth\.conf$/m);
            assert.doesNotMatch(conf(dev, key), /requirepass|masterauth/);
        }
    });

    it("points replicas at master-0 through the headless Service", () => {
        assert.match(conf(dev, "replica.conf"), /^replicaof redis-master-0\.redis-headless\.redis\.svc\.cluster\.local 6379$/m);
        assert.match(conf(dev, "replica.conf"), /^replica-read-only yes$/m);
        assert.doesNotMatch(conf(dev, "master.conf"), /replicaof/);
        for (const name of ["redis-master", "redis-replica"]) assert.equal(sts(dev, name).inputs.spec.serviceName, "redis-headless");
        const headless = find(dev, T.Service, "redis-headless", NS);
        assert.equal(headless.inputs.spec.clusterIP, "None");
        assert.equal(headless.inputs.spec.publishNotReadyAddresses, true, "replicas find the master before it is Ready");
        assert.deepEqual(headless.inputs.spec.selector, { "app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": "redis" });
    });

    it("persists with AOF on the master whenever replicas exist, with a 75% maxmemory and noeviction", () => {
        assert.match(conf(dev, "master.conf"), /^appendonly yes$/m);
        assert.match(conf(dev, "master.conf"), /^maxmemory 201326592$/m, "75% of 256Mi");
        assert.match(conf(dev, "master.conf"), /^maxmemory-policy noeviction$/m);
        assert.match(conf(prod, "master.conf"), /^maxmemory 805306368$/m, "75% of 1Gi");
    });

    it("runs one master and the configured replicas, each pod with its own claim", () => {
        assert.equal(sts(dev, "redis-master").inputs.spec.replicas, 1);
        assert.equal(sts(dev, "redis-replica").inputs.spec.replicas, 2);
        assert.equal(sts(prod, "redis-replica").inputs.spec.replicas, 3);
        const [devClaim, prodClaim] = [dev, prod].map((run) => sts(run, "redis-replica").inputs.spec.volumeClaimTemplates[0]);
        assert.equal(devClaim.metadata.name, "data");
        assert.deepEqual(devClaim.spec, { accessModes: ["ReadWriteOnce"], storageClassName: "standard", resources: { requests: { storage: "2Gi" } } });
        assert.equal(prodClaim.spec.resources.requests.storage, "10Gi");
        assert.deepEqual(container(sts(dev, "redis-master")).volumeMounts.find((m: any) => m.name === "data"), { name: "data", mountPath: "/data" });
    });

    it("retains claims per config: Delete in dev, Retain in prod", () => {
        assert.deepEqual(sts(dev, "redis-master").inputs.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Delete", whenScaled: "Retain" });
        assert.deepEqual(sts(prod, "redis-master").inputs.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
    });

    it("routes writes to the master and reads to the replicas", () => {
        const write = find(dev, T.Service, "redis-master", NS);
        const read = find(dev, T.Service, "redis-replica", NS);
        assert.deepEqual(write.inputs.spec.selector, sts(dev, "redis-master").inputs.spec.selector.matchLabels);
        assert.deepEqual(read.inputs.spec.selector, sts(dev, "redis-replica").inputs.spec.selector.matchLabels);
        assert.equal(write.inputs.spec.selector["app.kubernetes.io/component"], "master");
        assert.equal(read.inputs.spec.selector["app.kubernetes.io/component"], "replica");
        assert.equal(dev.outputs.redisWriteHost, "redis-master.redis.svc.cluster.local");
        assert.equal(dev.outputs.redisReadHost, "redis-replica.redis.svc.cluster.local");
    });

    it("marks replicas ready only once their master link is up", () => {
        assert.deepEqual(container(sts(dev, "redis-replica")).readinessProbe.exec.command, ["sh", "-c", "redis-cli -p 6379 info replication | grep -q master_link_status:up"]);
        assert.deepEqual(container(sts(dev, "redis-master")).readinessProbe.exec.command, ["sh", "-c", "redis-cli -p 6379 ping | grep -q PONG"]);
    });

    it("keeps a disruption budget for the replicas that still allows one disruption", () => {
        const pdb = find(dev, T.PDB, "redis-replica", NS);
        assert.equal(pdb.inputs.spec.maxUnavailable, 1);
        assert.deepEqual(pdb.inputs.spec.selector.matchLabels, sts(dev, "redis-replica").inputs.spec.selector.matchLabels);
    });

    it("runs as the redis user with a group that owns the data volume", () => {
        const pod = sts(dev, "redis-master").inputs.spec.template.spec;
        assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 999, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } });
    });

    it("with 0 replicas runs the master alone and reads from it", async () => {
        const alone = await runProgram("dev", { replicatedReplicas: 0, replicatedMinReplicasToWrite: 0 });
        assert.deepEqual(ofType(alone, T.StatefulSet).filter((r) => r.inputs.metadata.namespace === NS).map((r) => r.inputs.metadata.name), ["redis-master"]);
        assert.equal(alone.outputs.redisReadHost, "redis-master.redis.svc.cluster.local");
        assert.equal(ofType(alone, T.PDB).filter((r) => r.inputs.metadata.namespace === NS).length, 0);
    });

    it("without persistence (allowed only with 0 replicas) uses an emptyDir and no claims", async () => {
        const run = await runProgram("dev", { replicatedReplicas: 0, replicatedPersistence: false, replicatedMinReplicasToWrite: 0 });
        const master = find(run, T.StatefulSet, "redis-master", NS);
        assert.equal(master.inputs.spec.volumeClaimTemplates, undefined);
        assert.deepEqual(master.inputs.spec.template.spec.volumes.find((v: any) => v.name === "data"), { name: "data", emptyDir: {} });
        assert.match(find(run, T.ConfigMap, "redis", NS).inputs.data["master.conf"], /^appendonly no$/m);
    });

    it("admits 6379 from its own pods (replication) and labelled clients of the platform", () => {
        const np = find(dev, T.NetworkPolicy, "allow-redis-clients", NS);
        assert.deepEqual(np.inputs.spec.ingress[0].from, [
            { podSelector: { matchLabels: { "app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": "redis" } } },
            {
                podSelector: { matchLabels: { "clients.redis-platform/redis": "true" } },
                namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["redis", "ecommerce"] }] },
            },
        ]);
    });
});

describe("ReplicatedRedis secret handling", () => {
    it("sends the Secret's data to the provider as a Pulumi secret (encrypted in state)", async () => {
        const run = await runProgram("dev");
        assert.deepEqual(find(run, T.Secret, "redis-secret", NS).secretPaths, ["stringData"]);
        assert.deepEqual(find(run, T.Secret, "order-redis", "ecommerce").secretPaths, ["stringData"]);
    });
});
