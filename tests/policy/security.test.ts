import assert from "assert/strict";
import { K8sObject, evaluate } from "../../policy/rules";
import { broken, compliantStack, configMap, firstContainer, get, messages, namespace, run } from "./fixtures";

const API = "Deployment/shop/api";
const APP = `${API} container "app"`;
const CACHE = "Deployment/cache/redis";

describe("policy: secret-env-from-secret-ref", () => {
    const rule = "secret-env-from-secret-ref";
    const tail = "secret-like variables must come from valueFrom.secretKeyRef";
    const withEnv = (env: unknown[], over = {}) => broken(rule, (s) => { firstContainer(s, API).env = env as never; }, over);
    const SECRET = "hunter2-s3cr3t-value";

    it("accepts secretKeyRef, non-secret names and *_FILE paths", () => {
        assert.deepEqual(withEnv([
            { name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "redis-auth", key: "password" } } },
            { name: "REDIS_HOST", value: "redis.cache" },
            { name: "REDIS_PASSWORD_FILE", value: "/etc/redis/auth/password" },
        ]), []);
    });
    it("rejects a literal value without ever echoing it", () => {
        const vs = run((() => { const s = compliantStack(); firstContainer(s, API).env = [{ name: "REDIS_PASSWORD", value: SECRET }]; return s; })());
        assert.deepEqual(messages(vs, rule), [`${rule}: ${APP}: env REDIS_PASSWORD has a literal value; ${tail}`]);
        for (const v of vs) assert.ok(!JSON.stringify(v).includes(SECRET), `a violation echoes the secret: ${v.message}`);
    });
    it("rejects configMapKeyRef and other sources for token-, key- and secret-like names", () => {
        assert.deepEqual(withEnv([
            { name: "API_TOKEN", valueFrom: { configMapKeyRef: { name: "app-config", key: "token" } } },
            { name: "STRIPE_API_KEY", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "CLIENT_SECRET", value: "x" },
            { name: "AUTH", value: "y" },
        ]), [
            `${rule}: ${APP}: env API_TOKEN comes from configMapKeyRef app-config/token; ${tail}`,
            `${rule}: ${APP}: env AUTH has a literal value; ${tail}`,
            `${rule}: ${APP}: env CLIENT_SECRET has a literal value; ${tail}`,
            `${rule}: ${APP}: env STRIPE_API_KEY comes from fieldRef; ${tail}`,
        ]);
    });
    it("takes its name pattern from pack config", () => {
        assert.deepEqual(withEnv([{ name: "DB_PASSPHRASE", value: "z" }], { [rule]: { secretNamePattern: "PASSPHRASE" } }),
            [`${rule}: ${APP}: env DB_PASSPHRASE has a literal value; ${tail}`]);
    });
});

describe("policy: no-redis-auth-in-config", () => {
    const rule = "no-redis-auth-in-config";
    const fix = "keep Redis passwords in a Secret (e.g. an auth.conf mounted from a Secret and included by redis.conf)";
    const PW = "p4ssw0rd-literal";
    it("rejects requirepass and masterauth in ConfigMap data without echoing the password", () => {
        const s = compliantStack();
        s.push(configMap("bad", "redis", { "redis.conf": `# comment: requirepass is not here\nmaxmemory 1mb\nrequirepass ${PW}\nmasterauth ${PW}\n`,
            "start.sh": `exec redis-server --requirepass "${PW}"` }));
        const vs = run(s);
        assert.deepEqual(messages(vs, rule), [
            `${rule}: ConfigMap/redis/bad key "redis.conf" line 3: sets requirepass; ${fix}`,
            `${rule}: ConfigMap/redis/bad key "redis.conf" line 4: sets masterauth; ${fix}`,
            `${rule}: ConfigMap/redis/bad key "start.sh" line 1: mentions requirepass; ${fix}`,
        ]);
        assert.ok(vs.every((v) => !v.message.includes(PW)));
    });
    it("rejects requirepass/masterauth in command, args and probe commands", () => {
        const msgs = broken(rule, (s) => {
            const c = firstContainer(s, CACHE);
            c.args = ["--requirepass", PW];
            c.readinessProbe = { exec: { command: ["sh", "-c", `redis-cli --masterauth ${PW} ping`] } };
        });
        assert.deepEqual(msgs, [
            `${rule}: ${CACHE} container "redis": found masterauth in readinessProbe exec command; ${fix}`,
            `${rule}: ${CACHE} container "redis": found requirepass in command/args; ${fix}`,
        ]);
    });
});

