import assert from "assert/strict";
import { K8sObject } from "../../policy/rules";
import { broken, get } from "./fixtures";

const API = "Deployment/shop/api";
const CACHE = "Deployment/cache/redis";
const remove = (s: K8sObject[], key: string) => s.splice(s.indexOf(get(s, key)), 1);

describe("policy: pdb-coverage", () => {
    const rule = "pdb-coverage";
    it("requires a PodDisruptionBudget for every workload with 2+ replicas", () => {
        assert.deepEqual(broken(rule, (s) => remove(s, "PodDisruptionBudget/cache/redis")),
            [`${rule}: ${CACHE}: runs 2 replicas but no PodDisruptionBudget selects its pods; add one with maxUnavailable: 1`]);
    });
    it("uses the HPA's minReplicas for an HPA-scaled Deployment", () => {
        assert.deepEqual(broken(rule, (s) => { get(s, API).spec.replicas = 1; remove(s, "PodDisruptionBudget/shop/api"); }),
            [`${rule}: ${API}: runs at least 2 replicas (HorizontalPodAutoscaler/shop/api minReplicas) but no PodDisruptionBudget selects its pods; add one with maxUnavailable: 1`]);
        assert.deepEqual(broken(rule, (s) => { get(s, "HorizontalPodAutoscaler/shop/api").spec.minReplicas = 1; remove(s, "PodDisruptionBudget/shop/api"); }), []);
    });
    it("ignores a budget whose selector misses the pod labels", () => {
        assert.deepEqual(broken(rule, (s) => { get(s, "PodDisruptionBudget/cache/redis").spec.selector.matchLabels["app.kubernetes.io/instance"] = "other"; }),
            [`${rule}: ${CACHE}: runs 2 replicas but no PodDisruptionBudget selects its pods; add one with maxUnavailable: 1`]);
    });
    it("rejects budgets that allow no disruption", () => {
        const tail = "use maxUnavailable >= 1 or minAvailable below 2";
        const withBudget = (b: Record<string, unknown>) => broken(rule, (s) => {
            const spec = get(s, "PodDisruptionBudget/cache/redis").spec;
            delete spec.maxUnavailable;
            Object.assign(spec, b);
        });
        assert.deepEqual(withBudget({ maxUnavailable: 0 }), [`${rule}: ${CACHE}: PodDisruptionBudget/cache/redis allows no voluntary disruption (maxUnavailable 0 with 2 replicas); ${tail}`]);
        assert.deepEqual(withBudget({ minAvailable: 2 }), [`${rule}: ${CACHE}: PodDisruptionBudget/cache/redis allows no voluntary disruption (minAvailable 2 with 2 replicas); ${tail}`]);
        assert.deepEqual(withBudget({ minAvailable: "100%" }), [`${rule}: ${CACHE}: PodDisruptionBudget/cache/redis allows no voluntary disruption (minAvailable 100% with 2 replicas); ${tail}`]);
        assert.deepEqual(withBudget({ minAvailable: 1 }), []);
        assert.deepEqual(withBudget({ maxUnavailable: "50%" }), []);
    });
    it("takes the replica threshold from pack config", () => {
        assert.deepEqual(broken(rule, (s) => remove(s, "PodDisruptionBudget/cache/redis"), { [rule]: { minReplicas: 3 } }), []);
    });
});

describe("policy: network-policy-default-deny", () => {
    const rule = "network-policy-default-deny";
    const msg = (ns: string) => `${rule}: Namespace/${ns}: has workloads but no default-deny NetworkPolicy; add one with podSelector {}, policyTypes [Ingress] and no ingress rules`;
    it("requires one per namespace with workloads", () => {
        assert.deepEqual(broken(rule, (s) => remove(s, "NetworkPolicy/shop/default-deny")), [msg("shop")]);
    });
    it("does not count a policy that selects some pods, admits traffic or only covers Egress", () => {
        assert.deepEqual(broken(rule, (s) => { get(s, "NetworkPolicy/shop/default-deny").spec.podSelector = { matchLabels: { a: "b" } }; }), [msg("shop")]);
        assert.deepEqual(broken(rule, (s) => { get(s, "NetworkPolicy/shop/default-deny").spec.ingress = [{}]; }), [msg("shop")]);
        assert.deepEqual(broken(rule, (s) => { get(s, "NetworkPolicy/shop/default-deny").spec.policyTypes = ["Egress"]; }), [msg("shop")]);
    });
    it("accepts policyTypes left to the API server's default (Ingress)", () => {
        assert.deepEqual(broken(rule, (s) => { delete get(s, "NetworkPolicy/shop/default-deny").spec.policyTypes; }), []);
    });
});

