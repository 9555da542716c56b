import * as assert from "assert/strict";
import * as fs from "fs";
import * as path from "path";
import { SECTIONS, generated, readmeSection } from "../../scripts/readme-reference";
import { ROOT } from "../../scripts/lib/stack-files";

describe("README", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

    for (const name of Object.keys(SECTIONS)) {
        it(`has the ${name} table its sources generate (npm run readme:reference)`, () => {
            assert.equal(readmeSection(readme, name), generated(name));
        });
    }

    it("names the two set-up commands, and package.json defines them", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        assert.match(readme, /^npm run deploy\s+#/m);
        assert.match(readme, /^npm test\s+#/m);
        assert.equal(pkg.scripts.deploy, "bash scripts/stack.sh up dev");
        assert.equal(pkg.scripts.test, "bash scripts/test.sh");
    });
});
