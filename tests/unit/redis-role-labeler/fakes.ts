/**
 * Stand-ins for the labeler's two outside parties: an in-memory PodApi and MasterSource for the
 * reconciler, and a small HTTP server speaking the two Kubernetes API calls it makes (list pods,
 * patch a pod), so the real client-node code and the real process are tested on the wire. The
 * real cluster is tested elsewhere.
 */
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import type { PodApi } from "../../../services/redis-role-labeler/src/kube";
import type { PodInfo } from "../../../services/redis-role-labeler/src/plan";
import type { MasterAddr, MasterSource } from "../../../services/redis-role-labeler/src/sentinel";

export const ROLE = "redis-platform/role";
export const OTHER = { "app.kubernetes.io/name": "redis", "app.kubernetes.io/component": "node" };

/** Pods redis-node-0..n-1 on 10.1.0.10.., carrying OTHER labels and the roles given. */
export function redisPods(roles: (string | undefined)[]): PodInfo[] {
    return roles.map((role, i) => ({ name: `redis-node-${i}`, podIP: `10.1.0.${10 + i}`, labels: { ...OTHER, ...(role === undefined ? {} : { [ROLE]: role }) } }));
}

export interface Patch { readonly pod: string; readonly label: string; readonly value: string }

/** Pods in memory; patchLabel records the call and applies it. `fail` makes the next calls throw. */
export class FakePods implements PodApi {
    readonly patches: Patch[] = [];
    fail: { list?: Error; patch?: Error } = {};
    constructor(public pods: PodInfo[]) {}
    async listPods(): Promise<PodInfo[]> {
        if (this.fail.list) throw this.fail.list;
        return this.pods.map((p) => ({ ...p, labels: { ...p.labels } }));
    }
    async patchLabel(pod: string, label: string, value: string): Promise<void> {
        if (this.fail.patch) throw this.fail.patch;
        this.patches.push({ pod, label, value });
        this.pods = this.pods.map((p) => (p.name === pod ? { ...p, labels: { ...p.labels, [label]: value } } : p));
    }
    roles(): Record<string, string | undefined> {
        return Object.fromEntries(this.pods.map((p) => [p.name, p.labels[ROLE]]));
    }
}

/** A Sentinel answer set by the test: an address, null (unknown set) or an Error (no answer). */
export class FakeSentinel implements MasterSource {
    constructor(public answer: MasterAddr | null | Error) {}
    async masterAddr(): Promise<MasterAddr | null> {
        if (this.answer instanceof Error) throw this.answer;
        return this.answer;
    }
    async close(): Promise<void> {
        // nothing to close
    }
}

export interface ApiRequest { readonly method: string; readonly url: string; readonly contentType?: string; readonly body?: unknown }

/** The API server's side of list and patch of pods in one namespace, on 127.0.0.1. */
export class FakeApiServer {
    readonly requests: ApiRequest[] = [];
    /** Status code for the next patches (e.g. 403); undefined: succeed. */
    patchStatus?: number;
    /** Never answer (a stalled API server). */
    stall = false;
    private server?: http.Server;
    private readonly dirs: string[] = [];
    port = 0;
    constructor(readonly namespace: string, public pods: PodInfo[]) {}

    async start(): Promise<void> {
        this.server = http.createServer((req, res) => {
            let text = "";
            req.on("data", (c) => (text += c));
            req.on("end", () => (this.stall ? undefined : this.answer(req, text, res)));
        });
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
        this.port = (this.server!.address() as { port: number }).port;
    }

    async stop(): Promise<void> {
        this.server?.closeAllConnections();
        await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
        for (const dir of this.dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
    }

    /**
     * A kubeconfig (in a new temporary directory) whose only context is this server. Plain HTTP:
     * client-node 1.x allows an http:// server only with insecure-skip-tls-verify.
     */
    kubeconfig(): string {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "role-labeler-kube-"));
        this.dirs.push(dir); // removed by stop()
        const file = path.join(dir, "kubeconfig");
        fs.writeFileSync(file, JSON.stringify({
            apiVersion: "v1", kind: "Config", "current-context": "fake",
            clusters: [{ name: "fake", cluster: { server: `http://127.0.0.1:${this.port}`, "insecure-skip-tls-verify": true } }],
            users: [{ name: "fake", user: { token: "fake-token" } }],
            contexts: [{ name: "fake", context: { cluster: "fake", user: "fake", namespace: this.namespace } }],
        }));
        return file;
    }

    roles(label = ROLE): Record<string, string | undefined> {
        return Object.fromEntries(this.pods.map((p) => [p.name, p.labels[label]]));
    }

    private answer(req: http.IncomingMessage, text: string, res: http.ServerResponse): void {
        const send = (status: number, body: unknown) => {
            res.writeHead(status, { "Content-Type": "application/json" });
            res.end(JSON.stringify(body));
        };
        const url = new URL(req.url ?? "/", "http://api");
        const body = text === "" ? undefined : JSON.parse(text);
        this.requests.push({ method: req.method ?? "", url: `${url.pathname}${url.search}`, contentType: req.headers["content-type"], body });
        const base = `/api/v1/namespaces/${this.namespace}/pods`;
        const wire = (p: PodInfo) => ({ apiVersion: "v1", kind: "Pod", metadata: { name: p.name, namespace: this.namespace, labels: p.labels }, status: { podIP: p.podIP } });
        if (req.method === "GET" && url.pathname === base) {
            return send(200, { apiVersion: "v1", kind: "PodList", metadata: { resourceVersion: "1" }, items: this.pods.map(wire) });
        }
        const name = url.pathname.startsWith(`${base}/`) ? url.pathname.slice(base.length + 1) : "";
        const pod = this.pods.find((p) => p.name === name);
        if (req.method === "PATCH" && pod) {
            if (this.patchStatus !== undefined) {
                return send(this.patchStatus, { kind: "Status", apiVersion: "v1", status: "Failure", message: `pods "${name}" is forbidden: no patch for you`, code: this.patchStatus });
            }
            // A JSON merge patch of metadata.labels, the only kind the labeler sends.
            const labels = { ...pod.labels, ...(body as { metadata: { labels: Record<string, string> } }).metadata.labels };
            this.pods = this.pods.map((p) => (p === pod ? { ...p, labels } : p));
            return send(200, wire({ ...pod, labels }));
        }
        send(404, { kind: "Status", apiVersion: "v1", status: "Failure", message: `${req.method} ${url.pathname} not found`, code: 404 });
    }
}
