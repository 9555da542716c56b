/**
 * Connections made from inside the cluster, as a pod with given labels in a given namespace makes
 * them: what NetworkPolicy is about (this machine, the node, is always let through). A probe is a
 * short-lived pod of the order service's image (it has node) that opens a TCP connection, sends
 * one line and reports the first line of the answer, or why it could not connect, in its
 * termination message.
 */
import * as k8s from "@kubernetes/client-node";
import { execFileSync } from "child_process";
import * as path from "path";
import { ROOT } from "../../../scripts/lib/stack-files";
import { clients, eventually } from "../../helpers/cluster";

// A new pod's connections are refused until the node's firewall (kube-router) has added its
// address to the sets of the policies that admit it, a second or two after it starts. So the probe
// keeps trying for SETTLE_MS, as a client that reconnects does: an allowed connection gets through
// within that time, a denied one is still refused (or timed out) at its end.
const SETTLE_MS = 12_000;
const SCRIPT = `
const net = require("net");
const fs = require("fs");
const [host, port, line, expect] = process.argv.slice(1);
const seen = [];
const done = (msg) => {
    const before = seen.filter((s) => s !== msg);
    fs.writeFileSync("/dev/termination-log", msg + (before.length ? " (before: " + [...new Set(before)].join("; ") + ")" : ""));
    process.exit(0);
};
const t0 = Date.now();
function attempt() {
    const s = net.connect({ host, port: Number(port) });
    const failed = (why) => { s.destroy(); seen.push(why); if (Date.now() - t0 > ${SETTLE_MS}) done(why); else setTimeout(attempt, 500); };
    s.setTimeout(3000, () => failed("timeout"));
    s.on("error", (e) => failed("error " + e.code));
    s.on("connect", () => s.write(line + "\\r\\n"));
    s.on("data", (d) => {
        const reply = "reply " + d.toString().split("\\r\\n")[0];
        // an unexpected answer names who gave it (the resolved address), for the record
        if (new RegExp(expect).test(reply)) done(reply); else failed(reply + " from " + s.remoteAddress + ":" + s.remotePort);
    });
}
attempt();
`;

let image: string | undefined;
function probeImage(): string {
    if (image) return image;
    const list = execFileSync("bash", [path.join(ROOT, "scripts", "images.sh"), "list"], { encoding: "utf8" });
    image = list.split("\n").find((i) => i.includes("/order-service:"));
    if (!image) throw new Error("scripts/images.sh lists no order-service image");
    return image;
}

let seq = 0;
/**
 * "reply <first line>", "timeout" or "error <code>", from a pod in `namespace` with `labels`: the
 * first reply matching `expect`, or the last outcome once SETTLE_MS have passed. What came before
 * an allowed connection's answer is kept after it in parentheses ("(before: ...)"), for the record.
 */
export async function probe(namespace: string, labels: Record<string, string>, host: string, port: number, line = "PING", expect = "^reply "): Promise<string> {
    const { core } = clients();
    const name = `probe-${process.pid}-${++seq}`;
    const pod: k8s.V1Pod = {
        metadata: { name, namespace, labels: { "app.kubernetes.io/name": "network-probe", ...labels } },
        spec: {
            restartPolicy: "Never",
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } },
            containers: [{
                name: "probe", image: probeImage(), imagePullPolicy: "Never",
                command: ["/usr/local/bin/node", "-e", SCRIPT, host, String(port), line, expect],
                resources: { requests: { cpu: "50m", memory: "32Mi" }, limits: { cpu: "200m", memory: "64Mi" } },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
            }],
        },
    };
    await core.createNamespacedPod({ namespace, body: pod });
    try {
        let message: string | undefined;
        const finished = await eventually(async () => {
            const p = await core.readNamespacedPod({ name, namespace });
            const t = p.status?.containerStatuses?.[0]?.state?.terminated;
            message = t?.message;
            return !!t;
        }, 90_000, 500);
        if (!finished) throw new Error(`probe pod ${namespace}/${name} did not finish within 90s`);
        const result = (message ?? "").trim();
        if (result.includes("(before:")) process.stdout.write(`      (probe ${namespace} -> ${host}:${port}: ${result})\n`);
        return result;
    } finally {
        await core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
    }
}
