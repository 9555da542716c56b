import * as assert from "assert/strict";
import { ProgramRun, Recorded, T, runProgram } from "../helpers/program";

const WORKLOADS: string[] = [T.Deployment, T.StatefulSet];

function podSpecs(run: ProgramRun): [Recorded, any][] {
    return run.resources.filter((r) => WORKLOADS.includes(r.type)).map((r) => [r, r.inputs.spec.template.spec]);
}

/** Every string in `value` with its path, for leak searches. */
function strings(value: unknown, at = ""): [string, string][] {
    if (typeof value === "string") return [[at, value]];
    if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${at}[${i}]`));
    if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => strings(v, at ? `${at}.${k}` : k));
    return [];
}

for (const stack of ["dev", "prod"]) {
    describe(`the whole ${stack} stack`, () => {
        let run: ProgramRun;
        before(async () => {
            run = await runProgram(stack);
        });

        it("never lets the generated password appear outside a Pulumi secret: no ConfigMap, env literal, arg, annotation or export", () => {
            assert.ok(run.password.length >= 16);
            const leaks: string[] = [];
            for (const r of run.resources) {
                for (const [path, text] of strings(r.inputs)) {
                    const inSecret = r.secretPaths.some((p) => path === p || path.startsWith(`${p}.`));
                    if (text.includes(run.password) && !(r.type === T.Secret && inSecret)) leaks.push(`${r.type} ${r.name} ${path}`);
                }
            }
            for (const [path, text] of strings(run.outputs)) if (text.includes(run.password)) leaks.push(`export ${path}`);
            assert.deepEqual(leaks, []);
            assert.deepEqual(run.secretOutputs, [], "no export carries the password, even encrypted");
        });

        it("passes no args into component state (secrets would land in it)", () => {
            const components = run.resources.filter((r) => r.type.startsWith("redis-platform:"));
            assert.deepEqual(components.map((c) => c.type).sort(), stack === "dev"
                ? ["redis-platform:cache:CacheTier", "redis-platform:guestbook:Guestbook", "redis-platform:platform:Platform", "redis-platform:redis:ReplicatedRedis"]
                : ["redis-platform:cache:CacheTier", "redis-platform:platform:Platform", "redis-platform:redis:ReplicatedRedis"]);
            for (const c of components) assert.deepEqual(c.inputs, {}, c.type);
        });

        it("pins every image to a tag that is not latest", () => {
            for (const [r, spec] of podSpecs(run)) {
                for (const c of spec.containers) assert.match(c.image, /^[a-z0-9.\-/]+:(?!latest$)[\w.-]+$/, `${r.name}/${c.name}`);
            }
        });

        it("puts every namespaced object in its system's namespace, none in default", () => {
            const expected = stack === "dev" ? ["ecommerce", "guestbook", "redis", "sample-app"] : ["ecommerce", "redis", "sample-app"];
            const namespaces = run.resources.filter((r) => r.type === T.Namespace).map((r) => r.inputs.metadata.name).sort();
            assert.deepEqual(namespaces, expected);
            for (const r of run.resources.filter((x) => x.type.startsWith("kubernetes:") && x.type !== T.Namespace)) {
                assert.ok(expected.includes(r.inputs.metadata.namespace), `${r.type} ${r.name} in ${r.inputs.metadata.namespace}`);
            }
        });

        it(`labels every object and pod template environment=${stack}`, () => {
            for (const r of run.resources.filter((x) => x.type.startsWith("kubernetes:"))) {
                assert.equal(r.inputs.metadata.labels?.environment, stack, `${r.type} ${r.name}`);
            }
            for (const [r] of podSpecs(run)) assert.equal(r.inputs.spec.template.metadata.labels.environment, stack);
        });

        it("hardens every pod and container (no stack exempts one)", () => {
            for (const [r, spec] of podSpecs(run)) {
                // The one pod that talks to the API (Sentinel mode's role labeler) has its own account.
                assert.equal(spec.automountServiceAccountToken, spec.serviceAccountName === "redis-role-labeler", r.name);
                assert.deepEqual(spec.securityContext.seccompProfile, { type: "RuntimeDefault" }, r.name);
                for (const c of spec.containers) {
                    assert.equal(spec.securityContext.runAsNonRoot, true, r.name);
                    assert.ok(spec.securityContext.runAsUser > 0, r.name);
                    assert.deepEqual(c.securityContext, { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } }, r.name);
                }
            }
        });

        it("gives every container requests, limits and distinct liveness and readiness probes", () => {
            for (const [r, spec] of podSpecs(run)) {
                for (const c of spec.containers) {
                    assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.cpu && c.resources.limits.memory, r.name);
                    assert.ok(c.livenessProbe && c.readinessProbe, r.name);
                    assert.notDeepEqual(c.livenessProbe, c.readinessProbe, r.name);
                }
            }
        });

        it("has every Service select a workload's pods, and a budget for every workload with more than one replica", () => {
            const templates = podSpecs(run).map(([r]) => r.inputs.spec.template.metadata.labels);
            for (const svc of run.resources.filter((r) => r.type === T.Service)) {
                // Less the keys a controller sets on pods at run time (Sentinel mode's role label).
                const runtime: string[] = (svc.inputs.metadata.annotations?.["redis-platform/runtime-selector-keys"] ?? "").split(",");
                const sel = Object.entries(svc.inputs.spec.selector as Record<string, string>).filter(([k]) => !runtime.includes(k));
                assert.ok(templates.some((labels) => sel.every(([k, v]) => labels[k] === v)), `${svc.inputs.metadata.name} selects nothing`);
            }
            const pdbs = run.resources.filter((r) => r.type === T.PDB);
            for (const [r] of podSpecs(run)) {
                const replicas = r.inputs.spec.replicas ?? 2; // HPA-managed: min 2 or more
                if (replicas < 2) continue;
                const covered = pdbs.some((p) => p.inputs.metadata.namespace === r.inputs.metadata.namespace && JSON.stringify(p.inputs.spec.selector.matchLabels) === JSON.stringify(r.inputs.spec.selector.matchLabels));
                assert.ok(covered, `${r.inputs.metadata.name} has no PodDisruptionBudget`);
            }
        });

        it("isolates every namespace: default-deny ingress and Pod Security admission labels", () => {
            for (const ns of run.resources.filter((r) => r.type === T.Namespace)) {
                const name = ns.inputs.metadata.name;
                const deny = run.resources.find((r) => r.type === T.NetworkPolicy && r.inputs.metadata.namespace === name && r.inputs.metadata.name === "default-deny-ingress");
                assert.deepEqual(deny?.inputs.spec, { podSelector: {}, policyTypes: ["Ingress"] }, name);
                assert.ok(["restricted", "baseline"].includes(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"]), name);
            }
        });
    });
}

describe("the stack's provider and exports", () => {
    it("targets the embedded cluster in dev and the prod context in prod", async () => {
        const [dev, prod] = await Promise.all([runProgram("dev"), runProgram("prod")]);
        const provider = (run: ProgramRun) => run.resources.find((r) => r.type === T.Provider)!.inputs;
        assert.equal(provider(dev).kubeconfig, ".cluster/kubeconfig");
        assert.equal(provider(dev).context, "embedded");
        assert.equal(provider(prod).kubeconfig, undefined);
        assert.equal(provider(prod).context, "prod");
    });

    it("exports endpoints and the secret's name, not the password", async () => {
        const dev = await runProgram("dev");
        assert.deepEqual(dev.outputs, {
            environment: "dev",
            cacheHost: "redis-service.sample-app.svc.cluster.local",
            cachePort: 6379,
            redisWriteHost: "redis-master.redis.svc.cluster.local",
            redisReadHost: "redis-replica.redis.svc.cluster.local",
            redisPort: 6379,
            redisNamespace: "redis",
            redisSecretName: "redis-secret",
            redisSecretKey: "password",
            redisSentinelHost: undefined,
            redisSentinelPort: undefined,
            redisMasterSet: undefined,
            platformNamespace: "ecommerce",
            gatewayHost: "api-gateway.ecommerce.svc.cluster.local",
            gatewayPort: 80,
            ingressHost: "ecommerce.local",
            guestbookFrontendHost: "frontend.guestbook.svc.cluster.local",
            guestbookFrontendPort: 80,
        });
    });

    it("exports where Sentinel-aware clients ask for the master in Sentinel mode (prod)", async () => {
        const prod = await runProgram("prod");
        assert.equal(prod.outputs.redisSentinelHost, "redis-sentinel.redis.svc.cluster.local");
        assert.equal(prod.outputs.redisSentinelPort, 26379);
        assert.equal(prod.outputs.redisMasterSet, "mymaster");
        assert.equal(prod.outputs.redisWriteHost, "redis-master.redis.svc.cluster.local");
    });

    it("stops on bad config before registering any resource", async () => {
        await assert.rejects(runProgram("dev", { cacheReplicas: -1 }), (e: Error & { registered?: number }) =>
            e.message.includes("redis-platform:cacheReplicas: -1 is out of range") && e.registered === 0);
    });
});
