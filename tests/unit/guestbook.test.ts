import * as assert from "assert/strict";
import { ProgramRun, T, container, find, runProgram } from "../helpers/program";

const NS = "guestbook";

describe("Guestbook (seed 002)", () => {
    let dev: ProgramRun;
    before(async () => {
        dev = await runProgram("dev");
    });
    const deploy = (name: string) => find(dev, T.Deployment, name, NS);

    it("runs 3 frontend replicas that find Redis through DNS", () => {
        const d = deploy("frontend");
        assert.equal(d.inputs.spec.replicas, 3);
        assert.deepEqual(container(d).env, [{ name: "GET_HOSTS_FROM", value: "dns" }]);
        assert.equal(container(d).image, "us-docker.pkg.dev/google-samples/containers/gke/gb-frontend:v5");
    });

    it("names the Redis Services as the frontend image expects and selects the right roles", () => {
        for (const [svc, component] of [["redis-leader", "leader"], ["redis-follower", "follower"]]) {
            const s = find(dev, T.Service, svc, NS).inputs.spec;
            assert.equal(s.selector["app.kubernetes.io/component"], component);
            assert.deepEqual(s.selector, deploy(svc).inputs.spec.selector.matchLabels);
        }
        assert.equal(deploy("redis-leader").inputs.spec.replicas, 1);
        assert.equal(deploy("redis-follower").inputs.spec.replicas, 2);
        const confs = find(dev, T.ConfigMap, "redis", NS).inputs.data;
        assert.match(confs["follower.conf"], /^replicaof redis-leader 6379$/m);
        assert.match(confs["leader.conf"], /^appendonly yes$/m, "a leader with followers persists");
    });

    it("takes the frontend Service type from config", async () => {
        assert.equal(find(dev, T.Service, "frontend", NS).inputs.spec.type, "NodePort");
        const lb = await runProgram("dev", { guestbookServiceType: "LoadBalancer" });
        assert.equal(find(lb, T.Service, "frontend", NS).inputs.spec.type, "LoadBalancer");
    });

    it("relaxes pod security for the frontend only where stack config exempts it", async () => {
        assert.equal(find(dev, T.Namespace, "guestbook").inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "baseline");
        assert.deepEqual(container(deploy("frontend")).securityContext, { allowPrivilegeEscalation: false });
        assert.equal(container(deploy("redis-leader")).securityContext.readOnlyRootFilesystem, true, "Redis stays restricted");
        const strict = await runProgram("dev", { policyExemptions: [] });
        assert.equal(find(strict, T.Namespace, "guestbook").inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
        assert.equal(container(find(strict, T.Deployment, "frontend", NS)).securityContext.runAsNonRoot, true);
    });

    it("is absent from prod, where guestbookEnabled is false", async () => {
        const prod = await runProgram("prod");
        assert.equal(prod.resources.filter((r) => r.type.startsWith("kubernetes:") && r.inputs.metadata?.namespace === NS).length, 0);
        assert.equal(prod.outputs.guestbookFrontendHost, undefined);
    });
});

describe("Guestbook exemption matching", () => {
    it("relaxes the frontend only for an exemption naming its own Deployment/namespace/name", async () => {
        const elsewhere = await runProgram("dev", { policyExemptions: [{ rule: "pod-security-restricted", resource: "Deployment/other/frontend", reason: "not this one" }] });
        assert.equal(container(find(elsewhere, T.Deployment, "frontend", NS)).securityContext.runAsNonRoot, true);
    });
});
