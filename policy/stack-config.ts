// Stack config -> pack config. Reads Pulumi.yaml (project defaults) and Pulumi.<stack>.yaml
// (`redis-platform:<key>` values) and writes the JSON for `pulumi preview --policy-pack-config`
// and live-check.ts. Exemptions exist only because the stack config names them, with a reason.
//
//   node -r ts-node/register policy/stack-config.ts --stack dev [--root .] [--overrides o.json] [--out f.json]
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ENVIRONMENTS, PackConfig, entryProps, validateExemptions } from "./lib/config";
import { Exemption } from "./lib/types";
import { exemptableRules, ruleNames } from "./rules";

export interface StackSettings {
    environment: string;
    exemptions: Exemption[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function readYaml(file: string): Record<string, unknown> {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new Error(`cannot read ${file}: ${(e as Error).message}`);
    }
    const doc = yaml.load(text);
    if (doc === undefined || doc === null) return {};
    if (!isObject(doc)) throw new Error(`${file} must be a YAML mapping`);
    return doc;
}

/** A config value as written: `pulumi config set` may have stored a list as a JSON string. */
function structured(v: unknown): unknown {
    if (typeof v === "string" && /^\s*[[{]/.test(v)) {
        try { return JSON.parse(v); } catch { return v; }
    }
    return v;
}

/** Project config of Pulumi.yaml overlaid with the stack's values, keyed without the project prefix. */
export function readStackConfig(root: string, stack: string): { project: string; values: Record<string, unknown> } {
    const project = readYaml(path.join(root, "Pulumi.yaml"));
    const name = typeof project.name === "string" ? project.name : "";
    if (!name) throw new Error(`${path.join(root, "Pulumi.yaml")} has no project name`);
    const values: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(isObject(project.config) ? project.config : {})) {
        // `key: {type, default, description}` declares a key; `key: value` is a plain default.
        const declared = isObject(v) && ("type" in v || "default" in v || "description" in v || "value" in v);
        values[k.replace(`${name}:`, "")] = structured(declared ? (v.value ?? v.default) : v);
    }
    const stackFile = readYaml(path.join(root, `Pulumi.${stack}.yaml`));
    for (const [k, v] of Object.entries(isObject(stackFile.config) ? stackFile.config : {})) {
        if (k.includes(":") && !k.startsWith(`${name}:`)) continue;
        values[k.replace(`${name}:`, "")] = structured(v);
    }
    return { project: name, values };
}

/** The stack's environment and validated exemptions; errors say which key to fix. */
export function readStackSettings(root: string, stack: string): StackSettings {
    const { project, values } = readStackConfig(root, stack);
    const environment = values.environment;
    if (typeof environment !== "string" || !ENVIRONMENTS.includes(environment)) {
        throw new Error(`${project}:environment must be one of ${ENVIRONMENTS.join(", ")}, got ${JSON.stringify(environment)}`);
    }
    try {
        return { environment, exemptions: validateExemptions(values.policyExemptions, exemptableRules) };
    } catch (e) {
        throw new Error(`${project}:${(e as Error).message}`);
    }
}

/**
 * Pack config for the stack: every policy entry repeats environment and exemptions (Pulumi gives
 * each policy only its own entry), then any overrides (levels, settings) are laid on top.
 */
export function buildPackConfig(settings: StackSettings, overrides: PackConfig = {}): PackConfig {
    const out: PackConfig = {};
    if (overrides.all !== undefined) out.all = overrides.all;
    for (const name of ruleNames) {
        const o = overrides[name];
        const level = typeof o === "string" ? o : o?.enforcementLevel;
        out[name] = {
            ...(level !== undefined ? { enforcementLevel: level } : {}),
            environment: settings.environment,
            exemptions: settings.exemptions.map((e) => ({ ...e })),
            ...entryProps(o),
        };
    }
    for (const k of Object.keys(overrides)) {
        if (k !== "all" && !ruleNames.includes(k)) throw new Error(`overrides name unknown policy "${k}"; known: all, ${ruleNames.join(", ")}`);
    }
    return out;
}

function main(argv: string[]): void {
    const arg = (flag: string): string | undefined => {
        const i = argv.indexOf(flag);
        return i >= 0 ? argv[i + 1] : undefined;
    };
    const stack = arg("--stack");
    if (!stack) throw new Error("usage: stack-config.ts --stack <name> [--root <dir>] [--overrides <file.json>] [--out <file.json>]");
    const root = arg("--root") ?? path.resolve(__dirname, "..");
    const overridesFile = arg("--overrides");
    const overrides = overridesFile ? JSON.parse(fs.readFileSync(overridesFile, "utf8")) as PackConfig : {};
    const json = `${JSON.stringify(buildPackConfig(readStackSettings(root, stack), overrides), null, 2)}\n`;
    const out = arg("--out");
    if (out) fs.writeFileSync(out, json);
    else process.stdout.write(json);
}

if (require.main === module) {
    try {
        main(process.argv.slice(2));
    } catch (e) {
        process.stderr.write(`stack-config: ${(e as Error).message}\n`);
        process.exit(2);
    }
}
