import * as assert from "assert/strict";
import { loadYaml } from "@kubernetes/client-node";
import { toWire } from "../../policy/live-check";

describe("live-check: objects read through client-node", () => {
    it("turns client-node's model objects back into the wire format the rules read", () => {
        const wire = {
            apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy",
            metadata: { name: "allow", namespace: "redis", creationTimestamp: "2026-11-21T21:00:00Z" },
            spec: { podSelector: { matchLabels: { a: "b" } }, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: { matchLabels: { c: "d" } } }], ports: [{ port: 6379, protocol: "TCP" }] }] },
        };
        const model = loadYaml<any>(JSON.stringify(wire));
        assert.ok(model.spec.ingress[0]._from, "client-node renames `from` (why toWire exists)");
        // Timestamps come back as ISO strings with milliseconds (client-node parsed them as Dates).
        const back = toWire(model, "networking.k8s.io/v1", "NetworkPolicy") as typeof wire;
        assert.equal(back.metadata?.creationTimestamp, "2026-11-21T21:00:00.000Z");
        assert.deepEqual({ ...back, metadata: { ...back.metadata, creationTimestamp: wire.metadata.creationTimestamp } }, wire);
    });

    it("restores LimitRange `default`", () => {
        const wire = { apiVersion: "v1", kind: "LimitRange", metadata: { name: "l" }, spec: { limits: [{ type: "Container", default: { cpu: "200m" }, defaultRequest: { cpu: "100m" } }] } };
        assert.deepEqual(toWire(loadYaml(JSON.stringify(wire)), "v1", "LimitRange"), wire);
    });
});
