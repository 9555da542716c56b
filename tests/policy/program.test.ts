// The pack over the real program: every rule, run on what `pulumi preview --policy-pack policy` hands
// it (each Kubernetes resource's inputs, recorded under mocks by tests/helpers/program.ts, turned into
// objects by the pack's own adapter), with the pack config the stack's files generate. prod runs the
// replicated Redis in Sentinel mode, dev in the seed's master/replica mode; neither has an exemption.
import assert from "assert/strict";
import { K8sObject, Violation, evaluate } from "../../policy/rules";
import { objectFromPulumi } from "../../policy/lib/pack-adapter";
import { redisRole } from "../../policy/lib/redis";
import { buildPackConfig, readStackSettings } from "../../policy/stack-config";
import { ROOT } from "../../scripts/lib/stack-files";
import { runProgram } from "../helpers/program";
import { firstContainer, get } from "./fixtures";

/** The program's Kubernetes objects for a stack: fresh copies (runs are memoized and shared with the unit tests). */
async function programObjects(stack: string): Promise<K8sObject[]> {
    const run = await runProgram(stack);
    return run.resources.map((r) => objectFromPulumi(r.type, r.inputs)).filter((o): o is K8sObject => o !== undefined)
        .map((o) => JSON.parse(JSON.stringify(o)) as K8sObject);
}

const check = (stack: string, objects: K8sObject[]): Violation[] => evaluate(objects, buildPackConfig(readStackSettings(ROOT, stack)));
const mandatory = (vs: Violation[]) => vs.filter((v) => v.level === "mandatory").map((v) => v.message);
const ofRule = (vs: Violation[], rule: string) => vs.filter((v) => v.rule === rule).map((v) => v.message).sort();
const remove = (s: K8sObject[], key: string) => s.splice(s.indexOf(get(s, key)), 1);

describe("policy: the real program, as the pack sees it at preview", function () {
    this.timeout(180_000);

    for (const stack of ["prod", "dev"]) {
        it(`${stack}: breaks no mandatory rule, needs no exemption, and its only advisories are tags without digests`, async () => {
            const vs = check(stack, await programObjects(stack));
            assert.deepEqual(mandatory(vs), []);
            assert.deepEqual(ofRule(vs, "policy-exemptions"), []);
            assert.deepEqual([...new Set(vs.map((v) => v.rule))].filter((r) => r !== "image-digest-pinned"), []);
        });
    }

    describe("prod: the Sentinel mode is what the Sentinel rules look at", () => {
        const NODES = "StatefulSet/redis/redis-node";
        const SENTINELS = "StatefulSet/redis/redis-sentinel";
        let objects: K8sObject[];
        beforeEach(async () => { objects = await programObjects("prod"); });

        it("takes redis-node's container for a Redis server and redis-sentinel's for a Sentinel", () => {
            assert.equal(redisRole(firstContainer(objects, NODES)), "server");
            assert.equal(redisRole(firstContainer(objects, SENTINELS)), "sentinel");
            assert.equal(get(objects, SENTINELS).spec.volumeClaimTemplates, undefined, "Sentinels hold no data");
        });

        it("redis-master-persistence: every node needs AOF and its claim", () => {
            const rule = "redis-master-persistence";
            const lead = `${rule}: ${NODES} container "redis": Sentinel mode (${SENTINELS}) may promote any of its ${get(objects, NODES).spec.replicas} pods to master, so each needs`;
            const tail = "a promoted node that restarted without its data makes the replicas drop theirs too";
            const data = get(objects, "ConfigMap/redis/redis-sentinel-mode").data as Record<string, string>;
            data["redis.conf"] = data["redis.conf"].replace(/^appendonly yes$/m, "appendonly no");
            delete get(objects, NODES).spec.volumeClaimTemplates;
            assert.deepEqual(ofRule(check("prod", objects), rule), [
                `${lead} "appendonly yes", but ConfigMap/redis/redis-sentinel-mode key "redis.conf" sets "appendonly no"; ${tail}`,
                `${lead} its data on a claim of its own, but it mounts no volumeClaimTemplates claim (templates: none); ${tail}`,
            ]);
        });

        it("redis-sentinel-network-access: 26379 is admitted by allow-sentinel-clients only", () => {
            const rule = "redis-sentinel-network-access";
            assert.deepEqual(ofRule(check("prod", objects), rule), []);
            remove(objects, "NetworkPolicy/redis/allow-sentinel-clients");
            assert.deepEqual(ofRule(check("prod", objects), rule), [
                `${rule}: ${SENTINELS}: no NetworkPolicy admits port 26379 from specific pods; add an ingress rule whose from names its clients with a podSelector`]);
        });

        it("no-redis-auth-in-config: a Sentinel password written into the start script is caught", () => {
            const rule = "no-redis-auth-in-config";
            const data = get(objects, "ConfigMap/redis/redis-sentinel-mode").data as Record<string, string>;
            data["sentinel-start.sh"] += 'echo "sentinel auth-pass mymaster not-the-secret" >> "$conf"\n';
            const line = data["sentinel-start.sh"].trimEnd().split("\n").length;
            assert.deepEqual(ofRule(check("prod", objects), rule), [
                `${rule}: ConfigMap/redis/redis-sentinel-mode key "sentinel-start.sh" line ${line}: mentions sentinel auth-pass; keep Sentinel passwords in a Secret (e.g. a sentinel-auth.conf mounted from a Secret and included by sentinel.conf)`]);
        });
    });

    it("dev: no Sentinel, so the seed's master is checked as before", async () => {
        const objects = await programObjects("dev");
        assert.deepEqual(objects.filter((o) => o.kind === "StatefulSet" && (o.spec?.template?.spec?.containers ?? []).some((c: never) => redisRole(c) === "sentinel")), []);
        const data = get(objects, "ConfigMap/redis/redis").data as Record<string, string>;
        data["master.conf"] = data["master.conf"].replace(/^appendonly yes$/m, "appendonly no");
        const replicas = get(objects, "StatefulSet/redis/redis-replica").spec.replicas;
        assert.deepEqual(ofRule(check("dev", objects), "redis-master-persistence"), [
            `redis-master-persistence: StatefulSet/redis/redis-master: has ${replicas} replica${replicas === 1 ? "" : "s"} (StatefulSet/redis/redis-replica) but its config (ConfigMap/redis/redis key "master.conf") sets neither "appendonly yes" nor a non-empty "save"; a master that restarts empty makes its replicas drop their data too`]);
    });
});
