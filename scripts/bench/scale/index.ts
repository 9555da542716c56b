/**
 * Bench-only program: the platform's backend shape (a Deployment with its Service, budget and a
 * NetworkPolicy opening its port to the gateway; components/platform's `backend`) repeated
 * `services` times in one isolated namespace, built with the product's own helpers, so the bench
 * shows how preview and up grow with the number of services without changing the product.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { labelsFor } from "../../../components/shared/labels";
import { allowIngress, isolatedNamespace, peer } from "../../../components/shared/network";
import { resourceRequirements, servedDeployment } from "../../../components/shared/workload";
import { ECHO_PORT } from "../../../components/platform/gateway";

const config = new pulumi.Config();
const services = config.requireNumber("services");
const namespaceName = config.require("namespace");
const image = config.require("image");
const environment = "dev";
const provider = new k8s.Provider("k8s", { kubeconfig: config.require("kubeconfig"), context: "embedded", enableServerSideApply: true });

class Services extends pulumi.ComponentResource {
    constructor(name: string, opts: pulumi.ComponentResourceOptions) {
        super("bench-scale:index:Services", name, {}, opts);
        const base = labelsFor({ name: "bench-scale", instance: name, component: "platform", environment });
        const gateway = labelsFor({ name: "api-gateway", instance: name, component: "gateway", environment });
        const ns = isolatedNamespace(this, name, { name: namespaceName, labels: base });
        for (let i = 0; i < services; i++) {
            const svc = `svc-${i}`;
            const l = labelsFor({ name: "http-echo", instance: name, component: svc, environment });
            servedDeployment(this, `${name}-${svc}`, {
                // One pod each: 50 services fit beside the dev stack on the one real node (110 pods at most).
                name: svc, namespace: ns.metadata.name, labels: l, replicas: 1, spreadOverNodes: true, runAs: { user: 65532, group: 65532 },
                containers: [{
                    name: "app",
                    image,
                    args: [`-text=${svc}`, `-listen=:${ECHO_PORT}`],
                    ports: [{ name: "http", containerPort: ECHO_PORT, protocol: "TCP" }],
                    resources: resourceRequirements({ cpuRequest: "10m", cpuLimit: "50m", memoryRequest: "16Mi", memoryLimit: "32Mi" }),
                    readinessProbe: { httpGet: { path: "/", port: ECHO_PORT }, initialDelaySeconds: 2, periodSeconds: 5 },
                    livenessProbe: { tcpSocket: { port: ECHO_PORT }, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 3 },
                }],
                service: { name: svc, portName: "http" },
            });
            allowIngress(this, `${name}-${svc}-from-gateway`, {
                name: `${svc}-from-gateway`, namespace: ns.metadata.name, labels: l, podSelector: l.selector, port: ECHO_PORT, from: [peer(gateway.selector)],
            });
        }
        this.registerOutputs({});
    }
}

new Services("scale", { provider });
export const deployedServices = services;
