import * as assert from "assert/strict";
import { EnvError, describeConfig, loadConfig } from "../../../services/order-service/src/config";
import { createLogger } from "../../../services/order-service/src/log";

describe("order service: environment and logging", () => {
    it("reads the variables the platform component sets, with defaults for the ports", () => {
        assert.deepEqual(loadConfig({ REDIS_HOST: "redis-master.redis.svc.cluster.local", REDIS_READ_HOST: "redis-replica.redis.svc.cluster.local", REDIS_PASSWORD: " pw " }), {
            port: 8080, writeHost: "redis-master.redis.svc.cluster.local", readHost: "redis-replica.redis.svc.cluster.local", redisPort: 6379, password: " pw ",
        });
        assert.deepEqual(loadConfig({ REDIS_HOST: "10.0.0.7", REDIS_PORT: "6380", PORT: "9000", REDIS_READ_HOST: "" }), {
            port: 9000, writeHost: "10.0.0.7", readHost: undefined, redisPort: 6380, password: undefined,
        });
    });

    it("reports every bad variable at once, without echoing the password", () => {
        try {
            loadConfig({ REDIS_PORT: "63 79", PORT: "0", REDIS_READ_HOST: "redis replica", REDIS_PASSWORD: "s3cret-pw" });
            assert.fail("accepted");
        } catch (e) {
            assert.ok(e instanceof EnvError);
            assert.deepEqual(e.problems, [
                'PORT: "0" is not a port; use a whole number from 1 to 65535',
                "REDIS_HOST is not set; set it to the replicated Redis's write Service (the platform component does)",
                'REDIS_READ_HOST: "redis replica" is not a host name; use a DNS name such as redis-master.redis.svc.cluster.local',
                'REDIS_PORT: "63 79" is not a port; use a whole number from 1 to 65535',
            ]);
            assert.ok(!e.message.includes("s3cret-pw"));
        }
    });

    it("describes the configuration for the start-up log without the password", () => {
        const d = describeConfig(loadConfig({ REDIS_HOST: "m", REDIS_PASSWORD: "s3cret-pw" }));
        assert.deepEqual(d, { port: 8080, redisMode: "direct", writeHost: "m", readHost: "m (REDIS_READ_HOST not set: reads use the write connection)", redisPort: 6379, redisAuth: "password from REDIS_PASSWORD" });
    });

    it("says only that REDIS_HOST is not set in an empty environment (the image's start-up check looks for that text)", () => {
        assert.throws(() => loadConfig({}), (e: unknown) => e instanceof EnvError && e.problems.length === 1
            && e.problems[0] === "REDIS_HOST is not set; set it to the replicated Redis's write Service (the platform component does)");
    });

    describe("Sentinel mode", () => {
        const SENTINEL = "redis-sentinel.redis.svc.cluster.local";
        const problems = (env: Record<string, string>): readonly string[] => {
            try {
                loadConfig(env);
            } catch (e) {
                assert.ok(e instanceof EnvError, `expected an EnvError, got ${e}`);
                return e.problems;
            }
            assert.fail(`environment ${JSON.stringify(env)} was accepted`);
        };

        it("is chosen by REDIS_SENTINEL_HOST, with port 26379 by default; REDIS_HOST is then not needed", () => {
            assert.deepEqual(loadConfig({ REDIS_SENTINEL_HOST: SENTINEL, REDIS_SENTINEL_MASTER_SET: "mymaster", REDIS_PASSWORD: "pw" }), {
                port: 8080, writeHost: "", readHost: undefined, redisPort: 6379, password: "pw",
                sentinel: { host: SENTINEL, port: 26379, masterSet: "mymaster" },
            });
            assert.deepEqual(loadConfig({ REDIS_SENTINEL_HOST: " 10.0.0.9 ", REDIS_SENTINEL_PORT: "26380", REDIS_SENTINEL_MASTER_SET: "shop_orders.v2-a", REDIS_HOST: "redis-master" }).sentinel,
                { host: "10.0.0.9", port: 26380, masterSet: "shop_orders.v2-a" });
        });

        it("is not chosen without REDIS_SENTINEL_HOST: the other Sentinel variables are checked but change nothing", () => {
            const direct = loadConfig({ REDIS_HOST: "m", REDIS_SENTINEL_PORT: "26379", REDIS_SENTINEL_MASTER_SET: "mymaster" });
            assert.equal(direct.sentinel, undefined);
            assert.ok(!("sentinel" in direct));
        });

        it("needs the master set name, and reports it with every other bad variable at once", () => {
            assert.deepEqual(problems({ REDIS_SENTINEL_HOST: SENTINEL }), [
                "REDIS_SENTINEL_MASTER_SET is not set; REDIS_SENTINEL_HOST is, so set it to the master set name the Sentinels monitor (for example mymaster)",
            ]);
            assert.deepEqual(problems({ PORT: "http", REDIS_HOST: "redis master", REDIS_SENTINEL_HOST: "sentinel_0", REDIS_SENTINEL_PORT: "65536", REDIS_SENTINEL_MASTER_SET: "my master", REDIS_PASSWORD: "s3cret-pw" }), [
                'PORT: "http" is not a port; use a whole number from 1 to 65535',
                'REDIS_HOST: "redis master" is not a host name; use a DNS name such as redis-master.redis.svc.cluster.local',
                'REDIS_SENTINEL_HOST: "sentinel_0" is not a host name; use a DNS name such as redis-sentinel.redis.svc.cluster.local',
                'REDIS_SENTINEL_PORT: "65536" is not a port; use a whole number from 1 to 65535',
                "REDIS_SENTINEL_MASTER_SET: \"my master\" is not a master set name; use letters, digits, '.', '_' or '-' (for example mymaster)",
            ]);
        });

        it("still needs REDIS_HOST when no Sentinel is named, and checks the Sentinel variables given", () => {
            assert.deepEqual(problems({ REDIS_SENTINEL_PORT: "0", REDIS_SENTINEL_MASTER_SET: "a:b" }), [
                "REDIS_HOST is not set; set it to the replicated Redis's write Service (the platform component does)",
                'REDIS_SENTINEL_PORT: "0" is not a port; use a whole number from 1 to 65535',
                "REDIS_SENTINEL_MASTER_SET: \"a:b\" is not a master set name; use letters, digits, '.', '_' or '-' (for example mymaster)",
            ]);
        });

        it("is described for the start-up log with the Sentinels and the master set, without the password", () => {
            const d = describeConfig(loadConfig({ REDIS_SENTINEL_HOST: SENTINEL, REDIS_SENTINEL_MASTER_SET: "mymaster", REDIS_PASSWORD: "s3cret-pw" }));
            assert.deepEqual(d, {
                port: 8080, redisMode: "sentinel", sentinel: `${SENTINEL}:26379`, masterSet: "mymaster",
                writeHost: "the master the Sentinels name (role master)", readHost: "a replica the Sentinels name (role slave)",
                redisAuth: "password from REDIS_PASSWORD (Redis and Sentinel)",
            });
            const both = describeConfig(loadConfig({ REDIS_SENTINEL_HOST: SENTINEL, REDIS_SENTINEL_MASTER_SET: "mymaster", REDIS_HOST: "m", REDIS_READ_HOST: "r" }));
            assert.deepEqual([both.redisAuth, both.notUsed], ["none", "REDIS_HOST and REDIS_READ_HOST (Sentinel mode)"]);
            assert.ok(!JSON.stringify(d).includes("s3cret-pw"));
        });
    });

    it("redacts secrets from every log line, also where JSON escaping changed them", () => {
        const lines: string[] = [];
        const log = createLogger({ secrets: ['pa"ss\\word', undefined, ""], write: (l) => lines.push(l) });
        log.warn('auth with pa"ss\\word failed', { error: 'WRONGPASS pa"ss\\word' });
        assert.equal(lines.length, 1);
        const parsed = JSON.parse(lines[0]);
        assert.equal(parsed.level, "warn");
        assert.equal(parsed.msg, "auth with [redacted] failed");
        assert.equal(parsed.error, "WRONGPASS [redacted]");
    });
});
