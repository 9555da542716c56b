// Starts the real PolicyPack, compiled as every preview runs it (policy/bin/index.js), in a child process and drives it over gRPC the way the
// Pulumi CLI does (GetAnalyzerInfo, Configure, Analyze, AnalyzeStack), without needing the CLI.
//
//   node -r ts-node/register tests/policy/pack-smoke.ts        (exit 0 when the pack answers as expected)
import { spawn } from "child_process";
import * as grpc from "@grpc/grpc-js";
import * as pb from "@pulumi/pulumi/proto/analyzer_pb";
import * as rpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { rules } from "../../policy/rules";
import { buildPackConfig } from "../../policy/stack-config";
import { policyPackDir } from "../../scripts/lib/stack-files";

const LEVEL = { advisory: 0, mandatory: 1, disabled: 2 } as const;
const deployment = {
    apiVersion: "apps/v1", kind: "Deployment",
    metadata: { name: "web", namespace: "shop", labels: { environment: "dev" } },
    spec: { replicas: 1, template: { metadata: { labels: { app: "web", environment: "dev" } }, spec: { containers: [{ name: "web", image: "nginx:latest" }] } } },
};

function unary<Req, Res>(client: rpc.AnalyzerClient, method: string, req: Req): Promise<Res> {
    const fn = (client as unknown as Record<string, (r: Req, cb: (e: Error | null, res: Res) => void) => void>)[method].bind(client);
    return new Promise((resolve, reject) => fn(req, (e, res) => (e ? reject(e) : resolve(res))));
}

async function smoke(port: string): Promise<string[]> {
    const client = new rpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    try {
        const info = await unary<Empty, pb.AnalyzerInfo>(client, "getAnalyzerInfo", new Empty());
        if (info.getPoliciesList().length !== rules.length) throw new Error(`pack serves ${info.getPoliciesList().length} policies, rules.ts has ${rules.length}`);
        const config = buildPackConfig({ environment: "dev", exemptions: [] });
        const req = new pb.ConfigureAnalyzerRequest();
        for (const r of rules) {
            // As the CLI does: schema defaults filled in, then the entry's own values.
            const props: Record<string, unknown> = Object.fromEntries(Object.entries(r.settings).map(([k, s]) => [k, s.default]));
            Object.assign(props, config[r.name]);
            const pc = new pb.PolicyConfig();
            pc.setEnforcementlevel(LEVEL[r.enforcementLevel]);
            pc.setProperties(Struct.fromJavaScript(props as never));
            req.getPolicyconfigMap().set(r.name, pc);
        }
        await unary(client, "configure", req);
        const a = new pb.AnalyzeRequest();
        a.setType("kubernetes:apps/v1:Deployment");
        a.setName("web");
        a.setUrn("urn:pulumi:dev::redis-platform::kubernetes:apps/v1:Deployment::web");
        a.setProperties(Struct.fromJavaScript(deployment as never));
        a.setOptions(new pb.AnalyzerResourceOptions());
        const res = await unary<pb.AnalyzeRequest, pb.AnalyzeResponse>(client, "analyze", a);
        return res.getDiagnosticsList().map((d) => `${d.getPolicyname()}: ${d.getMessage().split("\n").pop()}`);
    } finally {
        client.close();
    }
}

if (require.main === module) {
    const pack = spawn(process.execPath, ["index.js"], { cwd: policyPackDir(), stdio: ["ignore", "pipe", "inherit"] });
    const timer = setTimeout(() => { process.stderr.write("pack-smoke: the pack printed no port within 60s\n"); pack.kill(); process.exit(2); }, 60000);
    pack.stdout.once("data", (buf: Buffer) => {
        clearTimeout(timer);
        smoke(buf.toString().trim()).then((diags) => {
            process.stdout.write(`${diags.join("\n")}\n`);
            const ok = diags.some((d) => d.startsWith("image-tag-pinned: ") && d.includes('"nginx:latest"'));
            process.stdout.write(`pack-smoke: ${ok ? "ok" : "FAILED: no image-tag-pinned violation"} (${diags.length} diagnostics from the compiled pack, policy/bin/index.js)\n`);
            process.exitCode = ok ? 0 : 1;
        }, (e: Error) => {
            process.stderr.write(`pack-smoke: ${e.message}\n`);
            process.exitCode = 2;
        }).finally(() => pack.kill());
    });
}
