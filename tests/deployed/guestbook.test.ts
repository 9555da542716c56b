/** The guestbook as `pulumi up` deployed it: an entry written through the frontend Service is read back through it. */
import * as assert from "assert/strict";
import { eventually } from "../helpers/cluster";
import { call } from "../helpers/http-client";
import { Deployed, NAMESPACES, requireDeployment, resolveInCluster } from "./helpers/deployment";

describe("deployed: guestbook", function () {
    this.timeout(5 * 60_000);
    let d: Deployed;

    before(async function () {
        d = await requireDeployment(this);
    });

    it("serves the page, stores an entry on the leader and reads it back from the followers", async () => {
        assert.equal(d.outputs.guestbookFrontendHost, `frontend.${NAMESPACES.guestbook}.svc.cluster.local`);
        const ip = await resolveInCluster(d.outputs.guestbookFrontendHost);
        const fe = (path: string) => call(d.outputs.guestbookFrontendPort, "GET", path, { host: ip });
        const page = await fe("/");
        assert.equal(page.status, 200);
        assert.match(String(page.body), /guestbook\.php/);
        const value = `,hello from ${process.pid}`;
        const set = await fe(`/guestbook.php?cmd=set&key=messages&value=${encodeURIComponent(value)}`);
        assert.deepEqual([set.status, set.body], [200, { message: "Updated" }]);
        assert.ok(await eventually(async () => (await fe("/guestbook.php?cmd=get&key=messages")).body?.data === value, 15_000, 250),
            `cmd=get did not return ${JSON.stringify(value)}`);
    });
});
