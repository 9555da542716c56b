/**
 * The guestbook's section of the stack configuration (seed 002), parsed with the shared reader.
 *
 * Which frontend runs is chosen like the order service (orderImage "echo"): guestbookFrontendImage
 * is the project's own frontend (services/guestbook-frontend, built by scripts/images.sh), or the
 * word "upstream" for the seed's gb-frontend from guestbookUpstreamFrontendImage. The two keep the
 * same HTTP contract but run differently (uid 65532 on 8080, restricted; Apache as root on 80), so
 * the component has to know which one it runs: an image name alone would leave it guessing.
 */
import type { PolicyExemption } from "../config";
import { PROJECT, Reader, RedisSizing, Resources } from "./reader";

export const SERVICE_TYPES = ["ClusterIP", "NodePort", "LoadBalancer"] as const;

export const OWN_FRONTEND_EXAMPLE = "localhost/redis-platform/guestbook-frontend:0.1.0";

export type GuestbookFrontendConfig =
    /** The project's frontend: non-root on 8080, read-only root filesystem, pod-security-restricted. */
    | { readonly kind: "own"; readonly image: string }
    /** The seed's gb-frontend: Apache as root on port 80, only with a pod-security-restricted exemption. */
    | { readonly kind: "upstream"; readonly image: string };

export interface GuestbookConfig {
    readonly enabled: boolean;
    readonly namespace: string;
    readonly frontend: GuestbookFrontendConfig;
    readonly frontendReplicas: number;
    readonly serviceType: (typeof SERVICE_TYPES)[number];
    readonly redisImage: string;
    readonly followerReplicas: number;
    readonly resources: Resources;
    readonly redis: RedisSizing;
}

function frontend(r: Reader, enabled: boolean, exempt: boolean, exemptionId: string): GuestbookFrontendConfig {
    const key = "guestbookFrontendImage";
    const v = r.value(key);
    const upstreamImage = r.image("guestbookUpstreamFrontendImage");
    if (v === "upstream") {
        if (enabled && !exempt) {
            r.problems.push(`${PROJECT}:${key}: "upstream" runs the seed's gb-frontend (Apache as root on port 80), which breaks pod-security-restricted; add a policyExemptions entry {rule: pod-security-restricted, resource: ${exemptionId}, reason}, or use the project's frontend (for example ${OWN_FRONTEND_EXAMPLE})`);
        }
        return { kind: "upstream", image: upstreamImage };
    }
    if (v !== undefined && v.trim() === "") {
        r.problems.push(`${PROJECT}:${key}: "" is empty; use the project's frontend image with a pinned tag (for example ${OWN_FRONTEND_EXAMPLE}), or "upstream" for the seed's gb-frontend (guestbookUpstreamFrontendImage)`);
        return { kind: "own", image: "" };
    }
    const image = v === undefined ? "" : r.image(key);
    if (/(^|\/)gb-frontend(:|@|$)/.test(image)) {
        r.problems.push(`${PROJECT}:${key}: ${JSON.stringify(image)} is the seed's gb-frontend; use "upstream" to run it (from guestbookUpstreamFrontendImage) as root on port 80 with its policy exemption, or the project's frontend image`);
    } else if (enabled && exempt) {
        r.problems.push(`${PROJECT}:policyExemptions: the pod-security-restricted exemption of ${exemptionId} is not needed: the project's frontend runs as uid 65532 on port 8080 with a read-only root filesystem; remove the exemption, or set ${key} to "upstream"`);
    }
    return { kind: "own", image };
}

export function parseGuestbook(r: Reader, namespaces: Map<string, string>, exemptions: readonly PolicyExemption[]): GuestbookConfig {
    const enabled = r.bool("guestbookEnabled");
    // A disabled guestbook claims no namespace: another system may use the name.
    const namespace = enabled ? r.namespace("guestbookNamespace", namespaces) : r.str("guestbookNamespace");
    const exemptionId = `Deployment/${namespace}/frontend`;
    const exempt = exemptions.some((e) => e.rule === "pod-security-restricted" && e.resource === exemptionId);
    const { memoryLimitBytes: _limit, ...resources } = r.resources("guestbook");
    return {
        enabled,
        namespace,
        frontend: frontend(r, enabled, exempt, exemptionId),
        frontendReplicas: r.int("guestbookFrontendReplicas", 1, 50),
        serviceType: r.oneOf("guestbookServiceType", SERVICE_TYPES, "a Service type"),
        redisImage: r.image("guestbookRedisImage"),
        followerReplicas: r.int("guestbookFollowerReplicas", 0, 10),
        resources,
        redis: r.redis("guestbook"),
    };
}
