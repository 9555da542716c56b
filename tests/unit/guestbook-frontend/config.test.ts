import * as assert from "assert/strict";
import { EnvError, loadConfig } from "../../../services/guestbook-frontend/src/config";

const problems = (env: NodeJS.ProcessEnv): readonly string[] => {
    try {
        loadConfig(env);
    } catch (e) {
        assert.ok(e instanceof EnvError);
        return e.problems;
    }
    assert.fail("expected an EnvError");
};

describe("guestbook frontend environment", () => {
    it("finds redis-leader and redis-follower on 6379 by DNS, as upstream, by default and with GET_HOSTS_FROM=dns", () => {
        for (const env of [{}, { GET_HOSTS_FROM: "dns" }]) {
            assert.deepEqual(loadConfig(env), { port: 8080, leader: { host: "redis-leader", port: 6379 }, follower: { host: "redis-follower", port: 6379 } });
        }
    });

    it("takes the Services' hosts and ports from the Kubernetes service env with GET_HOSTS_FROM=env", () => {
        const c = loadConfig({
            GET_HOSTS_FROM: "env", PORT: "9000",
            REDIS_LEADER_SERVICE_HOST: "10.0.0.10", REDIS_LEADER_SERVICE_PORT: "6380",
            REDIS_FOLLOWER_SERVICE_HOST: "10.0.0.11",
        });
        assert.deepEqual(c, { port: 9000, leader: { host: "10.0.0.10", port: 6380 }, follower: { host: "10.0.0.11", port: 6379 } });
    });

    it("reports every bad variable at once, with exact messages", () => {
        assert.deepEqual(problems({ GET_HOSTS_FROM: "env", PORT: "80x", REDIS_FOLLOWER_SERVICE_HOST: "bad host" }), [
            'PORT: "80x" is not a port; use a whole number from 1 to 65535',
            "REDIS_LEADER_SERVICE_HOST is not set; with GET_HOSTS_FROM=env the Redis Services must exist before the pod starts (or use GET_HOSTS_FROM=dns)",
            'REDIS_FOLLOWER_SERVICE_HOST: "bad host" is not a host name or address',
        ]);
        assert.deepEqual(problems({ GET_HOSTS_FROM: "consul" }), ['GET_HOSTS_FROM: "consul" is not dns or env']);
    });
});
