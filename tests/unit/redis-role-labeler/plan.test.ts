import * as assert from "assert/strict";
import { findMaster, plan } from "../../../services/redis-role-labeler/src/plan";
import { OTHER, ROLE, redisPods } from "./fakes";

const DNS = (i: number) => `redis-node-${i}.redis-headless.redis.svc.cluster.local`;

describe("redis role labeler: plan()", () => {
    it("a DNS host: its first label names the master pod, every other pod becomes a replica", () => {
        assert.deepEqual(plan(DNS(1), redisPods([undefined, undefined, undefined]), ROLE), [
            { pod: "redis-node-0", from: null, to: "replica" },
            { pod: "redis-node-2", from: null, to: "replica" },
            { pod: "redis-node-1", from: null, to: "master" },
        ]);
        assert.deepEqual(plan("redis-node-2.redis-headless.redis.svc.cluster.local.", redisPods(["replica", "replica", "replica"]), ROLE), [
            { pod: "redis-node-2", from: "replica", to: "master" },
        ], "a trailing dot (an absolute name) is the same name");
    });

    it("an IPv4 host: the pod with that status.podIP is the master", () => {
        assert.deepEqual(plan("10.1.0.12", redisPods(["master", "replica", "replica"]), ROLE), [
            { pod: "redis-node-0", from: "master", to: "replica" },
            { pod: "redis-node-2", from: "replica", to: "master" },
        ]);
        const noIP = redisPods(["replica", "replica"]).map((p) => ({ ...p, podIP: undefined }));
        assert.deepEqual(plan("10.1.0.10", noIP, ROLE), [], "pods without an address match no IP");
    });

    it("on failover demotes the old master first and promotes the new one last", () => {
        assert.deepEqual(plan(DNS(2), redisPods(["replica", "master", "replica", "other"]), ROLE), [
            { pod: "redis-node-1", from: "master", to: "replica" },
            { pod: "redis-node-3", from: "other", to: "replica" },
            { pod: "redis-node-2", from: "replica", to: "master" },
        ]);
        assert.deepEqual(plan(DNS(0), redisPods(["master", "master"]), ROLE), [
            { pod: "redis-node-1", from: "master", to: "replica" },
        ], "two pods labelled master: the one that is not loses it");
    });

    it("labels that are already right give no patches", () => {
        assert.deepEqual(plan(DNS(0), redisPods(["master", "replica", "replica"]), ROLE), []);
        assert.deepEqual(plan("10.1.0.10", redisPods(["master", "replica"]), ROLE), []);
        assert.deepEqual(plan(DNS(0), redisPods(["master"]), ROLE), [], "a master without replicas");
    });

    it("uses the role label it is given and ignores every other label", () => {
        const pods = redisPods(["master", "replica"]).map((p) => ({ ...p, labels: { ...p.labels, "example.com/role": "stale" } }));
        assert.deepEqual(plan(DNS(1), pods, "example.com/role"), [
            { pod: "redis-node-0", from: "stale", to: "replica" },
            { pod: "redis-node-1", from: "stale", to: "master" },
        ]);
        assert.deepEqual(plan(DNS(1), [{ name: "redis-node-1", labels: OTHER }], "app.kubernetes.io/component"), [
            { pod: "redis-node-1", from: "node", to: "master" },
        ]);
    });

    it("an unknown master (null), a host that names no listed pod, or no pods: no patches at all", () => {
        const pods = redisPods(["master", "replica", undefined]);
        assert.deepEqual(plan(null, pods, ROLE), []);
        assert.deepEqual(plan("", pods, ROLE), []);
        assert.deepEqual(plan(DNS(7), pods, ROLE), [], "redis-node-7 is not among the selected pods");
        assert.deepEqual(plan("10.9.9.9", pods, ROLE), [], "no pod has that IP");
        assert.deepEqual(plan("redis-node", pods, ROLE), [], "a prefix of a pod name is not its name");
        assert.deepEqual(plan(DNS(0), [], ROLE), []);
    });

    it("findMaster: an IP is never taken for a pod name, nor a name for an IP", () => {
        const pods = [{ name: "10", podIP: "10.0.0.1", labels: {} }, { name: "redis-node-0", podIP: "10.0.0.2", labels: {} }];
        assert.equal(findMaster("10.0.0.2", pods)?.name, "redis-node-0");
        assert.equal(findMaster("10.0.0.3", pods), undefined);
        assert.equal(findMaster("REDIS-NODE-0.redis-headless", pods)?.name, "redis-node-0", "DNS names are case-insensitive");
        assert.equal(findMaster("fd00::2", [{ name: "a", podIP: "fd00::2", labels: {} }])?.name, "a", "an IPv6 pod address");
    });
});