describe("policy: pod-security-restricted", () => {
    const rule = "pod-security-restricted";
    it("rejects each restricted-profile breach with its value and the allowed one", () => {
        const msgs = broken(rule, (s) => {
            const spec = get(s, API).spec.template.spec;
            spec.hostNetwork = true;
            spec.hostPID = true;
            spec.hostIPC = true;
            spec.volumes = [{ name: "host", hostPath: { path: "/var/lib" } }];
            spec.securityContext = { runAsUser: 0 };
            const c = spec.containers[0];
            c.ports = [{ containerPort: 80, hostPort: 80 }];
            c.securityContext = { privileged: true, allowPrivilegeEscalation: true, capabilities: { drop: ["NET_RAW"], add: ["SYS_ADMIN", "NET_BIND_SERVICE"] }, seccompProfile: { type: "Unconfined" } };
        });
        assert.deepEqual(msgs, [
            `${rule}: ${APP}: allowPrivilegeEscalation is true; set it to false`,
            `${rule}: ${APP}: capabilities.add includes SYS_ADMIN; only NET_BIND_SERVICE may be added`,
            `${rule}: ${APP}: capabilities.drop is [NET_RAW]; it must include ALL`,
            `${rule}: ${APP}: port 80 sets hostPort 80; hostPort is not allowed`,
            `${rule}: ${APP}: privileged is true; privileged containers are not allowed`,
            `${rule}: ${APP}: readOnlyRootFilesystem is unset; set it to true and mount writable paths as emptyDir`,
            `${rule}: ${APP}: runAsNonRoot is unset (pod and container securityContext); set runAsNonRoot: true`,
            `${rule}: ${APP}: runAsUser is 0 (root); use a non-zero UID`,
            `${rule}: ${APP}: seccompProfile.type is Unconfined (pod and container securityContext); use RuntimeDefault or Localhost`,
            `${rule}: ${API}: spec.hostIPC is true; host namespaces are not allowed`,
            `${rule}: ${API}: spec.hostNetwork is true; host namespaces are not allowed`,
            `${rule}: ${API}: spec.hostPID is true; host namespaces are not allowed`,
            `${rule}: ${API}: volume "host" is a hostPath (/var/lib); use emptyDir, a PVC, a ConfigMap or a Secret`,
        ]);
    });
    it("lets a container override the pod: runAsNonRoot false and seccomp unset at both levels fail", () => {
        const msgs = broken(rule, (s) => {
            const spec = get(s, API).spec.template.spec;
            spec.securityContext = { runAsNonRoot: true };
            spec.containers[0].securityContext.runAsNonRoot = false;
        });
        assert.deepEqual(msgs, [
            `${rule}: ${APP}: runAsNonRoot is false (pod and container securityContext); set runAsNonRoot: true`,
            `${rule}: ${APP}: seccompProfile.type is unset (pod and container securityContext); use RuntimeDefault or Localhost`,
        ]);
    });
    it("accepts container-level settings and Localhost seccomp", () => {
        assert.deepEqual(broken(rule, (s) => {
            const spec = get(s, API).spec.template.spec;
            spec.securityContext = {};
            Object.assign(spec.containers[0].securityContext, { runAsNonRoot: true, seccompProfile: { type: "Localhost", localhostProfile: "p.json" } });
        }), []);
    });
});

describe("policy: namespace-pod-security", () => {
    const rule = "namespace-pod-security";
    const label = "pod-security.kubernetes.io/enforce";
    const withNs = (ns: K8sObject, exemptions: { rule: string; resource: string; reason: string }[] = []) =>
        messages(run([...compliantStack(), ns], {}, { exemptions }), rule);
    it("requires the label", () => {
        assert.deepEqual(withNs(namespace("extra", null)), [`${rule}: Namespace/extra: has no label ${label}; set it to "restricted"`]);
    });
    it("rejects baseline unless a pod-security-restricted exemption names a resource in the namespace", () => {
        assert.deepEqual(withNs(namespace("extra", "baseline")), [
            `${rule}: Namespace/extra: ${label} is "baseline"; allowed: "restricted" ("baseline" needs a pod-security-restricted exemption for a resource in this namespace)`]);
        const exemption = { rule: "pod-security-restricted", resource: "Deployment/extra/frontend", reason: "root apache" };
        assert.deepEqual(withNs(namespace("extra", "baseline"), [exemption]), []);
        assert.deepEqual(withNs(namespace("extra", "privileged"), [exemption]), [
            `${rule}: Namespace/extra: ${label} is "privileged"; allowed: "restricted" or "baseline" (a pod-security-restricted exemption names a resource in this namespace)`]);
    });
});

describe("policy: no-default-namespace", () => {
    const rule = "no-default-namespace";
    it("rejects the default namespace and a namespaced object without one", () => {
        const msgs = broken(rule, (s) => {
            get(s, API).metadata = { ...get(s, API).metadata, namespace: "default" };
            delete get(s, "ConfigMap/cache/redis-cache-config").metadata?.namespace;
        });
        assert.deepEqual(msgs, [
            `${rule}: ConfigMap/default/redis-cache-config: has no namespace, so it lands in "default"; put it in a dedicated namespace`,
            `${rule}: Deployment/default/api: is in the "default" namespace; put it in a dedicated namespace`,
        ]);
    });
});

describe("policy: environment-labels", () => {
    const rule = "environment-labels";
    const tail = (env: string) => `expected "${env}" (this stack's environment: prod and non-prod never mix)`;
    it("requires environment=<stack environment> on workloads, pod templates and namespaces", () => {
        const msgs = broken(rule, (s) => {
            const d = get(s, API);
            d.metadata = { ...d.metadata, labels: { ...d.metadata?.labels, environment: "prod" } };
            delete d.spec.template.metadata.labels.environment;
            delete get(s, "Namespace/shop").metadata?.labels?.environment;
        });
        assert.deepEqual(msgs, [
            `${rule}: ${API} pod template: has no label environment; ${tail("dev")}`,
            `${rule}: ${API}: has label environment="prod"; ${tail("dev")}`,
            `${rule}: Namespace/shop: has no label environment; ${tail("dev")}`,
        ]);
    });
    it("flags every dev object when the stack is prod", () => {
        const vs = run(compliantStack(), {}, { environment: "prod" });
        assert.ok(messages(vs, rule).includes(`${rule}: ${CACHE}: has label environment="dev"; ${tail("prod")}`));
    });
    it("refuses to run without an environment in pack config", () => {
        assert.throws(() => evaluate(compliantStack(), {}), {
            message: `pack config ${rule}.environment is required (dev or prod); generate the pack config with policy/stack-config.ts`,
        });
    });
});
