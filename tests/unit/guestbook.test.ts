import * as assert from "assert/strict";
import * as fs from "fs";
import * as path from "path";
import { ProgramRun, T, container, find, runProgram } from "../helpers/program";

const NS = "guestbook";
const OWN_IMAGE = "localhost/redis-platform/guestbook-frontend:0.1.0";
const UPSTREAM_IMAGE = "us-docker.pkg.dev/google-samples/containers/gke/gb-frontend:v5";
const UPSTREAM = {
    guestbookFrontendImage: "upstream",
    policyExemptions: [{ rule: "pod-security-restricted", resource: "Deployment/guestbook/frontend", reason: "gb-frontend runs Apache as root on port 80" }],
};

describe("Guestbook (seed 002)", () => {
    let dev: ProgramRun;
    before(async () => {
        dev = await runProgram("dev");
    });
    const deploy = (name: string, run = dev) => find(run, T.Deployment, name, NS);

    it("runs 3 replicas of the project's own frontend, which finds Redis through DNS", () => {
        const d = deploy("frontend");
        assert.equal(d.inputs.spec.replicas, 3);
        assert.equal(container(d).image, OWN_IMAGE);
        assert.deepEqual(container(d).env, [{ name: "GET_HOSTS_FROM", value: "dns" }, { name: "PORT", value: "8080" }]);
    });

    it("runs the own frontend restricted: uid 65532, non-root, read-only root filesystem, drop ALL, in a restricted namespace", () => {
        const spec = deploy("frontend").inputs.spec.template.spec;
        assert.deepEqual(spec.securityContext, { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } });
        const sc = container(deploy("frontend")).securityContext;
        assert.equal(sc.readOnlyRootFilesystem, true);
        assert.equal(sc.runAsNonRoot, true);
        assert.equal(sc.allowPrivilegeEscalation, false);
        assert.deepEqual(sc.capabilities, { drop: ["ALL"] });
        assert.equal(find(dev, T.Namespace, "guestbook").inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
    });

    it("serves on 8080 behind Service port 80, ready on / and alive on /healthz", () => {
        const c = container(deploy("frontend"));
        assert.deepEqual(c.ports, [{ name: "http", containerPort: 8080, protocol: "TCP" }]);
        assert.deepEqual(find(dev, T.Service, "frontend", NS).inputs.spec.ports, [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }]);
        assert.equal(c.readinessProbe.httpGet.path, "/");
        assert.equal(c.livenessProbe.httpGet.path, "/healthz");
        assert.equal(c.readinessProbe.httpGet.port, "http");
        const policy = find(dev, T.NetworkPolicy, "frontend-from-anywhere", NS).inputs.spec;
        assert.deepEqual(policy.ingress[0].ports, [{ port: 8080, protocol: "TCP" }]);
        assert.equal(dev.outputs.guestbookFrontendHost, "frontend.guestbook.svc.cluster.local");
    });

    it("needs no policy exemption in the dev stack file", () => {
        const text = fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.dev.yaml"), "utf8");
        assert.doesNotMatch(text, /policyExemptions/);
        assert.doesNotMatch(text, /gb-frontend/);
    });

    it("names the Redis Services as the frontends expect and selects the right roles", () => {
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

    it("is absent from prod, where guestbookEnabled is false", async () => {
        const prod = await runProgram("prod");
        assert.equal(prod.resources.filter((r) => r.type.startsWith("kubernetes:") && r.inputs.metadata?.namespace === NS).length, 0);
        assert.equal(prod.outputs.guestbookFrontendHost, undefined);
    });
});

describe("Guestbook with the upstream frontend (guestbookFrontendImage: upstream, with its exemption)", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runProgram("dev", UPSTREAM);
    });
    const frontend = () => find(run, T.Deployment, "frontend", NS);

    it("runs gb-frontend from guestbookUpstreamFrontendImage on port 80, Service port 80", () => {
        const c = container(frontend());
        assert.equal(c.image, UPSTREAM_IMAGE);
        assert.deepEqual(c.env, [{ name: "GET_HOSTS_FROM", value: "dns" }]);
        assert.deepEqual(c.ports, [{ name: "http", containerPort: 80, protocol: "TCP" }]);
        assert.deepEqual(c.livenessProbe.tcpSocket, { port: "http" }, "gb-frontend has no health route");
        assert.deepEqual(find(run, T.Service, "frontend", NS).inputs.spec.ports, [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }]);
        assert.deepEqual(find(run, T.NetworkPolicy, "frontend-from-anywhere", NS).inputs.spec.ingress[0].ports, [{ port: 80, protocol: "TCP" }]);
    });

    it("relaxes pod security for that frontend only, in a baseline namespace", () => {
        assert.equal(find(run, T.Namespace, "guestbook").inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "baseline");
        assert.deepEqual(container(frontend()).securityContext, { allowPrivilegeEscalation: false });
        assert.equal(container(find(run, T.Deployment, "redis-leader", NS)).securityContext.readOnlyRootFilesystem, true, "Redis stays restricted");
    });

    it("takes another pinned upstream image from config", async () => {
        const other = await runProgram("dev", { ...UPSTREAM, guestbookUpstreamFrontendImage: "registry.example/gb-frontend:v6" });
        assert.equal(container(find(other, T.Deployment, "frontend", NS)).image, "registry.example/gb-frontend:v6");
    });
});
