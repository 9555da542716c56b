import assert from "assert/strict";
import { broken, compliantStack, firstContainer, get, messages, run, workload } from "./fixtures";

const API = "Deployment/shop/api";
const APP = `${API} container "app"`;

describe("policy: the compliant fixture", () => {
    it("yields no violation of any rule at any level", () => {
        assert.deepEqual(run(compliantStack()), []);
    });
});

describe("policy: image-tag-pinned", () => {
    const rule = "image-tag-pinned";
    const allowed = 'use a version tag (not "latest") or an @sha256: digest';
    const withImage = (image: string | undefined) => broken(rule, (s) => { firstContainer(s, API).image = image; });

    it("passes version tags and digests (with or without a tag)", () => {
        assert.deepEqual(withImage("redis:7.2.5-alpine"), []);
        assert.deepEqual(withImage(`registry.local:5000/team/app@sha256:${"b".repeat(64)}`), []);
    });
    it("rejects an untagged image, even behind a registry port", () => {
        assert.deepEqual(withImage("registry.local:5000/team/app"),
            [`${rule}: ${APP}: image "registry.local:5000/team/app" has no tag (it means "latest"); ${allowed}`]);
    });
    it("rejects latest", () => {
        assert.deepEqual(withImage("redis:latest"), [`${rule}: ${APP}: image "redis:latest" uses the tag "latest"; ${allowed}`]);
    });
    it("rejects a container without an image", () => {
        assert.deepEqual(withImage(undefined), [`${rule}: ${APP}: has no image; ${allowed}`]);
    });
    it("checks init containers too", () => {
        const msgs = broken(rule, (s) => { get(s, API).spec.template.spec.initContainers = [{ name: "init", image: "busybox" }]; });
        assert.deepEqual(msgs, [`${rule}: ${API} init container "init": image "busybox" has no tag (it means "latest"); ${allowed}`]);
    });
    it("takes its forbidden tags from pack config", () => {
        const msgs = broken(rule, (s) => { firstContainer(s, API).image = "app:stable"; }, { [rule]: { forbiddenTags: ["latest", "stable"] } });
        assert.deepEqual(msgs, [`${rule}: ${APP}: image "app:stable" uses the tag "stable"; use a version tag (not "latest", "stable") or an @sha256: digest`]);
    });
});

describe("policy: image-digest-pinned (advisory)", () => {
    const rule = "image-digest-pinned";
    it("recommends a digest for a tag-only image", () => {
        const vs = run((() => { const s = compliantStack(); firstContainer(s, API).image = "app:1.2.3"; return s; })());
        assert.deepEqual(messages(vs, rule), [`${rule}: ${APP}: image "app:1.2.3" is not pinned by digest; pin it as image@sha256:<digest> so the tag cannot move`]);
        assert.equal(vs.find((v) => v.rule === rule)?.level, "advisory");
    });
});

describe("policy: container-resources", () => {
    const rule = "container-resources";
    const tail = "every container needs CPU and memory requests and a memory limit";
    it("rejects each missing request and the missing memory limit", () => {
        assert.deepEqual(broken(rule, (s) => { firstContainer(s, API).resources = {}; }),
            [`${rule}: ${APP}: missing resources.requests.cpu, resources.requests.memory, resources.limits.memory; ${tail}`]);
        assert.deepEqual(broken(rule, (s) => { delete firstContainer(s, API).resources?.requests?.cpu; }),
            [`${rule}: ${APP}: missing resources.requests.cpu; ${tail}`]);
        assert.deepEqual(broken(rule, (s) => { delete firstContainer(s, API).resources?.limits?.memory; }),
            [`${rule}: ${APP}: missing resources.limits.memory; ${tail}`]);
    });
    it("checks init containers", () => {
        const msgs = broken(rule, (s) => {
            get(s, API).spec.template.spec.initContainers = [{ name: "migrate", image: "m:1", resources: { requests: { cpu: "10m", memory: "8Mi" } } }];
        });
        assert.deepEqual(msgs, [`${rule}: ${API} init container "migrate": missing resources.limits.memory; ${tail}`]);
    });
});

