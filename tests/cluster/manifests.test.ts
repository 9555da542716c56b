/**
 * The program's manifests against a real API server (the embedded cluster), without the Pulumi
 * toolchain: the objects the program registers for the dev configuration (recorded under mocks)
 * are server-side applied in namespaces of their own. The API server must accept every one of them
 * (schema, Pod Security admission), workloads must become Ready with their replica counts, Services
 * must get endpoints, claims must bind, and the policy pack's live check must pass on what the
 * server holds; a hand-removed limit must then fail it by rule name.
 */
import * as assert from "assert/strict";
import * as fs from "fs";
import * as k8s from "@kubernetes/client-node";
import { liveCheck } from "../../policy/live-check";
import { PackConfig } from "../../policy/rules";
import { buildPackConfig } from "../../policy/stack-config";
import { CONTEXT, KUBECONFIG, applyObjects, assertReady, clients, deleteNamespace, eventually, expectedReadiness, namespaceExists, namespaceOverrides, recordedObjects, testNamespaces } from "../helpers/cluster";
import { runProgram } from "../helpers/program";

const PREFIX = "ct";
const NAMESPACES = testNamespaces(PREFIX);

describe("the program's manifests on the embedded cluster", function () {
    this.timeout(10 * 60_000);
    let packConfig: PackConfig;

    before(async function () {
        if (!fs.existsSync(KUBECONFIG)) throw new Error(`no ${KUBECONFIG}: run npm run cluster:up (npm test does)`);
        for (const ns of Object.values(NAMESPACES)) {
            if (await namespaceExists(ns)) await deleteNamespace(ns);
        }
        const run = await runProgram("dev", namespaceOverrides(PREFIX));
        packConfig = buildPackConfig({ environment: "dev", exemptions: [] });
        await applyObjects(recordedObjects(run.resources));
    });

    after(async () => {
        for (const ns of Object.values(NAMESPACES)) await deleteNamespace(ns);
    });

    it("runs every workload with its replica count, and every Service has ready endpoints", async () => {
        await assertReady(expectedReadiness(PREFIX));
    });

    it("binds one claim per Redis pod", async () => {
        const { core } = clients();
        assert.ok(await eventually(async () => {
            const claims = (await core.listNamespacedPersistentVolumeClaim({ namespace: NAMESPACES.redis })).items;
            return claims.filter((c) => c.status?.phase === "Bound").length === 3;
        }));
        const claims = (await core.listNamespacedPersistentVolumeClaim({ namespace: NAMESPACES.redis })).items;
        assert.deepEqual(claims.map((c) => `${c.metadata!.name} ${c.spec!.storageClassName} ${c.spec!.resources!.requests!.storage}`).sort(), [
            "data-redis-master-0 standard 2Gi", "data-redis-replica-0 standard 2Gi", "data-redis-replica-1 standard 2Gi",
        ]);
    });

    it("passes the policy pack's live check on what the API server holds (defaults included)", async () => {
        const violations = await liveCheck(KUBECONFIG, CONTEXT, Object.values(NAMESPACES), packConfig);
        assert.deepEqual(violations.filter((v) => v.level === "mandatory").map((v) => v.message), []);
        assert.deepEqual(violations.filter((v) => v.message.startsWith("exempted:")).map((v) => v.message), [], "dev needs no exemption (the project's guestbook frontend is restricted)");
    });

    it("fails the live check by rule name once a container's limits are removed by hand", async () => {
        const { apps } = clients();
        await apps.patchNamespacedDeployment(
            { name: "api-gateway", namespace: NAMESPACES.platform, body: [{ op: "remove", path: "/spec/template/spec/containers/0/resources/limits" }] },
            k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch));
        const mandatory = (await liveCheck(KUBECONFIG, CONTEXT, [NAMESPACES.platform], packConfig)).filter((v) => v.level === "mandatory");
        assert.deepEqual(mandatory.map((v) => [v.rule, v.resource]), [["container-resources", `Deployment/${NAMESPACES.platform}/api-gateway`]]);
    });
});

