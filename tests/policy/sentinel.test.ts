import assert from "assert/strict";
import { Container, K8sObject, PackConfig } from "../../policy/rules";
import { redisRole } from "../../policy/lib/redis";
import { liveCheck } from "../../policy/live-check";
import { compliantStack, configMap, firstContainer, get, liveShaped, messages, packConfig, run } from "./fixtures";
import { HA, NODE_CONF, NODE_SET, SENTINEL_CM, SENTINEL_SET, sentinelStack } from "./sentinel-fixtures";

const NODE = `${NODE_SET} container "redis"`;
const SENTINEL = `${SENTINEL_SET} container "sentinel"`;
const REDIS_RULES = ["redis-network-access", "redis-service-cluster-ip", "redis-maxmemory", "redis-master-persistence", "redis-config-mounted"];
const remove = (s: K8sObject[], key: string) => s.splice(s.indexOf(get(s, key)), 1);
const nodeConf = (s: K8sObject[], text: string) => { (get(s, SENTINEL_CM).data as Record<string, string>)["redis.conf"] = text; };

/** Messages of one rule for fixtures.ts's stack plus the Sentinel-mode namespace, changed by `mutate`. */
function broken(rule: string, mutate: (objects: K8sObject[]) => void, overrides: PackConfig = {}): string[] {
    const objects = [...compliantStack(), ...sentinelStack()];
    mutate(objects);
    return messages(run(objects, overrides), rule);
}

describe("policy: Sentinel mode, what the pack takes for a Sentinel", () => {
    it("takes a container declaring containerPort 26379 and not 6379 for a Sentinel, whatever it runs", () => {
        const cases: [Partial<Container>, string | undefined][] = [
            [{ image: "redis:7", command: ["sh", "/etc/redis/sentinel-start.sh"], ports: [{ name: "sentinel", containerPort: 26379 }] }, "sentinel"],
            [{ image: "redis:7", ports: [{ containerPort: 26379 }] }, "sentinel"],
            [{ image: "example/ha:1", command: ["redis-server", "/etc/redis/redis.conf"], ports: [{ containerPort: 26379 }] }, "sentinel"],
            [{ image: "redis:7", command: ["sh", "/etc/redis/node-start.sh", "/etc/redis/redis.conf"], ports: [{ containerPort: 6379 }] }, "server"],
            [{ image: "redis:7", command: ["redis-server", "/etc/redis/redis.conf"], ports: [{ containerPort: 6379 }, { containerPort: 26379 }] }, "server"],
            [{ image: "example/proxy:1", ports: [{ containerPort: 6379 }, { containerPort: 26379 }] }, "server"],
            // A start script with no port declared says nothing about what it runs.
            [{ image: "redis:7", command: ["sh", "/etc/redis/sentinel-start.sh"] }, undefined],
        ];
        assert.deepEqual(cases.map(([c]) => redisRole({ name: "c", ...c })), cases.map(([, role]) => role));
    });

    it("breaks no rule, mandatory or advisory, with the program's Sentinel topology beside the compliant stack", () => {
        assert.deepEqual(run([...compliantStack(), ...sentinelStack()]).map((v) => v.message), []);
    });

    it("breaks none in the live check either (server-side defaults, controller-owned Pods)", async () => {
        const items = liveShaped([...compliantStack(), ...sentinelStack()]);
        const lister = {
            list: async (_: string, kind: string, ns: string) => items.filter((i) => i.kind === kind && i.item.metadata?.namespace === ns).map((i) => i.item),
            read: async (_: string, kind: string, name: string) => items.find((i) => i.kind === kind && i.item.metadata?.name === name)?.item,
        };
        assert.deepEqual(await liveCheck("unused", "unused", ["shop", "cache", "redis", HA], packConfig(), lister), []);
    });

    it("asks no maxmemory, mounted redis.conf, persistence or 6379 policy of the Sentinel set (labelled app.kubernetes.io/name=redis)", () => {
        const findings = (mutate: (s: K8sObject[]) => void) => REDIS_RULES.flatMap((r) => broken(r, mutate));
        // The 6379 policy now selects the nodes only; the Sentinel pods, which serve no 6379, are not Redis.
        assert.deepEqual(findings((s) => {
            get(s, `NetworkPolicy/${HA}/allow-redis-clients`).spec.podSelector.matchLabels["app.kubernetes.io/component"] = "node";
            delete firstContainer(s, SENTINEL_SET).resources?.limits?.memory;
        }), []);
    });
});

