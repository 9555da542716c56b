/**
 * Stack configuration as the Pulumi CLI hands it to the program: the defaults declared in
 * Pulumi.yaml overlaid with Pulumi.<stack>.yaml, every value a string (lists and objects as JSON).
 * The files are read by the policy package's reader, so the program's tests and the policy pack
 * see the same configuration.
 */
import { execFileSync } from "child_process";
import * as path from "path";
import { PROJECT } from "../../config";
import { readStackConfig } from "../../policy/stack-config";

export const ROOT = path.resolve(__dirname, "..", "..");

function asRaw(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/** Full keys (`redis-platform:key`) to raw values for `stack`, with `overrides` (short keys) applied last. */
export function rawStackConfig(stack: string, overrides: Record<string, unknown> = {}): Record<string, string> {
    const { values } = readStackConfig(ROOT, stack);
    const raw: Record<string, string> = {};
    for (const [key, value] of Object.entries({ ...values, ...overrides })) {
        if (value !== undefined) raw[`${PROJECT}:${key}`] = asRaw(value);
    }
    return raw;
}

/** A getter over short keys, as config.ts's parseConfig expects. */
export function rawGetter(stack: string, overrides: Record<string, unknown> = {}): (key: string) => string | undefined {
    const raw = rawStackConfig(stack, overrides);
    return (key) => raw[`${PROJECT}:${key}`];
}

let packDir: string | undefined;
/** The policy pack compiled to JavaScript (policy/bin), built by scripts/policy-pack.sh when its sources changed. */
export function policyPackDir(): string {
    packDir ??= execFileSync("bash", [path.join(ROOT, "scripts", "policy-pack.sh")], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
    return packDir;
}
