/**
 * NetworkPolicy as the real node enforces it (kube-router's firewall): Redis only for labelled
 * clients in the namespaces allowed, backends only from the gateway, entry points open.
 * Probes are pods (tests/deployed/helpers/probe.ts), all started at once; hosts come from the
 * stack's outputs. Each denied connection is checked against the same Service answering an allowed
 * pod, so a refusal means the policy, not a Service without endpoints.
 */
import * as assert from "assert/strict";
import { clients } from "../helpers/cluster";
import { Deployed, NAMESPACES, PREFIX, requireDeployment } from "./helpers/deployment";
import { probe } from "./helpers/probe";

/** What a denied connection looks like: kube-router rejects it (icmp-port-unreachable). */
const REFUSED = /^error ECONNREFUSED/;

describe("deployed: NetworkPolicy enforced", function () {
    this.timeout(10 * 60_000);
    const outsider = `${PREFIX}-outsider`;
    const redisClient = { "clients.redis-platform/redis": "true" };
    const cacheClient = { "clients.redis-platform/cache": "true" };
    const http = "GET /health HTTP/1.0\r\n"; // the probe ends the line: an empty line ends the request
    const redisReply = "^reply [-+]"; // a RESP status or error line
    // Every probe is an independent pod, and a refused one takes SETTLE_MS: all of them are started
    // side by side here, and each test awaits (and asserts on) its own.
    let probes: Record<"allowed" | "unlabelled" | "outsider" | "backend", Promise<string[]>>;

    before(async function () {
        const d: Deployed = await requireDeployment(this);
        const o = d.outputs;
        const { core, apps } = clients();
        await core.createNamespace({ body: { metadata: { name: outsider } } }).catch(() => undefined);
        const backend = `user-service.${NAMESPACES.platform}.svc.cluster.local`;
        const gateway = await apps.readNamespacedDeployment({ name: "api-gateway", namespace: NAMESPACES.platform });
        probes = {
            allowed: Promise.all([
                probe(NAMESPACES.platform, cacheClient, o.cacheHost, o.cachePort, "PING", redisReply),
                probe(NAMESPACES.platform, redisClient, o.redisWriteHost, o.redisPort, "PING", redisReply),
                probe(NAMESPACES.platform, redisClient, o.redisReadHost, o.redisPort, "PING", redisReply),
            ]),
            unlabelled: Promise.all([
                probe(NAMESPACES.platform, {}, o.cacheHost, o.cachePort),
                probe(NAMESPACES.platform, {}, o.redisWriteHost, o.redisPort),
            ]),
            outsider: Promise.all([
                probe(outsider, { ...cacheClient, ...redisClient }, o.cacheHost, o.cachePort),
                probe(outsider, { ...cacheClient, ...redisClient }, o.redisWriteHost, o.redisPort),
            ]),
            backend: Promise.all([
                probe(NAMESPACES.platform, {}, backend, 8080, http),
                probe(NAMESPACES.platform, gateway.spec!.selector.matchLabels!, backend, 8080, http, "^reply HTTP/"),
                probe(outsider, {}, o.gatewayHost, o.gatewayPort, http, "^reply HTTP/"),
                probe(outsider, {}, o.guestbookFrontendHost, o.guestbookFrontendPort, "GET / HTTP/1.0\r\n", "^reply HTTP/"),
            ]),
        };
        for (const p of Object.values(probes)) p.catch(() => undefined); // each test reports its own failure
    });

    after(async () => {
        await Promise.allSettled(Object.values(probes ?? {}));
        await clients().core.deleteNamespace({ name: outsider }).catch(() => undefined);
    });

    it("lets a pod with the client label in an allowed namespace reach both Redis (an answer: PONG, or NOAUTH without the password)", async () => {
        const [cache, write, read] = await probes.allowed;
        assert.match(cache, /^reply \+PONG/);
        assert.match(write, /^reply -NOAUTH/);
        assert.match(read, /^reply -NOAUTH/);
    });

    it("keeps a pod without the client label from opening 6379 on either Redis", async () => {
        const [cache, write] = await probes.unlabelled;
        assert.match(cache, REFUSED, "the cache tier");
        assert.match(write, REFUSED, "the replicated Redis");
    });

    it("keeps a labelled pod in a namespace that is not a client namespace out", async () => {
        const [cache, write] = await probes.outsider;
        assert.match(cache, REFUSED, "the cache tier");
        assert.match(write, REFUSED, "the replicated Redis");
    });

    it("lets only the gateway reach a backend service, and keeps the gateway and the guestbook frontend open", async () => {
        const [unlabelled, asGateway, gatewayOpen, frontendOpen] = await probes.backend;
        assert.match(unlabelled, REFUSED, "a backend from an unlabelled pod");
        assert.match(asGateway, /^reply HTTP\/1\.[01] 200/, "a backend from a pod with the gateway's labels");
        assert.match(gatewayOpen, /^reply HTTP\/1\.[01] 200/, "the gateway from a namespace that is not a client namespace");
        assert.match(frontendOpen, /^reply HTTP\/1\.[01] 200/, "the guestbook frontend from there");
    });
});
