/**
 * A service of services/<name> in its own process (its main.ts, as the container runs main.js),
 * with only the environment a Deployment would set: for tests of start-up and SIGTERM.
 */
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { ROOT } from "../../scripts/lib/stack-files";

export interface Child {
    readonly proc: ChildProcess;
    /** stdout and stderr so far. */
    output(): string;
    exited: Promise<number | null>;
}

export function runService(name: string, env: Record<string, string>): Child {
    const proc = spawn(process.execPath, ["-r", "ts-node/register", path.join("services", name, "src", "main.ts")], {
        cwd: ROOT,
        // only what the Deployment sets (plus PATH and ts-node's switch), as in the container
        env: { PATH: process.env.PATH ?? "", TS_NODE_TRANSPILE_ONLY: "true", ...env },
        stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    proc.stdout!.on("data", (c) => (out += c));
    proc.stderr!.on("data", (c) => (out += c));
    const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
    return { proc, output: () => out, exited };
}
