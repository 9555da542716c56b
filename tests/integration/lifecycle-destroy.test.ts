/**
 * The end of the lifecycle suite's stack where no post-deploy tests take it over (the simulated
 * node: CLUSTER_NODE=kwok): destroy, with claims deleted (dev retention is Delete), and a second
 * destroy that is a no-op. On the real node tests/deployed/destroy.test.ts does this instead.
 */
import { destroyCompletely } from "./helpers/destroy";
import { generatedStack } from "./helpers/stacks";
import { NAMESPACES, OVERRIDES, STACK } from "../deployed/helpers/deployment";

describe("dev stack lifecycle: destroy", function () {
    this.timeout(10 * 60_000);

    it("destroys everything it created (claims deleted: dev retention is Delete), and a second destroy is a no-op", async () => {
        const stack = await generatedStack(STACK, "dev", OVERRIDES);
        await destroyCompletely(stack, NAMESPACES);
    });
});
