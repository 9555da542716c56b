/**
 * The platform's section of the stack configuration (seed 003: namespace, quota, gateway,
 * services, Ingress, HPA, and which order service runs), parsed with the shared reader.
 */
import { parseQuantity } from "../components/shared/quantity";
import { PROJECT, Reader, Resources } from "./reader";

/**
 * The order service: the real one (services/order-service, built by scripts/images.sh) or, with
 * orderImage "echo", the seed's http-echo placeholder that answers a fixed text from echoImage.
 */
export type OrderServiceConfig =
    | { readonly kind: "service"; readonly image: string }
    | { readonly kind: "echo" };

export interface PlatformConfig {
    readonly namespace: string;
    readonly quota: {
        readonly requestsCpu: string;
        readonly requestsMemory: string;
        readonly limitsCpu: string;
        readonly limitsMemory: string;
        readonly pods: number;
    };
    readonly limitRange: { readonly defaultRequest: { cpu: string; memory: string }; readonly default: { cpu: string; memory: string } };
    readonly gatewayImage: string;
    readonly gatewayReplicas: number;
    readonly echoImage: string;
    readonly order: OrderServiceConfig;
    readonly serviceReplicas: number;
    readonly resources: Resources;
    readonly ingress: { readonly enabled: boolean; readonly className: string; readonly host: string; readonly await: boolean };
    readonly hpa: { readonly minReplicas: number; readonly maxReplicas: number; readonly cpuTarget: number };
}

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** "echo", or an image with a pinned tag that is not http-echo itself (it would get the real service's env and probes). */
function orderService(r: Reader): OrderServiceConfig {
    const v = r.value("orderImage");
    if (v === undefined || v === "echo") return { kind: "echo" }; // a missing key is reported already
    if (v.trim() === "") {
        r.problems.push(`${PROJECT}:orderImage: "" is empty; use "echo" for the http-echo placeholder, or the order service's image with a pinned tag (for example localhost/redis-platform/order-service:0.1.0)`);
        return { kind: "echo" };
    }
    const image = r.image("orderImage");
    if (/(^|\/)http-echo(:|@|$)/.test(image)) {
        r.problems.push(`${PROJECT}:orderImage: ${JSON.stringify(image)} is the http-echo placeholder; use "echo" to run it (from echoImage) with the seed's fixed response, or the order service's image`);
    }
    return { kind: "service", image };
}

export function parsePlatform(r: Reader, namespaces: Map<string, string>): PlatformConfig {
    const hpa = { minReplicas: r.int("hpaMinReplicas", 1, 100), maxReplicas: r.int("hpaMaxReplicas", 1, 100), cpuTarget: r.int("hpaCpuTarget", 1, 100) };
    if (hpa.minReplicas > hpa.maxReplicas) {
        r.problems.push(`${PROJECT}:hpaMinReplicas: ${hpa.minReplicas} is above hpaMaxReplicas (${hpa.maxReplicas}); use a value from 1 to ${hpa.maxReplicas}`);
    }
    const ingressHost = r.str("ingressHost");
    if (!HOSTNAME.test(ingressHost)) {
        r.problems.push(`${PROJECT}:ingressHost: ${JSON.stringify(ingressHost)} is not a valid host name; use a lowercase DNS name such as shop.example.com`);
    }
    const limitRange = {
        defaultRequest: { cpu: r.quantity("platformDefaultCpuRequest").text, memory: r.quantity("platformDefaultMemoryRequest").text },
        default: { cpu: r.quantity("platformDefaultCpuLimit").text, memory: r.quantity("platformDefaultMemoryLimit").text },
    };
    const fields = {
        namespace: r.namespace("platformNamespace", namespaces),
        quota: {
            requestsCpu: r.quantity("platformQuotaRequestsCpu").text,
            requestsMemory: r.quantity("platformQuotaRequestsMemory").text,
            limitsCpu: r.quantity("platformQuotaLimitsCpu").text,
            limitsMemory: r.quantity("platformQuotaLimitsMemory").text,
            pods: r.int("platformQuotaPods", 1, 1000),
        },
        limitRange,
        gatewayImage: r.image("gatewayImage"),
        gatewayReplicas: r.int("gatewayReplicas", 1, 50),
        echoImage: r.image("echoImage"),
        order: orderService(r),
        serviceReplicas: r.int("serviceReplicas", 1, 50),
        resources: r.resources("platform"),
        ingress: { enabled: r.bool("ingressEnabled"), className: r.str("ingressClass"), host: ingressHost, await: r.bool("ingressAwait") },
        hpa,
    };
    const { memoryLimitBytes: _limit, ...resources } = fields.resources;
    const platform: PlatformConfig = { ...fields, resources };
    checkQuota(r, platform);
    return platform;
}

/** The platform's quota must admit every pod it can run at full scale, or the HPA silently stalls. */
function checkQuota(r: Reader, p: PlatformConfig): void {
    const pods = p.gatewayReplicas + 2 * p.serviceReplicas + p.hpa.maxReplicas;
    const breakdown = `gateway ${p.gatewayReplicas} + user-service ${p.serviceReplicas} + order-service ${p.serviceReplicas} + product-service up to ${p.hpa.maxReplicas}`;
    if (p.quota.pods < pods) {
        r.problems.push(`${PROJECT}:platformQuotaPods: ${p.quota.pods} is below the ${pods} pods the platform can run (${breakdown}); raise it to at least ${pods}`);
    }
    const checks: [string, string, string][] = [
        ["platformQuotaRequestsCpu", p.quota.requestsCpu, p.resources.cpuRequest],
        ["platformQuotaRequestsMemory", p.quota.requestsMemory, p.resources.memoryRequest],
        ["platformQuotaLimitsCpu", p.quota.limitsCpu, p.resources.cpuLimit],
        ["platformQuotaLimitsMemory", p.quota.limitsMemory, p.resources.memoryLimit],
    ];
    for (const [key, quota, perPod] of checks) {
        const [q, each] = [parseQuantity(quota), parseQuantity(perPod)];
        if (q !== undefined && each !== undefined && q < each * pods) {
            r.problems.push(`${PROJECT}:${key}: ${quota} is below what the platform needs at full scale (${pods} pods x ${perPod}); raise it or lower the per-pod value`);
        }
    }
}
