/**
 * The container of the real order service (services/order-service, image built by
 * scripts/images.sh): the Redis environment the platform wires plus its read host and port,
 * probes on its own /health and /ready, and a short pause before SIGTERM.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Resources } from "../../config";
import type { RunAs } from "../shared/security";
import { resourceRequirements } from "../shared/workload";
import { ECHO_PORT } from "./gateway";

type Container = k8s.types.input.core.v1.Container;
type Env = k8s.types.input.core.v1.EnvVar;

/** The port the gateway's upstreams use for every backend. */
export const ORDER_PORT = ECHO_PORT;
/** The image's user (nonroot). */
export const ORDER_RUN_AS: RunAs = { user: 65532, group: 65532 };

export interface OrderContainerArgs {
    readonly image: string;
    readonly resources: Resources;
    /** REDIS_HOST, REDIS_PORT and REDIS_PASSWORD (secretKeyRef), as the placeholder gets them too. */
    readonly redisEnv: Env[];
    /** The replicated Redis's read Service (the master's when it has no replicas). */
    readonly readHost: pulumi.Input<string>;
}

export function orderServiceContainer(args: OrderContainerArgs): Container {
    const http = (path: string) => ({ httpGet: { path, port: ORDER_PORT } });
    return {
        name: "app",
        image: args.image,
        ports: [{ name: "http", containerPort: ORDER_PORT, protocol: "TCP" }],
        env: [
            ...args.redisEnv,
            { name: "REDIS_READ_HOST", value: args.readHost },
            { name: "PORT", value: String(ORDER_PORT) },
        ],
        resources: resourceRequirements(args.resources),
        // Ready only while both Redis connections are: a pod that cannot reach Redis leaves the Service.
        readinessProbe: { ...http("/ready"), periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
        // Alive as long as the process answers: a Redis outage must not restart every pod.
        livenessProbe: { ...http("/health"), initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
        // Endpoints and kube-proxy rules drop the pod a moment after it starts terminating; waiting
        // before SIGTERM keeps requests routed there in that moment from being refused.
        lifecycle: { preStop: { sleep: { seconds: 5 } } },
    };
}
