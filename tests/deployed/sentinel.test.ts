/**
 * Sentinel mode as `pulumi up` deploys it: the e2e stack switched to replicatedSentinel: true, then
 * a failover drill, three times and once more as a crash: a client connected through the Sentinels (ioredis `sentinels` and
 * `name`) writes continuously while the master's pod is deleted; a replica is promoted, the client
 * resumes, no write a replica acknowledged (WAIT 1) is lost, the old master returns as a replica and
 * converges, and the write and read Services follow the roles. Figures are printed, not asserted.
 */
import * as assert from "assert/strict";
import Redis from "ioredis";
import { clients, eventually, podReady } from "../helpers/cluster";
import { call } from "../helpers/http-client";
import { progress, withPolicy, writeStackConfig } from "../integration/helpers/stacks";
import { Deployed, NAMESPACES, OVERRIDES, plain, requireDeployment, STACK } from "./helpers/deployment";
import { withRedis } from "./helpers/redis";
import { failoverDrill, SentinelClient, sentinelClient, SentinelEndpoint } from "./helpers/sentinel";

const RUNS = 3;
const INGRESS_PORT = Number(process.env.CLUSTER_INGRESS_PORT ?? 80);

describe("deployed: Sentinel mode and the failover drill", function () {
    this.timeout(20 * 60_000);
    let d: Deployed;
    let out: Record<string, unknown>;
    let endpoint: SentinelEndpoint;
    const ns = NAMESPACES.redis;
    const nodeHost = (i: number) => `redis-node-${i}.redis-headless.${ns}.svc.cluster.local`;
    const podOf = (host: string) => host.split(".")[0];
    const askSentinel = async (): Promise<string> => {
        const [host] = await withRedis(endpoint.host, endpoint.port, d.password,
            (r) => r.call("SENTINEL", "get-master-addr-by-name", endpoint.masterSet)) as [string, string];
        return host;
    };
    const onNode = <T>(host: string, f: (r: Redis) => Promise<T>) => withRedis(host, 6379, d.password, f);

    before(async function () {
        d = await requireDeployment(this);
        writeStackConfig(STACK, "dev", { ...OVERRIDES, replicatedSentinel: true });
        const t0 = Date.now();
        const up = await d.stack.up({ ...withPolicy(STACK), onOutput: progress(`${STACK} up (Sentinel mode)`) });
        assert.equal(up.summary.result, "succeeded");
        process.stdout.write(`      (${STACK}: pulumi up to Sentinel mode took ${Math.round((Date.now() - t0) / 1000)}s)\n`);
        out = plain(up.outputs) as unknown as Record<string, unknown>;
        endpoint = {
            host: String(out.redisSentinelHost), port: Number(out.redisSentinelPort), masterSet: String(out.redisMasterSet),
            password: d.password, nodes: [0, 1, 2].map(nodeHost),
        };
    });

    it("exports the Sentinel endpoint, and Sentinel refuses commands without the password", async () => {
        assert.deepEqual([out.redisSentinelHost, out.redisSentinelPort, out.redisMasterSet], [`redis-sentinel.${ns}.svc.cluster.local`, 26379, "mymaster"]);
        await assert.rejects(withRedis(endpoint.host, endpoint.port, undefined, (r) => r.call("SENTINEL", "get-master-addr-by-name", "mymaster")), /NOAUTH/);
        assert.equal(await askSentinel(), nodeHost(0), "node 0 is the first master");
    });

    it("points the write Service at the master and the read Service at replicas", async () => {
        assert.ok(await eventually(async () => {
            const w = await withRedis(String(out.redisWriteHost), 6379, d.password, (r) => r.call("ROLE")).catch(() => undefined) as string[] | undefined;
            const r = await withRedis(String(out.redisReadHost), 6379, d.password, (x) => x.call("ROLE")).catch(() => undefined) as string[] | undefined;
            return w?.[0] === "master" && r?.[0] === "slave";
        }, 120_000, 1000), "write Service answers as master and read Service as replica");
    });

    // Drills 1..RUNS delete the pod as a drain or rollout does (its preStop hands over first); the
    // last one deletes it with no grace period, as a crash: no hand-over, the Sentinels (or the
    // restarted pod asking them) fail over.
    for (let run = 1; run <= RUNS + 1; run++) {
        const crash = run > RUNS;
        const what = crash ? "crash drill: the master's pod is force-deleted (no grace, no hand-over)" : `drill ${run}/${RUNS}: the master's pod is deleted`;
        it(`${what}; a replica takes over, no acknowledged write is lost, the old master rejoins as a replica`, async () => {
            const { core } = clients();
            // Start settled: every node Ready, the master with both replicas connected.
            assert.ok(await eventually(async () => {
                const pods = (await core.listNamespacedPod({ namespace: ns, labelSelector: "app.kubernetes.io/component=node" })).items;
                const role = await onNode(await askSentinel(), (r) => r.call("ROLE")).catch(() => undefined) as [string, number, unknown[]] | undefined;
                return pods.length === 3 && pods.every(podReady) && role?.[0] === "master" && role[2].length === 2;
            }, 180_000, 1000), "the set did not settle (3 Ready nodes, a master with 2 replicas)");
            const oldMaster = await askSentinel();
            let client: SentinelClient | undefined;
            try {
                client = await sentinelClient(endpoint);
                const kill = async () => { await core.deleteNamespacedPod({ name: podOf(oldMaster), namespace: ns, ...(crash ? { gracePeriodSeconds: 0 } : {}) }); };
                const switched = async () => (await askSentinel()) !== oldMaster;
                const drill = await failoverDrill(client.redis, String(run), kill, switched);
                const newMaster = await askSentinel();
                assert.notEqual(newMaster, oldMaster, "a replica was promoted");
                const values = await onNode(newMaster, (r) => r.mget(...drill.acked, ...drill.unacked));
                const ackedLost = drill.acked.filter((_, i) => values[i] === null).length;
                const unackedLost = drill.unacked.filter((_, i) => values[drill.acked.length + i] === null).length;
                process.stdout.write(`      (${crash ? "crash drill" : `drill ${run}`}: writes stopped ${(drill.gapMs / 1000).toFixed(1)} s; ${podOf(oldMaster)} -> ${podOf(newMaster)}; ` +
                    `${drill.acked.length} acknowledged, ${ackedLost} of them lost; ${drill.unacked.length} unacknowledged, ${unackedLost} of them lost)\n`);
                assert.equal(ackedLost, 0, "every write a replica acknowledged survives the failover");

                // The old master's pod returns (claim kept) as a replica of the new master and converges.
                const lastKey = drill.acked[drill.acked.length - 1];
                assert.ok(await eventually(async () => {
                    const p = await core.readNamespacedPod({ name: podOf(oldMaster), namespace: ns }).catch(() => undefined);
                    if (!p || !podReady(p)) return false;
                    const role = await onNode(p.status!.podIP!, (r) => r.call("ROLE")).catch(() => undefined) as unknown[] | undefined;
                    return role?.[0] === "slave" && role[1] === newMaster && role[3] === "connected"
                        && (await onNode(p.status!.podIP!, (r) => r.get(lastKey)).catch(() => null)) !== null;
                }, 180_000, 1000), `${podOf(oldMaster)} did not return as a replica of ${podOf(newMaster)} with the data`);

                // The Services follow: the write Service's one endpoint is the new master's pod.
                const newPod = await core.readNamespacedPod({ name: podOf(newMaster), namespace: ns });
                assert.ok(await eventually(async () => {
                    const ep = await core.readNamespacedEndpoints({ name: "redis-master", namespace: ns });
                    const ips = (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip));
                    const role = await withRedis(String(out.redisWriteHost), 6379, d.password, (r) => r.call("ROLE")).catch(() => undefined) as string[] | undefined;
                    const readRole = await withRedis(String(out.redisReadHost), 6379, d.password, (r) => r.call("ROLE")).catch(() => undefined) as string[] | undefined;
                    return JSON.stringify(ips) === JSON.stringify([newPod.status!.podIP]) && role?.[0] === "master" && readRole?.[0] === "slave";
                }, 60_000, 1000), "the write Service selects the new master only, the read Service a replica");
            } finally {
                client?.close();
            }
        });
    }

    it("takes orders through the Ingress after the failovers (the order service asks the Sentinels)", async () => {
        const order = { customerId: "c-sentinel", items: [{ productId: "p-1", quantity: 1 }] };
        const ing = await clients().networking.readNamespacedIngress({ name: "ecommerce-ingress", namespace: NAMESPACES.platform });
        const ingress = ing.status!.loadBalancer!.ingress![0].ip!;
        const post = await call(INGRESS_PORT, "POST", "/api/orders", { host: ingress, headers: { Host: String(out.ingressHost) }, body: order });
        assert.equal(post.status, 201, JSON.stringify(post.body));
        const stored = await withRedis(String(out.redisWriteHost), 6379, d.password, (r) => r.get(`order:${post.body.id}`));
        assert.equal(JSON.parse(String(stored)).customerId, "c-sentinel");
    });
});
