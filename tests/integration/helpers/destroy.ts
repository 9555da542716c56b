/**
 * `pulumi destroy` of a dev-configured stack and what it must leave: no namespace of the stack, no
 * volume of its (Delete-retention) claims still bound, an empty state, and a second destroy that
 * changes nothing.
 * Shared by the simulated node's lifecycle run and the real node's post-deploy run, which end with it.
 */
import * as assert from "assert/strict";
import { Stack } from "@pulumi/pulumi/automation";
import { V1PersistentVolume } from "@kubernetes/client-node";
import { clients, eventually, namespaceExists, testNamespaces } from "../../helpers/cluster";
import { changes, progress } from "./stacks";

type TestNamespaces = ReturnType<typeof testNamespaces>;

/** The volumes whose claims were in `namespace`. */
async function volumesIn(namespace: string): Promise<V1PersistentVolume[]> {
    return (await clients().core.listPersistentVolume()).items.filter((pv) => pv.spec?.claimRef?.namespace === namespace);
}

/** Names of the volumes whose claims were in `namespace`. */
export async function volumesOf(namespace: string): Promise<string[]> {
    return (await volumesIn(namespace)).map((pv) => pv.metadata!.name!);
}

export async function destroyCompletely(stack: Stack, namespaces: TestNamespaces): Promise<void> {
    const result = await stack.destroy({ onOutput: progress(`${stack.name} destroy`) });
    assert.equal(result.summary.result, "succeeded");
    for (const ns of Object.values(namespaces)) {
        assert.ok(await eventually(async () => !(await namespaceExists(ns)), 180_000), `namespace ${ns} still exists`);
    }
    // Released at least (the simulated node's control plane may keep them so); the real node's run
    // also waits for them to be deleted.
    const kept = (await volumesIn(namespaces.redis)).filter((pv) => pv.status?.phase !== "Released");
    assert.deepEqual(kept.map((v) => v.metadata!.name), []);
    const again = await stack.destroy();
    assert.deepEqual(changes(again.summary.resourceChanges), {}, "a second destroy changes nothing");
    assert.equal((await stack.exportStack()).deployment?.resources?.length ?? 0, 0);
}
