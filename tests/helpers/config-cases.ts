/**
 * Bad stack configurations and the exact message the config module gives for each: one table for
 * the unit suite (parsed in-process) and the integration suite (refused by a real `pulumi preview`).
 * Each entry: [case name, base stack, overrides (short keys), message].
 */
export const BAD_CONFIG: readonly [string, string, Record<string, unknown>, string][] = [
    ["negative replicas", "dev", { cacheReplicas: -1 }, "redis-platform:cacheReplicas: -1 is out of range; use a whole number from 1 to 50"],
    ["non-integer replicas", "dev", { replicatedReplicas: "1.5" }, 'redis-platform:replicatedReplicas: "1.5" is not a whole number; use a whole number from 0 to 10'],
    ["malformed quantity", "dev", { cacheMemoryLimit: "12Gb" }, 'redis-platform:cacheMemoryLimit: "12Gb" is not a Kubernetes quantity; use a number with an optional suffix Ki, Mi, Gi, Ti, k, M, G, T or m (for example 128Mi or 250m)'],
    ["maxmemory at the limit", "dev", { cacheMaxmemory: "128Mi" }, 'redis-platform:cacheMaxmemory: 128Mi is at or above cacheMemoryLimit (128Mi); use "auto" (75% of the limit, 96Mi) or a quantity below the limit'],
    ["maxmemory above the limit", "dev", { replicatedMaxmemory: "1Gi" }, 'redis-platform:replicatedMaxmemory: 1Gi is at or above replicatedMemoryLimit (256Mi); use "auto" (75% of the limit, 192Mi) or a quantity below the limit'],
    ["replicas without persistence", "dev", { replicatedPersistence: false }, "redis-platform:replicatedPersistence: false is not allowed while replicatedReplicas is 2; a master that restarts empty wipes its replicas, so set it to true (or replicatedReplicas to 0)"],
    ["HPA min above max", "dev", { hpaMinReplicas: 5, hpaMaxReplicas: 3 }, "redis-platform:hpaMinReplicas: 5 is above hpaMaxReplicas (3); use a value from 1 to 3"],
    ["unknown environment", "dev", { environment: "staging" }, 'redis-platform:environment: "staging" is not a known environment; use one of dev, prod'],
    ["prod on the dev cluster", "prod", { kubeContext: "embedded" }, 'redis-platform:kubeContext: "embedded" is a development cluster context (listed in devContexts) and this is a prod stack; point kubeContext at the prod cluster, or set clusterGuardOverride to a reason (CI previews only)'],
    ["request above limit", "dev", { cacheMemoryRequest: "256Mi" }, "redis-platform:cacheMemoryRequest: 256Mi is above cacheMemoryLimit (128Mi); a request may not exceed its limit"],
    ["latest tag", "dev", { cacheImage: "redis:latest" }, 'redis-platform:cacheImage: "redis:latest" uses the latest tag; pin a version tag'],
    ["untagged image", "dev", { echoImage: "hashicorp/http-echo" }, 'redis-platform:echoImage: "hashicorp/http-echo" has no tag; pin a version tag (for example hashicorp/http-echo:<version>)'],
    ["string boolean", "dev", { ingressEnabled: "yes" }, 'redis-platform:ingressEnabled: "yes" is not a boolean; use true or false'],
    ["unknown retention", "dev", { replicatedPvcRetention: "Keep" }, 'redis-platform:replicatedPvcRetention: "Keep" is not allowed; use one of Delete, Retain'],
    ["unknown service type", "dev", { guestbookServiceType: "External" }, 'redis-platform:guestbookServiceType: "External" is not a Service type; use one of ClusterIP, NodePort, LoadBalancer'],
    ["unknown eviction policy", "dev", { cacheMaxmemoryPolicy: "lru" }, 'redis-platform:cacheMaxmemoryPolicy: "lru" is not a Redis maxmemory-policy; use one of noeviction, allkeys-lru, allkeys-lfu, allkeys-random, volatile-lru, volatile-lfu, volatile-random, volatile-ttl'],
    ["default namespace", "dev", { cacheNamespace: "default" }, 'redis-platform:cacheNamespace: "default" is not allowed; each system gets a namespace of its own, not default or kube-*'],
    ["invalid namespace", "dev", { platformNamespace: "Shop_1" }, "redis-platform:platformNamespace: \"Shop_1\" is not a valid namespace name; use lowercase letters, digits and '-' (at most 63 characters)"],
    ["shared namespace", "dev", { replicatedNamespace: "sample-app" }, 'redis-platform:replicatedNamespace: "sample-app" is already used by cacheNamespace; each system needs its own namespace'],
    ["quota below the pods", "dev", { platformQuotaPods: 10 }, "redis-platform:platformQuotaPods: 10 is below the 16 pods the platform can run (gateway 2 + user-service 2 + order-service 2 + product-service up to 10); raise it to at least 16"],
    ["quota below the requests", "dev", { platformQuotaRequestsCpu: "500m" }, "redis-platform:platformQuotaRequestsCpu: 500m is below what the platform needs at full scale (16 pods x 50m); raise it or lower the per-pod value"],
    ["bad ingress host", "dev", { ingressHost: "Shop Example" }, 'redis-platform:ingressHost: "Shop Example" is not a valid host name; use a lowercase DNS name such as shop.example.com'],
    ["exemption without reason", "dev", { policyExemptions: [{ rule: "pod-security-restricted", resource: "Deployment/guestbook/frontend" }] }, "redis-platform:policyExemptions[0]: reason is missing; every exemption must say why"],
    ["exemption with a bad resource", "dev", { policyExemptions: [{ rule: "x", resource: "frontend", reason: "r" }] }, 'redis-platform:policyExemptions[0]: resource "frontend" is not of the form <Kind>/<namespace>/<name> (for example Deployment/guestbook/frontend)'],
    ["upstream frontend without its exemption", "dev", { guestbookFrontendImage: "upstream" }, 'redis-platform:guestbookFrontendImage: "upstream" runs the seed\'s gb-frontend (Apache as root on port 80), which breaks pod-security-restricted; add a policyExemptions entry {rule: pod-security-restricted, resource: Deployment/guestbook/frontend, reason}, or use the project\'s frontend (for example localhost/redis-platform/guestbook-frontend:0.1.0)'],
    ["gb-frontend as the own frontend", "dev", { guestbookFrontendImage: "us-docker.pkg.dev/google-samples/containers/gke/gb-frontend:v5" }, 'redis-platform:guestbookFrontendImage: "us-docker.pkg.dev/google-samples/containers/gke/gb-frontend:v5" is the seed\'s gb-frontend; use "upstream" to run it (from guestbookUpstreamFrontendImage) as root on port 80 with its policy exemption, or the project\'s frontend image'],
    ["empty frontend image", "dev", { guestbookFrontendImage: "" }, 'redis-platform:guestbookFrontendImage: "" is empty; use the project\'s frontend image with a pinned tag (for example localhost/redis-platform/guestbook-frontend:0.1.0), or "upstream" for the seed\'s gb-frontend (guestbookUpstreamFrontendImage)'],
    ["exemption the own frontend does not need", "dev", { policyExemptions: [{ rule: "pod-security-restricted", resource: "Deployment/guestbook/frontend", reason: "old habit" }] }, 'redis-platform:policyExemptions: the pod-security-restricted exemption of Deployment/guestbook/frontend is not needed: the project\'s frontend runs as uid 65532 on port 8080 with a read-only root filesystem; remove the exemption, or set guestbookFrontendImage to "upstream"'],
    ["missing key", "dev", { cacheReplicas: undefined }, "redis-platform:cacheReplicas: is not set; Pulumi.yaml declares its default, so run the program through the Pulumi CLI or set the key in Pulumi.<stack>.yaml"],
    ["password too short", "dev", { replicatedPasswordLength: 8 }, "redis-platform:replicatedPasswordLength: 8 is out of range; use a whole number from 16 to 128"],
];
