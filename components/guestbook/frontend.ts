/**
 * The guestbook frontend's pod, for the frontend stack config chose (config/guestbook.ts). Both keep
 * the seed's contract (a page, guestbook.php, Redis found as redis-leader/redis-follower through
 * GET_HOSTS_FROM=dns) and both are reached on the Service's port 80; they differ in how they run:
 *   own       services/guestbook-frontend: uid 65532 on 8080, restricted, read-only root filesystem,
 *             liveness on its /healthz
 *   upstream  gb-frontend: Apache as root on port 80, only with a pod-security-restricted exemption
 *             (the namespace then enforces baseline); it has no health route, so liveness is TCP
 */
import * as k8s from "@pulumi/kubernetes";
import type { GuestbookFrontendConfig, Resources } from "../../config";
import type { RunAs } from "../shared/security";
import { resourceRequirements } from "../shared/workload";

type Container = k8s.types.input.core.v1.Container;

/** The port clients use on the frontend Service, whichever frontend runs behind it (seed: 80). */
export const FRONTEND_SERVICE_PORT = 80;
/** The project's frontend listens above 1024, as a non-root process must. */
export const OWN_FRONTEND_PORT = 8080;
/** The image's user (nonroot), as order-service's. */
export const OWN_FRONTEND_RUN_AS: RunAs = { user: 65532, group: 65532 };

export interface FrontendPod {
    readonly container: Container;
    /** The container port NetworkPolicy admits. */
    readonly port: number;
    /** False only for the upstream image, which stack config must exempt (config/guestbook.ts checks). */
    readonly restricted: boolean;
    readonly runAs?: RunAs;
}

export function frontendPod(frontend: GuestbookFrontendConfig, resources: Resources): FrontendPod {
    const own = frontend.kind === "own";
    const port = own ? OWN_FRONTEND_PORT : FRONTEND_SERVICE_PORT;
    const container: Container = {
        name: own ? "frontend" : "php-redis",
        image: frontend.image,
        env: [
            { name: "GET_HOSTS_FROM", value: "dns" },
            ...(own ? [{ name: "PORT", value: String(port) }] : []),
        ],
        ports: [{ name: "http", containerPort: port, protocol: "TCP" }],
        resources: resourceRequirements(resources),
        readinessProbe: { httpGet: { path: "/", port: "http" }, initialDelaySeconds: own ? 1 : 3, periodSeconds: 5 },
        livenessProbe: own
            ? { httpGet: { path: "/healthz", port: "http" }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 2 }
            : { tcpSocket: { port: "http" }, initialDelaySeconds: 15, periodSeconds: 10 },
    };
    return { container, port, restricted: own, runAs: own ? OWN_FRONTEND_RUN_AS : undefined };
}
