import * as assert from "assert/strict";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { ROOT } from "../../scripts/lib/stack-files";

describe("GitHub Actions workflow for users", () => {
    const wf = yaml.load(fs.readFileSync(path.join(ROOT, ".github/workflows/infrastructure.yml"), "utf8")) as any;
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));

    it("pins the Pulumi CLI to the @pulumi/pulumi version of the lock file", () => {
        assert.equal(wf.env.PULUMI_VERSION, lock.packages["node_modules/@pulumi/pulumi"].version);
    });

    it("previews every committed stack on pull requests, with the policy pack and a PR comment", () => {
        const stacks = fs.readdirSync(ROOT).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => !!s && !s.startsWith("ci-") && !s.startsWith("e2e") && s !== "integration");
        assert.deepEqual([...wf.jobs.preview.strategy.matrix.stack].sort(), stacks.sort());
        const step = wf.jobs.preview.steps.find((s: any) => String(s.uses).startsWith("pulumi/actions@"));
        assert.equal(step.with.command, "preview");
        assert.equal(step.with["comment-on-pr"], true);
        assert.equal(step.with.policyPacks, "policy");
    });

    it("runs the README's test command, and up only on main behind an environment", () => {
        assert.ok(wf.jobs.test.steps.some((s: any) => s.run === "npm test"));
        assert.equal(wf.jobs.up.environment, "production");
        assert.match(wf.jobs.up.if, /refs\/heads\/main/);
    });
});