describe("policy: redis-master-persistence in Sentinel mode", () => {
    const rule = "redis-master-persistence";
    const lead = `${rule}: ${NODE}: Sentinel mode (${SENTINEL_SET}) may promote any of its 3 pods to master, so each needs`;
    const tail = "a promoted node that restarted without its data makes the replicas drop theirs too";
    const cm = `ConfigMap/${HA}/redis-sentinel-mode key "redis.conf"`;

    it("requires appendonly yes on every node: RDB save points are not enough", () => {
        assert.deepEqual(broken(rule, (s) => nodeConf(s, NODE_CONF.replace("appendonly yes", "appendonly no"))),
            [`${lead} "appendonly yes", but ${cm} sets "appendonly no"; ${tail}`]);
        assert.deepEqual(broken(rule, (s) => nodeConf(s, NODE_CONF.replace("appendonly yes", "save 900 1"))),
            [`${lead} "appendonly yes", but ${cm} does not set it; ${tail}`]);
    });

    it("reads --appendonly arguments after the config, the last one winning", () => {
        assert.deepEqual(broken(rule, (s) => { firstContainer(s, NODE_SET).args = ["--appendonly", "no"]; }),
            [`${lead} "appendonly yes", but --appendonly argument sets "appendonly no"; ${tail}`]);
        assert.deepEqual(broken(rule, (s) => {
            nodeConf(s, NODE_CONF.replace("appendonly yes", "appendonly no"));
            firstContainer(s, NODE_SET).args = ["--appendonly", "yes"];
        }), []);
        assert.deepEqual(broken(rule, (s) => { firstContainer(s, NODE_SET).command = ["sh", "/etc/redis/node-start.sh"]; }),
            [`${lead} "appendonly yes", but its config could not be resolved (its command/args name no .conf file) and its args do not set it; ${tail}`]);
    });

    it("requires a claim of each node's own, holding its dir", () => {
        assert.deepEqual(broken(rule, (s) => {
            const set = get(s, NODE_SET);
            delete set.spec.volumeClaimTemplates;
            set.spec.template.spec.volumes.push({ name: "data", emptyDir: {} });
        }), [`${lead} its data on a claim of its own, but it mounts no volumeClaimTemplates claim (templates: none); ${tail}`]);
        assert.deepEqual(broken(rule, (s) => { get(s, NODE_SET).spec.volumeClaimTemplates[0].metadata.name = "storage"; }),
            [`${lead} its data on a claim of its own, but it mounts no volumeClaimTemplates claim (templates: storage); ${tail}`]);
        assert.deepEqual(broken(rule, (s) => nodeConf(s, NODE_CONF.replace("dir /data", "dir /run/redis"))),
            [`${lead} its data on a claim of its own, but its dir /run/redis (${cm}) is not on one (claims mounted at /data); ${tail}`]);
        assert.deepEqual(broken(rule, (s) => nodeConf(s, NODE_CONF.replace("dir /data", "dir /data/redis/"))), []);
    });

    it("reports each problem of each node container", () => {
        assert.deepEqual(broken(rule, (s) => {
            nodeConf(s, NODE_CONF.replace("appendonly yes", "appendonly no"));
            delete get(s, NODE_SET).spec.volumeClaimTemplates;
        }), [
            `${lead} "appendonly yes", but ${cm} sets "appendonly no"; ${tail}`,
            `${lead} its data on a claim of its own, but it mounts no volumeClaimTemplates claim (templates: none); ${tail}`,
        ]);
    });

    it("takes it for Sentinel mode only with several pods, no replicaof and a Sentinel in the namespace", () => {
        const aofOff = (s: K8sObject[]) => nodeConf(s, NODE_CONF.replace("appendonly yes", "appendonly no"));
        assert.deepEqual(broken(rule, (s) => { aofOff(s); remove(s, SENTINEL_SET); }), []);
        assert.deepEqual(broken(rule, (s) => { aofOff(s); get(s, NODE_SET).spec.replicas = 1; }), []);
        assert.deepEqual(broken(rule, (s) => { aofOff(s); get(s, SENTINEL_SET).metadata!.namespace = "elsewhere"; }), []);
        // A fixed replicaof: the roles are static, so the seed rule (a master with replicas) applies, not this one.
        assert.deepEqual(broken(rule, (s) => nodeConf(s, `${NODE_CONF.replace("appendonly yes", "appendonly no")}replicaof redis-master 6379\n`)), []);
    });

    it("keeps the seed mode's finding and message beside a Sentinel-mode namespace", () => {
        assert.deepEqual(broken(rule, (s) => {
            const data = get(s, "ConfigMap/redis/redis-config").data as Record<string, string>;
            data["master.conf"] = data["master.conf"].replace("appendonly yes", "appendonly no");
        }), [`${rule}: StatefulSet/redis/redis-master: has 2 replicas (StatefulSet/redis/redis-replica) but its config (ConfigMap/redis/redis-config key "master.conf") sets neither "appendonly yes" nor a non-empty "save"; a master that restarts empty makes its replicas drop their data too`]);
    });
});

