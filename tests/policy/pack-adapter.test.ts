import assert from "assert/strict";
import { configSchemaFor, objectFromPulumi, resourceValidation, stackValidation } from "../../policy/lib/pack-adapter";
import { collectLiveObjects, formatViolations, liveCheck, Lister } from "../../policy/live-check";
import { K8sObject, rules } from "../../policy/rules";
import { compliantStack, get, liveShaped, LiveItem, packConfig, workload } from "./fixtures";

const rule = (name: string) => rules.find((r) => r.name === name)!;
const config = (name: string, extra: Record<string, unknown> = {}) => ({ getConfig: <T extends object>() => ({ ...(packConfig()[name] as object), ...extra }) as T });
/** Pulumi type token of a fixture object, e.g. kubernetes:apps/v1:Deployment. */
const typeOf = (o: K8sObject) => `kubernetes:${o.apiVersion?.includes("/") ? o.apiVersion : `core/${o.apiVersion}`}:${o.kind}`;
const asPulumi = (o: K8sObject) => ({ type: typeOf(o), props: o, urn: `urn:pulumi:dev::redis-platform::${typeOf(o)}::${o.metadata?.name}` });

describe("policy pack adapter", () => {
    it("maps Pulumi type tokens to Kubernetes objects and skips everything else", () => {
        const props = { metadata: { name: "x" }, spec: {}, data: { k: "v" } };
        assert.deepEqual(objectFromPulumi("kubernetes:apps/v1:Deployment", props), { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" }, spec: {} });
        assert.deepEqual(objectFromPulumi("kubernetes:core/v1:ConfigMap", props), { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" }, spec: {}, data: { k: "v" } });
        assert.equal(objectFromPulumi("kubernetes:core/v1:Secret", props)?.data, undefined, "a Secret's data is never read");
        for (const t of ["kubernetes:apps/v1:DeploymentPatch", "kubernetes:core/v1:ConfigMapList", "kubernetes:helm.sh/v3:Release",
            "kubernetes:yaml:ConfigFile", "pulumi:providers:kubernetes", "random:index/randomPassword:RandomPassword", "redis-platform:index:CacheTier"]) {
            assert.equal(objectFromPulumi(t, props), undefined, t);
        }
    });
    it("validates a resource's inputs and applies the policy's own config", () => {
        const d = workload("Deployment", "api", "shop", "api");
        d.spec.template.spec.containers[0].image = "api:latest";
        const reported: string[] = [];
        resourceValidation(rule("image-tag-pinned"))({ ...asPulumi(d), ...config("image-tag-pinned") }, (m) => reported.push(m));
        assert.deepEqual(reported, ['image-tag-pinned: Deployment/shop/api container "app": image "api:latest" uses the tag "latest"; use a version tag (not "latest") or an @sha256: digest']);
        const exempt = [{ rule: "image-tag-pinned", resource: "Deployment/shop/api", reason: "lab" }];
        reported.length = 0;
        resourceValidation(rule("image-tag-pinned"))({ ...asPulumi(d), ...config("image-tag-pinned", { exemptions: exempt }) }, (m) => reported.push(m));
        resourceValidation(rule("image-tag-pinned"))({ type: "random:index/randomPassword:RandomPassword", props: {}, urn: "u", ...config("image-tag-pinned") }, (m) => reported.push(m));
        assert.deepEqual(reported, []);
    });
    it("validates the stack and points each violation at the resource's URN", () => {
        const objs = compliantStack();
        objs.splice(objs.indexOf(get(objs, "PodDisruptionBudget/cache/redis")), 1);
        const reported: [string, string | undefined][] = [];
        stackValidation(rule("pdb-coverage"))({ resources: [...objs.map(asPulumi), { type: "pulumi:providers:kubernetes", props: {}, urn: "p" }], ...config("pdb-coverage") },
            (m, urn) => reported.push([m, urn]));
        assert.deepEqual(reported, [["pdb-coverage: Deployment/cache/redis: runs 2 replicas but no PodDisruptionBudget selects its pods; add one with maxUnavailable: 1",
            "urn:pulumi:dev::redis-platform::kubernetes:apps/v1:Deployment::redis"]]);
    });
    it("declares the shared settings and each rule's thresholds with defaults in configSchema", () => {
        const schema = configSchemaFor(rule("redis-maxmemory"));
        assert.deepEqual(Object.keys(schema.properties), ["environment", "exemptions", "maxMemoryShare"]);
        assert.equal(schema.properties.maxMemoryShare.default, 0.75);
        assert.deepEqual((configSchemaFor(rule("environment-labels")) as { required?: string[] }).required, ["environment"]);
    });
});

/** A fake API server holding live-shaped items; records what was asked for. */
function fakeLister(items: LiveItem[], asked: string[] = []): Lister {
    return {
        async list(_apiVersion, kind, ns) {
            asked.push(kind);
            return items.filter((i) => i.kind === kind && i.item.metadata?.namespace === ns).map((i) => i.item);
        },
        async read(_apiVersion, kind, name) {
            return items.find((i) => i.kind === kind && i.item.metadata?.name === name)?.item;
        },
    };
}

describe("policy: live check", () => {
    const NAMESPACES = ["shop", "cache", "redis"];
    it("tolerates server-side defaults, status, managedFields and controller-owned Pods/ReplicaSets", async () => {
        const vs = await liveCheck("unused", "unused", NAMESPACES, packConfig(), fakeLister(liveShaped(compliantStack())));
        assert.deepEqual(vs, []);
    });
    it("restores kinds, includes the Namespaces and never lists Secrets", async () => {
        const asked: string[] = [];
        const objs = await collectLiveObjects(fakeLister(liveShaped(compliantStack()), asked), NAMESPACES);
        assert.ok(objs.every((o) => o.kind && o.apiVersion));
        assert.deepEqual(objs.filter((o) => o.kind === "Namespace").map((o) => o.metadata?.name), NAMESPACES);
        assert.ok(!asked.includes("Secret"));
    });
    it("finds what the cluster really runs: a bare Pod someone started by hand", async () => {
        const items = liveShaped(compliantStack());
        items.push({ kind: "Pod", item: { ...workload("Pod", "debug", "shop", "debug"), kind: undefined, apiVersion: undefined } });
        const vs = await liveCheck("unused", "unused", NAMESPACES, packConfig(), fakeLister(items));
        assert.deepEqual(formatViolations(vs), "[mandatory] workload-controller: Pod/shop/debug: a bare Pod (no owning controller); run workloads through a Deployment, StatefulSet, Job or CronJob");
    });
    it("fails on a namespace that does not exist", async () => {
        await assert.rejects(liveCheck("unused", "unused", ["ghost"], packConfig(), fakeLister([])), { message: 'namespace "ghost" does not exist' });
    });
});