describe("policy: redis-network-access", () => {
    const rule = "redis-network-access";
    const tail = "admit Redis only from specific pods (a podSelector with labels)";
    const setFrom = (from: unknown) => broken(rule, (s) => { get(s, "NetworkPolicy/cache/redis-clients").spec.ingress[0].from = from; });
    it("requires an allow rule naming client pods", () => {
        assert.deepEqual(broken(rule, (s) => remove(s, "NetworkPolicy/cache/redis-clients")),
            [`${rule}: ${CACHE}: no NetworkPolicy admits port 6379 from specific pods; add an ingress rule whose from names its clients with a podSelector`]);
    });
    it("rejects rules open to any source", () => {
        const at = `${rule}: ${CACHE}: NetworkPolicy/cache/redis-clients ingress rule 1 admits port 6379 from`;
        assert.deepEqual(setFrom(undefined), [`${at} any source (empty from); ${tail}`]);
        assert.deepEqual(setFrom([]), [`${at} any source (empty from); ${tail}`]);
        assert.deepEqual(setFrom([{ podSelector: {}, namespaceSelector: {} }]), [`${at} every pod in every namespace (podSelector {} with namespaceSelector {}); ${tail}`]);
        assert.deepEqual(setFrom([{ namespaceSelector: {} }]), [`${at} every pod in every namespace (namespaceSelector {}); ${tail}`]);
        assert.deepEqual(setFrom([{ ipBlock: { cidr: "0.0.0.0/0" } }]), [`${at} any address (ipBlock 0.0.0.0/0); ${tail}`]);
    });
    it("counts rules without ports or with the named port as admitting 6379", () => {
        const at = `${rule}: ${CACHE}: NetworkPolicy/cache/redis-clients ingress rule 1 admits port 6379 from any source (empty from); ${tail}`;
        assert.deepEqual(broken(rule, (s) => { const r = get(s, "NetworkPolicy/cache/redis-clients").spec.ingress[0]; r.from = []; delete r.ports; }), [at]);
        assert.deepEqual(broken(rule, (s) => { const r = get(s, "NetworkPolicy/cache/redis-clients").spec.ingress[0]; r.from = []; r.ports = [{ port: "redis" }]; }), [at]);
        assert.deepEqual(broken(rule, (s) => { const r = get(s, "NetworkPolicy/cache/redis-clients").spec.ingress[0]; r.from = []; r.ports = [{ port: 8080 }]; }),
            [`${rule}: ${CACHE}: no NetworkPolicy admits port 6379 from specific pods; add an ingress rule whose from names its clients with a podSelector`]);
    });
});

describe("policy: service-selects-workload", () => {
    const rule = "service-selects-workload";
    it("rejects a Service whose selector matches no pod template", () => {
        assert.deepEqual(broken(rule, (s) => { get(s, "Service/shop/api").spec.selector = { "app.kubernetes.io/name": "apii" }; }),
            [`${rule}: Service/shop/api: selector {app.kubernetes.io/name=apii} matches no workload's pod template in namespace shop; fix the selector or the pod labels`]);
    });
    it("ignores Services without a selector", () => {
        assert.deepEqual(broken(rule, (s) => { delete get(s, "Service/shop/api").spec.selector; }), []);
    });
});

describe("policy: ingress-backend-exists", () => {
    const rule = "ingress-backend-exists";
    const backend = (s: K8sObject[]) => get(s, "Ingress/shop/shop").spec.rules[0].http.paths[0].backend.service;
    it("rejects a backend Service that does not exist", () => {
        assert.deepEqual(broken(rule, (s) => { backend(s).name = "web"; }),
            [`${rule}: Ingress/shop/shop: backend for host "shop.local" path "/" names Service "web", which does not exist in namespace shop`]);
    });
    it("rejects a port the Service does not expose, by number or name", () => {
        assert.deepEqual(broken(rule, (s) => { backend(s).port = { number: 8080 }; }),
            [`${rule}: Ingress/shop/shop: backend for host "shop.local" path "/" names port 8080 of Service "api", which exposes 80 (http)`]);
        assert.deepEqual(broken(rule, (s) => { backend(s).port = { name: "https" }; }),
            [`${rule}: Ingress/shop/shop: backend for host "shop.local" path "/" names port "https" of Service "api", which exposes 80 (http)`]);
        assert.deepEqual(broken(rule, (s) => { backend(s).port = { name: "http" }; }), []);
    });
    it("checks the default backend", () => {
        assert.deepEqual(broken(rule, (s) => { get(s, "Ingress/shop/shop").spec.defaultBackend = { service: { name: "gone", port: { number: 80 } } }; }),
            [`${rule}: Ingress/shop/shop: default backend names Service "gone", which does not exist in namespace shop`]);
    });
});

describe("policy: hpa-target-exists", () => {
    it("rejects an HPA whose target does not exist", () => {
        assert.deepEqual(broken("hpa-target-exists", (s) => { get(s, "HorizontalPodAutoscaler/shop/api").spec.scaleTargetRef.name = "apu"; }),
            ["hpa-target-exists: HorizontalPodAutoscaler/shop/api: scaleTargetRef names Deployment \"apu\", which does not exist in namespace shop"]);
    });
});

describe("policy: redis-service-cluster-ip", () => {
    const rule = "redis-service-cluster-ip";
    const tail = "allowed: ClusterIP (headless is fine), so Redis stays inside the cluster";
    it("rejects NodePort and LoadBalancer Services in front of Redis", () => {
        assert.deepEqual(broken(rule, (s) => { get(s, "Service/cache/redis").spec.type = "NodePort"; }),
            [`${rule}: Service/cache/redis: exposes Redis with type NodePort; ${tail}`]);
        assert.deepEqual(broken(rule, (s) => { get(s, "Service/redis/redis-master-headless").spec = { type: "LoadBalancer", ports: [{ port: 6379 }] }; }),
            [`${rule}: Service/redis/redis-master-headless: exposes Redis with type LoadBalancer; ${tail}`]);
    });
    it("leaves non-Redis Services alone", () => {
        assert.deepEqual(broken(rule, (s) => { get(s, "Service/shop/api").spec.type = "NodePort"; }), []);
    });
    it("flags a selector-less Service that exposes 6379 outside the cluster", () => {
        assert.deepEqual(broken(rule, (s) => { s.push({ apiVersion: "v1", kind: "Service", metadata: { name: "redis-ext", namespace: "redis" },
            spec: { type: "NodePort", ports: [{ port: 6379, targetPort: 6379 }] } }); }),
        [`${rule}: Service/redis/redis-ext: exposes Redis with type NodePort; ${tail}`]);
    });
});