describe("policy: redis-sentinel-network-access", () => {
    const rule = "redis-sentinel-network-access";
    const policy = `NetworkPolicy/${HA}/allow-sentinel-clients`;
    const none = (w: string) => `${rule}: ${w}: no NetworkPolicy admits port 26379 from specific pods; add an ingress rule whose from names its clients with a podSelector`;
    const open = (what: string) => `${rule}: ${SENTINEL_SET}: ${policy} ingress rule 1 admits port 26379 from ${what}; admit Sentinel only from specific pods (a podSelector with labels)`;
    const setRule = (change: (r: Record<string, unknown>) => void) => broken(rule, (s) => change(get(s, policy).spec.ingress[0]));

    it("requires an allow rule for 26379 naming client pods; the 6379 one does not count", () => {
        assert.deepEqual(broken(rule, (s) => remove(s, policy)), [none(SENTINEL_SET)]);
        assert.deepEqual(setRule((r) => { r.ports = [{ port: 6379 }]; }), [none(SENTINEL_SET)]);
    });
    it("rejects rules open to any source", () => {
        assert.deepEqual(setRule((r) => { delete r.from; }), [open("any source (empty from)")]);
        assert.deepEqual(setRule((r) => { r.from = [{ namespaceSelector: {} }]; }), [open("every pod in every namespace (namespaceSelector {})")]);
        assert.deepEqual(setRule((r) => { r.from = [{ ipBlock: { cidr: "0.0.0.0/0" } }]; }), [open("any address (ipBlock 0.0.0.0/0)")]);
    });
    it("counts the named port, a port range and a rule without ports as admitting 26379", () => {
        const opened = (ports: unknown) => setRule((r) => { r.from = []; r.ports = ports; });
        assert.deepEqual(opened([{ port: "sentinel" }]), [open("any source (empty from)")]);
        assert.deepEqual(opened([{ port: 26000, endPort: 27000 }]), [open("any source (empty from)")]);
        assert.deepEqual(opened(undefined), [open("any source (empty from)")]);
        assert.deepEqual(opened([{ port: "redis" }]), [none(SENTINEL_SET)]);
    });
    it("finds Sentinels by command too (no port declared), and leaves Redis servers to redis-network-access", () => {
        const labels = { app: "sentinel" };
        const seedStyle: K8sObject = {
            apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "sentinel", namespace: "redis", labels },
            spec: { replicas: 3, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [
                { name: "sentinel", image: "redis:7.2-alpine", command: ["redis-sentinel", "/data/sentinel.conf"] }] } } },
        };
        assert.deepEqual(broken(rule, (s) => s.push(seedStyle)), [none("StatefulSet/redis/sentinel")]);
        assert.deepEqual(broken("redis-network-access", (s) => s.push(seedStyle)), []);
    });
});

