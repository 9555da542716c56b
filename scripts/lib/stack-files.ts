/**
 * Stack configuration as the Pulumi CLI hands it to the program: the defaults declared in
 * Pulumi.yaml overlaid with Pulumi.<stack>.yaml, every value a string (lists and objects as JSON).
 */
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { PROJECT } from "../../config";

export const ROOT = path.resolve(__dirname, "..", "..");

function asRaw(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

function readYaml(file: string): Record<string, unknown> {
    return (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as Record<string, unknown>;
}

/** Full keys (`redis-platform:key`) to raw values for `stack`, with `overrides` (short keys) applied last. */
export function rawStackConfig(stack: string, overrides: Record<string, unknown> = {}): Record<string, string> {
    const project = readYaml(path.join(ROOT, "Pulumi.yaml"));
    const declared = (project.config ?? {}) as Record<string, { default?: unknown }>;
    const raw: Record<string, string> = {};
    for (const [key, decl] of Object.entries(declared)) {
        if (decl.default !== undefined) raw[`${PROJECT}:${key}`] = asRaw(decl.default);
    }
    const stackFile = path.join(ROOT, `Pulumi.${stack}.yaml`);
    const values = fs.existsSync(stackFile) ? ((readYaml(stackFile).config ?? {}) as Record<string, unknown>) : {};
    for (const [key, value] of Object.entries(values)) raw[key] = asRaw(value);
    for (const [key, value] of Object.entries(overrides)) {
        if (value === undefined) delete raw[`${PROJECT}:${key}`];
        else raw[`${PROJECT}:${key}`] = asRaw(value);
    }
    return raw;
}

/** A getter over short keys, as config.ts's parseConfig expects. */
export function rawGetter(stack: string, overrides: Record<string, unknown> = {}): (key: string) => string | undefined {
    const raw = rawStackConfig(stack, overrides);
    return (key) => raw[`${PROJECT}:${key}`];
}