describe("policy: container-cpu-limit (advisory)", () => {
    it("recommends a CPU limit", () => {
        assert.deepEqual(broken("container-cpu-limit", (s) => { delete firstContainer(s, API).resources?.limits?.cpu; }),
            [`container-cpu-limit: ${APP}: no resources.limits.cpu; set a CPU limit so one pod cannot starve its node`]);
    });
});

describe("policy: container-probes", () => {
    const rule = "container-probes";
    it("requires both probes on long-running containers", () => {
        assert.deepEqual(broken(rule, (s) => { delete firstContainer(s, API).livenessProbe; delete firstContainer(s, API).readinessProbe; }),
            [`${rule}: ${APP}: missing livenessProbe, readinessProbe; long-running containers need both`]);
        assert.deepEqual(broken(rule, (s) => { delete firstContainer(s, "StatefulSet/redis/redis-master").readinessProbe; }),
            [`${rule}: StatefulSet/redis/redis-master container "redis": missing readinessProbe; long-running containers need both`]);
    });
    it("rejects identical probes, also when one only spells out the API server's defaults", () => {
        const msgs = broken(rule, (s) => {
            const c = firstContainer(s, API);
            c.livenessProbe = { httpGet: { path: "/healthz", port: 8080 } };
            c.readinessProbe = { httpGet: { path: "/healthz", port: 8080, scheme: "HTTP" }, periodSeconds: 10, failureThreshold: 3 };
        });
        assert.deepEqual(msgs, [`${rule}: ${APP}: livenessProbe and readinessProbe are identical; readiness answers "can serve now", liveness "must restart": make them differ (check, thresholds or timing)`]);
    });
    it("does not ask Jobs and CronJobs for probes", () => {
        const job = workload("Job", "migrate", "shop", "job");
        const cron = workload("CronJob", "backup", "shop", "backup");
        for (const w of [job, cron]) {
            const c = (w.kind === "Job" ? w.spec.template : w.spec.jobTemplate.spec.template).spec.containers[0];
            delete c.livenessProbe;
            delete c.readinessProbe;
        }
        assert.deepEqual(messages(run([...compliantStack(), job, cron]), rule), []);
    });
});

describe("policy: workload-controller", () => {
    const rule = "workload-controller";
    const tail = "run workloads through a Deployment, StatefulSet, Job or CronJob";
    it("rejects bare Pods, ReplicaSets and DaemonSets", () => {
        const objs = [...compliantStack(), workload("Pod", "debug", "shop", "debug"),
            workload("ReplicaSet", "rs", "shop", "rs"), workload("DaemonSet", "agent", "shop", "agent")];
        assert.deepEqual(messages(run(objs), rule), [
            `${rule}: DaemonSet/shop/agent: a bare DaemonSet (no owning controller); ${tail}`,
            `${rule}: Pod/shop/debug: a bare Pod (no owning controller); ${tail}`,
            `${rule}: ReplicaSet/shop/rs: a bare ReplicaSet (no owning controller); ${tail}`,
        ]);
    });
    it("accepts Pods and ReplicaSets owned by a controller (live state)", () => {
        const pod = workload("Pod", "api-abc", "shop", "api");
        pod.metadata = { ...pod.metadata, ownerReferences: [{ kind: "ReplicaSet", name: "api-5d8", controller: true }] };
        const rs = workload("ReplicaSet", "api-5d8", "shop", "api");
        rs.metadata = { ...rs.metadata, ownerReferences: [{ kind: "Deployment", name: "api", controller: true }] };
        assert.deepEqual(messages(run([...compliantStack(), pod, rs]), rule), []);
    });
});

describe("policy: single-app-container (advisory)", () => {
    const rule = "single-app-container";
    const addExporter = (s: ReturnType<typeof compliantStack>) => {
        get(s, API).spec.template.spec.containers.push({ ...firstContainer(s, API), name: "exporter" });
    };
    it("flags a second application container", () => {
        assert.deepEqual(broken(rule, addExporter),
            [`${rule}: ${API}: runs 2 application containers (app, exporter); allowed: 1, plus sidecars allow-listed in allowedSidecars (none)`]);
    });
    it("accepts sidecars allow-listed in pack config, and a raised maximum", () => {
        assert.deepEqual(broken(rule, addExporter, { [rule]: { allowedSidecars: ["exporter"] } }), []);
        assert.deepEqual(broken(rule, addExporter, { [rule]: { maxAppContainers: 2 } }), []);
    });
});
