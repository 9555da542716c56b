import * as assert from "assert/strict";
import * as fs from "fs";
import * as path from "path";
import { configTable, readmeTable } from "../../scripts/config-reference";
import { ROOT } from "../../scripts/lib/stack-files";

describe("README", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

    it("has the config reference that Pulumi.yaml and the stack files generate (run scripts/config-reference.ts --write)", () => {
        assert.equal(readmeTable(readme), configTable());
    });

    it("names the two set-up commands, and package.json defines them", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        assert.match(readme, /^npm run deploy\s+#/m);
        assert.match(readme, /^npm test\s+#/m);
        assert.ok(pkg.scripts.deploy && pkg.scripts.test, "package.json scripts deploy and test");
    });
});