describe("policy: redis-service-cluster-ip for Sentinels", () => {
    const rule = "redis-service-cluster-ip";
    const msg = (svc: string, type: string) => `${rule}: ${svc}: exposes Redis Sentinel with type ${type}; allowed: ClusterIP (headless is fine), so Redis Sentinel stays inside the cluster`;
    it("rejects a Sentinel Service of another type, by its selector or by port 26379", () => {
        assert.deepEqual(broken(rule, (s) => { get(s, `Service/${HA}/redis-sentinel`).spec.type = "NodePort"; }), [msg(`Service/${HA}/redis-sentinel`, "NodePort")]);
        assert.deepEqual(broken(rule, (s) => s.push({ apiVersion: "v1", kind: "Service", metadata: { name: "sentinel-ext", namespace: HA },
            spec: { type: "LoadBalancer", ports: [{ port: 26379, targetPort: 26379 }] } })), [msg(`Service/${HA}/sentinel-ext`, "LoadBalancer")]);
    });
    it("still calls the write Service Redis (its selector's run-time role label set aside)", () => {
        assert.deepEqual(broken(rule, (s) => { get(s, `Service/${HA}/redis-master`).spec.type = "NodePort"; }),
            [`${rule}: Service/${HA}/redis-master: exposes Redis with type NodePort; allowed: ClusterIP (headless is fine), so Redis stays inside the cluster`]);
    });
});

describe("policy: no-redis-auth-in-config for Sentinels", () => {
    const rule = "no-redis-auth-in-config";
    const fix = "keep Sentinel passwords in a Secret (e.g. a sentinel-auth.conf mounted from a Secret and included by sentinel.conf)";
    const PW = "s3ntinel-pw-literal";

    it("rejects sentinel auth-pass, sentinel sentinel-pass and a Sentinel's requirepass in ConfigMap data, never echoing the password", () => {
        const s = [...compliantStack(), ...sentinelStack()];
        s.push(configMap("sentinel-bad", HA, {
            "sentinel.conf": `port 26379\nsentinel monitor mymaster redis-node-0 6379 2\nsentinel auth-pass mymaster ${PW}\nSENTINEL sentinel-pass ${PW}\nrequirepass ${PW}\n`,
            "start.sh": `echo "sentinel   auth-pass mymaster ${PW}" >> "$conf"\n`,
        }));
        const vs = run(s);
        const at = (key: string, line: number) => `${rule}: ConfigMap/${HA}/sentinel-bad key "${key}" line ${line}`;
        assert.deepEqual(messages(vs, rule), [
            `${at("sentinel.conf", 3)}: sets sentinel auth-pass; ${fix}`,
            `${at("sentinel.conf", 4)}: sets sentinel sentinel-pass; ${fix}`,
            `${at("sentinel.conf", 5)}: sets requirepass; ${fix}`,
            `${at("start.sh", 1)}: mentions sentinel auth-pass; ${fix}`,
        ]);
        assert.ok(vs.every((v) => !v.message.includes(PW)));
    });

    it("rejects them in a Sentinel's command/args and exec commands", () => {
        assert.deepEqual(broken(rule, (s) => {
            const c = firstContainer(s, SENTINEL_SET);
            c.command = ["sh", "-c", `echo "sentinel auth-pass mymaster ${PW}" >> /run/sentinel/sentinel.conf && exec redis-server /run/sentinel/sentinel.conf --sentinel --requirepass ${PW}`];
            c.lifecycle = {
                postStart: { exec: { command: ["sh", "-c", `redis-cli -p 26379 SENTINEL SET mymaster auth-pass ${PW}`] } },
                preStop: { exec: { command: ["redis-cli", "-p", "26379", "SENTINEL", "CONFIG", "SET", "sentinel-pass", PW] } },
            };
        }), [
            `${rule}: ${SENTINEL}: found requirepass, sentinel auth-pass in command/args; ${fix}`,
            `${rule}: ${SENTINEL}: found sentinel auth-pass in lifecycle.postStart exec command; ${fix}`,
            `${rule}: ${SENTINEL}: found sentinel sentinel-pass in lifecycle.preStop exec command; ${fix}`,
        ]);
        assert.deepEqual(broken(rule, (s) => { firstContainer(s, SENTINEL_SET).args = ["--sentinel", "auth-pass", "mymaster", PW]; }),
            [`${rule}: ${SENTINEL}: found sentinel auth-pass in command/args; ${fix}`]);
        // auth-pass in some other program's option, with no Sentinel in sight, is not Sentinel's.
        assert.deepEqual(broken(rule, (s) => { firstContainer(s, "Deployment/shop/api").args = ["--smtp-auth-pass-file", "/etc/smtp/pass"]; }), []);
    });

    it("accepts the program's way: the Sentinel's start script includes a file from the Secret", () => {
        assert.deepEqual(broken(rule, () => undefined), []);
    });
});
