/**
 * NetworkPolicy as the real node enforces it (kube-router's firewall): Redis only for labelled
 * clients in the namespaces allowed, backends only from the gateway, entry points open.
 * Probes are pods (tests/deployed/helpers/probe.ts); hosts come from the stack's outputs. Each
 * denied connection is checked against the same Service answering an allowed pod, so a refusal
 * means the policy, not a Service without endpoints.
 */
import * as assert from "assert/strict";
import { clients } from "../helpers/cluster";
import { Deployed, NAMESPACES, PREFIX, requireDeployment } from "./helpers/deployment";
import { probe } from "./helpers/probe";

/** What a denied connection looks like: kube-router rejects it (icmp-port-unreachable). */
const REFUSED = /^error ECONNREFUSED/;

describe("deployed: NetworkPolicy enforced", function () {
    this.timeout(10 * 60_000);
    let d: Deployed;
    const outsider = `${PREFIX}-outsider`;
    const redisClient = { "clients.redis-platform/redis": "true" };
    const cacheClient = { "clients.redis-platform/cache": "true" };

    before(async function () {
        d = await requireDeployment(this);
        const { core } = clients();
        await core.createNamespace({ body: { metadata: { name: outsider } } }).catch(() => undefined);
    });

    after(async () => {
        await clients().core.deleteNamespace({ name: outsider }).catch(() => undefined);
    });

    // The probes of a test are independent pods: they run side by side (a refused one takes SETTLE_MS).
    it("lets a pod with the client label in an allowed namespace reach both Redis (an answer: PONG, or NOAUTH without the password)", async () => {
        const redisReply = "^reply [-+]"; // a RESP status or error line
        const [cache, write, read] = await Promise.all([
            probe(NAMESPACES.platform, cacheClient, d.outputs.cacheHost, d.outputs.cachePort, "PING", redisReply),
            probe(NAMESPACES.platform, redisClient, d.outputs.redisWriteHost, d.outputs.redisPort, "PING", redisReply),
            probe(NAMESPACES.platform, redisClient, d.outputs.redisReadHost, d.outputs.redisPort, "PING", redisReply),
        ]);
        assert.match(cache, /^reply \+PONG/);
        assert.match(write, /^reply -NOAUTH/);
        assert.match(read, /^reply -NOAUTH/);
    });

    it("keeps a pod without the client label from opening 6379 on either Redis", async () => {
        const [cache, write] = await Promise.all([
            probe(NAMESPACES.platform, {}, d.outputs.cacheHost, d.outputs.cachePort),
            probe(NAMESPACES.platform, {}, d.outputs.redisWriteHost, d.outputs.redisPort),
        ]);
        assert.match(cache, REFUSED, "the cache tier");
        assert.match(write, REFUSED, "the replicated Redis");
    });

    it("keeps a labelled pod in a namespace that is not a client namespace out", async () => {
        const [cache, write] = await Promise.all([
            probe(outsider, { ...cacheClient, ...redisClient }, d.outputs.cacheHost, d.outputs.cachePort),
            probe(outsider, { ...cacheClient, ...redisClient }, d.outputs.redisWriteHost, d.outputs.redisPort),
        ]);
        assert.match(cache, REFUSED, "the cache tier");
        assert.match(write, REFUSED, "the replicated Redis");
    });

    it("lets only the gateway reach a backend service, and keeps the gateway and the guestbook frontend open", async () => {
        const http = "GET /health HTTP/1.0\r\n"; // the probe ends the line: an empty line ends the request
        const backend = `user-service.${NAMESPACES.platform}.svc.cluster.local`;
        const gateway = await clients().apps.readNamespacedDeployment({ name: "api-gateway", namespace: NAMESPACES.platform });
        const [unlabelled, asGateway, gatewayOpen, frontendOpen] = await Promise.all([
            probe(NAMESPACES.platform, {}, backend, 8080, http),
            probe(NAMESPACES.platform, gateway.spec!.selector.matchLabels!, backend, 8080, http, "^reply HTTP/"),
            probe(outsider, {}, d.outputs.gatewayHost, d.outputs.gatewayPort, http, "^reply HTTP/"),
            probe(outsider, {}, d.outputs.guestbookFrontendHost, d.outputs.guestbookFrontendPort, "GET / HTTP/1.0\r\n", "^reply HTTP/"),
        ]);
        assert.match(unlabelled, REFUSED, "a backend from an unlabelled pod");
        assert.match(asGateway, /^reply HTTP\/1\.[01] 200/, "a backend from a pod with the gateway's labels");
        assert.match(gatewayOpen, /^reply HTTP\/1\.[01] 200/, "the gateway from a namespace that is not a client namespace");
        assert.match(frontendOpen, /^reply HTTP\/1\.[01] 200/, "the guestbook frontend from there");
    });
});
