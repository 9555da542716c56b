/**
 * The Kubernetes side on the wire: the real @kubernetes/client-node calls of kube.ts against a fake
 * API server that records each request (method, path, query, Content-Type, body).
 */
import * as k8s from "@kubernetes/client-node";
import * as assert from "assert/strict";
import * as fs from "fs";
import * as path from "path";
import { apiErrorText, kubePodApi } from "../../../services/redis-role-labeler/src/kube";
import { FakeApiServer, OTHER, ROLE, redisPods } from "./fakes";

const SELECTOR = "app.kubernetes.io/name=redis,app.kubernetes.io/component=node";

describe("redis role labeler: Kubernetes calls (client-node against a fake API server)", () => {
    let api: FakeApiServer;
    let kubeconfig: string;
    const podApi = (timeoutMs?: number) => {
        const kc = new k8s.KubeConfig();
        kc.loadFromFile(kubeconfig);
        return kubePodApi("redis", SELECTOR, kc, timeoutMs);
    };
    beforeEach(async () => {
        api = new FakeApiServer("redis", redisPods(["master", undefined]));
        await api.start();
        kubeconfig = api.kubeconfig();
    });
    afterEach(async () => {
        await api.stop();
        fs.rmSync(path.dirname(kubeconfig), { recursive: true, force: true });
    });

    it("lists the pods by the selector in the namespace, with name, podIP and labels", async () => {
        assert.deepEqual(await podApi().listPods(), [
            { name: "redis-node-0", podIP: "10.1.0.10", labels: { ...OTHER, [ROLE]: "master" } },
            { name: "redis-node-1", podIP: "10.1.0.11", labels: OTHER },
        ]);
        assert.equal(api.requests.length, 1);
        const url = new URL(api.requests[0].url, "http://api");
        assert.equal(url.pathname, "/api/v1/namespaces/redis/pods");
        assert.equal(url.searchParams.get("labelSelector"), SELECTOR);
    });

    it("sets one label with a JSON merge patch of metadata.labels, leaving the others alone", async () => {
        await podApi().patchLabel("redis-node-1", ROLE, "replica");
        assert.deepEqual(api.requests.map((r) => [r.method, r.url, r.contentType, r.body]), [
            ["PATCH", "/api/v1/namespaces/redis/pods/redis-node-1", "application/merge-patch+json", { metadata: { labels: { [ROLE]: "replica" } } }],
        ]);
        assert.deepEqual(api.roles(), { "redis-node-0": "master", "redis-node-1": "replica" });
        assert.deepEqual(api.pods[1].labels, { ...OTHER, [ROLE]: "replica" });
    });

    it("gives up on a stalled API server after its timeout, so the loop goes on", async () => {
        api.stall = true;
        const started = Date.now();
        await assert.rejects(podApi(200).listPods(), { message: "listing pods: no answer from the API server within 0.2 s" });
        await assert.rejects(podApi(200).patchLabel("redis-node-1", ROLE, "replica"), { message: "patching pod redis-node-1: no answer from the API server within 0.2 s" });
        assert.ok(Date.now() - started < 2_000);
    });

    it("turns an API error into its status and message", async () => {
        api.patchStatus = 403;
        const e = await podApi().patchLabel("redis-node-1", ROLE, "replica").then(() => undefined, (err: unknown) => err);
        assert.equal(apiErrorText(e), 'HTTP 403: pods "redis-node-1" is forbidden: no patch for you');
        assert.equal(apiErrorText(new Error("socket hang up")), "socket hang up");
    });
});
